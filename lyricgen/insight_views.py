"""What the "look inside" tabs show: the widgets' raw values in, tables, HTML, images and text out.

One function a tab, each taking the loaded checkpoints and the values exactly as the app's widgets
(or a client) send them. Every value is checked here (checks.py's rules); a bad one raises
InputError, which the app shows as a bilingual gr.Error. The numbers come from insight_*.py, which
compute them from the loaded models at call time. Nothing here imports gradio.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from PIL import Image, ImageDraw, ImageFont

from .checkpoint import Checkpoint
from .checks import CELL_NAMES, InputError, check_text, check_whole, pick
from .insight import MAX_GENERATE, MAX_TEXT_CHARS, esc, prob_legend_html
from .insight_cells import GATES, hidden_states, open_box, open_box_markdown, trace_images
from .insight_embedding import DEFAULT_MAP_WORDS, embedding_map, nearest_words
from .insight_memory import MAX_MEMORY_WORDS, check_memorization, fingerprint_of, memorization_html
from .insight_words import (
    colored_html,
    compare_cells,
    compare_table,
    next_words,
    score_line,
    word_span,
    words_html,
)
from .tokens import EOL

Checkpoints = dict[str, Checkpoint]

# Limits of the widgets, checked again here; the insight functions check their own too.
DEFAULT_STEPS = 30  # tokens generated in the next-word and compare tabs
MAX_MEMORY_CHARS = MAX_MEMORY_WORDS * 4  # lyrics pasted into the memorization check
OPEN_BOX_CHARS = 30  # "a short sentence": every step is a row of the table
MAX_BOX_UNITS, DEFAULT_BOX_UNITS = 8, 4
NEIGHBOURS = 10


def shown_token(token: str) -> str:
    return "↵ 换行 line break" if token == EOL else token


def cell_title(cell: str) -> str:
    return CELL_NAMES.get(cell, cell.upper())


# ---------------------------------------------------------------------------------------------
# 1. Next word


@dataclass
class NextWordsView:
    html: str  # the lyrics, each generated word coloured by its probability, the chosen step outlined
    info: str  # Markdown: the seed, the chosen step's word and numbers
    before: pd.DataFrame  # top-10 candidates at temperature 1, likeliest first: columns word, probability
    after: pd.DataFrame  # the same words at the chosen temperature
    seed: int  # the seed used: the same seed and inputs give the same lyrics


@torch.inference_mode()
def next_words_view(checkpoints: Checkpoints, start_text: object, cell: object, length: object,
                    temperature: object, seed: object, step: object) -> NextWordsView:
    """Generate, and show step `step`'s ten likeliest next words before and after the temperature.

    A step past the end shows the last step: the step slider may still sit further right than a
    shorter text reaches.
    """
    ckpt = pick(checkpoints, cell)
    index = check_whole(step, 0, MAX_GENERATE - 1, "步", "step")
    result = next_words(ckpt, start_text, length, temperature, None, seed)
    index = min(index, len(result.steps) - 1)
    chosen = result.steps[index]
    labels = [f"{rank}. {'↵' if c.token == EOL else c.token}" for rank, c in enumerate(chosen.candidates, 1)]
    before = pd.DataFrame({"word": labels, "probability": [c.prob_t1 for c in chosen.candidates]})
    after = pd.DataFrame({"word": labels, "probability": [c.prob for c in chosen.candidates]})
    t = result.temperature
    effect = ("温度 0 = 贪心：总是选第一名 · temperature 0 is greedy: always the top word" if t == 0 else
              "温度 < 1：高的更高，分布更尖 · below 1: the likely words get likelier" if t < 1 else
              "温度 > 1：分布更平，更随机 · above 1: flatter, more random" if t > 1 else
              "温度 1：就是模型自己的分布 · temperature 1: the model's own distribution")
    info = "\n\n".join([
        f"种子 seed：`{result.seed}` · 模型 model：{cell_title(ckpt.model.config.cell)} · "
        f"共 {len(result.steps)} 步 steps",
        f"**第 {index} 步 · step {index}**：选中了 chosen **{esc(shown_token(chosen.token))}** — "
        f"p(T=1) = {chosen.prob_t1:.4f}，p(T={t:g}) = {chosen.prob:.4f}，"
        f"惊讶度 surprisal = {chosen.surprisal:.2f} bits",
        effect,
    ])
    return NextWordsView(colored_html(result, selected=index), info, before, after, result.seed)


# ---------------------------------------------------------------------------------------------
# 2. Compare cells


@dataclass
class CompareView:
    html: str  # the cells' lyrics side by side, each word coloured by its probability under that cell
    table: pd.DataFrame  # one row per cell: mean surprisal, perplexity of its own text, val perplexity, text
    info: str


@torch.inference_mode()
def compare_view(checkpoints: Checkpoints, start_text: object, seed: object, temperature: object,
                 length: object) -> CompareView:
    outputs = compare_cells(checkpoints, start_text, seed, temperature, length)
    start = check_text(start_text, MAX_TEXT_CHARS, "开头文字", "start text")  # checked above: the words shown
    columns = []
    for o in outputs:
        spans = [word_span(w, 2 ** -bits, f"#{i} {bits:.2f} bits")
                 for i, (w, bits) in enumerate(zip(o.words, o.surprisals, strict=True))]
        val = f"{o.val_ppl:.1f}" if o.val_ppl is not None else "–"
        head = (f"<h3 style='margin:0'>{cell_title(o.cell)}</h3><p style='margin:2px 0 6px'>"
                f"平均惊讶度 mean surprisal <b>{o.mean_surprisal:.2f}</b> bits/词 word · "
                f"验证困惑度 val ppl <b>{val}</b></p>")
        prompt = words_html([start] if start else [], spans, legend=False)
        columns.append(f'<div style="flex:1;min-width:220px">{head}{prompt}</div>')
    html = f'<div style="display:flex;gap:16px;flex-wrap:wrap">{"".join(columns)}</div>{prob_legend_html()}'
    info = (f"种子 seed：`{outputs[0].seed}` — 三个模型用同一串随机数，差别来自模型本身。 · "
            f"All cells drew from the same random numbers, so the differences come from the models.")
    return CompareView(html, compare_table(outputs), info)


# ---------------------------------------------------------------------------------------------
# 3. Hidden states


@dataclass
class HiddenStatesView:
    images: list[tuple[Image.Image, str]]  # (heatmap, caption): h_t, then the cell's gates, layer by layer
    table: pd.DataFrame  # one row per step: the word read and |h_t|
    info: str  # Markdown: shapes, and the gap from PyTorch's own cell

    @property
    def picture(self) -> Image.Image:
        """The heatmaps stacked into one picture, each under its English caption (no CJK font needed)."""
        font = ImageFont.load_default(size=13)
        strip = 20
        width = max(image.width for image, _ in self.images)
        height = sum(image.height + strip + 6 for image, _ in self.images)
        canvas = Image.new("RGB", (width, height), "white")
        draw, y = ImageDraw.Draw(canvas), 0
        for image, caption in self.images:
            english = "".join(ch for ch in caption if ord(ch) < 0x2E80).strip(" ·")
            draw.text((4, y + 3), english, fill="black", font=font)
            canvas.paste(image, (0, y + strip))
            y += image.height + strip + 6
        return canvas


@torch.inference_mode()
def hidden_states_view(checkpoints: Checkpoints, text: object, cell: object) -> HiddenStatesView:
    ckpt = pick(checkpoints, cell)
    trace = hidden_states(ckpt, text)
    images = []
    for k in range(len(trace.layers)):
        prefix = f"第 {k} 层 layer {k} · " if len(trace.layers) > 1 else ""
        images += [(image, prefix + caption) for image, caption in trace_images(trace, k).values()]
    steps, units = trace.layers[0].h.shape
    name = cell_title(trace.cell)
    gates = "、".join(GATES[trace.cell]) or "无 none"
    verdict = "✓ < 1e-5" if trace.max_abs_diff < 1e-5 else "✗ ≥ 1e-5"
    info = "\n\n".join([
        f"每条图：行 = 时间步（读入的词，见右表），列 = 隐藏单元；形状 `({steps}, {units})` = `(steps, units)`。"
        f" · Each picture: rows = time steps (the word read, see the table), columns = hidden units.",
        f"{name} 的门 gates：{gates}。红 = 正、蓝 = 负（h、候选值）；门在 0（白）到 1（深蓝）之间。"
        " · Red positive, blue negative (h, candidates); gates run from 0 (white) to 1 (dark blue).",
        f"用模型自己的权重逐步手算，与 `nn.{name}` 的输出相比，最大差别 largest difference from "
        f"`nn.{name}`：**{trace.max_abs_diff:.1e}** {verdict}",
    ])
    return HiddenStatesView(images, trace.table(), info)


# ---------------------------------------------------------------------------------------------
# 4. Open the box


@torch.inference_mode()
def open_box_view(checkpoints: Checkpoints, text: object, units: object) -> str:
    """The plain RNN's h_t computed term by term for a short sentence, in Markdown."""
    if "rnn" not in checkpoints:
        raise InputError("没有加载 RNN 模型，打不开盒子", "no RNN model is loaded, so the box cannot be opened")
    text = check_text(text, OPEN_BOX_CHARS, "句子", "sentence", blank_ok=False)
    shown = check_whole(units, 1, MAX_BOX_UNITS, "单元个数", "number of units")
    return open_box_markdown(open_box(checkpoints["rnn"], text, shown))


# ---------------------------------------------------------------------------------------------
# 5. Embedding neighbours


@dataclass
class NeighboursView:
    table: pd.DataFrame  # rank, then word and cosine for every cell (empty for an unknown word)
    info: str  # Markdown: what the map keeps; for an unknown word, its jieba split and look-alikes
    points: pd.DataFrame  # the map: x, y, word, kind (the query or a frequent word)


QUERY, FREQUENT = "查询词 query", "常用词 frequent word"


@torch.inference_mode()
def neighbours_view(checkpoints: Checkpoints, word: object, cell: object) -> NeighboursView:
    ckpt = pick(checkpoints, cell)
    found = {c: nearest_words(k, word, NEIGHBOURS) for c, k in checkpoints.items()}
    query = next(iter(found.values())).word
    known = any(n.known for n in found.values())
    table = pd.DataFrame({"排名 rank": range(1, NEIGHBOURS + 1) if known else []})
    for c, n in found.items():
        if n.known:
            table[cell_title(c)] = n.table["word"].reindex(range(NEIGHBOURS)).tolist()
            table[f"{cell_title(c)} cos"] = n.table["cosine"].reindex(range(NEIGHBOURS)).tolist()
    points = embedding_map(ckpt, DEFAULT_MAP_WORDS, query)
    explained = points.attrs["explained"]
    points = pd.DataFrame({"x": points["x"], "y": points["y"], "word": points["word"],
                           "kind": [QUERY if q else FREQUENT for q in points["is_query"]]})
    lines = [f"余弦相似度 cosine similarity：1 = 方向相同 same direction，0 = 无关 unrelated。"
             f" 地图 map：{cell_title(ckpt.model.config.cell)} 最常用的 {DEFAULT_MAP_WORDS} 个词，PCA 压到 2 维，"
             f"两轴保留了 {explained[0]:.0%} + {explained[1]:.0%} 的方差 · the {DEFAULT_MAP_WORDS} commonest words, "
             f"PCA to 2-D; the axes keep {explained[0]:.0%} + {explained[1]:.0%} of the variance."]
    unknown = next((n for n in found.values() if not n.known), None)
    if unknown is not None:
        pieces = " | ".join(f"{esc(p)}{'' if known else ' ✗'}"
                            for p, known in zip(unknown.pieces, unknown.pieces_known, strict=True))
        sharing = "、".join(esc(w) for w in unknown.sharing) or "无 none"
        lines += [f"**{esc(query)}** 不在词表里，没有自己的向量。 · is not in the vocabulary, so it has no vector.",
                  f"jieba 切分 split：{pieces}（✗ = 也不在词表 not in the vocabulary either）",
                  f"有相同字的词 words sharing a character：{sharing}"]
    return NeighboursView(table, "\n\n".join(lines), points)


# ---------------------------------------------------------------------------------------------
# 6. Memorization check


@dataclass
class MemorizedView:
    html: str  # the lines, verbatim training lines on an orange band, copied runs underlined
    table: pd.DataFrame  # one row per line: text, verbatim?, words in copied runs


def memorized_view(checkpoints: Checkpoints, lyrics: object, cell: object) -> MemorizedView:
    """Lyrics checked against the training fingerprint shipped with the cell's weights (hashes, not lyrics)."""
    fingerprint = fingerprint_of(pick(checkpoints, cell))
    text = check_text(lyrics, MAX_MEMORY_CHARS, "歌词", "lyrics", blank_ok=False)
    report = check_memorization(text.replace(EOL, "\n"), fingerprint)
    table = pd.DataFrame([{"行 line": line.index, "歌词 text": line.text,
                           "训练集原句 verbatim": "⚠" if line.seen else "",
                           "照抄词数 copied words": sum(line.copied), "词数 words": len(line.words)}
                          for line in report.lines])
    return MemorizedView(memorization_html(report), table)


# ---------------------------------------------------------------------------------------------
# 7. Score a line


@dataclass
class ScoreView:
    summary: pd.DataFrame  # one row per cell: mean surprisal, perplexity of the line, validation perplexity
    html: str  # one row per cell: each word coloured by the probability that cell gave it
    table: pd.DataFrame  # one row per word: its surprisal under every cell


@torch.inference_mode()
def score_line_view(checkpoints: Checkpoints, text: object) -> ScoreView:
    score = score_line(checkpoints, text)
    rows, blocks = [], []
    for cell, bits in score.surprisal.items():
        val = checkpoints[cell].metrics.get("val_ppl")
        rows.append({"模型 cell": cell_title(cell),
                     "平均惊讶度 mean surprisal (bits)": round(sum(bits) / len(bits), 4),
                     "困惑度 perplexity": round(score.perplexity[cell], 3),
                     "验证困惑度 val ppl": round(val, 1) if isinstance(val, (int, float)) else None})
        spans = [word_span(t, 2 ** -b, f"{b:.2f} bits") for t, b in zip(score.tokens, bits, strict=True)]
        blocks.append(f"<div><b>{cell_title(cell)}</b>{words_html([], spans, legend=False)}</div>")
    return ScoreView(pd.DataFrame(rows), "".join(blocks) + prob_legend_html(), score.table())

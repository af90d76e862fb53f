"""What the app's tabs do, without the UI: input checks, limits, loading, and the tables they show.

app.py only lays out Gradio components and calls these functions, so the app, the command line
and the tests share one set of rules. Nothing here imports gradio: a bad input raises InputError,
whose message (Chinese, then English) the app turns into a gr.Error for the student to read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from PIL import Image, ImageDraw, ImageFont

from .checkpoint import Checkpoint, CheckpointError, load_checkpoint
from .checks import CELL_NAMES as CELL_NAMES
from .checks import MAX_SEED as MAX_SEED
from .checks import MAX_TEMPERATURE as MAX_TEMPERATURE
from .checks import MAX_TOP_K as MAX_TOP_K
from .checks import InputError as InputError
from .checks import check_number, check_text, check_whole, parse_seed
from .checks import pick as pick
from .generate import generate_steps, make_prompt, new_generator
from .tokens import UNK, join_words, split_words

# The server checks every limit itself: a Textbox's max_length only binds the browser, and a
# client can POST anything. These keep one request cheap enough for a class sharing one CPU.
MAX_START_CHARS = 200  # start text for generation
MAX_TOKENIZE_CHARS = 200  # sentence for the tokenize tab
MIN_LENGTH, MAX_LENGTH, DEFAULT_LENGTH = 1, 300, 60  # tokens to generate (words and line breaks)
DEFAULT_TEMPERATURE = 0.8

# A class of 30 at once: 2 requests run together, the others wait their turn in a queue long enough
# for everyone to press the button twice. More at once is slower, not faster: the handlers share one
# interpreter lock, and 8 threads taking turns on it served 30 users' 100-word requests about 40 %
# slower than 2 did on a 2-core machine (bench/load.py). The model steps themselves use torch's threads.
CONCURRENCY_LIMIT = 2
QUEUE_MAX_SIZE = 64
STREAM_EVERY_S = 0.04  # generate_stream(..., every_s=STREAM_EVERY_S): at most 25 page updates a second

WEIGHTS_ENV = "LYRICGEN_WEIGHTS"  # another weights root, holding rnn/, lstm/ and gru/
CELL_ORDER = list(CELL_NAMES)  # rnn, lstm, gru
SHOWN_DIMS = 8  # embedding dimensions shown as table columns (the heatmap shows them all)


# ---------------------------------------------------------------------------------------------
# Loading


def weights_root(default: str | Path) -> Path:
    """The folder holding one weights folder per cell: $LYRICGEN_WEIGHTS when set, else default."""
    return Path(os.environ.get(WEIGHTS_ENV) or default)


def load_models(root: str | Path, device: torch.device | str | None = None) -> dict[str, Checkpoint]:
    """Load root/rnn, root/lstm and root/gru (those present) once, onto device (default: GPU if any).

    Each folder must hold the cell its name says: a mix-up would label one model as another.
    """
    root = Path(root)
    checkpoints: dict[str, Checkpoint] = {}
    for cell in CELL_ORDER:
        if not (root / cell).is_dir():
            continue
        ckpt = load_checkpoint(root / cell, device)
        if ckpt.model.config.cell != cell:
            raise CheckpointError(f"{root / cell}: holds a {ckpt.model.config.cell} model, not {cell}")
        checkpoints[cell] = ckpt
    if not checkpoints:
        raise CheckpointError(f"{root}: no weights folder named {', '.join(CELL_ORDER)}")
    return checkpoints


def device_of(checkpoints: dict[str, Checkpoint]) -> str:
    return str(next(iter(checkpoints.values())).model.device)


# ---------------------------------------------------------------------------------------------
# Input checks (the rules themselves are in checks.py, shared with the insight tabs)


@dataclass
class GenerateRequest:
    start_text: str
    length: int
    temperature: float
    top_k: int | None  # None: the whole vocabulary
    seed: int | None  # None: a random seed, reported back


def check_generate(start_text: object, length: object, temperature: object, top_k: object,
                   seed: object) -> GenerateRequest:
    """Every generate input checked on the server, whatever the browser allowed."""
    text = check_text(start_text, MAX_START_CHARS, "开头文字", "start text")
    k = check_whole(0 if top_k is None else top_k, 0, MAX_TOP_K, "top-k", "top-k")
    return GenerateRequest(
        start_text=text,
        length=check_whole(length, MIN_LENGTH, MAX_LENGTH, "生成长度", "length"),
        temperature=float(check_number(temperature, 0.0, MAX_TEMPERATURE, "温度", "temperature")),
        top_k=k or None,
        seed=parse_seed(seed),
    )


def limit_allocator_arenas(arenas: int = 2) -> bool:
    """Cap glibc malloc's per-thread arenas (what MALLOC_ARENA_MAX=2 does), as a server starts.

    Every Gradio worker thread would otherwise get a memory arena of its own that is never given
    back: under 30 users the server grew about 100 MB that way (bench/load.py), 44 MB when capped.
    Returns False where there is no glibc (macOS, Windows, musl): nothing to do there.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return True  # the person starting the server chose already
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8 is M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        return False


def share_cpu_threads() -> int:
    """Give each of the CONCURRENCY_LIMIT requests running together its share of the CPU cores.

    torch would let every request use every core; with two requests at once on two cores their
    threads then wait on each other. One thread each served a class of 30 about 15 % more requests
    a second (bench/load.py), while one student alone barely notices (100 words: 25 ms → 40 ms).
    """
    threads = max(1, (os.cpu_count() or 1) // CONCURRENCY_LIMIT)
    torch.set_num_threads(threads)
    return threads


# ---------------------------------------------------------------------------------------------
# Generate tab


@dataclass
class GenerateUpdate:
    text: str  # the lyrics so far: start text plus the words generated up to now
    info: str  # Markdown: seed, unknown words, model and device


def generate_stream(ckpt: Checkpoint, request: GenerateRequest, every_s: float = 0.0) -> Iterator[GenerateUpdate]:
    """Yield the growing lyrics as words are generated, so the page can show them appear.

    every_s = 0: one update per word. every_s > 0: an update once at least every_s seconds have
    passed since the last one, and always the first (the start text) and the last (every word).
    Each update costs the server far more than the word itself (Gradio sends it as a message of
    its own, about 1.5 ms of one core, against 0.1-0.3 ms for a model step), so a class of 30
    asking at once needs STREAM_EVERY_S: the page still updates 25 times a second.
    """
    prompt = make_prompt(ckpt.vocab, request.start_text)
    generator, seed = new_generator(request.seed)
    info = generation_info(ckpt, request, prompt.words, prompt.unknown, seed)
    words = list(prompt.words)
    yield GenerateUpdate(join_words(words), info)
    last_sent = time.monotonic()
    steps = generate_steps(ckpt.model, ckpt.vocab, prompt.ids, request.length, request.temperature,
                           request.top_k, generator)
    for n, step in enumerate(steps, 1):
        words.append(step.token)
        if n == request.length or time.monotonic() - last_sent >= every_s:
            yield GenerateUpdate(join_words(words), info)
            last_sent = time.monotonic()


def generation_info(ckpt: Checkpoint, request: GenerateRequest, words: list[str], unknown: list[str],
                    seed: int) -> str:
    cfg = ckpt.model.config
    lines = [
        f"**种子 seed：`{seed}`**（填回“种子”框即可重现这一次 · type it into *seed* to get the same lyrics again）",
        f"模型 model：{CELL_NAMES[cfg.cell]} · 设备 device：`{ckpt.model.device}` · "
        f"温度 temperature：{request.temperature:g}{'（贪心 greedy）' if request.temperature == 0 else ''} · "
        f"top-k：{request.top_k or '全部 all'}",
    ]
    if not words:
        lines.append("没有开头文字：模型从一行的开头写起。 · "
                     "No start text: the model starts at the beginning of a line.")
    if unknown:
        shown = "、".join(dict.fromkeys(unknown))
        lines.append(
            f"词表里没有这些词，模型把它们当作 `{UNK}`（未知词）读入：{shown}。"
            f" · Not in the vocabulary, so the model reads each as `{UNK}` (unknown word): {shown}."
        )
    return "\n\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Tokenize & embed tab


@dataclass
class TokenizeResult:
    table: pd.DataFrame  # one row per token: position, word, id, known?, first dims, norm
    shapes: str  # Markdown: the tensor shapes along the way
    heatmap: Image.Image  # rows = tokens, columns = embedding dimensions


def tokenize(ckpt: Checkpoint, text: object) -> TokenizeResult:
    """Sentence → jieba words → ids → embedding vectors, as a table, shapes and a heatmap."""
    text = check_text(text, MAX_TOKENIZE_CHARS, "句子", "sentence")
    words = split_words(text)
    if not words:
        raise InputError("请输入至少一个词", "please type at least one word")
    vocab, model = ckpt.vocab, ckpt.model
    ids = torch.tensor(vocab.encode(words), dtype=torch.long)  # (seq_len,)
    with torch.inference_mode():
        vectors = model.embedding.weight.detach()[ids.to(model.device)].float().cpu()  # (seq_len, embed_dim)
    batched = vectors.unsqueeze(1)  # (seq_len, batch=1, input_size): nn.RNN's default layout
    shown = min(SHOWN_DIMS, vectors.size(1))
    rows = []
    for i, (word, token_id) in enumerate(zip(words, ids.tolist(), strict=True)):
        row = {"#": i, "词 word": word, "id": token_id,
               "词表中 in vocab": "✓" if word in vocab else f"✗ → {UNK}"}
        row.update({f"d{j}": round(float(vectors[i, j]), 3) for j in range(shown)})
        row["范数 norm"] = round(float(vectors[i].norm()), 3)
        rows.append(row)
    seq_len, embed_dim = vectors.shape
    unknown = [w for w in words if w not in vocab]
    shapes = "\n".join([
        f"1. jieba 分词 tokens：{' | '.join(words)}",
        f"2. 词表 id ids：`{ids.tolist()}` → 形状 shape `{tuple(ids.shape)}` = `(seq_len,)`",
        f"3. 词嵌入 embedding lookup `embedding.weight[ids]`（矩阵 matrix `{tuple(model.embedding.weight.shape)}`"
        f" = `(vocab_size, embed_dim)`）→ `{(seq_len, embed_dim)}` = `(seq_len, embed_dim)`",
        f"4. 加一个批次维度 add a batch dimension `unsqueeze(1)` → `{tuple(batched.shape)}` = "
        f"`(seq_len, batch, input_size)`：这就是 `nn.{type(model.rnn).__name__}` 要的输入 · what the cell expects",
    ])
    if unknown:
        shapes += (f"\n\n未知词 unknown words（都用同一个 `{UNK}` 向量 · all share the one `{UNK}` vector）："
                   f"{'、'.join(dict.fromkeys(unknown))}")
    if shown < embed_dim:
        shapes += f"\n\n表格只列出前 {shown} 维；热图画出全部 {embed_dim} 维。 · The table shows the first {shown} " \
                  f"of {embed_dim} dimensions; the heatmap shows them all."
    return TokenizeResult(pd.DataFrame(rows), shapes, heatmap(vectors))


def heatmap(vectors: torch.Tensor, cell_w: int = 4, cell_h: int = 22, label_w: int = 28, top: int = 28) -> Image.Image:
    """(seq_len, dim) → a PIL image: red positive, blue negative, white zero; one row per token.

    Rows are labelled by position (#), not by word: a Space may lack a Chinese font, and the
    table beside it names the word at each position. The top margin keeps row 0 clear of the
    label Gradio lays over the image's corner.
    """
    seq_len, dim = vectors.shape
    scale = float(vectors.abs().max()) or 1.0
    values = (vectors / scale).clamp(-1, 1)  # one scale for the whole picture, so rows compare
    cell_w = max(cell_w, 512 // max(dim, 1))  # small embeddings get wider cells
    width = label_w + dim * cell_w
    image = Image.new("RGB", (max(width, 160), top + seq_len * cell_h), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=12)
    draw.text((label_w, top - 14), "dim 0", fill="black", font=font)
    draw.text((width - 4, top - 14), f"dim {dim - 1}", fill="black", font=font, anchor="ra")
    for i in range(seq_len):
        draw.text((4, top + i * cell_h + 4), str(i), fill="black", font=font)
        for j in range(dim):
            v = float(values[i, j])
            fade = int(255 * (1 - abs(v)))
            color = (255, fade, fade) if v >= 0 else (fade, fade, 255)
            x, y = label_w + j * cell_w, top + i * cell_h
            draw.rectangle([x, y, x + cell_w - 1, y + cell_h - 2], fill=color)
    return image


# ---------------------------------------------------------------------------------------------
# Model tab


def model_summary(checkpoints: dict[str, Checkpoint]) -> pd.DataFrame:
    """One row per cell: sizes, parameters, and validation perplexity beside the n-gram baseline."""
    rows = []
    for cell, ckpt in checkpoints.items():
        cfg, m = ckpt.model.config, ckpt.metrics
        rows.append({
            "模型 model": CELL_NAMES[cell],
            "参数 parameters": f"{ckpt.model.num_parameters():,}",
            "词表 vocab": cfg.vocab_size,
            "词向量 embed_dim": cfg.embed_dim,
            "隐藏层 hidden_dim": cfg.hidden_dim,
            "层数 layers": cfg.num_layers,
            "验证困惑度 val ppl": _fmt(m.get("val_ppl")),
            "n-gram 困惑度 ppl": _fmt(m.get("ngram_val_ppl")),
            "比值 ratio": _fmt(m.get("ppl_ratio_to_ngram"), 3),
            "最佳轮次 best epoch": m.get("best_epoch", "–"),
            "训练设备 trained on": m.get("device", "–"),
            "运行设备 running on": str(ckpt.model.device),
        })
    return pd.DataFrame(rows)


def _fmt(value: object, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"


def training_curves(ckpt: Checkpoint) -> pd.DataFrame:
    """metrics.json's history in long form (epoch, loss, curve) for a line plot.

    Loss (nats per word), not perplexity: the untrained epoch 0 has a perplexity near the
    vocabulary size, which would flatten every later point against the axis.
    """
    rows = []
    for entry in ckpt.metrics.get("history", []):
        for key, name in (("train_loss", "训练 train"), ("val_loss", "验证 validation")):
            if isinstance(entry.get(key), (int, float)):
                rows.append({"epoch": entry["epoch"], "loss": entry[key], "curve": name})
    return pd.DataFrame(rows, columns=["epoch", "loss", "curve"])


def model_card(ckpt: Checkpoint) -> str:
    """A few lines on one model, in Markdown."""
    cfg, m = ckpt.model.config, ckpt.metrics
    text = (f"### {CELL_NAMES[cfg.cell]}\n"
            f"参数 parameters：**{ckpt.model.num_parameters():,}** · embed {cfg.embed_dim} · hidden {cfg.hidden_dim}"
            f" · layers {cfg.num_layers} · vocab {cfg.vocab_size:,} · 设备 device `{ckpt.model.device}`")
    if isinstance(m.get("val_ppl"), (int, float)) and isinstance(m.get("ngram_val_ppl"), (int, float)):
        text += (f"\n\n验证困惑度 validation perplexity **{m['val_ppl']:.1f}**，"
                 f"{m.get('ngram_order', 'n')}-gram 基线 baseline {m['ngram_val_ppl']:.1f}"
                 f"（越低越好 · lower is better）")
    return text

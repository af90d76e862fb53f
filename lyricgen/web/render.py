"""Drawing the numbers: names, colours, one heatmap renderer, coloured words, Markdown tables, escaping.

Everything the student reads as HTML, Markdown or a picture is made here or in a tab's module, from
the numbers lyricgen.inspect computes. Anything a student typed is escaped before it reaches HTML.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..inspect.memory import MemoryReport
from ..inspect.states import TERMS, HiddenTrace, OpenBox
from ..inspect.words import NextWordResult
from ..tokens import EOL, UNK, join_words
from .i18n import t

CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # how the page names each of model.CELLS


def esc(text: str) -> str:
    """Text safe inside HTML, quotes included (words go into title="..." attributes too)."""
    return html.escape(text, quote=True)


def text_lines_html(lines) -> str:
    """Lines shown as plain text in an HTML component: whatever they quote (a link's parameters, a value a
    student typed) shows as the characters it is, never as a tag, a link or Markdown."""
    return "".join(f"<p>{esc(line)}</p>" for line in lines)


def shown_token(token: str) -> str:
    return t("token.line_break") if token == EOL else token


def md_cell(text: str) -> str:
    """A Markdown table cell: HTML-escaped, pipes, backslashes and emphasis marks defused."""
    return esc(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# ---------------------------------------------------------------------------------------------
# Probability colours, light enough for black text on top: pale yellow for words the model found
# unlikely, through green, to blue-green for the words it expected (ColorBrewer's YlGnBu, light end).
# The colours darken steadily as p grows, so their order survives in greyscale and for red–green
# colour blindness (no red against green). The scale is logarithmic (1e-3 … 1), because "1 in 1,000"
# and "1 in 100" differ as much to a reader as 10% and 100%.

PROB_STOPS = [(-3.0, (255, 255, 204)), (-1.5, (161, 218, 180)), (0.0, (65, 182, 196))]
PROB_FLOOR = 1e-3


def prob_color(p: float) -> str:
    """A probability → "#rrggbb" background colour on the yellow–green–blue scale above."""
    x = math.log10(min(1.0, max(PROB_FLOOR, p)))
    xs = [s[0] for s in PROB_STOPS]
    rgb = [round(float(np.interp(x, xs, [s[1][c] for s in PROB_STOPS]))) for c in range(3)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def prob_legend_html() -> str:
    """A small key for prob_color."""
    swatches = "".join(
        f'<span style="background:{prob_color(p)};padding:0 6px;margin-right:2px">{label}</span>'
        for p, label in ((0.001, "≤0.1%"), (0.01, "1%"), (0.1, "10%"), (0.5, "50%"), (1.0, "100%"))
    )
    return f'<div style="font-size:0.85em;margin-top:6px">{esc(t("render.probability"))}{swatches}</div>'


def word_span(token: str, p: float, tip: str, selected: bool = False) -> str:
    """One word as HTML on a background coloured by its probability p, tip shown on hover; a line break
    (EOL) as ↵ followed by a real one. selected: outlined, to point at one step."""
    shown = "↵" if token == EOL else esc(token)
    outline = "outline:2px solid #333;" if selected else ""
    span = (f'<span title="{esc(tip)}" style="background:{prob_color(p)};border-radius:3px;'
            f'padding:0 1px;margin:0 1px;{outline}">{shown}</span>')
    return span + ("<br>" if token == EOL else "")


# A word the vocabulary lacks is read as <unk>: its probability is that of "some word I do not know", not the
# word's own, so it gets no probability colour but grey stripes (seen without colour vision too), and a tip.
UNKNOWN_STYLE = "background:repeating-linear-gradient(135deg,#e0e0e0 0 4px,#bdbdbd 4px 8px);color:#333;"


def unknown_span(token: str, tip: str) -> str:
    """A word read as <unk>, striped grey, tip shown on hover (class unknown-word: tests and CSS find it)."""
    return (f'<span class="unknown-word" title="{esc(tip)}" style="{UNKNOWN_STYLE}border-radius:3px;'
            f'padding:0 1px;margin:0 1px">{esc(token)}</span>')


def unknown_legend_html() -> str:
    """The key for unknown_span."""
    return (f'<div style="font-size:0.85em;margin-top:4px"><span style="{UNKNOWN_STYLE}padding:0 6px;'
            f'margin-right:4px">&nbsp;</span>{esc(t("render.unknown", unk=UNK))}</div>')


def words_html(prompt_words: list[str], spans: list[str], legend: bool = True) -> str:
    """The start words in grey, then the coloured spans, then (legend) the colour key."""
    parts = [f'<span style="color:#666">{esc(join_words(prompt_words))}</span>'] if prompt_words else []
    body = "".join(parts + spans)
    return f'<div style="line-height:1.9;font-size:1.1em">{body}</div>{prob_legend_html() if legend else ""}'


def next_words_html(result: NextWordResult, selected: int | None = None) -> str:
    """The lyrics as HTML: start words plain, each generated word on a background coloured by how expected
    it was (p_model, see lyricgen.inspect.words). Hovering a word shows its step number, p_model, p_T and
    surprisal; step `selected` is outlined."""
    spans = []
    for step in result.steps:
        tip = t("next_words.tip", index=step.index, p=f"{step.prob_model:.3g}",
                temperature=f"{result.sampling.temperature:g}", p_t=f"{step.prob:.3g}", bits=f"{step.surprisal:.2f}")
        spans.append(word_span(step.token, step.prob_model, tip, step.index == selected))
    return words_html(result.prompt_words, spans)


# ---------------------------------------------------------------------------------------------
# Heatmaps. A diverging colormap (blue – white – red, in the spirit of ColorBrewer's RdBu) for values
# with a sign, such as h_t in [-1, 1]; a sequential one (white – dark blue) for gates in [0, 1].

DIVERGING = [(-1.0, (33, 102, 172)), (-0.5, (146, 197, 222)), (0.0, (247, 247, 247)),
             (0.5, (244, 165, 130)), (1.0, (178, 24, 43))]
SEQUENTIAL = [(0.0, (247, 251, 255)), (0.5, (107, 174, 214)), (1.0, (8, 48, 107))]
HEADER_H = 28  # the strip above a heatmap that names its first and last columns


def colorize(values: np.ndarray, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """values (...) already scaled to the stops' range → RGB (..., 3) uint8, linear between stops."""
    xs = np.array([s[0] for s in stops])
    channels = [np.interp(values, xs, np.array([s[1][c] for s in stops], dtype=float)) for c in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def heatmap_image(values: np.ndarray, diverging: bool = True, limit: float | None = None,
                  cell_w: int | None = None, cell_h: int = 14, row_labels: bool = True,
                  column_header: str | None = None, label_every: int = 1) -> Image.Image:
    """A (rows, cols) array → a PIL heatmap, one row per time step (or token), one column per unit.

    diverging: blue negative, white zero, red positive, over [-limit, limit] (default: the largest
    |value|, one scale for the whole picture so rows compare); else white 0 → dark blue limit, for
    gates. Pass limit=1 for tanh states and gates so pictures of different models share one scale.
    Row labels are row numbers (digits only, so no Chinese font is needed); the table beside the
    picture says which word each row is. column_header names the columns ("dim" → "dim 0 … dim N-1"),
    in the page's language (Chinese needs a Chinese font on the machine: see caption_font), in a strip
    above, which also keeps row 0 clear of the label Gradio lays over the image's corner.
    label_every: only every k-th row is numbered, for rows too thin for a label each (hundreds of steps).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.size == 0:
        raise ValueError("a heatmap needs a non-empty 2-D array")
    rows, cols = values.shape
    top = limit if limit is not None else float(np.nanmax(np.abs(values))) or 1.0
    if diverging:
        rgb = colorize(np.clip(values / top, -1, 1), DIVERGING)
    else:
        rgb = colorize(np.clip(values / top, 0, 1), SEQUENTIAL)
    cell_w = cell_w or max(2, min(24, 768 // cols))  # small layers get wider cells
    picture = Image.fromarray(rgb, "RGB").resize((cols * cell_w, rows * cell_h), Image.Resampling.NEAREST)
    if not row_labels and column_header is None:
        return picture
    label_w = 8 + 7 * len(str(rows - 1)) if row_labels else 0
    header_h = HEADER_H if column_header is not None else 0
    image = Image.new("RGB", (label_w + picture.width, header_h + picture.height), "white")
    image.paste(picture, (label_w, header_h))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    if row_labels:
        for i in range(0, rows, max(1, label_every)):
            draw.text((3, header_h + i * cell_h + max(0, (cell_h - 11) // 2)), str(i), fill="black", font=font)
    if column_header is not None:
        header_font = font
        if has_cjk(column_header):  # PIL's own font has no Chinese: without a Chinese font, numbers alone
            header_font = caption_font(11)
            if not isinstance(header_font, ImageFont.FreeTypeFont):
                header_font, column_header = font, ""
        draw.text((label_w, header_h - 14), f"{column_header} 0".strip(), fill="black", font=header_font)
        draw.text((image.width - 2, header_h - 14), f"{column_header} {cols - 1}".strip(), fill="black",
                  font=header_font, anchor="ra")
    return image


# Fonts with Chinese characters, where Linux distributions put them (apt install fonts-noto-cjk; a
# Space installs it from packages.txt). PIL's own font has Latin letters only.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def caption_font(size: int = 13) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A font that draws Chinese, when the machine has one; else PIL's default (Latin only)."""
    for path in CJK_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


def stacked(images: list[tuple[Image.Image, str]]) -> Image.Image:
    """Pictures one under another, each under its caption. Without a Chinese font on the machine a
    Chinese caption would be empty boxes: it is left out of the picture (the page's text names each
    picture in the same order)."""
    font = caption_font(13)
    can_draw_cjk = isinstance(font, ImageFont.FreeTypeFont)
    strip = 20
    width = max(image.width for image, _ in images)
    height = sum(image.height + strip + 6 for image, _ in images)
    canvas = Image.new("RGB", (width, height), "white")
    draw, y = ImageDraw.Draw(canvas), 0
    for image, caption in images:
        if can_draw_cjk or not has_cjk(caption):
            draw.text((4, y + 1), caption, fill="black", font=font)
        canvas.paste(image, (0, y + strip))
        y += image.height + strip + 6
    return canvas


# ---------------------------------------------------------------------------------------------
# Hidden states and gates

GATE_NAMES = {name: f"gate.{name}" for name in "hifgocrzn"}  # the key of each quantity's name in the strings
GATES_IN_0_1 = ("i", "f", "o", "r", "z")  # sigmoid outputs: drawn white (0) to dark blue (1)


def trace_images(trace: HiddenTrace, layer: int = 0) -> list[tuple[Image.Image, str]]:
    """One heatmap per quantity of a layer ("h", then the gates), each with its caption.

    Rows are steps, columns units. Values in [-1, 1] (h of every cell, candidates g and n) share
    the fixed diverging scale, gates in [0, 1] the sequential one, so pictures compare across
    models; only the LSTM's cell state c is unbounded, and is scaled to its own largest value.
    """
    data = trace.layers[layer]
    images = []
    for name, values in {"h": data.h, **data.gates}.items():
        if name in GATES_IN_0_1:
            image = heatmap_image(values, diverging=False, limit=1.0)
        elif name == "c":
            image = heatmap_image(values)
        else:
            image = heatmap_image(values, limit=1.0)
        images.append((image, t(GATE_NAMES[name])))
    return images


# ---------------------------------------------------------------------------------------------
# Open the box


def _numbers(values: list[float]) -> str:
    return " ".join(f"{v:+.3f}" for v in values)


def open_box_markdown(box: OpenBox) -> str:
    """The box explained in Markdown: the equation, the shapes, then each step's terms."""
    s = box.shapes
    hidden, embed = s["W_hh"][0], s["W_ih"][1]
    lines = [
        t("box.heading"),
        "",
        "$$h_t = \\tanh(W_{ih}\\,x_t + b_{ih} + W_{hh}\\,h_{t-1} + b_{hh})$$",
        "",
        t("box.explain"),
        "",
        t("box.shapes_header"),
        "|---|---|---|",
        f"| embedding | `{s['embedding']}` | {t('box.embedding')} |",
        f"| W_ih | `{s['W_ih']}` | {t('box.w_ih')}: `({hidden}, {embed}) @ ({embed},) → ({hidden},)` |",
        f"| b_ih | `{s['b_ih']}` | {t('box.b_ih')} |",
        f"| W_hh | `{s['W_hh']}` | {t('box.w_hh')}: `({hidden}, {hidden}) @ ({hidden},) → ({hidden},)` |",
        f"| b_hh | `{s['b_hh']}` | {t('box.b_hh')} |",
        f"| h_t | `{s['h_t']}` | {t('box.h_t')} |",
        "",
        t("box.units", units=box.units, hidden=hidden),
        "",
        f"| {t('box.step')} | {t('box.word')} | "
        + " | ".join(md_cell(term.replace("sum", t("box.sum"))) for term in TERMS) + " |",  # "sum" is a word
        "|---|---|" + "---|" * len(TERMS),
    ]
    for step in box.steps:
        word = f"{step.token} → {UNK}" if step.unknown else step.token
        cells = [_numbers(step.terms[term]) for term in TERMS]
        lines.append(f"| {step.t} | {md_cell(word)} | " + " | ".join(cells) + " |")
    verdict = t("box.agree") if box.max_abs_diff < 1e-5 else t("box.differ")
    lines += ["", t("box.check", diff=f"{box.max_abs_diff:.2e}", verdict=verdict)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Memorization

RUN_STYLE = "text-decoration:underline 2px #c0392b"  # words inside a copied run


def memory_summary(report: MemoryReport) -> str:
    """One sentence with the figures."""
    return t("memory.summary", lines=len(report.lines), seen=report.seen_lines, seen_share=f"{report.seen_share:.0%}",
             copied=f"{report.copied_word_share:.0%}", run=report.run_words)


def memorization_html(report: MemoryReport) -> str:
    """The lines as HTML: a verbatim training line on an orange band with a badge, words of copied
    runs underlined in red, new lines plain; then the summary."""
    parts = []
    for line in report.lines:
        pieces = []
        for i, (word, copied) in enumerate(zip(line.words, line.copied, strict=True)):
            if i and join_words(line.words[i - 1 : i + 1]) != line.words[i - 1] + word:
                pieces.append(" ")  # join_words's space between two Latin words
            shown = esc(word)
            if copied:
                shown = f'<span style="{RUN_STYLE}" title="{esc(t("memory.copied_run"))}">{shown}</span>'
            pieces.append(shown)
        body = "".join(pieces)
        if line.seen:
            parts.append(f'<div style="background:#fde2c8;padding:1px 4px">{body} '
                         f'<small style="color:#a04000">⚠ {esc(t("memory.verbatim"))}</small></div>')
        else:
            parts.append(f'<div style="padding:1px 4px">{body}</div>')
    return f'<div style="line-height:1.8">{"".join(parts)}</div><p>{esc(memory_summary(report))}</p>'


def model_name(name: str, ckpt) -> str:
    """How the page names a model: its cell (RNN, LSTM, GRU), or "my model (LSTM)" for a student's own ("mine")."""
    cell = CELL_LABELS[ckpt.model.config.cell]
    return t("mine.name", cell=cell) if name == "mine" else cell

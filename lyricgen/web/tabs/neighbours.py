"""Neighbours: each cell's nearest words by cosine, and a 2-D PCA map of the commonest words.

The map is an SVG drawn here (the browser draws its Chinese, so the server needs no font): every word a
dot, its word written beside it where there is room, the looked-up word and its nearest words first,
then the commonest; every dot names its word on hover. Its axes leave room around the outermost dots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.embedding import embedding_map, nearest_words
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels, with_mine
from ..render import esc, has_cjk, model_name
from ..widgets import panel

WORD = "星星"
# The map's kinds of dot (string keys), drawn in this order: the looked-up word last, on top.
FREQUENT, NEAR, QUERY = "neighbours.map.frequent", "neighbours.map.near", "neighbours.map.query"
COLORS = {FREQUENT: "#9ecae1", NEAR: "#08519c", QUERY: "#d62728"}
RADIUS = {FREQUENT: 3.0, NEAR: 4.5, QUERY: 6.5}

# The map, in the SVG's own units (it scales to its box): the plot and the room around it for the title,
# the tick numbers, the axis titles and the legend.
MAP_W, MAP_H = 640.0, 460.0
PLOT = (52.0, 36.0, MAP_W - 16.0, MAP_H - 74.0)  # x0, y0, x1, y1
PAD = 0.06  # each axis reaches this share of its data's range past the outermost dot
LABEL_PX = 12.0  # the words' font size
MAX_LABELS = 40  # words written on the map at most; the other dots name theirs on hover
MAP_MIN_PX = 540  # narrower, its words would be too small to read: a phone scrolls the map in its box instead


@dataclass(frozen=True)
class Label:
    word: str
    kind: str
    x: float  # where the text starts (SVG units), and its baseline
    y: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1: the space the text takes


@dataclass(frozen=True)
class MapLayout:
    x_range: tuple[float, float]  # the data each axis spans
    y_range: tuple[float, float]
    dots: list[tuple[float, float, str, str]]  # (x, y, word, kind) in SVG units, drawn in this order
    labels: list[Label]


def text_width(word: str, size: float = LABEL_PX) -> float:
    """About how wide the browser writes a word: a Chinese character is square, a Latin one about 0.6 of it."""
    return sum(size if has_cjk(ch) else 0.6 * size for ch in word)


def axis_range(values: pd.Series) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = PAD * (high - low) if high > low else 1.0
    return low - pad, high + pad


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def map_layout(points: pd.DataFrame) -> MapLayout:
    """Where each dot and each written word goes. points: x, y, word, kind (a string key above).

    Words are written in order of interest (the looked-up word, its nearest words, then the commonest
    first), each beside its dot, right, left, above or below, wherever it stays inside the plot and off
    every word already written and every nearest or looked-up dot; a word with no such place is left to
    its dot's hover. MAX_LABELS at most, so that the map stays readable."""
    x0, y0, x1, y1 = PLOT
    x_range, y_range = axis_range(points["x"]), axis_range(points["y"])
    sx = (x1 - x0) / (x_range[1] - x_range[0])
    sy = (y1 - y0) / (y_range[1] - y_range[0])
    order = {FREQUENT: 0, NEAR: 1, QUERY: 2}
    rows = sorted(points.itertuples(index=False), key=lambda r: order[r.kind])  # stable: commonest first within
    dots = [(x0 + (r.x - x_range[0]) * sx, y1 - (r.y - y_range[0]) * sy, r.word, r.kind) for r in rows]
    taken = [(x - RADIUS[k], y - RADIUS[k], x + RADIUS[k], y + RADIUS[k]) for x, y, _, k in dots if k != FREQUENT]
    labels: list[Label] = []
    for x, y, word, kind in sorted(dots, key=lambda d: -order[d[3]]):
        if len(labels) >= MAX_LABELS:
            break
        w, h, gap = text_width(word), LABEL_PX, RADIUS[kind] + 2
        for tx, ty in ((x + gap, y + h / 2 - 2), (x - gap - w, y + h / 2 - 2), (x - w / 2, y - gap - 2),
                       (x - w / 2, y + gap + h - 2)):
            box = (tx, ty - h + 2, tx + w, ty + 3)
            inside = x0 <= box[0] and box[2] <= x1 and y0 <= box[1] and box[3] <= y1
            own = (x - RADIUS[kind], y - RADIUS[kind], x + RADIUS[kind], y + RADIUS[kind])
            if inside and not any(overlaps(box, other) for other in taken if other != own):
                labels.append(Label(word, kind, tx, ty, box))
                taken.append(box)
                break
    return MapLayout(x_range, y_range, dots, labels)


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round numbers inside [low, high], at most about `most` of them."""
    raw = (high - low) / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step) + 1)]


def map_svg(layout: MapLayout) -> str:
    """The map as an inline SVG: title, grid and tick numbers, dots (each naming its word on hover), the
    words written, the axis titles and a legend of the kinds drawn."""
    x0, y0, x1, y1 = PLOT
    (xl, xh), (yl, yh) = layout.x_range, layout.y_range
    title = esc(t("neighbours.map"))
    parts = [f'<rect width="{MAP_W:g}" height="{MAP_H:g}" fill="white"/>',
             f'<text x="{MAP_W / 2:g}" y="22" text-anchor="middle" font-size="15" font-weight="600">{title}</text>',
             f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" fill="none" stroke="#ccc"/>']
    for value in nice_ticks(xl, xh):
        x = x0 + (value - xl) / (xh - xl) * (x1 - x0)
        parts.append(f'<line x1="{x:.1f}" y1="{y0:g}" x2="{x:.1f}" y2="{y1:g}" stroke="#eee"/>'
                     f'<text x="{x:.1f}" y="{y1 + 15:g}" text-anchor="middle" font-size="11" fill="#555">'
                     f'{value:g}</text>')
    for value in nice_ticks(yl, yh):
        y = y1 - (value - yl) / (yh - yl) * (y1 - y0)
        parts.append(f'<line x1="{x0:g}" y1="{y:.1f}" x2="{x1:g}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{x0 - 5:g}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
                     f'{value:g}</text>')
    parts.append(f'<text x="{(x0 + x1) / 2:g}" y="{y1 + 32:g}" text-anchor="middle" font-size="12">PC 1</text>'
                 f'<text transform="translate(14 {(y0 + y1) / 2:g}) rotate(-90)" text-anchor="middle" '
                 f'font-size="12">PC 2</text>')
    for x, y, word, kind in layout.dots:
        stroke = ' stroke="black" stroke-width="1.5"' if kind == QUERY else ""
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS[kind]:g}" fill="{COLORS[kind]}"{stroke}>'
                     f'<title>{esc(word)}</title></circle>')
    for label in layout.labels:
        weight = ' font-weight="700"' if label.kind == QUERY else ""
        parts.append(f'<text x="{label.x:.1f}" y="{label.y:.1f}" font-size="{LABEL_PX:g}"{weight} '
                     f'paint-order="stroke" stroke="white" stroke-width="3">{esc(label.word)}</text>')
    x = x0
    for kind in COLORS:  # the legend: the kinds on this map
        if any(k == kind for *_, k in layout.dots):
            name = esc(t(kind))
            parts.append(f'<circle cx="{x + 6:g}" cy="{MAP_H - 14:g}" r="{RADIUS[kind]:g}" fill="{COLORS[kind]}"/>'
                         f'<text x="{x + 14:g}" y="{MAP_H - 10:g}" font-size="12">{name}</text>')
            x += 14 + text_width(t(kind)) + 24
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_W:g} {MAP_H:g}" role="img" '
            f'aria-label="{esc(t("alt.neighbours"))}" font-family="sans-serif" '
            f'style="width:100%;min-width:{MAP_MIN_PX}px;max-width:{MAP_W:g}px;height:auto">'
            f'<title>{title}</title>{"".join(parts)}</svg>')


# The panel's inputs, in the order of its endpoint's parameters (/neighbours).
FORM = params.Form(
    params.Text("word", "field.word", "neighbours.word", default=WORD, limit=limits.MAX_WORD_CHARS, blank_ok=False,
                look={"scale": 3}),
    params.CELL.but(label="neighbours.cell"),
)


class NeighboursTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"

    @FORM.checked
    def neighbours(self, word: str, cell: Chosen, request: gr.Request | None = None) -> tuple[dict, dict, str, str]:
        """(rank, then word and cosine for every cell; in its place, for a word no cell knows, why there is
        no table: its jieba split and look-alikes; what the map keeps; the map, as SVG). The table and the
        message are updates: one of them is shown."""
        ckpt, models = cell.ckpt, with_mine(self.checkpoints, self.mine, request)  # the table: every model
        found = {c: nearest_words(k, word, limits.NEIGHBOURS) for c, k in models.items()}
        known = any(n.known for n in found.values())
        table = pd.DataFrame({t("neighbours.rank"): range(1, limits.NEIGHBOURS + 1) if known else []})
        for c, n in found.items():
            if n.known:
                name = model_name(c, models[c])
                table[name] = n.table["word"].reindex(range(limits.NEIGHBOURS)).tolist()
                table[f"{name} cos"] = n.table["cosine"].reindex(range(limits.NEIGHBOURS)).tolist()
        points = self.map_points(ckpt, word, found[cell.name].table["word"].tolist())
        explained = points.attrs["explained"]
        info = [t("neighbours.info", cell=model_name(cell.name, ckpt), words=limits.MAP_WORDS,
                  pc1=f"{explained[0]:.0%}", pc2=f"{explained[1]:.0%}")]
        missing = []
        unknown = next((n for n in found.values() if not n.known), None)
        if unknown is not None:
            pieces = " | ".join(f"{esc(p)}{'' if has else ' ✗'}"
                                for p, has in zip(unknown.pieces, unknown.pieces_known, strict=True))
            sharing = " / ".join(esc(w) for w in unknown.sharing) or t("neighbours.none")
            why = [t("neighbours.unknown", word=esc(word)), t("neighbours.split", pieces=pieces),
                   t("neighbours.sharing", words=sharing)]
            (info if known else missing).extend(why)  # no cell knows it: said where the table would be
        return (gr.update(value=table, visible=known), gr.update(value="\n\n".join(missing), visible=not known),
                "\n\n".join(info), map_svg(map_layout(points)))

    @staticmethod
    def map_points(ckpt: Checkpoint, word: str, nearest: list[str]) -> pd.DataFrame:
        """The map's dots: x, y, word, kind (FREQUENT, NEAR or QUERY); attrs["explained"] as embedding_map's."""
        points = embedding_map(ckpt, limits.MAP_WORDS, word, also=nearest)
        near = set(nearest)
        kinds = [QUERY if q else NEAR if w in near else FREQUENT for w, q in zip(points["word"], points["is_query"],
                                                                                 strict=True)]
        out = pd.DataFrame({"x": points["x"], "y": points["y"], "word": points["word"], "kind": kinds})
        out.attrs["explained"] = points.attrs["explained"]
        return out

    def layout(self) -> None:
        with panel(t("neighbours.title"), "neighbours", t("neighbours.explain")):
            fields = FORM.fields(self)
            with gr.Row():
                fields.show()
            button = gr.Button(t("neighbours.button"), variant="primary")
            info = gr.Markdown(elem_id="neighbours-info")
            with gr.Row():
                with gr.Column():
                    table = gr.Dataframe(label=t("neighbours.table"), interactive=False, elem_id="neighbours-table")
                    missing = gr.Markdown(visible=False, elem_id="neighbours-missing")
                points = gr.HTML(elem_id="neighbours-map")
            button.click(self.neighbours, fields.inputs(), [table, missing, info, points], api_name="neighbours")
            CodeView("neighbours", FORM, self, "neighbours.title").layout(fields, fields.offer(run=button))

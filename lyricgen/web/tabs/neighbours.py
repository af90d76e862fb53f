"""Neighbours: each cell's nearest words by cosine, and a 2-D PCA map of the commonest words."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.embedding import embedding_map, nearest_words
from .. import i18n, limits, links
from ..i18n import t
from ..render import CELL_LABELS, esc
from ..validate import check_cell, check_text
from ..widgets import cell_radio, panel

WORD = "星星"
QUERY, FREQUENT = "neighbours.map.query", "neighbours.map.frequent"  # the map's two kinds of dot (string keys)
COLORS = {QUERY: "#d62728", FREQUENT: "#9ecae1"}


def kind_colors() -> dict[str, str]:
    """Each kind's colour under its name in every language: the points name their kind in the request's
    language, and the plot's legend lists only the kinds its points name."""
    return {i18n.text(lang, kind): color for lang in i18n.LANGUAGES for kind, color in COLORS.items()}


class NeighboursTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def neighbours(self, word: str, cell: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """(rank, then word and cosine for every cell; what the map keeps and, for an unknown word, its jieba
        split and look-alikes; the map's points: x, y, word, kind)."""
        ckpt = check_cell(self.checkpoints, cell)
        word = check_text(word, limits.MAX_WORD_CHARS, "field.word", blank_ok=False)
        found = {c: nearest_words(k, word, limits.NEIGHBOURS) for c, k in self.checkpoints.items()}
        known = any(n.known for n in found.values())
        table = pd.DataFrame({t("neighbours.rank"): range(1, limits.NEIGHBOURS + 1) if known else []})
        for c, n in found.items():
            if n.known:
                table[CELL_LABELS[c]] = n.table["word"].reindex(range(limits.NEIGHBOURS)).tolist()
                table[f"{CELL_LABELS[c]} cos"] = n.table["cosine"].reindex(range(limits.NEIGHBOURS)).tolist()
        points = embedding_map(ckpt, limits.MAP_WORDS, word)
        explained = points.attrs["explained"]
        kinds = {True: t(QUERY), False: t(FREQUENT)}
        points = pd.DataFrame({"x": points["x"], "y": points["y"], "word": points["word"],
                               "kind": [kinds[bool(q)] for q in points["is_query"]]})
        lines = [t("neighbours.info", cell=CELL_LABELS[ckpt.model.config.cell], words=limits.MAP_WORDS,
                   pc1=f"{explained[0]:.0%}", pc2=f"{explained[1]:.0%}")]
        unknown = next((n for n in found.values() if not n.known), None)
        if unknown is not None:
            pieces = " | ".join(f"{esc(p)}{'' if known else ' ✗'}"
                                for p, known in zip(unknown.pieces, unknown.pieces_known, strict=True))
            sharing = " / ".join(esc(w) for w in unknown.sharing) or t("neighbours.none")
            lines += [t("neighbours.unknown", word=esc(word)), t("neighbours.split", pieces=pieces),
                      t("neighbours.sharing", words=sharing)]
        return table, "\n\n".join(lines), points

    def layout(self) -> None:
        with panel(t("neighbours.title"), "neighbours", t("neighbours.explain")):
            with gr.Row():
                word = gr.Textbox(label=t("neighbours.word"), value=WORD, max_length=limits.MAX_WORD_CHARS, scale=3)
                cell = cell_radio(self.checkpoints, t("neighbours.cell"))
            button = gr.Button(t("neighbours.button"), variant="primary")
            info = gr.Markdown(elem_id="neighbours-info")
            with gr.Row():
                table = gr.Dataframe(label=t("neighbours.table"), interactive=False, elem_id="neighbours-table")
                points = gr.ScatterPlot(x="x", y="y", color="kind", title=t("neighbours.map"),
                                        x_title="PC 1", y_title="PC 2", tooltip=["word", "kind"], height=420,
                                        color_map=kind_colors(), color_title="")  # not "kind": the legend says
            button.click(self.neighbours, [word, cell], [table, info, points], api_name="neighbours")
            links.offer({
                "word": links.text(word, limits.MAX_WORD_CHARS, "field.word", blank_ok=False),
                "cell": links.choice(cell, self.checkpoints, "field.model"),
            }, run=button)

"""词向量近邻 Neighbours: each cell's nearest words by cosine, and a 2-D PCA map of the commonest words."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.embedding import embedding_map, nearest_words
from .. import limits
from ..render import CELL_LABELS, esc
from ..validate import check_cell, check_text
from ..widgets import cell_radio, panel

WORD = "星星"
QUERY, FREQUENT = "查询词 query", "常用词 frequent word"  # the map's two kinds of dot


class NeighboursTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def neighbours(self, word: str, cell: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """(rank, then word and cosine for every cell; what the map keeps and, for an unknown word, its jieba
        split and look-alikes; the map's points: x, y, word, kind)."""
        ckpt = check_cell(self.checkpoints, cell)
        word = check_text(word, limits.MAX_WORD_CHARS, "词", "word", blank_ok=False)
        found = {c: nearest_words(k, word, limits.NEIGHBOURS) for c, k in self.checkpoints.items()}
        known = any(n.known for n in found.values())
        table = pd.DataFrame({"排名 rank": range(1, limits.NEIGHBOURS + 1) if known else []})
        for c, n in found.items():
            if n.known:
                table[CELL_LABELS[c]] = n.table["word"].reindex(range(limits.NEIGHBOURS)).tolist()
                table[f"{CELL_LABELS[c]} cos"] = n.table["cosine"].reindex(range(limits.NEIGHBOURS)).tolist()
        points = embedding_map(ckpt, limits.MAP_WORDS, word)
        explained = points.attrs["explained"]
        points = pd.DataFrame({"x": points["x"], "y": points["y"], "word": points["word"],
                               "kind": [QUERY if q else FREQUENT for q in points["is_query"]]})
        lines = [f"余弦相似度 cosine similarity：1 = 方向相同 same direction，0 = 无关 unrelated。"
                 f" 地图 map：{CELL_LABELS[ckpt.model.config.cell]} 最常用的 {limits.MAP_WORDS} 个词，PCA 压到 2 维，"
                 f"两轴保留了 {explained[0]:.0%} + {explained[1]:.0%} 的方差 · the {limits.MAP_WORDS} commonest words, "
                 f"PCA to 2-D; the axes keep {explained[0]:.0%} + {explained[1]:.0%} of the variance."]
        unknown = next((n for n in found.values() if not n.known), None)
        if unknown is not None:
            pieces = " | ".join(f"{esc(p)}{'' if known else ' ✗'}"
                                for p, known in zip(unknown.pieces, unknown.pieces_known, strict=True))
            sharing = "、".join(esc(w) for w in unknown.sharing) or "无 none"
            lines += [f"**{esc(word)}** 不在词表里，没有自己的向量。 · is not in the vocabulary, so it has no vector.",
                      f"jieba 切分 split：{pieces}（✗ = 也不在词表 not in the vocabulary either）",
                      f"有相同字的词 words sharing a character：{sharing}"]
        return table, "\n\n".join(lines), points

    def layout(self) -> None:
        with panel("词向量近邻 Neighbours", "neighbours",
                   "训练让用法相近的词得到方向相近的向量。表格：每个模型里与它余弦相似度最高的词；"
                   "地图：最常用的词用 PCA 压到 2 维。"
                   " · Training gives words used alike vectors pointing alike. Table: each cell's nearest words by "
                   "cosine similarity; map: the commonest words flattened to 2-D by PCA (hover a dot for its word)."):
            with gr.Row():
                word = gr.Textbox(label="词 Word", value=WORD, max_length=limits.MAX_WORD_CHARS, scale=3)
                cell = cell_radio(self.checkpoints, "地图用的模型 Cell for the map")
            button = gr.Button("找近邻 Find neighbours", variant="primary")
            info = gr.Markdown(elem_id="neighbours-info")
            with gr.Row():
                table = gr.Dataframe(label="最近的词 Nearest words", interactive=False, elem_id="neighbours-table")
                points = gr.ScatterPlot(x="x", y="y", color="kind", title="词向量地图 Embedding map (PCA)",
                                        x_title="PC 1", y_title="PC 2", tooltip=["word", "kind"], height=420,
                                        color_map={QUERY: "#d62728", FREQUENT: "#9ecae1"})
            button.click(self.neighbours, [word, cell], [table, info, points], api_name="neighbours")

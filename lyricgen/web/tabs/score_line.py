"""给一句打分 Score a line: each word's surprisal under every cell, and the line's perplexity."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import LineScore, score_line
from ...tokens import UNK, split_words
from .. import limits
from ..render import CELL_LABELS, prob_legend_html, word_span, words_html
from ..validate import InputError, check_text
from ..widgets import panel

EXAMPLE = "我想你想到睡不着"  # an everyday line, not a corpus line


def words_table(score: LineScore) -> pd.DataFrame:
    """One row per token, one surprisal column per cell."""
    rows = []
    for i, (token, known) in enumerate(zip(score.tokens, score.known, strict=True)):
        row = {"#": i, "词 word": token, "词表中 in vocab": "✓" if known else f"✗ → {UNK}"}
        row.update({f"{CELL_LABELS[cell]} (bits)": round(bits[i], 2) for cell, bits in score.surprisal.items()})
        rows.append(row)
    return pd.DataFrame(rows)


class ScoreLineTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def score_line(self, text: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """(one row per cell: mean surprisal, perplexity, validation perplexity; each cell's words coloured;
        one row per word: its surprisal under every cell)."""
        text = check_text(text, limits.MAX_TEXT_CHARS, "句子", "line", blank_ok=False)
        if not split_words(text):
            raise InputError("这句话里没有词", "the line has no words")
        score = score_line(self.checkpoints, text)
        rows, blocks = [], []
        for cell, bits in score.surprisal.items():
            val = self.checkpoints[cell].metrics.get("val_ppl")
            rows.append({"模型 cell": CELL_LABELS[cell],
                         "平均惊讶度 mean surprisal (bits)": round(sum(bits) / len(bits), 4),
                         "困惑度 perplexity": round(score.perplexity[cell], 3),
                         "验证困惑度 val ppl": round(val, 1) if isinstance(val, (int, float)) else None})
            spans = [word_span(t, 2 ** -b, f"{b:.2f} bits") for t, b in zip(score.tokens, bits, strict=True)]
            blocks.append(f"<div><b>{CELL_LABELS[cell]}</b>{words_html([], spans, legend=False)}</div>")
        return pd.DataFrame(rows), "".join(blocks) + prob_legend_html(), words_table(score)

    def layout(self) -> None:
        with panel("给一句打分 Score a line", "score_line",
                   "输入任何一句话：每个词的惊讶度 −log₂ p（比特），困惑度 = 2^(平均惊讶度)，"
                   "越低说明模型越觉得“像歌词”。"
                   " · Type any line: each word's surprisal −log₂ p (bits) under each cell; perplexity = 2^(mean "
                   "surprisal), lower = more like the lyrics the model learned."):
            text = gr.Textbox(label="一句歌词 A line", value=EXAMPLE, max_length=limits.MAX_TEXT_CHARS)
            button = gr.Button("打分 Score", variant="primary")
            summary = gr.Dataframe(label="困惑度 Perplexity", interactive=False, elem_id="score-summary")
            colored = gr.HTML(elem_id="score-words")
            table = gr.Dataframe(label="每个词的惊讶度 Surprisal per word (bits)", interactive=False)
            button.click(self.score_line, text, [summary, colored, table], api_name="score_line")
            text.submit(self.score_line, text, [summary, colored, table], api_visibility="private")

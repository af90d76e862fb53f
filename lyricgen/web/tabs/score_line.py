"""Score a line: each word's surprisal under every cell, and the line's perplexity."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import LineScore, score_line
from ...tokens import UNK, split_words
from .. import limits, links
from ..i18n import t
from ..render import CELL_LABELS, prob_legend_html, word_span, words_html
from ..validate import InputError, check_text
from ..widgets import panel

EXAMPLE = "我想你想到睡不着"  # an everyday line, not a corpus line


def words_table(score: LineScore) -> pd.DataFrame:
    """One row per token, one surprisal column per cell."""
    rows = []
    for i, (token, known) in enumerate(zip(score.tokens, score.known, strict=True)):
        row = {"#": i, t("score_line.col.word"): token, t("score_line.col.in_vocab"): "✓" if known else f"✗ → {UNK}"}
        row.update({f"{CELL_LABELS[cell]} (bits)": round(bits[i], 2) for cell, bits in score.surprisal.items()})
        rows.append(row)
    return pd.DataFrame(rows)


class ScoreLineTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def score_line(self, text: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """(one row per cell: mean surprisal, perplexity, validation perplexity; each cell's words coloured;
        one row per word: its surprisal under every cell)."""
        text = check_text(text, limits.MAX_TEXT_CHARS, "field.line", blank_ok=False)
        if not split_words(text):
            raise InputError("score_line.error.no_words")
        score = score_line(self.checkpoints, text)
        names = [t("score_line.col.cell"), t("score_line.col.mean"), t("score_line.col.perplexity"),
                 t("score_line.col.val_ppl")]
        rows, blocks = [], []
        for cell, bits in score.surprisal.items():
            val = self.checkpoints[cell].metrics.get("val_ppl")
            rows.append((CELL_LABELS[cell], round(sum(bits) / len(bits), 4), round(score.perplexity[cell], 3),
                         round(val, 1) if isinstance(val, (int, float)) else None))
            spans = [word_span(w, 2 ** -b, f"{b:.2f} bits") for w, b in zip(score.tokens, bits, strict=True)]
            blocks.append(f"<div><b>{CELL_LABELS[cell]}</b>{words_html([], spans, legend=False)}</div>")
        return pd.DataFrame(rows, columns=names), "".join(blocks) + prob_legend_html(), words_table(score)

    def layout(self) -> None:
        with panel(t("score_line.title"), "score_line", t("score_line.explain")):
            text = gr.Textbox(label=t("score_line.line"), value=EXAMPLE, max_length=limits.MAX_TEXT_CHARS)
            button = gr.Button(t("score_line.button"), variant="primary")
            summary = gr.Dataframe(label=t("score_line.summary"), interactive=False, elem_id="score-summary")
            colored = gr.HTML(elem_id="score-words")
            table = gr.Dataframe(label=t("score_line.table"), interactive=False)
            button.click(self.score_line, text, [summary, colored, table], api_name="score_line")
            text.submit(self.score_line, text, [summary, colored, table], api_visibility="private")
            links.offer({"text": links.text(text, limits.MAX_TEXT_CHARS, "field.line", blank_ok=False)}, run=button)

"""Score a line: each word's surprisal under every cell, and the line's perplexity."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import LineScore, score_line
from ...tokens import EOL, UNK, text_words
from .. import params
from ..code_view import CodeView
from ..i18n import t
from ..mine import StudentModels, with_mine
from ..render import (
    esc,
    model_name,
    prob_legend_html,
    unknown_legend_html,
    unknown_span,
    word_span,
    words_html,
)
from ..validate import InputError
from ..widgets import panel

EXAMPLE = "我想你想到睡不着"  # an everyday line, not a corpus line
# The panel's input (/score_line).
FORM = params.Form(params.Text("text", "field.line", "score_line.line", default=EXAMPLE, blank_ok=False))


def words_table(score: LineScore, models: dict[str, Checkpoint]) -> pd.DataFrame:
    """One row per token, one surprisal column per cell."""
    rows = []
    for i, (token, known) in enumerate(zip(score.tokens, score.known, strict=True)):
        row = {"#": i, t("score_line.col.word"): token, t("score_line.col.in_vocab"): "✓" if known else f"✗ → {UNK}"}
        row.update({t("score_line.col.bits", cell=model_name(cell, models[cell])): round(bits[i], 2)
                    for cell, bits in score.surprisal.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def legend_html(score: LineScore) -> str:
    """The colour key; where words are unknown, the stripes' key and what their numbers mean."""
    unknown = list(dict.fromkeys(w for w, known in zip(score.tokens, score.known, strict=True) if not known))
    if not unknown:
        return prob_legend_html()
    note = t("score_line.unknown", n=len(unknown), words="、".join(unknown), unk=UNK)
    return prob_legend_html() + unknown_legend_html() + f'<p class="unknown-note">{esc(note)}</p>'


class ScoreLineTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model: scored beside the shipped ones

    @FORM.checked
    def score_line(self, text: str, request: gr.Request | None = None) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """(one row per cell: mean surprisal, perplexity, validation perplexity; each cell's words coloured;
        one row per word: its surprisal under every cell)."""
        if not text_words(text):
            raise InputError("score_line.error.no_words")
        models = with_mine(self.checkpoints, self.mine, request)
        score = score_line(models, text)
        names = [t("score_line.col.cell"), t("score_line.col.mean"), t("score_line.col.perplexity"),
                 t("score_line.col.val_ppl")]
        lines = score.tokens.count(EOL)
        if lines > 1:  # two lines side by side (a lyric and an everyday sentence, say): each line's own figure
            names[3:3] = [t("score_line.col.line_ppl", n=i) for i in range(1, lines + 1)]
        rows, blocks = [], []
        for cell, bits in score.surprisal.items():
            val, name = models[cell].metrics.get("val_ppl"), model_name(cell, models[cell])
            per_line = [round(p, 3) for p in score.line_perplexities(cell)] if lines > 1 else []
            rows.append((name, round(sum(bits) / len(bits), 4), round(score.perplexity[cell], 3),
                         *per_line, round(val, 1) if isinstance(val, (int, float)) else None))
            spans = [word_span(w, 2 ** -b, t("score_line.tip", bits=f"{b:.2f}")) if known
                     else unknown_span(w, t("score_line.unknown_tip", bits=f"{b:.2f}", unk=UNK, word=w))
                     for w, b, known in zip(score.tokens, bits, score.known_by[cell], strict=True)]
            blocks.append(f"<div><b>{esc(name)}</b>{words_html([], spans, legend=False)}</div>")
        return pd.DataFrame(rows, columns=names), "".join(blocks) + legend_html(score), words_table(score, models)

    def layout(self) -> None:
        with panel(t("score_line.title"), "score_line", t("score_line.explain")):
            fields = FORM.fields(self)
            text = fields.show("text")
            button = gr.Button(t("score_line.button"), variant="primary")
            summary = gr.Dataframe(label=t("score_line.summary"), interactive=False, elem_id="score-summary")
            colored = gr.HTML(elem_id="score-words")
            table = gr.Dataframe(label=t("score_line.table"), interactive=False)
            button.click(self.score_line, text, [summary, colored, table], api_name="score_line")
            text.submit(self.score_line, text, [summary, colored, table], api_visibility="private")
            CodeView("score_line", FORM, self, "score_line.title").layout(fields, fields.offer(run=button))

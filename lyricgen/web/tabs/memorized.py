"""Memorization: lines and runs of six or more words found verbatim in the training lyrics.

Checked against the fingerprint shipped with the cell's weights (hashes of lines and runs), never the lyrics.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.memory import check_memorization
from ...tokens import EOL
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels
from ..render import memorization_html
from ..validate import InputError
from ..widgets import panel

# The panel's inputs, in the order of its endpoint's parameters (/memorized).
FORM = params.Form(
    params.Text("text", "field.lyrics", "memorized.lyrics", limit=limits.MAX_MEMORY_CHARS, blank_ok=False,
                look={"lines": 6, "elem_id": "memorized-input"}),
    params.CELL,
)


class MemorizedTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"

    @FORM.checked
    def memorized(self, text: str, cell: Chosen) -> tuple[str, pd.DataFrame]:
        """(the lines, verbatim training lines on an orange band, copied runs underlined; one row per line)."""
        fingerprint = cell.ckpt.fingerprint
        if fingerprint is None:
            raise InputError("memorized.error.no_fingerprint")
        report = check_memorization(text.replace(EOL, "\n"), fingerprint, cell.ckpt.vocab.split)
        names = [t("memorized.col.line"), t("memorized.col.text"), t("memorized.col.verbatim"),
                 t("memorized.col.copied"), t("memorized.col.words")]
        table = pd.DataFrame([(line.index, line.text, "⚠" if line.seen else "", sum(line.copied), len(line.words))
                              for line in report.lines], columns=names)
        return memorization_html(report), table

    def layout(self, lyrics: gr.Textbox) -> None:
        """lyrics: the Generate tab's output box, which a button copies in."""
        with panel(t("memorized.title"), "memorized", t("memorized.explain")):
            fields = FORM.fields(self)
            text = fields.show("text")
            with gr.Row():
                take = gr.Button(t("memorized.take"))
                fields.show("cell")
                button = gr.Button(t("memorized.button"), variant="primary")
            marked = gr.HTML(elem_id="memorized-result")
            table = gr.Dataframe(label=t("memorized.table"), interactive=False)
            take.click(None, lyrics, text, js="(lyrics) => lyrics")  # a copy in the browser: no server call
            button.click(self.memorized, fields.inputs(), [marked, table], api_name="memorized")
            setup = fields.offer(run=button, needs="text")  # the box is empty until a student pastes or takes lyrics
            CodeView("memorized", FORM, self, "memorized.title").layout(fields, setup)

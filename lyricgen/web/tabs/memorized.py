"""Memorization: lines and runs of six or more words found verbatim in the training lyrics.

Checked against the fingerprint shipped with the cell's weights (hashes of lines and runs), never the lyrics.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.memory import check_memorization
from ...tokens import EOL
from .. import limits, links
from ..i18n import t
from ..render import memorization_html
from ..validate import InputError, check_cell, check_text
from ..widgets import cell_radio, panel


class MemorizedTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def memorized(self, lyrics: str, cell: str) -> tuple[str, pd.DataFrame]:
        """(the lines, verbatim training lines on an orange band, copied runs underlined; one row per line)."""
        fingerprint = check_cell(self.checkpoints, cell).fingerprint
        if fingerprint is None:
            raise InputError("memorized.error.no_fingerprint")
        text = check_text(lyrics, limits.MAX_MEMORY_CHARS, "field.lyrics", blank_ok=False)
        report = check_memorization(text.replace(EOL, "\n"), fingerprint)
        names = [t("memorized.col.line"), t("memorized.col.text"), t("memorized.col.verbatim"),
                 t("memorized.col.copied"), t("memorized.col.words")]
        table = pd.DataFrame([(line.index, line.text, "⚠" if line.seen else "", sum(line.copied), len(line.words))
                              for line in report.lines], columns=names)
        return memorization_html(report), table

    def layout(self, lyrics: gr.Textbox) -> None:
        """lyrics: the Generate tab's output box, which a button copies in."""
        with panel(t("memorized.title"), "memorized", t("memorized.explain")):
            text = gr.Textbox(label=t("memorized.lyrics"), lines=6, max_length=limits.MAX_MEMORY_CHARS,
                              elem_id="memorized-input")
            with gr.Row():
                take = gr.Button(t("memorized.take"))
                cell = cell_radio(self.checkpoints)
                button = gr.Button(t("memorized.button"), variant="primary")
            marked = gr.HTML(elem_id="memorized-result")
            table = gr.Dataframe(label=t("memorized.table"), interactive=False)
            take.click(None, lyrics, text, js="(lyrics) => lyrics")  # a copy in the browser: no server call
            button.click(self.memorized, [text, cell], [marked, table], api_name="memorized")
            links.offer({
                "text": links.text(text, limits.MAX_MEMORY_CHARS, "field.lyrics", blank_ok=False),
                "cell": links.choice(cell, self.checkpoints, "field.model"),
            }, run=button, needs="text")  # the box is empty until a student pastes or takes lyrics

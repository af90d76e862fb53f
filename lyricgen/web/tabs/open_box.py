"""Open the box: the plain RNN's one formula, term by term, checked against nn.RNN."""

from __future__ import annotations

import gradio as gr

from ...checkpoint import Checkpoint
from ...inspect.states import open_box
from ...tokens import text_words
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels
from ..render import model_name, open_box_markdown
from ..validate import InputError
from ..widgets import panel

SENTENCE = "我想你"  # an everyday phrase, not a corpus line


# The panel's inputs, in the order of its endpoint's parameters (/open_box).
FORM = params.Form(
    params.SENTENCE.but(default=SENTENCE, limit=limits.MAX_BOX_CHARS, label="open_box.sentence", look={"scale": 3}),
    params.Whole("units", "field.units", "open_box.units", default=limits.DEFAULT_BOX_UNITS, low=1,
                 high=limits.MAX_BOX_UNITS, look={"scale": 1}),
    # The plain RNN's formula: the shipped RNN, or a student's own when it is one.
    params.CELL.but(only=("rnn",), default="rnn", absent="open_box.error.no_rnn", look={"scale": 1}),
)


class OpenBoxTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine" (when it is an RNN)

    @FORM.checked
    def open_box(self, text: str, units: int, cell: Chosen) -> str:
        """The plain RNN's h_t computed term by term for a short sentence, in Markdown."""
        if cell.ckpt.model.config.cell != "rnn":  # a student's own LSTM or GRU: this formula is not theirs
            raise InputError("open_box.error.not_rnn", cell=model_name(cell.name, cell.ckpt))
        if not text_words(text):
            raise InputError("open_box.error.no_words")
        return open_box_markdown(open_box(cell.ckpt, text, units))

    def layout(self) -> None:
        with panel(t("open_box.title"), "open_box", t("open_box.intro")):
            fields = FORM.fields(self)
            with gr.Row():
                fields.show()
            button = gr.Button(t("open_box.button"), variant="primary")
            box = gr.Markdown(elem_id="open-box")
            button.click(self.open_box, fields.inputs(), box, api_name="open_box")
            CodeView("open_box", FORM, self, "open_box.title").layout(fields, fields.offer(run=button))

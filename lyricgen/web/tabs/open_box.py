"""Open the box: the plain RNN's one formula, term by term, checked against nn.RNN."""

from __future__ import annotations

import gradio as gr

from ...checkpoint import Checkpoint
from ...inspect.states import open_box
from ...tokens import text_words
from .. import limits, links
from ..i18n import t
from ..render import open_box_markdown
from ..validate import InputError, check_text, check_whole
from ..widgets import panel

SENTENCE = "我想你"  # an everyday phrase, not a corpus line


class OpenBoxTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def open_box(self, text: str, units: float) -> str:
        """The plain RNN's h_t computed term by term for a short sentence, in Markdown."""
        if "rnn" not in self.checkpoints:
            raise InputError("open_box.error.no_rnn")
        text = check_text(text, limits.MAX_BOX_CHARS, "field.sentence", blank_ok=False)
        shown = check_whole(units, 1, limits.MAX_BOX_UNITS, "field.units")
        if not text_words(text):
            raise InputError("open_box.error.no_words")
        return open_box_markdown(open_box(self.checkpoints["rnn"], text, shown))

    def layout(self) -> None:
        with panel(t("open_box.title"), "open_box", t("open_box.intro")):
            with gr.Row():
                text = gr.Textbox(label=t("open_box.sentence"), value=SENTENCE, max_length=limits.MAX_BOX_CHARS,
                                  scale=3)
                units = gr.Slider(1, limits.MAX_BOX_UNITS, value=limits.DEFAULT_BOX_UNITS, step=1,
                                  label=t("open_box.units"), scale=1)
            button = gr.Button(t("open_box.button"), variant="primary")
            box = gr.Markdown(elem_id="open-box")
            button.click(self.open_box, [text, units], box, api_name="open_box")
            links.offer({
                "text": links.text(text, limits.MAX_BOX_CHARS, "field.sentence", blank_ok=False),
                "units": links.whole(units, 1, limits.MAX_BOX_UNITS, "field.units"),
            }, run=button)

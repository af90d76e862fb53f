"""打开黑箱 Open the box: the plain RNN's one formula, term by term, checked against nn.RNN."""

from __future__ import annotations

import gradio as gr

from ...checkpoint import Checkpoint
from ...inspect.states import open_box
from ...tokens import split_words
from .. import limits
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
            raise InputError("没有加载 RNN 模型，打不开盒子", "no RNN model is loaded, so the box cannot be opened")
        text = check_text(text, limits.MAX_BOX_CHARS, "句子", "sentence", blank_ok=False)
        shown = check_whole(units, 1, limits.MAX_BOX_UNITS, "单元个数", "number of units")
        if not split_words(text):
            raise InputError("这句话里没有词", "the sentence has no words")
        return open_box_markdown(open_box(self.checkpoints["rnn"], text, shown))

    def layout(self) -> None:
        with panel("打开黑箱 Open the box", "open_box",
                   "普通 RNN 只有一个公式：h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)。"
                   "下面用模型自己的矩阵一步步算，再和 nn.RNN 的输出比较。 · The plain RNN is one formula; here it is "
                   "computed step by step with the model's own matrices, and compared with nn.RNN's output."):
            with gr.Row():
                text = gr.Textbox(label="短句 Short sentence", value=SENTENCE, max_length=limits.MAX_BOX_CHARS,
                                  scale=3)
                units = gr.Slider(1, limits.MAX_BOX_UNITS, value=limits.DEFAULT_BOX_UNITS, step=1,
                                  label="显示几个单元 Units shown", scale=1)
            button = gr.Button("打开 Open", variant="primary")
            box = gr.Markdown(elem_id="open-box")
            button.click(self.open_box, [text, units], box, api_name="open_box")

"""隐藏状态 Hidden states: h_t (and the gates) at every step, computed by hand from the model's own weights."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image

from ...checkpoint import Checkpoint
from ...inspect.states import GATES, HiddenTrace, hidden_states
from ...tokens import split_words
from .. import limits
from ..render import CELL_LABELS, stacked, trace_images
from ..validate import InputError, check_cell, check_text
from ..widgets import cell_radio, panel

SENTENCE = "窗外的星星在说话"  # an everyday sentence, not a corpus line


def steps_table(trace: HiddenTrace) -> pd.DataFrame:
    """One row per step: the word read, and the size of h_t (its norm) in every layer."""
    rows = []
    for t, (token, token_id) in enumerate(zip(trace.tokens, trace.token_ids, strict=True)):
        row = {"步 step": t, "输入 input": token, "id": token_id}
        for k, layer in enumerate(trace.layers):
            row[f"|h| layer {k}"] = round(float(np.linalg.norm(layer.h[t])), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def captioned_images(trace: HiddenTrace) -> list[tuple[Image.Image, str]]:
    """Every layer's heatmaps (h_t, then the gates), each with its caption."""
    images = []
    for k in range(len(trace.layers)):
        prefix = f"第 {k} 层 layer {k} · " if len(trace.layers) > 1 else ""
        images += [(image, prefix + caption) for image, caption in trace_images(trace, k)]
    return images


class HiddenStatesTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def hidden_states(self, text: str, cell: str) -> tuple[Image.Image, pd.DataFrame, str]:
        """(the heatmaps stacked in one picture, the word read at each step, the shapes and the check)."""
        ckpt = check_cell(self.checkpoints, cell)
        text = check_text(text, limits.MAX_TEXT_CHARS, "句子", "sentence", blank_ok=False)
        if not split_words(text):
            raise InputError("这句话里没有词", "the sentence has no words")
        trace = hidden_states(ckpt, text)
        steps, units = trace.layers[0].h.shape
        name = CELL_LABELS[trace.cell]
        gates = "、".join(GATES[trace.cell]) or "无 none"
        verdict = "✓ < 1e-5" if trace.max_abs_diff < 1e-5 else "✗ ≥ 1e-5"
        info = "\n\n".join([
            f"每条图：行 = 时间步（读入的词，见右表），列 = 隐藏单元；形状 `({steps}, {units})` = `(steps, units)`。"
            f" · Each picture: rows = time steps (the word read, see the table), columns = hidden units.",
            f"{name} 的门 gates：{gates}。红 = 正、蓝 = 负（h、候选值）；门在 0（白）到 1（深蓝）之间。"
            " · Red positive, blue negative (h, candidates); gates run from 0 (white) to 1 (dark blue).",
            f"用模型自己的权重逐步手算，与 `nn.{name}` 的输出相比，最大差别 largest difference from "
            f"`nn.{name}`：**{trace.max_abs_diff:.1e}** {verdict}",
        ])
        return stacked(captioned_images(trace)), steps_table(trace), info

    def layout(self) -> None:
        with panel("隐藏状态 Hidden states", "hidden_states",
                   "RNN 每读一个词就更新一次隐藏状态 h_t（它的“记忆”）。LSTM 还有输入门、遗忘门、输出门和细胞状态 c_t；"
                   "GRU 有更新门和重置门。 · Each word read updates the hidden state h_t (the cell's memory). The LSTM "
                   "also has input, forget and output gates and a cell state c_t; the GRU has update and reset gates."):
            with gr.Row():
                text = gr.Textbox(label="句子 Sentence", value=SENTENCE, max_length=limits.MAX_TEXT_CHARS, scale=3)
                cell = cell_radio(self.checkpoints)
            button = gr.Button("看隐藏状态 Show hidden states", variant="primary")
            info = gr.Markdown(elem_id="hidden-info")
            with gr.Row():
                picture = gr.Image(label="热图 Heatmaps（行 = 步 rows = steps，列 = 单元 columns = units）", type="pil",
                                   format="png", interactive=False, elem_id="hidden-heatmaps", scale=3)
                table = gr.Dataframe(label="每一步读入的词 The word read at each step", interactive=False, scale=1)
            button.click(self.hidden_states, [text, cell], [picture, table, info], api_name="hidden_states")

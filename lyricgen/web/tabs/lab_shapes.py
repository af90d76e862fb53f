"""形状实验 Shapes: build the nn.RNN / nn.LSTM / nn.GRU a lesson describes, run it, and show every tensor's shape."""

from __future__ import annotations

import math

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.shapes import GATES, ShapeReport, ShapeSettings, count_terms, run_shapes
from .. import limits
from ..validate import InputError, check_choice, check_whole
from ..widgets import panel

MODES = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}  # the cell value → the class the code line names
WRONG = {"none": None, "h0": "h0", "input": "input"}
GATE_NAMES = {"rnn": "RNN ×1", "gru": "GRU ×3 (r, z, n)", "lstm": "LSTM ×4 (i, f, g, o)"}


def check_flag(value: object, name: str) -> bool:
    """A checkbox's value: True or False, nothing else (1 and "yes" are mistakes a client made)."""
    if not isinstance(value, bool):
        raise InputError(f"{name} 必须是 True 或 False", f"{name} must be True or False")
    return value


def shown(shape: tuple[int, ...]) -> str:
    """A shape as PyTorch prints it, without the torch.Size: (5, 32, 128), or (128,) for one axis."""
    return str(tuple(shape))


def code_line(s: ShapeSettings) -> str:
    """The Python that builds and calls this layer, as a tutorial writes it."""
    state, states = ("(h0, c0)", "(h_n, c_n)") if s.cell == "lstm" else ("h0", "h_n")
    return (f"rnn = {MODES[s.cell]}(input_size={s.input_size}, hidden_size={s.hidden_size}, "
            f"num_layers={s.num_layers}, bidirectional={s.bidirectional}, batch_first={s.batch_first})\n"
            f"output, {states} = rnn(input, {state})")


def axes(name: str, s: ShapeSettings) -> str:
    """What each axis of a tensor is, in nn.RNN's documentation's words."""
    if name == "input":
        return "(batch, seq_len, input_size)" if s.batch_first else "(seq_len, batch, input_size)"
    if name == "output":
        return ("(batch, seq_len, num_directions × hidden_size)" if s.batch_first
                else "(seq_len, batch, num_directions × hidden_size)")
    return "(num_layers × num_directions, batch, hidden_size)"


def tensors_table(report: ShapeReport) -> pd.DataFrame:
    rows = []
    for name, shape in report.tensors:
        meaning = axes(name, report.settings)
        if name == report.wrong_tensor:
            meaning = f"✗ 应为 should be {shown(report.expected_shape)} = {meaning}"
        rows.append({"张量 tensor": name, "形状 shape": shown(shape), "各维 axes": meaning})
    return pd.DataFrame(rows)


def parameters_table(report: ShapeReport) -> pd.DataFrame:
    """One row per weight and bias, named as named_parameters() names them, with its size."""
    rows = [{"参数 parameter": name, "形状 shape": shown(shape), "个数 numel": math.prod(shape)}
            for name, shape in report.parameters]
    return pd.DataFrame(rows)


def count_markdown(report: ShapeReport) -> str:
    """The parameter count term by term, its formula, and torch's own count beside it."""
    s = report.settings
    gates = GATES[s.cell]
    lines = [
        f"**参数个数 Parameters：{report.torch_count:,}** = `sum(p.numel() for p in rnn.parameters())`",
        "",
        f"每层每个方向 per layer and direction：gates × hidden × (input + hidden + 2)，gates = {GATE_NAMES[s.cell]}"
        "（weight_ih + weight_hh + bias_ih + bias_hh）",
        "",
    ]
    for term in report.terms:
        direction = " reverse" if term.direction else ""
        lines.append(f"- layer {term.layer}{direction}: {gates} × {term.hidden_size} × ({term.input_size} + "
                     f"{term.hidden_size} + 2) = {term.total:,}")
    verdict = "✓ 相等 equal" if report.formula_count == report.torch_count else "✗ 不相等 differ"
    lines += ["", f"公式合计 formula total **{report.formula_count:,}**，PyTorch 数出 counted "
              f"**{report.torch_count:,}**：{verdict}"]
    return "\n".join(lines)


def error_markdown(report: ShapeReport) -> str:
    """PyTorch's own message for the wrong tensor, and one bilingual line on what was wrong."""
    if report.error is None:
        if report.wrong_tensor:  # not expected: every wrong shape run_shapes feeds is refused by torch
            return "PyTorch 没有报错 · PyTorch raised no error"
        return "✓ 形状都对，PyTorch 运行成功 · Every shape fits: the call ran."
    s, expected = report.settings, shown(report.expected_shape)
    fed = shown(dict(report.tensors)[report.wrong_tensor])
    if report.wrong_tensor == "input":
        why = (f"input 的最后一维必须等于 input_size = {s.input_size}，这里给了 {fed}。"
               f" · The input's last axis must equal input_size = {s.input_size}; it was {fed}.")
    elif fed == shown((s.batch, *report.expected_shape[:1], s.hidden_size)):
        why = (f"h0 应为 (num_layers × num_directions, batch, hidden_size) = {expected}，这里却把 batch 放在了最前；"
               f"batch_first 只改变 input 和 output，从不改变 h0。 · h0 must be {expected}, but batch came first "
               f"here: batch_first changes input and output, never h0.")
    else:
        why = (f"h0 的最后一维必须等于 hidden_size = {s.hidden_size}，应为 {expected}。"
               f" · h0's last axis must equal hidden_size = {s.hidden_size}: it must be {expected}.")
    return f"**PyTorch 的报错 PyTorch's error：**\n\n```\n{report.error}\n```\n\n{why}"


class ShapesTab:
    def __init__(self, checkpoints: dict[str, Checkpoint] | None = None):
        self.checkpoints = checkpoints  # not used: the layer is built afresh, as in a lesson

    def shapes(self, mode: str, seq_len: float, batch: float, input_size: float, hidden_size: float,
               num_layers: float, bidirectional: bool, batch_first: bool, wrong: str
               ) -> tuple[str, pd.DataFrame, pd.DataFrame, str, str]:
        """(the code line, every tensor's shape, every weight's shape, the parameter count, PyTorch's error).

        Named as nn.RNN's arguments, so a call reads like the tutorial's code. wrong = "h0" or "input"
        feeds that tensor mis-shaped, to show PyTorch's own message.
        """
        settings = ShapeSettings(
            cell=check_choice(mode, {c: c for c in MODES}, "单元", "mode"),
            seq_len=check_whole(seq_len, 1, limits.LAB_MAX_SEQ_LEN, "seq_len", "seq_len"),
            batch=check_whole(batch, 1, limits.LAB_MAX_BATCH, "batch", "batch"),
            input_size=check_whole(input_size, 1, limits.LAB_MAX_FEATURES, "input_size", "input_size"),
            hidden_size=check_whole(hidden_size, 1, limits.LAB_MAX_FEATURES, "hidden_size", "hidden_size"),
            num_layers=check_whole(num_layers, 1, limits.LAB_MAX_LAYERS, "num_layers", "num_layers"),
            bidirectional=check_flag(bidirectional, "bidirectional"),
            batch_first=check_flag(batch_first, "batch_first"),
            wrong=check_choice(wrong, WRONG, "错误形状选项", "wrong-shape choice"),
        )
        # Refused before anything is built: the count comes from the formula, not from a layer.
        params = sum(term.total for term in count_terms(settings))
        if params > limits.LAB_MAX_SHAPE_PARAMS:
            raise InputError(f"这一层有 {params:,} 个参数，太大了（最多 {limits.LAB_MAX_SHAPE_PARAMS:,}）",
                             f"this layer has {params:,} parameters: too big (at most "
                             f"{limits.LAB_MAX_SHAPE_PARAMS:,})")
        work = settings.seq_len * settings.batch * params
        if work > limits.LAB_MAX_SHAPE_WORK:
            raise InputError("seq_len × batch × 参数个数太大，请调小一些",
                             f"seq_len × batch × parameters = {work:,} is too much work "
                             f"(at most {limits.LAB_MAX_SHAPE_WORK:,}): make something smaller")
        report = run_shapes(settings)
        return (code_line(settings), tensors_table(report), parameters_table(report), count_markdown(report),
                error_markdown(report))

    def layout(self) -> None:
        with panel("形状实验 Shapes", "lab_shapes",
                   "和教程一样搭一层 nn.RNN / nn.LSTM / nn.GRU，喂一批随机输入，看每个张量的形状和参数个数。"
                   "打开“形状错误”，看 PyTorch 自己怎么报错。 · Build the layer the tutorial builds, feed it a "
                   "random batch and read every tensor's shape and the parameter count; switch on a wrong shape "
                   "to read PyTorch's own error."):
            with gr.Row():
                with gr.Column(scale=2):
                    mode = gr.Radio([(name, cell) for cell, name in MODES.items()], value="lstm",
                                    label="mode 单元 cell")
                    seq_len = gr.Slider(1, limits.LAB_MAX_SEQ_LEN, value=5, step=1, label="seq_len 序列长度")
                    batch = gr.Slider(1, limits.LAB_MAX_BATCH, value=32, step=1, label="batch 批大小")
                    input_size = gr.Slider(1, limits.LAB_MAX_FEATURES, value=128, step=1,
                                           label="input_size 输入维度（词向量长度 · word-vector length）")
                    hidden_size = gr.Slider(1, limits.LAB_MAX_FEATURES, value=64, step=1,
                                            label="hidden_size 隐藏维度")
                    num_layers = gr.Slider(1, limits.LAB_MAX_LAYERS, value=2, step=1, label="num_layers 层数")
                    with gr.Row():
                        bidirectional = gr.Checkbox(value=False, label="bidirectional 双向")
                        batch_first = gr.Checkbox(value=False, label="batch_first 批在前")
                    wrong = gr.Radio([("都对 none", "none"), ("h0 形状错 wrong h0", "h0"),
                                      ("input 形状错 wrong input", "input")], value="none",
                                     label="形状错误 Wrong shape")
                    button = gr.Button("运行 Run", variant="primary")
                with gr.Column(scale=3):
                    code = gr.Code(language="python", label="等价的代码 The same in Python", interactive=False,
                                   wrap_lines=True, elem_id="shapes-code")
                    tensors = gr.Dataframe(label="张量 Tensors", interactive=False, elem_id="shapes-tensors")
                    error = gr.Markdown(elem_id="shapes-error")
                    parameters = gr.Dataframe(label="权重与偏置 Weights and biases", interactive=False,
                                              elem_id="shapes-parameters")
                    count = gr.Markdown(elem_id="shapes-count")
            inputs = [mode, seq_len, batch, input_size, hidden_size, num_layers, bidirectional, batch_first, wrong]
            button.click(self.shapes, inputs, [code, tensors, parameters, count, error], api_name="shapes")

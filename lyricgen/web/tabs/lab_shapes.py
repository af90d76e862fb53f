"""Shapes: build the nn.RNN / nn.LSTM / nn.GRU a lesson describes, run it, and show every tensor's shape."""

from __future__ import annotations

import math

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.shapes import STACKED, ShapeReport, ShapeSettings, count_terms, run_shapes
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..validate import InputError
from ..widgets import panel

MODES = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}  # the cell value → the class the code line names
WRONG = {"none": None, "h0": "h0", "input": "input"}
GATE_NAMES = {"rnn": "RNN ×1", "gru": "GRU ×3 (r, z, n)", "lstm": "LSTM ×4 (i, f, g, o)"}


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
            meaning = t("lab_shapes.table.should_be", shape=shown(report.expected_shape), axes=meaning)
        rows.append({t("lab_shapes.table.tensor"): name, t("lab_shapes.table.shape"): shown(shape),
                     t("lab_shapes.table.axes"): meaning})
    return pd.DataFrame(rows)


def parameters_table(report: ShapeReport) -> pd.DataFrame:
    """One row per weight and bias, named as named_parameters() names them, with its size."""
    rows = [{t("lab_shapes.table.parameter"): name, t("lab_shapes.table.shape"): shown(shape),
             t("lab_shapes.table.numel"): math.prod(shape)}
            for name, shape in report.parameters]
    return pd.DataFrame(rows)


def count_markdown(report: ShapeReport) -> str:
    """The parameter count term by term, its formula, and torch's own count beside it."""
    s = report.settings
    gates = STACKED[s.cell]
    lines = [
        t("lab_shapes.count.total", count=f"{report.torch_count:,}"),
        "",
        t("lab_shapes.count.formula", gates=GATE_NAMES[s.cell]),
        "",
    ]
    for term in report.terms:
        lines.append(t("lab_shapes.count.term", layer=term.layer,
                       direction=t("lab_shapes.count.reverse") if term.direction else "", gates=gates,
                       hidden=term.hidden_size, input=term.input_size, total=f"{term.total:,}"))
    verdict = t("lab_shapes.count.equal" if report.formula_count == report.torch_count else "lab_shapes.count.differ")
    lines += ["", t("lab_shapes.count.verdict", formula=f"{report.formula_count:,}", torch=f"{report.torch_count:,}",
                    verdict=verdict)]
    return "\n".join(lines)


def error_markdown(report: ShapeReport) -> str:
    """PyTorch's own message for the wrong tensor (as torch wrote it), and one line on what was wrong."""
    if report.error is None:
        if report.wrong_tensor:  # not expected: every wrong shape run_shapes feeds is refused by torch
            return t("lab_shapes.error.none_raised")
        return t("lab_shapes.error.fits")
    s, expected = report.settings, shown(report.expected_shape)
    fed = shown(dict(report.tensors)[report.wrong_tensor])
    if report.wrong_tensor == "input":
        why = t("lab_shapes.error.input", input_size=s.input_size, fed=fed)
    elif fed == shown((s.batch, *report.expected_shape[:1], s.hidden_size)):
        why = t("lab_shapes.error.h0_batch", expected=expected)
    else:
        why = t("lab_shapes.error.h0_hidden", hidden_size=s.hidden_size, expected=expected)
    return f"**{t('lab_shapes.error.heading')}**\n\n```\n{report.error}\n```\n\n{why}"


def _size(name: str, what: str, default: int, high: int) -> params.Whole:
    """One of nn.RNN's sizes, from 1; labelled by the lab_shapes.<name> string."""
    return params.Whole(name, what, f"lab_shapes.{name}", default=default, low=1, high=high)


# The panel's inputs, in the order of its endpoint's parameters (/shapes): named as nn.RNN's arguments.
FORM = params.Form(
    params.Choice("mode", "field.mode", "lab_shapes.mode", default="lstm", named=True, options=tuple(MODES.items())),
    _size("seq_len", "field.seq_len", 5, limits.LAB_MAX_SEQ_LEN),
    _size("batch", "field.batch", 32, limits.LAB_MAX_BATCH),
    _size("input_size", "field.input_size", 128, limits.LAB_MAX_FEATURES),
    _size("hidden_size", "field.hidden_size_arg", 64, limits.LAB_MAX_FEATURES),
    _size("num_layers", "field.num_layers", 2, limits.LAB_MAX_LAYERS),
    params.Flag("bidirectional", "lab_shapes.bidirectional", "lab_shapes.bidirectional"),
    params.Flag("batch_first", "lab_shapes.batch_first", "lab_shapes.batch_first"),
    params.Choice("wrong", "field.wrong_shape", "lab_shapes.wrong", default="none",
                  options=tuple((w, f"lab_shapes.wrong.{w}") for w in WRONG)),
)


class ShapesTab:
    def __init__(self, checkpoints: dict[str, Checkpoint] | None = None):
        self.checkpoints = checkpoints  # not used: the layer is built afresh, as in a lesson

    @FORM.checked
    def shapes(self, mode: str, seq_len: int, batch: int, input_size: int, hidden_size: int, num_layers: int,
               bidirectional: bool, batch_first: bool, wrong: str) -> tuple[str, pd.DataFrame, pd.DataFrame, str, str]:
        """(the code line, every tensor's shape, every weight's shape, the parameter count, PyTorch's error).

        Named as nn.RNN's arguments, so a call reads like the tutorial's code. wrong = "h0" or "input"
        feeds that tensor mis-shaped, to show PyTorch's own message.
        """
        settings = ShapeSettings(cell=mode, seq_len=seq_len, batch=batch, input_size=input_size,
                                 hidden_size=hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                                 batch_first=batch_first, wrong=WRONG[wrong])
        # Refused before anything is built: the count comes from the formula, not from a layer.
        params = sum(term.total for term in count_terms(settings))
        if params > limits.LAB_MAX_SHAPE_PARAMS:
            raise InputError("lab_shapes.error.too_big", params=f"{params:,}", most=f"{limits.LAB_MAX_SHAPE_PARAMS:,}")
        work = settings.seq_len * settings.batch * params
        if work > limits.LAB_MAX_SHAPE_WORK:
            raise InputError("lab_shapes.error.too_much_work", work=f"{work:,}", most=f"{limits.LAB_MAX_SHAPE_WORK:,}")
        report = run_shapes(settings)
        return (code_line(settings), tensors_table(report), parameters_table(report), count_markdown(report),
                error_markdown(report))

    def layout(self) -> None:
        with panel(t("lab_shapes.title"), "lab_shapes", t("lab_shapes.explanation")):
            with gr.Row():
                with gr.Column(scale=2):
                    fields = FORM.fields(self)
                    fields.show("mode", "seq_len", "batch", "input_size", "hidden_size", "num_layers")
                    with gr.Row():
                        fields.show("bidirectional", "batch_first")
                    fields.show("wrong")
                    button = gr.Button(t("lab_shapes.button"), variant="primary")
                with gr.Column(scale=3):
                    # Its title is a Markdown: a Code among the language switch's outputs would make every
                    # page view fetch the code editor's scripts, whatever tab it opens on.
                    gr.Markdown(t("lab_shapes.code"))
                    code = gr.Code(language="python", show_label=False, interactive=False, wrap_lines=True,
                                   elem_id="shapes-code")
                    tensors = gr.Dataframe(label=t("lab_shapes.tensors"), interactive=False, elem_id="shapes-tensors")
                    error = gr.Markdown(elem_id="shapes-error")
                    parameters = gr.Dataframe(label=t("lab_shapes.parameters"), interactive=False,
                                              elem_id="shapes-parameters")
                    count = gr.Markdown(elem_id="shapes-count")
            button.click(self.shapes, fields.inputs(), [code, tensors, parameters, count, error], api_name="shapes")
            CodeView("shapes", FORM, self, "lab_shapes.title").layout(fields, fields.offer(run=button, name="shapes"))

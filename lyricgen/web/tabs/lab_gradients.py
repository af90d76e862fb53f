"""Vanishing gradients: ‖∂L_T/∂h_t‖ back through time for the loaded models, and a plain RNN whose
W_hh is scaled, before and after gradient clipping."""

from __future__ import annotations

import math
import random

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...generate import make_prompt
from ...inspect.gradients import (
    ScaledGradients,
    mean_keep_gate,
    random_sequence,
    recurrent_matrix,
    scaled_rnn_gradients,
    spectral_radius,
    state_gradient_norms,
)
from .. import limits, params
from ..code_view import CodeView
from ..i18n import Msg, t
from ..mine import MINE, StudentModels, with_mine
from ..render import CELL_LABELS
from ..validate import InputError
from ..widgets import panel

SENTENCE = "窗外的星星在说话我想你想到睡不着夏天的风吹过小河"  # everyday words, not a corpus line
SOURCES = {"sentence": "sentence", "random": "random"}
Y_TITLE = "log₁₀ ‖∂L/∂h_t‖, ‖∂L/∂c_t‖"  # notation: the same in every language
# Gradio 6.31's LinePlot fixes its colours to the curves of the first data it draws: a curve first named in a
# later answer is never drawn. So every answer carries the same curves, under names that do not change, not
# even with the page's language: notation, which the clipping lesson names in words.
UNCLIPPED, CLIPPED = "∂L/∂h_t", "clip(∂L/∂h_t)"


def h_curve(cell: str) -> str:
    """The curve of a model's ‖∂L/∂h_t‖ (notation, as UNCLIPPED; a student's own model under its API name)."""
    return f"{CELL_LABELS.get(cell, cell)} h_t"


C_CURVE = "LSTM c_t"  # the LSTM's ‖∂L/∂c_t‖: its cell state, the path through the forget gates
MINE_C_CURVE = f"{MINE} c_t"  # a student's own LSTM's


def curve_rows(norms: list[float], curve: str) -> tuple[list[dict], int]:
    """Plot rows (distance, log10 of the norm, curve, the norm itself), last step first; and how many norms
    could not be drawn on a log scale (0 after a float32 underflow, or not finite after an overflow)."""
    rows, skipped = [], 0
    for distance, norm in enumerate(reversed(norms)):
        if norm > 0 and math.isfinite(norm):
            rows.append({"distance": distance, "log10_norm": math.log10(norm), "curve": curve, "norm": norm})
        else:
            skipped += 1
    return rows, skipped


def plot_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["distance", "log10_norm", "curve", "norm"])


def ratio(norms: list[float]) -> str:
    """‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: how much of the last step's gradient reaches the first step."""
    near, far = norms[-1], norms[0]
    if far == 0:
        return t("lab_gradients.underflow")
    return f"{far / near:.1e}" if near > 0 and math.isfinite(near) and math.isfinite(far) else "–"


def verdict(far_near: dict[str, float], steps: int) -> str:
    """Which curve keeps the most and the least of the last step's gradient at the farthest step: the answer
    to the Lesson's question, read off the same numbers the chart draws."""
    shown = {curve: value for curve, value in far_near.items() if math.isfinite(value)}
    if len(shown) < 2:
        return ""
    most, least = max(shown, key=shown.get), min(shown, key=shown.get)
    return t("lab_gradients.info.verdict", steps=steps - 1, most=most, most_ratio=f"{shown[most]:.1e}",
             least=least, least_ratio=f"{shown[least]:.1e}")


def gates_lesson(keep: dict[str, float]) -> str:
    """The gates' averages behind the curves: why a trained LSTM's gradient may vanish too."""
    lines = []
    if "lstm" in keep:
        lines.append(t("lab_gradients.info.forget", f=f"{keep['lstm']:.2f}", curve=C_CURVE))
    if "gru" in keep:
        lines.append(t("lab_gradients.info.update", z=f"{keep['gru']:.2f}"))
    return "\n\n".join(lines)


def radius_lesson(radius: float) -> str:
    if radius < 0.95:
        return t("lab_gradients.radius.below")
    if radius > 1.05:
        return t("lab_gradients.radius.above")
    return t("lab_gradients.radius.near")


def clip_lesson(scaled: ScaledGradients) -> str:
    if scaled.clip is None:
        return t("lab_gradients.clip.off", curve=UNCLIPPED, clipped=CLIPPED)
    if scaled.clip_factor >= 1.0:
        return t("lab_gradients.clip.below", norm=f"{scaled.total_norm:.3g}", clip=f"{scaled.clip:g}")
    return t("lab_gradients.clip.above", norm=f"{scaled.total_norm:.3g}", clip=f"{scaled.clip:g}",
             factor=f"{scaled.clip_factor:.3g}", curve=UNCLIPPED, clipped=CLIPPED)


# The panel's inputs, in the order of its endpoint's parameters (/gradients).
FORM = params.Form(
    params.Choice("source", "field.sequence_source", "lab_gradients.source", default="random",
                  options=(("sentence", "lab_gradients.source.sentence"), ("random", "lab_gradients.source.random"))),
    params.Text("text", "field.sentence", "lab_gradients.text", default=SENTENCE),
    params.Whole("length", "field.sequence_length", "lab_gradients.length", default=limits.LAB_DEFAULT_GRAD_STEPS,
                 low=limits.LAB_MIN_GRAD_STEPS, high=limits.LAB_MAX_GRAD_STEPS),
    params.SEED.but(default="0"),
    params.Number("scale", "field.scale", "lab_gradients.scale", default=1.0, low=limits.LAB_MIN_SCALE,
                  high=limits.LAB_MAX_SCALE, step=0.05, look={"elem_id": "gradients-scale"}),
    params.Number("clip", "field.clip", "lab_gradients.clip", default=1.0, low=0.0, high=limits.LAB_MAX_CLIP, step=0.1),
)


class GradientsTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model: its curves beside the shipped ones

    def sequence(self, ckpt: Checkpoint, source: str, text: str, steps: int, seed: int) -> list[int]:
        """The ids fed: the start-of-line token and the sentence's words, or steps + 1 random words."""
        if source == "random":
            return random_sequence(len(ckpt.vocab), steps + 1, seed)
        return make_prompt(ckpt.vocab, text).ids

    @FORM.checked
    def gradients(self, source: str, text: str, length: int, seed: int | None, scale: float, clip: float,
                  request: gr.Request | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        """(‖∂L_T/∂h_t‖ of every loaded model by distance from the last step, on a log10 scale; the plain RNN's
        with W_hh × scale, unclipped and clipped; the figures in words).

        source "sentence": the text's words from the start of a line, the loss the last word's; "random":
        `length` random words then one more to predict. clip 0 means no clipping.
        """
        steps, clip = length, clip or None
        if seed is None:
            seed = random.randrange(limits.MAX_SEED + 1)
        if source == "sentence":
            if not text:
                raise InputError("error.empty", what=Msg("field.sentence"))
            words = len(make_prompt(next(iter(self.checkpoints.values())).vocab, text).words)
            if words < 2:
                raise InputError("lab_gradients.error.few_words")
            if words > limits.LAB_MAX_GRAD_STEPS:
                raise InputError("lab_gradients.error.many_words", n=words, most=limits.LAB_MAX_GRAD_STEPS)

        rows, notes, far_near, keep = [], [], {}, {}
        for cell, ckpt in with_mine(self.checkpoints, self.mine, request).items():
            ids = self.sequence(ckpt, source, text, steps, seed)
            grads = state_gradient_norms(ckpt.model, ids)
            c_curve = MINE_C_CURVE if cell == MINE else C_CURVE
            curves = {h_curve(cell): grads.h} | ({c_curve: grads.c} if grads.c is not None else {})
            for curve, norms in curves.items():
                drawn, skipped = curve_rows(norms, curve)
                rows += drawn
                notes.append(t("lab_gradients.info.ratio", cell=curve, ratio=ratio(norms),
                               skipped=t("lab_gradients.info.underflowed", n=skipped) if skipped else ""))
                far_near[curve] = norms[0] / norms[-1] if norms[-1] > 0 else math.nan
            gate = mean_keep_gate(ckpt.model, ids) if cell != MINE else None  # the gate lesson: the shipped cells'
            if gate is not None:
                keep[cell] = gate
            if cell != MINE:  # the steps fed, as the shipped models read the sequence
                norms = grads.h
        steps_fed = len(norms)
        shown_source = (t("lab_gradients.info.sentence", n=steps_fed) if source == "sentence"
                        else t("lab_gradients.info.random", n=steps_fed, seed=seed))
        info = [
            t("lab_gradients.info.terms", source=shown_source),
            t("lab_gradients.info.ratios", ratios=" · ".join(notes)),
        ]
        info += [line for line in (verdict(far_near, steps_fed), gates_lesson(keep)) if line]

        scaled_rows = []
        if "rnn" in self.checkpoints:
            rnn = self.checkpoints["rnn"]
            original = spectral_radius(recurrent_matrix(rnn.model))
            scaled = scaled_rnn_gradients(rnn.model, self.sequence(rnn, source, text, steps, seed), scale, clip)
            unclipped, skipped = curve_rows(scaled.norms, UNCLIPPED)
            # Without clipping, clipped_norms are the norms themselves: the two curves lie on each other.
            scaled_rows += unclipped + curve_rows(scaled.clipped_norms, CLIPPED)[0]
            info += [
                t("lab_gradients.info.rnn", original=f"{original:.3f}", scale=f"{scale:g}",
                  radius=f"{scaled.spectral_radius:.3f}", ratio=ratio(scaled.norms),
                  skipped=t("lab_gradients.info.overflowed", n=skipped) if skipped else ""),
                radius_lesson(scaled.spectral_radius),
                clip_lesson(scaled),
            ]
        else:
            info.append(t("lab_gradients.info.no_rnn"))
        return plot_frame(rows), plot_frame(scaled_rows), "\n\n".join(info)

    def layout(self) -> None:
        with panel(t("lab_gradients.title"), "lab_gradients", t("lab_gradients.explanation")):
            with gr.Row():
                with gr.Column(scale=2):
                    fields = FORM.fields(self)
                    fields.show()
                    button = gr.Button(t("lab_gradients.button"), variant="primary")
                with gr.Column(scale=3):
                    x_title = t("lab_gradients.plot.x")
                    cells_plot = gr.LinePlot(x="distance", y="log10_norm", color="curve",
                                             title=t("lab_gradients.plot.cells"), x_title=x_title, y_title=Y_TITLE,
                                             color_title=t("plot.curve"), height=300, elem_id="gradients-cells")
                    rnn_plot = gr.LinePlot(x="distance", y="log10_norm", color="curve",
                                           title=t("lab_gradients.plot.rnn"), x_title=x_title, y_title=Y_TITLE,
                                           color_title=t("plot.curve"), height=300, elem_id="gradients-rnn")
                    info = gr.Markdown(elem_id="gradients-info")
            button.click(self.gradients, fields.inputs(), [cells_plot, rnn_plot, info],
                         api_name="gradients")
            # No cell choice: the script reads one folder, run for each; the RNN's shows the W_hh experiment too.
            CodeView("gradients", FORM, self, "lab_gradients.title", weights="rnn").layout(
                fields, fields.offer(run=button, name="gradients"))

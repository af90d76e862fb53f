"""梯度消失 Vanishing gradients: ‖∂L_T/∂h_t‖ back through time for the loaded models, and a plain RNN whose
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
    gradient_norms,
    random_sequence,
    recurrent_matrix,
    scaled_rnn_gradients,
    spectral_radius,
)
from .. import limits
from ..render import CELL_LABELS
from ..validate import InputError, check_choice, check_number, check_seed, check_text, check_whole
from ..widgets import panel

SENTENCE = "窗外的星星在说话我想你想到睡不着夏天的风吹过小河"  # everyday words, not a corpus line
SOURCES = {"sentence": "sentence", "random": "random"}
X_TITLE = "往回的步数 steps back from the last"
Y_TITLE = "log₁₀ ‖∂L/∂h_t‖"
# Gradio 6.31's LinePlot fixes its colours to the curves of the first data it draws: a curve first named in a
# later answer is never drawn. So every answer carries the same curves, under names that do not change.
UNCLIPPED, CLIPPED = "不裁剪 unclipped", "裁剪后 clipped"


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
        return "0（下溢 underflow）"
    return f"{far / near:.1e}" if near > 0 and math.isfinite(near) and math.isfinite(far) else "–"


def radius_lesson(radius: float) -> str:
    if radius < 0.95:
        return ("ρ < 1：每往回一步，梯度大约乘上 ρ（还要乘 tanh 的导数 ≤ 1），越远越小——这就是梯度消失。"
                " · ρ < 1: every step back multiplies the gradient by about ρ (and by tanh's slope ≤ 1): "
                "it shrinks with distance — the vanishing gradient.")
    if radius > 1.05:
        return ("ρ > 1：只要 tanh 还没饱和，每往回一步梯度就被放大，越远越大——梯度爆炸；"
                "tanh 饱和时导数变小，又会把它压回去。 · ρ > 1: while tanh is not saturated each step back "
                "enlarges the gradient — it explodes; where tanh saturates its slope shrinks it again.")
    return ("ρ ≈ 1：梯度大致保持大小，取决于 tanh 的导数。 · ρ ≈ 1: the gradient keeps roughly its size, "
            "up to tanh's slope.")


def clip_lesson(scaled: ScaledGradients) -> str:
    if scaled.clip is None:
        return "没有裁剪（阈值 0）。 · No clipping (threshold 0)."
    if scaled.clip_factor >= 1.0:
        return (f"总长度 total norm {scaled.total_norm:.3g} ≤ 阈值 threshold {scaled.clip:g}：裁剪什么也不做。"
                f" · Below the threshold, clipping does nothing.")
    return (f"总长度 total norm {scaled.total_norm:.3g} > 阈值 threshold {scaled.clip:g}：每一步的梯度都乘以 "
            f"{scaled.clip_factor:.3g}。大小被限住了，但远近之比没变（两条线平行）——裁剪治得了爆炸，治不了消失。"
            f" · Every step's gradient is multiplied by {scaled.clip_factor:.3g}: the size is capped, the ratio "
            "between near and far steps is not (the two lines are parallel) — clipping tames explosions, "
            "not vanishing.")


class GradientsTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def sequence(self, ckpt: Checkpoint, source: str, text: str, steps: int, seed: int) -> list[int]:
        """The ids fed: the start-of-line token and the sentence's words, or steps + 1 random words."""
        if source == "random":
            return random_sequence(len(ckpt.vocab), steps + 1, seed)
        return make_prompt(ckpt.vocab, text).ids

    def gradients(self, source: str, text: str, length: float, seed: float | str | None, scale: float,
                  clip: float) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        """(‖∂L_T/∂h_t‖ of every loaded model by distance from the last step, on a log10 scale; the plain RNN's
        with W_hh × scale, unclipped and clipped; the figures in words).

        source "sentence": the text's words from the start of a line, the loss the last word's; "random":
        `length` random words then one more to predict. clip 0 means no clipping.
        """
        source = check_choice(source, SOURCES, "序列来源", "sequence source")
        text = check_text(text, limits.MAX_TEXT_CHARS, "句子", "sentence")
        steps = check_whole(length, 2, limits.LAB_MAX_GRAD_STEPS, "序列长度", "length")
        seed = check_seed(seed)
        scale = float(check_number(scale, limits.LAB_MIN_SCALE, limits.LAB_MAX_SCALE, "W_hh 倍数", "W_hh scale"))
        clip = float(check_number(clip, 0.0, limits.LAB_MAX_CLIP, "裁剪阈值", "clipping threshold")) or None
        if seed is None:
            seed = random.randrange(limits.MAX_SEED + 1)
        if source == "sentence":
            if not text:
                raise InputError("请输入一句话", "the sentence is empty: please type one")
            words = len(make_prompt(next(iter(self.checkpoints.values())).vocab, text).words)
            if words < 2:
                raise InputError("这句话至少要有两个词", "the sentence needs at least two words")
            if words > limits.LAB_MAX_GRAD_STEPS:
                raise InputError(f"这句话有 {words} 个词，最多 {limits.LAB_MAX_GRAD_STEPS} 个",
                                 f"the sentence has {words} words, at most {limits.LAB_MAX_GRAD_STEPS}")

        rows, notes = [], []
        for cell, ckpt in self.checkpoints.items():
            norms = gradient_norms(ckpt.model, self.sequence(ckpt, source, text, steps, seed))
            cell_rows, skipped = curve_rows(norms, CELL_LABELS[cell])
            rows += cell_rows
            note = f"{CELL_LABELS[cell]}：最远 / 最近 far / near = **{ratio(norms)}**"
            if skipped:
                note += f"（{skipped} 步下溢为 0，未画出 · {skipped} steps underflowed to 0, not drawn）"
            notes.append(note)
        steps_fed = len(norms)
        shown_source = (f"这句话的 {steps_fed} 个词 · the sentence's {steps_fed} words" if source == "sentence"
                        else f"{steps_fed} 个随机词，种子 `{seed}` · {steps_fed} random words, seed `{seed}`")
        info = [
            f"L = 最后一个词的损失 the last word's loss；h_t = 读完第 t 个词后的隐藏状态 the hidden state after "
            f"word t；{shown_source}。",
            " · ".join(notes) + "（‖∂L/∂h_1‖ / ‖∂L/∂h_T‖）",
        ]

        scaled_rows = []
        if "rnn" in self.checkpoints:
            rnn = self.checkpoints["rnn"]
            original = spectral_radius(recurrent_matrix(rnn.model))
            scaled = scaled_rnn_gradients(rnn.model, self.sequence(rnn, source, text, steps, seed), scale, clip)
            unclipped, skipped = curve_rows(scaled.norms, UNCLIPPED)
            # Without clipping, clipped_norms are the norms themselves: the two curves lie on each other.
            scaled_rows += unclipped + curve_rows(scaled.clipped_norms, CLIPPED)[0]
            info += [
                f"**RNN：W_hh 的谱半径 spectral radius ρ = {original:.3f}；× {scale:g} → ρ = "
                f"{scaled.spectral_radius:.3f}**；最远 / 最近 far / near = {ratio(scaled.norms)}"
                + (f"（{skipped} 步下溢为 0 或溢出 · {skipped} steps underflowed or overflowed）" if skipped else ""),
                radius_lesson(scaled.spectral_radius),
                clip_lesson(scaled),
            ]
        else:
            info.append("没有加载 RNN，无法做缩放实验。 · No plain RNN is loaded: no scaling experiment.")
        return plot_frame(rows), plot_frame(scaled_rows), "\n\n".join(info)

    def layout(self) -> None:
        with panel("梯度消失 Vanishing gradients", "lab_gradients",
                   "最后一个词的损失对前面每一步隐藏状态的梯度 ‖∂L_T/∂h_t‖：越往回越小，说明远处的词几乎影响不了学习。"
                   "纵轴是以 10 为底的对数。 · The gradient of the last word's loss with respect to each earlier "
                   "hidden state: the further back, the smaller, so far-away words hardly shape learning. "
                   "The y axis is log₁₀ of the norm."):
            with gr.Row():
                with gr.Column(scale=2):
                    source = gr.Radio([("一句话 A sentence", "sentence"), ("随机词 Random words", "random")],
                                      value="random", label="序列 Sequence")
                    text = gr.Textbox(label="句子 Sentence", value=SENTENCE, max_length=limits.MAX_TEXT_CHARS)
                    length = gr.Slider(2, limits.LAB_MAX_GRAD_STEPS, value=limits.LAB_DEFAULT_GRAD_STEPS, step=1,
                                       label="随机序列长度 Random length（词 · words）")
                    seed = gr.Textbox(label="种子 Seed（留空 = 随机 · blank = random）", value="0")
                    scale = gr.Slider(limits.LAB_MIN_SCALE, limits.LAB_MAX_SCALE, value=1.0, step=0.05,
                                      label="RNN 的 W_hh 乘以 Multiply the RNN's W_hh by", elem_id="gradients-scale")
                    clip = gr.Slider(0, limits.LAB_MAX_CLIP, value=1.0, step=0.1,
                                     label="梯度裁剪阈值 Gradient clipping threshold（0 = 不裁剪 off）")
                    button = gr.Button("计算梯度 Compute gradients", variant="primary")
                with gr.Column(scale=3):
                    cells_plot = gr.LinePlot(x="distance", y="log10_norm", color="curve",
                                             title="三个模型 The three models（y = log₁₀）", x_title=X_TITLE,
                                             y_title=Y_TITLE,
                                             height=300, elem_id="gradients-cells")
                    rnn_plot = gr.LinePlot(x="distance", y="log10_norm", color="curve",
                                           title="W_hh 缩放后的 RNN The RNN, W_hh scaled（y = log₁₀）", x_title=X_TITLE,
                                           y_title=Y_TITLE, height=300, elem_id="gradients-rnn")
                    info = gr.Markdown(elem_id="gradients-info")
            button.click(self.gradients, [source, text, length, seed, scale, clip], [cells_plot, rnn_plot, info],
                         api_name="gradients")

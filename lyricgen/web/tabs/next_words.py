"""下一个词 Next word: each generated word coloured by its probability; one step's top 10 before and after T."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import next_words
from ...tokens import EOL
from .. import limits
from ..render import CELL_LABELS, esc, next_words_html, shown_token
from ..validate import check_cell, check_generation, check_whole
from ..widgets import cell_radio, panel, temperature_slider

START = "星星"  # an everyday word, not a corpus line


def temperature_effect(t: float) -> str:
    if t == 0:
        return "温度 0 = 贪心：总是选第一名 · temperature 0 is greedy: always the top word"
    if t < 1:
        return "温度 < 1：高的更高，分布更尖 · below 1: the likely words get likelier"
    if t > 1:
        return "温度 > 1：分布更平，更随机 · above 1: flatter, more random"
    return "温度 1：就是模型自己的分布 · temperature 1: the model's own distribution"


class NextWordsTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def next_words(self, start_text: str, cell: str, length: float, temperature: float, seed: str | int | None,
                   step: float) -> tuple[str, str, pd.DataFrame, pd.DataFrame, int]:
        """Generate, then show step `step`'s likeliest next words before and after the temperature.

        A step past the end shows the last step: the step slider may still sit further right than a
        shorter text reaches. Returns the seed used too, so moving the slider keeps the same lyrics.
        """
        ckpt = check_cell(self.checkpoints, cell)
        index = check_whole(step, 0, limits.MAX_INSIDE_LENGTH - 1, "步", "step")
        settings = check_generation(start_text, length, temperature, None, seed, limits.MAX_INSIDE_LENGTH)
        result = next_words(ckpt, settings, limits.TOP_CANDIDATES)
        index = min(index, len(result.steps) - 1)
        chosen = result.steps[index]
        labels = [f"{rank}. {'↵' if c.token == EOL else c.token}" for rank, c in enumerate(chosen.candidates, 1)]
        before = pd.DataFrame({"word": labels, "probability": [c.prob_t1 for c in chosen.candidates]})
        after = pd.DataFrame({"word": labels, "probability": [c.prob for c in chosen.candidates]})
        t = result.temperature
        info = "\n\n".join([
            f"种子 seed：`{result.seed}` · 模型 model：{CELL_LABELS[ckpt.model.config.cell]} · "
            f"共 {len(result.steps)} 步 steps",
            f"**第 {index} 步 · step {index}**：选中了 chosen **{esc(shown_token(chosen.token))}** — "
            f"p(T=1) = {chosen.prob_t1:.4f}，p(T={t:g}) = {chosen.prob:.4f}，"
            f"惊讶度 surprisal = {chosen.surprisal:.2f} bits",
            temperature_effect(t),
        ])
        return next_words_html(result, selected=index), info, before, after, result.seed

    def layout(self) -> None:
        with panel("下一个词 Next word", "next_words",
                   "模型每一步给所有词一个概率，再按温度抽一个。颜色 = 模型给这个词的概率；拖动“步”看那一步的前 10 名。"
                   " · At every step the model gives each word a probability, then the temperature reshapes it and "
                   "one word is drawn. Colour = the probability the model gave the word; move *step* to see that "
                   "step's top 10."):
            with gr.Row():
                with gr.Column(scale=2):
                    start = gr.Textbox(label="开头文字 Start text", value=START, max_length=limits.MAX_TEXT_CHARS)
                    cell = cell_radio(self.checkpoints)
                    length = gr.Slider(1, limits.MAX_INSIDE_LENGTH, value=limits.DEFAULT_INSIDE_LENGTH, step=1,
                                       label="生成长度 Length（词 · words）")
                    temperature = temperature_slider()
                    seed = gr.Textbox(label="种子 Seed（留空 = 随机 · blank = random）", value="42")
                    button = gr.Button("生成 Generate", variant="primary")
                with gr.Column(scale=3):
                    text = gr.HTML(elem_id="next-words-text")
                    step = gr.Slider(0, limits.MAX_INSIDE_LENGTH - 1, value=0, step=1,
                                     label="步 Step（第几个生成的词 · which generated word）",
                                     elem_id="next-words-step")
                    info = gr.Markdown(elem_id="next-words-info")
            with gr.Row():
                before = gr.BarPlot(x="word", y="probability", sort="-y", title="温度之前 Before temperature (T = 1)",
                                    x_title="候选词 candidate", y_title="概率 probability", height=280)
                after = gr.BarPlot(x="word", y="probability", sort="-y",
                                   title="温度之后 After temperature（抽样用的 · sampled from）",
                                   x_title="候选词 candidate", y_title="概率 probability", height=280)
            used_seed = gr.State(None)  # the seed of the last run: moving the step slider keeps the same lyrics
            outputs = [text, info, before, after, used_seed]
            button.click(self.next_words, [start, cell, length, temperature, seed, step], outputs,
                         api_name="next_words")
            step.release(self.next_words, [start, cell, length, temperature, used_seed, step], outputs,
                         api_visibility="private")

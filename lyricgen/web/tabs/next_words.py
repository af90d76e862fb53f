"""Next word: each generated word coloured by its probability; one step's top 10 before and after T."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import next_words
from ...tokens import EOL
from .. import limits, links
from ..i18n import t
from ..render import CELL_LABELS, esc, next_words_html, shown_token
from ..validate import check_cell, check_generation, check_whole
from ..widgets import cell_radio, panel, seed_box, temperature_slider

START = "星星"  # an everyday word, not a corpus line


def temperature_effect(temperature: float) -> str:
    if temperature == 0:
        return t("next_words.effect.greedy")
    if temperature < 1:
        return t("next_words.effect.sharper")
    if temperature > 1:
        return t("next_words.effect.flatter")
    return t("next_words.effect.same")


class NextWordsTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def next_words(self, start_text: str, cell: str, length: float, temperature: float, seed: str | int | None,
                   step: float) -> tuple[str, str, gr.BarPlot, gr.BarPlot, int, gr.Slider]:
        """Generate, then show step `step`'s likeliest next words: the model's own p, and p_T sampled from (the
        charts share one axis from 0 and one order of words).

        A step past the end shows the last step: the step slider may still sit further right than a
        shorter text reaches. Returns the seed used too, so moving the slider keeps the same lyrics, and the
        step slider, its end moved to the last step there is.
        """
        ckpt = check_cell(self.checkpoints, cell)
        index = check_whole(step, 0, limits.MAX_INSIDE_LENGTH - 1, "field.step")
        settings = check_generation(start_text=start_text, length=length, temperature=temperature, seed=seed,
                                    max_length=limits.MAX_INSIDE_LENGTH)
        result = next_words(ckpt, settings, limits.TOP_CANDIDATES)
        index = min(index, len(result.steps) - 1)
        chosen = result.steps[index]
        labels = [f"{rank}. {'↵' if c.token == EOL else c.token}" for rank, c in enumerate(chosen.candidates, 1)]
        before = pd.DataFrame({"word": labels, "probability": [c.prob_model for c in chosen.candidates]})
        after = pd.DataFrame({"word": labels, "probability": [c.prob for c in chosen.candidates]})
        info = "\n\n".join([
            t("next_words.info.run", seed=result.seed, cell=CELL_LABELS[ckpt.model.config.cell],
              steps=len(result.steps)),
            t("next_words.info.step", index=index, word=esc(shown_token(chosen.token)), p1=f"{chosen.prob_model:.3g}",
              temperature=f"{result.sampling.temperature:g}", p=f"{chosen.prob:.3g}", bits=f"{chosen.surprisal:.2f}"),
            temperature_effect(result.sampling.temperature),
        ])
        # Both charts on one axis from 0, the words in rank order: the flattening (or sharpening) is then seen
        # as bars getting shorter (taller), not hidden by each chart scaling to its own range.
        top = max(1e-6, float(before.probability.max()), float(after.probability.max()))
        charts = [gr.BarPlot(frame, y_lim=[0, top], sort=labels) for frame in (before, after)]
        # Gradio refuses a slider whose end is its start: one word written still leaves the slider a step to 1,
        # which shows the last word (as a step past the end does).
        slider = gr.Slider(value=index, maximum=max(1, len(result.steps) - 1))
        return next_words_html(result, selected=index), info, *charts, result.seed, slider

    def layout(self) -> None:
        with panel(t("next_words.title"), "next_words", t("next_words.intro")):
            with gr.Row():
                with gr.Column(scale=2):
                    start = gr.Textbox(label=t("widget.start"), value=START, max_length=limits.MAX_TEXT_CHARS)
                    cell = cell_radio(self.checkpoints)
                    length = gr.Slider(limits.MIN_LENGTH, limits.MAX_INSIDE_LENGTH, value=limits.DEFAULT_INSIDE_LENGTH,
                                       step=1, label=t("next_words.length"))
                    temperature = temperature_slider()
                    seed = seed_box(value="42")
                    button = gr.Button(t("widget.generate"), variant="primary")
                with gr.Column(scale=3):
                    text = gr.HTML(elem_id="next-words-text")
                    step = gr.Slider(0, limits.DEFAULT_INSIDE_LENGTH - 1, value=0, step=1, label=t("next_words.step"),
                                     elem_id="next-words-step")
                    info = gr.Markdown(elem_id="next-words-info")
            with gr.Row():
                before = gr.BarPlot(x="word", y="probability", y_lim=[0, None], title=t("next_words.before"),
                                    x_title=t("next_words.candidate"), y_title=t("next_words.probability"), height=280)
                after = gr.BarPlot(x="word", y="probability", y_lim=[0, None], title=t("next_words.after"),
                                   x_title=t("next_words.candidate"), y_title=t("next_words.probability"), height=280)
            used_seed = gr.State(None)  # the seed of the last run: moving the step slider keeps the same lyrics
            outputs = [text, info, before, after, used_seed, step]
            # preprocess=False: the handler checks every value itself, and Gradio's own check would hold the
            # step to the slider's end for this session's last text, refusing a later, longer text's step.
            button.click(self.next_words, [start, cell, length, temperature, seed, step], outputs,
                         api_name="next_words", preprocess=False)
            step.release(self.next_words, [start, cell, length, temperature, used_seed, step], outputs,
                         api_visibility="private", preprocess=False)
            links.offer({
                "start": links.text(start, limits.MAX_TEXT_CHARS, "field.start_text"),
                "cell": links.choice(cell, self.checkpoints, "field.model"),
                "length": links.whole(length, limits.MIN_LENGTH, limits.MAX_INSIDE_LENGTH, "field.length"),
                "temperature": links.number(temperature, 0, limits.MAX_TEMPERATURE, "field.temperature"),
                "seed": links.seed(seed),
                "step": links.whole(step, 0, limits.MAX_INSIDE_LENGTH - 1, "field.step"),
            }, run=button)

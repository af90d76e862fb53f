"""Next word: each generated word coloured by its probability; one step's top 10 before and after T."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.words import next_words
from ...tokens import EOL
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels
from ..render import esc, model_name, next_words_html, shown_token
from ..widgets import panel

START = "星星"  # an everyday word, not a corpus line


def temperature_effect(temperature: float) -> str:
    if temperature == 0:
        return t("next_words.effect.greedy")
    if temperature < 1:
        return t("next_words.effect.sharper")
    if temperature > 1:
        return t("next_words.effect.flatter")
    return t("next_words.effect.same")


# The panel's inputs, in the order of its endpoint's parameters (/next_words).
FORM = params.Form(
    params.START.but(default=START),
    params.CELL,
    params.LENGTH.but(high=limits.MAX_INSIDE_LENGTH, default=limits.DEFAULT_INSIDE_LENGTH, label="next_words.length"),
    params.TEMPERATURE,
    params.SEED.but(default="42"),
    params.Whole("step", "field.step", "next_words.step", default=0, high=limits.MAX_INSIDE_LENGTH - 1,
                 look={"elem_id": "next-words-step"}),
    params.TOP_K,
)


class NextWordsTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"

    @FORM.checked
    def next_words(self, start: str, cell: Chosen, length: int, temperature: float, seed: int | None,
                   step: int, top_k: int) -> tuple[str, str, gr.BarPlot, gr.BarPlot, int, gr.Slider]:
        """Generate, then show step `step`'s likeliest next words: the model's own p, and p_T sampled from (the
        charts share one axis from 0 and one order of words).

        A step past the end shows the last step: the step slider may still sit further right than a
        shorter text reaches. Returns the seed used too, so moving the slider keeps the same lyrics, and the
        step slider, its end moved to the last step there is.
        """
        ckpt = cell.ckpt
        result = next_words(ckpt, params.generation(start, length, temperature, seed, top_k), limits.TOP_CANDIDATES)
        index = min(step, len(result.steps) - 1)
        chosen = result.steps[index]
        labels = [f"{rank}. {'↵' if c.token == EOL else c.token}" for rank, c in enumerate(chosen.candidates, 1)]
        before = pd.DataFrame({"word": labels, "probability": [c.prob_model for c in chosen.candidates]})
        after = pd.DataFrame({"word": labels, "probability": [c.prob for c in chosen.candidates]})
        info = "\n\n".join([
            t("next_words.info.run", seed=result.seed, cell=model_name(cell.name, ckpt),
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
                    fields = FORM.fields(self)
                    fields.show(but=("step",))  # the step goes beside the text
                    button = gr.Button(t("widget.generate"), variant="primary")
                with gr.Column(scale=3):
                    text = gr.HTML(elem_id="next-words-text")
                    # Its end follows the text shown (the handler moves it); its range is the spec's.
                    step = fields.show("step", maximum=limits.DEFAULT_INSIDE_LENGTH - 1)
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
            button.click(self.next_words, fields.inputs(), outputs, api_name="next_words", preprocess=False)
            step.release(self.next_words, fields.inputs(seed=used_seed), outputs, api_visibility="private",
                         preprocess=False)
            CodeView("next_words", FORM, self, "next_words.title").layout(fields, fields.offer(run=button))

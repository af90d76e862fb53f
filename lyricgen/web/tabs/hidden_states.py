"""Hidden states: h_t (and the gates) at every step, computed by hand from the model's own weights."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image

from ...checkpoint import Checkpoint
from ...inspect.states import TRACED, HiddenTrace, hidden_states
from ...tokens import text_words
from .. import params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels
from ..render import model_name, shown_token, stacked, trace_images
from ..validate import InputError
from ..widgets import panel

SENTENCE = "窗外的星星在说话"  # an everyday sentence, not a corpus line


def steps_table(trace: HiddenTrace) -> pd.DataFrame:
    """One row per step: the word read, and the size of h_t (its norm) in every layer."""
    step_col, input_col = t("hidden_states.col.step"), t("hidden_states.col.input")
    norm_cols = [t("hidden_states.col.norm", layer=k) for k in range(len(trace.layers))]
    rows = []
    for step, (token, token_id) in enumerate(zip(trace.tokens, trace.token_ids, strict=True)):
        row = {step_col: step, input_col: shown_token(token), "id": token_id}
        for column, layer in zip(norm_cols, trace.layers, strict=True):
            row[column] = round(float(np.linalg.norm(layer.h[step])), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def captioned_images(trace: HiddenTrace) -> list[tuple[Image.Image, str]]:
    """Every layer's heatmaps (h_t, then the gates), each with its caption."""
    images = []
    for k in range(len(trace.layers)):
        for image, caption in trace_images(trace, k):
            if len(trace.layers) > 1:
                caption = t("hidden_states.caption", layer=k, caption=caption)
            images.append((image, caption))
    return images


# The panel's inputs, in the order of its endpoint's parameters (/hidden_states).
FORM = params.Form(params.SENTENCE.but(default=SENTENCE, label="hidden_states.sentence", look={"scale": 3}),
                   params.CELL)


class HiddenStatesTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"

    @FORM.checked
    def hidden_states(self, text: str, cell: Chosen) -> tuple[Image.Image, pd.DataFrame, str]:
        """(the heatmaps stacked in one picture, the word read at each step, the shapes and the check)."""
        ckpt = cell.ckpt
        if not text_words(text):
            raise InputError("hidden_states.error.no_words")
        trace = hidden_states(ckpt, text)
        steps, units = trace.layers[0].h.shape
        name = model_name(cell.name, ckpt)
        gates = ", ".join(TRACED[trace.cell]) or t("hidden_states.info.no_gates")
        verdict = "✓ < 1e-5" if trace.max_abs_diff < 1e-5 else "✗ ≥ 1e-5"
        info = "\n\n".join([
            t("hidden_states.info.pictures", steps=steps, units=units),
            t("hidden_states.info.gates", name=name, gates=gates),
            t("hidden_states.info.check", name=name, diff=f"{trace.max_abs_diff:.1e}", verdict=verdict),
        ])
        return stacked(captioned_images(trace)), steps_table(trace), info

    def layout(self) -> None:
        with panel(t("hidden_states.title"), "hidden_states", t("hidden_states.intro")):
            fields = FORM.fields(self)
            with gr.Row():
                fields.show()
            button = gr.Button(t("hidden_states.button"), variant="primary")
            info = gr.Markdown(elem_id="hidden-info")
            with gr.Row():
                picture = gr.Image(label=t("hidden_states.picture"), type="pil", format="png", interactive=False,
                                   alt_text=t("alt.hidden_states"), elem_id="hidden-heatmaps", scale=3)
                table = gr.Dataframe(label=t("hidden_states.table"), interactive=False, scale=1)
            button.click(self.hidden_states, fields.inputs(), [picture, table, info], api_name="hidden_states")
            CodeView("hidden_states", FORM, self, "hidden_states.title").layout(fields, fields.offer(run=button))

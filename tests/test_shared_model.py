"""The models are shared: every look-inside panel answers the same while the decoding engines write on the
same model, and no panel leaves anything of its own request on a module the engines run through.

A whole engine request is run in the middle of each panel's forward pass (the panel's recurrence waits
for it), so the interleaving is certain, not a matter of timing."""

from __future__ import annotations

import threading

import gradio as gr
import pandas as pd
import pytest
from conftest import WAIT_S
from PIL import Image

from lyricgen.generate import GenerationSettings
from lyricgen.sampling import Sampling
from lyricgen.web.tabs.attention import AttentionTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab
from lyricgen.web.tabs.neighbours import NeighboursTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.score_line import ScoreLineTab
from lyricgen.web.tabs.tokenize import TokenizeTab

TEXT = "明月几时有\n把酒问青天\n明月几时有"

# (panel, its handler called on the tiny checkpoints) for every look-inside panel that reads a model.
PANELS = {
    "attention": lambda tiny, cell: AttentionTab(tiny).attention(TEXT, cell, 7),
    "next_words": lambda tiny, cell: NextWordsTab(tiny).next_words("明月", cell, 12, 0.8, "5", 3),
    "hidden_states": lambda tiny, cell: HiddenStatesTab(tiny).hidden_states(TEXT, cell),
    "open_box": lambda tiny, cell: OpenBoxTab(tiny).open_box("明月几时有", 4),
    "score_line": lambda tiny, cell: ScoreLineTab(tiny).score_line("明月几时有"),
    "neighbours": lambda tiny, cell: NeighboursTab(tiny).neighbours("明月", cell),
    "tokenize": lambda tiny, cell: TokenizeTab(tiny).tokenize(TEXT, cell),
}


def comparable(answer: object) -> object:
    """A handler's answer as plain values that compare with ==."""
    if isinstance(answer, tuple | list):
        return [comparable(part) for part in answer]
    if isinstance(answer, dict):  # gr.update(...)
        return {key: comparable(value) for key, value in answer.items()}
    if isinstance(answer, pd.DataFrame):
        return answer.to_dict("split")
    if isinstance(answer, Image.Image):
        return answer.size, answer.tobytes()
    if isinstance(answer, gr.components.Component):
        return comparable(answer.constructor_args)
    return answer


def per_request_state(model) -> list[str]:
    """Hooks on any module of the model: what a request would leave there for the others to run through."""
    return [name for name, module in model.named_modules()
            if module._forward_hooks or module._forward_pre_hooks or module._backward_hooks]


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_panel_answers_the_same_while_the_engine_writes_on_its_model(tiny, engines, monkeypatch, panel, cell):
    ckpt, engine = tiny[cell], engines[cell]
    alone = comparable(PANELS[panel](tiny, cell))
    panel_thread = threading.current_thread()
    recur = ckpt.model._recur
    seen: list[list[str]] = []

    def recur_beside_the_engine(*args, **kwargs):
        if threading.current_thread() is panel_thread:  # the panel's forward, not the engine's
            seen.append(per_request_state(ckpt.model))
            steps = engine.submit(GenerationSettings("明月", 8, Sampling(0.9))).result(WAIT_S)  # a student's, now
            assert len(steps) == 8
            seen.append(per_request_state(ckpt.model))
        return recur(*args, **kwargs)

    monkeypatch.setattr(ckpt.model, "_recur", recur_beside_the_engine)
    beside = comparable(PANELS[panel](tiny, cell))
    assert beside == alone
    assert all(hooks == [] for hooks in seen), seen
    assert not ckpt.model.training

"""The open-the-box panel (lyricgen/web/tabs/open_box.py): its terms recomputed, served, in one language."""

from __future__ import annotations

import numpy as np
import pytest
from languages import answers_in, assert_chinese, assert_english
from panel_helpers import (
    SENTENCE,
    corpus_words,
    stepwise_reference,
    two_layer,
)

from lyricgen.generate import make_prompt
from lyricgen.inspect.states import open_box
from lyricgen.tokens import UNK
from lyricgen.web import i18n
from lyricgen.web.render import (
    open_box_markdown,
)
from lyricgen.web.tabs.open_box import OpenBoxTab

# ---------------------------------------------------------------------------------------------
# Open the box


@pytest.mark.parametrize("layers", [1, 2])
def test_open_box_terms_add_up_to_nn_rnn(ckpts, layers):
    ckpt = ckpts["rnn"] if layers == 1 else two_layer(ckpts["rnn"], "rnn")
    box = open_box(ckpt, SENTENCE, units=4)
    assert box.max_abs_diff < 1e-5
    ids = make_prompt(ckpt.vocab, SENTENCE).ids
    h_ref, _ = stepwise_reference(ckpt.model, ids)
    assert np.abs(box.h - h_ref[:, 0].numpy()).max() < 1e-5  # layer 0 at every step
    hidden, embed = ckpt.model.config.hidden_dim, ckpt.model.config.embed_dim
    assert box.shapes["W_ih"] == (hidden, embed) and box.shapes["W_hh"] == (hidden, hidden)
    assert box.shapes["b_ih"] == box.shapes["b_hh"] == (hidden,)
    assert len(box.steps) == len(ids) and box.steps[0].h_prev == [0.0] * 4
    w_ih = ckpt.model.rnn.weight_ih_l0.detach()
    for step in box.steps:
        terms = {k: np.array(v) for k, v in step.terms.items()}
        assert all(len(v) == 4 for v in terms.values())
        parts = terms["W_ih x_t"] + terms["b_ih"] + terms["W_hh h_{t-1}"] + terms["b_hh"]
        np.testing.assert_allclose(terms["sum"], parts, atol=1e-6)
        np.testing.assert_allclose(terms["h_t = tanh(sum)"], np.tanh(terms["sum"]), atol=1e-6)
        np.testing.assert_allclose(terms["h_t = tanh(sum)"], box.h[step.t, :4], atol=1e-6)
        x = ckpt.model.embedding.weight.detach()[step.token_id]
        np.testing.assert_allclose(terms["W_ih x_t"], (w_ih @ x)[:4].numpy(), atol=1e-5)


def test_open_box_markdown_explains_and_escapes(ckpts):
    box = open_box(ckpts["rnn"], "明月 <b>|")
    text = open_box_markdown(box)
    assert "tanh" in text and "W_hh" in text and "shape" in text and "they agree" in text
    assert "<b>" not in text and "&lt;" in text
    assert f"{box.max_abs_diff:.2e}" in text
    with i18n.using("zh"):
        assert "形状" in open_box_markdown(box)


def test_client_open_box_shows_shapes_and_agrees_with_nn_rnn(served, tiny):
    client, _ = served
    box = client.predict("明月光", 3, api_name="/open_box")
    hidden = tiny["rnn"].model.config.hidden_dim
    embed = tiny["rnn"].model.config.embed_dim
    assert f"`({hidden}, {embed})`" in box and f"`({hidden}, {hidden})`" in box
    assert "h_t = \\tanh" in box and "they agree" in box
    assert f"the first 3 of {hidden} units" in box


def test_open_box_speaks_one_language(tiny):
    tab, data = OpenBoxTab(tiny), [*corpus_words(tiny), "量子", UNK]
    assert_chinese(answers_in("zh", tab.open_box, "明月量子", 3), data)
    assert_english(answers_in("en", tab.open_box, "明月量子", 3), data)

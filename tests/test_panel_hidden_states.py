"""The hidden-states panel (web/tabs/hidden_states.py): states, gates, pictures, served, in one language."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import new_page
from languages import CJK, answers_in, assert_chinese, assert_english, without
from panel_helpers import (
    CELLS,
    SENTENCE,
    corpus_words,
    rows,
    stepwise_reference,
    two_layer,
)
from PIL import Image

from lyricgen.generate import make_prompt
from lyricgen.inspect.states import hidden_states
from lyricgen.inspect.states import hidden_states as trace_by_hand
from lyricgen.tokens import EOL, UNK
from lyricgen.web import i18n
from lyricgen.web.render import (
    GATE_NAMES,
    heatmap_image,
    trace_images,
)
from lyricgen.web.tabs.hidden_states import HiddenStatesTab, captioned_images, steps_table

# ---------------------------------------------------------------------------------------------
# Hidden states and gates


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_hand_computed_states_match_pytorch(ckpts, cell, layers):
    ckpt = ckpts[cell] if layers == 1 else two_layer(ckpts[cell], cell)
    trace = hidden_states(ckpt, SENTENCE)
    ids = make_prompt(ckpt.vocab, SENTENCE).ids
    assert trace.token_ids == ids and trace.tokens[0] == EOL and len(trace.layers) == layers
    assert trace.max_abs_diff < 1e-5
    h_ref, c_ref = stepwise_reference(ckpt.model, ids)
    hidden = ckpt.model.config.hidden_dim
    for k, layer in enumerate(trace.layers):
        assert layer.h.shape == (len(ids), hidden)  # (time, units)
        assert np.abs(layer.h - h_ref[:, k].numpy()).max() < 1e-5
        if cell == "lstm":
            assert np.abs(layer.gates["c"] - c_ref[:, k].numpy()).max() < 1e-5
    # and the whole-sequence call's output is the top layer's h at every step
    with torch.no_grad():
        out, _ = ckpt.model.rnn(ckpt.model.embedding(torch.tensor(ids)).unsqueeze(1))
    assert np.abs(trace.layers[-1].h - out[:, 0].numpy()).max() < 1e-5


@pytest.mark.parametrize("cell", CELLS)
def test_gates_obey_the_cell_equations(ckpts, cell):
    trace = hidden_states(ckpts[cell], SENTENCE)
    layer = trace.layers[0]
    h_prev = np.vstack([np.zeros((1, layer.h.shape[1])), layer.h[:-1]])  # h_{t-1}, h_0 = 0
    if cell == "rnn":
        assert layer.gates == {}
        assert np.abs(layer.h).max() < 1
    elif cell == "lstm":
        i, f, g, o, c = (layer.gates[n] for n in "ifgoc")
        assert min(i.min(), f.min(), o.min()) >= 0 and max(i.max(), f.max(), o.max()) <= 1
        c_prev = np.vstack([np.zeros((1, c.shape[1])), c[:-1]])
        np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-6)
        np.testing.assert_allclose(layer.h, o * np.tanh(c), atol=1e-6)
    else:
        r, z, n = (layer.gates[name] for name in "rzn")
        assert min(r.min(), z.min()) >= 0 and max(r.max(), z.max()) <= 1
        np.testing.assert_allclose(layer.h, (1 - z) * n + z * h_prev, atol=1e-6)
    assert len(steps_table(trace)) == len(trace.tokens)


@pytest.mark.parametrize("cell", CELLS)
def test_trace_images_one_per_quantity(ckpts, cell):
    trace = hidden_states(ckpts[cell], SENTENCE)
    images = trace_images(trace)
    keys = [GATE_NAMES[name] for name in ["h", *trace.layers[0].gates]]
    assert [caption for _, caption in images] == [i18n.text("en", key) for key in keys]
    steps = len(trace.tokens)
    for image, caption in images:
        assert image.height == steps * 14 and image.width > ckpts[cell].model.config.hidden_dim
        assert " " in caption
    with pytest.raises(IndexError):
        trace_images(trace, layer=1)


def test_hidden_states_feed_unknown_words_as_unk(ckpts):
    trace = hidden_states(ckpts["gru"], "量子 明月")
    assert "量子" in trace.unknown and "量子" in trace.tokens
    assert trace.token_ids[trace.tokens.index("量子")] == ckpts["gru"].vocab.unk_id


def test_heatmap_colours_follow_the_sign():
    values = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, 0.0]])  # (time, units)
    image = heatmap_image(values, limit=1.0, cell_w=10, cell_h=10, row_labels=False)
    assert image.size == (30, 20)
    blue, white, red = (image.getpixel((5 + 10 * j, 5)) for j in range(3))
    assert blue[2] > blue[0] and red[0] > red[2] and min(white) > 240
    labelled = heatmap_image(values)
    assert labelled.size[1] == 2 * 14 and labelled.size[0] > 3
    gate = heatmap_image(np.array([[0.0, 1.0]]), diverging=False, limit=1.0, cell_w=4, row_labels=False)
    assert sum(gate.getpixel((1, 1))) > sum(gate.getpixel((5, 1)))  # white for 0, dark for 1
    with pytest.raises(ValueError):
        heatmap_image(np.zeros((0, 3)))


@pytest.mark.parametrize(("cell", "pictures"), [("rnn", 1), ("lstm", 6), ("gru", 4)])
def test_client_hidden_states_returns_heatmaps(served, tiny, cell, pictures):
    client, _ = served
    picture, table, info = client.predict("明月几时有", cell, api_name="/hidden_states")
    shown_token = lambda token: i18n.text("en", "token.line_break") if token == EOL else token  # noqa: E731
    trace = trace_by_hand(tiny[cell], "明月几时有")
    images = captioned_images(trace)
    assert len(images) == pictures  # h_t; LSTM: + i, f, g, o, c; GRU: + r, z, n
    assert images[0][1] == "hidden state h_t"
    stacked, _, _ = HiddenStatesTab(tiny).hidden_states("明月几时有", cell)
    with Image.open(picture["path"]) as served_picture:  # the heatmaps stacked, each under a caption
        assert served_picture.size == stacked.size
        assert served_picture.height > sum(image.height for image, _ in images)
    # The inputs as read, a line break shown as the page names it (the client asks for English).
    assert [r["input"] for r in rows(table)] == [shown_token(token) for token in trace.tokens]
    assert "✓ < 1e-5" in info and trace.max_abs_diff < 1e-5


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_states_speaks_one_language(tiny, cell):
    tab, data = HiddenStatesTab(tiny), [*corpus_words(tiny), "量子", UNK]
    chinese = answers_in("zh", tab.hidden_states, "明月量子", cell)
    assert_chinese(chinese, data)
    assert "最大差别" in chinese and ("的门：无" in chinese) == (cell == "rnn")
    english = answers_in("en", tab.hidden_states, "明月量子", cell)
    assert_english(english, data)
    assert "largest difference" in english and ("gates: none" in english) == (cell == "rnn")


# ---------------------------------------------------------------------------------------------
# Links in a real browser (the shipped weights): the panel opens inside its tabs, filled in, and runs once.

def test_a_link_opens_a_look_inside_panel_filled_in_and_runs_it(browser_app):
    from playwright.sync_api import expect

    page = new_page(browser_app, locale="en-US", query="?tab=hidden_states&text=明月几时有&cell=gru")
    try:
        panel = page.locator("#tab-hidden-states")
        expect(panel.locator("#hidden-info")).to_contain_text("GRU's gates: r, z, n")  # it ran, in English
        assert panel.get_by_label("Sentence").input_value() == "明月几时有"
        assert panel.get_by_role("radio", name="GRU").is_checked()
        assert not CJK.search(without(panel.inner_text(), ["明月几时有", *"明月几时有"]))
    finally:
        page.context.close()

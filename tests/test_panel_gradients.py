"""The Lab's gradients panel (web/tabs/lab_gradients.py): finite differences, served, one language, link."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from lab_helpers import chinese_too, curves, english, one_thread, refused_in_english  # noqa: F401 (autouse)
from lab_languages import CJK, assert_chinese, assert_english, read, round_trip

from lyricgen.inspect.gradients import (
    gradient_norms,
    random_sequence,
    scale_for_radius,
    scaled_rnn_gradients,
    state_gradient_norms,
)
from lyricgen.model import LyricModel, ModelConfig
from lyricgen.web import i18n, limits
from lyricgen.web.tabs.lab_gradients import C_CURVE, CLIPPED, GradientsTab, h_curve
from lyricgen.web.validate import InputError

# ---- gradients ----


def tiny_model(cell: str, num_layers: int = 1) -> LyricModel:
    torch.manual_seed(3)
    config = ModelConfig(vocab_size=12, cell=cell, embed_dim=6, hidden_dim=6, num_layers=num_layers,
                         tie_weights=False)
    model = LyricModel(config).double().eval()
    nn.init.normal_(model.embedding.weight)  # vectors of norm ~1: a sequence whose words matter
    return model


def loss_from_state(model: LyricModel, ids: list[int], t: int, delta: torch.Tensor) -> float:
    """L with the last layer's h_t moved by delta, computed with whole-sequence nn.RNN/LSTM/GRU calls."""
    with torch.no_grad():
        x = model.embedding(torch.tensor(ids[:-1])).unsqueeze(1)  # (T, 1, embed)
        _, state = model.rnn(x[:t])  # (num_layers, 1, hidden), or the LSTM's (h, c)
        h = (state[0] if isinstance(state, tuple) else state).clone()
        h[-1, 0] += delta  # the LSTM's c stays as it is
        state = (h, state[1]) if isinstance(state, tuple) else h
        last = model.rnn(x[t:], state)[0][-1] if t < x.size(0) else h[-1]  # (1, hidden): h_T
        return F.cross_entropy(model.head(last), torch.tensor([ids[-1]])).item()


def loss_from_cell_state(model: LyricModel, ids: list[int], t: int, delta: torch.Tensor) -> float:
    """L with the LSTM's last-layer cell state c_t moved by delta, and h_t = o_t ⊙ tanh(c_t) following it."""
    rnn, top = model.rnn, model.rnn.num_layers - 1
    with torch.no_grad():
        x = model.embedding(torch.tensor(ids[:-1])).unsqueeze(1)  # (T, 1, embed)
        _, (h, c) = rnn(x[:t - 1]) if t > 1 else (None, (x.new_zeros(top + 1, 1, 6), x.new_zeros(top + 1, 1, 6)))
        _, (h_t, c_t) = rnn(x[:t])  # every layer's state after step t
        below = h_t[top - 1] if top else x[t - 1]  # (1, input): what the top layer reads at step t
        w_ih, w_hh, b_ih, b_hh = rnn.all_weights[top]
        o = torch.sigmoid((below @ w_ih.T + b_ih + h[top] @ w_hh.T + b_hh).chunk(4, dim=-1)[3])
        c_t = c_t.clone()
        c_t[top] += delta
        h_t = h_t.clone()
        h_t[top] = o * torch.tanh(c_t[top])
        last = rnn(x[t:], (h_t, c_t))[0][-1] if t < x.size(0) else h_t[top]  # (1, hidden): h_T
        return F.cross_entropy(model.head(last), torch.tensor([ids[-1]])).item()


def finite_difference_norms(loss_moved, model: LyricModel, ids: list[int], eps: float = 1e-6) -> list[float]:
    """‖∂L/∂state_t‖ for t = 1..T by central differences: loss_moved(model, ids, t, delta) is L with the state
    at step t moved by delta (6 numbers, the tiny models' hidden size)."""
    norms = []
    for t in range(1, len(ids)):
        grad = torch.zeros(6, dtype=torch.float64)
        for i in range(6):
            e = torch.zeros(6, dtype=torch.float64)
            e[i] = eps
            grad[i] = (loss_moved(model, ids, t, e) - loss_moved(model, ids, t, -e)) / (2 * eps)
        norms.append(grad.norm().item())
    return norms


def linear_regime_rnn() -> LyricModel:
    """A plain RNN whose W_hh is orthogonal (every |eigenvalue| is 1) and whose inputs are tiny, so tanh stays
    in its linear part even when W_hh is scaled to radius 2: each step back multiplies ‖∂L/∂h‖ by the radius."""
    torch.manual_seed(0)
    model = LyricModel(ModelConfig(vocab_size=10, cell="rnn", embed_dim=16, hidden_dim=16, tie_weights=False)).eval()
    with torch.no_grad():
        q, _ = torch.linalg.qr(torch.randn(16, 16))
        model.rnn.weight_hh_l0.copy_(q)
        model.rnn.bias_ih_l0.zero_()
        model.rnn.bias_hh_l0.zero_()
        model.embedding.weight.mul_(1e-12)
    return model


@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_cell_state_gradients_equal_finite_differences(num_layers):
    """‖∂L/∂c_t‖: the whole gradient reaching c_t, through c_{t+1} and through h_t = o_t ⊙ tanh(c_t)."""
    model = tiny_model("lstm", num_layers)
    ids = random_sequence(12, 9, seed=2)
    grads = state_gradient_norms(model, ids)
    assert grads.h == pytest.approx(gradient_norms(model, ids))
    assert grads.c == pytest.approx(finite_difference_norms(loss_from_cell_state, model, ids), rel=1e-5)
    assert state_gradient_norms(tiny_model("gru"), ids).c is None


@pytest.mark.parametrize("cell,num_layers", [("rnn", 1), ("lstm", 1), ("gru", 1), ("gru", 2), ("lstm", 2)])
def test_gradient_norms_equal_finite_differences(cell, num_layers):
    model = tiny_model(cell, num_layers)
    ids = random_sequence(12, 9, seed=1)
    norms = gradient_norms(model, ids)
    assert len(norms) == 8
    assert norms == pytest.approx(finite_difference_norms(loss_from_state, model, ids), rel=1e-5)


def test_gradient_norms_leave_the_model_alone():
    model = tiny_model("rnn").float().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.inference_mode():  # a caller's inference mode does not stop the graph being built
        norms = gradient_norms(model, random_sequence(12, 20, seed=0))
    assert len(norms) == 19 and all(n > 0 for n in norms)
    scaled_rnn_gradients(model, random_sequence(12, 20, seed=0), 3.0, 1.0)
    assert model.training and all(p.grad is None for p in model.parameters())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("radius", [0.5, 2.0])
def test_scaled_rnn_gradients_vanish_or_explode_with_the_radius(radius):
    model = linear_regime_rnn()
    ids = random_sequence(10, 31, seed=0)
    result = scaled_rnn_gradients(model, ids, scale_for_radius(model, radius), clip=None)
    assert result.spectral_radius == pytest.approx(radius, rel=1e-4)
    assert len(result.norms) == 30
    ratio = result.norms[-21] / result.norms[-1]  # distance 20 over distance 0
    assert ratio == pytest.approx(radius**20, rel=0.02)
    assert (ratio < 1e-5) if radius < 1 else (ratio > 1e5)
    assert result.clipped_norms == result.norms and result.clip_factor == 1.0


def test_clipping_rescales_every_step_alike():
    model = linear_regime_rnn()
    ids = random_sequence(10, 31, seed=0)
    result = scaled_rnn_gradients(model, ids, scale_for_radius(model, 2.0), clip=1.0)
    assert result.total_norm == pytest.approx(sum(n * n for n in result.norms) ** 0.5)
    assert sum(n * n for n in result.clipped_norms) ** 0.5 == pytest.approx(1.0, rel=1e-5)
    assert result.clipped_norms[0] / result.clipped_norms[-1] == pytest.approx(result.norms[0] / result.norms[-1])
    # What clip_grad_norm_ itself does to tensors holding these gradients' sizes.
    params = [torch.zeros(1, requires_grad=True) for _ in result.norms]
    for p, n in zip(params, result.norms, strict=True):
        p.grad = torch.tensor([n])
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert [p.grad.item() for p in params] == pytest.approx(result.clipped_norms, rel=1e-5)
    with pytest.raises(ValueError):
        scaled_rnn_gradients(tiny_model("gru"), ids, 1.0, None)


def test_random_sequence():
    ids = random_sequence(50, 200, seed=7)
    assert len(ids) == 200 and min(ids) >= 2 and max(ids) < 50
    assert ids == random_sequence(50, 200, seed=7) != random_sequence(50, 200, seed=8)


# ---------------------------------------------------------------------------------------------
# Vanishing gradients


def test_client_gradients_plot_autograds_norms_for_every_cell(served, tiny):
    client_, _ = served
    cells, rnn, info = client_.predict("random", "", 40, "7", 1.0, 0, api_name="/gradients")
    drawn = curves(cells)
    assert set(drawn) == {h_curve(cell) for cell in tiny} | ({C_CURVE} if "lstm" in tiny else set())
    for cell, ckpt in tiny.items():
        grads = state_gradient_norms(ckpt.model, random_sequence(len(ckpt.vocab), 41, 7))
        for curve, norms in {h_curve(cell): grads.h, C_CURVE: grads.c}.items():
            if norms is None:
                continue
            points = drawn[curve]
            assert [p["distance"] for p in points] == list(range(40))  # x = steps back from the last
            assert [p["log10_norm"] for p in points] == pytest.approx([math.log10(n) for n in reversed(norms)])
    assert "spectral radius" in info and "No clipping" in info
    assert "forget gate f averages" in info and "update gate z" in info
    unclipped, clipped = curves(rnn).values()
    assert clipped == [{**point, "curve": CLIPPED} for point in unclipped]  # no clipping: the same curve


def test_client_gradients_scaled_rnn_and_clipping(served, tiny):
    client_, _ = served
    text = "床前明月光疑是地上霜举头望明月低头思故乡"
    _, rnn, info = client_.predict("sentence", text, 2, "", 1.5, 0.5, api_name="/gradients")
    model = tiny["rnn"]
    expected = scaled_rnn_gradients(model.model, GradientsTab(tiny).sequence(model, "sentence", text, 0, 0), 1.5, 0.5)
    unclipped, clipped = curves(rnn).values()
    assert [p["log10_norm"] for p in unclipped] == pytest.approx([math.log10(n) for n in reversed(expected.norms)])
    assert [p["norm"] for p in clipped] == pytest.approx(list(reversed(expected.clipped_norms)), rel=1e-6)
    # Clipping scales every step alike: the two curves are parallel on the log scale.
    gaps = [a["log10_norm"] - b["log10_norm"] for a, b in zip(unclipped, clipped, strict=True)]
    assert max(gaps) - min(gaps) < 1e-6
    assert f"ρ = {expected.spectral_radius:.3f}" in info


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("random", "", 20, "x", 1.0, 0), "seed must be a whole number"),
        (("sentence", "", 20, "0", 1.0, 0), "sentence is empty"),
        (("sentence", "月", 20, "0", 1.0, 0), "at least two words"),
    ],
)
def test_client_gradients_refuses_bad_input(served, args, message):
    refused_in_english(served[0], "/gradients", args, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lyrics", "", 20, "0", 1.0, 0), "No sequence source"),
        (("random", "", 1, "0", 1.0, 0), "length must be between"),
        (("random", "", limits.LAB_MAX_GRAD_STEPS + 1, "0", 1.0, 0), "length must be between"),
        (("random", "", 20, "0", 2.5, 0), "W_hh scale must be between"),
        (("random", "", 20, "0", math.nan, 0), "W_hh scale must be a number"),
        (("random", "", 20, "0", 1.0, -1), "clipping threshold must be between"),
    ],
)
def test_gradients_refuses_what_the_page_cannot_send(tiny, args, message):
    with pytest.raises(InputError, match=message) as info:
        GradientsTab(tiny).gradients(*args)
    assert english(info.value) and chinese_too(info.value)


# ---------------------------------------------------------------------------------------------
# Vanishing gradients and shapes: each answer in one language.


@pytest.mark.parametrize(("source", "scale", "clip"), [("random", 0.5, 0.0), ("random", 1.8, 0.01),
                                                        ("sentence", 1.0, 10.0)])
def test_gradients_speak_one_language(tiny, source, scale, clip):
    tab = GradientsTab(tiny)
    args = (source, "窗外的星星在说话我想你", 20, "7", scale, clip)
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            cells, rnn, info = tab.gradients(*args)
        check(info)
        # The legend: notation that reads the same everywhere.
        assert set(cells["curve"]) <= {"RNN h_t", "LSTM h_t", "LSTM c_t", "GRU h_t"}
        assert not CJK.search(" ".join(rnn["curve"]))


def test_gradients_refusals_speak_one_language(tiny):
    for lang, check, expected in (("zh", assert_chinese, "至少要有两个词"), ("en", assert_english, "at least two")):
        with i18n.using(lang), pytest.raises(InputError, match=expected) as info:
            GradientsTab(tiny).gradients("sentence", "月", 20, "0", 1.0, 0)
        check(str(info.value))


def test_gradients_link_sets_up_and_runs(built):
    setup = built.setups["gradients"]
    assert list(setup.params) == ["source", "text", "length", "seed", "scale", "clip"]
    filled = read(built, {"tab": "gradients", "source": "sentence", "text": "窗外的星星", "length": "40",
                          "seed": "7", "scale": "1.5", "clip": "0"})
    assert filled.values == {"source": "sentence", "text": "窗外的星星", "length": 40, "seed": "7", "scale": 1.5,
                             "clip": 0.0} and not filled.notices
    round_trip(built, filled)
    assert read(built, {"tab": "gradients", "seed": ""}).values == {"seed": ""}  # blank: a random seed

    bad = read(built, {"tab": "gradients", "length": "1", "seed": "x", "scale": "nan", "source": "lyrics"})
    assert bad.values == {} and len(bad.notices) == 4
    assert any("length" in n and "sequence length must be between 2" in n for n in bad.notices)
    assert any("scale" in n and "W_hh scale must be a number" in n for n in bad.notices)

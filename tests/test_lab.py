"""The live-training lab, the gradient lesson and the shapes lesson: every number checked another way."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from lyricgen.checkpoint import load_checkpoint
from lyricgen.data import batchify, bptt_batches, split_lines
from lyricgen.evaluate import mean_nll
from lyricgen.inspect.gradients import (
    gradient_norms,
    random_sequence,
    scale_for_radius,
    scaled_rnn_gradients,
    state_gradient_norms,
)
from lyricgen.inspect.shapes import ShapeSettings, run_shapes
from lyricgen.lab import (
    LabConfig,
    builtin_poems,
    export_zip,
    lab_metrics,
    make_sample,
    new_model,
    prepare,
    project_feed,
    train_live,
    tutorial_feed,
    tutorial_start_count,
)
from lyricgen.model import CELLS, LyricModel, ModelConfig
from lyricgen.ngram import KneserNey
from lyricgen.tokens import lines_to_tokens
from lyricgen.vocab import Vocab

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"cell": "gru", "hidden_size": 16, "batch_size": 4, "bptt": 8}  # seconds-fast runs


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread in these tests: on a shared, busy CPU two threads wait on each other far more than they
    gain. Restored afterwards, since the thread count is the whole process's."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def poems() -> str:
    return builtin_poems()


def run(data, cfg, **kwargs):
    return list(train_live(data, cfg, **kwargs))


# ---- the built-in corpus and prepare ----


def test_builtin_poems_are_lines_without_punctuation(poems):
    lines = poems.splitlines()
    assert 300 <= len(lines) <= 500
    assert all(line and line == line.strip() for line in lines)
    assert not re.search(r"[，。、！？；：,.!?;: ]", poems)
    assert "床前明月光" in lines and "但愿人长久" in lines


def test_prepare_follows_the_projects_rules(poems):
    cfg = LabConfig(min_count=2, val_fraction=0.1)
    data = prepare(poems, cfg)
    split = split_lines(poems.splitlines(), 0.1)
    train_tokens, val_tokens = lines_to_tokens(split.train_lines), lines_to_tokens(split.val_lines)
    vocab = Vocab.build(train_tokens, 2)
    assert data.vocab.tokens == vocab.tokens
    assert data.train_ids.tolist() == vocab.encode(train_tokens)
    assert data.val_ids == vocab.encode(val_tokens)
    assert (data.train_lines, data.val_lines) == (len(split.train_lines), len(split.val_lines))
    words = [t for t in val_tokens if t != "<eol>"]
    assert data.val_unk_rate == pytest.approx(sum(w not in vocab for w in words) / len(words))


# ---- the two feedings ----


def test_tutorial_windows_start_only_in_the_first_share(poems):
    cfg = LabConfig(unk_alpha=0.0, bptt=32, batch_size=16)  # no <unk> hiding: windows are plain slices
    data = prepare(poems, cfg)
    ids = data.train_ids
    window, count = tutorial_start_count(ids.numel(), cfg)
    assert window == 32 and count == int(ids.numel() * 0.03)
    feed = tutorial_feed(data, cfg)
    first_start = {}  # each 33-token slice of the text → where it first occurs
    for s in reversed(range(ids.numel() - 32)):
        first_start[tuple(ids[s : s + 33].tolist())] = s
    starts = set()
    for _ in range(20):
        inputs, targets, fresh = next(feed)
        assert fresh and inputs.shape == targets.shape == (32, 16)
        assert torch.equal(inputs[1:], targets[:-1])
        for j in range(16):
            start = first_start[tuple(inputs[:, j].tolist() + targets[-1:, j].tolist())]
            assert start < count
            starts.add(start)
    assert len(starts) > 20  # random starts, not one window repeated


def test_tutorial_start_range_is_at_least_one_window():
    cfg = LabConfig(bptt=32)
    assert tutorial_start_count(1000, cfg) == (32, 32)  # 3% of 1000 is 30 < one window
    assert tutorial_start_count(40, cfg) == (32, 8)  # a window never runs past the end
    assert tutorial_start_count(5, cfg) == (4, 1)  # a text shorter than a window: one shorter window
    data = prepare("床前明月光\n疑是地上霜\n举头望明月\n低头思故乡\n", LabConfig(min_count=1, val_fraction=0.25))
    progress = run(data, LabConfig(**SMALL, feeding="tutorial", max_steps=3, min_count=1, val_fraction=0.25))
    assert progress[-1].step == 3


def test_project_feed_reads_the_whole_text_in_order(poems):
    cfg = LabConfig(unk_alpha=0.0, bptt=32, batch_size=16)
    data = prepare(poems, cfg)
    expected = list(bptt_batches(batchify(data.train_ids, 16), 32))
    feed = project_feed(data, cfg)
    for k in range(2 * len(expected)):  # two passes: each starts fresh, then carries the state
        inputs, targets, fresh = next(feed)
        want_inputs, want_targets = expected[k % len(expected)]
        assert torch.equal(inputs, want_inputs) and torch.equal(targets, want_targets)
        assert fresh == (k % len(expected) == 0)


# ---- train_live ----


def test_train_live_reports_losses_and_samples(poems):
    cfg = LabConfig(**SMALL, max_steps=10, eval_every=4, sample_every=5, sample_length=7, report_every_s=0.0)
    data = prepare(poems, cfg)
    progress = run(data, cfg)
    last = progress[-1]
    assert [p.step for p in progress] == list(range(11)) + [10]  # one report per step here, then the last
    assert [p.done for p in progress] == [False] * 11 + [True] and last.stop_reason == "max_steps"
    assert last.history.steps == list(range(1, 11)) and len(last.history.train_losses) == 10
    assert last.history.val_steps == [0, 4, 8, 10]
    assert last.val_loss == last.history.val_losses[-1] == pytest.approx(mean_nll(last.model, data.val_ids))
    assert last.val_ppl == pytest.approx(torch.tensor(last.val_loss).exp().item())
    assert last.tokens == 10 * 4 * 8 and last.epoch == pytest.approx(320 / data.train_ids.numel())
    assert last.tokens_per_s > 0 and last.elapsed_s > 0
    assert progress[3].train_loss == last.history.train_losses[2]  # the mean of the one step since the last
    assert [s.step for s in last.samples] == [0, 5, 10]
    assert all(len(s.tokens) == 7 and s.text.startswith("明月") for s in last.samples)
    # The same start text and seed: the final model regenerates the step-10 sample exactly.
    again = make_sample(last.model, data.vocab, cfg, 10)
    assert again.tokens == last.samples[-1].tokens and last.model.training
    # Reports hold copies: an early one is not changed by later training.
    assert progress[2].history.steps == [1, 2] and len(progress[2].samples) == 1


def test_train_live_reports_the_first_step_however_fast_the_machine(poems):
    """A report before step 1 (no curve yet), after it (the first point), then the last: never fewer, whatever the
    wall time (a report interval no run reaches stands for a fast machine)."""
    cfg = LabConfig(**SMALL, max_steps=6, eval_every=100, sample_every=100, report_every_s=1e9)
    progress = run(prepare(poems, cfg), cfg)
    assert [(p.step, p.done) for p in progress] == [(0, False), (1, False), (6, True)]
    assert progress[1].history.steps == [1]


def test_train_live_stops_on_request_and_on_budget(poems):
    data = prepare(poems, LabConfig())
    calls = []
    stop = lambda: calls.append(1) or len(calls) > 3  # noqa: E731
    assert run(data, LabConfig(**SMALL, max_steps=50), should_stop=stop)[-1].stop_reason == "stopped"
    assert len(calls) == 4
    last = run(data, LabConfig(**SMALL, budget_s=0.0))[-1]
    assert (last.stop_reason, last.step, last.done) == ("budget", 0, True)


def test_train_live_trains_on_a_worker_thread_under_inference_mode(poems):
    cfg = LabConfig(**SMALL, max_steps=3)
    data = prepare(poems, cfg)
    out = {}

    def worker() -> None:
        with torch.inference_mode():  # the caller's thread may hold it: training must still build graphs
            out["progress"] = run(data, cfg)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    first, last = out["progress"][0], out["progress"][-1]
    assert last.step == 3 and len(last.history.train_losses) == 3
    initial = new_model(data, cfg).state_dict()  # the seeded starting weights
    assert first.model is last.model
    assert any(not torch.equal(v, initial[k]) for k, v in last.model.state_dict().items())


def test_project_feeding_generalizes_better_than_the_tutorials(poems):
    """The same steps on the same poems: the tutorial's way recites the first 3% and validates worse."""
    results = {}
    for feeding in ("tutorial", "project"):
        cfg = LabConfig(cell="gru", hidden_size=64, feeding=feeding, max_steps=60, eval_every=1000,
                        sample_every=1000)
        data = prepare(poems, cfg)
        results[feeding] = run(data, cfg)[-1]
    assert results["project"].val_loss < results["tutorial"].val_loss - 0.3
    # Both start from the same model (same seed): the difference is the feeding alone.
    assert results["project"].history.val_losses[0] == pytest.approx(results["tutorial"].history.val_losses[0])


def test_export_zip_loads_back_and_generates(poems, tmp_path):
    cfg = LabConfig(**SMALL, max_steps=4)
    data = prepare(poems, cfg)
    last = run(data, cfg)[-1]
    metrics = lab_metrics(last, data, cfg)
    zip_path = export_zip(last.model, data.vocab, metrics, tmp_path / "lab.zip")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(zip_path) as archive:
        assert {"config.json", "model.safetensors", "vocab.json", "metrics.json"} <= set(archive.namelist())
        archive.extractall(folder)
    ckpt = load_checkpoint(folder, "cpu")
    assert ckpt.vocab.tokens == data.vocab.tokens and ckpt.metrics["steps"] == 4
    assert ckpt.metrics["val_loss"] == pytest.approx(last.val_loss)
    ngram = KneserNey(data.train_ids.tolist(), len(data.vocab), 5).mean_nll(data.val_ids)
    assert ckpt.metrics["ngram_val_ppl"] == pytest.approx(math.exp(ngram))
    ids = torch.tensor(data.val_ids[:20]).unsqueeze(1)  # (20, 1)
    last.model.eval()
    with torch.no_grad():
        assert torch.allclose(ckpt.model(ids)[0], last.model(ids)[0])
    done = subprocess.run([sys.executable, "-m", "lyricgen.generate", "--weights", str(folder), "--start", "明月",
                           "--length", "5", "--seed", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    assert "[seed 1]" in done.stdout


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


# ---- shapes ----

SHAPE_GRID = [
    ShapeSettings(cell, seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=layers,
                  bidirectional=bidirectional, batch_first=batch_first)
    for cell in ("rnn", "lstm", "gru")
    for layers in (1, 3)
    for bidirectional in (False, True)
    for batch_first in (False, True)
]


def grid_id(s: ShapeSettings) -> str:
    return f"{s.cell}-{s.num_layers}layers-bi{s.bidirectional:d}-bf{s.batch_first:d}"


@pytest.mark.parametrize("s", SHAPE_GRID, ids=grid_id)
def test_shapes_and_counts_match_torch(s):
    report = run_shapes(s)
    d = 2 if s.bidirectional else 1
    state = (s.num_layers * d, 3, 4)
    seq_first = {"input": (5, 3, 7), "output": (5, 3, d * 4)}
    swap = (lambda shape: (shape[1], shape[0], shape[2])) if s.batch_first else (lambda shape: shape)
    expected = [("input", swap(seq_first["input"])), ("h0", state)]
    expected += [("c0", state)] if s.cell == "lstm" else []
    expected += [("output", swap(seq_first["output"])), ("h_n", state)]
    expected += [("c_n", state)] if s.cell == "lstm" else []
    assert report.tensors == expected
    assert report.error is None and report.wrong_tensor is None

    gates = {"rnn": 1, "gru": 3, "lstm": 4}[s.cell]
    params, count = [], 0
    for layer in range(s.num_layers):
        reads = 7 if layer == 0 else d * 4
        for suffix in ("", "_reverse")[:d]:
            shapes = [(gates * 4, reads), (gates * 4, 4), (gates * 4,), (gates * 4,)]
            for name, shape in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), shapes, strict=True):
                params.append((f"{name}_l{layer}{suffix}", shape))
                count += torch.Size(shape).numel()
    assert report.parameters == params
    module = CELLS[s.cell](7, 4, s.num_layers, bidirectional=s.bidirectional)
    assert report.formula_count == report.torch_count == count == sum(p.numel() for p in module.parameters())
    assert len(report.terms) == s.num_layers * d
    assert all(t.total == t.weight_ih + t.weight_hh + t.biases for t in report.terms)


def test_count_terms_of_a_known_case():
    report = run_shapes(ShapeSettings("lstm", input_size=10, hidden_size=20, num_layers=1))
    term = report.terms[0]
    assert (term.gates, term.weight_ih, term.weight_hh, term.biases) == (4, 800, 1600, 160)
    assert report.formula_count == report.torch_count == 2560


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("wrong", ["h0", "input"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_the_wrong_switch_returns_torchs_own_message(cell, wrong, batch_first):
    s = ShapeSettings(cell, seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=2, bidirectional=True,
                      batch_first=batch_first, wrong=wrong)
    report = run_shapes(s)
    assert report.wrong_tensor == wrong and report.error
    assert [name for name, _ in report.tensors] == ["input", "h0", "c0"][: 3 if cell == "lstm" else 2]
    shapes = dict(report.tensors)
    right = {"input": (3, 5, 7) if batch_first else (5, 3, 7), "h0": (4, 3, 4)}
    assert report.expected_shape == right[wrong] and shapes[wrong] != right[wrong]
    # The same call made here directly raises the same message.
    module = CELLS[cell](7, 4, 2, bidirectional=True, batch_first=batch_first)
    h0 = torch.zeros(shapes["h0"])
    hx = (h0, torch.zeros(right["h0"])) if cell == "lstm" else h0
    with pytest.raises((RuntimeError, ValueError)) as caught:
        module(torch.zeros(shapes["input"]), hx)
    assert report.error == str(caught.value)

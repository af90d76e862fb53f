"""The Lab tab served: /train, /train_stop, /gradients and /shapes driven through gradio_client, their
answers checked against lyricgen.lab, lyricgen.inspect.gradients and lyricgen.inspect.shapes computed here.

/gradients and /shapes run on the app built around the tiny checkpoints (fixture `served`). /train runs on a
small app of its own, holding only the training panel, so a test can reach the tab's slots and shorten its runs.
Every client asks for English (the tests read the messages they check); tests/test_web_lang_lab.py checks the
Chinese page.
"""

from __future__ import annotations

import json
import math
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import served_alone
from gradio_client import Client
from gradio_client.exceptions import AppError

from lyricgen.checkpoint import load_checkpoint
from lyricgen.generate import GenerationSettings, Sampling, generate_text
from lyricgen.inspect.gradients import random_sequence, scaled_rnn_gradients, state_gradient_norms
from lyricgen.inspect.shapes import ShapeSettings, run_shapes
from lyricgen.model import CELLS
from lyricgen.web import limits
from lyricgen.web.tabs.lab_gradients import C_CURVE, CLIPPED, GradientsTab, h_curve
from lyricgen.web.tabs.lab_shapes import ShapesTab
from lyricgen.web.tabs.lab_train import TRAIN_CURVE, VAL_CURVE, TrainTab
from lyricgen.web.training import Busy, own_thread_budget
from lyricgen.web.validate import InputError

CJK = ("\u4e00", "\u9fff")
STEPS = 30  # optimizer steps of a test training: a second or two


def rows(table: dict) -> list[dict]:
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def curves(plot: dict) -> dict[str, list[dict]]:
    """A LinePlot's data as the client receives it → {curve: [row, ...]} in the order sent."""
    out: dict[str, list[dict]] = {}
    for row in plot["data"]:
        record = dict(zip(plot["columns"], row, strict=True))
        out.setdefault(record["curve"], []).append(record)
    return out


def has_cjk(text: str) -> bool:
    return any(CJK[0] <= ch <= CJK[1] for ch in text)


def english(error: BaseException) -> bool:
    """A message in English alone: no Chinese half beside it."""
    return not has_cjk(str(error))


def chinese_too(error: InputError) -> bool:
    """The same message exists in Chinese (the page in Chinese shows that one)."""
    return has_cjk(error.msg.render("zh"))


# ---------------------------------------------------------------------------------------------
# Train it yourself


@pytest.fixture(scope="module")
def lab(tiny, tmp_path_factory):
    """(the TrainTab, its URL): only the training panel (in a page, as links need), one training at a time,
    STEPS steps per run."""
    tab = TrainTab(tiny, max_trainings=1, max_steps=STEPS, zip_dir=tmp_path_factory.mktemp("zips"))
    with served_alone(tab) as url:
        yield tab, url


def client(url: str, lang: str = "en") -> Client:
    """A Client is a browser session of its own; lang: the language its browser asks for."""
    return Client(url, verbose=False, download_files=False, headers={"Accept-Language": lang})


def train_args(**change) -> list:
    args = {"source": "builtin", "text": "", "cell": "gru", "hidden_size": 16, "lr": 0.003, "budget_s": 30,
            "feeding": "project", "start_text": "明月"}
    return list({**args, **change}.values())


def wait_for_update(job, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not job.outputs():
        assert time.monotonic() < deadline, "no streamed update"
        assert not job.done() or job.outputs(), f"the job ended without an update: {job.exception()}"
        time.sleep(0.05)


def test_client_train_streams_curves_and_samples_then_a_loadable_zip(lab, tmp_path):
    tab, url = lab
    job = client(url).submit(*train_args(feeding="tutorial"), api_name="/train")
    updates = list(job)
    plot, status, samples, file = updates[-1]
    # How many reports a reader sees depends on the machine (a slow reader skips to the latest): only the last
    # offers the zip. Streaming itself is shown by the next test, whose run only ends when it is stopped.
    assert file is not None and all(update[3] is None for update in updates[:-1])
    assert f"**Step {STEPS}**" in status and "Finished" in status and "tokens/s" in status

    folder = tmp_path / "weights"
    with zipfile.ZipFile(file["path"]) as archive:
        assert {"config.json", "model.safetensors", "vocab.json", "metrics.json"} <= set(archive.namelist())
        archive.extractall(folder)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["steps"] == STEPS and metrics["feeding"] == "tutorial" and metrics["cell"] == "gru"
    # The curves are the run's own numbers, in bits per word (metrics.json keeps nats): validation exactly,
    # training as sent (fewer than 200 points).
    drawn = curves(plot)
    history = metrics["history"]
    assert [r["step"] for r in drawn[VAL_CURVE]] == history["val_steps"]
    assert [r["loss"] for r in drawn[VAL_CURVE]] == pytest.approx([x / math.log(2) for x in history["val_losses"]])
    assert [r["loss"] for r in drawn[TRAIN_CURVE]] == pytest.approx([x / math.log(2) for x in history["train_losses"]])
    assert f"{metrics['val_ppl']:.1f}" in status and f"{metrics['ngram_val_ppl']:.1f}" in status
    # Samples: one a line, from the same start text, the untrained model's first.
    lines = samples.splitlines()
    assert lines[0].startswith("Step 0: 明月") and all("明月" in line for line in lines)
    # The zip is a normal weights folder: it loads and writes.
    ckpt = load_checkpoint(folder, "cpu")
    assert ckpt.model.config.cell == "gru" and ckpt.model.config.hidden_dim == 16
    text = generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 5, Sampling(0.8), seed=1))
    assert text.startswith("明月")
    assert tab.slots.running() == 0


def test_client_train_one_per_session_k_on_the_server_and_stop_frees_the_slot(lab):
    tab, url = lab
    tab.max_steps = None  # this run lasts until stopped
    try:
        alice, bob = client(url), client(url)
        job = alice.submit(*train_args(budget_s=60), api_name="/train")
        wait_for_update(job)
        assert tab.slots.running() == 1
        with pytest.raises(AppError, match="already running in this browser") as same:
            alice.predict(*train_args(), api_name="/train")
        with pytest.raises(AppError, match="at most 1 models at once") as busy:
            bob.predict(*train_args(), api_name="/train")
        assert english(same.value) and english(busy.value)

        bob.predict(api_name="/train_stop")  # another session's stop does nothing to Alice's training
        alice.predict(api_name="/train_stop")
        _, status, _, file = job.result(timeout=60)
        assert "Finished: stopped" in status and Path(file["path"]).exists()  # the model so far, still offered
        assert tab.slots.running() == 0

        # A cancelled job (the page closed, or Gradio's cancel) stops its training too.
        job = bob.submit(*train_args(budget_s=60), api_name="/train")
        wait_for_update(job)
        job.cancel()
        deadline = time.monotonic() + 120  # a hang, not a speed: the event itself ends the wait
        while tab.slots.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tab.slots.running() == 0
    finally:
        tab.max_steps = STEPS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": "paste", "text": ""}, "Please paste some lyrics"),
        ({"source": "paste", "text": "只有一行歌词"}, "At least 4 lines"),
        ({"source": "paste", "text": "，。！？\n……\n、、、\n！！"}, "only punctuation"),
        ({"source": "paste", "text": "😀" * limits.LAB_MAX_TEXT_CHARS}, "only punctuation"),
        ({"source": "paste", "text": "星" * (limits.LAB_MAX_TEXT_CHARS + 1)}, "lyrics text is too long"),
        ({"source": "paste", "text": "床前明月光\n疑是地上霜\n举头望明月\n低头思故乡"}, "Too little text"),
    ],
)
def test_client_train_refuses_bad_input(lab, change, message):
    tab, url = lab
    with pytest.raises(AppError, match=message) as info:
        client(url).predict(*train_args(**change), api_name="/train")
    assert english(info.value) and tab.slots.running() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budget_s": math.nan}, "time budget must be a number"),
        ({"budget_s": None}, "time budget must be a number"),
        ({"lr": math.inf}, "learning rate must be a number"),
        ({"hidden_size": "64"}, "hidden size must be a number"),
        ({"budget_s": limits.LAB_MAX_BUDGET_S + 1}, "time budget must be between"),
        ({"hidden_size": 1024}, "hidden size must be between"),
        ({"hidden_size": 16.5}, "whole number"),
        ({"feeding": "shuffled"}, "No feeding"),
        ({"cell": "transformer"}, "No cell"),
        ({"source": None}, "No corpus"),
    ],
)
def test_train_refuses_what_the_page_cannot_send(tiny, change, message):
    """Values the sliders (and Gradio's own range check) never let through, sent to the Python function."""
    tab = TrainTab(tiny, max_steps=1)
    with pytest.raises(InputError, match=message) as info:
        list(tab.train(*train_args(**change)))
    assert english(info.value) and chinese_too(info.value) and tab.slots.running() == 0


def test_a_freed_slot_goes_first_to_whoever_was_refused(tiny):
    """Two students restarting as each run ends cannot keep the slots: a student refused earlier goes first."""
    tab = TrainTab(tiny, max_trainings=1)
    alice = tab.slots.reserve("alice")
    with pytest.raises(Busy, match="at most 1 models"):
        tab.slots.reserve("bob")  # every slot busy: Bob is in line
    tab.slots.end("alice", alice)
    with pytest.raises(Busy, match=r"asked first \(1 waiting\)"):
        tab.slots.reserve("alice")  # Alice again at once: Bob's turn first, and now Alice is in line behind him
    bob = tab.slots.reserve("bob")
    with pytest.raises(Busy, match="at most 1 models"):
        tab.slots.reserve("carol")
    tab.slots.end("bob", bob)
    tab.slots.end("alice", tab.slots.reserve("alice"))  # Alice asked before Carol
    tab.slots.end("carol", tab.slots.reserve("carol"))
    assert tab.slots.running() == 0 and tab.slots.waiting == {}


def test_own_thread_budget_leaves_other_threads_alone():
    """torch.set_num_threads is per thread and sets the default for new threads: the default must come back."""
    before = torch.get_num_threads()
    seen = {}

    def trainer() -> None:
        default = torch.get_num_threads()
        own_thread_budget(1, 0)
        seen["trainer"] = torch.get_num_threads()
        fresh = threading.Thread(target=lambda: seen.setdefault("fresh", torch.get_num_threads()))
        fresh.start()
        fresh.join()
        seen["default"] = default

    thread = threading.Thread(target=trainer)
    thread.start()
    thread.join()
    assert seen["trainer"] == 1
    assert seen["fresh"] == seen["default"]  # a thread started later gets the process default, not 1
    assert torch.get_num_threads() == before


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
    client_, _ = served
    with pytest.raises(AppError, match=message) as info:
        client_.predict(*args, api_name="/gradients")
    assert english(info.value)


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
# Shapes


@pytest.mark.parametrize(
    "settings",
    [
        ShapeSettings("lstm", seq_len=5, batch=32, input_size=128, hidden_size=64, num_layers=2),
        ShapeSettings("gru", seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=3, bidirectional=True),
        ShapeSettings("rnn", seq_len=6, batch=2, input_size=10, hidden_size=20, num_layers=1, batch_first=True),
        ShapeSettings("lstm", seq_len=4, batch=8, input_size=16, hidden_size=12, num_layers=3, bidirectional=True,
                      batch_first=True),
    ],
)
def test_client_shapes_match_torch(served, settings):
    client_, _ = served
    s = settings
    code, tensors, parameters, count, error = client_.predict(
        s.cell, s.seq_len, s.batch, s.input_size, s.hidden_size, s.num_layers, s.bidirectional, s.batch_first,
        "none", api_name="/shapes")
    report = run_shapes(s)
    assert [(r["Tensor"], r["Shape"]) for r in rows(tensors)] == [(n, str(sh)) for n, sh in report.tensors]
    d = 2 if s.bidirectional else 1
    out = (s.batch, s.seq_len, d * s.hidden_size) if s.batch_first else (s.seq_len, s.batch, d * s.hidden_size)
    assert dict((r["Tensor"], r["Shape"]) for r in rows(tensors))["output"] == str(out)
    module = CELLS[s.cell](
        s.input_size, s.hidden_size, s.num_layers, bidirectional=s.bidirectional, batch_first=s.batch_first)
    params = rows(parameters)
    assert [r["Parameter"] for r in params] == [name for name, _ in module.named_parameters()]
    assert [r["Shape"] for r in params] == [str(tuple(p.shape)) for p in module.parameters()]
    total = sum(p.numel() for p in module.parameters())
    assert sum(r["Elements"] for r in params) == total
    assert f"**{total:,}**" in count and "✓" in count
    assert f"num_layers={s.num_layers}, bidirectional={s.bidirectional}, batch_first={s.batch_first})" in code
    assert code.startswith(f"rnn = nn.{ {'rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}[s.cell]}(input_size=")
    assert "✓" in error


@pytest.mark.parametrize(("wrong", "torch_says", "why"), [("h0", "Expected hidden size", "never h0"),
                                                          ("input", "input.size(-1) must be equal", "input_size")])
def test_client_shapes_wrong_switch_shows_torchs_message(served, wrong, torch_says, why):
    client_, _ = served
    _, tensors, _, _, error = client_.predict("gru", 5, 3, 7, 4, 2, True, False, wrong, api_name="/shapes")
    assert torch_says in error and why in error and not has_cjk(error)
    assert any(r["Axes"].startswith("✗") for r in rows(tensors))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lstm", 5, 3, 1024, 1024, 6, True, False, "none"), "too big"),
        (("lstm", 100, 64, 512, 512, 1, False, False, "none"), "Too much work"),
    ],
)
def test_client_shapes_refuses_bad_input(served, args, message):
    client_, _ = served
    with pytest.raises(AppError, match=message) as info:
        client_.predict(*args, api_name="/shapes")
    assert english(info.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lstm", 5, 3, 7, 4, 0, False, False, "none"), "num_layers must be between"),
        (("lstm", 5, 3, 7, 4, 2, "yes", False, "none"), "bidirectional must be True or False"),
        (("lstm", 5, 3, 7, 4, 2, False, None, "none"), "batch_first must be True or False"),
        (("lstm", 5.5, 3, 7, 4, 2, False, False, "none"), "whole number"),
        (("conv", 5, 3, 7, 4, 2, False, False, "none"), "No mode"),
        (("lstm", 5, 3, 7, 4, 2, False, False, "c0"), "No wrong-shape choice"),
    ],
)
def test_shapes_refuses_what_the_page_cannot_send(args, message):
    with pytest.raises(InputError, match=message) as info:
        ShapesTab().shapes(*args)
    assert english(info.value) and chinese_too(info.value)


def test_shapes_handler_counts_equal_torch_in_python():
    tab = ShapesTab()
    *_, count, _ = tab.shapes("gru", 5, 3, 7, 4, 3, True, True, "none")
    assert "**984**" in count  # 3 × 4 × (7 + 4 + 2) × 2 + 3 × 4 × (8 + 4 + 2) × 4

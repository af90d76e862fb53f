"""The Lab's training panel (web/tabs/lab_train.py): served, its slots, refusals, one language, its link."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import served_alone
from gradio_client import Client
from gradio_client.exceptions import AppError
from gradio_client.utils import Status
from lab_helpers import chinese_too, curves, english
from lab_languages import assert_chinese, assert_english, read, round_trip

from lyricgen.checkpoint import LAB_SCRIPT, POEMS_COPY, load_checkpoint
from lyricgen.generate import GenerationSettings, Sampling, generate_text
from lyricgen.web import i18n, limits
from lyricgen.web.tabs.lab_train import TRAIN_CURVE, VAL_CURVE, TrainTab
from lyricgen.web.training import Busy, own_thread_budget
from lyricgen.web.validate import InputError

STEPS = 30  # optimizer steps of a test training: a second or two


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
            "feeding": "project", "start_text": "明月", "tokens": "char"}
    return list({**args, **change}.values())


def wait_for_update(job, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not job.outputs():
        assert time.monotonic() < deadline, "no streamed update"
        assert not job.done() or job.outputs(), f"the job ended without an update: {job.exception()}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def lab_url(tiny, tmp_path_factory):
    """The training panel served on a page of its own, STEPS steps per run: its URL."""
    tab = TrainTab(tiny, max_trainings=1, max_steps=STEPS, zip_dir=tmp_path_factory.mktemp("zips"))
    with served_alone(tab) as url:
        yield url


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

    # Beside the weights, the run's own training script (it reads the poems' copy): run where the zip unzipped,
    # it splits and counts the text as the run did, starts from the run's first weights and writes its first sample.
    done = subprocess.run([sys.executable, LAB_SCRIPT, "--steps", "2"], cwd=folder, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert [printed[k] for k in ("vocab_size", "train_tokens", "val_tokens")] == [
        metrics[k] for k in ("vocab_size", "train_tokens", "val_tokens")]
    assert printed["val"][0] == [0, pytest.approx(history["val_losses"][0], abs=1e-5)]
    first = printed["samples"][0][1].strip("\n").replace("\n", " / ")
    assert lines[0] == f"Step 0: {first}"  # the untrained model's sample, word for word
    assert "torch" in (folder / LAB_SCRIPT).read_text(encoding="utf-8") and (folder / POEMS_COPY).is_file()
    assert load_checkpoint(file["path"], "cpu").vocab.tokens == ckpt.vocab.tokens  # the zip with them still loads


def test_client_train_k_on_the_server_the_next_waits_in_line_and_stop_frees_the_slot(lab):
    tab, url = lab
    tab.max_steps = None  # this run lasts until stopped
    try:
        alice, bob = client(url), client(url)
        job = alice.submit(*train_args(budget_s=60), api_name="/train")
        wait_for_update(job)
        assert tab.slots.running() == 1
        waiting = bob.submit(*train_args(budget_s=60), api_name="/train")  # every place taken: Bob waits in line
        deadline = time.monotonic() + 60  # a hang, not a speed: the queue's own message ends the wait
        while waiting.status().code != Status.IN_QUEUE:
            assert time.monotonic() < deadline and not waiting.done(), waiting.status()
            time.sleep(0.05)
        assert waiting.status().rank == 0 and not waiting.outputs() and tab.slots.running() == 1

        bob.predict(api_name="/train_stop")  # another session's stop does nothing to Alice's training
        alice.predict(api_name="/train_stop")
        _, status, _, file = job.result(timeout=60)
        assert "Finished: stopped" in status and Path(file["path"]).exists()  # the model so far, still offered
        wait_for_update(waiting)  # Alice's place is Bob's now
        bob.predict(api_name="/train_stop")
        assert "Finished: stopped" in waiting.result(timeout=60)[1]
        assert tab.slots.running() == 0  # freed before the handler heard the end

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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_training_speaks_the_language_it_started_in(tiny, tmp_path, lang):
    """Started in one language, then read and stopped in the other: every update is in the first (the
    handler captures it when the training starts)."""
    tab = TrainTab(tiny, max_trainings=1, zip_dir=tmp_path)  # no step limit: it runs until stopped
    with i18n.using(lang):
        updates = tab.train(*train_args())
        first = next(updates)
    with i18n.using("en" if lang == "zh" else "zh"):
        tab.stop()
        rest = list(updates)
    assert rest and rest[-1][3] is not None  # the last update, after the stop, offers the zip
    for _, status, samples, _ in [first, *rest]:
        samples_lines = samples.splitlines()
        if lang == "zh":
            assert_chinese(status)
            assert "训练损失 L_train" in status and all(line.startswith("第 ") for line in samples_lines)
        else:
            assert_english(status)
            assert "Training loss L_train" in status and all(re.match(r"Step \d+: ", s) for s in samples_lines)
    finished = rest[-1][1]
    assert ("训练结束：已停止" in finished and "基线" in finished) if lang == "zh" else (
        "Finished: stopped" in finished and "baseline" in finished)


@pytest.mark.parametrize(
    ("change", "english", "chinese"),
    [
        ({"source": "paste", "text": ""}, "Please paste some lyrics", "请粘贴歌词"),
        ({"source": "paste", "text": "只有一行歌词"}, "At least 4 lines please (got 1)", "至少要 4 行（现在 1 行）"),
        ({"source": "paste", "text": "床前明月光\n疑是地上霜\n举头望明月\n低头思故乡"}, "Too little text", "文字太少"),
        ({"budget_s": 1000}, "The time budget must be between", "训练时间必须在"),
        ({"feeding": "shuffled"}, "No feeding 'shuffled'", "没有这种喂数据的方式"),
    ],
)
def test_train_refusals_speak_one_language(tiny, change, english, chinese):
    for lang, expected, check in (("en", english, assert_english), ("zh", chinese, assert_chinese)):
        with i18n.using(lang), pytest.raises(InputError) as info:
            list(TrainTab(tiny, max_steps=1).train(*train_args(**change)))
        assert expected in str(info.value)
        check(str(info.value))


def test_busy_speaks_one_language(tiny):
    tab = TrainTab(tiny, max_trainings=1)
    tab.slots.reserve("alice")
    for lang in ("zh", "en"):
        with i18n.using(lang):
            with pytest.raises(Busy) as same:
                tab.slots.reserve("alice")
            with pytest.raises(Busy) as server_full:
                tab.slots.reserve("bob")
        check = assert_chinese if lang == "zh" else assert_english
        for error in (same.value, server_full.value):
            check(error.message)
            check(error.title)
            assert error.message == error.msg.render(lang)
    assert "at most 1 models" in server_full.value.msg.render("en")


def test_a_served_training_speaks_the_browsers_language(lab_url):
    """Gradio runs each step of the handler in a worker thread: the language still comes from the request."""
    chinese = Client(lab_url, verbose=False, download_files=False, headers={"Accept-Language": "zh-CN"})
    _, status, samples, file = chinese.predict(*train_args(), api_name="/train")
    assert_chinese(status)
    assert "训练结束：步数到" in status and samples.startswith("第 0 步：明月") and file is not None
    with pytest.raises(AppError, match="请粘贴歌词"):
        chinese.predict(*train_args(source="paste"), api_name="/train")
    english = Client(lab_url, verbose=False, download_files=False, headers={"Accept-Language": "en"})
    _, status, samples, _ = english.predict(*train_args(), api_name="/train")
    assert_english(status)
    assert "Finished: step limit reached" in status and samples.startswith("Step 0: 明月")


def test_train_link_sets_up_a_training(built):
    setup = built.setups["train"]
    assert list(setup.params) == ["source", "text", "cell", "hidden_size", "lr", "budget", "feeding", "start",
                                  "tokens"]
    filled = read(built, {"tab": "train", "source": "paste", "text": "床前明月光\n疑是地上霜", "cell": "lstm",
                          "hidden_size": "64", "lr": "0.01", "budget": "20", "feeding": "tutorial", "start": "春风",
                          "tokens": "word"})
    assert filled.setup is setup and not filled.notices
    assert filled.values == {"source": "paste", "text": "床前明月光\n疑是地上霜", "cell": "lstm", "hidden_size": 64,
                             "lr": 0.01, "budget": 20.0, "feeding": "tutorial", "start": "春风", "tokens": "word"}
    round_trip(built, filled)

    bad = read(built, {"tab": "train", "hidden_size": "1000", "cell": "transformer", "lr": "fast", "colour": "red",
                       "feeding": "project"})
    assert bad.values == {"feeding": "project"}
    assert len(bad.notices) == 4 and "'colour'" in bad.notices[0]
    assert any("hidden_size" in n and "between 16 and 256" in n for n in bad.notices)
    assert any("cell" in n and "No cell 'transformer'" in n for n in bad.notices)
    assert any("lr" in n and "learning rate must be a number" in n for n in bad.notices)

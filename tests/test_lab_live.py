"""Live training for the Lab (lyricgen.lab): the poems, the feeds, train_live, and the exported zip."""

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
from lab_helpers import one_thread  # noqa: F401 (autouse)

import lyricgen.lab as lab_module
from lyricgen.checkpoint import load_checkpoint
from lyricgen.data import batchify, bptt_batches, split_lines
from lyricgen.evaluate import mean_nll
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
from lyricgen.ngram import KneserNey
from lyricgen.tokens import lines_to_tokens
from lyricgen.vocab import Vocab
from lyricgen.web import limits
from lyricgen.web.tabs.lab_train import status_markdown
from lyricgen.web.training import new_zip_path

ROOT = Path(__file__).resolve().parent.parent


SMALL = {"cell": "gru", "hidden_size": 16, "batch_size": 4, "bptt": 8}  # seconds-fast runs


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


@pytest.mark.parametrize("tokens", ["word", "char"])
def test_prepare_follows_the_projects_rules(poems, tokens):
    cfg = LabConfig(min_count=2, val_fraction=0.1, tokens=tokens)
    data = prepare(poems, cfg)
    split = split_lines(poems.splitlines(), 0.1)
    train_tokens, val_tokens = lines_to_tokens(split.train_lines, tokens), lines_to_tokens(split.val_lines, tokens)
    if tokens == "char":  # every token one character, and the text's every character a token
        assert all(len(t) == 1 for t in train_tokens if t != "<eol>")
        assert "".join(t for t in train_tokens if t != "<eol>") == "".join(split.train_lines).replace(" ", "")
    vocab = Vocab.build(train_tokens, 2)
    assert data.vocab.tokens == vocab.tokens and data.vocab.split == tokens
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


class StepClock:
    """A gate that counts who is inside and moves lyricgen.lab's clock by a second as each step enters it: the
    wait a busy class makes a training take, without waiting."""

    def __init__(self):
        self.now, self.inside, self.entered = 0.0, 0, 0

    def perf_counter(self) -> float:
        return self.now

    def __enter__(self):
        self.now += 1.0
        self.inside, self.entered = self.inside + 1, self.entered + 1

    def __exit__(self, *exc_info):
        self.inside -= 1


def test_train_live_takes_each_step_through_its_gate_and_counts_the_wait(poems, monkeypatch):
    gate = StepClock()
    monkeypatch.setattr(lab_module, "time", gate)  # the run's clock moves only in the gate
    cfg = LabConfig(**SMALL, max_steps=5, eval_every=2, sample_every=3, report_every_s=0.0)
    reports = []
    for progress in train_live(prepare(poems, cfg), cfg, gate=gate):
        assert gate.inside == 0  # never held across a report: the page's handler reads it outside
        reports.append(progress)
    assert gate.entered == 5 and [p.gave_way_s for p in reports] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0]
    assert reports[-1].elapsed_s == 5.0  # all of it waiting, here: the status then says so
    data = prepare(poems, cfg)
    status = status_markdown(reports[-1], data, cfg, None)
    assert "gave way to it for 5 s of its 5 s" in status.render("en")
    assert "让出了 5 秒（共 5 秒）" in status.render("zh")
    monkeypatch.undo()
    unhurried = run(data, cfg)[-1]  # no gate: nothing waited, nothing said
    assert unhurried.gave_way_s < 1.0 and "gave way" not in status_markdown(unhurried, data, cfg, None).render("en")


def test_a_finished_trainings_baseline_and_zip_go_through_its_gate_too(poems, tmp_path, monkeypatch):
    """The 5-gram baseline and the export are the students' work as much as a step: held in the gate."""
    import lyricgen.web.training as training

    gate, inside_at_metrics = StepClock(), []
    real = training.lab_metrics
    monkeypatch.setattr(training, "lab_metrics", lambda *args: inside_at_metrics.append(gate.inside) or real(*args))
    cfg = LabConfig(**SMALL, max_steps=3)
    run = training.TrainingRun(lambda finished: None)
    run.start(prepare(poems, cfg), cfg, tmp_path, 1, {}, gate)
    assert list(run.updates())[-1].done
    run.thread.join()
    assert inside_at_metrics == [1] and gate.entered == 3 + 1 and gate.inside == 0
    assert run.zip_path.is_file() and run.metrics["ngram_val_ppl"] > 1


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


def test_the_lab_keeps_its_newest_zips_and_none_too_old(tmp_path):
    made = []
    for k in range(limits.LAB_ZIP_KEEP + 5):  # each a minute newer than the one before
        path = tmp_path / f"lyricgen-lab-lstm-project-{k:03d}.zip"
        path.write_bytes(b"PK")
        os.utime(path, (1_000_000 + 60 * k, 1_000_000 + 60 * k))
        made.append(path)
    fresh = new_zip_path(tmp_path, LabConfig())
    assert not fresh.exists() and fresh.parent == tmp_path
    assert not any(path.exists() for path in made)  # all older than LAB_ZIP_MAX_AGE_S
    for path in made:
        path.write_bytes(b"PK")  # now: new ones
    new_zip_path(tmp_path, LabConfig())
    kept = sorted(tmp_path.glob("lyricgen-lab-*.zip"))
    assert len(kept) == limits.LAB_ZIP_KEEP - 1  # and the next zip makes LAB_ZIP_KEEP


def test_a_zip_another_training_deleted_meanwhile_is_no_error(tmp_path, monkeypatch):
    """Two trainings that end together clean up together: a zip one lists, the other may already have deleted."""
    for k in range(limits.LAB_ZIP_KEEP + 2):
        (tmp_path / f"lyricgen-lab-gru-project-{k:03d}.zip").write_bytes(b"PK")
    listed = sorted(tmp_path.glob("lyricgen-lab-*.zip"))
    gone = tmp_path / "lyricgen-lab-gru-project-gone.zip"  # listed, then deleted before its time was read
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter([*listed, gone]))
    assert new_zip_path(tmp_path, LabConfig()).parent == tmp_path
    monkeypatch.undo()
    assert len(list(tmp_path.glob("lyricgen-lab-*.zip"))) == limits.LAB_ZIP_KEEP - 1

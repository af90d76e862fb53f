"""Interrupted training: a crash or kill -9 at any moment, even in the middle of a save, leaves the
previous best checkpoint loadable, and --resume with the same seed ends exactly where an
uninterrupted run ends. Also: the CLI's --dry-run works and lowers the training loss."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lyricgen import checkpoint as checkpoint_module
from lyricgen.checkpoint import load_checkpoint
from lyricgen.tokens import split_words
from lyricgen.train import TrainConfig, resume_dir, train

ROOT = Path(__file__).resolve().parent.parent
# Small and quick, with dropout on (so the random state must be restored too) and enough epochs that
# every kind of save happens more than once. The tests below expect epochs 1 and 2 to improve.
SETTINGS = {"cell": "lstm", "embed_dim": 16, "hidden_dim": 16, "batch_size": 4, "bptt": 8, "dropout": 0.2,
            "embed_dropout": 0.1, "lr": 0.002, "samples": 2, "epochs": 3, "patience": 10, "val_fraction": 0.2}


class Crash(Exception):
    """Stands for the process dying at that moment."""


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and on a busy machine two threads wait on each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def reference(tiny_corpus, tmp_path_factory) -> Path:
    """The uninterrupted run that every interrupted one must match."""
    out = tmp_path_factory.mktemp("reference") / "lstm"
    torch.set_num_threads(1)
    train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), device="cpu")
    val = [h["val_loss"] for h in json.loads((out / "metrics.json").read_text(encoding="utf-8"))["history"]]
    assert val[2] < val[1] < val[0], "these tests need epochs 1 and 2 to improve: adjust SETTINGS"
    return out


def losses(folder: Path) -> list[tuple]:
    history = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["history"]
    return [(h["epoch"], h["train_loss"], h["val_loss"]) for h in history]


def assert_same_result(folder: Path, reference: Path) -> None:
    got, want = load_file(str(folder / "model.safetensors")), load_file(str(reference / "model.safetensors"))
    assert got.keys() == want.keys()
    for name in want:
        assert torch.equal(got[name], want[name]), name
    assert losses(folder) == losses(reference)
    assert not resume_dir(folder).exists()  # removed once training is over


def count_replaces(monkeypatch) -> list[int]:
    """Count os.replace calls (the renames that swap saved folders in) without changing them."""
    calls = [0]
    real = os.replace

    def counting(src, dst):
        calls[0] += 1
        real(src, dst)

    monkeypatch.setattr(os, "replace", counting)
    return calls


def crash_at_replace(monkeypatch, n: int) -> None:
    """Make the n-th os.replace (1-based) die before it renames anything."""
    calls = [0]
    real = os.replace

    def crashing(src, dst):
        calls[0] += 1
        if calls[0] == n:
            raise Crash(f"os.replace #{n}: {src} -> {dst}")
        real(src, dst)

    monkeypatch.setattr(os, "replace", crashing)


def test_crash_at_every_rename_then_resume(tiny_corpus, tmp_path, monkeypatch, reference):
    """Every save ends in renames; die just before each one in turn, check, resume, compare."""
    probe = tmp_path / "probe" / "lstm"
    calls = count_replaces(monkeypatch)
    train(TrainConfig(**SETTINGS), str(tiny_corpus), str(probe), device="cpu")
    monkeypatch.undo()
    assert calls[0] >= 10  # both kinds of save, several epochs, the final save: the sweep covers them all

    for n in range(1, calls[0] + 1):
        out = tmp_path / f"crash{n}" / "lstm"
        crash_at_replace(monkeypatch, n)
        with pytest.raises(Crash):
            train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), device="cpu")
        monkeypatch.undo()
        if n > 1:  # the first rename publishes the first best folder: before it there is none
            ckpt = load_checkpoint(out, "cpu")  # the previous best, intact (put back if the kill fell between renames)
            assert ckpt.metrics["best_epoch"] >= 1
        train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), resume=True, device="cpu")
        assert_same_result(out, reference)


def test_crash_while_writing_a_file_then_resume(tiny_corpus, tmp_path, monkeypatch, reference):
    """Die inside the save itself, half-way through writing the weights of epoch 2."""
    out = tmp_path / "lstm"
    real_save = checkpoint_module.LyricModel.save_pretrained
    saves, published = [0], {}

    def dying_save(self, folder, *args, **kwargs):
        saves[0] += 1
        if saves[0] == 2:
            published.update({f.name: f.read_bytes() for f in out.iterdir()})  # epoch 1's best, as it stands
            (Path(folder) / "model.safetensors").write_bytes(b"half a file")
            raise Crash("killed while writing")
        return real_save(self, folder, *args, **kwargs)

    monkeypatch.setattr(checkpoint_module.LyricModel, "save_pretrained", dying_save)
    with pytest.raises(Crash):
        train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), device="cpu")
    monkeypatch.undo()
    assert load_checkpoint(out, "cpu").metrics["best_epoch"] == 1  # epoch 1's folder, untouched:
    assert published and {f.name: f.read_bytes() for f in out.iterdir()} == published  # byte for byte
    train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), resume=True, device="cpu")
    assert_same_result(out, reference)


# Runs the CLI, but kill -9s itself just before the N-th os.replace whose destination is named TARGET:
# the real thing, with no finally blocks run and no buffers flushed.
KILLER = """
import os, signal, sys
from lyricgen.train import main
target, n, seen, real = sys.argv[1], int(sys.argv[2]), [0], os.replace
def replace(src, dst):
    if os.path.basename(dst) == target:
        seen[0] += 1
        if seen[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.replace = replace
main(sys.argv[3:])
"""


def cli_args(corpus: Path, out: Path) -> list[str]:
    args = ["--corpus", str(corpus), "--out", str(out), "--device", "cpu"]
    for key, value in SETTINGS.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


def run_killed(target: str, n: int, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", KILLER, target, str(n), *args], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)


def test_kill_9_during_saves_then_resume(tiny_corpus, tmp_path, reference, capsys):
    """kill -9 between the renames of the best folder's save, then between those of the resume state's."""
    out = tmp_path / "lstm"
    args = cli_args(tiny_corpus, out)
    # Epoch 2 has moved epoch 1's best folder aside, and is killed before its own goes in.
    first = run_killed("lstm", 2, args)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert load_checkpoint(out, "cpu").metrics["best_epoch"] == 1
    # Resumed after epoch 1 (epoch 2's state never went in), killed again between the renames of
    # epoch 2's resume save: only .OUT.resume.old, holding epoch 1, is left.
    second = run_killed("lstm.resume", 1, [*args, "--resume"])
    assert second.returncode == -signal.SIGKILL, second.stderr
    assert "resuming after epoch 1" in second.stderr
    assert load_checkpoint(out, "cpu").metrics["best_epoch"] == 2
    assert not resume_dir(out).exists() and resume_dir(out).with_name(".lstm.resume.old").exists()
    # The last resume runs in this process: a third interpreter start would only cost time.
    train(TrainConfig(**SETTINGS), str(tiny_corpus), str(out), resume=True, device="cpu")
    assert "resuming after epoch 1" in capsys.readouterr().err  # the state put back from .OUT.resume.old
    assert_same_result(out, reference)


def test_cli_dry_run_lowers_the_training_loss(tiny_corpus, tmp_path, capsys):
    from lyricgen.train import main

    out = tmp_path / "gru"
    main(["--corpus", str(tiny_corpus), "--out", str(out), "--cell", "gru", "--dry-run", "--device", "cpu",
          "--embed-dim", "16", "--hidden-dim", "16", "--batch-size", "4", "--bptt", "8", "--dropout", "0",
          "--samples", "1", "--val-fraction", "0.2", "--lr", "0.01"])
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    history = metrics["history"]
    assert len(history) == 1 + 3  # epoch 0 (untrained), then the dry run's 3 epochs
    assert history[-1]["train_loss"] < history[1]["train_loss"]
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert metrics["train_config"]["dry_run"] is True
    assert metrics["train_tokens"] > 0 and metrics["tokens_per_s"] > 0
    assert sum(1 for _ in capsys.readouterr().err.splitlines() if "| epoch" in _) == 3
    load_checkpoint(out, "cpu")
    assert not resume_dir(out).exists()


def test_averaged_weights_with_ar_and_tar_resume_exactly(tiny_corpus, tmp_path, monkeypatch):
    """The moving average of the weights is part of the saved state: a crash and --resume end where an
    uninterrupted run ends, and the shipped weights are the average, not the last step's."""
    settings = {**SETTINGS, "average": 0.9, "ar": 1.0, "tar": 0.5}
    reference = tmp_path / "reference" / "lstm"
    train(TrainConfig(**settings), str(tiny_corpus), str(reference), device="cpu")
    out = tmp_path / "crashed" / "lstm"
    crash_at_replace(monkeypatch, 4)  # in epoch 2's saves: the average has moved on from epoch 1's
    with pytest.raises(Crash):
        train(TrainConfig(**settings), str(tiny_corpus), str(out), device="cpu")
    monkeypatch.undo()
    train(TrainConfig(**settings), str(tiny_corpus), str(out), resume=True, device="cpu")
    assert_same_result(out, reference)
    plain = tmp_path / "plain" / "lstm"
    train(TrainConfig(**{**settings, "average": 0.0}), str(tiny_corpus), str(plain), device="cpu")
    assert losses(plain) != losses(reference)  # the average is what was validated


def test_all_lines_retrains_on_every_line_for_the_best_epoch_count(tiny_corpus, tmp_path):
    out = tmp_path / "lstm"
    metrics = train(TrainConfig(**{**SETTINGS, "all_lines": True}), str(tiny_corpus), str(out), device="cpu")
    run = metrics["all_lines_run"]
    lines = [line for line in tiny_corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert metrics["trained_on"] == "all lines" and run["lines"] == len(lines)
    assert run["epochs"] == metrics["best_epoch"] == len(run["history"])
    assert [h["lr"] for h in run["history"]] == [h["lr"] for h in metrics["history"][1 : metrics["best_epoch"] + 1]]
    assert run["train_tokens"] > metrics["train_tokens"]  # the held-out tail is trained on too
    ckpt = load_checkpoint(out, "cpu")
    assert len(ckpt.vocab) == run["vocab_size"] == ckpt.model.config.vocab_size
    assert metrics["parameters"] == ckpt.model.num_parameters()
    assert ckpt.fingerprint.line_seen(split_words(lines[-1]))  # the validation tail is a training line now
    assert {"lam", "theta", "window", "val_ppl"} <= set(metrics["cache"])

"""A weights folder that is damaged in any way fails to load with CheckpointError naming the file at fault.

The app refuses to start with that message, so it must say which file to fix or fetch again,
and nothing else (a KeyError from deep inside torch, say) may escape instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file

from lyricgen.checkpoint import CheckpointError, load_checkpoint

FILES = ["config.json", "model.safetensors", "vocab.json", "metrics.json", "fingerprint.json"]


@pytest.fixture
def folder(tiny_weights, tmp_path) -> Path:
    """A fresh, loadable copy of the tiny LSTM folder, for one test to damage."""
    copy = tmp_path / "lstm"
    shutil.copytree(tiny_weights["lstm"], copy)
    return copy


def refuses(folder: Path, file: str) -> CheckpointError:
    """Load folder; it must fail with CheckpointError whose message holds the full path of file."""
    with pytest.raises(CheckpointError, match=re.escape(str(folder / file))) as info:
        load_checkpoint(folder, "cpu")
    return info.value


def edit_json(path: Path, change: Callable) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(change(data), ensure_ascii=False), encoding="utf-8")


def edit_tensors(path: Path, change: Callable[[dict], None]) -> None:
    tensors = load_file(str(path))
    change(tensors)
    save_file(tensors, str(path), metadata={"format": "pt"})


def test_the_undamaged_copy_loads(folder):
    ckpt = load_checkpoint(folder, "cpu")
    assert ckpt.model.config.cell == "lstm" and len(ckpt.vocab) == ckpt.model.config.vocab_size


# --- model.safetensors -------------------------------------------------------------------------

def test_missing_weights(folder):
    (folder / "model.safetensors").unlink()
    assert "missing" in str(refuses(folder, "model.safetensors"))


@pytest.mark.parametrize("keep", [0.0, 0.001, 0.02, 0.5, 0.999])
def test_truncated_weights(folder, keep):
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])  # a download or copy cut short
    refuses(folder, "model.safetensors")


def test_weights_with_trailing_bytes(folder):
    path = folder / "model.safetensors"
    path.write_bytes(path.read_bytes() + b"\0" * 16)
    refuses(folder, "model.safetensors")


def test_weights_that_are_not_safetensors(folder):
    (folder / "model.safetensors").write_bytes(b"PK\x03\x04 a zip, or a pickle, or anything else" * 10)
    refuses(folder, "model.safetensors")


def test_weights_of_another_cell(folder, tiny_weights):
    shutil.copy(tiny_weights["gru"] / "model.safetensors", folder / "model.safetensors")
    refuses(folder, "model.safetensors")


def test_weights_of_another_size(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.update(
        {"embedding.weight": torch.zeros(t["embedding.weight"].shape[0] + 1, t["embedding.weight"].shape[1])}))
    refuses(folder, "model.safetensors")


def test_weights_missing_a_tensor(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.pop("head.bias"))
    assert "head.bias" in str(refuses(folder, "model.safetensors"))


def test_weights_with_an_extra_tensor(folder):
    edit_tensors(folder / "model.safetensors", lambda t: t.update(extra=torch.zeros(3)))
    assert "extra" in str(refuses(folder, "model.safetensors"))


def test_weights_holding_nan(folder):
    def poison(tensors: dict) -> None:
        tensors["rnn.weight_hh_l0"][0, 0] = float("nan")

    edit_tensors(folder / "model.safetensors", poison)
    assert "NaN" in str(refuses(folder, "model.safetensors"))


# --- vocab.json --------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    lambda tokens: tokens[:-1],  # one token short of the model's rows
    lambda tokens: [*tokens, "多出来的词"],  # one too many
    lambda tokens: {"tokens": tokens},  # not a list
    lambda tokens: " ".join(tokens),  # a string
    lambda tokens: list(range(len(tokens))),  # not strings
    lambda tokens: [*tokens[:-1], tokens[2]],  # right length, one token twice
    lambda tokens: tokens[::-1],  # special tokens not first
], ids=["short", "long", "dict", "string", "ints", "duplicate", "specials-last"])
def test_vocabulary_that_does_not_fit(folder, change):
    edit_json(folder / "vocab.json", change)
    refuses(folder, "vocab.json")


def test_missing_or_unreadable_vocabulary(folder):
    path = folder / "vocab.json"
    path.write_text('["<unk>", "<eol>", ', encoding="utf-8")  # cut short
    refuses(folder, "vocab.json")
    path.write_bytes(b"\xff\xfe\x00[")  # not UTF-8
    refuses(folder, "vocab.json")
    path.unlink()
    assert "missing" in str(refuses(folder, "vocab.json"))


# --- config.json -------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("vocab_size", "12"), ("vocab_size", 12.0), ("vocab_size", True), ("vocab_size", 0),
    ("hidden_dim", None), ("num_layers", [1]), ("cell", 3), ("cell", "transformer"),
    ("dropout", "0.5"), ("dropout", 1.5), ("embed_dropout", -0.1), ("tie_weights", "yes"),
])
def test_config_with_a_wrong_value(folder, key, value):
    edit_json(folder / "config.json", lambda c: {**c, key: value})
    refuses(folder, "config.json")


def test_config_that_is_not_an_object_or_not_json(folder):
    path = folder / "config.json"
    for text in ['["lstm", 16]', '{"cell": "lstm",', "", "cell = lstm"]:
        path.write_text(text, encoding="utf-8")
        refuses(folder, "config.json")


def test_config_with_unknown_or_missing_keys(folder):
    original = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    edit_json(folder / "config.json", lambda c: {**c, "hiden_dim": 16})  # a typo must not pass silently
    assert "hiden_dim" in str(refuses(folder, "config.json"))
    edit_json(folder / "config.json", lambda c: {k: v for k, v in original.items() if k != "vocab_size"})
    assert "vocab_size" in str(refuses(folder, "config.json"))
    (folder / "config.json").unlink()
    assert "missing" in str(refuses(folder, "config.json"))


def test_config_whose_sizes_do_not_fit_the_weights(folder):
    double = {"hidden_dim": 32, "embed_dim": 32}  # the tiny models have 16
    edit_json(folder / "config.json", lambda c: {**c, **double})
    refuses(folder, "model.safetensors")  # the config itself is valid: the tensors disagree with it


def test_config_asking_for_an_impossible_model(folder):
    edit_json(folder / "config.json", lambda c: {**c, "hidden_dim": 10**30, "embed_dim": 10**30})
    refuses(folder, "config.json")


# --- metrics.json, fingerprint.json (optional, but not broken) ----------------------------------

@pytest.mark.parametrize("file", ["metrics.json", "fingerprint.json"])
def test_broken_optional_json(folder, file):
    path = folder / file
    path.write_text("{", encoding="utf-8")
    refuses(folder, file)
    path.write_text("[1, 2]", encoding="utf-8")
    refuses(folder, file)
    path.unlink()
    load_checkpoint(folder, "cpu")  # absent is fine: an older folder, or one made by hand


def test_a_file_replaced_by_a_folder(folder):
    for file in ("config.json", "vocab.json", "model.safetensors"):
        broken = folder.parent / f"{folder.name}-{file}"
        shutil.copytree(folder, broken)
        (broken / file).unlink()
        (broken / file).mkdir()
        refuses(broken, file)


# --- any damage at all: CheckpointError or a clean load, nothing else ----------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(FILES), position=st.floats(0, 1), junk=st.binary(min_size=0, max_size=8),
       cut=st.booleans())
def test_random_damage_never_escapes_as_another_error(folder, tmp_path, file, position, junk, cut):
    damaged = tmp_path / "damaged"
    shutil.rmtree(damaged, ignore_errors=True)
    shutil.copytree(folder, damaged)
    path = damaged / file
    data = path.read_bytes()
    at = int(len(data) * position)
    # Either cut the file at a random point, or overwrite a few bytes there with random ones.
    path.write_bytes(data[:at] if cut else data[:at] + junk + data[at + len(junk):])
    try:
        load_checkpoint(damaged, "cpu")
    except CheckpointError as e:
        assert str(damaged) in str(e)


# --- the app itself: refuses to start, naming the file --------------------------------------------

def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


APP_BREAKS = {  # what to damage in a copy of the tiny weights root → the file the message must name
    "truncated weights": ("gru/model.safetensors", truncate),
    "vocabulary one short": ("rnn/vocab.json", lambda p: edit_json(p, lambda tokens: tokens[:-1])),
    "config with a wrong type": ("lstm/config.json", lambda p: edit_json(p, lambda c: {**c, "hidden_dim": "16"})),
}


def test_the_app_refuses_to_start_on_broken_weights(tiny_weights, tmp_path):
    """`python app.py` on a damaged weights root exits non-zero with a message naming the file, serving nothing."""
    root_dir = Path(__file__).resolve().parent.parent
    servers = {}
    for name, (file, damage) in APP_BREAKS.items():  # started together: each spends seconds importing
        weights = tmp_path / name.replace(" ", "-")
        shutil.copytree(tiny_weights["lstm"].parent, weights)
        damage(weights / file)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "LYRICGEN_WEIGHTS": str(weights), "GRADIO_ANALYTICS_ENABLED": "False"}
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=root_dir, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        servers[name] = (process, weights / file, port)
    for name, (process, broken, port) in servers.items():
        try:
            out, err = process.communicate(timeout=120)
        finally:
            process.kill()
        assert process.returncode == 1, (name, out, err)
        assert "cannot start" in err and str(broken) in err, (name, err)
        assert "Traceback" not in err and "Running on" not in out + err, (name, out, err)
        with socket.socket() as s:  # nothing was left listening
            assert s.connect_ex(("127.0.0.1", port)) != 0

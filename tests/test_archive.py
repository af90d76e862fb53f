"""A model brought as a zip (lyricgen/archive.py) and the server's store of students' models (web/mine.py)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest
import torch
from archive_helpers import hostile_zips, zip_folder

from lyricgen import evaluate, generate
from lyricgen.archive import ArchiveError, load_zip
from lyricgen.checkpoint import load_checkpoint
from lyricgen.web import i18n
from lyricgen.web.mine import BOUNDS, MINE, StudentModels, model_bytes, refusal
from lyricgen.web.validate import InputError

WHY = {"not a zip": "not_zip", "bomb": "too_big_unpacked", "../ path": "outside", "absolute path": "outside",
       "symlink": "link", "pickle": "not_allowed", "too large a model": "config_limit", "no vocabulary": "missing",
       "200 MB": "too_big"}


def test_a_zipped_folder_loads_as_the_folder_does(tiny_weights, tmp_path):
    folder = tiny_weights["lstm"]
    for prefix in ("", "my-model/"):  # at the archive's top, or in one folder
        ckpt = load_zip(zip_folder(folder, tmp_path / "m.zip", prefix=prefix), "cpu", BOUNDS)
        same = load_checkpoint(folder, "cpu")
        assert ckpt.vocab.tokens == same.vocab.tokens and ckpt.fingerprint is not None
        for (name, a), (_, b) in zip(ckpt.model.state_dict().items(), same.model.state_dict().items(), strict=True):
            assert torch.equal(a, b), name
        assert ckpt.file_hashes == same.file_hashes and ckpt.path.name == "m"


@pytest.mark.parametrize("flaw", list(WHY) + ["wrong shapes"])
def test_a_hostile_zip_is_refused_with_one_sentence_in_each_language(tiny_weights, tmp_path, flaw):
    path = hostile_zips(tiny_weights["gru"], tmp_path)[flaw]
    with pytest.raises(Exception) as info:
        load_zip(path, "cpu", BOUNDS)
    error = info.value
    if flaw == "wrong shapes":  # the strict loader's own words, naming the file
        assert not isinstance(error, ArchiveError) and "does not fit" in str(error)
    else:
        assert isinstance(error, ArchiveError) and error.key == WHY[flaw]
    for lang in ("en", "zh"):
        sentence = refusal(error).render(lang)
        assert sentence and "\n" not in sentence and "{" not in sentence
    assert refusal(error).render("zh") != refusal(error).render("en")


def test_the_command_line_takes_a_zip(tiny_weights, tmp_path):
    path = zip_folder(tiny_weights["gru"], tmp_path / "mine.zip")
    out = io.StringIO()
    with redirect_stdout(out):
        generate.main(["--weights", str(path), "--start", "明月", "--length", "6", "--seed", "3", "--device", "cpu"])
    again = io.StringIO()
    with redirect_stdout(again):
        generate.main(["--weights", str(tiny_weights["gru"]), "--start", "明月", "--length", "6", "--seed", "3",
                       "--device", "cpu"])
    assert out.getvalue() == again.getvalue() and "明月" in out.getvalue()
    lines = tmp_path / "lines.txt"
    lines.write_text("明月几时有\n把酒问青天\n", encoding="utf-8")
    scored = []
    for weights in (path, tiny_weights["gru"]):
        printed = io.StringIO()
        with redirect_stdout(printed):
            evaluate.main(["--weights", str(weights), "--text", str(lines), "--json", "--device", "cpu"])
        scored.append(json.loads(printed.getvalue().strip().splitlines()[-1]))
    assert scored[0]["perplexity"] == scored[1]["perplexity"]


# ---------------------------------------------------------------------------------------------
# The store: one model a session, bounded, the least recently used dropped first


def test_one_model_per_session_and_nobody_elses(tiny):
    store = StudentModels()
    store.put("alice", tiny["gru"])
    assert store.get("alice") is tiny["gru"]
    for session in ("bob", None):
        with pytest.raises(InputError) as info:
            store.get(session)
        assert info.value.msg.key == "mine.error.none"
    store.put("alice", tiny["rnn"])  # a new one replaces it
    assert store.get("alice") is tiny["rnn"] and len(store) == 1
    store.forget("alice")
    assert len(store) == 0 and store.held_bytes() == 0


def test_past_the_caps_the_least_recently_used_goes_and_its_owner_is_told(tiny):
    store = StudentModels(max_models=2)
    store.put("a", tiny["rnn"])
    store.put("b", tiny["lstm"])
    store.get("a")  # a used since: b is now the least recently used
    store.put("c", tiny["gru"])
    assert store.find("b") is None and store.get("a") is tiny["rnn"] and store.get("c") is tiny["gru"]
    with pytest.raises(InputError) as info:
        store.get("b")
    assert info.value.msg.key == "mine.error.evicted"
    by_bytes = StudentModels(max_bytes=model_bytes(tiny["rnn"]) + model_bytes(tiny["lstm"]) - 1)
    by_bytes.put("a", tiny["rnn"])
    by_bytes.put("b", tiny["lstm"])
    assert len(by_bytes) == 1 and by_bytes.held_bytes() <= by_bytes.max_bytes
    with pytest.raises(InputError, match="too large"):
        StudentModels(max_bytes=1).put("a", tiny["gru"])


def test_an_unused_model_is_put_away_and_its_engine_stopped(tiny):
    store = StudentModels(idle_s=-1)  # every model counts as unused by the next look: no clock waited on
    store.put("a", tiny["gru"])
    engine = store.engine(tiny["gru"])
    assert engine._thread.is_alive()
    with pytest.raises(InputError) as info:
        store.get("a")
    assert info.value.msg.key == "mine.error.expired" and "-0" not in info.value.msg.render("en")
    assert not engine._thread.is_alive()


def test_the_messages_say_what_to_do_in_each_language():
    for key in ("mine.error.none", "mine.error.evicted", "mine.error.expired"):
        with i18n.using("zh"):
            zh = InputError(key, minutes=30).text
        assert "实验室" in zh and "Lab" in InputError(key, minutes=30).text
    assert MINE == "mine" and json.dumps(MINE) == '"mine"'

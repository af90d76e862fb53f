"""A Lab model of characters (LabConfig.tokens = "char"): the split travels in its vocabulary (vocab.json), and
every panel splits a student's text as the model's training text was: Tokenize & embed, the prompt of a
generation, Memorization against its own training lines, and Score a line, where a word's surprisal under a
model of characters is the sum of its characters' so that it stands beside the word models' figures."""

from __future__ import annotations

import json
import math
import types
import zipfile

import pytest
import torch
from lab_helpers import one_thread  # noqa: F401  (autouse)

from lyricgen.archive import load_zip
from lyricgen.corpus import fingerprint_of
from lyricgen.generate import GenerationSettings, generate_from_settings, make_prompt
from lyricgen.inspect.memory import check_memorization
from lyricgen.inspect.words import score_line
from lyricgen.lab import LabConfig, export_zip, lab_metrics, prepare, train_live
from lyricgen.model import LN2, evaluating
from lyricgen.sampling import Sampling
from lyricgen.tokens import EOL
from lyricgen.web.mine import MINE, StudentModels
from lyricgen.web.tabs.tokenize import TokenizeTab

# Our own lines (not the corpus), each character seen a few times.
LINES = ["春风吹过小河边", "小河流水到天边", "天边的云朵白又白", "白云下面是我家", "我家门前春风吹",
         "春天的花开满山", "满山的花红又红", "红花开在小河边"] * 4


@pytest.fixture(scope="module")
def char_model(tmp_path_factory):
    """(the zip of a few steps' model of characters, its LabData)."""
    cfg = LabConfig(tokens="char", hidden_size=16, max_steps=3, budget_s=60, eval_every=1, sample_every=1000,
                    val_fraction=0.25, start_text="春风")
    data = prepare("\n".join(LINES), cfg)
    *_, last = train_live(data, cfg)
    zip_path = tmp_path_factory.mktemp("char") / "mine.zip"
    return export_zip(last.model, data.vocab, lab_metrics(last, data, cfg), zip_path, fingerprint_of(data)), data


def request(session: str):
    return types.SimpleNamespace(session_hash=session, query_params={}, headers={})


def test_the_split_travels_in_the_zip_and_comes_back(char_model):
    zip_path, data = char_model
    with zipfile.ZipFile(zip_path) as archive:
        vocab = json.loads(archive.read("vocab.json"))
        card = archive.read("README.md").decode()
    assert vocab["split"] == "char" and vocab["tokens"] == data.vocab.tokens
    assert "character-level" in card and "字级" in card
    ckpt = load_zip(zip_path, "cpu")
    assert ckpt.vocab.split == "char" and ckpt.vocab.tokens == data.vocab.tokens
    assert all(len(token) == 1 for token in ckpt.vocab.tokens[2:])


def test_tokenize_and_the_prompt_split_by_character(char_model, tiny):
    ckpt = load_zip(char_model[0], "cpu")
    store = StudentModels()
    store.put("alice", ckpt)
    table, _, _ = TokenizeTab(tiny, mine=store).tokenize("春风吹\n白云", MINE, request=request("alice"))
    shown = table.iloc[:, 1].tolist()
    assert shown[:3] + shown[4:] == ["春", "风", "吹", "白", "云"]  # shown[3], the line break, said in words
    assert table.iloc[:, 2].tolist() == ckpt.vocab.encode(["春", "风", "吹", EOL, "白", "云"])
    prompt = make_prompt(ckpt.vocab, "春风 吹")
    assert prompt.words == ["春", "风", "吹"] and prompt.unknown == []
    settings = GenerationSettings("春风", 12, Sampling(temperature=0.8), seed=3)
    _, _, steps = generate_from_settings(ckpt.model, ckpt.vocab, settings)
    with evaluating(ckpt.model):
        written = [s.token for s in steps]
    assert len(written) == 12 and all(len(token) == 1 or token == EOL for token in written)


def test_memorization_splits_the_text_as_the_training_lines_were(char_model):
    ckpt = load_zip(char_model[0], "cpu")
    seen, unseen = LINES[0], "我们一起唱歌吧朋友"
    report = check_memorization(f"{seen}\n{unseen}", ckpt.fingerprint, ckpt.vocab.split)
    assert [line.seen for line in report.lines] == [True, False]
    assert report.lines[0].words == list(seen)


def test_score_line_gives_a_model_of_characters_bits_per_word(char_model, tiny):
    ckpt = load_zip(char_model[0], "cpu")
    text = "春风吹过小河边"
    word_only = score_line(dict(tiny), text)
    score = score_line({**tiny, MINE: ckpt}, text)
    assert score.tokens == word_only.tokens and score.surprisal["gru"] == word_only.surprisal["gru"]
    assert any(len(word) > 1 for word in score.tokens)  # jieba's words, some of several characters
    chars = [EOL, *text, EOL]  # the same text as the model of characters reads it
    ids = torch.tensor(ckpt.vocab.encode(chars))
    with torch.inference_mode(), evaluating(ckpt.model):
        logits, _ = ckpt.model(ids[:-1].unsqueeze(1))
        nats = -torch.log_softmax(logits[:, 0].float(), -1).gather(1, ids[1:].unsqueeze(1))[:, 0]
    char_bits = (nats / LN2).tolist()
    per_word, i = [], 0
    for word in score.tokens:
        n = 1 if word == EOL else len(word)
        per_word.append(sum(char_bits[i:i + n]))
        i += n
    assert i == len(char_bits)
    assert score.surprisal[MINE] == pytest.approx(per_word, abs=1e-5)
    assert score.perplexity[MINE] == pytest.approx(2 ** (sum(per_word) / len(per_word)))
    assert all(score.known_by[MINE]) and not math.isnan(score.perplexity[MINE])

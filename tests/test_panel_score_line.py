"""The score-a-line panel (lyricgen/web/tabs/score_line.py): surprisal recomputed, served, in one language."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from languages import answers_in, assert_chinese, assert_english
from panel_helpers import (
    CELLS,
    corpus_words,
    rows,
)

from lyricgen.inspect.words import score_line
from lyricgen.tokens import EOL, lines_to_tokens
from lyricgen.web.tabs.score_line import ScoreLineTab

# ---------------------------------------------------------------------------------------------
# Score a line


def test_score_line_is_minus_log2_softmax(ckpts):
    text = "明月几时有 量子"
    score = score_line(ckpts, text)
    tokens = lines_to_tokens([text])
    assert score.tokens == tokens[1:] and score.tokens[-1] == EOL  # the line's end is scored
    assert score.known == [t == EOL or t in ckpts["rnn"].vocab for t in tokens[1:]] and not all(score.known)
    for cell, ckpt in ckpts.items():
        ids = torch.tensor(ckpt.vocab.encode(tokens))
        with torch.no_grad():
            logits, _ = ckpt.model(ids[:-1].unsqueeze(1))
        expected = -torch.log2(torch.softmax(logits[:, 0].double(), -1)[torch.arange(len(ids) - 1), ids[1:]])
        np.testing.assert_allclose(score.surprisal[cell], expected.numpy(), rtol=1e-4)
        assert score.perplexity[cell] == pytest.approx(2 ** float(expected.mean()), rel=1e-4)
    summary, _, table = ScoreLineTab(ckpts).score_line(text)
    assert len(table) == len(tokens) - 1 and {"RNN (bits)", "LSTM (bits)", "GRU (bits)"} <= set(table.columns)
    assert list(summary["perplexity"]) == [round(score.perplexity[cell], 3) for cell in CELLS]


def test_client_score_line_perplexity_is_two_to_the_mean_surprisal(served, tiny):
    client, _ = served
    summary, html, table = client.predict("明月几时有\n把酒问青天", api_name="/score_line")
    words = rows(table)
    assert words[-1]["word"] == "<eol>" and "<eol>" in [w["word"] for w in words[:-1]]
    for r in rows(summary):
        bits = [w[f"{r['cell']} (bits)"] for w in words]
        mean = sum(bits) / len(bits)
        assert r["mean surprisal (bits)"] == pytest.approx(mean, abs=0.01)
        assert r["perplexity"] == pytest.approx(2 ** r["mean surprisal (bits)"], rel=1e-3)
    assert html.count("<b>") == len(tiny)


def test_score_line_speaks_one_language(tiny):
    tab, line = ScoreLineTab(tiny), "明月几时有"
    data = [*corpus_words(tiny), line]
    assert_chinese(answers_in("zh", tab.score_line, line), data)
    assert_english(answers_in("en", tab.score_line, line), data)

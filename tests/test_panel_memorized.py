"""The memorization panel (lyricgen/web/tabs/memorized.py): training lines marked, served, in one language."""

from __future__ import annotations

from pathlib import Path

import pytest
from languages import answers_in, assert_chinese, assert_english
from panel_helpers import (
    corpus_words,
    rows,
)

from lyricgen.checkpoint import Checkpoint
from lyricgen.fingerprint import Fingerprint
from lyricgen.inspect.memory import check_memorization
from lyricgen.tokens import EOL
from lyricgen.web.render import (
    memorization_html,
)
from lyricgen.web.tabs.memorized import MemorizedTab
from lyricgen.web.validate import InputError

# ---------------------------------------------------------------------------------------------
# Memorization


def test_memorization_marks_training_lines_and_runs():
    train = [["春风", "又", "绿", "江南", "岸"], ["明月", "何时", "照", "我", "还"], ["千山", "鸟", "飞", "绝"]]
    fingerprint = Fingerprint.build(train)
    stream = ["春风", "又", "绿", "江南", "岸", EOL,  # a training line, whole
              "我", "爱", "量子", EOL,  # new
              "我", "绿", "江南", "岸", EOL, "明月", "何时", "照", "我", "好", EOL]  # a run across a line break
    report = check_memorization(stream, fingerprint)
    assert [line.seen for line in report.lines] == [True, False, False, False]
    # the line break counts as one of the 6 tokens of a run, as in the training fingerprint
    assert report.lines[2].copied == [False, True, True, True] and report.lines[3].copied == [True] * 4 + [False]
    assert not any(report.lines[1].copied) and not any(report.lines[0].copied)  # 5 words: too short for a run
    assert report.spans == [(11, 19)]
    assert report.seen_share == pytest.approx(1 / 4) and report.copied_word_share == pytest.approx(7 / 17)
    page = memorization_html(report)
    assert page.count("verbatim from training") == 1 and page.count('title="copied run"') == 7
    assert "25%" in page


def test_memorization_with_a_checkpoint_fingerprint(ckpts):
    fingerprint = ckpts["rnn"].fingerprint
    report = check_memorization("床前明月光\n我们的<b>量子</b>\n", fingerprint)  # the first poem line is in training
    assert [line.seen for line in report.lines] == [True, False]
    page = memorization_html(report)
    assert "<b>" not in page and "&lt;b&gt;" in page
    bare = Checkpoint(ckpts["rnn"].model, ckpts["rnn"].vocab, Path("."), fingerprint=None)
    with pytest.raises(InputError, match="fingerprint"):
        MemorizedTab({"rnn": bare}).memorized("床前明月光", "rnn")


def test_client_memorized_marks_lines_from_training(served):
    client, _ = served
    html, table = client.predict("床前明月光\n我们的量子\n", "lstm", api_name="/memorized")
    assert html.count("verbatim from training") == 1  # the first poem line is in the tiny corpus
    assert [r["verbatim"] for r in rows(table)] == ["⚠", ""]


def test_memorized_speaks_one_language(tiny):
    tab, lyrics = MemorizedTab(tiny), "床前明月光\n我们的量子\n"
    data = [*corpus_words(tiny), *lyrics.split()]
    assert_chinese(answers_in("zh", tab.memorized, lyrics, "lstm"), data)
    assert_english(answers_in("en", tab.memorized, lyrics, "lstm"), data)

"""Bad input to every look-inside panel: refused in the page's language, called directly and served."""

from __future__ import annotations

import math

import gradio as gr
import pytest
from conftest import answers
from gradio_client.exceptions import AppError

from lyricgen.web import i18n, limits
from lyricgen.web.tabs.compare import CompareTab
from lyricgen.web.tabs.generate import GenerateTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab
from lyricgen.web.tabs.memorized import MemorizedTab
from lyricgen.web.tabs.neighbours import NeighboursTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.score_line import ScoreLineTab
from lyricgen.web.tabs.tokenize import TokenizeTab
from lyricgen.web.validate import InputError, check_text

# ---------------------------------------------------------------------------------------------
# Bad input: every panel refuses it in the page's language, before any number is computed


TOO_LONG = "月" * (limits.MAX_TEXT_CHARS + 1)


BAD_INPUTS = {
    "hidden states, empty": lambda c: HiddenStatesTab(c).hidden_states("", "rnn"),
    "hidden states, too long": lambda c: HiddenStatesTab(c).hidden_states(TOO_LONG, "rnn"),
    "hidden states, None": lambda c: HiddenStatesTab(c).hidden_states(None, "rnn"),
    "hidden states, unknown cell": lambda c: HiddenStatesTab(c).hidden_states("明月", "transformer"),
    "open box, blank": lambda c: OpenBoxTab(c).open_box("   ", 4),
    "open box, no RNN loaded": lambda c: OpenBoxTab({"lstm": c["lstm"]}).open_box("明月", 4),
    "score, empty": lambda c: ScoreLineTab(c).score_line(""),
    "score, too long": lambda c: ScoreLineTab(c).score_line(TOO_LONG),
    "score, not text": lambda c: ScoreLineTab(c).score_line(["明月"]),
    "compare, bad seed": lambda c: CompareTab(c, {}).compare("明月", "seven", 0.8, 8),
    "compare, length 0": lambda c: CompareTab(c, {}).compare("明月", "1", 0.8, 0),
    "compare, top-p 0": lambda c: CompareTab(c, {}).compare("明月", "1", 0.8, 8, 0),
    "tokenize, unknown cell": lambda c: TokenizeTab(c).tokenize("明月", "transformer"),
    "next words, too long": lambda c: NextWordsTab(c).next_words(TOO_LONG, "rnn", 8, 0.8, "", 0),
    "next words, length 0": lambda c: NextWordsTab(c).next_words("明月", "rnn", 0, 0.8, "", 0),
    "next words, temperature -1": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, -1, "", 0),
    "next words, temperature NaN": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, math.nan, "", 0),
    "next words, seed -1": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, 0.8, -1, 0),
    "next words, length True": lambda c: NextWordsTab(c).next_words("明月", "rnn", True, 0.8, "", 0),
    "next words, step past the limit": lambda c: NextWordsTab(c).next_words(
        "明月", "rnn", 2, 0.8, "0", limits.MAX_INSIDE_LENGTH),
    "generate, top-k -1": lambda c: GenerateTab(c, {}).generate("明月", 8, 0.8, "rnn", -1, ""),
    "generate, unknown cell": lambda c: GenerateTab(c, {}).generate("明月", 8, 0.8, "cnn", 0, ""),
    "neighbours, empty": lambda c: NeighboursTab(c).neighbours("", "rnn"),
    "neighbours, too long": lambda c: NeighboursTab(c).neighbours("明" * (limits.MAX_WORD_CHARS + 1), "rnn"),
    "neighbours, no cell": lambda c: NeighboursTab(c).neighbours("明月", None),
    "memorized, empty": lambda c: MemorizedTab(c).memorized("", "rnn"),
    "memorized, blank lines": lambda c: MemorizedTab(c).memorized("\n \n", "rnn"),
}


CJK_AND_LATIN = ("\u4e00", "\u9fff")


@pytest.mark.parametrize("call", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_inputs_are_refused_in_the_pages_language(ckpts, call):
    with pytest.raises(InputError) as info:
        answers(call(ckpts))
    english, chinese = info.value.msg.render("en"), info.value.msg.render("zh")
    assert str(info.value) == english and english.isascii() and english[0].isupper()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    with i18n.using("zh"), pytest.raises(InputError) as info:  # a Chinese page's request gets it in Chinese
        answers(call(ckpts))
    assert str(info.value) == chinese


def test_good_inputs_are_normalized(ckpts):
    assert check_text("  明月 ", limits.MAX_TEXT_CHARS, "field.sentence") == "明月"
    html, *_ = NextWordsTab(ckpts).next_words("", "rnn", 3, 0.8, "0", 0)  # blank start: a line's start
    assert 'color:#666' not in html  # no grey start words


@pytest.mark.parametrize(
    ("api_name", "args", "message"),
    [
        ("/next_words", ("月" * (limits.MAX_TEXT_CHARS + 1), "lstm", 8, 0.8, "", 0), "too long"),
        ("/next_words", ("明月", "lstm", 8, 0.8, "abc", 0), "seed must be a whole number"),
        ("/compare", ("月" * (limits.MAX_TEXT_CHARS + 1), "1", 0.8, 8), "too long"),
        ("/hidden_states", ("   ", "gru"), "sentence is empty"),
        ("/open_box", ("明" * (limits.MAX_BOX_CHARS + 1), 4), "too long"),
    ],
)
def test_client_gets_errors_in_its_language_from_every_inside_tab(served, api_name, args, message):
    client, _ = served  # it asks for English
    with pytest.raises(AppError, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert not any(CJK_AND_LATIN[0] <= ch <= CJK_AND_LATIN[1] for ch in str(info.value))


def test_inside_handlers_refuse_with_gradio_errors(tiny):
    with pytest.raises(gr.Error, match="step must be between"):
        NextWordsTab(tiny).next_words("明月", "lstm", 8, 0.8, "", -1)
    with pytest.raises(gr.Error, match="No RNN model is loaded"):
        OpenBoxTab({"lstm": tiny["lstm"]}).open_box("明月", 4)
    with pytest.raises(InputError, match="number of units"):
        OpenBoxTab(tiny).open_box("明月", math.inf)

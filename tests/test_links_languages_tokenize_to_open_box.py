"""Tokenize, Model, next word, compare, hidden states, open box: refusals in one language, strings, links."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from conftest import answers
from languages import CJK, assert_chinese, assert_english, without

from lyricgen.web import i18n, limits, links
from lyricgen.web.tabs.compare import CompareTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.tokenize import TokenizeTab
from lyricgen.web.validate import InputError

PANELS = ("tokenize", "model", "next_words", "compare", "hidden_states", "open_box")


# ---------------------------------------------------------------------------------------------
# Links: ?tab=<panel>&<input>=<value> fills the panel's inputs and presses its button.

GOOD = {  # the link's text → the widget's value
    "tokenize": {"text": ("明月几时有", "明月几时有"), "cell": ("gru", "gru")},
    "model": {},
    "next_words": {"start": ("明月", "明月"), "cell": ("lstm", "lstm"), "length": ("12", 12),
                   "temperature": ("0.5", 0.5), "seed": ("3", "3"), "step": ("4", 4), "top_k": ("5", 5)},
    "compare": {"start": (" 明月 ", "明月"), "seed": ("", ""), "temperature": ("1.2", 1.2), "length": ("20", 20),
                "top_p": ("0.9", 0.9), "cache": ("on", True)},
    "hidden_states": {"text": ("明月几时有", "明月几时有"), "cell": ("rnn", "rnn")},
    "open_box": {"text": ("明月光", "明月光"), "units": ("3", 3), "cell": ("rnn", "rnn")},
}


BAD = {  # bad values, and the reason each one's notice gives
    "tokenize": ({"text": "月" * (limits.MAX_TEXT_CHARS + 1), "cell": "cnn"},
                 {"text": "too long", "cell": "No model 'cnn'"}),
    "model": ({}, {}),
    "next_words": ({"length": "0", "temperature": "hot", "seed": "-1", "step": str(limits.MAX_INSIDE_LENGTH)},
                   {"length": "between 1 and", "temperature": "must be a number", "seed": "between 0 and",
                    "step": "between 0 and 99"}),
    "compare": ({"length": "2.5", "top_p": "0", "cache": "maybe"},
                {"length": "whole number", "top_p": "between", "cache": "1 or 0"}),
    "hidden_states": ({"text": "   ", "cell": "transformer"}, {"text": "empty", "cell": "No model"}),
    "open_box": ({"text": "明" * (limits.MAX_BOX_CHARS + 1), "units": "9"},
                 {"text": "too long", "units": "between 1 and 8"}),
}


RUN = {"tokenize": "run-tokenize", "model": None, "next_words": "run-next-words", "compare": "run-compare",
       "hidden_states": "run-hidden-states", "open_box": "run-open-box"}


@pytest.mark.parametrize(
    ("call", "in_english", "in_chinese"),  # not "english": that is conftest's fixture
    [
        (lambda tiny: TokenizeTab(tiny).tokenize("   ", "gru"), "Please type at least one word", "请输入至少一个词"),
        (lambda tiny: TokenizeTab(tiny).tokenize("月" * (limits.MAX_TEXT_CHARS + 1), "gru"),
         "The sentence is too long", "句子太长了"),
        (lambda tiny: NextWordsTab(tiny).next_words("明月", "rnn", 8, 0.8, "", limits.MAX_INSIDE_LENGTH),
         "The step must be between 0 and 99", "步必须在 0 到 99 之间"),
        (lambda tiny: CompareTab(tiny, {}).compare("明月", "seven", 0.8, 8), "The seed must be a whole number",
         "种子必须是整数"),
        (lambda tiny: HiddenStatesTab(tiny).hidden_states("", "gru"), "The sentence is empty", "请输入句子"),
        (lambda tiny: OpenBoxTab({"gru": tiny["gru"]}).open_box("明月", 3), "No RNN model is loaded",
         "没有加载 RNN 模型"),
        (lambda tiny: OpenBoxTab(tiny).open_box("明月", limits.MAX_BOX_UNITS + 1),
         "The number of units must be between 1 and 8", "单元个数必须在 1 到 8 之间"),
    ],
)
def test_errors_speak_one_language(tiny, call, in_english, in_chinese):
    with pytest.raises(InputError) as error:
        answers(call(tiny))
    assert str(error.value).startswith(in_english) and not CJK.search(str(error.value))
    assert error.value.msg.render("zh").startswith(in_chinese)
    with i18n.using("zh"), pytest.raises(InputError, match=f"^{re.escape(in_chinese)}"):
        answers(call(tiny))


# ---------------------------------------------------------------------------------------------
# The layout: every string recorded, so that the page can be sent it in English.

def test_panels_strings_are_recorded_in_both_languages(built):
    keys = {msg.key for msg in built.strings.recorded.values()}
    assert {"tab.tokenize", "tokenize.intro", "tokenize.button", "tab.model", "model.intro", "model.summary",
            "model.curves.title"} <= keys
    for panel in ("next_words", "compare", "hidden_states", "open_box"):
        assert {f"{panel}.title", f"{panel}.intro"} <= keys, panel
    ours = [msg for _, props, _ in built.strings.targets for msg in props.values()
            if isinstance(msg, i18n.Msg) and msg.key.split(".")[0] in PANELS]
    assert len(ours) >= 40
    for msg in ours:
        assert_english(msg.render("en"), [])
        assert_chinese(msg.render("zh"), [])
    tabs = {props["label"].key: block.elem_id for block, props, _ in built.strings.targets
            if isinstance(props.get("label"), i18n.Msg) and props["label"].key in ("tab.tokenize", "tab.model")}
    assert tabs == {"tab.tokenize": "tab-tokenize", "tab.model": "tab-model"}


@pytest.mark.parametrize("panel", PANELS)
def test_link_fills_the_panel_and_runs_it(built, panel):
    setup = built.setups[panel]
    inside = panel not in ("tokenize", "model")
    assert setup.tab == panel and [tab for _, tab in setup.path] == (["inside", panel] if inside else [panel])
    assert list(setup.params) == list(GOOD[panel])
    assert (setup.run.elem_id if setup.run is not None else None) == RUN[panel]  # the Model tab has nothing to run
    query = {name: raw for name, (raw, _) in GOOD[panel].items()}
    with i18n.using("en"):
        filled = links.read_query(built.setups, {"tab": panel, **query})
    assert filled.setup is setup and not filled.notices
    assert filled.values == {name: value for name, (_, value) in GOOD[panel].items()}
    link = setup.query(*filled.values.values())  # the "copy link" button's link
    assert link.startswith(f"?tab={panel}&") or (panel == "model" and link == "?tab=model")
    with i18n.using("en"):
        again = links.read_query(built.setups, dict(parse_qsl(link[1:], keep_blank_values=True)))
    assert again.setup is setup and again.values == filled.values and not again.notices


@pytest.mark.parametrize("panel", PANELS)
def test_link_with_bad_values_gives_notices(built, panel):
    values, reasons = BAD[panel]
    with i18n.using("en"):
        filled = links.read_query(built.setups, {"tab": panel, **values, "colour": "red"})
    assert filled.setup is built.setups[panel] and not set(reasons) & set(filled.values)
    assert len(filled.notices) == len(reasons) + 1  # one per bad value, one for the unknown name
    for name, reason in reasons.items():
        assert any(f" {name} " in notice and reason in notice for notice in filled.notices), (name, filled.notices)
    assert any("'colour'" in notice for notice in filled.notices)
    assert not any(CJK.search(without(notice, list(values.values()))) for notice in filled.notices)
    with i18n.using("zh"):
        chinese = links.read_query(built.setups, {"tab": panel, **values, "colour": "red"})
    assert chinese.notices and all(CJK.search(notice) for notice in chinese.notices)


def test_a_link_to_a_panel_that_does_not_exist_says_so(built):
    with i18n.using("en"):
        filled = links.read_query(built.setups, {"tab": "tokenise", "text": "明月"})
    assert filled.setup is None and not filled.values and "'tokenise'" in filled.notices[0]

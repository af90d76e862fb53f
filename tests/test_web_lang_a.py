"""One language at a time, and links, for Tokenize, Model and four "look inside" panels: next word, compare
cells, hidden states, open the box (lyricgen/web/tabs/{tokenize,models,next_words,compare,hidden_states,open_box}.py).

Each handler's answer in Chinese holds no English sentence and in English no Chinese, apart from the data (the
words typed, the corpus's words); each panel's layout strings are recorded, so the page can be sent them in
English; and each panel's link (?tab=<panel>&…) fills its inputs, refuses a bad value with a notice, and
round-trips through Setup.query.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from conftest import answers, new_page
from languages import CJK, answers_in, assert_chinese, assert_english, without

from lyricgen.tokens import UNK
from lyricgen.web import i18n, limits, links
from lyricgen.web.tabs import models
from lyricgen.web.tabs.compare import CompareTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.tokenize import TokenizeTab
from lyricgen.web.validate import InputError

PANELS = ("tokenize", "model", "next_words", "compare", "hidden_states", "open_box")












def corpus_words(tiny) -> list[str]:
    return [word for ckpt in tiny.values() for word in ckpt.vocab.tokens]


# ---------------------------------------------------------------------------------------------
# One language at a time in each handler's answer and message.

def test_tokenize_speaks_one_language(tiny):
    tab, text = TokenizeTab(tiny), "明月量子 Zorglub"  # an unknown word too; 16 dims, 8 in the table
    data = [*corpus_words(tiny), "量子", "Zorglub", UNK]
    chinese = answers_in("zh", tab.tokenize, text, "gru")
    assert_chinese(chinese, data)
    assert "未知词" in chinese and "表格只列出前 8 维" in chinese
    english = answers_in("en", tab.tokenize, text, "gru")
    assert_english(english, data)
    assert "Unknown words" in english and "first 8 of 16 dimensions" in english


def test_model_tab_speaks_one_language(tiny):
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            check(models.summary_markdown(tiny), [])
            for ckpt in tiny.values():
                check(models.cell_card(ckpt), [])


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.0, 1.5])  # each says what the temperature does
def test_next_words_speaks_one_language(tiny, temperature):
    tab, data = NextWordsTab(tiny), [*corpus_words(tiny), "明月"]
    chinese = answers_in("zh", tab.next_words, "明月", "lstm", 8, temperature, "3", 2)
    assert_chinese(chinese, data)
    assert "第 2 步" in chinese and "温度" in chinese
    english = answers_in("en", tab.next_words, "明月", "lstm", 8, temperature, "3", 2)
    assert_english(english, data)
    assert "Step 2" in english and "Temperature" in english


def test_compare_speaks_one_language(tiny, engines):
    tab, data = CompareTab(tiny, engines, 0.01), [*corpus_words(tiny), "明月"]
    chinese = answers_in("zh", tab.compare, "明月", "11", 0.9, 12)
    assert_chinese(chinese, data)
    assert "平均惊讶度" in chinese and "三个模型用同一串随机数" in chinese
    english = answers_in("en", tab.compare, "明月", "11", 0.9, 12)
    assert_english(english, data)
    assert "mean surprisal (bits)" in english and "same random numbers" in english


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_states_speaks_one_language(tiny, cell):
    tab, data = HiddenStatesTab(tiny), [*corpus_words(tiny), "量子", UNK]
    chinese = answers_in("zh", tab.hidden_states, "明月量子", cell)
    assert_chinese(chinese, data)
    assert "最大差别" in chinese and ("的门：无" in chinese) == (cell == "rnn")
    english = answers_in("en", tab.hidden_states, "明月量子", cell)
    assert_english(english, data)
    assert "largest difference" in english and ("gates: none" in english) == (cell == "rnn")


def test_open_box_speaks_one_language(tiny):
    tab, data = OpenBoxTab(tiny), [*corpus_words(tiny), "量子", UNK]
    assert_chinese(answers_in("zh", tab.open_box, "明月量子", 3), data)
    assert_english(answers_in("en", tab.open_box, "明月量子", 3), data)


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


# ---------------------------------------------------------------------------------------------
# Links: ?tab=<panel>&<input>=<value> fills the panel's inputs and presses its button.

GOOD = {  # the link's text → the widget's value
    "tokenize": {"text": ("明月几时有", "明月几时有"), "cell": ("gru", "gru")},
    "model": {},
    "next_words": {"start": ("明月", "明月"), "cell": ("lstm", "lstm"), "length": ("12", 12),
                   "temperature": ("0.5", 0.5), "seed": ("3", "3"), "step": ("4", 4)},
    "compare": {"start": (" 明月 ", "明月"), "seed": ("", ""), "temperature": ("1.2", 1.2), "length": ("20", 20),
                "top_p": ("0.9", 0.9), "cache": ("on", True)},
    "hidden_states": {"text": ("明月几时有", "明月几时有"), "cell": ("rnn", "rnn")},
    "open_box": {"text": ("明月光", "明月光"), "units": ("3", 3)},
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


# ---------------------------------------------------------------------------------------------
# Links in a real browser (the shipped weights): the panel opens inside its tabs, filled in, and runs once.

def test_a_link_opens_a_look_inside_panel_filled_in_and_runs_it(browser_app):
    from playwright.sync_api import expect

    page = new_page(browser_app, locale="en-US", query="?tab=hidden_states&text=明月几时有&cell=gru")
    try:
        panel = page.locator("#tab-hidden-states")
        expect(panel.locator("#hidden-info")).to_contain_text("GRU's gates: r, z, n")  # it ran, in English
        assert panel.get_by_label("Sentence").input_value() == "明月几时有"
        assert panel.get_by_role("radio", name="GRU").is_checked()
        assert not CJK.search(without(panel.inner_text(), ["明月几时有", *"明月几时有"]))
    finally:
        page.context.close()


def test_a_link_opens_the_model_tab(browser_app):
    from playwright.sync_api import expect

    import app

    page = new_page(browser_app, locale="zh-CN", query="?tab=model&colour=red")
    try:
        expect(page.locator("#model-summary table tbody tr")).to_have_count(len(app.CHECKPOINTS))
        expect(page.locator("#link-notice")).to_contain_text("'colour'")
    finally:
        page.context.close()

"""Neighbours, memorization, score a line, attention together: refusals in one language, recorded strings, links."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qsl

import pytest
from conftest import POEMS
from gradio_client.exceptions import AppError
from languages import CJK, answers_in, assert_chinese, assert_english
from panel_helpers import corpus_words

from lyricgen.tokens import lines_to_tokens
from lyricgen.web import i18n, limits, links
from lyricgen.web.tabs.attention import FORMULA, AttentionTab, text_lines
from lyricgen.web.tabs.memorized import MemorizedTab
from lyricgen.web.tabs.neighbours import NeighboursTab
from lyricgen.web.tabs.score_line import ScoreLineTab
from lyricgen.web.validate import InputError

PANELS = ("neighbours", "memorized", "score_line", "attention")


SONG = "\n".join(POEMS[:8] + POEMS[:4])


# ---------------------------------------------------------------------------------------------
# Links: ?tab=<panel>&<input>=<value> fills the panel's inputs and presses its button.

GOOD = {
    "neighbours": {"word": "明月", "cell": "gru"},
    "memorized": {"text": "床前明月光\n疑是地上霜", "cell": "rnn"},
    "score_line": {"text": "明月几时有"},
    "attention": {"text": SONG, "cell": "lstm", "position": "12"},
}


BAD = {  # one bad value each, and the notice that names it
    "neighbours": ({"word": "月" * (limits.MAX_WORD_CHARS + 1), "cell": "gru"}, "word", "too long"),
    "memorized": ({"text": "   ", "cell": "rnn"}, "text", "empty"),
    "score_line": ({"text": "月" * (limits.MAX_TEXT_CHARS + 1)}, "text", "too long"),
    "attention": ({"text": SONG, "cell": "transformer", "position": "3.5"}, "cell", "No model"),
}


def widget_values(values: dict) -> dict:
    """The values as each widget holds them: the attention position is a whole number."""
    return {name: int(value) if name == "position" else value for name, value in values.items()}


def test_attention_speaks_one_language(tiny):
    tab = AttentionTab(tiny)
    data = [*corpus_words(tiny), *lines_to_tokens(text_lines(SONG))]
    chinese = answers_in("zh", tab.attention, SONG, "lstm", 20)
    assert_chinese(chinese, data)
    assert "第 20 个词" in chinese and "有缓存" in chinese
    english = answers_in("en", tab.attention, SONG, "lstm", 20)
    assert_english(english, data)
    assert "Word #20" in english and "with cache" in english


@pytest.mark.parametrize(
    ("call", "in_english", "in_chinese"),  # not "english": that is conftest's fixture
    [
        (lambda tiny: NeighboursTab(tiny).neighbours(" ", "rnn"), "The word is empty", "请输入词"),
        (lambda tiny: NeighboursTab(tiny).neighbours("月" * (limits.MAX_WORD_CHARS + 1), "rnn"),
         "The word is too long", "词太长了"),
        (lambda tiny: MemorizedTab(tiny).memorized("", "lstm"), "The lyrics text is empty", "请输入歌词"),
        (lambda tiny: MemorizedTab({"lstm": dataclasses.replace(tiny["lstm"], fingerprint=None)}).memorized(
            "明月", "lstm"), "This model has no fingerprint.json", "这个模型没有指纹文件"),
        (lambda tiny: ScoreLineTab(tiny).score_line(" \n "), "The line is empty", "请输入句子"),
        (lambda tiny: AttentionTab(tiny).attention("\n\n", "gru", 5), "The lyrics text is empty", "请输入歌词"),
        (lambda tiny: AttentionTab(tiny).attention("我\n" * (limits.MAX_ATTENTION_CHARS // 2), "gru", 5),
         "Too many words: 2001 (line breaks included), at most 1500", "词太多了：2001 个（含换行），最多 1500 个"),
        (lambda tiny: AttentionTab(tiny).attention(SONG, "gru", 0), "The position must be between 1 and",
         "位置必须在 1 到"),
    ],
)
def test_errors_speak_one_language(tiny, call, in_english, in_chinese):
    with pytest.raises(InputError) as error:
        call(tiny)
    assert str(error.value).startswith(in_english) and not CJK.search(str(error.value))
    assert error.value.msg.render("zh").startswith(in_chinese)
    assert_chinese(error.value.msg.render("zh"), [])
    with i18n.using("zh"), pytest.raises(InputError, match=f"^{re.escape(in_chinese)}"):
        call(tiny)


@pytest.mark.parametrize(
    ("api_name", "args", "message"),
    [
        ("/neighbours", ("", "rnn"), "The word is empty"),
        ("/memorized", ("", "lstm"), "The lyrics text is empty"),
        ("/score_line", (" \n ",), "The line is empty"),
    ],
)
def test_client_gets_errors_in_its_language(served, api_name, args, message):
    client, _ = served  # its requests ask for English
    with pytest.raises(AppError, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert not CJK.search(str(info.value))


# ---------------------------------------------------------------------------------------------
# The layout: every string recorded, so that the page can be sent it in English.

def test_panels_strings_are_recorded_in_both_languages(built):
    keys = {msg.key for msg in built.strings.recorded.values()}
    for panel in PANELS:
        assert {f"{panel}.title", f"{panel}.explain", f"{panel}.button"} <= keys, panel
    ours = [msg for _, props, _ in built.strings.targets for msg in props.values()
            if isinstance(msg, i18n.Msg) and msg.key.split(".")[0] in PANELS]
    assert len(ours) >= 25
    for msg in ours:
        assert_english(msg.render("en"), [])
        assert_chinese(msg.render("zh"), [FORMULA])
    formula = [msg for msg in ours if msg.key == "attention.explanation"]
    assert formula and all("\\operatorname{softmax}" in msg.render(lang) for msg in formula for lang in ("zh", "en"))


@pytest.mark.parametrize("panel", PANELS)
def test_link_fills_the_panel_and_runs_it(built, panel):
    setup = built.setups[panel]
    assert setup.tab == panel and [tab for _, tab in setup.path] == ["inside", panel]
    assert list(setup.params) == list(GOOD[panel])
    assert setup.run is not None and setup.run.elem_id == f"run-{panel.replace('_', '-')}"  # cheap: run once
    with i18n.using("en"):
        filled = links.read_query(built.setups, {"tab": panel, **GOOD[panel]})
    assert filled.setup is setup and not filled.notices
    assert filled.values == widget_values(GOOD[panel])
    query = setup.query(*filled.values.values())  # the "copy link" button's link
    assert query.startswith(f"?tab={panel}&")
    with i18n.using("en"):
        again = links.read_query(built.setups, dict(parse_qsl(query[1:], keep_blank_values=True)))
    assert again.setup is setup and again.values == filled.values and not again.notices


@pytest.mark.parametrize("panel", PANELS)
def test_link_with_bad_values_gives_notices(built, panel):
    values, name, reason = BAD[panel]
    with i18n.using("en"):
        filled = links.read_query(built.setups, {"tab": panel, **values, "colour": "red"})
    assert name not in filled.values
    assert any(name in notice and reason in notice for notice in filled.notices), filled.notices
    assert any("'colour'" in notice for notice in filled.notices)
    assert not any(CJK.search(notice.replace(values.get(name, ""), "")) for notice in filled.notices)
    if panel == "attention":  # the position too: a whole number or nothing
        assert "position" not in filled.values and len(filled.notices) == 3
        assert filled.values == {"text": SONG.strip()}
    with i18n.using("zh"):
        chinese = links.read_query(built.setups, {"tab": panel, **values})
    assert chinese.notices and all(CJK.search(notice) for notice in chinese.notices)

"""One language at a time: the strings files, choosing a language, and the page sent in each language."""

from __future__ import annotations

import types

import gradio as gr
import pytest
from languages import CJK, english_sentence, without

from lyricgen.web import i18n
from lyricgen.web.i18n import DEFAULT, LANGUAGES, fields_of, t, text
from lyricgen.web.validate import InputError, check_text

# Strings whose English quotes a Chinese example input, which the student sees typed in the box.
EXAMPLE_KEYS = {"lesson.words.guess", "lesson.vectors.guess"}




def dummy_fields(template: str) -> dict:
    return {name: 1 for name in fields_of(template)}


def test_every_language_has_every_key_with_the_same_fields():
    default = LANGUAGES[DEFAULT].STRINGS
    assert "zh" in LANGUAGES and "en" in LANGUAGES
    for code, module in LANGUAGES.items():
        assert module.CODE == code and module.NAME
        assert set(module.STRINGS) == set(default), f"{code}: missing {set(default) - set(module.STRINGS)}"
        for key, template in module.STRINGS.items():
            assert fields_of(template) == fields_of(default[key]), f"{code}:{key} fills other fields"
            text(code, key, **dummy_fields(template))  # a stray brace would raise here


def test_english_strings_have_no_chinese_and_chinese_strings_no_english_sentences():
    for key, template in LANGUAGES["en"].STRINGS.items():
        if key not in EXAMPLE_KEYS and key != "page.language":  # the switch names both languages on purpose
            assert not CJK.search(template), f"en:{key} has Chinese: {template!r}"
    for key, template in LANGUAGES["zh"].STRINGS.items():
        assert english_sentence(template) is None, f"zh:{key} has an English sentence: {template!r}"


@pytest.mark.parametrize("header, expected", [
    ("en-US,en;q=0.9", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("zh-TW", "zh"),  # Traditional Chinese readers read Simplified better than English, until zh_hant.py exists
    ("fr-FR,fr;q=0.9,en;q=0.5", "en"),  # the first language we have, by weight
    ("en;q=0.2, zh;q=0.8", "zh"),
    ("en;q=0, fr", None),  # q=0 means "not English"
    ("fr-FR", None),
    ("", None),
    (None, None),
    ("en;q=abc", None),
])
def test_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


def request(session: str = "s1", query: dict | None = None, accept: str | None = None):
    return types.SimpleNamespace(session_hash=session, query_params=query or {},
                                 headers={"accept-language": accept} if accept else {})


def test_a_request_speaks_its_chosen_then_linked_then_browser_language_else_chinese():
    assert i18n.of_request(None) == DEFAULT == "zh"
    assert i18n.of_request(request("a", accept="fr")) == "zh"  # unsure: Chinese
    assert i18n.of_request(request("b", accept="en-GB")) == "en"
    assert i18n.of_request(request("c", {"lang": "zh"}, accept="en-GB")) == "zh"  # the link wins over the browser
    assert i18n.of_request(request("d", {"lang": "klingon"}, accept="en")) == "en"  # a bad ?lang= is ignored
    i18n.remember(request("c"), "en")  # then the switch wins over both
    assert i18n.of_request(request("c", {"lang": "zh"}, accept="zh")) == "en"


def test_remembered_sessions_are_bounded(monkeypatch):
    monkeypatch.setattr(i18n.limits, "MAX_SESSIONS", 3)
    for n in range(5):
        i18n.remember(request(f"bounded-{n}"), "en")
    assert len(i18n._sessions) <= 3
    assert i18n.of_request(request("bounded-4")) == "en" and i18n.of_request(request("bounded-0")) == "zh"


def test_using_and_fallback_to_the_default_language(monkeypatch):
    with i18n.using("zh"):
        assert t("tab.generate") == "生成"
    with i18n.using("en"):
        assert t("tab.generate") == "Generate"
    # A third language may start small: a key it lacks is said in Chinese.
    hant = types.SimpleNamespace(CODE="zh-Hant", NAME="繁體中文", ALIASES=("zh-TW",), STRINGS={"tab.generate": "生成"})
    monkeypatch.setitem(LANGUAGES, "zh-Hant", hant)
    assert i18n.match("zh-TW") == "zh-Hant" and i18n.match("zh-CN") == "zh"
    assert text("zh-Hant", "tab.lab") == text("zh", "tab.lab")


def test_input_errors_speak_the_request_language():
    with i18n.using("zh"):
        with pytest.raises(InputError) as info:
            check_text("x" * 5, 3, "field.start_text")
    assert str(info.value) == "开头文字太长了：5 个字符，最多 3 个" and info.value.title == "输入有误"
    assert info.value.msg.render("en") == "The start text is too long: 5 characters, at most 3"
    with pytest.raises(InputError) as info:  # the tests' own language: English
        check_text(3, 10, "field.seed")
    assert str(info.value) == "The seed must be text"


def test_a_page_is_built_in_chinese_and_sent_again_in_any_language():
    page = i18n.Page()
    with gr.Blocks() as demo, page.building():
        box = gr.Textbox(label=t("widget.start"), placeholder=t("widget.seed_placeholder"))
        radio = gr.Radio([(t("generate.file.on"), "on"), ("RNN", "rnn")], label=t("widget.cell"))
        title = gr.Markdown(t("page.title", device="cpu"))
        plain = gr.Markdown("星星")  # not from t(): data, left alone
    assert box.label == "开头文字" and radio.choices[0][0] == "开"
    targets = page.collect(demo.blocks)
    assert set(targets) == {box, radio, title} and plain not in targets
    english = dict(zip(targets, page.translate("en"), strict=True))
    assert english[box]["label"] == "Start text" and english[box]["placeholder"] == "e.g. 42"
    assert english[radio]["choices"] == [("on", "on"), ("RNN", "rnn")]
    assert english[title].startswith("# lyricgen · Lyrics") and "`cpu`" in english[title]  # a Markdown's text alone
    # is sent as its plain value (no update dict for Gradio to rebuild the component from)
    assert dict(zip(targets, page.translate("zh"), strict=True))[box]["label"] == "开头文字"


def test_one_chinese_string_cannot_mean_two_english_ones(monkeypatch):
    for key, zh, en in (("test.a", "模型", "Model"), ("test.b", "模型", "Cell type")):
        monkeypatch.setitem(LANGUAGES["zh"].STRINGS, key, zh)
        monkeypatch.setitem(LANGUAGES["en"].STRINGS, key, en)
    page = i18n.Page()
    with page.building():
        t("widget.generate")
        t("tab.generate")  # "生成" both times, "Generate" both times: fine
        t("test.a")
        with pytest.raises(ValueError, match="different zh words"):  # the page could not tell them apart
            t("test.b")


def as_props(update) -> dict:
    """A translation's update as {property: value}: a plain value is a Markdown's text."""
    return update if isinstance(update, dict) else {"value": update}


def test_the_whole_page_in_each_language(built):
    """Every string the built page shows, in English: no Chinese but data; in Chinese: no English sentence."""
    allowed = [i18n.text("en", key) for key in EXAMPLE_KEYS] + [i18n.text("en", "page.language")]  # quoted inputs
    for update in built.strings.translate("en"):
        for prop, value in as_props(update).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                shown = v[0] if isinstance(v, tuple) else v
                if isinstance(shown, str):
                    assert not CJK.search(without(shown, allowed)), f"{prop}: {shown!r}"
    for update in built.strings.translate("zh"):
        for prop, value in as_props(update).items():
            if isinstance(value, str):
                assert english_sentence(value) is None, f"{prop}: {value!r}"

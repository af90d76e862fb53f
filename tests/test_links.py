"""Links that set up a class (lyricgen/web/links.py) and the Lesson's "try it" buttons, without a browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from lyricgen.web import i18n, limits, links
from lyricgen.web.tabs.lesson import STEPS


def test_a_link_fills_generate_with_checked_values(built):
    filled = links.read_query(built.setups, {"tab": "generate", "start": "  星星 ", "cell": "gru",
                                             "temperature": "0.8", "seed": "7", "cache": "on", "lang": "en"})
    assert filled.setup is built.setups["generate"] and filled.notices == []
    assert filled.values == {"start": "星星", "cell": "gru", "temperature": 0.8, "seed": "7", "cache": True}


def test_bad_and_unknown_parameters_become_notices_not_values(built):
    query = {"tab": "generate", "temperature": "9", "length": "1e9", "seed": "x", "cell": "transformer",
             "start": "字" * (limits.MAX_TEXT_CHARS + 1), "cache": "maybe", "colour": "red", "top_k": "nan"}
    filled = links.read_query(built.setups, query)
    assert filled.values == {}  # the same limits as typed input
    text = "\n".join(filled.notices)
    for name in ("temperature", "length", "seed", "cell", "start", "cache", "top_k", "colour"):
        assert name in text
    assert "between 0 and 2" in text and "too long" in text  # the checks' own words, in the page's language
    with i18n.using("zh"):
        assert "看不懂" in links.read_query(built.setups, {"tab": "generate", "x": "1"}).notices[0]


def test_an_unknown_tab_or_no_tab(built):
    assert links.read_query(built.setups, {}).setup is None
    filled = links.read_query(built.setups, {"tab": "<script>"})
    assert filled.setup is None and "<script>" in filled.notices[0]


def test_a_copied_link_reads_back_as_the_same_setup(built):
    setup = built.setups["generate"]
    values = ["夏天的风 & 雨?", 40, 1.25, "rnn", 5, " 11 ", 0.9, True]  # in the order of its inputs
    query = setup.query(*values)
    parsed = {k: v[0] for k, v in parse_qs(urlsplit(query).query).items()}
    filled = links.read_query(built.setups, parsed)
    assert filled.notices == []
    assert filled.values == {"start": "夏天的风 & 雨?", "length": 40, "temperature": 1.25, "cell": "rnn", "top_k": 5,
                             "seed": "11", "top_p": 0.9, "cache": True}
    assert setup.query(None, object(), "x", "rnn").startswith("?tab=generate")  # whatever a client sends: a link


def test_the_page_opens_a_link_on_the_panel_it_names(built):
    updates = built.open_setup({"tab": "generate", "seed": "7", "bogus": "1"})
    assert len(updates) == len(built.setup_outputs)
    tabs = dict(zip(built.tabs, updates[:len(built.tabs)], strict=True))
    assert [u.get("selected") for u in tabs.values() if u.get("selected")] == ["generate"]
    notice, autorun = updates[-2], updates[-1]
    assert notice["visible"] and "bogus" in notice["value"]
    assert autorun == built.setups["generate"].run.elem_id  # generation is cheap: it runs once


def test_the_lesson_meets_every_panel_once(built):
    opened = [query["tab"] for step in STEPS for _, query in step.try_its]
    assert sorted(opened) == sorted(built.setups), "every panel once, and only panels that offer links"
    assert len(STEPS) == 8
    for step in STEPS:
        for _, query in step.try_its:
            filled = links.read_query(built.setups, query)
            assert filled.notices == [], (query, filled.notices)  # the Lesson's own links are all valid
            assert set(filled.values) == set(query) - {"tab"}

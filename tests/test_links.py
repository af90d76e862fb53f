"""Links that set up a class (lyricgen/web/links.py) and the Lesson's "try it" buttons, without a browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import gradio as gr

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
    """A panel's opener: its tabs selected, the link's usable values filled in, the rest left as they are."""
    setup = built.setups["hidden_states"]
    updates = built.open_panel(setup, "?tab=hidden_states&text=%E6%98%8E%E6%9C%88&cell=gru&bogus=1&lang=en")
    tabs, values, notice = updates[:len(setup.path)], updates[len(setup.path):-1], updates[-1]
    assert [u["selected"] for u in tabs] == ["inside", "hidden_states"]  # the outer tab, then the panel
    assert dict(zip(setup.params, values, strict=True)) == {"text": "明月", "cell": "gru"}
    assert notice["visible"] and "bogus" in notice["value"]
    clean = built.open_panel(built.setups["generate"], "?tab=generate&seed=7")
    assert clean[1] == gr.skip() and "7" in clean and clean[-1] == {"__type__": "update", "visible": False}


def test_the_lesson_meets_every_panel_once(built):
    opened = [query["tab"] for step in STEPS for _, query in step.try_its]
    assert sorted(opened) == sorted(built.setups), "every panel once, and only panels that offer links"
    assert len(STEPS) == 8
    for step in STEPS:
        for _, query in step.try_its:
            filled = links.read_query(built.setups, query)
            assert filled.notices == [], (query, filled.notices)  # the Lesson's own links are all valid
            assert set(filled.values) == set(query) - {"tab"}

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
    # A lone surrogate (JSON carries one as "\ud800") has no UTF-8 to put in a link: left out, the rest kept.
    assert setup.query("\ud800", 40).startswith("?tab=generate&length=40")


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


# What a hostile link puts in the notice: a Markdown link, a Markdown picture (every student's browser would
# fetch it), an HTML element, an autolink, and Markdown emphasis and maths.
HOSTILE_QUERIES = [
    {"tab": "[Log in again](http://evil.example/)"},
    {"tab": "![x](http://127.0.0.1:9/t.png)"},
    {"tab": "generate", "cell": "<svg onload=alert(1)>"},
    {"tab": "generate", "<img src=http://127.0.0.1:9/x.png>": "1"},
    {"tab": "generate", "seed": "http://evil.example/ **bold** $$x$$ &amp;"},
]


def test_a_notice_shows_what_the_link_carries_as_text(built):
    from html.parser import HTMLParser

    from lyricgen.web.links import notice_update

    class Parts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.text.append(data)

    for query in HOSTILE_QUERIES:
        notices = links.read_query(built.setups, query).notices
        assert notices, query
        parts = Parts()
        parts.feed(notice_update(notices, hidden="")["value"])
        assert set(parts.tags) == {"p"}, parts.tags  # one paragraph a line, and nothing the link brought
        assert parts.text == [f"⚠️ {n}" for n in notices]  # the same characters, back as text
        quoted = [value for value in query.values() if value != "generate"] + [k for k in query if k != "tab"]
        assert any(any(q[:20] in line for q in quoted) for line in parts.text), (query, parts.text)


def test_a_copied_link_stays_short_enough_for_the_server(built):
    """The Lab's pasted lyrics may be 30,000 characters, far more than a link holds: the link leaves them out
    and keeps the rest; an attention link with a whole song fits."""
    train = built.setups["train"]
    query = train.query(*[limits.LAB_MAX_TEXT_CHARS * "月" if name == "text" else None for name in train.params])
    assert len(query) <= limits.MAX_LINK_CHARS and "text" not in parse_qs(query[1:])
    attention = built.setups["attention"]
    song = ("明月几时有\n" * limits.MAX_ATTENTION_CHARS)[: limits.MAX_ATTENTION_CHARS]
    query = attention.query(song, "gru", 5)
    assert len(query) <= limits.MAX_LINK_CHARS
    read = links.read_query(built.setups, {k: v[0] for k, v in parse_qs(query[1:]).items()})
    assert read.values["text"] == song.strip()

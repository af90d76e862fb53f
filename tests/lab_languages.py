"""Helpers for the Lab's language tests: prose, one language asserted, a link read and round-tripped."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from lyricgen.web import i18n, links

CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")  # Chinese characters and full-width punctuation


def prose(text: str) -> str:
    """The words a student reads as sentences: without code blocks and spans (PyTorch's message, the code line)
    and without identifiers (seq_len, h_t, L_train), which read the same in every language."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.S)
    return re.sub(r"\w*_\w*", " ", text)


def assert_chinese(text: str) -> None:
    """Chinese, with no run of four English words (as tests/test_i18n.py finds a sentence; single letters are
    symbols: the gates i, f, g, o)."""
    assert CJK.search(text), text
    found = re.search(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){3,}", prose(text))
    assert found is None, found.group(0)


def assert_english(text: str) -> None:
    assert not CJK.search(text), text


# ---------------------------------------------------------------------------------------------
# Links: ?tab=train|gradients|shapes&…


def read(built, query: dict) -> links.Filled:
    with i18n.using("en"):
        return links.read_query(built.setups, query)


def round_trip(built, filled: links.Filled) -> None:
    """The link copied from the filled panel opens the same values again."""
    setup = filled.setup
    query = setup.query(*(filled.values[name] for name in setup.params))
    again = read(built, dict(parse_qsl(query.removeprefix("?"))))
    assert again.setup is setup and again.values == filled.values and not again.notices

"""What a student reads, and whether it is in one language: helpers for the tests of the page's languages."""

from __future__ import annotations

import re

import pandas as pd
from conftest import answers

from lyricgen.web import i18n

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")  # Chinese characters and full-width punctuation
# Latin words a Chinese sentence may hold: names of cells, tools, tensors and units, and the special tokens.
TECHNICAL = {"GRU", "LSTM", "PCA", "RNN", "Transformer", "W_hh", "W_ih", "b_hh", "b_ih", "batch", "bits", "c_t",
             "cos", "cpu", "embed_dim", "embedding", "eol", "fingerprint", "gram", "h_i", "h_t", "ids", "input_size",
             "jieba", "json", "key", "log", "meaning", "metrics", "name", "nats", "p_T", "pos", "ppl", "query",
             "seq_len", "shape", "softmax", "steps", "sum", "tanh", "top", "train_loss", "units", "unk", "unsqueeze",
             "val_loss", "vocab_size", "weight", "x_t"}


def english_sentence(s: str) -> str | None:
    """The first run of four or more English words outside code and formulas, or None."""
    s = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<[^>]+>|https?://\S+", " ", s, flags=re.S)
    found = re.search(r"[A-Za-z]+(?:[ ,'’-]+[A-Za-z]+){3,}", s)
    return found.group(0) if found else None


def shown(value: object) -> str:
    """What a student reads of a handler's answer: a table's headers and text cells, HTML's text and tooltips,
    Markdown as it is. A bar chart's frame (columns "word" and "probability") shows only its words: its
    column names are the plot's field names, and its axis titles are the page's own strings."""
    if isinstance(value, pd.DataFrame):
        cells = [str(v) for column in value.columns for v in value[column] if isinstance(v, str)]
        names = [] if list(value.columns) == ["word", "probability"] else list(map(str, value.columns))
        return " ".join([*names, *cells])
    if isinstance(value, str):
        titles = re.findall(r'title="([^"]*)"', value)
        return " ".join([re.sub(r"<[^>]+>", " ", value), *titles])
    return ""


def without(text: str, data: list[str]) -> str:
    """text without the data in it (words of the vocabulary, what the student typed)."""
    for word in sorted(set(data), key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def assert_chinese(text: str, data: list[str]) -> None:
    code = re.sub(r"`[^`]*`|\$\$.*?\$\$", " ", without(text, data), flags=re.S)
    english = set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", code)) - TECHNICAL
    assert not english, english
    assert CJK.search(text)


def assert_english(text: str, data: list[str]) -> None:
    assert not CJK.findall(without(text, data)), without(text, data)


def answers_in(lang: str, handler, *args) -> str:
    """Every update of the handler's answer (a stream's too), as the student reads it, in one language."""
    with i18n.using(lang):
        updates = [update if isinstance(update, tuple) else (update,) for update in answers(handler(*args))]
    return " ".join(shown(value) for update in updates for value in update)

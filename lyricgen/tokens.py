"""Text → tokens: jieba word segmentation (or single characters), one lyric line at a time.

A lyric file is a list of lines; each line becomes its words followed by the line-break token
EOL, and the whole text starts with EOL too, so that the first word of a file is predicted
"at the start of a line", exactly like every other first word.

A vocabulary says how its text is split (Vocab.split): "word", jieba's words, as the shipped models
read lyrics; or "char", one token per character, which the Lab offers for classical poems: jieba
splits them into words most of which occur once, so a short text teaches a word-level model little.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import jieba

UNK = "<unk>"  # stands for every word that is not in the vocabulary
EOL = "<eol>"  # the line break between two lyric lines
SPECIALS = (UNK, EOL)
SPLITS = ("word", "char")  # how a line becomes tokens: jieba's words, or its characters

_init_lock = threading.Lock()
_initialized = False


def init_jieba() -> None:
    """Load jieba's dictionary once per process (about a second); later calls are free."""
    global _initialized
    if _initialized:
        return
    with _init_lock:
        if not _initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _initialized = True


def split_words(text: str, split: str = "word") -> list[str]:
    """The tokens of one line: jieba's words, without the whitespace tokens jieba keeps between them; or,
    split="char", its characters but spaces."""
    if split == "char":
        return [ch for ch in text if not ch.isspace()]
    if split != "word":
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    init_jieba()
    return [word for word in jieba.lcut(text.strip()) if word.strip()]


def read_lines(path: str) -> list[str]:
    """The non-empty, stripped lines of a UTF-8 text file."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def text_lines(text: str) -> list[str]:
    """The non-empty lines of a typed text, stripped: blank lines between verses are dropped, as in training."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def text_words(text: str, split: str = "word") -> list[str]:
    """A typed text's tokens as training saw them: each line's words, EOL between two lines.

    No EOL before the first line or after the last: a start text may stop mid-line, and the callers
    put the start-of-line EOL in front themselves (a prompt starts "at the beginning of a line").
    """
    words: list[str] = []
    for i, line in enumerate(text_lines(text)):
        if i:
            words.append(EOL)
        words.extend(split_words(line, split))
    return words


def lines_to_tokens(lines: Iterable[str], split: str = "word") -> list[str]:
    """[EOL, words of line 1..., EOL, words of line 2..., EOL]: the token stream models are trained on."""
    tokens = [EOL]
    for line in lines:
        tokens.extend(split_words(line, split))
        tokens.append(EOL)
    return tokens


def join_words(words: Iterable[str]) -> str:
    """Tokens back to text: Chinese words touch, Latin words keep a space, EOL is a new line."""
    out: list[str] = []
    for word in words:
        if word == EOL:
            out.append("\n")
            continue
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and word[:1].isascii() and word[:1].isalnum():
            out.append(" ")
        out.append(word)
    return "".join(out)

"""Did the model write this, or remember it? Generated lines checked against the training fingerprint.

Training saves hashes of its lines and of every run of RUN_WORDS (6) words (fingerprint.py), not
the lyrics. A generated line whose words hash like a training line was copied whole; a run of six
or more words hashing like a training run was copied in part, perhaps across a line break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..fingerprint import Fingerprint
from ..tokens import EOL, join_words, split_words


@dataclass
class LineMark:
    index: int  # line number, from 0
    words: list[str]
    seen: bool  # the whole line occurs verbatim in the training lyrics
    copied: list[bool]  # per word: inside a copied run of ≥ run_words words

    @property
    def text(self) -> str:
        return join_words(self.words)


@dataclass
class MemoryReport:
    lines: list[LineMark]  # the non-empty lines, in order
    spans: list[tuple[int, int]]  # copied runs as (start, end) in the word stream ("\n" between lines)
    run_words: int  # a copied run is at least this many words

    @property
    def seen_lines(self) -> int:
        return sum(line.seen for line in self.lines)

    @property
    def seen_share(self) -> float:
        """Share of the lines that occur verbatim in training: the headline number."""
        return self.seen_lines / max(1, len(self.lines))

    @property
    def copied_word_share(self) -> float:
        """Share of the words that lie in a copied run."""
        words = [c for line in self.lines for c in line.copied]
        return sum(words) / max(1, len(words))


def to_stream(words_or_text: Sequence[str] | str, split: str = "word") -> list[str]:
    """Tokens (EOL or "\\n" for line breaks) or text → the fingerprint's stream: words, "\\n" between lines.

    Text is split line by line as the training lines were (split: tokens.SPLITS, the model vocabulary's);
    a token list is taken as it is, since those are the very words the model produced.
    """
    if isinstance(words_or_text, str):
        stream: list[str] = []
        for line in words_or_text.splitlines():
            stream.extend(split_words(line, split))
            stream.append("\n")
        return stream
    return ["\n" if w in (EOL, "\n") else w for w in words_or_text]


def check_memorization(words_or_text: Sequence[str] | str, fingerprint: Fingerprint,
                       split: str = "word") -> MemoryReport:
    """Mark the lines seen verbatim in training and the words inside copied runs of ≥ run_words words
    (split: how the training text was split, for a text)."""
    stream = to_stream(words_or_text, split)
    spans = fingerprint.copied_spans(stream)
    in_run = [False] * len(stream)
    for start, end in spans:
        in_run[start:end] = [True] * (end - start)
    lines: list[LineMark] = []
    words: list[str] = []
    flags: list[bool] = []
    for word, flag in zip([*stream, "\n"], [*in_run, False], strict=True):  # a final "\n" closes the last line
        if word != "\n":
            words.append(word)
            flags.append(flag)
        elif words:
            lines.append(LineMark(len(lines), words, fingerprint.line_seen(words), flags))
            words, flags = [], []
    return MemoryReport(lines, spans, fingerprint.run_words)

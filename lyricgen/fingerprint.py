"""Memorization check without shipping the lyrics: hashes of training lines and word n-grams.

Training writes fingerprint.json next to the weights; generated text is checked against it:
a generated line that hashes like a training line, or a run of RUN_WORDS words that hashes
like one in the training text, was (almost surely) copied from the corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

RUN_WORDS = 6  # a copied run is this many words or more
DIGEST_BYTES = 8  # 64-bit hashes: collisions among ~10^5 entries are vanishingly unlikely


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST_BYTES).hexdigest()


def line_key(words: Sequence[str]) -> str:
    return digest("\u0001".join(words))


class Fingerprint:
    """The hashes of the training lines and of every run of run_words words, as sets for quick look-ups."""

    def __init__(self, run_words: int, lines: Iterable[str], runs: Iterable[str]):
        self.run_words = int(run_words)
        self.lines = set(lines)
        self.runs = set(runs)

    @classmethod
    def build(cls, lines_words: Iterable[Sequence[str]], run_words: int = RUN_WORDS) -> Fingerprint:
        """lines_words: the training lines, each as its jieba words."""
        lines, runs = set(), set()
        stream: list[str] = []
        for words in lines_words:
            if words:
                lines.add(line_key(words))
            stream.extend(words)
            stream.append("\n")  # runs may cross a line break, as copied lyrics do
        for i in range(len(stream) - run_words + 1):
            window = stream[i : i + run_words]
            if "\n" not in (window[0], window[-1]):
                runs.add(line_key(window))
        return cls(run_words, lines, runs)

    @classmethod
    def from_json(cls, data: dict) -> Fingerprint:
        """fingerprint.json's object → a Fingerprint; KeyError or TypeError when a field is missing or wrong."""
        return cls(data["run_words"], data["lines"], data["runs"])

    def to_json(self) -> dict:
        return {"run_words": self.run_words, "lines": sorted(self.lines), "runs": sorted(self.runs)}

    def line_seen(self, words: Sequence[str]) -> bool:
        return bool(words) and line_key(words) in self.lines

    def copied_spans(self, stream: Sequence[str]) -> list[tuple[int, int]]:
        """(start, end) word spans of stream ("\\n" for line breaks) that occur in the training text,
        each at least run_words long; overlapping windows are merged."""
        spans: list[tuple[int, int]] = []
        n = self.run_words
        for i in range(len(stream) - n + 1):
            window = stream[i : i + n]
            if "\n" in (window[0], window[-1]) or line_key(window) not in self.runs:
                continue
            if spans and i <= spans[-1][1]:
                spans[-1] = (spans[-1][0], i + n)
            else:
                spans.append((i, i + n))
        return spans

"""Tokens → ids: the vocabulary, saved as vocab.json (a JSON list of tokens in id order)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from .tokens import EOL, SPECIALS, UNK


class Vocab:
    """A fixed list of tokens; id i is tokens[i]. Every word outside the list maps to UNK."""

    def __init__(self, tokens: list[str]):
        if list(tokens[: len(SPECIALS)]) != list(SPECIALS):
            raise ValueError(f"a vocabulary must start with the special tokens {list(SPECIALS)}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary must not hold a token twice")
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.unk_id = self.index[UNK]
        self.eol_id = self.index[EOL]

    @classmethod
    def build(cls, tokens: Iterable[str], min_count: int = 2) -> Vocab:
        """Keep words seen at least min_count times, most frequent first.

        Rarer words stay out on purpose: in training they become UNK, so the model learns how
        likely "some word I do not know" is, which is what it meets in unseen lyrics.
        """
        counts = Counter(t for t in tokens if t not in SPECIALS)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.index.get(t, self.unk_id) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.tokens, f, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path: str) -> Vocab:
        with open(path, encoding="utf-8") as f:
            tokens = json.load(f)
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError(f"{path}: expected a JSON list of token strings")
        return cls(tokens)

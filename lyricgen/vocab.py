"""Tokens → ids: the vocabulary, saved as vocab.json: a JSON list of tokens in id order (words, as jieba splits
a line), or {"split": "char", "tokens": [...]} for a vocabulary of characters (tokens.SPLITS)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from .tokens import EOL, SPECIALS, SPLITS, UNK, lines_to_tokens, text_words


class Vocab:
    """A fixed list of tokens; id i is tokens[i]. Every word outside the list maps to UNK. split says how text
    becomes its tokens: words() and stream() split any text the way this vocabulary's training text was."""

    def __init__(self, tokens: list[str], split: str = "word"):
        if split not in SPLITS:
            raise ValueError(f"a vocabulary's split must be one of {SPLITS}, not {split!r}")
        if list(tokens[: len(SPECIALS)]) != list(SPECIALS):
            raise ValueError(f"a vocabulary must start with the special tokens {list(SPECIALS)}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary must not hold a token twice")
        self.tokens = list(tokens)
        self.split = split
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.unk_id = self.index[UNK]
        self.eol_id = self.index[EOL]

    @classmethod
    def build(cls, tokens: Iterable[str], min_count: int = 2, split: str = "word") -> Vocab:
        """Keep words seen at least min_count times, most frequent first.

        Rarer words stay out on purpose: in training they become UNK, so the model learns how
        likely "some word I do not know" is, which is what it meets in unseen lyrics.
        """
        counts = Counter(t for t in tokens if t not in SPECIALS)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *kept], split)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.index.get(t, self.unk_id) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def words(self, text: str) -> list[str]:
        """A typed text's tokens as this vocabulary's training text was split (tokens.text_words)."""
        return text_words(text, self.split)

    def stream(self, lines: Iterable[str]) -> list[str]:
        """Lines → [EOL, tokens of line 1..., EOL, ...], split as this vocabulary's training text was."""
        return lines_to_tokens(lines, self.split)

    def save(self, path: str) -> None:
        saved = self.tokens if self.split == "word" else {"split": self.split, "tokens": self.tokens}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(saved, f, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path: str) -> Vocab:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        split = "word"
        if isinstance(saved, dict) and set(saved) == {"split", "tokens"}:
            split, saved = saved["split"], saved["tokens"]
        if not isinstance(saved, list) or not all(isinstance(t, str) for t in saved):
            raise ValueError(f"{path}: expected a JSON list of token strings, or {{\"split\": …, \"tokens\": […]}}")
        return cls(saved, split)

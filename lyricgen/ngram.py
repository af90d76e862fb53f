"""A baseline to beat: an interpolated Kneser-Ney n-gram model over the same vocabulary.

It only counts which words followed which (up to order-1 previous words) and backs off to
shorter histories, so it is a good contrast to the RNN, whose hidden state can in principle
remember the whole line. Probabilities are over the whole vocabulary and sum to 1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence


class KneserNey:
    def __init__(self, ids: Sequence[int], vocab_size: int, order: int = 5):
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        self.vocab_size = vocab_size
        ids = tuple(ids)
        # counts[n][gram]: raw counts of n-grams (used at the longest history);
        # cont[n][gram]: in how many different contexts gram follows (used at shorter ones).
        self.counts = [Counter() for _ in range(order + 1)]
        for n in range(1, order + 1):
            for i in range(len(ids) - n + 1):
                self.counts[n][ids[i : i + n]] += 1
        self.cont = [Counter() for _ in range(order + 1)]
        for n in range(1, order):
            for gram in self.counts[n + 1]:
                self.cont[n][gram[1:]] += 1
        # Per history: total count and number of distinct next words, for both kinds of count.
        self.stats = [self._history_stats(self.counts[n]) for n in range(order + 1)]
        self.cont_stats = [self._history_stats(self.cont[n]) for n in range(order + 1)]
        self.discount = [self._discount(self.counts[n]) for n in range(order + 1)]
        self.cont_discount = [self._discount(self.cont[n]) for n in range(order + 1)]

    @staticmethod
    def _history_stats(counter: Counter) -> dict:
        stats: dict = defaultdict(lambda: [0, 0])
        for gram, c in counter.items():
            s = stats[gram[:-1]]
            s[0] += c
            s[1] += 1
        return dict(stats)

    @staticmethod
    def _discount(counter: Counter) -> float:
        """D = n1 / (n1 + 2 n2), from the numbers of n-grams seen once and twice (Ney et al.)."""
        n1 = sum(1 for c in counter.values() if c == 1)
        n2 = sum(1 for c in counter.values() if c == 2)
        return n1 / (n1 + 2 * n2) if n1 + n2 else 0.5

    def prob(self, history: Sequence[int], word: int) -> float:
        """P(word | the last order-1 ids of history)."""
        history = tuple(history[len(history) - self.order + 1 :]) if self.order > 1 else ()
        return self._prob(history, word, highest=True)

    def _prob(self, history: tuple, word: int, highest: bool) -> float:
        n = len(history) + 1
        counts, stats, d = (
            (self.counts[n], self.stats[n], self.discount[n])
            if highest
            else (self.cont[n], self.cont_stats[n], self.cont_discount[n])
        )
        lower = self._prob(history[1:], word, highest=False) if n > 1 else 1.0 / self.vocab_size
        total, types = stats.get(history, (0, 0))
        if total == 0:  # history never seen: everything goes to the shorter history
            return lower
        c = counts.get((*history, word), 0)
        return max(c - d, 0.0) / total + d * types / total * lower

    def log_prob(self, history: Sequence[int], word: int) -> float:
        return math.log(self.prob(history, word))

    def mean_nll(self, ids: Sequence[int]) -> float:
        """Mean negative log-likelihood (nats) of ids[1:], each given the ids before it."""
        ids = list(ids)
        total = sum(-self.log_prob(ids[max(0, i - self.order + 1) : i], ids[i]) for i in range(1, len(ids)))
        return total / max(1, len(ids) - 1)

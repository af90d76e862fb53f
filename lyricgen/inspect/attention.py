"""Where the continuous cache looked: per word, its probability without and with the cache, and the weights.

Indexing is by token. Row j of the weights is the prediction of tokens[j] (made from the state
after tokens[j − 1]); column k < j is an earlier token the cache proposed, because the state just
before it (after tokens[k − 1]) resembled the current one. So the matrix is strictly lower
triangular, and zero for k < j − N (beyond the window). Rows 0 and 1 are all zeros: nothing
predicts the first token, and the second is predicted while the cache is still empty.

Numbers only (tensors, lists, DataFrames); the web panel renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from ..cache import CacheSettings, attention_weights, cache_target_log_probs, hidden_and_log_probs, mix_log_probs
from ..model import LyricModel
from ..vocab import Vocab

# Tokens (words and line breaks) one call takes at most: the (T, T) weights, their cost and the page's picture
# of them grow as T². Owned here, where the matrix is made, so every caller is bounded; the page
# (lyricgen/web/limits.py) reads it from here, since lyricgen/web depends on the core and never the reverse.
MAX_ATTENTION_TOKENS = 1500
TOP_POSITIONS = 5  # earlier positions listed for the chosen one


@dataclass
class CacheAttention:
    tokens: list[str]  # the text's tokens as given (an unknown word keeps its text; the model read <unk>)
    ids: list[int]  # their vocabulary ids
    p_model: torch.Tensor  # (T,) p(tokens[j] | tokens[:j]) without the cache; NaN at j = 0
    p_cache: torch.Tensor  # (T,) the same with the cache mixed in; NaN at j = 0
    weights: torch.Tensor  # (T, T) row j: the cache's weights when predicting tokens[j], over earlier tokens k < j
    settings: CacheSettings
    position: int  # the chosen position, whose top earlier positions are in `top`
    top: pd.DataFrame  # position, word, after, lag, weight, same: see top_positions

    def table(self) -> pd.DataFrame:
        """One row per token: position, word, p_model, p_cache (NaN for the first token)."""
        return pd.DataFrame({"position": range(len(self.tokens)), "word": self.tokens,
                             "p_model": self.p_model.tolist(), "p_cache": self.p_cache.tolist()})

    def top_positions(self, position: int, k: int = TOP_POSITIONS) -> pd.DataFrame:
        """The k earlier tokens with most weight when predicting tokens[position], heaviest first.

        Columns: position (k), word (the token the cache proposed), after (the token just before it,
        whose state was compared), lag (position − k), weight, same (the proposal is the actual word).
        """
        if not 0 <= position < len(self.tokens):
            raise ValueError(f"position must be in [0, {len(self.tokens) - 1}], got {position}")
        row = self.weights[position]  # (T,)
        nonzero = int((row > 0).sum())
        values, cols = torch.topk(row, min(k, nonzero))
        rows = [{"position": c, "word": self.tokens[c], "after": self.tokens[c - 1], "lag": position - c,
                 "weight": float(v), "same": self.ids[c] == self.ids[position]}
                for v, c in zip(values.tolist(), cols.tolist(), strict=True)]
        return pd.DataFrame(rows, columns=["position", "word", "after", "lag", "weight", "same"])


def cache_attention(
    model: LyricModel,
    vocab: Vocab,
    tokens: Sequence[str],
    settings: CacheSettings,
    position: int | None = None,
    top: int = TOP_POSITIONS,
) -> CacheAttention:
    """Score tokens with and without the cache and keep the cache's weights; position defaults to the last token.

    tokens is a token stream as lines_to_tokens makes it (usually starting with <eol>).
    """
    tokens = list(tokens)
    if len(tokens) < 2:
        raise ValueError("nothing to show: at least two tokens are needed")
    if len(tokens) > MAX_ATTENTION_TOKENS:
        raise ValueError(f"{len(tokens)} tokens: at most {MAX_ATTENTION_TOKENS} for the attention matrix")
    ids = vocab.encode(tokens)
    hs, lp_model = hidden_and_log_probs(model, ids)  # (T - 1, hidden), (T - 1,)
    next_ids = torch.tensor(ids[1:], dtype=torch.long)
    lp_mixed = mix_log_probs(lp_model, cache_target_log_probs(hs, next_ids, settings.theta, settings.window),
                             settings.lam)
    nan = torch.tensor([float("nan")])
    T = len(tokens)
    weights = torch.zeros(T, T)
    # State index t predicts token t + 1 and its key proposes token t + 1: shift both axes by one.
    weights[1:, 1:] = attention_weights(hs, settings)  # (T - 1, T - 1)
    result = CacheAttention(
        tokens=tokens,
        ids=ids,
        p_model=torch.cat([nan, lp_model.exp()]),
        p_cache=torch.cat([nan, lp_mixed.exp()]),
        weights=weights,
        settings=settings,
        position=T - 1 if position is None else position,
        top=pd.DataFrame(),
    )
    result.top = result.top_positions(result.position, top)
    return result

"""The continuous cache (Grave, Joulin & Usunier, ICLR 2017): remember what followed similar states.

At every position t the model's next-word distribution is mixed with one built from the recent past:

    p(w) = (1 − λ)·p_model(w) + λ·Σ_i softmax_i(θ·h_t·h_i)·[w_{i+1} = w],   t − N ≤ i < t

where h is the top layer's output (the vector the output head reads, in eval mode) and the cache
holds the pairs (h_i, w_{i+1}) of the last N positions. Songs repeat their choruses: once a line has
been heard, the state at its second start resembles the state at its first, and the cache copies
the word that came next. No training is involved; λ, θ and N are chosen on validation text.

One implementation serves every use:

    attention_logits   the scores θ·h_t·h_i of queries against keys, -inf outside the window
    mix_log_probs      the mixture in log space (evaluation, grid search)
    cache_target_log_probs / cache_log_probs
                       a whole text, vectorized: banded matrix products per chunk of queries
    Cache              the same, one step at a time, for generation (add / mix)
    attention_weights  the (T, T) weights, for the attention panel (lyricgen.inspect.attention)

Numbers only: no gradio here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F

from .model import Hidden, LyricModel, evaluating

CACHE_KEY = "cache"  # the key of metrics.json that holds CacheSettings.to_dict()
RUN_CHUNK = 512  # tokens per model call when computing hidden states (the hidden state is carried)
QUERY_CHUNK = 256  # query positions per banded matrix product: bounds memory at QUERY_CHUNK × (QUERY_CHUNK + N)


@dataclass(frozen=True)
class CacheSettings:
    lam: float  # λ: the cache's share of the mixture, in [0, 1]; 0 = the plain model
    theta: float  # θ: sharpness of the attention over cached states; 0 = every cached word alike
    window: int  # N: how many of the latest positions the cache holds (older ones are forgotten)
    min_lag: int = 1  # the nearest position looked at: 1 = the one just before (scoring); more skips the recent past

    def __post_init__(self) -> None:
        # Checked here, as every caller (CLI flags, metrics.json, the app) goes through this constructor.
        for name in ("lam", "theta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"cache {name} must be a finite number, got {value!r}")
        if not 0 <= self.lam <= 1:
            raise ValueError(f"cache lam must be in [0, 1], got {self.lam!r}")
        if self.theta < 0:
            raise ValueError(f"cache theta must be ≥ 0, got {self.theta!r}")
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 1:
            raise ValueError(f"cache window must be a whole number ≥ 1, got {self.window!r}")
        if isinstance(self.min_lag, bool) or not isinstance(self.min_lag, int) or not 1 <= self.min_lag <= self.window:
            raise ValueError(f"cache min_lag must be a whole number from 1 to the window, got {self.min_lag!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> CacheSettings:
        """From to_dict()'s output; other keys (figures recorded beside the settings) are ignored."""
        if not isinstance(data, dict):
            raise ValueError(f"cache settings must be a JSON object, got {type(data).__name__}")
        missing = [k for k in ("lam", "theta", "window") if k not in data]
        if missing:
            raise ValueError(f"cache settings lack {missing}")
        window = data["window"]
        if isinstance(window, float) and window.is_integer():  # JSON writers may turn 500 into 500.0
            window = int(window)
        return cls(lam=data["lam"], theta=data["theta"], window=window, min_lag=int(data.get("min_lag", 1)))


GENERATION_LAM_SCALE = 0.5  # generation mixes in this share of the λ chosen for scoring (bench/repetition.py)
GENERATION_MIN_LAG = 8  # and looks back past the current line: about a lyric line's words and its line break


def recorded_settings(metrics: dict, strict: bool = False) -> CacheSettings | None:
    """The settings training chose and metrics.json records under CACHE_KEY; None when there are none.

    A record that is there but unusable is None as well, or with strict, the ValueError that says why
    (evaluate's --cache and the attention panel tell the student).
    """
    record = metrics.get(CACHE_KEY)
    if record is None:
        return None
    try:
        return CacheSettings.from_dict(record)
    except (ValueError, TypeError):
        if strict:
            raise
        return None


def for_generation(settings: CacheSettings) -> CacheSettings:
    """The settings to write with. A model that samples from its own mixture feeds the cache its own
    words: with the λ chosen for scoring it copies its recent lines over and over, and since a state
    resembles the one just before it, the word just written is proposed again ("着着着着"). A smaller
    share and no look at the current line keep the choruses without the loops."""
    return CacheSettings(settings.lam * GENERATION_LAM_SCALE, settings.theta, settings.window,
                         min(GENERATION_MIN_LAG, settings.window))


# ---------------------------------------------------------------- the shared arithmetic


def attention_logits(
    queries: torch.Tensor, keys: torch.Tensor, q_pos: torch.Tensor, k_pos: torch.Tensor, theta: float, window: int,
    min_lag: int = 1,
) -> torch.Tensor:
    """θ·q·k for every query and key, -inf where key position i is not in [t − window, t − min_lag].

    queries (Q, hidden), keys (K, hidden), q_pos (Q,), k_pos (K,) → (Q, K). The one place the
    scores and the window are defined: the vectorized, incremental and panel paths all call it.
    """
    scores = theta * (queries @ keys.T)  # (Q, K)
    lag = q_pos.unsqueeze(1) - k_pos.unsqueeze(0)  # (Q, K): how far back each key lies
    inside = (lag >= min_lag) & (lag <= window)
    return scores.masked_fill(~inside, float("-inf"))


def mix_log_probs(lp_model: torch.Tensor, lp_cache: torch.Tensor, lam: float) -> torch.Tensor:
    """log((1 − λ)·p_model + λ·p_cache), elementwise; where the cache was empty (NaN) the model alone.

    In log space so that a word absent from the cache (log p_cache = -inf) simply gets
    log(1 − λ) + lp_model, and λ = 0 returns lp_model exactly (log 0 = -inf adds nothing in logaddexp).
    """
    lam_t = torch.tensor(float(lam), dtype=lp_model.dtype)
    mixed = torch.logaddexp(torch.log1p(-lam_t) + lp_model, torch.log(lam_t) + lp_cache.nan_to_num(nan=float("-inf")))
    empty = torch.isnan(lp_cache)
    return torch.where(empty, lp_model, mixed)


def cache_target_log_probs(
    hs: torch.Tensor, next_ids: torch.Tensor, theta: float, window: int, chunk: int = QUERY_CHUNK
) -> torch.Tensor:
    """log p_cache(next_ids[t]) at every position t of hs (T, hidden); NaN where the cache is empty (t = 0).

    Position t's keys are hs[i] labelled next_ids[i] for t − window ≤ i < t. Queries go in chunks:
    one chunk's keys are the window before it plus the chunk itself, a band (C, C + N) of the full
    (T, T) matrix, so memory stays bounded on long texts.
    """
    T = hs.size(0)
    pos = torch.arange(T)
    out = torch.empty(T, dtype=hs.dtype)
    for start in range(0, T, chunk):
        stop = min(T, start + chunk)
        k0 = max(0, start - window)
        logits = attention_logits(hs[start:stop], hs[k0:stop], pos[start:stop], pos[k0:stop], theta, window)
        match = next_ids[start:stop].unsqueeze(1) == next_ids[k0:stop].unsqueeze(0)  # (C, keys): same next word
        total = torch.logsumexp(logits, dim=1)  # (C,); -inf for an empty cache
        hit = torch.logsumexp(logits.masked_fill(~match, float("-inf")), dim=1)  # (C,)
        out[start:stop] = torch.where(torch.isinf(total), torch.nan, hit - total)
    return out


def attention_weights(hs: torch.Tensor, settings: CacheSettings) -> torch.Tensor:
    """(T, T): row t = the cache's softmax over positions i < t (zeros outside the window; row 0 all zeros)."""
    pos = torch.arange(hs.size(0))
    logits = attention_logits(hs, hs, pos, pos, settings.theta, settings.window, settings.min_lag)  # (T, T)
    return torch.softmax(logits, dim=1).nan_to_num(nan=0.0)  # a row of -inf only (t = 0) softmaxes to NaN


# ---------------------------------------------------------------- a whole text


@torch.inference_mode()
def hidden_and_log_probs(
    model: LyricModel, ids: Sequence[int], chunk: int = RUN_CHUNK
) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-layer outputs and the model's log-probabilities, batch 1, the hidden state carried across chunks.

    Returns hs (T, hidden), T = len(ids) − 1, where hs[t] has read ids[0..t], and lp_model (T,), the
    log-probability of ids[t + 1] given ids[0..t] (exactly what evaluate.mean_nll averages). hs is what
    model.forward feeds the head, in eval mode, returned by forward_with_outputs: never a hook, since the
    model is shared with the decoding engines, whose batched steps would run through it too.
    """
    if len(ids) < 2:
        raise ValueError("nothing to score: at least two tokens are needed")
    data = torch.tensor(list(ids), dtype=torch.long, device=model.device).unsqueeze(1)  # (num_tokens, 1)
    hs, lps, hidden = [], [], None
    with evaluating(model):
        for start in range(0, data.size(0) - 1, chunk):
            targets = data[start + 1 : start + 1 + chunk]  # (C, 1)
            inputs = data[start : start + targets.size(0)]
            logits, hidden, _, fed = model.forward_with_outputs(inputs, hidden)  # (C, 1, vocab), (C, 1, hidden)
            lps.append(F.log_softmax(logits[:, 0].float(), dim=-1).gather(1, targets).squeeze(1).cpu())
            hs.append(fed[:, 0].float().cpu())  # (C, hidden)
    return torch.cat(hs), torch.cat(lps)


def cache_log_probs(
    model: LyricModel, ids: Sequence[int], settings: CacheSettings
) -> tuple[torch.Tensor, torch.Tensor]:
    """(log p of each next token with the cache, without it), each (len(ids) − 1,), on the CPU.

    The cache starts empty at ids[0] and is carried through the whole text (across model chunks),
    so a chorus that comes back gets cheaper.
    """
    hs, lp_model = hidden_and_log_probs(model, ids)
    next_ids = torch.tensor(list(ids[1:]), dtype=torch.long)  # (T,)
    lp_cache = cache_target_log_probs(hs, next_ids, settings.theta, settings.window)
    return mix_log_probs(lp_model, lp_cache, settings.lam), lp_model


def perplexity(log_probs: torch.Tensor) -> float:
    return math.exp(-float(log_probs.double().mean()))


# ---------------------------------------------------------------- choosing λ, θ, N


@dataclass(frozen=True)
class CacheGrid:
    """The settings choose_cache_settings tries: every combination of the three lists."""

    lams: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75)
    # θ is given as θ·mean‖h‖², the score gap between a state identical to the query and one orthogonal
    # to it: hidden norms differ a lot between cells (and trainings), this unit does not.
    sharpness: tuple[float, ...] = (3.0, 10.0, 20.0, 30.0, 50.0, 100.0)
    windows: tuple[int, ...] = (100, 250, 500, 1000, 2000)
    thetas: tuple[float, ...] = field(default=())  # absolute θ values, tried as well as the sharpness ones


@torch.inference_mode()
def choose_cache_settings(
    model: LyricModel, val_ids: Sequence[int], grid: CacheGrid | None = None
) -> tuple[CacheSettings, pd.DataFrame]:
    """The grid point of lowest perplexity on val_ids, and a table of every point tried.

    The model runs once; each (θ, N) costs one banded pass over the stored hidden states and each λ
    only a re-mix. The table's first row (λ = 0) is the plain model. Choosing on the text later
    reported gives a slightly optimistic figure; with three knobs the bias is small.
    """
    grid = grid or CacheGrid()
    hs, lp_model = hidden_and_log_probs(model, val_ids)
    next_ids = torch.tensor(list(val_ids[1:]), dtype=torch.long)
    mean_sq = float((hs.double() ** 2).sum(1).mean()) or 1.0
    thetas = sorted({s / mean_sq for s in grid.sharpness} | set(grid.thetas))
    rows = [{"lam": 0.0, "theta": 0.0, "sharpness": 0.0, "window": 0, "perplexity": perplexity(lp_model)}]
    for window in grid.windows:
        for theta in thetas:
            lp_cache = cache_target_log_probs(hs, next_ids, theta, window)
            for lam in grid.lams:
                ppl = perplexity(mix_log_probs(lp_model, lp_cache, lam))
                rows.append({"lam": lam, "theta": theta, "sharpness": theta * mean_sq, "window": window,
                             "perplexity": ppl})
    table = pd.DataFrame(rows)
    best = table.iloc[1:]["perplexity"].idxmin()
    row = table.loc[best]
    return CacheSettings(float(row["lam"]), float(row["theta"]), int(row["window"])), table


# ---------------------------------------------------------------- one step at a time


def top_output(hidden: Hidden) -> torch.Tensor:
    """(hidden_dim,): the top layer's h for batch row 0 after a step, which is the output the head read.

    For one step in eval mode the cell's output is its new h (an LSTM's h, not its c), so a step
    function that returns only the hidden state (generate._cpu_step) still yields the cache's query.
    """
    h = hidden[0] if isinstance(hidden, tuple) else hidden  # (num_layers, batch, hidden_dim)
    return h[-1, 0]


class Cache:
    """The cache as a ring buffer of the last N (h_i, w_{i+1}) pairs, for step-by-step use.

    At each step: p = cache.mix(p_model, h_t) for the next word, then, once that word w is known,
    cache.add(h_t, w). Scores equal cache_log_probs' on the same text (tests/test_cache.py).
    """

    def __init__(self, settings: CacheSettings):
        self.settings = settings
        self.count = 0  # positions added so far; the next query is position `count`
        self._keys: torch.Tensor | None = None  # (window, hidden), allocated on the first add
        self._labels = torch.zeros(settings.window, dtype=torch.long)  # (window,): the word that followed
        self._pos = torch.zeros(settings.window, dtype=torch.long)  # (window,): each key's position

    def __len__(self) -> int:
        return min(self.count, self.settings.window)

    def add(self, h: torch.Tensor, next_id: int) -> None:
        """Remember state h (hidden_dim,) and the word that followed it; the oldest entry beyond N is dropped."""
        h = h.detach().float().cpu().reshape(-1)
        if self._keys is None:
            self._keys = torch.zeros(self.settings.window, h.numel())
        slot = self.count % self.settings.window
        self._keys[slot] = h
        self._labels[slot] = int(next_id)
        self._pos[slot] = self.count
        self.count += 1

    def weights(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attention of query h over the cache: (weights, positions, next ids), each (len(self),)."""
        n = len(self)
        if n == 0:
            empty = torch.zeros(0, dtype=torch.long)
            return torch.zeros(0), empty, empty
        q = h.detach().float().cpu().reshape(1, -1)  # (1, hidden)
        logits = attention_logits(q, self._keys[:n], torch.tensor([self.count]), self._pos[:n],
                                  self.settings.theta, self.settings.window, self.settings.min_lag)[0]  # (n,)
        if not torch.isfinite(logits).any():  # everything cached is nearer than min_lag: nothing to look at yet
            empty = torch.zeros(0, dtype=torch.long)
            return torch.zeros(0), empty, empty
        return torch.softmax(logits, dim=0), self._pos[:n], self._labels[:n]

    def mix(self, p_model: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """p_model (vocab_size,) probabilities → the mixture (vocab_size,); p_model alone while the cache is empty."""
        w, _, labels = self.weights(h)
        if w.numel() == 0 or self.settings.lam == 0:
            return p_model
        p_cache = torch.zeros(p_model.numel(), dtype=w.dtype).index_add_(0, labels, w)  # (vocab_size,)
        lam = self.settings.lam
        return (1 - lam) * p_model + lam * p_cache.to(p_model)  # p_model's dtype and device

"""Choosing the next word: one request's (pick_token, as generate_steps draws), or a whole batch's at once.

A request's knobs travel together as one Sampling, from the handler's GenerationSettings
(lyricgen/generate.py) down to here, as nanoGPT's generate() keeps its one set of knobs.
pick_token shapes one (vocab_size,) row of logits (ban, temperature, top-k, softmax, top-p) and draws
from it with the request's own random generator. pick_tokens does the same for every row of a
(batch, vocab_size) tensor in one pass of tensor operations, each row with its own Sampling and its
own generator, and gives every row the word and probability pick_token gives it alone: each operation
works row by row (a row's softmax, top-k, cumulative sum and search never read another row), and each
generator is drawn from exactly as pick_token draws from it, one uniform number per sampled word.
tests/test_engine.py checks them against each other bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Sampling:
    """How the next word is drawn from the model's logits: the knobs every function below takes whole."""

    temperature: float  # 0 = greedy; below 1 sharper, above 1 flatter
    top_k: int | None = None  # sample only among the k likeliest words; None = the whole vocabulary
    top_p: float = 1.0  # nucleus sampling: the smallest set of words holding this much probability; 1 = off


def next_distribution(logits: torch.Tensor, sampling: Sampling, banned: list[int]) -> torch.Tensor:
    """logits (vocab_size,) → probabilities after banning ids, temperature, top-k, then top-p.

    Temperature 0 is greedy: all the mass on the best word. top_p < 1 keeps the smallest set of
    likeliest words holding at least top_p of the probability (never fewer than one word), renormalized.
    The caller's logits are left as they are.
    """
    # Each tensor operation has a fixed cost however small the tensor, and this runs once per generated
    # word beside a single model step: one new tensor, then in-place work on it.
    temperature, top_k, top_p = sampling.temperature, sampling.top_k, sampling.top_p
    scores = logits.float() / temperature if temperature > 0 else logits.float().clone()
    for token_id in banned:  # an index per id: cheaper than fancy indexing for the one or two ids banned
        scores[token_id] = float("-inf")
    if temperature <= 0:
        probs = torch.zeros_like(scores)
        probs[int(torch.argmax(scores))] = 1.0
        return probs
    if top_k is not None and 0 < top_k < scores.numel():
        # Dividing by the temperature first does not change which words are the top k.
        kth = torch.topk(scores, top_k, sorted=False).values.min()
        scores.masked_fill_(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    return nucleus(probs, top_p) if top_p < 1 else probs


def nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """probs (vocab_size,) → the smallest set of likeliest words whose mass is ≥ top_p, renormalized.

    At least the likeliest word is kept, whatever top_p. Ties are broken by id (a stable sort),
    so the same distribution always keeps the same set.
    """
    ranked, order = torch.sort(probs, descending=True, stable=True)  # (vocab_size,) each
    # float64: summing thousands of float32 shares must not fall just short of top_p.
    mass = torch.cumsum(ranked, 0, dtype=torch.float64)
    # mass[i] is the share of the i + 1 likeliest words: keep up to the first i where it reaches top_p.
    keep = min(int(torch.searchsorted(mass, top_p)) + 1, probs.numel())
    kept = torch.zeros_like(probs)
    kept[order[:keep]] = ranked[:keep]
    return kept.div_(kept.sum())


def sample(probs: torch.Tensor, generator: torch.Generator | None = None) -> int:
    """Draw one id from probs (vocab_size,) by inverting the cumulative distribution with one uniform number.

    torch.multinomial draws an exponential number for every word of the vocabulary, a sizeable share
    of a model step at batch 1; this draws one number (bench/generation.py measures the whole word).
    A word of probability 0 (banned, or outside the top k) is never drawn: its cumulative value
    equals its predecessor's, and searchsorted(right=True) returns the first value above u.
    """
    cdf = torch.cumsum(probs, 0, dtype=torch.float64)  # float64: rounding cannot hide a rare word's share
    u = torch.rand(1, dtype=torch.float64, generator=generator).item() * cdf[-1].item()
    index = int(torch.searchsorted(cdf, u, right=True))
    if index >= cdf.numel():  # u rounded up to the total itself: take the last word that has mass
        index = int(probs.nonzero()[-1])
    return index


def pick_token(logits: torch.Tensor, sampling: Sampling, banned: list[int], generator: torch.Generator | None
               ) -> tuple[int, float]:
    """The next token id from logits (vocab_size,) and its probability in the distribution it was drawn from.

    The one place a token is chosen, for generate_steps and lyricgen.engine alike: the same calls in
    the same order consume a seeded generator identically, so both give the same words.
    """
    probs = next_distribution(logits, sampling, banned)
    token_id = sample(probs, generator) if sampling.temperature > 0 else int(probs.argmax())
    return token_id, float(probs[token_id])


def draw_uniforms(generator: torch.Generator, n: int) -> list[float]:
    """The next n uniform numbers of generator, each the very number sample would draw for one word.

    torch.rand on the CPU fills a tensor one number after another from the generator, so n numbers at
    once are the n numbers of n calls, in order. For a sampled request, sample draws exactly one number
    per word and nothing else draws from its generator: its words' numbers can be drawn in one call.
    """
    return torch.rand(n, dtype=torch.float64, generator=generator).tolist()


def pick_tokens(logits: torch.Tensor, samplings: Sequence[Sampling], banned: list[int], uniforms: Sequence[float]
                ) -> tuple[list[int], list[float]]:
    """pick_token for every row of logits (batch, vocab_size), row i with samplings[i], where
    uniforms[i] is the number row i's generator would give sample (draw_uniforms; a greedy row's is unused).

    Why: pick_token's dozen tensor operations each have a fixed cost however small the row, and each
    lets go of the GIL and takes it back, waiting its turn behind the server's other threads: called
    once per request of a batched step, their sum outgrew the model step itself with a class in the
    batch. Here each operation runs once over the whole batch, and no generator is touched.
    """
    batch, vocab_size = logits.shape
    temperatures = [s.temperature for s in samplings]
    greedy = [t <= 0 for t in temperatures]
    # Dividing by 1 leaves a greedy row's logits exactly as they are: pick_token's copy of them.
    divisors = torch.tensor([[1.0 if g else float(t)] for g, t in zip(greedy, temperatures, strict=True)],
                            dtype=torch.float32)
    scores = logits.float() / divisors  # (batch, vocab_size), a new tensor
    if banned:
        scores[:, banned] = float("-inf")
    tokens, probs_of = [0] * batch, [1.0] * batch
    chosen_greedily = [row for row in range(batch) if greedy[row]]
    if chosen_greedily:  # a greedy row's word, with all the mass on it (an argmax over the whole batch costs)
        best = scores[chosen_greedily].argmax(dim=1).tolist()
        for row, token in zip(chosen_greedily, best, strict=True):
            tokens[row] = token
    sampled = [row for row in range(batch) if not greedy[row]]
    if not sampled:
        return tokens, probs_of
    top_ks = [s.top_k for s in samplings]
    ks = [k if (k is not None and 0 < k < vocab_size and not greedy[row]) else 0 for row, k in enumerate(top_ks)]
    if any(ks):
        # The k-th largest score of each row (the smallest of its top k); -inf masks nothing in a row without top-k.
        top = torch.topk(scores, max(ks), dim=1).values  # (batch, max k), largest first
        kth = top.gather(1, torch.tensor([[max(k, 1) - 1] for k in ks]))
        kth[torch.tensor([k == 0 for k in ks])] = float("-inf")
        scores.masked_fill_(scores < kth, float("-inf"))
    probs = torch.softmax(scores[sampled] if len(sampled) < batch else scores, dim=-1)  # (sampled, vocab_size)
    for i, row in enumerate(sampled):
        if samplings[row].top_p < 1:  # few requests ask for top-p: the very function pick_token uses, row by row
            probs[i] = nucleus(probs[i], samplings[row].top_p)
    cdf = torch.cumsum(probs, 1, dtype=torch.float64)  # (sampled, vocab_size)
    u = torch.tensor([[uniforms[row]] for row in sampled], dtype=torch.float64) * cdf[:, -1:]  # as sample scales it
    chosen = torch.searchsorted(cdf, u, right=True)  # (sampled, 1)
    picked = chosen.flatten().tolist()
    for i, index in enumerate(picked):
        if index >= vocab_size:  # u rounded up to the total itself: take the last word that has mass
            picked[i] = int(probs[i].nonzero()[-1])
            chosen[i, 0] = picked[i]
    for row, token, p in zip(sampled, picked, probs.gather(1, chosen).flatten().tolist(), strict=True):
        tokens[row], probs_of[row] = token, p
    return tokens, probs_of


def pick_rows(logits: torch.Tensor, samplings: Sequence[Sampling], banned: list[int], uniforms: Sequence[float]
              ) -> list[tuple[int, float] | Exception]:
    """pick_tokens' (token id, probability) per row; when its one pass fails, row by row, so that only a
    row whose Sampling cannot be used gets its error instead (its request alone ends, in lyricgen.engine)."""
    try:
        return list(zip(*pick_tokens(logits, samplings, banned, uniforms), strict=True))
    except Exception:
        picked: list[tuple[int, float] | Exception] = []
        for row in range(len(samplings)):
            try:
                (token_id,), (prob,) = pick_tokens(logits[row:row + 1], samplings[row:row + 1], banned,
                                                   uniforms[row:row + 1])
                picked.append((token_id, prob))
            except Exception as error:
                picked.append(error)
        return picked

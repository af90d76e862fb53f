"""Choosing the next word: nucleus (top-p) sampling, and the batch's choice (lyricgen.sampling.pick_tokens)
bit for bit the choice each request makes alone (pick_token, as unbatched generation draws)."""

from __future__ import annotations

import pytest
import torch

from lyricgen.checkpoint import load_checkpoint
from lyricgen.generate import (
    GenerationSettings,
    generate_steps,
    generate_text,
    main,
    make_prompt,
    new_generator,
    next_distribution,
)
from lyricgen.sampling import Sampling, draw_uniforms, pick_token, pick_tokens


def ids(steps) -> list[int]:
    return [s.token_id for s in steps]


# ---------------------------------------------------------------------------------------------
# top-p


def old_next_distribution(logits, temperature, top_k, banned):
    """next_distribution as it was before top-p, line for line."""
    scores = logits.float() / temperature if temperature > 0 else logits.float().clone()
    for token_id in banned:
        scores[token_id] = float("-inf")
    if temperature <= 0:
        probs = torch.zeros_like(scores)
        probs[int(torch.argmax(scores))] = 1.0
        return probs
    if top_k is not None and 0 < top_k < scores.numel():
        kth = torch.topk(scores, top_k, sorted=False).values.min()
        scores.masked_fill_(scores < kth, float("-inf"))
    return torch.softmax(scores, dim=-1)


@pytest.mark.parametrize("top_p", [0.05, 0.3, 0.5, 0.9, 0.99])
def test_top_p_keeps_the_smallest_set_of_likeliest_words_holding_p(top_p):
    logits = torch.randn(500, generator=torch.Generator().manual_seed(0)) * 2
    full = torch.softmax(logits / 0.8, dim=-1).double()
    probs = next_distribution(logits, Sampling(0.8, None, top_p), [])
    kept = probs > 0
    assert float(full[kept].sum()) >= top_p  # enough mass
    assert float(full[kept].sum() - full[kept].min()) < top_p  # and not one word more than needed
    assert float(full[kept].min()) >= float(full[~kept].max())  # the likeliest words, none skipped
    assert float(probs.sum()) == pytest.approx(1.0, abs=1e-6)  # renormalized ...
    torch.testing.assert_close(probs[kept].double(), full[kept] / full[kept].sum())  # ... in proportion


def test_top_p_applies_after_ban_and_top_k_and_keeps_at_least_one_word():
    logits = torch.tensor([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    probs = next_distribution(logits, Sampling(1.0, 3, 0.99), [0])  # ban 0, then top 3 of the rest: 1, 2, 3
    assert (probs > 0).nonzero().flatten().tolist() == [1, 2, 3]
    one = next_distribution(logits, Sampling(1.3, None, 1e-9), [0])
    assert one.tolist() == [0, 1, 0, 0, 0, 0]
    greedy = next_distribution(logits, Sampling(0.0, None, 0.5), [0])  # temperature 0 stays greedy
    assert greedy.tolist() == [0, 1, 0, 0, 0, 0]


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.8, None), (1.3, 7), (0.0, None), (0.5, 1)])
def test_top_p_1_is_bit_for_bit_the_old_distribution(temperature, top_k):
    logits = torch.randn(300, generator=torch.Generator().manual_seed(1))
    old = old_next_distribution(logits, temperature, top_k, [0])
    assert torch.equal(next_distribution(logits, Sampling(temperature, top_k), [0]), old)
    assert torch.equal(next_distribution(logits, Sampling(temperature, top_k, top_p=1.0), [0]), old)


def test_generation_with_top_p(tiny_weights, capsys):
    ckpt = load_checkpoint(tiny_weights["gru"], "cpu")
    prompt = make_prompt(ckpt.vocab, "明月")
    default = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 30, Sampling(1.3), new_generator(4)[0]))
    off = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 30, Sampling(1.3, top_p=1.0), new_generator(4)[0]))
    assert ids(default) == ids(off)
    greedy = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 30, Sampling(0.0)))
    tiny_p = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 30, Sampling(1.3, top_p=1e-9),
                                 new_generator(4)[0]))
    assert ids(tiny_p) == ids(greedy)
    assert all(s.prob == 1.0 for s in tiny_p)
    text = generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 12, Sampling(1.3, top_p=0.6), seed=3))
    main(["--weights", str(tiny_weights["gru"]), "--start", "明月", "--length", "12", "--temperature", "1.3",
          "--top-p", "0.6", "--seed", "3", "--device", "cpu"])
    assert capsys.readouterr().out.splitlines()[:-1] == text.splitlines()


# ---------------------------------------------------------------------------------------------
# The batch's word choice is each request's own


def each_alone(logits, samplings, banned, seeds):
    """pick_token row by row, each row with a fresh generator of its seed: the unbatched choice."""
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]
    picks = [pick_token(logits[r], samplings[r], banned, gens[r]) for r in range(len(seeds))]
    return [t for t, _ in picks], [p for _, p in picks]


def first_uniforms(seeds):
    """Each seed's generator's first number, as draw_uniforms gives it."""
    return [draw_uniforms(torch.Generator().manual_seed(seed), 1)[0] for seed in seeds]


def test_uniforms_drawn_at_once_are_those_drawn_one_word_at_a_time():
    for seed in range(20):
        one_by_one = torch.Generator().manual_seed(seed)
        at_once = draw_uniforms(torch.Generator().manual_seed(seed), 300)
        assert at_once == [torch.rand(1, dtype=torch.float64, generator=one_by_one).item() for _ in range(300)]


@pytest.mark.parametrize("trial", range(8))
def test_the_batch_choice_is_bit_for_bit_each_rows_own(trial):
    """Random batches mixing greedy, top-k (1, inside and beyond the vocabulary), top-p (tiny to off) and
    temperatures: the same words and the same probabilities as each row alone."""
    rng = torch.Generator().manual_seed(trial)
    batch, vocab = 1 + 7 * trial, 700
    logits = torch.randn(batch, vocab, generator=rng) * (1 + trial)
    pick = lambda options: [options[int(i)] for i in torch.randint(len(options), (batch,), generator=rng)]  # noqa: E731
    temperatures = pick([0.0, 0.3, 0.8, 1.0, 1.3, 2.0])
    top_ks = pick([None, 0, 1, 3, 50, vocab - 1, vocab, 5000])
    top_ps = pick([1.0, 1.0, 0.95, 0.5, 0.01, 1e-9])
    seeds = torch.randint(2**31, (batch,), generator=rng).tolist()
    samplings = [Sampling(*knobs) for knobs in zip(temperatures, top_ks, top_ps, strict=True)]
    want_tokens, want_probs = each_alone(logits, samplings, [0, 5], seeds)
    tokens, probs = pick_tokens(logits, samplings, [0, 5], first_uniforms(seeds))
    assert tokens == want_tokens and probs == want_probs
    assert not {0, 5} & set(tokens)
    assert all(p == 1.0 for p, t in zip(probs, temperatures, strict=True) if t == 0)


def test_the_batch_choice_edge_cases():
    logits = torch.tensor([[5.0, 4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 1.0], [0.0, 9.0, 9.0, 0.0], [2.0, 1.0, 0.0, -1.0]])
    # Greedy rows only: a tie goes to the first best word; the banned word never; the numbers are unused.
    tokens, probs = pick_tokens(logits, [Sampling(0.0)] * 4, [0], [float("nan")] * 4)
    assert tokens == [1, 1, 1, 1] and probs == [1.0] * 4
    # top-k 1 and a tiny top-p keep the best word alone (top-k keeps words tied with its k-th too).
    settings = [Sampling(1.3, 1), Sampling(0.8, None, 1e-9), Sampling(1.0, 1), Sampling(2.0, None, 1e-9)]
    tokens, probs = pick_tokens(logits, settings, [0], first_uniforms(range(4)))
    assert (tokens, probs) == each_alone(logits, settings, [0], range(4))
    assert [tokens[i] for i in (0, 1, 3)] == [1, 1, 1] and tokens[2] in (1, 2)
    assert probs == [1.0, 1.0, 0.5, 1.0]
    # The extreme numbers: 0 takes the first word with mass, and 1 (the total itself) the last.
    tokens, _ = pick_tokens(logits, [Sampling(1.0)] * 4, [0], [0.0, 0.0, 1.0, 1.0])
    assert tokens == [1, 1, 3, 3]
    # An unusable setting fails the whole pass (the engine then picks row by row).
    with pytest.raises(TypeError):
        pick_tokens(logits, [Sampling(t) for t in (0.8, "hot", 1.0, 1.0)], [0], [0.5] * 4)

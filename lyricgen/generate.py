"""Generation: feed the start words, then sample one word at a time, carrying the hidden state.

    python -m lyricgen.generate --weights weights/gru --start 星星 --length 50 --temperature 0.8 [--top-k K] [--seed S]

Each new word costs one model step on one token: the prefix is never run again.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from .checkpoint import load_checkpoint
from .model import Hidden, LyricModel
from .tokens import join_words, split_words
from .vocab import Vocab


@dataclass
class Prompt:
    words: list[str]  # jieba's words of the start text
    ids: list[int]  # [<eol>, word ids...]: generation starts "at the beginning of a line"
    unknown: list[str]  # words of the start text that the vocabulary lacks (fed as <unk>)


@dataclass
class Step:
    token_id: int
    token: str
    prob: float  # probability of this token in the distribution it was drawn from
    logits: torch.Tensor  # (vocab_size,) raw next-word logits before this token, on the CPU


def make_prompt(vocab: Vocab, start_text: str) -> Prompt:
    words = split_words(start_text)
    return Prompt(words, [vocab.eol_id, *vocab.encode(words)], [w for w in words if w not in vocab])


def next_distribution(logits: torch.Tensor, temperature: float, top_k: int | None, banned: list[int]) -> torch.Tensor:
    """logits (vocab_size,) → probabilities after banning ids, top-k and temperature.

    Temperature 0 is greedy: all the mass on the best word.
    """
    logits = logits.float().clone()
    logits[banned] = float("-inf")
    if temperature <= 0:
        probs = torch.zeros_like(logits)
        probs[int(torch.argmax(logits))] = 1.0
        return probs
    if top_k is not None and 0 < top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits[logits < kth] = float("-inf")
    return torch.softmax(logits / temperature, dim=-1)


def new_generator(seed: int | None) -> tuple[torch.Generator, int]:
    """A private random generator (never the global one) and the seed it uses."""
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    return torch.Generator().manual_seed(seed), seed


def generate_steps(
    model: LyricModel,
    vocab: Vocab,
    prompt_ids: list[int],
    length: int,
    temperature: float = 0.8,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> Iterator[Step]:
    """Yield `length` new tokens one by one. <unk> is never emitted."""
    banned = [vocab.unk_id]
    device = model.device
    model.eval()
    with torch.inference_mode():  # per step, not around the yield: grad mode is per thread
        ids = torch.tensor(prompt_ids, dtype=torch.long, device=device).unsqueeze(1)  # (prefix_len, 1)
        logits, hidden = model(ids)
        last = logits[-1, 0].float().cpu()  # (vocab_size,)
    for _ in range(length):
        probs = next_distribution(last, temperature, top_k, banned)
        token_id = int(torch.multinomial(probs, 1, generator=generator)) if temperature > 0 else int(probs.argmax())
        yield Step(token_id, vocab.tokens[token_id], float(probs[token_id]), last)
        last, hidden = _step(model, token_id, hidden)


def _step(model: LyricModel, token_id: int, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    with torch.inference_mode():
        ids = torch.tensor([[token_id]], dtype=torch.long, device=model.device)  # (1, 1)
        logits, hidden = model(ids, hidden)
        return logits[0, 0].float().cpu(), hidden


def generate_text(
    model: LyricModel,
    vocab: Vocab,
    start_text: str,
    length: int,
    temperature: float = 0.8,
    top_k: int | None = None,
    seed: int | None = None,
) -> str:
    """The start text followed by `length` generated tokens, as lyrics text."""
    prompt = make_prompt(vocab, start_text)
    generator, _ = new_generator(seed)
    steps = generate_steps(model, vocab, prompt.ids, length, temperature, top_k, generator)
    return join_words([*prompt.words, *(s.token for s in steps)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="weights folder or hub id")
    parser.add_argument("--start", default="", help="start text (any text; jieba-split)")
    parser.add_argument("--length", type=int, default=50, help="tokens to generate (words and line breaks)")
    parser.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    parser.add_argument("--top-k", type=int, default=None, help="sample only from the k likeliest words")
    parser.add_argument("--seed", type=int, default=None, help="same seed, same output")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args(argv)
    if args.length < 0 or not args.temperature >= 0:
        parser.error("--length and --temperature must be non-negative")
    ckpt = load_checkpoint(args.weights, args.device)
    prompt = make_prompt(ckpt.vocab, args.start)
    if prompt.unknown:
        print(f"[unknown words, fed as {ckpt.vocab.tokens[ckpt.vocab.unk_id]}: {' '.join(prompt.unknown)}]")
    generator, seed = new_generator(args.seed)
    steps = generate_steps(ckpt.model, ckpt.vocab, prompt.ids, args.length, args.temperature, args.top_k, generator)
    print(join_words([*prompt.words, *(s.token for s in steps)]))
    print(f"[seed {seed}]")


if __name__ == "__main__":
    main()

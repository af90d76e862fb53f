"""Generation: feed the start words, then sample one word at a time, carrying the hidden state.

    python -m lyricgen.generate --weights weights/gru --start 星星 --length 50 --temperature 0.8 \
        [--top-k K] [--top-p P] [--seed S]

Each new word costs one model step on one token: the prefix is never run again. A request is one
GenerationSettings; its Sampling (temperature, top-k, top-p) travels whole down to pick_token.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from .cache import Cache, CacheSettings, top_output
from .checkpoint import load_checkpoint
from .model import Hidden, LyricModel
from .sampling import Sampling, next_distribution, nucleus, pick_token, sample  # noqa: F401  (their home before)
from .tokens import join_words
from .vocab import Vocab


@dataclass(frozen=True)
class GenerationSettings:
    """What one generation request asks for: the one request type of the CLI, the app and the engine.

    Checked where it enters (the app's lyricgen.web.validate, the CLI's argparse): here it is trusted.
    """

    start_text: str  # any text; jieba-split, words the vocabulary lacks are fed as <unk>
    length: int  # tokens to generate (words and line breaks)
    sampling: Sampling  # how each word is drawn: temperature, top-k, top-p (lyricgen/sampling.py)
    seed: int | None = None  # same seed, same words; None = a random seed, reported back
    cache: CacheSettings | None = None  # the continuous cache mixed into every next word's distribution; None = off


@dataclass
class Prompt:
    words: list[str]  # the start text's tokens: jieba's words of each line, <eol> between lines
    ids: list[int]  # [<eol>, word ids...]: generation starts "at the beginning of a line"
    unknown: list[str]  # words of the start text that the vocabulary lacks (fed as <unk>)


@dataclass
class Step:
    token_id: int
    token: str
    prob: float  # probability of this token in the distribution it was drawn from
    # (vocab_size,) raw next-word logits before this token, on the CPU; None where the engine
    # (lyricgen.engine) was not asked to keep them
    logits: torch.Tensor | None


def make_prompt(vocab: Vocab, start_text: str) -> Prompt:
    words = vocab.words(start_text)  # a line break typed is the <eol> token, as in training
    return Prompt(words, [vocab.eol_id, *vocab.encode(words)], [w for w in words if w not in vocab])


def primed_cache(settings: CacheSettings, outputs: torch.Tensor, prompt_ids: list[int]) -> Cache:
    """A cache holding the start text: the state at each prompt position, with the word that followed it.

    outputs: (prefix_len, hidden_dim), the top layer's output at every prompt position.
    """
    cache = Cache(settings)
    for i in range(len(prompt_ids) - 1):
        cache.add(outputs[i], prompt_ids[i + 1])
    return cache


def with_cache(logits: torch.Tensor, cache: Cache, h: torch.Tensor) -> torch.Tensor:
    """logits (vocab_size,) → the logits of the cache's mixture (1 − λ)·softmax(logits) + λ·p_cache(h).

    Temperature, top-k and top-p then shape the mixture as they shape the model's own distribution.
    """
    return torch.log(cache.mix(torch.softmax(logits.float(), dim=-1), h))


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
    sampling: Sampling,
    generator: torch.Generator | None = None,
    cache: CacheSettings | None = None,
) -> Iterator[Step]:
    """Yield `length` new tokens after prompt_ids, each drawn with `sampling` from `generator`, one by one, as
    nanoGPT's generate() continues its idx. <unk> is never emitted. cache: mix the continuous cache in
    (Step.logits stay the model's own; Step.prob is in the mixture it was drawn from).
    generate_from_settings makes these arguments from one request."""
    banned = [vocab.unk_id]
    device = model.device
    model.eval()
    step = _cpu_step if device.type == "cpu" else _forward_step
    # Inference mode around the work between two yields, never around a yield: grad mode is per
    # thread, and a generator may be resumed on another one. Sampling inside it too: tensor
    # operations then skip autograd's bookkeeping.
    with torch.inference_mode():
        ids = torch.tensor(prompt_ids, dtype=torch.long, device=device).unsqueeze(1)  # (prefix_len, 1)
        logits, hidden, outputs, _ = model.forward_with_outputs(ids)  # outputs: (prefix_len, 1, hidden_dim)
        last = logits[-1, 0].float().cpu()  # (vocab_size,)
        memory = primed_cache(cache, outputs[:, 0], prompt_ids) if cache is not None else None
    token_id = -1
    for i in range(length):
        with torch.inference_mode():
            if i:  # the step for the word just yielded; none after the last word, whose logits nobody reads
                last, hidden = step(model, token_id, hidden)
            if memory is None:
                token_id, prob = pick_token(last, sampling, banned, generator)
            else:
                h = top_output(hidden)  # (hidden_dim,): the state that made `last`
                token_id, prob = pick_token(with_cache(last, memory, h), sampling, banned, generator)
                memory.add(h, token_id)
        yield Step(token_id, vocab.tokens[token_id], prob, last)


def generate_from_settings(model: LyricModel, vocab: Vocab, settings: GenerationSettings
                           ) -> tuple[Prompt, int, Iterator[Step]]:
    """The unbatched generation of one request: its prompt, the seed used and its steps (lazily)."""
    prompt = make_prompt(vocab, settings.start_text)
    generator, seed = new_generator(settings.seed)
    steps = generate_steps(model, vocab, prompt.ids, settings.length, settings.sampling, generator, settings.cache)
    return prompt, seed, steps


def _forward_step(model: LyricModel, token_id: int, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """One token through model.forward: (vocab_size,) logits on the CPU and the next hidden state."""
    ids = torch.tensor([[token_id]], dtype=torch.long, device=model.device)  # (1, 1)
    logits, hidden = model(ids, hidden)
    return logits[0, 0].float().cpu(), hidden


def _cpu_step(model: LyricModel, token_id: int, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """What _forward_step computes, in eval mode, written with torch's single-step cell functions.

    Why not call the model: on the CPU, nn.LSTM hands every call to oneDNN, which re-lays out the
    weight matrices each time; for one token at batch 1 that costs several times the arithmetic, and
    nn.RNN / nn.GRU spend much of theirs on per-call checks. torch.lstm_cell / gru_cell / rnn_*_cell run the same
    equations on the same parameters. In eval mode dropout is the identity, so embedding → cell
    layers → head is all of forward; tests/test_core.py checks the logits against a whole-prefix run.
    """
    x = model.embedding.weight[token_id].unsqueeze(0)  # (1, embed_dim): batch 1
    x, new_hidden = cell_layers(model, x, hidden)
    return model.head(x)[0], new_hidden


def cell_layers(model: LyricModel, x: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """x (batch, embed_dim) through every layer of the cell, one time step: the top layer's output
    (batch, hidden_dim) and the new hidden state, (num_layers, batch, hidden_dim) as nn.RNN returns it.
    """
    rnn = model.rnn
    weights = rnn.all_weights  # per layer: [w_ih, w_hh, b_ih, b_hh], the cell functions' argument order
    if rnn.mode == "LSTM":
        h, c = hidden
        hs, cs = [], []
        for k in range(rnn.num_layers):
            x, c_k = torch.lstm_cell(x, (h[k], c[k]), *weights[k])  # each (batch, hidden_dim)
            hs.append(x)
            cs.append(c_k)
        new_hidden: Hidden = (torch.stack(hs), torch.stack(cs))  # (num_layers, batch, hidden_dim) each
    else:
        cell = {"GRU": torch.gru_cell, "RNN_TANH": torch.rnn_tanh_cell, "RNN_RELU": torch.rnn_relu_cell}[rnn.mode]
        hs = []
        for k in range(rnn.num_layers):
            x = cell(x, hidden[k], *weights[k])
            hs.append(x)
        new_hidden = torch.stack(hs)  # (num_layers, batch, hidden_dim)
    return x, new_hidden


def generate_text(model: LyricModel, vocab: Vocab, settings: GenerationSettings) -> str:
    """The start text followed by settings.length generated tokens, as lyrics text."""
    prompt, _, steps = generate_from_settings(model, vocab, settings)
    return join_words([*prompt.words, *(s.token for s in steps)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="weights folder or hub id (USER/NAME, modelscope:OWNER/NAME)")
    parser.add_argument("--start", default="", help="start text (any text; jieba-split)")
    parser.add_argument("--length", type=int, default=50, help="tokens to generate (words and line breaks)")
    parser.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    parser.add_argument("--top-k", type=int, default=None, help="sample only from the k likeliest words")
    parser.add_argument("--top-p", type=float, default=1.0,
                        help="sample only from the likeliest words holding this much probability (1 = all)")
    parser.add_argument("--seed", type=int, default=None, help="same seed, same output")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args(argv)
    if args.length < 0 or not args.temperature >= 0:
        parser.error("--length and --temperature must be non-negative")
    if not 0 < args.top_p <= 1:
        parser.error("--top-p must be in (0, 1]")
    ckpt = load_checkpoint(args.weights, args.device)
    sampling = Sampling(args.temperature, args.top_k, args.top_p)
    settings = GenerationSettings(args.start, args.length, sampling, args.seed)
    prompt, seed, steps = generate_from_settings(ckpt.model, ckpt.vocab, settings)
    if prompt.unknown:
        print(f"[unknown words, fed as {ckpt.vocab.tokens[ckpt.vocab.unk_id]}: {' '.join(prompt.unknown)}]")
    print(join_words([*prompt.words, *(s.token for s in steps)]))
    print(f"[seed {seed}]")


if __name__ == "__main__":
    main()

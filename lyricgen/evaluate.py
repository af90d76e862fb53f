"""Perplexity of a model on any lyrics file, scored exactly as validation is during training.

    python -m lyricgen.evaluate --weights weights/lstm --text my_lyrics.txt [--json]
        [--cache [--cache-lambda L --cache-theta T --cache-window N]]

The text becomes [<eol>, words..., <eol>, ...]; every token after the first is predicted from
all the tokens before it (the hidden state carried through the whole file), and
perplexity = exp(mean cross-entropy in nats).

--cache mixes in the continuous cache (lyricgen/cache.py), carried through the whole file, with
the settings recorded in the checkpoint's metrics.json ("cache"); each --cache-* flag overrides one.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass

import torch

from .cache import CACHE_KEY, CacheSettings, cache_log_probs, recorded_settings
from .checkpoint import METRICS_FILE, Checkpoint, load_checkpoint
from .model import LyricModel, cross_entropy, evaluating
from .tokens import EOL, read_lines
from .vocab import Vocab


@dataclass
class Score:
    perplexity: float  # exp(mean cross-entropy)
    loss: float  # mean cross-entropy in nats per token
    tokens: int  # tokens scored (words and line breaks)
    unk_rate: float  # share of the words that are not in the vocabulary


@torch.inference_mode()
def mean_nll(model: LyricModel, ids: list[int], chunk: int = 512) -> float:
    """Mean cross-entropy (nats) of ids[1:]; runs in chunks with the hidden state carried, batch 1."""
    data = torch.tensor(ids, dtype=torch.long, device=model.device).unsqueeze(1)  # (num_tokens, 1)
    hidden, total = None, 0.0
    with evaluating(model):
        for start in range(0, data.size(0) - 1, chunk):
            inputs = data[start : start + chunk]
            targets = data[start + 1 : start + 1 + chunk]
            inputs = inputs[: targets.size(0)]
            logits, hidden = model(inputs, hidden)
            total += cross_entropy(logits, targets).item() * targets.numel()
    return total / max(1, data.size(0) - 1)


def unk_rate(vocab: Vocab, tokens: list[str]) -> float:
    words = [t for t in tokens if t != EOL]
    return sum(1 for w in words if w not in vocab) / max(1, len(words))


def score_tokens(model: LyricModel, vocab: Vocab, tokens: list[str], cache: CacheSettings | None = None) -> Score:
    """Perplexity of tokens[1:]; with cache, under the continuous-cache mixture instead of the model alone."""
    if len(tokens) < 2:
        raise ValueError("nothing to score: the text has no words")
    if cache is None:
        loss = mean_nll(model, vocab.encode(tokens))
    else:
        with_cache, _ = cache_log_probs(model, vocab.encode(tokens), cache)
        loss = -float(with_cache.double().mean())
    return Score(math.exp(loss), loss, len(tokens) - 1, unk_rate(vocab, tokens))


def cache_settings(ckpt: Checkpoint, lam: float | None, theta: float | None, window: int | None) -> CacheSettings:
    """The checkpoint's recorded settings with any given value overriding; all three given need no record."""
    given = {"lam": lam, "theta": theta, "window": window}
    try:
        recorded = recorded_settings(ckpt.metrics, strict=True)
    except ValueError as e:
        raise ValueError(f"{ckpt.path / METRICS_FILE}: {CACHE_KEY!r}: {e}") from e
    if recorded is None:
        missing = [f"--cache-{'lambda' if k == 'lam' else k}" for k, v in given.items() if v is None]
        if missing:
            raise ValueError(f"{ckpt.path / METRICS_FILE} records no {CACHE_KEY!r} settings, so --cache needs "
                             f"--cache-lambda, --cache-theta and --cache-window (missing: {', '.join(missing)})")
        return CacheSettings(**given)
    return CacheSettings(**{**recorded.to_dict(), **{k: v for k, v in given.items() if v is not None}})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="weights folder or hub id (USER/NAME, modelscope:OWNER/NAME)")
    parser.add_argument("--text", required=True, help="UTF-8 lyrics file, one lyric line per line")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--cache", action="store_true",
                        help="mix in the continuous cache (settings from metrics.json, or the flags below)")
    parser.add_argument("--cache-lambda", type=float, default=None, help="the cache's share λ in [0, 1]")
    parser.add_argument("--cache-theta", type=float, default=None, help="attention sharpness θ ≥ 0")
    parser.add_argument("--cache-window", type=int, default=None, help="positions N the cache holds")
    args = parser.parse_args(argv)
    flags = (args.cache_lambda, args.cache_theta, args.cache_window)
    if not args.cache and any(v is not None for v in flags):
        parser.error("--cache-lambda/--cache-theta/--cache-window need --cache")
    ckpt = load_checkpoint(args.weights, args.device)
    settings = None
    if args.cache:
        try:
            settings = cache_settings(ckpt, *flags)
        except ValueError as e:
            parser.error(str(e))
    score = score_tokens(ckpt.model, ckpt.vocab, ckpt.vocab.stream(read_lines(args.text)), settings)
    with_cache = "" if settings is None else (f", with the cache (λ={settings.lam:g}, θ={settings.theta:g}, "
                                              f"N={settings.window})")
    print(f"{args.text}: perplexity {score.perplexity:.2f} over {score.tokens} tokens "
          f"(unknown words: {score.unk_rate:.1%}) with {ckpt.model.config.cell} from {ckpt.path}{with_cache}")
    if args.json:
        print(json.dumps(asdict(score)))


if __name__ == "__main__":
    main()

"""Perplexity of a model on any lyrics file, scored exactly as validation is during training.

    python -m lyricgen.evaluate --weights weights/lstm --text my_lyrics.txt [--json]

The text becomes [<eol>, words..., <eol>, ...]; every token after the first is predicted from
all the tokens before it (the hidden state carried through the whole file), and
perplexity = exp(mean cross-entropy in nats).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass

import torch

from .checkpoint import load_checkpoint
from .model import LyricModel, cross_entropy
from .tokens import EOL, lines_to_tokens, read_lines
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
    was_training = model.training
    model.eval()
    data = torch.tensor(ids, dtype=torch.long, device=model.device).unsqueeze(1)  # (num_tokens, 1)
    hidden, total = None, 0.0
    for start in range(0, data.size(0) - 1, chunk):
        inputs = data[start : start + chunk]
        targets = data[start + 1 : start + 1 + chunk]
        inputs = inputs[: targets.size(0)]
        logits, hidden = model(inputs, hidden)
        total += cross_entropy(logits, targets).item() * targets.numel()
    model.train(was_training)
    return total / max(1, data.size(0) - 1)


def unk_rate(vocab: Vocab, tokens: list[str]) -> float:
    words = [t for t in tokens if t != EOL]
    return sum(1 for w in words if w not in vocab) / max(1, len(words))


def score_tokens(model: LyricModel, vocab: Vocab, tokens: list[str]) -> Score:
    if len(tokens) < 2:
        raise ValueError("nothing to score: the text has no words")
    loss = mean_nll(model, vocab.encode(tokens))
    return Score(math.exp(loss), loss, len(tokens) - 1, unk_rate(vocab, tokens))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="weights folder or hub id")
    parser.add_argument("--text", required=True, help="UTF-8 lyrics file, one lyric line per line")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args(argv)
    ckpt = load_checkpoint(args.weights, args.device)
    score = score_tokens(ckpt.model, ckpt.vocab, lines_to_tokens(read_lines(args.text)))
    print(f"{args.text}: perplexity {score.perplexity:.2f} over {score.tokens} tokens "
          f"(unknown words: {score.unk_rate:.1%}) with {ckpt.model.config.cell} from {ckpt.path}")
    if args.json:
        print(json.dumps(asdict(score)))


if __name__ == "__main__":
    main()

"""Training speed: tokens/s of the project's training loop beside a naive loop like the d2l tutorial's,
per cell, same model sizes, same run, same optimizer step (lyricgen.train.train_step).

    python bench/training.py [--steps 20] [--threads N] [--device cpu|cuda]

The project's loop (lyricgen.train): the text cut into batch_size parallel columns, bptt-token
windows taken in order, the hidden state carried from one window to the next (detached).
The naive loop: 32 windows of 32 tokens drawn at random positions for every batch, each batch
starting from a fresh zero hidden state, as in the d2l.ai tutorial's random sampling.

Sizes, dropout, learning rate and clipping are TrainConfig's defaults; the text is a random stream
of ids over the shipped vocabulary's size (speed does not depend on which words they are, and the
bench needs no corpus). Each loop runs a few warm-up steps, then --steps timed steps.
Prints one line per cell, then one JSON line:
{"rnn": {"project_tokens_per_s": ..., "naive_tokens_per_s": ...}, "lstm": {...}, "gru": {...}}
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed

from lyricgen.data import batchify, bptt_batches  # noqa: E402
from lyricgen.model import Hidden, LyricModel, ModelConfig  # noqa: E402
from lyricgen.train import TrainConfig, train_step  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
NAIVE_BATCH, NAIVE_STEPS = 32, 32  # the tutorial's batch size and window length
WARMUP = 3


def vocab_size(weights: Path) -> int:
    """The shipped vocabulary's size, so the output layer costs what it costs in the real model."""
    try:
        return len(json.loads((weights / "lstm" / "vocab.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return 3000  # about the corpus's vocabulary at min_count=2


def build(cfg: TrainConfig, cell: str, vocab: int, device: torch.device) -> tuple[LyricModel, torch.optim.Optimizer]:
    """The model and optimizer train() would build, from TrainConfig's fields that ModelConfig shares."""
    shared = {f.name: getattr(cfg, f.name) for f in fields(ModelConfig) if hasattr(cfg, f.name)}
    model = LyricModel(ModelConfig(**{**shared, "vocab_size": vocab, "cell": cell})).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return model.train(), optimizer


def project_batches(ids: torch.Tensor, cfg: TrainConfig, device: torch.device) -> Iterator[tuple]:
    """The project's batches, in order, over and over: (inputs, targets), each (bptt, batch_size)."""
    data = batchify(ids, cfg.batch_size).to(device)
    while True:
        yield from bptt_batches(data, cfg.bptt)


def naive_batches(ids: torch.Tensor, generator: torch.Generator, device: torch.device) -> Iterator[tuple]:
    """NAIVE_BATCH windows of NAIVE_STEPS tokens at random positions: (inputs, targets), each (steps, batch)."""
    offsets = torch.arange(NAIVE_STEPS + 1)
    while True:
        starts = torch.randint(0, ids.numel() - NAIVE_STEPS - 1, (NAIVE_BATCH,), generator=generator)
        windows = ids[starts[:, None] + offsets].t().to(device)  # (steps + 1, batch)
        yield windows[:-1], windows[1:]


def tokens_per_s(model: LyricModel, optimizer: torch.optim.Optimizer, batches: Iterator[tuple], carry: bool,
                 steps: int, clip: float) -> float:
    """Run WARMUP + steps optimizer steps; tokens/s over the timed ones."""
    hidden: Hidden | None = None
    tokens, start = 0, 0.0
    for i in range(WARMUP + steps):
        if i == WARMUP:
            sync(model.device)
            tokens, start = 0, time.perf_counter()
        inputs, targets = next(batches)
        if hidden is None or not carry:  # the naive loop forgets the state at every batch
            hidden = model.init_hidden(inputs.size(1))
        _, hidden = train_step(model, optimizer, inputs, targets, hidden, clip)
        tokens += targets.numel()
    sync(model.device)
    return tokens / (time.perf_counter() - start)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed optimizer steps per loop and cell")
    parser.add_argument("--tokens", type=int, default=60_000, help="length of the random id stream")
    parser.add_argument("--weights", default="weights", help="folder whose lstm/vocab.json sets the vocabulary size")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    cfg = TrainConfig()
    vocab = vocab_size(Path(args.weights))
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (args.tokens,), generator=generator)
    print(f"torch {torch.__version__} on {device} ({torch.get_num_threads()} CPU threads); vocabulary {vocab}, "
          f"embed/hidden {cfg.embed_dim}/{cfg.hidden_dim}; project: batch {cfg.batch_size} × bptt {cfg.bptt}, "
          f"state carried; naive: batch {NAIVE_BATCH} × {NAIVE_STEPS} random windows, fresh state; "
          f"{args.steps} timed steps each")

    figures: dict[str, dict] = {}
    for cell in CELLS:
        torch.manual_seed(cfg.seed)
        model, optimizer = build(cfg, cell, vocab, device)
        project = tokens_per_s(model, optimizer, project_batches(ids, cfg, device), True, args.steps, cfg.clip)
        torch.manual_seed(cfg.seed)
        model, optimizer = build(cfg, cell, vocab, device)
        naive = tokens_per_s(model, optimizer, naive_batches(ids, generator, device), False, args.steps, cfg.clip)
        print(f"{cell:4s} project {project:8.0f} tokens/s   naive {naive:8.0f} tokens/s   ratio {project / naive:.2f}")
        figures[cell] = {"project_tokens_per_s": round(project, 1), "naive_tokens_per_s": round(naive, 1)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

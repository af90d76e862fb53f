"""Generation speed at batch 1: tokens/s through lyricgen.generate.generate_steps, and its overhead
over one bare model step, per cell, on the CPU (and on the GPU when there is one).

    python bench/generation.py [--weights weights] [--tokens 1000] [--repeats 5] [--threads N] [--check]

The bare step is embedding + cell + linear on one token in inference_mode, with the hidden state
carried, and nothing else: no sampling, no Python bookkeeping. It is timed two ways, through
model.forward and through torch's single-step cell functions (what generate_steps uses on the CPU),
and the faster is the reference, so the ratio never flatters. Generation and bare steps are timed
in turns, best of --repeats each, so a load that comes and goes on the machine hits both alike.

Targets on a 2-core CPU: at least 2,000 tokens/s for every cell, and a ratio of at most 1.3.
Prints one line per cell and device, then one JSON line:
{"rnn": {"tokens_per_s": ..., "overhead_ratio": ...}, "lstm": {...}, "gru": {...}}
(with "cuda_tokens_per_s" and "cuda_overhead_ratio" added per cell when a GPU was measured).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed

from lyricgen.checkpoint import load_checkpoint  # noqa: E402
from lyricgen.generate import _cpu_step, generate_steps, make_prompt, new_generator  # noqa: E402
from lyricgen.model import LyricModel  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
TARGET_TOKENS_PER_S = 2000.0
TARGET_RATIO = 1.3


def seconds_per_call(run: Callable[[int], None], n: int, device: torch.device) -> float:
    """Wall seconds of run(n) divided by n; on a GPU, everything queued is waited for before the clock stops."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    run(n)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / n


def generation_run(model: LyricModel, vocab, prompt_ids: list[int]) -> Callable[[int], None]:
    generator, _ = new_generator(0)

    def run(n: int) -> None:
        # Temperature 0.8 and no top-k: the app's default sampling.
        for _ in generate_steps(model, vocab, prompt_ids, n, 0.8, None, generator):
            pass

    return run


def bare_forward_run(model: LyricModel, token_id: int) -> Callable[[int], None]:
    """One token at a time through model.forward, the hidden state carried."""
    ids = torch.tensor([[token_id]], dtype=torch.long, device=model.device)

    def run(n: int) -> None:
        with torch.inference_mode():
            hidden = model.init_hidden(1)
            for _ in range(n):
                _, hidden = model(ids, hidden)

    return run


def bare_cell_run(model: LyricModel, token_id: int) -> Callable[[int], None]:
    """The same step with torch's single-step cell functions (CPU only)."""

    def run(n: int) -> None:
        with torch.inference_mode():
            hidden = model.init_hidden(1)
            for _ in range(n):
                _, hidden = _cpu_step(model, token_id, hidden)

    return run


def measure(model: LyricModel, vocab, device: torch.device, tokens: int, repeats: int) -> dict:
    model.eval()
    prompt_ids = make_prompt(vocab, "").ids  # [<eol>]: a song from its first word
    token_id = vocab.eol_id
    runs = {"generate": generation_run(model, vocab, prompt_ids), "forward": bare_forward_run(model, token_id)}
    if device.type == "cpu":
        runs["cells"] = bare_cell_run(model, token_id)
    for run in runs.values():  # warm-up: first calls allocate, pick kernels, fill caches
        run(50)
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], seconds_per_call(run, tokens, device))
    bare = min(t for name, t in best.items() if name != "generate")
    return {
        "tokens_per_s": 1.0 / best["generate"],
        "overhead_ratio": best["generate"] / bare,
        "us_per_token": best["generate"] * 1e6,
        "bare_step_us": {name: t * 1e6 for name, t in best.items() if name != "generate"},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="weights", help="folder holding rnn/, lstm/ and gru/")
    parser.add_argument("--tokens", type=int, default=1000, help="tokens per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measure; the best counts")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a CPU target is missed")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {args.tokens} tokens × "
          f"best of {args.repeats}")

    figures: dict[str, dict] = {}
    missed = []
    for cell in CELLS:
        for device in devices:
            ckpt = load_checkpoint(Path(args.weights) / cell, device)
            result = measure(ckpt.model, ckpt.vocab, device, args.tokens, args.repeats)
            bare = ", ".join(f"{name} {us:.0f} µs" for name, us in result["bare_step_us"].items())
            ok = result["tokens_per_s"] >= TARGET_TOKENS_PER_S and result["overhead_ratio"] <= TARGET_RATIO
            if device.type == "cpu" and not ok:
                missed.append(cell)
            verdict = ("ok" if ok else "MISSED") if device.type == "cpu" else "no target"
            print(f"{cell:4s} {device.type:4s} {result['tokens_per_s']:8.0f} tokens/s  "
                  f"{result['us_per_token']:6.0f} µs/token  ratio {result['overhead_ratio']:.2f}  "
                  f"(bare step: {bare})  [{verdict}]")
            entry = figures.setdefault(cell, {})
            prefix = "" if device.type == "cpu" else f"{device.type}_"
            entry[f"{prefix}tokens_per_s"] = round(result["tokens_per_s"], 1)
            entry[f"{prefix}overhead_ratio"] = round(result["overhead_ratio"], 3)
    print(f"targets: ≥ {TARGET_TOKENS_PER_S:.0f} tokens/s and ratio ≤ {TARGET_RATIO} on the CPU: "
          + ("all met" if not missed else f"missed by {', '.join(missed)}"))
    print(json.dumps(figures))
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

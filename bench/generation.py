"""Generation speed per cell: one request at a time through generate_steps, and many at once through
the continuous-batching engine (lyricgen.engine), against the model step's cost and the memory floor.

    python bench/generation.py [--weights weights] [--tokens 1000] [--engine-tokens 100]
                               [--batches 1 8 32 64] [--repeats 3] [--threads N] [--check]

Per cell and device:
- generate_steps at batch 1: tokens/s with the app's default sampling (temperature 0.8, no top-k);
- the bare batch-1 model step: embedding + cell + linear on one token in inference_mode, the hidden
  state carried, nothing else; timed through model.forward and through torch's single-step cell
  functions (what generate_steps uses on the CPU), the faster being the reference;
- the engine: N requests of --engine-tokens tokens each, submitted at once to a running engine by N
  client threads that read their words one by one (as the app's workers do), timed from the start
  to the last word received; aggregate tokens/s for each N in --batches;
- the memory floor: the bytes of weights one step reads, divided by the memory bandwidth measured
  in this run (a large tensor copy: bytes read + written per second), in µs per step. A bare step
  faster than the floor means the weights were read from the CPU's caches, not from memory.
Every measure is timed in turns with the others, best of --repeats, so a load that comes and goes
on the machine hits them alike.

Targets: on the CPU, ≥ 2,000 tokens/s and a ratio to the bare step ≤ 1.3 for generate_steps at
batch 1; and the LSTM engine's aggregate at batch 32 ≥ 8 × generate_steps' tokens/s at batch 1.
Prints the CPU and torch first, a block per cell and device, the targets, then one JSON line of
every figure: {"cpu": ..., "torch": ..., "threads": ..., "bandwidth_gb_s": {device: ...},
"cells": {cell: {device: {...}}}, "lstm_batch32_ratio": ...}.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed

from lyricgen.checkpoint import Checkpoint, load_checkpoint  # noqa: E402
from lyricgen.engine import DecodingEngine  # noqa: E402
from lyricgen.generate import GenerationSettings, _cpu_step, generate_steps, make_prompt, new_generator  # noqa: E402
from lyricgen.model import LyricModel  # noqa: E402
from lyricgen.sampling import Sampling  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
TARGET_TOKENS_PER_S = 2000.0
TARGET_RATIO = 1.3
TARGET_BATCH_GAIN = 8.0  # LSTM: engine at batch 32 ÷ generate_steps at batch 1
GAIN_BATCH = 32
COPY_BYTES = 256 * 2**20  # far beyond any CPU cache: the copy runs at memory speed


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def seconds(run: Callable[[], None], device: torch.device) -> float:
    """Wall seconds of run(); on a GPU, everything queued is waited for before the clock stops."""
    synchronize(device)
    start = time.perf_counter()
    run()
    synchronize(device)
    return time.perf_counter() - start


def best_of(runs: dict[str, Callable[[], None]], repeats: int, device: torch.device) -> dict[str, float]:
    """Best wall seconds of each run, the runs taken in turns; one untimed warm-up each first."""
    for run in runs.values():
        run()
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], seconds(run, device))
    return best


def bandwidth_bytes_per_s(device: torch.device, repeats: int) -> float:
    """Memory bandwidth: a tensor much larger than the caches copied into another, bytes read + written / s."""
    src = torch.ones(COPY_BYTES // 4, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    best = best_of({"copy": lambda: dst.copy_(src)}, repeats + 2, device)["copy"]
    return 2 * COPY_BYTES / best


def weight_bytes_per_step(model: LyricModel) -> int:
    """Bytes of weights one step reads: the cell's and the output layer's, and one row of the embedding
    (the whole embedding when it is the output layer's matrix, counted there)."""
    cell = sum(p.numel() * p.element_size() for p in model.rnn.parameters())
    head = sum(p.numel() * p.element_size() for p in model.head.parameters())
    row = 0 if model.config.tie_weights else model.config.embed_dim * model.embedding.weight.element_size()
    return cell + head + row


def generate_run(model: LyricModel, vocab, tokens: int) -> Callable[[], None]:
    prompt_ids = make_prompt(vocab, "").ids  # [<eol>]: a song from its first word
    generator, _ = new_generator(0)

    def run() -> None:
        for _ in generate_steps(model, vocab, prompt_ids, tokens, Sampling(0.8), generator):
            pass

    return run


def bare_forward_run(model: LyricModel, token_id: int, tokens: int) -> Callable[[], None]:
    """One token at a time through model.forward, the hidden state carried."""
    ids = torch.tensor([[token_id]], dtype=torch.long, device=model.device)

    def run() -> None:
        with torch.inference_mode():
            hidden = model.init_hidden(1)
            for _ in range(tokens):
                _, hidden = model(ids, hidden)

    return run


def bare_cell_run(model: LyricModel, token_id: int, tokens: int) -> Callable[[], None]:
    """The same step with torch's single-step cell functions (CPU only)."""

    def run() -> None:
        with torch.inference_mode():
            hidden = model.init_hidden(1)
            for _ in range(tokens):
                _, hidden = _cpu_step(model, token_id, hidden)

    return run


def engine_run(engine: DecodingEngine, batch: int, tokens: int) -> Callable[[], None]:
    """batch requests of `tokens` tokens, each submitted and read word by word by a thread of its own
    (as the app's worker threads do), all started at once and waited for to their last word."""
    requests = [GenerationSettings("", tokens, Sampling(0.8), seed=seed) for seed in range(batch)]

    errors: list[BaseException] = []

    def client(settings: GenerationSettings) -> None:
        try:
            for _ in engine.submit(settings).stream(timeout=600):
                pass
        except Exception as error:  # a figure from failed requests would be meaningless: re-raised below
            errors.append(error)

    def run() -> None:
        clients = [threading.Thread(target=client, args=(settings,)) for settings in requests]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        if errors:
            raise errors[0]

    return run


def measure(ckpt: Checkpoint, device: torch.device, args: argparse.Namespace) -> dict:
    model, vocab = ckpt.model.eval(), ckpt.vocab
    token_id = vocab.eol_id
    runs = {"generate": generate_run(model, vocab, args.tokens),
            "forward": bare_forward_run(model, token_id, args.tokens)}
    if device.type == "cpu":
        runs["cells"] = bare_cell_run(model, token_id, args.tokens)
    engine = DecodingEngine(ckpt, max_batch=max(args.batches), max_waiting=max(args.batches))
    try:
        for batch in args.batches:
            runs[f"engine_{batch}"] = engine_run(engine, batch, args.engine_tokens)
        best = best_of(runs, args.repeats, device)
    finally:
        engine.stop()
    bare = {name: best[name] / args.tokens for name in ("forward", "cells") if name in best}
    bare_s = min(bare.values())
    generate_s = best["generate"] / args.tokens
    batch1 = 1.0 / generate_s
    return {
        "tokens_per_s": round(batch1, 1),
        "us_per_token": round(generate_s * 1e6, 1),
        "overhead_ratio": round(generate_s / bare_s, 3),
        "bare_step_us": {name: round(s * 1e6, 1) for name, s in bare.items()},
        "engine_tokens_per_s": {str(batch): round(batch * args.engine_tokens / best[f"engine_{batch}"], 1)
                                for batch in args.batches},
    }


def report(cell: str, device: torch.device, result: dict, weight_bytes: int, bandwidth: float) -> None:
    floor_us = weight_bytes / bandwidth * 1e6
    bare_us = min(result["bare_step_us"].values())
    result["weight_bytes_per_step"] = weight_bytes
    result["memory_floor_us"] = round(floor_us, 1)
    result["bare_step_to_floor"] = round(bare_us / floor_us, 3)
    bare = ", ".join(f"{name} {us:.0f} µs" for name, us in result["bare_step_us"].items())
    print(f"{cell} on {device.type}:")
    print(f"  generate_steps, batch 1: {result['tokens_per_s']:8.0f} tokens/s  {result['us_per_token']:6.0f} µs/token"
          f"  ratio {result['overhead_ratio']:.2f} to the bare step ({bare})")
    print(f"  memory floor: {weight_bytes / 1e6:.1f} MB of weights per step ÷ {bandwidth / 1e9:.1f} GB/s = "
          f"{floor_us:.0f} µs/step; bare step ÷ floor = {result['bare_step_to_floor']:.2f}")
    engine = "  ".join(f"batch {batch} {tps:.0f} (×{tps / result['tokens_per_s']:.1f})"
                       for batch, tps in result["engine_tokens_per_s"].items())
    print(f"  engine, tokens/s in all (× generate_steps at batch 1): {engine}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="weights", help="folder holding rnn/, lstm/ and gru/")
    parser.add_argument("--tokens", type=int, default=1000, help="tokens per timed batch-1 run")
    parser.add_argument("--engine-tokens", type=int, default=100, help="tokens per request through the engine")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, GAIN_BATCH, 64],
                        help="concurrent requests per engine measure")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measure; the best counts")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a CPU target is missed")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if GAIN_BATCH not in args.batches:
        args.batches.append(GAIN_BATCH)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"CPU: {cpu_model()}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads; batch 1: {args.tokens} tokens, "
          f"engine: {args.engine_tokens} tokens per request; best of {args.repeats}")
    bandwidth = {device.type: bandwidth_bytes_per_s(device, args.repeats) for device in devices}
    print("memory bandwidth (copy, read + written): "
          + ", ".join(f"{name} {bw / 1e9:.1f} GB/s" for name, bw in bandwidth.items()))

    cells: dict[str, dict] = {}
    missed = []
    for cell in CELLS:
        for device in devices:
            ckpt = load_checkpoint(Path(args.weights) / cell, device)
            result = measure(ckpt, device, args)
            report(cell, device, result, weight_bytes_per_step(ckpt.model), bandwidth[device.type])
            cells.setdefault(cell, {})[device.type] = result
            if device.type == "cpu" and not (result["tokens_per_s"] >= TARGET_TOKENS_PER_S
                                             and result["overhead_ratio"] <= TARGET_RATIO):
                missed.append(f"{cell} batch 1")

    lstm = cells["lstm"]["cpu"]
    gain = lstm["engine_tokens_per_s"][str(GAIN_BATCH)] / lstm["tokens_per_s"]
    if gain < TARGET_BATCH_GAIN:
        missed.append(f"lstm batch {GAIN_BATCH}")
    print(f"LSTM on the CPU: engine at batch {GAIN_BATCH} ÷ generate_steps at batch 1 = {gain:.2f} "
          f"(target ≥ {TARGET_BATCH_GAIN:g}): {'met' if gain >= TARGET_BATCH_GAIN else 'MISSED'}")
    print(f"targets: batch 1 ≥ {TARGET_TOKENS_PER_S:.0f} tokens/s and ratio ≤ {TARGET_RATIO}; "
          f"LSTM batch {GAIN_BATCH} gain ≥ {TARGET_BATCH_GAIN:g}: "
          + ("all met" if not missed else f"missed: {', '.join(missed)}"))
    figures = {
        "cpu": cpu_model(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "bandwidth_gb_s": {name: round(bw / 1e9, 2) for name, bw in bandwidth.items()},
        "cells": cells,
        "lstm_batch32_ratio": round(gain, 3),
    }
    print(json.dumps(figures))
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Repetition with and without the continuous cache: how often a generated line repeats an earlier line
of the same sample, beside the real lyrics' share.

    python bench/repetition.py [--weights weights] [--samples 20] [--tokens 200] [--corpus FILE]

Per cell: --samples samples of --tokens tokens at temperature 0.8 from the start of a line (seeds 0, 1, ...),
without the cache, with the cache as generation uses it (lyricgen.cache.for_generation: a share of the
λ chosen for scoring) and with the scoring λ itself. A line "repeats" when the same words stood as a
whole line earlier in the same sample. The real lyrics are cut into windows of --tokens tokens, one
after another, and measured the same way (skipped when the corpus file is absent). Songs repeat their
choruses: a model that never repeats a line writes less like the lyrics, one that repeats every line loops.
Prints the CPU model and torch version, one line per cell and setting, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed

from lyricgen.cache import for_generation, recorded_settings  # noqa: E402
from lyricgen.checkpoint import load_cells  # noqa: E402
from lyricgen.generate import GenerationSettings, generate_from_settings  # noqa: E402
from lyricgen.sampling import Sampling  # noqa: E402
from lyricgen.tokens import EOL, lines_to_tokens, read_lines  # noqa: E402


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def repeated_lines(tokens: list[str]) -> tuple[int, int]:
    """(lines that repeat an earlier whole line of the same text, lines), over the non-empty lines."""
    seen, repeats, lines, line = set(), 0, 0, []
    for token in [*tokens, EOL]:
        if token != EOL:
            line.append(token)
            continue
        if line:
            lines += 1
            repeats += tuple(line) in seen
            seen.add(tuple(line))
        line = []
    return repeats, lines


def share(texts: list[list[str]]) -> tuple[float, int]:
    counts = [repeated_lines(t) for t in texts]
    lines = sum(n for _, n in counts)
    return sum(r for r, _ in counts) / max(1, lines), lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default=str(Path(__file__).resolve().parent.parent / "weights"))
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data"
                                                / "jaychou_lyrics.txt"))
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_model()} · torch {torch.__version__}")
    figures: dict = {}
    if Path(args.corpus).is_file():
        tokens = lines_to_tokens(read_lines(args.corpus))
        windows = [tokens[i : i + args.tokens] for i in range(0, len(tokens) - args.tokens + 1, args.tokens)]
        figures["lyrics"], lines = share(windows)
        print(f"real lyrics: {figures['lyrics']:.1%} of {lines} lines repeat an earlier line of their "
              f"{args.tokens}-token window")
    for cell, ckpt in load_cells(args.weights, "cpu").items():
        recorded = recorded_settings(ckpt.metrics)
        settings = {"no cache": None}
        if recorded is not None:
            settings.update({"generation cache": for_generation(recorded), "scoring λ": recorded})
        figures[cell] = {}
        for name, cache in settings.items():
            texts = []
            for seed in range(args.samples):
                request = GenerationSettings("", args.tokens, Sampling(args.temperature), seed=seed, cache=cache)
                texts.append([step.token for step in generate_from_settings(ckpt.model, ckpt.vocab, request)[2]])
            figures[cell][name], lines = share(texts)
            lam = f" (λ = {cache.lam:.2f}, θ = {cache.theta:.3g}, N = {cache.window})" if cache else ""
            print(f"{cell:5s} {name:17s}{lam}: {figures[cell][name]:.1%} of {lines} lines repeat an earlier line")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

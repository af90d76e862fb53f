"""The Lab on the built-in poems, split into words (jieba) and into characters: what a student's model meets.

    python bench/lab_split.py [--seconds 20] [--cell lstm] [--hidden 128]

Trains one model per split for the same wall-clock budget (LabConfig's other defaults, one torch thread, as
the app's Lab runs beside the generation requests) and prints, per split: the vocabulary, the share of the
validation tail's tokens the vocabulary lacks, the steps taken, the validation perplexity beside the 5-gram's
on the same split (each per token of its own split: a word's and a character's are not the same unit), and the
last sample. Prints the CPU model and torch version first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed

from load import cpu_model  # noqa: E402  (bench/load.py)

from lyricgen.lab import LabConfig, builtin_poems, lab_metrics, prepare, train_live  # noqa: E402
from lyricgen.tokens import SPLITS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="each training's budget")
    parser.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} · torch {torch.__version__}")
    torch.set_num_threads(1)
    found = {}
    for split in SPLITS:
        cfg = replace(LabConfig(), tokens=split, budget_s=args.seconds, cell=args.cell, hidden_size=args.hidden)
        data = prepare(builtin_poems(), cfg)
        *_, last = train_live(data, cfg)
        m = lab_metrics(last, data, cfg)
        found[split] = {"vocab": m["vocab_size"], "val_unknown": round(m["val_unk_rate"], 3), "steps": m["steps"],
                        "val_ppl": round(m["val_ppl"], 2), "ngram_val_ppl": round(m["ngram_val_ppl"], 2),
                        "sample": last.samples[-1].text}
        f = found[split]
        print(f"{split:>4}: vocabulary {f['vocab']}, {f['val_unknown']:.0%} of the validation tokens unknown, "
              f"{f['steps']} steps, validation perplexity {f['val_ppl']} (the 5-gram's {f['ngram_val_ppl']}); "
              f"sample: {f['sample'].replace(chr(10), ' / ')}")
    print(json.dumps({"seconds": args.seconds, "cell": args.cell, "hidden": args.hidden, **found},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()

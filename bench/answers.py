"""Answers, call by call: what every public endpoint answers for fixed inputs, to compare two checkouts.

    python bench/answers.py [--app app.py [/tmp/old/app.py ...]] [--out answers.json] [--weights FOLDER]

For each app script, starts `python <app> --port P` from the script's own folder (--weights sets
LYRICGEN_WEIGHTS; default: the app's own weights/), asks it for its API (gradio_client's view_api) and
calls every public endpoint once with each parameter's default, the seed fixed (a parameter named
"seed" gets "7"), through the queue as a student's page does. Training is left out: its figures depend
on how fast the machine is. An answer is kept as JSON (a file it returns as the SHA-256 of its bytes), so
two apps' answers compare exactly: the script prints each endpoint as "same" or "DIFFERENT" (with the
first difference) and ends with one JSON line {"apps", "endpoints", "same", "different", "missing"}.
A refactor must print "same" for every endpoint. --out writes the answers of the last app given.
Prints the CPU model and torch version first, as every benchmark here does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from pathlib import Path

from load import cpu_model  # bench/load.py, beside this script
from server import resolve_app, start_server, stop  # bench/server.py

SKIP = {"/train", "/train_stop"}  # timing-dependent: how many steps fit the budget
SEED = "7"


def canonical(value: object) -> object:
    """An answer as plain JSON: a file (a dict with a path, or a path string) becomes the hash of its bytes."""
    if isinstance(value, dict):
        if isinstance(value.get("path"), str) and Path(value["path"]).is_file():
            return {"sha256": hashlib.sha256(Path(value["path"]).read_bytes()).hexdigest()}
        return {k: canonical(v) for k, v in value.items() if k not in ("url", "path", "orig_name")}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and Path(value).is_file():
        return {"sha256": hashlib.sha256(Path(value).read_bytes()).hexdigest()}
    return value


def record(app: Path, weights: str | None) -> dict[str, object]:
    from gradio_client import Client

    with tempfile.TemporaryFile() as log:
        server, url = start_server(app, weights, log)
        try:
            client = Client(url, verbose=False, headers={"Accept-Language": "en"})
            answers = {}
            endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
            for name, spec in sorted(endpoints.items()):
                if name in SKIP:
                    continue
                args = [SEED if p.get("parameter_name") == "seed" else p.get("parameter_default")
                        for p in spec["parameters"]]
                try:
                    answers[name] = canonical(client.predict(*args, api_name=name))
                except Exception as error:  # an endpoint that refuses its defaults: the refusal is its answer
                    answers[name] = {"error": str(error)}
            return answers
        finally:
            stop(server)


def first_difference(a: object, b: object, where: str = "") -> str:
    if type(a) is not type(b):
        return f"{where or 'answer'}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{where}.{key}: only in {'second' if key not in a else 'first'}"
            if a[key] != b[key]:
                return first_difference(a[key], b[key], f"{where}.{key}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return first_difference(x, y, f"{where}[{i}]")
    if isinstance(a, str):  # around the first character that differs
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        return f"{where} at character {i}: {a[max(0, i - 30):i + 30]!r} vs {b[max(0, i - 30):i + 30]!r}"
    return f"{where}: {str(a)[:80]!r} vs {str(b)[:80]!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", nargs="+", default=["app.py"], help="app scripts; the first is the reference")
    parser.add_argument("--weights", help="a weights folder for every app (default: each app's own)")
    parser.add_argument("--out", help="write the last app's answers here as JSON")
    args = parser.parse_args()
    import torch

    print(f"CPU: {cpu_model()} · torch {torch.__version__}")
    runs = [(app, record(resolve_app(app), args.weights)) for app in args.app]
    reference = runs[0][1]
    summary = {"apps": args.app, "endpoints": len(reference), "same": 0, "different": 0, "missing": 0}
    for app, answers in runs[1:]:
        print(f"{app} against {runs[0][0]}:")
        for name in sorted(set(reference) | set(answers)):
            if name not in answers or name not in reference:
                summary["missing"] += 1
                print(f"  {name}: MISSING in {'second' if name not in answers else 'first'}")
            elif answers[name] == reference[name]:
                summary["same"] += 1
                print(f"  {name}: same")
            else:
                summary["different"] += 1
                print(f"  {name}: DIFFERENT — {first_difference(reference[name], answers[name])}")
    if args.out:
        Path(args.out).write_text(json.dumps(runs[-1][1], ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

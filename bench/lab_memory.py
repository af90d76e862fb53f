"""The server's memory over many Lab trainings: bounded, or growing with every training?

    python bench/lab_memory.py [--batches 6] [--at-once 4] [--budget 5] [--app app.py]

Starts `python app.py`, then --batches times: --at-once students (each a session of its own) press Train at
once (the built-in poems, LSTM 128, --budget seconds; the Lab trains two at a time, the rest wait in its
queue), and when all are done the server's resident memory is read. A leak grows by about the same amount
every batch; a one-off (what the first trainings set up and keep) grows once. Each trained model is its
session's own ("mine") and stays held: the store's caps bound those. Prints the CPU model and torch version
first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from gradio_client import Client
from load import cpu_model, rss_mb  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py


def train(url: str, budget: float) -> bool:
    """One training through /train in a new session; True when it ended with its model."""
    request = ["builtin", "", "lstm", 128, 0.003, budget, "project", "明月", "char"]
    try:
        *_, file = Client(url, verbose=False, download_files=False).predict(*request, api_name="/train")
    except Exception as e:  # counted, and shown: a training that fails is a finding of its own
        print(f"  failed: {type(e).__name__}: {str(e)[:120]}", flush=True)
        return False
    return file is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--at-once", type=int, default=4)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds of each training")
    parser.add_argument("--app", default="app.py")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    growth, failed = [], 0
    with tempfile.TemporaryFile() as log:
        server, url = start_server(resolve_app(args.app), None, log)
        try:
            start = rss_mb(server.pid)
            for batch in range(args.batches):
                with ThreadPoolExecutor(args.at_once) as pool:
                    done = list(pool.map(lambda _: train(url, args.budget), range(args.at_once)))
                failed += done.count(False)
                time.sleep(1.0)  # the last training's thread ends (and hands its memory back) after its answer
                growth.append(round(rss_mb(server.pid) - start, 1))
                print(f"after {(batch + 1) * args.at_once} trainings: +{growth[-1]} MB", flush=True)
        finally:
            stop(server)
    print(json.dumps({"trainings": args.batches * args.at_once, "failed": failed, "growth_mb": growth,
                      "after_first_batch_mb": round(growth[-1] - growth[0], 1)}))


if __name__ == "__main__":
    main()

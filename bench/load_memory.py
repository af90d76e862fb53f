"""The server's memory under a class's load, again and again on one server: bounded, or growing every time?

    python bench/load_memory.py [--users 30] [--seconds 20] [--length 100] [--rounds 4] [--app app.py]

bench/load.py measures what one load adds to a fresh server. Here the same load (--users students flooding
/generate for --seconds, as load.py's students do) runs --rounds times against one server, after load.py's
warm-up, and the server's resident memory is read after each. A leak grows by about the same amount every
round; a one-off (buffers sized for the batch a class makes, kept for the next) grows in the first round
only. Prints the CPU model and torch version first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time

from load import Endpoint, Results, cpu_model, rss_mb, the_class, warm_up  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    args.think = 0.0  # a flood: load.py's students ask again at once
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    growth, answers, failed = [], [], []
    with tempfile.TemporaryFile() as log:
        server, url = start_server(resolve_app(args.app), args.weights, log)
        try:
            endpoint = Endpoint.read(url)
            asyncio.run(warm_up(endpoint, args.length))  # as load.py: each model's first call allocates once
            time.sleep(1.0)
            before = rss_mb(server.pid)
            for k in range(args.rounds):
                results = Results()
                asyncio.run(the_class(endpoint, args.users, args, results))
                time.sleep(1.0)  # the server's bookkeeping for the last requests
                growth.append(round(rss_mb(server.pid) - before, 1))
                answers.append(len(results.whole))
                failed.append(sum(results.errors.values()))
                print(f"round {k + 1}: {answers[-1]} answers, {failed[-1]} failed, +{growth[-1]} MB", flush=True)
        finally:
            stop(server)
    print(json.dumps({"users": args.users, "seconds": args.seconds, "growth_mb": growth, "answers": answers,
                      "failed": failed, "after_first_round_mb": round(growth[-1] - growth[0], 1)}))


if __name__ == "__main__":
    main()

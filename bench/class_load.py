"""A class generating while it answers the Lesson's polls and posts to the class wall (issue: the class, together).

    python bench/class_load.py [--users 100] [--seconds 40] [--length 100] [--think 0] [--rounds 2] [--app app.py]

Runs the same class twice against a fresh server each time, in turns: students who only press Generate, and
students who after every answer also answer a poll (class_answer) and post their lyrics (class_post) to one
class, as the page sends them: Generate through the queue (bench/load.py's client), the class's calls as one
HTTP POST each (they skip the queue, lyricgen/web/tabs/class_common.py). --think: a mean pause (exponential)
before each Generate, as a class reading; 0 is a flood. Prints generation's p95 (first
words, whole answer) both ways, their ratio (target: within 10%), the class calls made and failed, and that
the wall holds exactly the posts made. Prints the CPU model and torch version first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid

import httpx
from load import CELLS, STARTS, Endpoint, ask, cpu_model, percentile  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py

QUESTIONS = ("words", "vectors", "one_step", "over_time", "next_word", "gates", "training", "memory")


def fn_index(url: str, name: str) -> int:
    config = httpx.get(f"{url}config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == name)


async def call(http: httpx.AsyncClient, url: str, index: int, session: str, data: list):
    """One class call, posted as the page posts an event outside the queue: its answer."""
    sent = await http.post(f"{url}gradio_api/run/predict", json={"data": data, "fn_index": index,
                                                                "session_hash": session})
    sent.raise_for_status()
    return sent.json()["data"][0]


async def student(i: int, http, endpoint: Endpoint, url: str, calls: dict, args, stop_at: float, out: dict) -> None:
    rng, session, n = random.Random(i), uuid.uuid4().hex[:11], i
    while time.perf_counter() < stop_at:
        if args.think:
            await asyncio.sleep(rng.expovariate(1 / args.think))
            if time.perf_counter() >= stop_at:
                return
        cell, start = CELLS[n % len(CELLS)], STARTS[n % len(STARTS)]
        n += 1
        try:
            first, whole, lyrics = await ask(http, endpoint, session, endpoint.inputs(start, args.length, cell, ""))
            out["first"].append(first)
            out["whole"].append(whole)
        except Exception as e:  # counted, and the student carries on
            out["failed"].append(f"generate {type(e).__name__}: {str(e)[:80]}")
            continue
        if not calls:
            continue
        nickname = f"s{i}"
        try:
            await call(http, url, calls["class_answer"], session, [calls["code"], nickname, rng.choice(QUESTIONS),
                                                                   rng.choice("ABC")])
            await call(http, url, calls["class_post"], session, [calls["code"], nickname, lyrics or start or "…",
                                                                 json.dumps({"cell": cell, "start": start})])
            out["posted"] += 1
        except Exception as e:
            out["failed"].append(f"class {type(e).__name__}: {str(e)[:80]}")


async def the_class(url: str, users: int, args, with_class: bool) -> dict:
    endpoint = Endpoint.read(url)
    out = {"first": [], "whole": [], "failed": [], "posted": 0}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=2 * users + 10, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as http:
        calls = {}
        if with_class:
            calls = {name: fn_index(url, name) for name in ("class_open", "class_answer", "class_post", "class_wall")}
            calls["code"], _ = await call(http, url, calls["class_open"], uuid.uuid4().hex[:11], [])
        stop_at = time.perf_counter() + args.seconds
        await asyncio.gather(*(student(i, http, endpoint, url, calls, args, stop_at, out) for i in range(users)))
        if with_class:
            wall = json.loads(await call(http, url, calls["class_wall"], uuid.uuid4().hex[:11], [calls["code"]]))
            out["wall"] = len(wall)
    return out


def run(app: str, args, with_class: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as log:
        os.environ["LYRICGEN_CLASS_DB"] = os.path.join(tmp, "classes.sqlite")  # the server's own, fresh
        server, url = start_server(resolve_app(app), args.weights, log)
        try:
            out = asyncio.run(the_class(url, args.users, args, with_class))
        finally:
            stop(server)
    figures = {"class": with_class, "answers": len(out["whole"]), "failed": len(out["failed"]),
               "first_p95_s": round(percentile(out["first"], 95), 3),
               "whole_p95_s": round(percentile(out["whole"], 95), 3)}
    if with_class:
        figures.update(posted=out["posted"], wall=out.get("wall"))
    print(("with the class:   " if with_class else "generation only: ") + json.dumps(figures), flush=True)
    if out["failed"]:
        print("  e.g.", out["failed"][:3], flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a student reads between answers")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, in turns")
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    runs = [run(args.app, args, with_class) for _ in range(args.rounds) for with_class in (False, True)]
    plain = [r for r in runs if not r["class"]]
    with_class = [r for r in runs if r["class"]]
    ratio = (sum(r["whole_p95_s"] for r in with_class) / len(with_class)) / (
        sum(r["whole_p95_s"] for r in plain) / len(plain))
    print(json.dumps({"users": args.users, "think_s": args.think, "whole_p95_ratio": round(ratio, 3), "target": 1.10,
                      "runs": runs}))


if __name__ == "__main__":
    main()

"""A class generating while it answers the Lesson's polls and posts to the class wall (issue: the class, together).

    python bench/class_load.py [--users 100] [--seconds 40] [--length 100] [--think 0] [--rounds 2] [--app app.py]

Runs the same class twice against a fresh server each time, in turns: students who only press Generate, and
students who after every answer also answer a poll (class_answer) and post their lyrics (class_post) to one
class, as the page sends them: Generate through the queue (bench/load.py's client), the class's calls as one
HTTP POST each (they skip the queue, lyricgen/web/tabs/class_common.py). --think: a mean pause (exponential)
before each Generate, as a class reading; 0 is a flood. --refresh: each student also joins the class on the page
and its timer asks for the view every CLASS_REFRESH_S, as a joined page does. Prints generation's p95 (first
words, whole answer) both ways, their ratio (target: within 10%), the class calls made and failed, and that
the wall holds exactly the posts made. Prints the CPU model and torch version first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from load import CELLS, STARTS, Endpoint, ask, cpu_model, percentile  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed
from lyricgen.web.limits import CLASS_REFRESH_S as REFRESH_S  # noqa: E402

QUESTIONS = ("words", "vectors", "one_step", "over_time", "next_word", "gates", "training", "memory")


def fn_index(url: str, name: str) -> int:
    config = httpx.get(f"{url}config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == name)


def page_events(url: str) -> dict[str, int]:
    """The Join sub-tab's own events (not in the API): its join button's click and its timer's tick."""
    config = httpx.get(f"{url}config", timeout=30).json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    join = next(d["id"] for d in config["dependencies"] if [ids["class-enter"], "click"] in d["targets"])
    tick = next(d["id"] for d in config["dependencies"] if ids["class-wall"] in d["outputs"]
                and any(trigger == "tick" for _, trigger in d["targets"]))
    return {"join": join, "tick": tick}


async def ticking(http, url: str, calls: dict, session: str, stop_at: float, out: dict, rng) -> None:
    """A joined page's timer: the student's view every CLASS_REFRESH_S, as long as the class runs."""
    await asyncio.sleep(rng.uniform(0, REFRESH_S))  # the pages opened at different moments
    while time.perf_counter() < stop_at:
        try:
            await call(http, url, calls["tick"], session, [None, None])  # both inputs are the session's State
            out["ticks"] += 1
        except Exception as e:
            out["failed"].append(f"tick {type(e).__name__}: {str(e)[:80]}")
        await asyncio.sleep(REFRESH_S)


async def call(http: httpx.AsyncClient, url: str, index: int, session: str, data: list):
    """One class call, posted as the page posts an event outside the queue: its answer."""
    sent = await http.post(f"{url}gradio_api/run/predict", json={"data": data, "fn_index": index,
                                                                "session_hash": session})
    sent.raise_for_status()
    return sent.json()["data"][0]


async def student(i: int, http, endpoint: Endpoint, url: str, calls: dict, args, stop_at: float, out: dict) -> None:
    rng, session, n = random.Random(i), uuid.uuid4().hex[:11], i
    timer = None
    if calls and args.refresh:  # the page joins the class, and its timer starts
        await call(http, url, calls["join"], session, [calls["code"], f"s{i}", None])
        timer = asyncio.create_task(ticking(http, url, calls, session, stop_at, out, rng))
    try:
        await pressing(i, rng, session, n, http, endpoint, url, calls, args, stop_at, out)
    finally:
        if timer is not None:
            await timer


async def pressing(i, rng, session, n, http, endpoint, url, calls, args, stop_at, out) -> None:
    """The student's Generate, then (in a class) a poll's answer and a post, until the class ends."""
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
    out = {"first": [], "whole": [], "failed": [], "posted": 0, "ticks": 0}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=2 * users + 10, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as http:
        calls = {}
        if with_class:
            calls = {name: fn_index(url, name) for name in ("class_open", "class_answer", "class_post", "class_wall")}
            calls.update(page_events(url))
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
        figures.update(posted=out["posted"], wall=out.get("wall"), ticks=out["ticks"])
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
    parser.add_argument("--refresh", action="store_true",
                        help="each student also joins on the page, and its timer refreshes the view as the page's does")
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    runs = [run(args.app, args, with_class) for _ in range(args.rounds) for with_class in (False, True)]
    plain = [r for r in runs if not r["class"]]
    with_class = [r for r in runs if r["class"]]
    ratio = (sum(r["whole_p95_s"] for r in with_class) / len(with_class)) / (
        sum(r["whole_p95_s"] for r in plain) / len(plain))
    print(json.dumps({"users": args.users, "think_s": args.think, "refresh": args.refresh,
                      "whole_p95_ratio": round(ratio, 3), "target": 1.10,
                      "runs": runs}))


if __name__ == "__main__":
    main()

"""Students' own models beside the shipped ones (issue: your model, everywhere).

    python bench/mine_load.py [--users 30] [--seconds 40] [--length 100] [--think 0] [--rounds 2] [--app app.py]
                              [--train [--retry 2]] [--settle 10]

One Lab training (10 s, through /train) makes a model; then two runs against a fresh server each: USERS students
generating with the shipped models alone, and the same USERS beside USERS more who each upload that model
(/upload_model: every one of them now owns a model, held apart) and generate with it ("mine"). With --train,
each of those trains its own instead (10 s through /train in its session, as the issue's check has it; the Lab
trains two at once and the others wait in its queue; an older server refused them instead, and they press
again after --retry seconds on average), then
generates with it; --seconds must then leave room for USERS / 2 trainings of 10 s. Prints the shipped
models' p95 both ways and their ratio (target: within 20%), the same for the answers begun --settle seconds in or
later (settled: the uploads, all at once at the start, are in by then; uploads_in_s says when the last was), the
mine students' answers, and the server's memory growth beside the store's caps, which bound it. Each mine
student's page keeps its heartbeat stream open, as a browser does; at the end the pages close, and every one of
them asks for its model again: models_left counts those the server still held (target 0), and the memory is
measured again. Prints the CPU model and torch version first; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from gradio_client import Client
from load import API, CELLS, STARTS, Endpoint, Failed, ask, cpu_model, percentile, rss_mb  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere, no install needed
from lyricgen.web import i18n, limits  # noqa: E402

BUSY_WORDS = ("再试", "busy", "try again")  # the Lab's "no place free" notices, in the page's languages
TRAIN = ["builtin", "", "lstm", 128, 0.003, 10, "project", "明月", "char"]  # the Lab: 10 s on the built-in poems
NO_MODEL = {i18n.text(lang, "mine.error.none") for lang in i18n.LANGUAGES}  # "train or upload a model first"
CLOSED_WAIT_S = 30.0  # how long a closed page's model may take to go (the server's unload runs in the background)


def train_zip(url: str) -> str:
    """One Lab training through /train: the path of the zip it offers (the server's, on this machine)."""
    *_, file = Client(url, verbose=False, download_files=False).predict(*TRAIN, api_name="/train")
    return file["path"]


async def upload(http: httpx.AsyncClient, url: str, index: int, session: str, path: str) -> None:
    """The zip sent as a page sends it: to Gradio's upload route, then /upload_model in this session."""
    with open(path, "rb") as f:
        sent = await http.post(f"{url}{API}/upload", files={"files": ("model.zip", f, "application/zip")})
    sent.raise_for_status()
    data = [{"path": sent.json()[0], "meta": {"_type": "gradio.FileData"}, "orig_name": "model.zip"}]
    await ask(http, Endpoint(url, index, None, []), session, data)


async def train(http: httpx.AsyncClient, url: str, index: int, session: str, rng: random.Random,
                stop_at: float, retry_s: float) -> bool:
    """The Lab's training (10 s) in this session, as a page asks for it: again after a pause of mean retry_s
    (exponential) while every slot is taken (the Lab keeps the refused in line). True once trained: the
    session's model is then its own."""
    while time.perf_counter() < stop_at:
        try:
            await ask(http, Endpoint(url, index, None, []), session, TRAIN)
            return True
        except Failed as e:
            if not any(word in str(e) for word in BUSY_WORDS):
                raise
            await asyncio.sleep(rng.expovariate(1 / retry_s))  # a student reads the notice and presses again
    return False


async def own_model(http, endpoint: Endpoint, args, session: str, rng: random.Random, stop_at: float,
                    out: dict) -> bool:
    """A mine student's model: trained in the Lab (--train) or the first training's zip uploaded."""
    try:
        if args.train:
            if not await train(http, endpoint.url, args.train_index, session, rng, stop_at, args.retry):
                return False
        else:
            await upload(http, endpoint.url, args.upload_index, session, args.zip)
        out["uploaded"].append(time.perf_counter())
        return True
    except Exception as e:
        out["failed"].append(f"own model {type(e).__name__}: {str(e)[:80]}")
        return False


async def page_open(http: httpx.AsyncClient, url: str, session: str, closed: asyncio.Event) -> None:
    """The page's heartbeat stream, open until `closed` is set: its end is the page's unload (its model goes)."""
    async with http.stream("GET", f"{url}{API}/heartbeat/{session}", timeout=None):
        await closed.wait()


async def still_held(http: httpx.AsyncClient, endpoint: Endpoint, session: str) -> bool:
    """After its page closed, the session asks for its model until told it has none (True: still held then)."""
    give_up = time.perf_counter() + CLOSED_WAIT_S
    while time.perf_counter() < give_up:
        try:
            await ask(http, endpoint, session, endpoint.inputs(STARTS[0], 5, "mine", "1"))
        except Failed as e:
            if str(e) in NO_MODEL:
                return False
        await asyncio.sleep(0.5)
    return True


async def student(i: int, http, endpoint: Endpoint, cell: str, args, stop_at: float, out: dict) -> None:
    session, n, rng = uuid.uuid4().hex[:11], i, random.Random(i)
    if cell == "mine":
        out["pages"].append(asyncio.create_task(page_open(http, endpoint.url, session, out["closed"])))
        if not await own_model(http, endpoint, args, session, rng, stop_at, out):
            return
        out["owners"].append(session)
    while time.perf_counter() < stop_at:
        if args.think:  # a class reading: an exponential pause between answers
            await asyncio.sleep(rng.expovariate(1 / args.think))
            if time.perf_counter() >= stop_at:
                return
        model = cell if cell == "mine" else CELLS[n % len(CELLS)]
        n += 1
        try:
            began = time.perf_counter()
            _, whole, _ = await ask(http, endpoint, session, endpoint.inputs(STARTS[n % len(STARTS)], args.length,
                                                                             model, ""))
            out[cell == "mine"].append(whole)
            if cell != "mine":
                out["shipped_began"].append(began)
        except Exception as e:
            out["failed"].append(f"{model} {type(e).__name__}: {str(e)[:80]}")


async def the_class(url: str, args, with_mine: bool) -> dict:
    endpoint = Endpoint.read(url)
    config = httpx.get(f"{url}config", timeout=30).json()
    index = {d.get("api_name"): d["id"] for d in config["dependencies"]}
    args.upload_index, args.train_index = index["upload_model"], index["train"]
    out = {False: [], True: [], "failed": [], "uploaded": [], "shipped_began": [], "pages": [], "owners": [],
           "closed": asyncio.Event()}
    cells = ["shipped"] * args.users + (["mine"] * args.users if with_mine else [])
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=2 * len(cells) + 10, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as http:
        out["t0"] = time.perf_counter()
        stop_at = out["t0"] + args.seconds
        await asyncio.gather(*(student(i, http, endpoint, c, args, stop_at, out) for i, c in enumerate(cells)))
        out["rss_open"] = rss_mb(args.server_pid)
        out["closed"].set()  # every page closes
        await asyncio.gather(*out["pages"])
        held = await asyncio.gather(*(still_held(http, endpoint, session) for session in out["owners"]))
        out["models_left"] = sum(held)
    return out


def settled(out: dict, after_s: float) -> list[float]:
    """The shipped answers begun after_s seconds into the run or later (the students' uploads are in by then)."""
    answers = zip(out[False], out["shipped_began"], strict=True)
    return [whole for whole, began in answers if began - out["t0"] >= after_s]


def run(args, with_mine: bool) -> dict:
    with tempfile.TemporaryFile() as log:
        server, url = start_server(resolve_app(args.app), args.weights, log)
        try:
            if args.zip is None and not args.train:
                args.zip = train_zip(url)
            before, args.server_pid = rss_mb(server.pid), server.pid
            out = asyncio.run(the_class(url, args, with_mine))
            time.sleep(1.0)
            after = rss_mb(server.pid)
        finally:
            stop(server)
    figures = {"with_mine": with_mine, "shipped_answers": len(out[False]),
               "shipped_p95_s": round(percentile(out[False], 95), 3), "mine_answers": len(out[True]),
               "mine_p95_s": round(percentile(out[True], 95), 3) if out[True] else None,
               "failed": len(out["failed"]), "memory_growth_mb": round(out["rss_open"] - before, 1),
               "models_left": out["models_left"] if with_mine else None,
               "memory_growth_closed_mb": round(after - before, 1),
               "uploads_in_s": round(max(out["uploaded"]) - out["t0"], 1) if out["uploaded"] else None,
               "settled_p95_s": round(percentile(settled(out, args.settle), 95), 3)}
    print(json.dumps(figures), flush=True)
    if out["failed"]:
        print("  e.g.", out["failed"][:3], flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a student reads between answers")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, in turns")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="settled_p95_s: the shipped answers begun this many seconds in or later")
    parser.add_argument("--train", action="store_true",
                        help="each mine student trains 10 s in the Lab (through /train, in its session) instead")
    parser.add_argument("--retry", type=float, default=2.0,
                        help="with --train: mean seconds a refused student waits before pressing Train again")
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    args.zip = None
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    print(f"the store's caps: {limits.MINE_MAX_MODELS} models, {limits.MINE_MAX_HELD_BYTES / 2**20:.0f} MB of them",
          flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as keep:  # the trained zip outlives its server
        for _ in range(args.rounds):  # in turns, so that a noisy neighbour's spell falls on both
            runs.append(run(args, False))
            # the first run's training, kept for every run beside
            if args.zip is not None and args.zip != f"{keep}/model.zip":
                with open(args.zip, "rb") as src, open(f"{keep}/model.zip", "wb") as dst:
                    dst.write(src.read())
                args.zip = f"{keep}/model.zip"
            runs.append(run(args, True))
    alone = [r["shipped_p95_s"] for r in runs if not r["with_mine"]]
    beside = [r["shipped_p95_s"] for r in runs if r["with_mine"]]
    ratio = (sum(beside) / len(beside)) / (sum(alone) / len(alone))
    settled_ratio = (sum(r["settled_p95_s"] for r in runs if r["with_mine"]) /
                     sum(r["settled_p95_s"] for r in runs if not r["with_mine"]))
    print(json.dumps({"users": args.users, "shipped_p95_ratio": round(ratio, 3), "target": 1.2,
                      "settled_p95_ratio": round(settled_ratio, 3), "runs": runs}))

if __name__ == "__main__":
    main()

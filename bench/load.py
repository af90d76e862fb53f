"""Load: a class of students generating 100 words at a time against `python app.py`, flooding or reading.

    python bench/load.py [--users 30 60 100] [--seconds 60] [--length 100] [--think S] [--weights FOLDER]
                         [--app app.py [/tmp/old/app.py ...]] [--rounds N] [--trainings N] [--check]

For each number of users and each app script (several may be given, e.g. an old checkout's app.py, to
compare in one sitting; the apps take turns, round by round, A, B, A, B ...), starts a fresh
`python <app> --port P` from the script's own folder (--weights sets LYRICGEN_WEIGHTS; default: the app's
own weights/), waits for its page, then lets that many students ask /generate again and again with the
next cell in turn, temperature 0.8, a random seed. Without --think they click again as soon as an answer
is complete (a flood); with --think S each student first reads for a pause drawn from an exponential
distribution of mean S seconds, before the first question too (a class that reads what it got). A
request started before --seconds is up is waited for and counted.

The students are light: one asyncio process speaking Gradio's queue protocol (sse_v3) with httpx, the
way the page's own JavaScript does: POST /gradio_api/queue/join with the inputs, then GET
/gradio_api/queue/data?session_hash=... and read its server-sent events (the first update, holding the
start text, then the words in diffs, then process_completed). The endpoint's fn_index, its trigger and
its inputs' defaults come from the app's /config. The generator's own CPU is printed beside the server's,
so the figures are the server's.

Figures: "first words" is from the join to the first update that holds a generated word (the update
after the start text's), "whole" to the last word. "Refused" counts the server's "busy" answers (an
engine's waiting line, or Gradio's queue, full); "failed" every other error. Server memory is the app
process's resident set size (VmRSS in /proc/PID/status), read once the page answers, again after one
warm-up request per cell ("before": the first call of each model allocates its buffers for good), and
once more after the load.

--trainings N also keeps N live trainings of the Lab tab running through the load (/train, each from a
gradio_client Client of its own in a thread: the built-in poems, a GRU of hidden size 128, the project's
feeding, a time budget covering the load, another one started if time is left). The load's clock starts
once every training has streamed its first update; the trainings' own tokens/s are printed too.

Targets (issue 17): a flood: 0 refused and 0 failed, p95 whole at most 1.5 s for 30 users and 4 s for 100
(interpolated between); a reading class (--think): p95 first words at most 1 s, p95 whole at most 3 s,
0 failed; memory growth under 50 MB. Prints the CPU model and torch version, one block of figures per run,
then one JSON line: a list with one object each, {"app", "round", "users", "think_s", "seconds", "completed",
"refused", "failed", "p50_s", "p95_s", "first_p50_s", "first_p95_s", "rss_before_mb", "rss_after_mb", ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from server import START_TIMEOUT_S, resolve_app, start_server, stop  # bench/server.py, beside this script

CELLS = ("rnn", "lstm", "gru")
STARTS = ("星星", "下雨的夜晚", "我想你", "夏天的风", "")  # what students type, the empty start included
TARGET_P95_S = {30: 1.5, 100: 4.0}  # flood: users → p95 seconds; other class sizes are interpolated
TARGET_THINK_P95_S = (1.0, 3.0)  # a reading class: p95 first words, p95 whole answer
TARGET_GROWTH_MB = 50.0
REFUSALS = ("busy", "Queue is full")  # the server's own "try again" answers
API = "gradio_api"
# One live training of the Lab tab (/train): corpus, text, cell, hidden size, learning rate, [budget], feeding, start,
# tokens.
TRAINING = ("builtin", "", "gru", 128, 0.003)
TRAINING_TAIL = ("project", "明月", "char")  # feeding, start text, tokens
TRAINING_BUDGET_S = (5.0, 90.0)  # the tab's smallest and largest time budget (lyricgen/web/limits.py)
TOKENS_PER_S = re.compile(r"\*\*([\d,]+)\*\* (?:词元/秒|tokens/s)")  # the status line, in either language


@dataclass
class Results:
    whole: list[float] = field(default_factory=list)  # seconds from the join to the last word
    first: list[float] = field(default_factory=list)  # seconds from the join to the first generated word
    errors: Counter = field(default_factory=Counter)
    refused: int = 0

    def add(self, error: str) -> None:
        if any(word in error for word in REFUSALS):
            self.refused += 1
        else:
            self.errors[error] += 1


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux), in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far, from /proc/PID/stat (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Endpoint:
    """/generate as the page calls it: its fn_index, the button that triggers it, its inputs' defaults."""

    url: str
    fn_index: int
    trigger_id: int | None
    defaults: list

    @classmethod
    def read(cls, url: str) -> Endpoint:
        config = httpx.get(f"{url}config", timeout=30).json()
        dep = next(d for d in config["dependencies"] if d.get("api_name") == "generate")
        values = {c["id"]: c.get("props", {}).get("value") for c in config["components"]}
        targets = dep.get("targets") or [[None]]
        return cls(url, dep["id"], targets[0][0], [values.get(i) for i in dep["inputs"]])

    def inputs(self, start_text: str, length: int, cell: str, seed: str) -> list:
        """The page's inputs: start, length, temperature, cell, top-k, seed, then the rest at their defaults."""
        return [start_text, length, 0.8, cell, 0, seed, *self.defaults[6:]]


class Failed(Exception):
    pass


def _apply(old, diff):
    """One output's diff as Gradio streams it (a list of [action, path, value]) applied to the old value."""
    if not isinstance(diff, list) or not all(isinstance(d, list) and len(d) == 3 for d in diff):
        return diff
    for action, path, value in diff:
        if path:  # a change inside a structure: not one of the Generate tab's outputs, kept as sent
            return diff
        old = value if action == "replace" else old + value
    return old


async def ask(http: httpx.AsyncClient, endpoint: Endpoint, session: str, data: list) -> tuple[float, float, str]:
    """One answer through the queue in a page's session: (seconds to the first generated word, to the last, the lyrics).
    """
    began = time.perf_counter()
    joined = await http.post(f"{endpoint.url}{API}/queue/join", json={
        "data": data, "fn_index": endpoint.fn_index, "session_hash": session, "event_data": None,
        "trigger_id": endpoint.trigger_id})
    if joined.status_code != 200:
        raise Failed(f"join {joined.status_code}: {joined.text[:100]}")
    first, outputs, updates = None, None, 0
    async with http.stream("GET", f"{endpoint.url}{API}/queue/data", params={"session_hash": session}) as stream:
        buffer = b""
        async for chunk in stream.aiter_bytes():
            buffer += chunk
            while b"\n\n" in buffer:
                line, buffer = buffer.split(b"\n\n", 1)
                if not line.startswith(b"data:"):
                    continue
                message = json.loads(line[5:])
                kind = message.get("msg")
                if kind in ("process_generating", "process_completed"):
                    if not message.get("success", True):
                        raise Failed(str(message.get("output", {}).get("error"))[:120])
                    data = message["output"].get("data", [])
                    if kind == "process_generating" and outputs is not None:
                        outputs = [_apply(old, diff) for old, diff in zip(outputs, data, strict=False)]
                    else:
                        outputs = list(data)
                    updates += 1
                    if first is None and updates >= 2:  # the first update is the start text alone
                        first = time.perf_counter() - began
                    if kind == "process_completed":
                        whole = time.perf_counter() - began
                        return (whole if first is None else first), whole, outputs[0]
                elif kind in ("unexpected_error", "close_stream", "server_stopped"):
                    raise Failed(f"{kind}: {str(message.get('message'))[:100]}")
    raise Failed("the stream ended before the answer")


async def student(index: int, http: httpx.AsyncClient, endpoint: Endpoint, args: argparse.Namespace,
                  stop_at: float, results: Results) -> None:
    """One student: /generate again and again until the time is up, reading a while between answers with --think."""
    rng = random.Random(index)
    session = uuid.uuid4().hex[:11]  # one page open all along: its questions share a session, as in a browser
    n = index
    while True:
        if args.think:
            await asyncio.sleep(rng.expovariate(1 / args.think))
        if time.perf_counter() >= stop_at:
            return
        cell, start_text = CELLS[n % len(CELLS)], STARTS[n % len(STARTS)]
        n += 1
        try:
            first, whole, text = await ask(http, endpoint, session, endpoint.inputs(start_text, args.length, cell, ""))
            if not isinstance(text, str) or not text.strip():
                raise Failed(f"empty lyrics: {text!r}")
        except Exception as e:  # every kind of failure counts, and the student carries on
            results.add(f"{type(e).__name__}: {str(e)[:120]}")
        else:
            results.first.append(first)
            results.whole.append(whole)


async def the_class(endpoint: Endpoint, users: int, args: argparse.Namespace, results: Results) -> float:
    """Every student at once for args.seconds (and the answers then running); returns the elapsed time."""
    # Idle connections are dropped well before uvicorn closes them (5 s): a student reading for longer
    # would otherwise send the next question on a connection the server is closing.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=2 * users + 10, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as http:
        began = time.perf_counter()
        await asyncio.gather(*(student(i, http, endpoint, args, began + args.seconds, results) for i in range(users)))
        return time.perf_counter() - began


async def warm_up(endpoint: Endpoint, length: int) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as http:
        for cell in CELLS:
            await ask(http, endpoint, uuid.uuid4().hex[:11], endpoint.inputs(STARTS[0], length, cell, "1"))


@dataclass
class Trainings:
    completed: int = 0
    tokens_per_s: list[float] = field(default_factory=list)  # each finished training's own figure
    errors: Counter = field(default_factory=Counter)
    started: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))  # one release each


def trainer(url: str, seconds: float, stop_at: list[float], trainings: Trainings) -> None:
    """One student training in the Lab tab, again while the load lasts; signals once its first update is in."""
    from gradio_client import Client  # only here: the generating students speak the protocol themselves

    client = Client(url, verbose=False, download_files=False)
    signalled = False
    budget = min(TRAINING_BUDGET_S[1], seconds + 10)  # the load starts a few seconds after this training
    while True:
        try:
            job = client.submit(*TRAINING, budget, *TRAINING_TAIL, api_name="/train")
            for _update in job:
                if not signalled:
                    trainings.started.release()
                    signalled = True
            _plot, status, _samples, _file = job.result()
            trainings.completed += 1
            found = TOKENS_PER_S.search(status)
            if found:
                trainings.tokens_per_s.append(float(found.group(1).replace(",", "")))
        except Exception as e:  # a refused or failed training counts, and the load goes on
            trainings.errors[f"{type(e).__name__}: {str(e)[:120]}"] += 1
            if not signalled:
                trainings.started.release()
                signalled = True
            return
        remaining = stop_at[0] - time.perf_counter()
        if remaining < TRAINING_BUDGET_S[0]:
            return
        budget = min(TRAINING_BUDGET_S[1], remaining + 5)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def target_p95(users: int) -> float:
    """The flood's p95 target for a class of this size: the issue's two points, linear between and flat beyond."""
    (low, low_s), (high, high_s) = sorted(TARGET_P95_S.items())
    share = min(1.0, max(0.0, (users - low) / (high - low)))
    return low_s + share * (high_s - low_s)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run_level(app: str, users: int, args: argparse.Namespace) -> dict:
    """One class size against a fresh server: the figures, printed and returned."""
    with tempfile.TemporaryFile() as log:  # the server's stderr, shown if it fails to start
        return measure_level(app, users, args, *start_server(resolve_app(app), args.weights, log))


def measure_level(app: str, users: int, args: argparse.Namespace, server, url: str) -> dict:
    try:
        rss_cold = rss_mb(server.pid)
        endpoint = Endpoint.read(url)
        # One request per cell first: the first call of each model allocates its buffers once and
        # for good. "Before" is after that warm-up, so growth measures what the load itself adds.
        asyncio.run(warm_up(endpoint, args.length))
        time.sleep(1.0)
        rss_before = rss_mb(server.pid)
        results, trainings, stop_at = Results(), Trainings(), [float("inf")]
        trainers = [threading.Thread(target=trainer, args=(url, args.seconds, stop_at, trainings), daemon=True)
                    for _ in range(args.trainings)]
        for t in trainers:
            t.start()
        for _ in trainers:  # every training streaming before the clock starts
            trainings.started.acquire(timeout=START_TIMEOUT_S)
        stop_at[0] = time.perf_counter() + args.seconds
        server_cpu, own_cpu = cpu_s(server.pid), time.process_time()
        elapsed = asyncio.run(the_class(endpoint, users, args, results))
        server_cpu, own_cpu = cpu_s(server.pid) - server_cpu, time.process_time() - own_cpu
        for t in trainers:  # each ends with its time budget, a few seconds after the load
            t.join(timeout=TRAINING_BUDGET_S[1] + 30)
        time.sleep(1.0)  # let the server finish its bookkeeping for the last requests
        rss_after = rss_mb(server.pid)
    finally:
        stop(server)
    return report(app, users, args, results, trainings, elapsed, server_cpu, own_cpu,
                  (rss_cold, rss_before, rss_after), url)


def report(app, users, args, results: Results, trainings: Trainings, elapsed, server_cpu, own_cpu, rss, url) -> dict:
    rss_cold, rss_before, rss_after = rss
    done, failed = len(results.whole), sum(results.errors.values())

    def figures(values: list[float]) -> tuple[float, float]:
        return (statistics.median(values), percentile(values, 95)) if values else (float("nan"), float("nan"))

    (p50, p95), (first_p50, first_p95) = figures(results.whole), figures(results.first)
    growth = rss_after - rss_before
    pace = f"each reading {args.think:g} s on average between answers" if args.think else "clicking non-stop"
    print(f"\n{app}: {users} users × {args.seconds:g} s, {pace}, {args.length} words per request, against {url}")
    print(f"completed {done} ({done / elapsed:.1f} requests/s, {done * args.length / elapsed:.0f} words/s), "
          f"refused {results.refused}, failed {failed}")
    for message, count in results.errors.most_common(5):
        print(f"  {count} × {message}")
    if done:
        print(f"first words p50 {first_p50:.2f} s, p95 {first_p95:.2f} s, max {max(results.first):.2f} s; "
              f"whole answer p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(results.whole):.2f} s")
    print(f"CPU busy: server {server_cpu / elapsed:.2f} cores, the load generator {own_cpu / elapsed:.2f} cores "
          f"(of {os.cpu_count()})")
    if args.trainings:
        rates = trainings.tokens_per_s
        print(f"trainings beside the load: {args.trainings} at once; {trainings.completed} completed, "
              f"{sum(trainings.errors.values())} failed"
              + (f"; {sum(rates) / len(rates):,.0f} training tokens/s each on average" if rates else ""))
        for message, count in trainings.errors.most_common(3):
            print(f"  {count} × {message}")
    print(f"server memory {rss_cold:.0f} MB when the page answers, {rss_before:.0f} MB after one request per cell, "
          f"{rss_after:.0f} MB after the load ({growth:+.1f} MB)")
    if args.think:
        first_target, target = TARGET_THINK_P95_S
        checks = [("failed", failed == 0), ("first_p95", first_p95 <= first_target), ("p95", p95 <= target)]
        wanted = f"0 failed, p95 first words ≤ {first_target:g} s, p95 whole ≤ {target:g} s"
    else:
        first_target, target = None, target_p95(users)
        checks = [("refused", results.refused == 0), ("failed", failed == 0), ("p95", p95 <= target)]
        wanted = f"0 refused, 0 failed, p95 ≤ {target:g} s"
    checks.append(("memory", growth < TARGET_GROWTH_MB))
    missed = [name for name, ok in checks if not ok]
    print(f"targets: {wanted}, growth < {TARGET_GROWTH_MB:g} MB: "
          + ("all met" if not missed else f"missed {', '.join(missed)}"))
    out = {"app": app, "users": users, "think_s": args.think, "seconds": args.seconds, "completed": done,
           "refused": results.refused, "failed": failed, "p50_s": round(p50, 3), "p95_s": round(p95, 3),
           "first_p50_s": round(first_p50, 3), "first_p95_s": round(first_p95, 3), "p95_target_s": round(target, 2),
           "first_p95_target_s": first_target, "server_cores": round(server_cpu / elapsed, 2),
           "generator_cores": round(own_cpu / elapsed, 2), "rss_cold_mb": round(rss_cold, 1),
           "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_after, 1),
           "rss_growth_mb": round(growth, 1), "missed": missed}
    if args.trainings:
        out.update(trainings=args.trainings, trainings_completed=trainings.completed,
                   trainings_failed=sum(trainings.errors.values()),
                   training_tokens_per_s=[round(r) for r in trainings.tokens_per_s])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[30, 60, 100], help="class sizes, one run each")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each user keeps asking")
    parser.add_argument("--length", type=int, default=100, help="words per request")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a student reads between answers (exponential pauses); 0 = non-stop")
    parser.add_argument("--weights", default=None, help="weights root for the app (default: its weights/)")
    parser.add_argument("--app", nargs="+", default=["app.py"],
                        help="the app scripts to serve (taking turns), each run from its own folder")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every app and class size, in turns")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--trainings", type=int, default=0, help="live Lab trainings running beside the load")
    args = parser.parse_args(argv)
    if args.think < 0 or args.rounds < 1:
        parser.error("--think must be at least 0 and --rounds at least 1")
    import torch  # only for its version: the students themselves never touch it

    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores) · torch {torch.__version__}")
    levels = [dict(run_level(app, users, args), round=n)
              for n in range(1, args.rounds + 1) for users in args.users for app in args.app]
    print(json.dumps(levels))
    if args.check and any(level["missed"] for level in levels):
        sys.exit(1)


if __name__ == "__main__":
    main()

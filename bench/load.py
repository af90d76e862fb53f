"""Load: a class of students at once, each generating 100 words again and again against `python app.py`.

    python bench/load.py [--users 30 60 100] [--seconds 60] [--length 100] [--weights FOLDER] [--app app.py]
                         [--trainings N] [--check]

For each number of users, starts a fresh `python app.py --port P` (--weights sets LYRICGEN_WEIGHTS;
default: the app's own weights/), waits for its page, then runs that many threads, each with its own
gradio_client Client, calling /generate (streamed; the call ends with the last word) with the next
cell in turn, temperature 0.8, a random seed. The clients connect ten at a time (CONNECTING_AT_ONCE),
and the clock starts once all have. A request started before --seconds is up is waited for
and counted. Latency is from the call to its result, queue wait included. "Refused" counts the
server's "busy" answers (an engine's waiting line, or Gradio's queue, full); "failed" every other
error. Server memory is the app process's resident set size (VmRSS in /proc/PID/status), read once
the page answers, again after one warm-up request per cell ("before": the first call of each model
allocates its buffers for good), and once more after the load.

--trainings N also keeps N live trainings of the Lab tab running through the load (/train, each from a
Client of its own, i.e. its own browser session: the built-in poems, a GRU of hidden size 128, the
project's feeding, a time budget covering the load, another one started if time is left). The load's
clock starts once every training has streamed its first update, so the latencies are all measured
beside N trainings; the trainings' own tokens/s are printed too.

Targets (issue "Serve a whole class at once"): 0 refused and 0 failed; p95 at most 1.5 s for 30 users
and 4 s for 100 (interpolated between); memory growth under 50 MB. Prints the CPU model and torch
version, one block of figures per number of users, then one JSON line: a list with one object each,
{"users", "seconds", "completed", "refused", "failed", "p50_s", "p95_s", "rss_before_mb", "rss_after_mb", ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gradio_client import Client
from server import START_TIMEOUT_S, resolve_app, start_server, stop  # bench/server.py, beside this script

CELLS = ("rnn", "lstm", "gru")
STARTS = ("星星", "下雨的夜晚", "我想你", "夏天的风", "")  # what students type, the empty start included
TARGET_P95_S = {30: 1.5, 100: 4.0}  # users → p95 seconds; other class sizes are interpolated
TARGET_GROWTH_MB = 50.0
REFUSALS = ("busy", "Queue is full")  # the server's own "try again" answers
# One live training of the Lab tab (/train): corpus, text, cell, hidden size, learning rate, [budget], feeding, start.
TRAINING = ("builtin", "", "gru", 128, 0.003)
TRAINING_TAIL = ("project", "明月")
TRAINING_BUDGET_S = (5.0, 90.0)  # the tab's smallest and largest time budget (lyricgen/web/limits.py)
TOKENS_PER_S = re.compile(r"\*\*([\d,]+)\*\* (?:词元/秒|tokens/s)")  # the status line, in either language


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(latency)
            elif any(word in error for word in REFUSALS):
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


# Clients connecting at once, before the clock starts. A gradio_client Client reads the app's whole
# description when it connects, with a 5 s read timeout, and all of them run in this one process: a
# hundred at once time out here, against an old page as against this one, before the server is the
# limit. What a class opening the page costs the server is bench/page_views.py's figure, in a browser.
CONNECTING_AT_ONCE = 10
_connecting = threading.Semaphore(CONNECTING_AT_ONCE)


def user(index: int, url: str, length: int, ready: threading.Barrier, stop_at: list[float],
         results: Results) -> None:
    """One student: a Client of their own, then /generate again and again until the time is up.

    A client that cannot even load the app's description (three tries) counts as one failure, and
    still joins the start, so one student's bad luck never holds up the others.
    """
    client = None
    with _connecting:
        for _ in range(3):
            try:
                client = Client(url, verbose=False, download_files=False)
                break
            except Exception as e:  # a page that does not load for a student: counted, never fatal to the bench
                error = f"connect: {type(e).__name__}: {str(e)[:100]}"
    ready.wait()
    if client is None:
        results.add(None, error)
        return
    n = index
    while time.perf_counter() < stop_at[0]:
        cell, start_text = CELLS[n % len(CELLS)], STARTS[n % len(STARTS)]
        n += 1
        began = time.perf_counter()
        try:
            text = client.predict(start_text, length, 0.8, cell, 0, "", api_name="/generate")[0]  # the lyrics first
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"empty lyrics: {text!r}")
        except Exception as e:  # every kind of failure counts, and the user carries on
            results.add(None, f"{type(e).__name__}: {str(e)[:120]}")
        else:
            results.add(time.perf_counter() - began)


@dataclass
class Trainings:
    completed: int = 0
    tokens_per_s: list[float] = field(default_factory=list)  # each finished training's own figure
    errors: Counter = field(default_factory=Counter)
    started: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))  # one release each


def trainer(url: str, seconds: float, stop_at: list[float], trainings: Trainings) -> None:
    """One student training in the Lab tab, again while the load lasts; signals once its first update is in."""
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
    """The p95 target for a class of this size: the issue's two points, linear between and flat beyond."""
    (low, low_s), (high, high_s) = sorted(TARGET_P95_S.items())
    share = min(1.0, max(0.0, (users - low) / (high - low)))
    return low_s + share * (high_s - low_s)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run_level(users: int, args: argparse.Namespace) -> dict:
    """One class size against a fresh server: the figures, printed and returned."""
    with tempfile.TemporaryFile() as log:  # the server's stderr, shown if it fails to start
        return measure_level(users, args, *start_server(resolve_app(args.app), args.weights, log))


def measure_level(users: int, args: argparse.Namespace, server, url: str) -> dict:
    try:
        rss_cold = rss_mb(server.pid)
        # One request per cell first: the first call of each model allocates its buffers once and
        # for good. "Before" is after that warm-up, so growth measures what the load itself adds.
        warm = Client(url, verbose=False, download_files=False)
        for cell in CELLS:
            warm.predict(STARTS[0], args.length, 0.8, cell, 0, "1", api_name="/generate")
        warm.close()
        time.sleep(1.0)
        rss_before = rss_mb(server.pid)
        results = Results()
        ready = threading.Barrier(users + 1)
        stop_at = [float("inf")]
        trainings = Trainings()
        trainers = [threading.Thread(target=trainer, args=(url, args.seconds, stop_at, trainings), daemon=True)
                    for _ in range(args.trainings)]
        for t in trainers:
            t.start()
        for _ in trainers:  # every training streaming before the clock starts
            trainings.started.acquire(timeout=START_TIMEOUT_S)
        threads = [threading.Thread(target=user, args=(i, url, args.length, ready, stop_at, results), daemon=True)
                   for i in range(users)]
        for t in threads:
            t.start()
        ready.wait()  # every client connected: the clock starts now
        began = time.perf_counter()
        stop_at[0] = began + args.seconds
        server_cpu, own_cpu = cpu_s(server.pid), cpu_s(os.getpid())
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        for t in trainers:  # each ends with its time budget, a few seconds after the load
            t.join(timeout=TRAINING_BUDGET_S[1] + 30)
        server_cpu, own_cpu = cpu_s(server.pid) - server_cpu, cpu_s(os.getpid()) - own_cpu
        time.sleep(1.0)  # let the server finish its bookkeeping for the last requests
        rss_after = rss_mb(server.pid)
    finally:
        stop(server)

    done, failed = len(results.latencies), sum(results.errors.values())
    p50 = statistics.median(results.latencies) if done else float("nan")
    p95 = percentile(results.latencies, 95) if done else float("nan")
    growth = rss_after - rss_before
    print(f"\n{users} users × {args.seconds:g} s, {args.length} words per request, against {url}")
    print(f"completed {done} ({done / elapsed:.1f} requests/s, {done * args.length / elapsed:.0f} words/s), "
          f"refused {results.refused}, failed {failed}")
    for message, count in results.errors.most_common(5):
        print(f"  {count} × {message}")
    if done:
        print(f"latency p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(results.latencies):.2f} s")
    print(f"CPU busy: server {server_cpu / elapsed:.2f} cores, these {users} clients {own_cpu / elapsed:.2f} "
          f"cores (of {os.cpu_count()})")
    if args.trainings:
        rates = trainings.tokens_per_s
        print(f"trainings beside the load: {args.trainings} at once; {trainings.completed} completed, "
              f"{sum(trainings.errors.values())} failed"
              + (f"; {sum(rates) / len(rates):,.0f} training tokens/s each on average" if rates else ""))
        for message, count in trainings.errors.most_common(3):
            print(f"  {count} × {message}")
    print(f"server memory {rss_cold:.0f} MB when the page answers, {rss_before:.0f} MB after one request per cell, "
          f"{rss_after:.0f} MB after the load ({growth:+.1f} MB)")
    target = target_p95(users)
    missed = [name for name, ok in [("refused", results.refused == 0), ("failed", failed == 0),
                                    ("p95", p95 <= target), ("memory", growth < TARGET_GROWTH_MB)] if not ok]
    print(f"targets: 0 refused, 0 failed, p95 ≤ {target:g} s, growth < {TARGET_GROWTH_MB:g} MB: "
          + ("all met" if not missed else f"missed {', '.join(missed)}"))
    figures = {"users": users, "seconds": args.seconds, "completed": done, "refused": results.refused,
               "failed": failed, "p50_s": round(p50, 3), "p95_s": round(p95, 3), "p95_target_s": round(target, 2),
               "rss_cold_mb": round(rss_cold, 1), "rss_before_mb": round(rss_before, 1),
               "rss_after_mb": round(rss_after, 1), "rss_growth_mb": round(growth, 1), "missed": missed}
    if args.trainings:
        figures.update(trainings=args.trainings, trainings_completed=trainings.completed,
                       trainings_failed=sum(trainings.errors.values()),
                       training_tokens_per_s=[round(r) for r in trainings.tokens_per_s])
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[30, 60, 100], help="class sizes, one run each")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each user keeps asking")
    parser.add_argument("--length", type=int, default=100, help="words per request")
    parser.add_argument("--weights", default=None, help="weights root for the app (default: its weights/)")
    parser.add_argument("--app", default="app.py", help="the app script to serve, run from the repository root")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--trainings", type=int, default=0, help="live Lab trainings running beside the load")
    args = parser.parse_args(argv)
    import torch  # only for its version: the clients themselves never touch it

    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores) · torch {torch.__version__}")
    levels = [run_level(users, args) for users in args.users]
    print(json.dumps(levels))
    if args.check and any(level["missed"] for level in levels):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Load: 30 students at once, each generating 100 words again and again against `python app.py`.

    python bench/load.py [--users 30] [--seconds 60] [--length 100] [--weights FOLDER] [--app app.py] [--check]

Starts `python app.py --port P` (--weights sets LYRICGEN_WEIGHTS; default: the app's own weights/),
waits for its page, then runs --users threads, each with its own gradio_client Client, calling
/generate (streamed; the call ends with the last word) with the next cell in turn, temperature 0.8,
a random seed. A request started before --seconds is up is waited for and counted. Latency is from
the call to its result, queue wait included. Server memory is the app process's resident set size
(VmRSS in /proc/PID/status), read once the page answers, again after one warm-up request per cell
("before": the first call of each model allocates its buffers for good), and once more after the load.

Targets: 0 failed, p95 latency at most 3 s, memory growth under 50 MB.
Prints one line per figure, then one JSON line:
{"users": ..., "seconds": ..., "completed": ..., "failed": ..., "p50_s": ..., "p95_s": ...,
 "rss_before_mb": ..., "rss_after_mb": ..., "rss_growth_mb": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gradio_client import Client
from server import ROOT, answers, child_env, free_port, stop  # bench/server.py, beside this script

CELLS = ("rnn", "lstm", "gru")
STARTS = ("星星", "下雨的夜晚", "我想你", "夏天的风", "")  # what students type, the empty start included
TARGET_P95_S, TARGET_GROWTH_MB = 3.0, 50.0
START_TIMEOUT_S = 120.0


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(latency)
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


def start_server(app: str, weights: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, app, "--port", str(port)], env=child_env(weights), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{app} exited with status {server.returncode}:\n{server.stderr.read()}")
        if answers(url):
            return server, url
        time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{app} did not answer within {START_TIMEOUT_S:.0f} s")


def user(index: int, url: str, length: int, ready: threading.Barrier, stop_at: list[float],
         results: Results) -> None:
    """One student: a Client of their own, then /generate again and again until the time is up."""
    client = Client(url, verbose=False, download_files=False)
    ready.wait()
    n = index
    while time.perf_counter() < stop_at[0]:
        cell, start_text = CELLS[n % len(CELLS)], STARTS[n % len(STARTS)]
        n += 1
        began = time.perf_counter()
        try:
            text, _info = client.predict(start_text, length, 0.8, cell, 0, "", api_name="/generate")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"empty lyrics: {text!r}")
        except Exception as e:  # every kind of failure counts, and the user carries on
            results.add(None, f"{type(e).__name__}: {str(e)[:120]}")
        else:
            results.add(time.perf_counter() - began)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each user keeps asking")
    parser.add_argument("--length", type=int, default=100, help="words per request")
    parser.add_argument("--weights", default=None, help="weights root for the app (default: its weights/)")
    parser.add_argument("--app", default="app.py", help="the app script to serve, run from the repository root")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    server, url = start_server(args.app, args.weights)
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
        ready = threading.Barrier(args.users + 1)
        stop_at = [float("inf")]
        threads = [threading.Thread(target=user, args=(i, url, args.length, ready, stop_at, results), daemon=True)
                   for i in range(args.users)]
        for t in threads:
            t.start()
        ready.wait()  # every client connected: the clock starts now
        began = time.perf_counter()
        stop_at[0] = began + args.seconds
        server_cpu, own_cpu = cpu_s(server.pid), cpu_s(os.getpid())
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        server_cpu, own_cpu = cpu_s(server.pid) - server_cpu, cpu_s(os.getpid()) - own_cpu
        time.sleep(1.0)  # let the server finish its bookkeeping for the last requests
        rss_after = rss_mb(server.pid)
    finally:
        stop(server)

    done, failed = len(results.latencies), sum(results.errors.values())
    p50 = statistics.median(results.latencies) if done else float("nan")
    p95 = percentile(results.latencies, 95) if done else float("nan")
    growth = rss_after - rss_before
    print(f"{args.users} users × {args.seconds:g} s, {args.length} words per request, against {url}")
    print(f"completed {done} ({done / elapsed:.1f} requests/s, {done * args.length / elapsed:.0f} words/s), "
          f"failed {failed}")
    for message, count in results.errors.most_common(5):
        print(f"  {count} × {message}")
    if done:
        print(f"latency p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(results.latencies):.2f} s")
    print(f"CPU busy: server {server_cpu / elapsed:.2f} cores, these {args.users} clients {own_cpu / elapsed:.2f} "
          f"cores (of {os.cpu_count()})")
    print(f"server memory {rss_cold:.0f} MB when the page answers, {rss_before:.0f} MB after one request per cell, "
          f"{rss_after:.0f} MB after the load ({growth:+.1f} MB)")
    missed = [name for name, ok in [("failed", failed == 0), ("p95", p95 <= TARGET_P95_S),
                                    ("memory", growth < TARGET_GROWTH_MB)] if not ok]
    print(f"targets: 0 failed, p95 ≤ {TARGET_P95_S:g} s, growth < {TARGET_GROWTH_MB:g} MB: "
          + ("all met" if not missed else f"missed {', '.join(missed)}"))
    print(json.dumps({"users": args.users, "seconds": args.seconds, "completed": done, "failed": failed,
                      "p50_s": round(p50, 3), "p95_s": round(p95, 3), "rss_cold_mb": round(rss_cold, 1),
                      "rss_before_mb": round(rss_before, 1),
                      "rss_after_mb": round(rss_after, 1), "rss_growth_mb": round(growth, 1)}))
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

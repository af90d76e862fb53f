"""Memory per session: does the server's memory level off as a class's pages come and go, and after trainings?

    python bench/sessions.py [--sessions 1000] [--mixed 1200] [--trainings 10] [--every 100]
                             [--weights FOLDER] [--app app.py [/tmp/old/app.py ...]]

For each app script (an old checkout's app.py may be given too, to compare in one sitting; the apps take
turns), starts a fresh `python <app> --port P` (bench/server.py), warms it up with one request to every
endpoint, then:

1. --sessions new sessions of one request each (a new visitor pressing Tokenize with the page's defaults:
   a fresh session_hash per request, Gradio's queue protocol spoken with httpx, one request at a time);
2. --mixed more new sessions of one request each, going round every public endpoint but the Lab's
   training (generate, tokenize, next words, compare, hidden states, open box, neighbours, memorized,
   score a line, attention, gradients, shapes), each with the page's default inputs;
3. --trainings Lab trainings one after another (the built-in poems, the page's defaults, the shortest time
   budget), each in a session of its own.

The server's resident memory (VmRSS in /proc/PID/status) is read after the warm-up and every --every
requests (after each training), and printed as a row. Targets (issue 17): after 1,000 sessions of one
request each, growth at most 50 MB and flat (the last half of the row grows by at most a fifth of the
whole); after a training, its memory given back or reused (flat over 10 trainings). Prints the CPU model
and torch version first and one JSON line last: {"runs": [{"app", "rss_mb": {"start", "sessions", "mixed",
"trainings"}, ...}]}.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import sys
import tempfile
from pathlib import Path

import httpx
from server import resolve_app, start_server, stop  # bench/server.py, beside this script

ONE_REQUEST = "tokenize"
SKIPPED = {"train", "train_stop"}  # the Lab's training has its own part; its stop button does nothing alone
BUDGET_INPUT = 5  # the training's inputs: source, text, cell, hidden size, lr, budget, feeding, start
SHORTEST_BUDGET_S = 5.0  # limits.LAB_MIN_BUDGET_S
TIMEOUT_S = 300.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Page:
    """The page's endpoints as its config describes them: {api_name: (fn_index, default inputs)}."""

    def __init__(self, client: httpx.Client, url: str):
        config = client.get(url + "config").json()
        defaults = {c["id"]: c.get("props", {}).get("value") for c in config["components"]}
        self.endpoints = {d["api_name"]: (d["id"], [defaults.get(i) for i in d["inputs"]])
                          for d in config["dependencies"]
                          if d.get("api_visibility") == "public" and d.get("api_name")}


def call(client: httpx.Client, url: str, fn_index: int, data: list) -> str:
    """One request in a new session (Gradio's queue: join, then read the session's event stream to the end);
    returns "ok" or the error the server answered."""
    session = secrets.token_hex(8)
    joined = client.post(url + "gradio_api/queue/join", json={
        "data": data, "event_data": None, "fn_index": fn_index, "trigger_id": None, "session_hash": session})
    joined.raise_for_status()
    event_id = joined.json()["event_id"]
    with client.stream("GET", url + "gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                return "ok" if message.get("success") else str(message.get("output", {}).get("error"))
    return "no answer"


def run_app(app: Path, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryFile() as log:
        server, url = start_server(app, args.weights, log)
        try:
            with httpx.Client(timeout=TIMEOUT_S) as client:
                page = Page(client, url)
                names = [n for n in page.endpoints if n not in SKIPPED]
                for name in names:  # warm-up: every model and buffer allocated once
                    call(client, url, *page.endpoints[name])
                start = rss_mb(server.pid)
                print(f"{app}: {len(names)} endpoints; after warm-up {start:.0f} MB", flush=True)
                rows: dict[str, list[float]] = {"sessions": [], "mixed": [], "trainings": []}
                errors: dict[str, int] = {}
                for i in range(args.sessions):
                    call(client, url, *page.endpoints[ONE_REQUEST])
                    if (i + 1) % args.every == 0:
                        rows["sessions"].append(rss_mb(server.pid))
                print(f"  {args.sessions} sessions of one {ONE_REQUEST}: "
                      + " ".join(f"{m:.0f}" for m in rows["sessions"]) + " MB", flush=True)
                for i in range(args.mixed):
                    name = names[i % len(names)]
                    answer = call(client, url, *page.endpoints[name])
                    if answer != "ok":
                        errors[name] = errors.get(name, 0) + 1
                    if (i + 1) % args.every == 0:
                        rows["mixed"].append(rss_mb(server.pid))
                print(f"  {args.mixed} sessions, every endpoint in turn: "
                      + " ".join(f"{m:.0f}" for m in rows["mixed"]) + f" MB; errors {errors or 'none'}", flush=True)
                if "train" in page.endpoints and args.trainings:
                    fn_index, data = page.endpoints["train"]
                    data = list(data)
                    data[BUDGET_INPUT] = SHORTEST_BUDGET_S
                    for _ in range(args.trainings):
                        answer = call(client, url, fn_index, data)
                        rows["trainings"].append(rss_mb(server.pid))
                        if answer != "ok":
                            errors["train"] = errors.get("train", 0) + 1
                    print(f"  {args.trainings} trainings: " + " ".join(f"{m:.0f}" for m in rows["trainings"])
                          + " MB", flush=True)
        finally:
            stop(server)
    summary = {part: {"growth_mb": round(values[-1] - start, 1),
                      "last_half_growth_mb": round(values[-1] - values[len(values) // 2 - 1], 1)
                      if len(values) >= 2 else None}
               for part, values in rows.items() if values}
    for part, figures in summary.items():
        print(f"  {part}: +{figures['growth_mb']} MB since the warm-up; last half +{figures['last_half_growth_mb']} MB")
    return {"app": str(app), "start_mb": round(start, 1), "rss_mb": {k: [round(v, 1) for v in vs]
                                                                      for k, vs in rows.items()},
            "summary": summary, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--mixed", type=int, default=1200)
    parser.add_argument("--trainings", type=int, default=10)
    parser.add_argument("--every", type=int, default=100, help="requests between two memory readings")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--app", nargs="+", default=["app.py"])
    args = parser.parse_args()
    import torch  # only for its version, printed beside the CPU's

    print(f"CPU: {cpu_model()} ({platform.machine()}), torch {torch.__version__}, Python {sys.version.split()[0]}")
    runs = [run_app(resolve_app(app), args) for app in args.app]
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()

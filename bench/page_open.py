"""Page open: what a class opening the page at once costs the server, the browser's requests replayed.

    python bench/page_open.py [--visitors 100] [--at-once 20] [--returning 100] [--rounds 2]
                              [--locale zh-CN] [--query "?tab=generate"] [--weights FOLDER]
                              [--app app.py [/tmp/old/app.py ...]]

For each app script (several may be given, e.g. an old checkout's app.py, to compare in one sitting),
each round: starts a fresh `python <app> --port P` from the script's own folder (--weights sets
LYRICGEN_WEIGHTS; default: the app's own weights/), waits for its page, then:

1. Records, once per app (in its first round), the GETs headless Chromium (/usr/bin/chromium, or
   $LYRICGEN_CHROMIUM) makes when it opens the page, in --locale, with a fresh profile: the page, the
   scripts, styles and fonts, with the headers the browser sent. The page's ready flag (or, for an app
   without it, its tabs on screen) and 1.5 s more: the lazily loaded parts are in. Left out of the replay:
   anything but GET, and the streams that stay open (the heartbeat, the queue's event stream), which
   cost the same however the files are served. The server's CPU for this first visit, in which every
   file is asked for the first time (and, in this checkout, compressed), is printed too.
2. One replayed visitor as a warm-up; what it was given (ETag, Last-Modified, Cache-Control) is what
   the returning visitors below hold.
3. The server's idle rate: its CPU over 3 s with nobody there.
4. --visitors new visitors, --at-once of them at any moment, each with an httpx AsyncClient of its own
   (no cache, its own connections, at most 6 at a time as a browser opens to one host): the page first,
   then every other request, in the browser's order. Accept-Encoding "gzip, deflate, br, zstd", as
   Chromium sends it. Bodies are read as they come over the wire, not decoded.
5. --returning returning visitors the same way, as a reload: a request whose answer came with an
   immutable Cache-Control is not made at all (the browser has it), the others carry If-None-Match /
   If-Modified-Since for what the warm-up visitor was given.

Figures per phase: the server process's CPU seconds (user + system, /proc/PID/stat) from the first
request to the last answer, per visitor, and the same beyond the idle rate; the wall time for all
visitors; each visitor's time from its first request to its last answer, p50 and p95; requests per
visitor, bytes over the wire per visitor, the answers' status codes, failures (an error, or a status of
400 or more); and this load generator's own CPU per visitor, since it runs on the same cores and shares
them with the server. The apps take turns round by round (A, B, A, B, ...). Prints the CPU model and
torch version, one block per app per round, a summary line per app (means over the rounds), the ratios
of server CPU per visitor (second app ÷ first) when two apps are given, then one JSON line:
{"visitors", "at_once", "returning", "locale", "query", "cpu_model", "torch", "runs": [{"app", "round",
"requests", "first_visit_cpu_ms", "new": {...}, "returning": {...}}], "summary": {app: {...}},
"ratio_new_cpu", "ratio_returning_cpu"} (the ratios null unless two apps are given).

Targets (issue 17, "The page, opened by a class at once"): at most 60 ms of server CPU per new visitor,
100 new visitors served within 12 s on 2 cores, at most 20 ms per returning visitor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from load import cpu_model, cpu_s, percentile  # bench/load.py, beside this script
from page_views import CHROMIUM, FALLBACK, FALLBACK_HOLD_S, FLAG, FLAG_WAIT_S, READY_JS, VIEWPORT, wait_ready
from replay import CLIENTS, TIMEOUT_S, Visit  # bench/replay.py: a replayed visitor
from server import (  # bench/server.py, beside this script
    add_app_arguments,
    labelled_apps,
    start_server,
    stop,
)

# The brief's flags for recording: nothing but the page talks to a server.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LAZY_S = 1.5  # after ready, for what the page loads on its own a moment later
STREAMS = ("/heartbeat/", "/queue/data", "/upload_progress")  # open streams: not replayed
# Headers of the recording that a replay must not copy: the connection's own, and the cache's.
DROPPED = {"host", "connection", "content-length", "accept-encoding", "if-none-match", "if-modified-since",
           "cache-control", "pragma", "cookie"}
IDLE_S = 3.0
SETTLE_S = 0.2
TARGET_NEW_MS, TARGET_WALL_S, TARGET_RETURNING_MS = 60.0, 12.0, 20.0
TARGET_WALL_VISITORS = 100

async def record(url: str, locale: str) -> tuple[list[tuple[str, dict]], str]:
    """The GETs Chromium makes to open url: [(path?query, headers)], and how it was seen ready."""
    from playwright.async_api import async_playwright

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    requests: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context(viewport=VIEWPORT, locale=locale)
            page = await context.new_page()
            page.on("request", lambda request: requests.append(request))
            await page.goto(url, timeout=TIMEOUT_S * 1000)
            try:
                await page.wait_for_function(READY_JS, timeout=FLAG_WAIT_S * 1000)
                mode = FLAG
            except Exception:  # Playwright's TimeoutError: an app from before the flag
                await wait_ready(page, FALLBACK)
                await asyncio.sleep(FALLBACK_HOLD_S)
                mode = FALLBACK
            await asyncio.sleep(LAZY_S)
            replay = []
            for request in requests:
                parts = urlsplit(request.url)
                if (request.method != "GET" or not request.url.startswith(origin)
                        or any(s in parts.path for s in STREAMS) or request.resource_type == "eventsource"):
                    continue
                headers = {k: v for k, v in (await request.all_headers()).items()
                           if not k.startswith(":") and k.lower() not in DROPPED}
                replay.append((parts.path + (f"?{parts.query}" if parts.query else ""), headers))
            await context.close()
        finally:
            await browser.close()
    return replay, mode


async def visitors(visit, base: str, replay: list, n: int, at_once: int, held: dict | None) -> list[Visit]:
    """n visitors, at_once of them at any moment."""
    done: list[Visit] = []
    left = [n]

    async def one_after_another() -> None:
        while left[0] > 0:
            left[0] -= 1
            done.append(await visit(base, replay, held))

    await asyncio.gather(*(one_after_another() for _ in range(min(at_once, n))))
    return done


async def phase(visit, pid: int, base: str, replay: list, n: int, at_once: int, held: dict | None,
                idle: float) -> dict:
    """One phase's figures (new visitors when held is None, else returning ones)."""
    cpu, own, began = cpu_s(pid), time.process_time(), time.perf_counter()
    visits = await visitors(visit, base, replay, n, at_once, held)
    wall = time.perf_counter() - began
    await asyncio.sleep(SETTLE_S)
    cpu, window, own = cpu_s(pid) - cpu, time.perf_counter() - began, time.process_time() - own
    times = [v.seconds for v in visits]
    statuses = sum((v.statuses for v in visits), Counter())
    errors = [e for v in visits for e in v.errors]
    return {"visitors": n, "wall_s": round(wall, 3), "server_cpu_s": round(cpu, 3),
            "cpu_ms_per_visitor": round(cpu / n * 1000, 1),
            "cpu_ms_per_visitor_beyond_idle": round((cpu - idle * window) / n * 1000, 1),
            "generator_cpu_ms_per_visitor": round(own / n * 1000, 1),
            "p50_s": round(statistics.median(times), 3), "p95_s": round(percentile(times, 95), 3),
            "requests_per_visitor": round(sum(v.requests for v in visits) / n, 1),
            "kb_per_visitor": round(sum(v.wire_bytes for v in visits) / n / 1000, 1),
            "statuses": {str(k): statuses[k] for k in sorted(statuses)}, "failed": len(errors),
            "errors": sorted(set(errors))[:5]}


def show(name: str, f: dict, idle: float) -> None:
    statuses = ", ".join(f"{k}: {v}" for k, v in f["statuses"].items())
    print(f"  {name}: {f['visitors']} visitors, wall {f['wall_s']:.1f} s; server CPU {f['cpu_ms_per_visitor']:.1f} ms "
          f"per visitor ({f['cpu_ms_per_visitor_beyond_idle']:.1f} ms beyond its idle {idle * 1000:.0f} ms/s); "
          f"this generator {f['generator_cpu_ms_per_visitor']:.0f} ms per visitor")
    print(f"    per visitor: {f['requests_per_visitor']:.0f} requests, {f['kb_per_visitor']:.0f} kB over the wire, "
          f"p50 {f['p50_s']:.2f} s, p95 {f['p95_s']:.2f} s; answers {statuses}; failed {f['failed']}")
    for error in f["errors"]:
        print(f"    e.g. {error}")


async def run_block(app: Path, label: str, round_no: int, recorded: dict, args: argparse.Namespace) -> dict:
    """One app, one round, against a fresh server: the figures, printed and returned."""
    with tempfile.TemporaryFile() as log:
        server, url = start_server(app, args.weights, log)
        base = url.rstrip("/")
        try:
            cpu = cpu_s(server.pid)
            if label not in recorded:
                recorded[label] = await record(url + args.query.lstrip("/"), args.locale)
            else:  # the same first visit, in a browser, as the recording round had
                await record(url + args.query.lstrip("/"), args.locale)
            first_visit_ms = (cpu_s(server.pid) - cpu) * 1000
            replay, mode = recorded[label]
            visit = CLIENTS[args.client]
            warm = await visit(base, replay, None)
            held = warm.given
            await asyncio.sleep(SETTLE_S)
            idle = cpu_s(server.pid)
            await asyncio.sleep(IDLE_S)
            idle = (cpu_s(server.pid) - idle) / IDLE_S
            new = await phase(visit, server.pid, base, replay, args.visitors, args.at_once, None, idle)
            returning = await phase(visit, server.pid, base, replay, args.returning, args.at_once, held, idle) \
                if args.returning else None
        finally:
            stop(server)
    print(f"\n{label}, round {round_no} of {args.rounds}: {len(replay)} GETs per page open, recorded in Chromium "
          f"({args.locale}, ready by {mode}); {args.at_once} visitors at once, {args.client} client")
    print(f"  first page open (Chromium, every file asked for the first time; its streams and events too): "
          f"{first_visit_ms:.0f} ms server CPU")
    show("new", new, idle)
    if returning:
        show("returning", returning, idle)
    return {"app": label, "round": round_no, "requests": len(replay), "ready_mode": mode,
            "first_visit_cpu_ms": round(first_visit_ms, 1), "idle_cpu_ms_per_s": round(idle * 1000, 1),
            "new": new, "returning": returning}


def summarize(runs: list[dict]) -> dict:
    """Means over an app's rounds (failures summed)."""
    def mean(name: str, key: str) -> float | None:
        values = [r[name][key] for r in runs if r[name]]
        return round(statistics.fmean(values), 3) if values else None

    out = {"rounds": len(runs), "first_visit_cpu_ms": round(statistics.fmean(r["first_visit_cpu_ms"] for r in runs), 1)}
    for name in ("new", "returning"):
        out[name] = {key: mean(name, key) for key in ("cpu_ms_per_visitor", "cpu_ms_per_visitor_beyond_idle",
                                                        "generator_cpu_ms_per_visitor", "wall_s", "p50_s", "p95_s",
                                                        "requests_per_visitor", "kb_per_visitor")}
        out[name]["failed"] = sum(r[name]["failed"] for r in runs if r[name])
    return out


def verdict(s: dict, visitors: int) -> str:
    checks = [f"new ≤ {TARGET_NEW_MS:g} ms: {'yes' if s['new']['cpu_ms_per_visitor'] <= TARGET_NEW_MS else 'NO'}"]
    if visitors == TARGET_WALL_VISITORS:
        ok = s["new"]["wall_s"] <= TARGET_WALL_S
        checks.append(f"{visitors} served ≤ {TARGET_WALL_S:g} s: {'yes' if ok else 'NO'}")
    if s["returning"]["cpu_ms_per_visitor"] is not None:
        ok = s["returning"]["cpu_ms_per_visitor"] <= TARGET_RETURNING_MS
        checks.append(f"returning ≤ {TARGET_RETURNING_MS:g} ms: {'yes' if ok else 'NO'}")
    return "; ".join(checks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_app_arguments(parser)
    parser.add_argument("--visitors", type=int, default=100, help="new visitors per app per round")
    parser.add_argument("--at-once", type=int, default=20, help="visitors at any moment")
    parser.add_argument("--returning", type=int, default=100, help="returning visitors per app per round (0: none)")
    parser.add_argument("--query", default="", help='appended to the address, e.g. "?tab=generate"')
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw",
                        help="the replaying client: a plain HTTP/1.1 one (raw), or httpx (more CPU in this process)")
    parser.add_argument("--locale", default="zh-CN", help="the recording browser's locale")
    args = parser.parse_args(argv)
    if args.visitors < 1 or args.at_once < 1 or args.rounds < 1 or args.returning < 0:
        parser.error("--visitors, --at-once and --rounds must be at least 1, --returning at least 0")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (set LYRICGEN_CHROMIUM)")
    apps = labelled_apps(args.app)
    import torch  # only for its version: the benchmark itself never touches it

    model = f"{cpu_model()} ({os.cpu_count()} cores)"
    print(f"CPU: {model} · torch {torch.__version__}")
    recorded: dict[str, tuple[list, str]] = {}
    runs: list[dict] = []
    for round_no in range(1, args.rounds + 1):
        for path, label in apps:
            runs.append(asyncio.run(run_block(path, label, round_no, recorded, args)))

    summary = {label: summarize([r for r in runs if r["app"] == label]) for _, label in apps}
    print()
    for label, s in summary.items():
        new, back = s["new"], s["returning"]
        line = (f"{label}: new visitor {new['cpu_ms_per_visitor']:.1f} ms server CPU "
                f"({new['cpu_ms_per_visitor_beyond_idle']:.1f} beyond idle), {args.visitors} served in "
                f"{new['wall_s']:.1f} s, {new['kb_per_visitor']:.0f} kB each")
        if back["cpu_ms_per_visitor"] is not None:
            line += (f"; returning {back['cpu_ms_per_visitor']:.1f} ms ({back['cpu_ms_per_visitor_beyond_idle']:.1f} "
                     f"beyond idle), {back['requests_per_visitor']:.0f} requests, {back['kb_per_visitor']:.0f} kB")
        print(line + f"; failed {new['failed'] + back['failed']} (mean of {s['rounds']} rounds)")
        print(f"  targets: {verdict(s, args.visitors)}")
    ratio_new = ratio_returning = None
    if len(apps) == 2:
        (_, a), (_, b) = apps
        if summary[a]["new"]["cpu_ms_per_visitor"]:
            ratio_new = round(summary[b]["new"]["cpu_ms_per_visitor"] / summary[a]["new"]["cpu_ms_per_visitor"], 3)
        if args.returning and summary[a]["returning"]["cpu_ms_per_visitor"]:
            ratio_returning = round(summary[b]["returning"]["cpu_ms_per_visitor"]
                                    / summary[a]["returning"]["cpu_ms_per_visitor"], 3)
        print(f"server CPU per visitor, {b} ÷ {a}: new {ratio_new}, returning {ratio_returning}")
    print(json.dumps({"visitors": args.visitors, "at_once": args.at_once, "returning": args.returning,
                      "client": args.client,
                      "locale": args.locale, "query": args.query, "cpu_model": model, "torch": torch.__version__,
                      "runs": runs, "summary": summary, "ratio_new_cpu": ratio_new,
                      "ratio_returning_cpu": ratio_returning}, ensure_ascii=False))


if __name__ == "__main__":
    main()

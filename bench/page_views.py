"""Page views: what a class opening the teacher's link at once costs the server, in a real browser.

    python bench/page_views.py [--views 30] [--at-once 10] [--rounds 2] [--query "?tab=generate&start=星星"]
                               [--locale zh-CN] [--weights FOLDER] [--app app.py [/tmp/old/app.py ...]]

For each app script (several may be given, e.g. an old checkout's app.py, to compare in one sitting),
each round: starts a fresh `python <app> --port P` from the script's own folder (--weights sets
LYRICGEN_WEIGHTS; default: the app's own weights/), waits for its page, opens one warm-up page in
headless Chromium (/usr/bin/chromium, or $LYRICGEN_CHROMIUM), then opens --views pages, --at-once of
them open at any moment, each in a browser context of its own (a new visitor: its own session, its
own cache), at the address plus --query, in --locale. A page is closed once it is ready, and the next
one opens. The apps take turns round by round (A, B, A, B, ...), so a load that comes and goes on the
machine hits them alike.

"Ready": the page's own flag (document.documentElement.dataset.lyricgenReady === "1", set once its load
event has answered). An app that never sets it (an older checkout) is found out on its first warm-up
page (no flag within 20 s); its pages then count as ready when its tabs are visible (#tabs, or any tab
button where the app gives the row no id) and the document has loaded, and are kept open 1 s more (not
counted in the time to ready) so that their load events reach the server. A page not ready within 60 s
counts as failed. Ready does not wait for what a link's page runs by itself (?tab=generate presses
Generate once the flag is set): its CPU counts only as far as it falls inside the window below.

Figures: the server process's CPU seconds (user + system, /proc/PID/stat) from the first view to 1 s
after the last one closed, per page view, and the same beyond the server's idle rate (its CPU over 3 s
with no page open, just before the views, times that window): the server spends CPU even when nobody
is there, and the browser sets how long the window lasts. Also the wall time; each page's time to
ready (from its goto), p50 and p95; failures; the server's resident memory before and after the views.
The browser runs on the same machine, so wall time and time to ready include its share of the cores.
Prints the CPU model and torch version, one block per app per round, a summary line per app (means over
the rounds), the ratios of CPU per view (second app ÷ first) when two apps are given, then one JSON line:
{"views", "at_once", "query", "locale", "runs": [{"app", "round", "ready_mode", "cpu_ms_per_view",
"cpu_ms_per_view_beyond_idle", "idle_cpu_ms_per_s", "wall_s", "p50_s", "p95_s", "failed", "rss_before_mb",
"rss_after_mb", ...}], "summary": {app: {...}}, "ratio_cpu_per_view", "ratio_cpu_per_view_beyond_idle"}
(the ratios null unless two apps are given).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from load import cpu_model, cpu_s, percentile, rss_mb  # bench/load.py, beside this script
from server import (  # bench/server.py, beside this script
    add_app_arguments,
    labelled_apps,
    start_server,
    stop,
)

CHROMIUM = os.environ.get("LYRICGEN_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # as tests/conftest.py: nothing but the page talks to a server
READY_JS = "() => document.documentElement.dataset.lyricgenReady === '1'"  # set by lyricgen/web/page.py
FLAG, FALLBACK = "flag", "fallback"
# The tabs on screen, for apps without the flag: #tabs where the app names them, else any visible tab
# button (older checkouts give the row of tabs no id; Gradio keeps a hidden copy of the row, hence :visible).
TABS = "#tabs:visible, [role=tab]:visible"
FLAG_WAIT_S = 20.0  # the warm-up page's wait for the flag before the app is taken for one without it
FALLBACK_HOLD_S = 1.0  # a page without the flag stays open this long after it looks ready
PAGE_TIMEOUT_S = 60.0
SETTLE_S = 1.0  # after the last page closes: the server's work for closed sessions counts too
IDLE_S = 3.0  # the idle rate's window: CPU time is counted in clock ticks (10 ms), so not much shorter
VIEWPORT = {"width": 1280, "height": 900}


async def wait_ready(page, mode: str) -> None:
    if mode == FLAG:
        await page.wait_for_function(READY_JS, timeout=PAGE_TIMEOUT_S * 1000)
    else:
        await page.locator(TABS).first.wait_for(state="visible", timeout=PAGE_TIMEOUT_S * 1000)
        await page.wait_for_load_state("load", timeout=PAGE_TIMEOUT_S * 1000)


async def view(browser, url: str, locale: str, mode: str) -> float:
    """One visitor: a fresh context, the page until ready; seconds from goto to ready. Closes the context."""
    context = await browser.new_context(viewport=VIEWPORT, locale=locale)
    try:
        page = await context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
        began = time.perf_counter()

        async def load() -> None:
            await page.goto(url)
            await wait_ready(page, mode)

        await asyncio.wait_for(load(), PAGE_TIMEOUT_S)  # goto and ready together within the one limit
        took = time.perf_counter() - began
        if mode == FALLBACK:
            await asyncio.sleep(FALLBACK_HOLD_S)
        return took
    finally:
        await context.close()


async def detect_mode(browser, url: str, locale: str) -> str:
    """The warm-up page, which also finds out whether the app sets the ready flag."""
    context = await browser.new_context(viewport=VIEWPORT, locale=locale)
    try:
        page = await context.new_page()
        await page.goto(url, timeout=PAGE_TIMEOUT_S * 1000)
        try:
            await page.wait_for_function(READY_JS, timeout=FLAG_WAIT_S * 1000)
            return FLAG
        except Exception:  # Playwright's TimeoutError: no flag, an app from before it
            await wait_ready(page, FALLBACK)
            await asyncio.sleep(FALLBACK_HOLD_S)
            return FALLBACK
    finally:
        await context.close()


async def warm_up(browser, url: str, locale: str, mode: str | None) -> str:
    if mode is None:
        return await detect_mode(browser, url, locale)
    await view(browser, url, locale, mode)
    return mode


async def views(browser, url: str, locale: str, mode: str, n: int, at_once: int) -> tuple[list[float], list[str]]:
    """n page views, at_once of them open at any moment; (times to ready, errors)."""
    times: list[float] = []
    errors: list[str] = []
    left = [n]

    async def visitor() -> None:
        while left[0] > 0:
            left[0] -= 1
            try:
                times.append(await view(browser, url, locale, mode))
            except Exception as e:  # a page that never gets ready counts, and the class carries on
                errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}")

    await asyncio.gather(*(visitor() for _ in range(min(at_once, n))))
    return times, errors


async def run_block(app: Path, label: str, round_no: int, mode: str | None, args: argparse.Namespace) -> dict:
    """One app, one round, against a fresh server and a fresh browser: the figures, printed and returned."""
    from playwright.async_api import async_playwright

    with tempfile.TemporaryFile() as log:
        server, url = start_server(app, args.weights, log)
        page_url = url + args.query.lstrip("/")
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                try:
                    mode = await warm_up(browser, page_url, args.locale, mode)
                    # The server burns CPU even with no page open (its threads wake up on their own), and
                    # the browser sets the pace of the views, so the raw CPU per view also counts however
                    # long the browser took. The idle rate, read with no page open, gives the figure beyond it.
                    await asyncio.sleep(SETTLE_S)  # the warm-up page's session closed
                    idle = cpu_s(server.pid)
                    await asyncio.sleep(IDLE_S)
                    idle = (cpu_s(server.pid) - idle) / IDLE_S
                    rss_before = rss_mb(server.pid)
                    server_cpu, began = cpu_s(server.pid), time.perf_counter()
                    times, errors = await views(browser, page_url, args.locale, mode, args.views, args.at_once)
                    wall = time.perf_counter() - began
                    await asyncio.sleep(SETTLE_S)
                    server_cpu, window = cpu_s(server.pid) - server_cpu, time.perf_counter() - began
                    rss_after = rss_mb(server.pid)
                finally:
                    await browser.close()
        finally:
            stop(server)

    ok = len(times)
    p50 = statistics.median(times) if ok else float("nan")
    p95 = percentile(times, 95) if ok else float("nan")
    per_view_ms = server_cpu / args.views * 1000
    beyond_idle_ms = (server_cpu - idle * window) / args.views * 1000
    ready = ("the page's own flag" if mode == FLAG else f"no flag within {FLAG_WAIT_S:g} s: tabs visible and "
             f"the document loaded (then held {FALLBACK_HOLD_S:g} s more)")
    print(f"\n{label}, round {round_no} of {args.rounds}: {args.views} views, {args.at_once} at once, "
          f"{page_url} in {args.locale}")
    print(f"ready: {ready}")
    print(f"wall {wall:.1f} s; ready {ok}, failed {len(errors)}")
    for message in sorted(set(errors))[:5]:
        print(f"  {errors.count(message)} × {message}")
    if ok:
        print(f"time to ready p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(times):.2f} s")
    print(f"server CPU {server_cpu:.2f} s over the views: {per_view_ms:.0f} ms per page view; "
          f"{beyond_idle_ms:.0f} ms beyond its idle rate ({idle * 1000:.0f} ms/s × {window:.1f} s)")
    print(f"server memory {rss_before:.0f} MB before the views, {rss_after:.0f} MB after "
          f"({rss_after - rss_before:+.1f} MB)")
    return {"app": label, "round": round_no, "ready_mode": mode, "url": page_url, "views": args.views,
            "ready": ok, "failed": len(errors), "wall_s": round(wall, 3), "server_cpu_s": round(server_cpu, 3),
            "cpu_ms_per_view": round(per_view_ms, 1), "cpu_ms_per_view_beyond_idle": round(beyond_idle_ms, 1),
            "idle_cpu_ms_per_s": round(idle * 1000, 1),
            "p50_s": round(p50, 3), "p95_s": round(p95, 3), "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(rss_after, 1)}


def summarize(runs: list[dict]) -> dict:
    """Means over an app's rounds (failures summed)."""
    def mean(key: str) -> float:
        values = [r[key] for r in runs if r[key] == r[key]]  # a round with no page ready has NaN times
        return round(statistics.fmean(values), 3) if values else float("nan")

    return {"rounds": len(runs), "ready_mode": runs[0]["ready_mode"], "cpu_ms_per_view": mean("cpu_ms_per_view"),
            "cpu_ms_per_view_beyond_idle": mean("cpu_ms_per_view_beyond_idle"),
            "idle_cpu_ms_per_s": mean("idle_cpu_ms_per_s"),
            "wall_s": mean("wall_s"), "p50_s": mean("p50_s"), "p95_s": mean("p95_s"),
            "failed": sum(r["failed"] for r in runs), "rss_before_mb": mean("rss_before_mb"),
            "rss_after_mb": mean("rss_after_mb")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_app_arguments(parser)
    parser.add_argument("--views", type=int, default=30, help="page views per app per round, after the warm-up")
    parser.add_argument("--at-once", type=int, default=10, help="pages open at any moment, each its own context")
    parser.add_argument("--query", default="", help='appended to the address, e.g. "?tab=generate&start=星星"')
    parser.add_argument("--locale", default="zh-CN", help="the browser contexts' locale")
    args = parser.parse_args(argv)
    if args.views < 1 or args.at_once < 1 or args.rounds < 1:
        parser.error("--views, --at-once and --rounds must be at least 1")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (set LYRICGEN_CHROMIUM)")
    apps = labelled_apps(args.app)
    import torch  # only for its version: the benchmark itself never touches it

    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores) · torch {torch.__version__}")
    modes: dict[str, str | None] = {label: None for _, label in apps}  # found on each app's first warm-up
    runs: list[dict] = []
    for round_no in range(1, args.rounds + 1):
        for path, label in apps:
            run = asyncio.run(run_block(path, label, round_no, modes[label], args))
            modes[label] = run["ready_mode"]
            runs.append(run)

    summary = {label: summarize([r for r in runs if r["app"] == label]) for _, label in apps}
    print()
    for label, s in summary.items():
        print(f"{label}: {s['cpu_ms_per_view']:.0f} ms server CPU per page view "
              f"({s['cpu_ms_per_view_beyond_idle']:.0f} ms beyond idle), wall {s['wall_s']:.1f} s, "
              f"time to ready p50 {s['p50_s']:.2f} s, p95 {s['p95_s']:.2f} s, {s['failed']} failed "
              f"(mean of {s['rounds']} round{'s' if s['rounds'] > 1 else ''}; ready by {s['ready_mode']})")
    ratio = ratio_beyond_idle = None
    if len(apps) == 2:
        (_, a), (_, b) = apps
        if summary[a]["cpu_ms_per_view"] > 0:
            ratio = round(summary[b]["cpu_ms_per_view"] / summary[a]["cpu_ms_per_view"], 3)
        if summary[a]["cpu_ms_per_view_beyond_idle"] > 0:
            ratio_beyond_idle = round(summary[b]["cpu_ms_per_view_beyond_idle"]
                                      / summary[a]["cpu_ms_per_view_beyond_idle"], 3)
        print(f"server CPU per view, {b} ÷ {a}: " + (f"{ratio:.2f}" if ratio is not None else "n/a")
              + "; beyond idle: " + (f"{ratio_beyond_idle:.2f}" if ratio_beyond_idle is not None else "n/a"))
    print(json.dumps({"views": args.views, "at_once": args.at_once, "query": args.query, "locale": args.locale,
                      "runs": runs, "summary": summary, "ratio_cpu_per_view": ratio,
                      "ratio_cpu_per_view_beyond_idle": ratio_beyond_idle}, ensure_ascii=False))


if __name__ == "__main__":
    main()

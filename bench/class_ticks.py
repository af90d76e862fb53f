"""Server CPU per tick of a joined page's timer (the Class tab's Join sub-tab), and per class_wall call.

    python bench/class_ticks.py [--pages 20] [--posts 150] [--rounds 10] [--app app.py]

Against a fresh server: a class with POSTS posts, PAGES pages joined through the page's own join event; then
ROUNDS rounds of every page's tick with nothing new, and ROUNDS rounds of one post followed by every page's tick
(the wall changed: the first tick of a round draws it). Prints the server's CPU milliseconds per tick each way
(the post's own CPU left out), and per class_wall API call. Prints the CPU model and torch version first; ends
with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import uuid

import httpx
from class_load import call, fn_index, page_events  # bench/class_load.py
from load import cpu_model, cpu_s  # bench/load.py
from server import resolve_app, start_server, stop  # bench/server.py

LYRICS = "星星 月亮 我 想 你 " * 8


async def measure(url: str, pid: int, args) -> dict:
    async with httpx.AsyncClient(timeout=60) as http:
        index = {name: fn_index(url, name) for name in ("class_open", "class_post", "class_wall")}
        index.update(page_events(url))
        code, _ = await call(http, url, index["class_open"], uuid.uuid4().hex[:11], [])
        for i in range(args.posts):  # 20 posts a student at most: a poster per 10
            await call(http, url, index["class_post"], f"poster{i // 10}", [code, f"n{i}", LYRICS, "{}"])
        pages = [uuid.uuid4().hex[:11] for _ in range(args.pages)]
        for page in pages:
            await call(http, url, index["join"], page, [code, "", None])
            await call(http, url, index["tick"], page, [None, None])  # each page has seen the wall once

        async def ticks(post_first: bool) -> float:
            spent = 0.0
            for r in range(args.rounds):
                if post_first:
                    await call(http, url, index["class_post"], f"round{r}", [code, "r", "新的 一 行", "{}"])
                before = cpu_s(pid)
                for page in pages:
                    await call(http, url, index["tick"], page, [None, None])  # its inputs: the session's State
                spent += cpu_s(pid) - before
            return 1000 * spent / (args.rounds * len(pages))

        nothing_new = await ticks(False)
        changed = await ticks(True)
        before = cpu_s(pid)
        for _ in range(args.rounds * 5):
            await call(http, url, index["class_wall"], uuid.uuid4().hex[:11], [code])
        wall = 1000 * (cpu_s(pid) - before) / (args.rounds * 5)
    return {"tick_nothing_new_ms": round(nothing_new, 2), "tick_after_a_post_ms": round(changed, 2),
            "class_wall_ms": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--posts", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--app", default="app.py")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} · torch {__import__('torch').__version__}", flush=True)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as log:
        os.environ["LYRICGEN_CLASS_DB"] = os.path.join(tmp, "classes.sqlite")  # the server's own, fresh
        server, url = start_server(resolve_app(args.app), None, log)
        try:
            figures = asyncio.run(measure(url, server.pid, args))
        finally:
            stop(server)
    print(json.dumps({"pages": args.pages, "posts": args.posts, **figures}))


if __name__ == "__main__":
    main()

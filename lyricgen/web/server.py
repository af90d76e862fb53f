"""Serving the page to a class: where the weights are, the queue, threads and memory, and the launch.

app.py calls these; nothing here lays out the page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib.util
import os
import sys
from pathlib import Path

import gradio as gr
import torch
from starlette.middleware import Middleware

from ..checkpoint import Checkpoint
from ..engine import DecodingEngine, start_engines
from . import limits, sessions
from .assets import AssetCache
from .guard import LongLinkGuard
from .page import CSS as PAGE_CSS
from .page import gradio_strings

WEIGHTS_ENV = "LYRICGEN_WEIGHTS"  # another weights root, holding rnn/, lstm/ and gru/, or a hub id of one


def weights_root(default: str | Path) -> str | Path:
    """The weights root, holding one weights folder per cell: $LYRICGEN_WEIGHTS when set, else default.

    The variable's text is kept as it is: it may be a hub id (USER/NAME, modelscope:OWNER/NAME), which
    checkpoint.resolve_folder tells from a folder, and which a Path would spell with a backslash on Windows.
    """
    return os.environ.get(WEIGHTS_ENV) or Path(default)


def engines_for(checkpoints: dict[str, Checkpoint]) -> dict[str, DecodingEngine]:
    """One decoding engine per loaded model, each loop on its share of the CPU cores (at least one thread).

    The loops of different cells run at the same time when a class uses them all; each taking every core
    would leave their threads waiting on one another. On a GPU the threads only feed the device.
    """
    threads = max(1, (os.cpu_count() or 1) // len(checkpoints))
    return start_engines(checkpoints, limits.ENGINE_MAX_BATCH, limits.ENGINE_MAX_WAITING, threads)


def configure_queue(demo: gr.Blocks) -> gr.Blocks:
    """api_open=False: every request, a direct POST included, waits in the queue and its limits.

    Gradio's monitoring summary: after every event its queue builds a pandas table of the last events
    (GRADIO_ANALYTICS_MAX_EVENTS, 10,000 by default) to summarize them for a dashboard this app never opens
    (enable_monitoring is off). That is milliseconds of the interpreter's lock per answer, taken from the
    engines' loops while a class generates. The queue's own two knobs (what those two environment variables
    set) keep one event and never rebuild the summary.
    """
    demo.queue(api_open=False, default_concurrency_limit=limits.CONCURRENCY_LIMIT,
               max_size=limits.QUEUE_MAX_SIZE)
    demo._queue.ANALYTICS_MAX_EVENTS = 1
    demo._queue.ANAYLTICS_CACHE_FREQUENCY = sys.maxsize  # Gradio's spelling
    return demo


def settle_process() -> None:
    """For the server process, once the page and its models are built (tests keep Python's defaults).

    The collector: a full garbage collection walks every object alive, and the page's components, the
    models and Gradio's routes are many: under a class's load it stops every thread, the engines' loops
    included, long enough to show in the slowest answers. What exists now lives as long as the server,
    so it is moved out of the collector's scans (gc.freeze); what requests create is collected as before.

    matplotlib: every streamed update passes through Gradio's MatplotlibBackendMananger, which imports
    matplotlib twice. Where it is not installed, each failed import searches every folder of sys.path
    again; recording its absence makes them fail at once.
    """
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None  # `import matplotlib` now raises ImportError without a search
    gc.collect()  # garbage left now would otherwise be frozen with the rest, and never freed
    gc.freeze()


def limit_allocator_arenas(arenas: int = 2) -> bool:
    """Cap glibc malloc's per-thread arenas (what MALLOC_ARENA_MAX=2 does), as a server starts.

    Every Gradio worker thread would otherwise get a memory arena of its own that is never given
    back, and the server's memory grows with every new thread under a class's load.
    Returns False where there is no glibc (macOS, Windows, musl): nothing to do there.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return True  # the person starting the server chose already
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8 is M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        return False


def trim_heap() -> bool:
    """Hand the memory freed by a finished piece of work (a Lab training) back to the system now.

    glibc keeps freed memory in its arenas for later; a training's many tensors leave far more of it
    than the server needs between trainings. Returns False where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def share_cpu_threads() -> int:
    """Give each of the requests running together its share of the CPU cores.

    torch would let every request use every core; with two requests at once on two cores their
    threads then wait on each other.
    """
    threads = max(1, (os.cpu_count() or 1) // limits.CONCURRENCY_LIMIT)
    torch.set_num_threads(threads)
    return threads


def parse_auth(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not (sep and user and password):
        raise ValueError("--auth must be user:password")
    return user, password


def share_failed(local_url: str) -> str:
    """What a failed --share says: the local server runs on, and what works where gradio.live does not.

    The link needs Gradio's tunnel binary from a Hugging Face CDN and its tunnel server at gradio.app,
    both often out of reach in mainland China, where most of this app's classes are.
    """
    return (f"\n无法创建公开链接（没有网络，或连不上 gradio.live）；应用仍在本机运行：{local_url}\n"
            "公开链接在中国大陆常常用不了：课堂里请用 python app.py --lan（同一 Wi-Fi），"
            "或部署到魔搭创空间（python -m lyricgen.hub deploy --to modelscope）。\n"
            f"Could not create a public share link (no network, or gradio.live unreachable); "
            f"the app keeps serving locally at {local_url}\n"
            "Share links often do not work in mainland China: for a class use python app.py --lan (same Wi-Fi), "
            "or deploy to a ModelScope studio (python -m lyricgen.hub deploy --to modelscope).\n")


def classroom_notice(urls: list[str]) -> str:
    """What --lan prints once the server runs: every address students can open, or why there is none."""
    if not urls:
        return ("\n没有找到局域网地址：这台电脑连上学校的 Wi-Fi 或网线了吗？\n"
                "No local network address found: is this machine on the school's Wi-Fi or network cable?\n")
    lines = "".join(f"  {url}\n" for url in urls)
    return (f"\n同一网络里的学生在浏览器里打开：\n{lines}"
            f"Students on the same network open in their browser:\n{lines}")


def serve(blocks: gr.Blocks, host: str | None = None, port: int | None = None, share: bool = False,
          auth: tuple[str, str] | None = None, block: bool = True, quiet: bool = False,
          classroom: list[str] | None = None) -> str | None:
    """Launch, and when a public link was asked for but none came, say so and keep serving locally.

    Gradio itself only prints a hint about a missing file when the share server cannot be reached
    (no network, a firewall); the local server runs on either way. classroom: the addresses to print
    for students on the local network (network.classroom_urls), None when it serves no network.
    Returns the public URL or None.
    """
    if share and auth is None:
        print("注意：公开链接没有密码，任何拿到链接的人都能用。 · Note: the public link has no password; "
              "add --auth user:password to require one.", file=sys.stderr)
    # Ahead of Gradio's routes: an address no link of the page is that long (guard.py), then the page's
    # files compressed once and kept by browsers (assets.py).
    middleware = [Middleware(LongLinkGuard), Middleware(AssetCache)]
    # max_threads: Gradio runs at most this many events at once (40 unless told), whatever their own
    # concurrency limits. A class's Generate requests beyond 40 waited in Gradio's queue instead of joining
    # the engines' batches, which stayed small while a queue formed. Every event the queue admits may run:
    # the engines bound their own batches and waiting lines, every other endpoint its concurrency limit.
    # The footer without its "Runs" link: Gradio's run history page speaks English only. Gradio's own words in
    # the page's languages where it has none (page.gradio_strings).
    blocks.launch(server_name=host, server_port=port, share=share, auth=auth, show_error=False,
                  max_threads=limits.QUEUE_MAX_SIZE, footer_links=["api", "gradio", "settings"],
                  i18n=gradio_strings(),
                  enable_monitoring=False, prevent_thread_lock=True, quiet=quiet, css=PAGE_CSS,
                  max_file_size=limits.MAX_UPLOAD_BYTES, state_session_capacity=limits.MAX_LIVE_SESSIONS,
                  app_kwargs={"middleware": middleware})
    sessions.install(blocks)  # what each session keeps, bounded (sessions.py)
    if classroom is not None:
        print(classroom_notice(classroom), file=sys.stderr)
    if share and not blocks.share_url:
        print(share_failed(blocks.local_url), file=sys.stderr)
    if block:
        blocks.block_thread()
    return blocks.share_url

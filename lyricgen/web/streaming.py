"""A decoding engine's words, as an async stream the page can show while they are written.

Generate and Compare are async generators: a request waiting in an engine's batch holds no worker
thread, so a whole class can wait at once. Every STREAM_EVERY_S the handler takes the words made
since, and sends one update for them: each update costs the server more than a word does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from ..engine import DecodingEngine, EngineBusy, EngineStopped, Job
from ..generate import GenerationSettings, Step
from . import limits
from .validate import BusyError

POLL_S = 0.002  # how often to look for a word when every word is an update of its own (every_s = 0)


def submit(engine: DecodingEngine, settings: GenerationSettings, keep_logits: bool = False) -> Job:
    """engine.submit, with "too many requests" turned into the page's busy message."""
    try:
        return engine.submit(settings, keep_logits=keep_logits)
    except (EngineBusy, EngineStopped):
        raise BusyError() from None


def _made_since(job: Job) -> tuple[list[Step], bool]:
    """The steps the engine has made for job since last asked, without waiting, and whether the job is over."""
    steps = []
    while True:
        try:
            step = job.next_step(timeout=0)
        except TimeoutError:
            return steps, False
        if step is None:
            return steps, True
        steps.append(step)


_streams = 0  # streams open now, in this process: all run on Gradio's one event loop, so a plain int is enough


def update_interval(every_s: float) -> float:
    """Seconds between two updates of one stream: every_s, or longer when many students stream at once.

    Each update costs the server a message, far more than a word; with a whole class streaming at once
    those messages, not the model, would fill the CPU. So the class shares MAX_UPDATES_PER_S between
    its streams: one student sees 25 updates a second, thirty see about two each.
    """
    return max(every_s, _streams / limits.MAX_UPDATES_PER_S)


async def new_steps(jobs: dict[str, Job], every_s: float) -> AsyncIterator[dict[str, list[Step]]]:
    """The jobs' steps in bunches, {name: steps made since the last bunch}: one bunch every update_interval
    seconds at most, and always a last one as soon as every job is over (every_s = 0: every step on its own).

    The requests leave the engines' batches as soon as the consumer stops listening: the page was
    closed, or the stream cancelled (Gradio then closes this generator).
    """
    global _streams
    _streams += 1
    try:
        running = dict(jobs)
        pending: dict[str, list[Step]] = {name: [] for name in jobs}
        sent = time.monotonic()
        while running:
            await asyncio.sleep(min(every_s, limits.STREAM_EVERY_S) or POLL_S)
            for name, job in list(running.items()):
                steps, done = _made_since(job)
                pending[name].extend(steps)
                if done:
                    del running[name]
            if not every_s:
                for name, steps in pending.items():
                    for step in steps:
                        yield {name: [step]}
                    steps.clear()
            elif not running or time.monotonic() - sent >= update_interval(every_s):
                yield pending
                pending, sent = {name: [] for name in jobs}, time.monotonic()
    finally:
        _streams -= 1
        for job in jobs.values():
            job.cancel()

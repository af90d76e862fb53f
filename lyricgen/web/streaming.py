"""A decoding engine's words, as an async stream the page can show while they are written.

Generate and Compare are async generators: a request waiting in an engine's batch holds no worker
thread, so a whole class can wait at once. The first words go out as soon as they come; then, every
STREAM_EVERY_S at most (less often with many streams), the handler takes the words made since and
sends one update for them: each update costs the server more than a word does. Between updates it
sleeps; the engine wakes it (Job.listener) when the first word, the end or an error comes.
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
FIRST_WORDS_CHECK_S = 1.0  # waiting for the first words, look again this often even if no word told of them


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
    """The jobs' steps in bunches, {name: steps made since the last bunch}: the first words once there are
    any and every_s has passed, then one bunch every update_interval seconds at most, and always a last one
    as soon as every job is over (every_s = 0: every step on its own).

    The class's shared budget starts counting from the first words: a student waits for the first words of
    an answer, not for the rest of it, and with a whole class streaming the budget's interval alone is
    longer than a short answer takes.

    The requests leave the engines' batches as soon as the consumer stops listening: the page was
    closed, or the stream cancelled (Gradio then closes this generator).
    """
    global _streams
    _streams += 1
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()  # set when a job's first word, end or error has come

    def tell() -> None:  # on an engine's thread: the only safe way into the event loop
        loop.call_soon_threadsafe(wake.set)

    try:
        for job in jobs.values():
            job.listener = tell
        running = dict(jobs)
        pending: dict[str, list[Step]] = {name: [] for name in jobs}
        sent, shown = time.monotonic(), False  # shown: a bunch holding words has gone out
        while running:
            wake.clear()  # before looking: a word that comes while we look wakes the next wait
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
                if running:
                    await asyncio.sleep(POLL_S)
                continue
            words = any(pending.values())
            interval = update_interval(every_s) if shown else every_s  # the first words: this stream's own pace
            if not running or (shown or words) and time.monotonic() - sent >= interval:
                shown = shown or words
                yield pending
                pending, sent = {name: [] for name in jobs}, time.monotonic()
            if running:
                # Asleep until the next update is due (before the first words: until they come), or a job
                # ends sooner: a whole class's streams each looking for words every few milliseconds were
                # thousands of wake-ups a second for the one event loop that serves every page.
                interval = update_interval(every_s) if shown else every_s
                due = interval - (time.monotonic() - sent) if shown or words else FIRST_WORDS_CHECK_S
                try:
                    async with asyncio.timeout(max(due, 0.0)):
                        await wake.wait()
                except TimeoutError:
                    pass
    finally:
        _streams -= 1
        for job in jobs.values():
            job.listener = None
            job.cancel()

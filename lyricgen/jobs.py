"""A request submitted to a decoding engine (lyricgen/engine.py), from both sides: the Job its consumer
reads Steps from, and the Request the engine's loop advances.

The two share the job's outbox: the loop puts each Step in it as it is made; the consumer, on another
thread, takes them out. Nothing here runs the model.
"""

from __future__ import annotations

import queue
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from .cache import Cache
from .generate import GenerationSettings, Prompt, Step


class EngineBusy(RuntimeError):
    """Too many requests are already waiting for a place in the batch: the caller should say "try again"."""


class EngineStopped(RuntimeError):
    """The engine was stopped before the request was finished."""


_END = object()  # the outbox's last item after a request's final step (or its cancel)


class Job:
    """A submitted request as its consumer sees it: iterate over it for its Steps as they are made.

    Iteration blocks until each step arrives, re-raises the error that ended the request, if any,
    and cancels the request when the consumer stops early (breaks off, closes the iterator, or
    drops the job): it then leaves the batch at the engine's next step.
    """

    def __init__(self, settings: GenerationSettings, prompt: Prompt, seed: int):
        self.settings = settings
        self.prompt = prompt  # the start text's words and ids, and the words fed as <unk>
        self.seed = seed  # the seed used: settings.seed, or the random one drawn for it
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()  # Steps, then _END or the exception
        self._cancelled = False  # read by the engine's thread: a plain bool is enough under the GIL
        self._finished = False  # the consumer has seen the end
        # Called on the engine's thread when the first Step, the end or an error lands in the outbox, so an
        # asynchronous consumer can sleep until then instead of looking again and again; it must not block.
        self.listener: Callable[[], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the request: no further steps are made, and iteration ends after those already made."""
        if not (self._cancelled or self._finished):
            self._cancelled = True
            self._outbox.put(_END)  # wakes a consumer blocked in next_step on another thread

    def next_step(self, timeout: float | None = None) -> Step | None:
        """The next Step, or None once the request is over; waits up to timeout seconds (None: no limit).

        Raises TimeoutError when no step came in time, and the request's own error when serving it failed.
        """
        if self._finished:
            return None
        try:
            item = self._outbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no word within {timeout} s") from None
        if item is _END or isinstance(item, BaseException):
            self._finished = True
            if item is not _END:
                raise item
            return None
        return item

    def stream(self, timeout: float | None = None) -> Iterator[Step]:
        """The Steps one by one, each waited for up to timeout seconds; cancels the request when left early."""
        try:
            while (step := self.next_step(timeout)) is not None:
                yield step
        finally:  # the consumer stopped (finished, broke off, closed, timed out, failed)
            self.cancel()

    def __iter__(self) -> Iterator[Step]:
        return self.stream()

    def result(self, timeout: float | None = None) -> list[Step]:
        """Every Step (those made before a cancel, if cancelled), waiting up to timeout seconds in all."""
        deadline = None if timeout is None else time.monotonic() + timeout
        steps = []
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = self.next_step(left)
            if step is None:
                return steps
            steps.append(step)


@dataclass(eq=False)
class Request:
    """The engine's side of a Job: what the loop needs to advance it, and nothing the consumer holds alive."""

    job: weakref.ref  # to the Job: once its consumer drops it, the request leaves at the next step
    outbox: queue.SimpleQueue  # the Job's
    prompt_ids: list[int]  # the Job's prompt ids: [<eol>, start words...]
    settings: GenerationSettings  # the Job's
    generator: torch.Generator  # seeded with the Job's seed; no other request draws from it
    keep_logits: bool  # give each Step its (vocab_size,) logits
    cache: Cache | None = None  # the request's own continuous cache, when its settings ask for one
    made: int = 0  # tokens generated so far
    last_token: int = -1  # the token the next step feeds
    # A sampled request's numbers for its words after the first, drawn from its generator at once as it
    # joins the batch (lyricgen.sampling.draw_uniforms); empty for a greedy one.
    uniforms: list[float] = field(default_factory=list)

    def abandoned(self) -> bool:
        job = self.job()
        return job is None or job.cancelled

    def uniform(self) -> float:
        """The number the next word is drawn with, in the batch (unused for a greedy request: 0)."""
        return self.uniforms[self.made - 1] if self.uniforms else 0.0

    def send(self, step: Step, h: torch.Tensor | None) -> bool:
        """Hand a drawn word to the consumer; True when it was the last. h: the cache's query, when it has one."""
        if self.cache is not None:
            self.cache.add(h, step.token_id)
        self.outbox.put(step)
        self.made += 1
        self.last_token = step.token_id
        if self.made >= self.settings.length:
            self.outbox.put(_END)
            self.tell()
            return True
        if self.made == 1:
            self.tell()
        return False

    def fail(self, error: BaseException) -> None:
        self.outbox.put(error)
        self.tell()

    def tell(self) -> None:
        """Call the job's listener, if its consumer set one: the first word, the end or an error is there."""
        job = self.job()
        listener = job.listener if job is not None else None
        if listener is not None:
            try:
                listener()
            except Exception:  # a consumer's fault must never stop the engine's loop
                pass

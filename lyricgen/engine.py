"""A continuous-batching decoding engine: one loop per model advances every running request by one word at once.

Why: at batch 1 each new word runs matrix-vector products, which load every weight of the model
(8-14 MB) for a single multiply-add, so a step waits on the weights streaming in. A class pressing
Generate together keeps dozens of requests running; one step for all of them loads each weight
once for every request and turns the products into matrix-matrix ones, which the CPU runs much
closer to its arithmetic peak (and spreads over its cores).

    with DecodingEngine(load_checkpoint("weights/lstm", "cpu"), max_batch=32, max_waiting=64) as engine:
        job = engine.submit(GenerationSettings("星星", 50, Sampling(temperature=0.8)))
        for step in job:  # Steps as they are made; job.seed reproduces them
            print(step.token, end="")

The batch's rows, max_batch = 3: requests A to E came at once, A asks for 3 words (a1 is A's first).
Each loop iteration admits waiting requests into the free rows, running each one's prompt alone (it
is short and comes once) to draw its first word; then ONE model step for every row, and every row
draws its next word. A request that made its last word, or was cancelled, leaves; the rows below
close up. The recurrent state (num_layers, batch, hidden_dim) has the same rows in the same order.

                  iteration 1        iteration 2        iteration 3
                 admit   step       admit   step       admit   step
       row 0   ┌ A  a1 │ a2 ┐     ┌ A     │ a3 ┐     ┌ B     │ b4 ┐
       row 1   │ B  b1 │ b2 │     │ B     │ b3 │     │ C     │ c4 │
       row 2   └ C  c1 │ c2 ┘     └ C     │ c3 ┘     └ D  d1 │ d2 ┘
       waiting   D E                D E                E

Each row draws with its own Sampling and random generator, all rows in one pass
(lyricgen.sampling.pick_tokens: for each row exactly what pick_token, which generate_steps uses,
gives it alone), so a seeded request gets the words of the unbatched generate_steps. (A batched
matrix product may round a logit's last bit unlike a batch-1 one: a word could change only if a
draw fell within that rounding of the edge between two words, or greedy's two best words tied to
within it. tests/test_engine.py compares the words.)

Its parts, each a file: lyricgen/jobs.py (a request's two sides: the Job its caller reads, the
Request the loop advances), lyricgen/waiting.py (the requests not yet admitted), lyricgen/decoder.py
(admitting and advancing), lyricgen/batch.py (the rows and their state), lyricgen/sampling.py (each
row's word). This file holds the loop's thread and what a caller calls.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref

import torch

from .checkpoint import Checkpoint
from .decoder import Decoder
from .generate import GenerationSettings, make_prompt, new_generator
from .jobs import _END, EngineBusy, EngineStopped, Job, Request
from .model import LyricModel
from .waiting import WaitingLine

__all__ = ["DecodingEngine", "EngineBusy", "EngineStopped", "Job", "any_busy", "start_engines", "stop_engines"]


class DecodingEngine:
    """One model's decoding loop, in a daemon thread of its own: every active request advances one word per step.

    max_batch: most requests advanced together; max_waiting: most requests queued beyond the free
    places of the batch before submit raises EngineBusy. threads: torch threads for the loop's own
    work (None: torch's setting). nice: the loop thread's priority (a student's model below the shipped
    ones). gate: a context manager engines share, held for each step (the students' models: lyricgen/gate.py,
    one step at a time, and a share of the time while the shipped models have work).
    start=False runs no thread: the caller drives the loop with step()
    (tests and benchmarks that want a known batch at every step).
    """

    def __init__(self, checkpoint: Checkpoint, max_batch: int = 32, max_waiting: int = 64,
                 name: str | None = None, start: bool = True, threads: int | None = None, nice: int = 0,
                 gate: contextlib.AbstractContextManager | None = None):
        if max_batch < 1 or max_waiting < 0:
            raise ValueError("max_batch must be at least 1 and max_waiting at least 0")
        self.model: LyricModel = checkpoint.model.eval()
        self.vocab = checkpoint.vocab
        self.name = name or checkpoint.model.config.cell
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.device = self.model.device
        self.threads = threads
        self.nice = nice  # the loop thread's Linux nice value: above 0, other threads get the cores first
        self.gate = gate if gate is not None else contextlib.nullcontext()  # held for each step
        self._waiting = WaitingLine(self.name)  # submitted, not yet admitted
        self._decoder = Decoder(self.model, self.vocab)  # the batch and its work; the loop's own
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._run, name=f"engine-{self.name}", daemon=True)
            self._thread.start()

    # -- the caller's side ------------------------------------------------------------------------

    def submit(self, settings: GenerationSettings, *, keep_logits: bool = False) -> Job:
        """Queue a request; its Steps arrive on the returned Job (job.seed is the seed used).

        keep_logits: give each Step its (vocab_size,) logits (a copy per word); otherwise Step.logits is None.
        Raises EngineBusy when the queue is full and EngineStopped after stop(); never blocks.
        """
        prompt = make_prompt(self.vocab, settings.start_text)  # jieba runs in the caller's thread, not the loop
        generator, seed = new_generator(settings.seed)
        job = Job(settings, prompt, seed)
        if settings.length <= 0:
            job._outbox.put(_END)
            return job
        request = Request(weakref.ref(job), job._outbox, prompt.ids, settings, generator, keep_logits)
        self._waiting.put(request, room=max(0, self.max_batch - self.active_count) + self.max_waiting)
        return job

    @property
    def active_count(self) -> int:
        """Requests in the batch now."""
        return len(self._decoder.batch)

    @property
    def waiting_count(self) -> int:
        """Requests submitted and not yet admitted."""
        return len(self._waiting)

    @property
    def steps_run(self) -> int:
        """Batched model steps so far."""
        return self._decoder.steps_run

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step(self) -> int:
        """One iteration of the loop in the calling thread (only when the engine runs no thread of its own):
        admit waiting requests, then one batched step. Returns how many requests are still active."""
        if self._thread is not None:
            raise RuntimeError("this engine runs its own loop thread")
        self._iterate(self._waiting.take(self.max_batch - self.active_count))
        return self.active_count

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the loop and wait for its thread; unfinished requests end with EngineStopped."""
        self._waiting.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self._end_all(EngineStopped(f"engine {self.name} was stopped"))

    def __enter__(self) -> DecodingEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- the loop ---------------------------------------------------------------------------------

    def _run(self) -> None:
        if self.threads:
            # Per thread: several engines on a few cores must not each spin up every core's worth of
            # threads, which then wait on one another.
            torch.set_num_threads(self.threads)
        if self.nice > 0:  # per thread on Linux; elsewhere, or not allowed, the loop runs at the normal priority
            with contextlib.suppress(AttributeError, OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        while (newcomers := self._waiting.wait_and_take(self.active_count, self.max_batch - self.active_count)
               ) is not None:
            self._iterate(newcomers)
        self._end_all(EngineStopped(f"engine {self.name} was stopped"))

    def _iterate(self, newcomers: list[Request]) -> None:
        # Inference mode per iteration, in the thread doing the work: grad mode is per thread.
        with self.gate, torch.inference_mode():
            try:
                self._decoder.admit(newcomers)
                self._decoder.advance()
            except Exception as error:  # a fault of the loop itself, not of one request: end the batch, go on
                for request in self._decoder.batch.clear():
                    request.fail(error)

    def _end_all(self, error: BaseException) -> None:
        for request in [*self._decoder.batch.clear(), *self._waiting.drain()]:
            request.fail(error)


def start_engines(checkpoints: dict[str, Checkpoint], max_batch: int = 32, max_waiting: int = 64,
                  threads: int | None = None) -> dict[str, DecodingEngine]:
    """One running engine per loaded model, under the same names."""
    return {name: DecodingEngine(ckpt, max_batch, max_waiting, name=name, threads=threads)
            for name, ckpt in checkpoints.items()}


def stop_engines(engines: dict[str, DecodingEngine]) -> None:
    for engine in engines.values():
        engine.stop()


def any_busy(engines) -> bool:
    """Whether any of these engines has a request running or waiting (read without a lock: a glance, not a count)."""
    return any(engine.active_count or engine.waiting_count for engine in engines)

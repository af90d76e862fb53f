"""A continuous-batching decoding engine: one loop per model advances every running request by one word at once.

Why: at batch 1 each new word runs matrix-vector products, which load every weight of the model
(8-14 MB) for a single multiply-add, so a step waits on the weights streaming in. A class pressing
Generate together keeps dozens of requests running; one step for all of them loads each weight
once for every request and turns the products into matrix-matrix ones, which the CPU runs much
closer to its arithmetic peak (and spreads over its cores).

    with DecodingEngine(load_checkpoint("weights/lstm", "cpu"), max_batch=32, max_waiting=64) as engine:
        job = engine.submit(GenerationSettings("星星", length=50, temperature=0.8))
        for step in job:  # Steps as they are made; job.seed reproduces them
            print(step.token, end="")

Each loop iteration admits waiting requests (their start words run through the model one request
at a time: a prompt is short and comes once), then runs ONE model step for every active request
and lets every request draw its next word, each with its own settings and its own random generator,
in one pass over the batch (lyricgen.sampling.pick_tokens: for each row exactly what pick_token,
which generate_steps uses, gives that row alone): a seeded request gives the words the unbatched
generate_steps gives. (A batched matrix product may round the last bit of a logit
differently from a batch-1 one, and a batch of one is computed exactly as generate_steps computes
it. A word could only change if a draw fell within that rounding of the edge between two words,
or greedy's two best words tied to within it: tests/test_engine.py compares the words.)
Requests join and leave between steps; the batch's recurrent state is one tensor whose rows
follow the active list. The Job a caller holds is lyricgen/jobs.py's.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections import deque
from dataclasses import dataclass, field

import torch

from .cache import Cache
from .checkpoint import Checkpoint
from .generate import (
    GenerationSettings,
    Step,
    cell_layers,
    make_prompt,
    new_generator,
    primed_cache,
    with_cache,
)
from .jobs import _END, EngineBusy, EngineStopped, Job
from .model import Hidden, LyricModel
from .sampling import draw_uniforms, pick_token, pick_tokens

__all__ = ["DecodingEngine", "EngineBusy", "EngineStopped", "Job", "start_engines", "stop_engines"]


@dataclass(eq=False)
class _Request:
    """The engine's side of a Job: what the loop needs to advance it, and nothing the consumer holds alive."""

    job: weakref.ref  # to the Job: once its consumer drops it, the request leaves at the next step
    outbox: queue.SimpleQueue  # the Job's
    prompt_ids: list[int]
    settings: GenerationSettings
    generator: torch.Generator
    keep_logits: bool
    cache: Cache | None = None  # the request's own continuous cache, when its settings ask for one
    made: int = 0  # tokens generated so far
    last_token: int = -1  # the token the next step feeds
    # A sampled request's numbers for its words after the first, drawn from its generator at once as it
    # joins the batch (lyricgen.sampling.draw_uniforms); empty for a greedy one.
    uniforms: list[float] = field(default_factory=list)

    def abandoned(self) -> bool:
        job = self.job()
        return job is None or job.cancelled

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


class DecodingEngine:
    """One model's decoding loop, in a daemon thread of its own: every active request advances one word per step.

    max_batch: most requests advanced together; max_waiting: most requests queued beyond the free
    places of the batch before submit raises EngineBusy. threads: torch threads for the loop's own
    work (None: torch's setting). start=False runs no thread: the caller drives the loop with step()
    (tests and benchmarks that want a known batch at every step).
    """

    def __init__(self, checkpoint: Checkpoint, max_batch: int = 32, max_waiting: int = 64,
                 name: str | None = None, start: bool = True, threads: int | None = None):
        if max_batch < 1 or max_waiting < 0:
            raise ValueError("max_batch must be at least 1 and max_waiting at least 0")
        self.model: LyricModel = checkpoint.model.eval()
        self.vocab = checkpoint.vocab
        self.name = name or checkpoint.model.config.cell
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.device = self.model.device
        self.threads = threads
        self.steps_run = 0  # batched model steps so far
        self._banned = [self.vocab.unk_id]
        # On the CPU the single-step cell functions, as generate_steps uses (nn.LSTM's oneDNN path
        # re-lays out the weights at every call); on a GPU the model itself.
        self._model_step = _cpu_batch_step if self.device.type == "cpu" else _forward_batch_step
        self._waiting: deque[_Request] = deque()  # submitted, not yet admitted; guarded by _wakeup
        self._active: list[_Request] = []  # row i of _hidden belongs to _active[i]; the loop's own
        self._hidden: Hidden | None = None  # (num_layers, batch, hidden_dim), a pair of them for the LSTM
        self._wakeup = threading.Condition()
        self._stopping = False
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
        request = _Request(weakref.ref(job), job._outbox, prompt.ids, settings, generator, keep_logits)
        with self._wakeup:
            if self._stopping:
                raise EngineStopped(f"engine {self.name} is stopped")
            # A request whose page closed while it waited holds no place: forget it before counting.
            self._waiting = deque(r for r in self._waiting if not r.abandoned())
            free = max(0, self.max_batch - len(self._active))
            if len(self._waiting) >= free + self.max_waiting:
                raise EngineBusy(f"engine {self.name}: {len(self._waiting)} requests already waiting")
            self._waiting.append(request)
            self._wakeup.notify()
        return job

    @property
    def active_count(self) -> int:
        """Requests in the batch now."""
        return len(self._active)

    @property
    def waiting_count(self) -> int:
        """Requests submitted and not yet admitted."""
        return len(self._waiting)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step(self) -> int:
        """One iteration of the loop in the calling thread (only when the engine runs no thread of its own):
        admit waiting requests, then one batched step. Returns how many requests are still active."""
        if self._thread is not None:
            raise RuntimeError("this engine runs its own loop thread")
        with self._wakeup:
            newcomers = self._take_newcomers()
        self._iterate(newcomers)
        return len(self._active)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the loop and wait for its thread; unfinished requests end with EngineStopped."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
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
        while True:
            with self._wakeup:
                while not (self._stopping or self._waiting or self._active):
                    self._wakeup.wait()
                if self._stopping:
                    break
                newcomers = self._take_newcomers()
            self._iterate(newcomers)
        self._end_all(EngineStopped(f"engine {self.name} was stopped"))

    def _take_newcomers(self) -> list[_Request]:
        """Waiting requests, oldest first, up to the batch's free places (caller holds _wakeup)."""
        free = self.max_batch - len(self._active)
        return [self._waiting.popleft() for _ in range(min(free, len(self._waiting)))]

    def _iterate(self, newcomers: list[_Request]) -> None:
        # Inference mode per iteration, in the thread doing the work: grad mode is per thread.
        with torch.inference_mode():
            try:
                self._admit(newcomers)
                self._advance()
            except Exception as error:  # a fault of the loop itself, not of one request: end the batch, go on
                self._end_active(error)

    def _admit(self, newcomers: list[_Request]) -> None:
        """Run each newcomer's prompt (batch 1, as generate_steps does), draw its first word, and add
        those with words still to come to the batch."""
        joined, states = [], []
        for request in newcomers:
            if request.abandoned():
                continue
            try:
                ids = torch.tensor(request.prompt_ids, dtype=torch.long, device=self.device).unsqueeze(1)
                logits, hidden, outputs, _ = self.model.forward_with_outputs(ids)  # (prefix_len, 1, ...)
                if request.settings.cache is not None:
                    request.cache = primed_cache(request.settings.cache, outputs[:, 0], request.prompt_ids)
                finished = self._emit(request, logits[-1, 0].float().cpu(), outputs[-1, 0])
            except Exception as error:  # this request's fault (its settings, its prompt): it alone ends
                request.fail(error)
                continue
            if not finished:
                if request.settings.temperature > 0:
                    request.uniforms = draw_uniforms(request.generator, request.settings.length - 1)
                joined.append(request)
                states.append(hidden)
        if joined:
            self._active.extend(joined)
            self._hidden = _cat_rows([self._hidden, *states] if self._hidden is not None else states)

    def _advance(self) -> None:
        """One model step for every active request, then every one draws its next word, all in one pass."""
        self._leave([row for row, request in enumerate(self._active) if request.abandoned()])
        if not self._active:
            return
        tokens = torch.tensor([r.last_token for r in self._active], dtype=torch.long, device=self.device)  # (batch,)
        logits, self._hidden = self._model_step(self.model, tokens, self._hidden)  # (batch, vocab_size)
        self.steps_run += 1
        top = (self._hidden[0] if isinstance(self._hidden, tuple) else self._hidden)[-1]  # (batch, hidden_dim)
        finished, scores = [], logits
        for row, request in enumerate(self._active):
            if request.cache is not None:  # its own mixture, row by row: few requests turn the cache on
                try:
                    scores = logits.clone() if scores is logits else scores
                    scores[row] = with_cache(logits[row], request.cache, top[row])
                except Exception as error:  # only this request ends; the others draw on
                    request.fail(error)
                    finished.append(row)
        rows = [row for row in range(len(self._active)) if row not in finished]
        for row, (token_id, prob) in zip(rows, self._pick(scores[rows] if finished else scores, rows), strict=True):
            request = self._active[row]
            if token_id is None:  # its settings failed it alone
                finished.append(row)
            elif self._send(request, token_id, prob, logits[row] if request.keep_logits else None,
                            top[row] if request.cache is not None else None):
                finished.append(row)
        self._leave(finished)

    def _pick(self, scores: torch.Tensor, rows: list[int]) -> list[tuple[int | None, float]]:
        """Each of these active rows' next word and its probability, from scores (len(rows), vocab_size).

        All in one pass of lyricgen.sampling.pick_tokens; when that fails, row by row, so that only the
        request whose setting failed ends: its (None, 0.0)."""
        requests = [self._active[row] for row in rows]
        settings = [r.settings for r in requests]
        temperatures, top_ks, top_ps = [s.temperature for s in settings], [s.top_k for s in settings], \
            [s.top_p for s in settings]
        uniforms = [r.uniforms[r.made - 1] if r.uniforms else 0.0 for r in requests]  # this word's number
        try:
            return list(zip(*pick_tokens(scores, temperatures, top_ks, top_ps, self._banned, uniforms), strict=True))
        except Exception:
            picked: list[tuple[int | None, float]] = []
            for i, request in enumerate(requests):
                try:
                    (token_id,), (prob,) = pick_tokens(scores[i:i + 1], temperatures[i:i + 1], top_ks[i:i + 1],
                                                       top_ps[i:i + 1], self._banned, uniforms[i:i + 1])
                    picked.append((token_id, prob))
                except Exception as error:
                    request.fail(error)
                    picked.append((None, 0.0))
            return picked

    def _emit(self, request: _Request, logits: torch.Tensor, h: torch.Tensor) -> bool:
        """Draw the request's next word from logits (vocab_size,) alone and send it; True when it was the last.

        h (hidden_dim,): the top layer's state that made the logits, which the request's cache looks up."""
        s = request.settings
        scores = logits if request.cache is None else with_cache(logits, request.cache, h)
        token_id, prob = pick_token(scores, s.temperature, s.top_k, s.top_p, self._banned, request.generator)
        return self._send(request, token_id, prob, logits if request.keep_logits else None, h)

    def _send(self, request: _Request, token_id: int, prob: float, logits: torch.Tensor | None,
              h: torch.Tensor | None) -> bool:
        """Hand the drawn word to the request's consumer; True when it was the last.

        logits: the row to keep when the request asked for them; h: its cache's query, when it has one."""
        if request.cache is not None:
            request.cache.add(h, token_id)
        # A copy, or the Step would keep the whole batch's logits alive for as long as it is queued.
        kept = logits.clone() if logits is not None else None
        request.outbox.put(Step(token_id, self.vocab.tokens[token_id], prob, kept))
        request.made += 1
        request.last_token = token_id
        if request.made >= request.settings.length:
            request.outbox.put(_END)
            request.tell()
            return True
        if request.made == 1:
            request.tell()
        return False

    def _leave(self, rows: list[int]) -> None:
        """Drop these rows of the batch: their requests and their rows of the hidden state."""
        if not rows:
            return
        gone = set(rows)
        keep = [row for row in range(len(self._active)) if row not in gone]
        self._active = [self._active[row] for row in keep]
        if not keep:
            self._hidden = None
        else:
            self._hidden = _select_rows(self._hidden, torch.tensor(keep, device=self.device))

    def _end_active(self, error: BaseException) -> None:
        for request in self._active:
            request.fail(error)
        self._active, self._hidden = [], None

    def _end_all(self, error: BaseException) -> None:
        self._end_active(error)
        with self._wakeup:
            waiting, self._waiting = list(self._waiting), deque()
        for request in waiting:
            request.fail(error)


def _cpu_batch_step(model: LyricModel, tokens: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """tokens (batch,) → logits (batch, vocab_size) and the next hidden state, with the single-step cell
    functions; at batch 1 exactly the computation of generate_steps' own step."""
    x = model.embedding.weight[tokens]  # (batch, embed_dim)
    x, hidden = cell_layers(model, x, hidden)  # (batch, hidden_dim)
    return model.head(x), hidden


def _forward_batch_step(model: LyricModel, tokens: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """The same through model.forward (a GPU's fused kernels); the logits come back to the CPU in one copy."""
    logits, hidden = model(tokens.unsqueeze(0), hidden)  # (1, batch, vocab_size)
    return logits[0].float().cpu(), hidden


def _cat_rows(states: list[Hidden]) -> Hidden:
    """Hidden states (num_layers, n_i, hidden_dim) side by side along the batch dimension."""
    if isinstance(states[0], tuple):
        return tuple(torch.cat(parts, dim=1) for parts in zip(*states, strict=True))
    return torch.cat(states, dim=1)


def _select_rows(hidden: Hidden, rows: torch.Tensor) -> Hidden:
    """The given batch rows of a hidden state (num_layers, batch, hidden_dim), in that order."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, rows) for h in hidden)
    return hidden.index_select(1, rows)


def start_engines(checkpoints: dict[str, Checkpoint], max_batch: int = 32, max_waiting: int = 64,
                  threads: int | None = None) -> dict[str, DecodingEngine]:
    """One running engine per loaded model, under the same names."""
    return {name: DecodingEngine(ckpt, max_batch, max_waiting, name=name, threads=threads)
            for name, ckpt in checkpoints.items()}


def stop_engines(engines: dict[str, DecodingEngine]) -> None:
    for engine in engines.values():
        engine.stop()

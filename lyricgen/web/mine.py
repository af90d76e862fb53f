"""Your model: the one a student trained in the Lab, or brought back as a zip, used in every panel as "mine".

A model belongs to the browser session that trained or uploaded it (Gradio's session hash): another session
asking for "mine" is told to train or upload one first, never handed someone else's. The server keeps

    one model per session            a new one replaces it
    at most MINE_MAX_MODELS, and     the least recently used is dropped first when either cap is passed,
    MINE_MAX_HELD_BYTES of them      and its owner is told so at their next use
    none unused for MINE_IDLE_S      dropped as the store is next used
    none of a page that closed       (the page's unload event: forget)

A model generates through a decoding engine of its own (one thread, a small batch), started at its first
generation and stopped when the model is dropped: a student's model never waits in the shipped models' loops,
and an idle engine's thread only sleeps. All of them, and the Lab's trainings, step through one gate
(lyricgen/gate.py): while the shipped models have requests, one step at a time and at most STUDENT_WORK_SHARE
of the time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from ..archive import ArchiveError, Bounds, load_zip
from ..checkpoint import Checkpoint
from ..engine import DecodingEngine, any_busy
from ..gate import ShareGate
from . import limits
from .i18n import Msg
from .validate import InputError

MINE = "mine"  # the API value and the link value of "my model" in every panel that takes a cell
# What an upload (or the Lab's own zip) may hold: the Lab's sizes, and a file a school's network carries.
BOUNDS = Bounds(max_bytes=limits.MINE_MAX_ZIP_BYTES, max_vocab=limits.MINE_MAX_VOCAB, max_dim=limits.LAB_MAX_HIDDEN,
                max_layers=limits.MINE_MAX_LAYERS)


def model_bytes(ckpt: Checkpoint) -> int:
    """About what a model holds in memory: its tensors, and its fingerprint's hashes."""
    tensors = sum(t.numel() * t.element_size() for t in ckpt.model.state_dict().values())
    hashes = len(ckpt.fingerprint.lines) + len(ckpt.fingerprint.runs) if ckpt.fingerprint else 0
    return tensors + hashes * limits.MINE_BYTES_PER_HASH


@dataclass(frozen=True)
class Chosen:
    """The model a request chose (a panel's checked cell input): a shipped cell, or the session's own."""
    name: str  # "rnn" | "lstm" | "gru" | MINE
    ckpt: Checkpoint


@dataclass
class Owned:
    ckpt: Checkpoint
    size: int  # model_bytes
    used: float = field(default_factory=time.monotonic)
    engine: DecodingEngine | None = None  # started at the first generation


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


class StudentModels:
    """yield_to: the shipped models' engines, which the students' work gives way to (self.gate)."""

    def __init__(self, max_models: int = limits.MINE_MAX_MODELS, max_bytes: int = limits.MINE_MAX_HELD_BYTES,
                 idle_s: float = limits.MINE_IDLE_S, yield_to: Iterable[DecodingEngine] = ()):
        self.max_models, self.max_bytes, self.idle_s = max_models, max_bytes, idle_s
        self.lock = threading.Lock()
        self.owned: OrderedDict[str, Owned] = OrderedDict()  # session → its model, least recently used first
        self.dropped: OrderedDict[str, str] = OrderedDict()  # session → why its model went (a string key)
        shipped = tuple(yield_to)
        # The students' own work, their models' steps and their Lab trainings' (TrainTab), through one gate.
        self.gate = ShareGate(limits.STUDENT_WORK_SHARE, lambda: any_busy(shipped))

    # -- what the server holds ---------------------------------------------------------------------

    def __len__(self) -> int:
        with self.lock:
            return len(self.owned)

    def held_bytes(self) -> int:
        with self.lock:
            return sum(entry.size for entry in self.owned.values())

    def _drop(self, session: str, why: str | None) -> Owned:
        """Remove a session's model (the lock held); why: a string key to tell its owner, None to say nothing."""
        entry = self.owned.pop(session)
        if why is not None:
            self.dropped[session] = why
            while len(self.dropped) > limits.MINE_MAX_DROPPED:
                self.dropped.popitem(last=False)
        return entry

    def _sweep(self, now: float) -> list[Owned]:
        """Drop the models unused for idle_s (the lock held); returns them, to stop their engines outside it."""
        idle = [s for s, entry in self.owned.items() if now - entry.used > self.idle_s]
        return [self._drop(s, "mine.error.expired") for s in idle]

    @staticmethod
    def _stop(entries: list[Owned]) -> None:
        for entry in entries:
            if entry.engine is not None:
                entry.engine.stop()

    # -- a session's model ----------------------------------------------------------------------------

    def put(self, session: str | None, ckpt: Checkpoint) -> None:
        """This session's model from now on (replacing its last); the least recently used go past the caps."""
        if session is None:  # a direct call with no browser session: nobody could ask for it again
            return
        size = model_bytes(ckpt)
        if size > self.max_bytes:
            raise InputError("mine.error.too_large", mb=f"{size / 2**20:.0f}", most=f"{self.max_bytes / 2**20:.0f}")
        with self.lock:
            gone = self._sweep(time.monotonic())
            if session in self.owned:
                gone.append(self._drop(session, None))
            self.dropped.pop(session, None)
            self.owned[session] = Owned(ckpt, size)
            while len(self.owned) > self.max_models or sum(e.size for e in self.owned.values()) > self.max_bytes:
                oldest = next(iter(self.owned))
                gone.append(self._drop(oldest, "mine.error.evicted"))
        self._stop(gone)

    def load(self, session: str | None, path: str | Path, device: str | None = None) -> Checkpoint:
        """A zip checked and loaded (archive.load_zip, within BOUNDS), then this session's model."""
        ckpt = load_zip(path, device, BOUNDS)
        self.put(session, ckpt)
        return ckpt

    def find(self, session: str | None) -> Checkpoint | None:
        """This session's model, marked used; None when it has none."""
        with self.lock:
            gone = self._sweep(time.monotonic())
            entry = self.owned.get(session) if session is not None else None
            if entry is not None:
                entry.used = time.monotonic()
                self.owned.move_to_end(session)
        self._stop(gone)
        return entry.ckpt if entry is not None else None

    def get(self, session: str | None) -> Checkpoint:
        """This session's model, or an InputError that says why there is none (never, never had, or dropped)."""
        ckpt = self.find(session)
        if ckpt is None:
            with self.lock:
                why = self.dropped.get(session, "mine.error.none") if session is not None else "mine.error.none"
            raise InputError(why, minutes=round(self.idle_s / 60))
        return ckpt

    def engine(self, ckpt: Checkpoint) -> DecodingEngine:
        """The decoding engine of a model held here (started now if it has none)."""
        with self.lock:
            entry = next((e for e in self.owned.values() if e.ckpt is ckpt), None)
            if entry is None:  # dropped between the request's check and its generation
                raise InputError("mine.error.evicted")
            if entry.engine is None:
                entry.engine = DecodingEngine(ckpt, limits.MINE_ENGINE_BATCH, limits.MINE_ENGINE_WAITING,
                                              name=f"mine-{len(self.owned)}", threads=1, nice=limits.MINE_NICE,
                                              gate=self.gate)
            return entry.engine

    def forget(self, session: str | None) -> None:
        """The session's page closed: its model goes, and nothing is kept to tell."""
        with self.lock:
            gone = [self._drop(session, None)] if session in self.owned else []
            self.dropped.pop(session, None)
        self._stop(gone)

    def forget_request(self, request: gr.Request | None = None) -> None:
        """For the page's unload event."""
        self.forget(session_of(request))

    def stop(self) -> None:
        """Every engine stopped (the server stops)."""
        with self.lock:
            entries = list(self.owned.values())
        self._stop(entries)


def with_mine(checkpoints: Mapping[str, Checkpoint], store: StudentModels | None, request: gr.Request | None
              ) -> dict[str, Checkpoint]:
    """The shipped models, and this session's own as MINE when it has one: for the panels that show every model."""
    models = dict(checkpoints)
    own = store.find(session_of(request)) if store is not None else None
    if own is not None:
        models[MINE] = own
    return models


def refusal(error: Exception) -> Msg:
    """Why a model was not taken, as a sentence in any language: an archive's own reason (ArchiveError's key),
    a page's message (InputError), or the loader's, which names the file at fault (in English: it quotes
    PyTorch's and safetensors' own words)."""
    if isinstance(error, ArchiveError):
        return Msg(f"archive.{error.key}", **error.fields)
    if isinstance(error, InputError):
        return error.msg
    return Msg("archive.load", detail=str(error)[: limits.MINE_DETAIL_CHARS])

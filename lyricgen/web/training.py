"""The Lab's trainings on the server: each in a thread of its own (TrainingRun), at most a few at once
(TrainingSlots), each thread at a lower priority and with its share of the cores (own_thread_budget).

The training tab (tabs/lab_train.py) checks a request, takes a slot and streams the run's reports.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import gradio as gr
import torch

from ..corpus import fingerprint_of
from ..lab import LabConfig, LabData, LabProgress, export_zip, lab_metrics, train_live
from . import i18n, limits
from .i18n import t
from .server import trim_heap


class Busy(gr.Error):
    """No training slot free: not the student's mistake, so not an InputError; a message key and its fields."""

    def __init__(self, key: str, **fields: object):
        self.msg = i18n.Msg(key, **fields)  # the message in any language: self.msg.render("en")
        super().__init__(t(key, **fields), title=t("error.busy_title"), print_exception=False)


def own_thread_budget(threads: int, nice: int) -> None:
    """Give the calling thread (a training's own) `threads` torch threads and a lower CPU priority.

    Measured in this torch (2.13, OpenMP backend): torch.set_num_threads is per thread *and* global.
    It sets the calling thread's OpenMP thread count (a thread already running keeps its own count:
    set to 1 in a worker, the main thread still computes with 2), and it also stores the process
    default, which every thread adopts the first time it runs a parallel op. So a training thread
    that set 1 and left it there would give 1 thread to every Gradio worker started later. Hence:
    set our count here, then put the default back from a short-lived helper thread, which leaves
    this thread's own count alone (checked: afterwards this thread has `threads`, a new thread the
    old default). In the microseconds between, a thread running its first parallel op would start
    with `threads` too: a slower request at worst, never a wrong one.

    On Linux the nice value is per thread as well (setpriority on the thread's id): generation
    requests then get the cores first, and training takes what is left. A thread can only lower its
    own priority, so this one is never a pooled Gradio worker: it ends when the training does.
    """
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))
    except (AttributeError, OSError):  # not Linux, or not allowed: train at the normal priority
        pass
    default = torch.get_num_threads()  # in a fresh thread: the process default
    torch.set_num_threads(threads)
    if default != threads:
        restore = threading.Thread(target=torch.set_num_threads, args=(default,), name="lyricgen-lab-threads")
        restore.start()
        restore.join()


class TrainingRun:
    """One training in a thread of its own; the page's handler reads its reports as they come.

    The thread stops at its time budget, when stop() is called (the stop button, or the handler going
    away), or when nobody has read a report for LAB_ABANDONED_S (a closed page whose handler was
    never told). It always ends by calling on_end, which frees its slot.
    """

    def __init__(self, on_end: Callable[[TrainingRun], None]):
        self.on_end = on_end
        self.cond = threading.Condition()
        self.stop_requested = threading.Event()
        self.latest: LabProgress | None = None
        self.version = 0  # reports published so far
        self.finished = False
        self.abandoned = False  # nobody will read the end: skip the export
        self.error: BaseException | None = None
        self.zip_path: Path | None = None
        self.metrics: dict | None = None
        self.last_read = time.monotonic()

    def start(self, data: LabData, cfg: LabConfig, zip_dir: Path, threads: int, files: dict[str, str],
              gate: AbstractContextManager | None = None) -> None:
        """files: {name: text} the zip holds beside the weights folder's (the training script, its text); gate:
        held around each step (train_live's)."""
        thread = threading.Thread(target=self._run, args=(data, cfg, zip_dir, threads, files, gate), daemon=True,
                                  name="lyricgen-lab-train")
        thread.start()
        self.thread = thread

    def should_stop(self) -> bool:
        return self.stop_requested.is_set() or time.monotonic() - self.last_read > limits.LAB_ABANDONED_S

    def stop(self, abandon: bool = False) -> None:
        with self.cond:
            self.abandoned = self.abandoned or abandon
        self.stop_requested.set()

    def _publish(self, progress: LabProgress) -> None:
        with self.cond:
            self.latest = progress
            self.version += 1
            self.cond.notify_all()

    def _run(self, data: LabData, cfg: LabConfig, zip_dir: Path, threads: int, files: dict[str, str],
             gate: AbstractContextManager | None) -> None:
        try:
            own_thread_budget(threads, limits.LAB_NICE)
            for progress in train_live(data, cfg, should_stop=self.should_stop, gate=gate):
                if progress.done and not self.abandoned:
                    with gate if gate is not None else contextlib.nullcontext():  # the students' work, as each step
                        self.metrics = lab_metrics(progress, data, cfg)  # its 5-gram baseline is Python, like a step
                        self.zip_path = export_zip(progress.model, data.vocab, self.metrics,
                                                   new_zip_path(zip_dir, cfg), fingerprint_of(data), files)
                self._publish(progress)
        except BaseException as error:  # handed to the reader, which raises it in the handler
            self.error = error
        finally:
            # The slot is free before the reader hears the end: its handler then returns, and the next student
            # in Gradio's queue starts at once and must find the slot free, not be refused.
            self.on_end(self)
            with self.cond:
                self.finished = True
                self.cond.notify_all()
            trim_heap()  # the training's tensors are freed: their memory goes back to the system

    def updates(self) -> Iterator[LabProgress]:
        """Each new report once (a slow reader skips to the latest), the last one (done) always; then stop."""
        seen = 0
        while True:
            with self.cond:
                self.cond.wait_for(lambda seen=seen: self.version != seen or self.finished, timeout=1.0)
                self.last_read = time.monotonic()
                progress, version, finished, error = self.latest, self.version, self.finished, self.error
            if error is not None:
                raise error
            if version != seen:
                seen = version
                yield progress
            elif finished:
                return


def modified(path: Path) -> float | None:
    """The file's modification time; None when it no longer exists."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def new_zip_path(zip_dir: Path, cfg: LabConfig) -> Path:
    """A fresh name in zip_dir, after deleting the zips past LAB_ZIP_KEEP or older than LAB_ZIP_MAX_AGE_S.

    The page's download is Gradio's own copy, so deleting ours never breaks a link already shown.
    """
    zip_dir.mkdir(parents=True, exist_ok=True)
    # Two trainings that end together clean up together: a zip listed here may be gone a moment later.
    zips = sorted(((mtime, path) for path in zip_dir.glob("lyricgen-lab-*.zip")
                   if (mtime := modified(path)) is not None), reverse=True)
    now = time.time()
    for k, (mtime, path) in enumerate(zips):
        if k >= limits.LAB_ZIP_KEEP - 1 or now - mtime > limits.LAB_ZIP_MAX_AGE_S:
            path.unlink(missing_ok=True)
    return zip_dir / f"lyricgen-lab-{cfg.cell}-{cfg.feeding}-{time.strftime('%H%M%S')}-{secrets.token_hex(3)}.zip"


class TrainingSlots:
    """At most `size` trainings at once on this server, one per browser session.

    A student refused for want of a slot is remembered: a freed slot goes first to the sessions refused in
    the last LAB_WAITING_S, in the order they asked, so that two students restarting as each run ends cannot
    keep the slots from the rest of the class.
    """

    def __init__(self, size: int):
        self.size = size  # trainings at once
        self.lock = threading.Lock()
        self.runs: dict[str | None, TrainingRun] = {}  # browser session → its training
        self.waiting: dict[str | None, float] = {}  # sessions refused → when (time.monotonic)

    def running(self) -> int:
        with self.lock:
            return len(self.runs)

    def end(self, key: str | None, run: TrainingRun) -> None:
        with self.lock:
            if self.runs.get(key) is run:
                del self.runs[key]

    def reserve(self, key: str | None) -> TrainingRun:
        """A slot for this session's training, or Busy; a session that has just trained waits behind those refused."""
        now = time.monotonic()
        with self.lock:
            if key in self.runs:
                raise Busy("lab_train.busy.session")
            self.waiting = {k: since for k, since in self.waiting.items() if now - since < limits.LAB_WAITING_S}
            mine = self.waiting.get(key, math.inf)
            ahead = sum(1 for k, since in self.waiting.items() if k != key and since < mine)
            free = self.size - len(self.runs)
            if free <= ahead:
                if key not in self.waiting and len(self.waiting) < limits.LAB_MAX_WAITING:
                    self.waiting[key] = now  # in line from now on
                if free <= 0:
                    raise Busy("lab_train.busy.server", n=self.size)
                raise Busy("lab_train.busy.turn", n=ahead)
            self.waiting.pop(key, None)
            run = TrainingRun(lambda finished: self.end(key, finished))
            self.runs[key] = run
            return run

    def stop(self, key: str | None) -> None:
        """Stop this session's training, if it has one; it ends with its last report and the model so far."""
        with self.lock:
            run = self.runs.get(key)
        if run is not None:
            run.stop()

"""Train it yourself: a small model trained live on pasted lyrics or the built-in poems, fed the tutorial's way
or this project's way; the loss curve, tokens/s and samples stream in; the trained model comes back as a zip.

The training runs in a thread of its own, and its reports are turned into page text by the handler that
started it: every update speaks the language of that request, even if the page switches meanwhile."""

from __future__ import annotations

import math
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr
import pandas as pd
import torch

from ...checkpoint import Checkpoint
from ...lab import (
    LabConfig,
    LabData,
    LabHistory,
    LabProgress,
    builtin_poems,
    export_zip,
    lab_metrics,
    prepare,
    train_live,
)
from ...model import bits
from .. import i18n, limits, links
from ..i18n import Joined, Msg, t
from ..render import CELL_LABELS
from ..server import trim_heap
from ..validate import InputError, check_choice, check_number, check_text, check_whole
from ..widgets import cell_radio, panel, retell_button
from .models import device_of

SOURCES = {"builtin": "builtin", "paste": "paste"}
FEEDINGS = {"tutorial": "tutorial", "project": "project"}
START = "明月"  # every sample starts here: a word the built-in poems know
STOP_REASONS = {"budget": "lab_train.stop.budget", "max_steps": "lab_train.stop.max_steps",
                "stopped": "lab_train.stop.stopped"}  # LabProgress.stop_reason → its string's key
# The loss curves' names: the plot's colours are fixed to the curve names of the first data it draws
# (Gradio 6.31), so names that changed with the page's language would leave a later run undrawn.
# Notation reads the same in both languages; the status lines name them in words.
TRAIN_CURVE, VAL_CURVE = "L_train", "L_val"


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

    def start(self, data: LabData, cfg: LabConfig, zip_dir: Path, threads: int) -> None:
        thread = threading.Thread(target=self._run, args=(data, cfg, zip_dir, threads), daemon=True,
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

    def _run(self, data: LabData, cfg: LabConfig, zip_dir: Path, threads: int) -> None:
        try:
            own_thread_budget(threads, limits.LAB_NICE)
            for progress in train_live(data, cfg, should_stop=self.should_stop):
                if progress.done and not self.abandoned:
                    self.metrics = lab_metrics(progress, data, cfg)
                    self.zip_path = export_zip(progress.model, data.vocab, self.metrics, new_zip_path(zip_dir, cfg))
                self._publish(progress)
        except BaseException as error:  # handed to the reader, which raises it in the handler
            self.error = error
        finally:
            with self.cond:
                self.finished = True
                self.cond.notify_all()
            self.on_end(self)
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


def new_zip_path(zip_dir: Path, cfg: LabConfig) -> Path:
    """A fresh name in zip_dir, after deleting the zips past LAB_ZIP_KEEP or older than LAB_ZIP_MAX_AGE_S.

    The page's download is Gradio's own copy, so deleting ours never breaks a link already shown.
    """
    zip_dir.mkdir(parents=True, exist_ok=True)
    zips = sorted(zip_dir.glob("lyricgen-lab-*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    for k, path in enumerate(zips):
        if k >= limits.LAB_ZIP_KEEP - 1 or now - path.stat().st_mtime > limits.LAB_ZIP_MAX_AGE_S:
            path.unlink(missing_ok=True)
    return zip_dir / f"lyricgen-lab-{cfg.cell}-{cfg.feeding}-{time.strftime('%H%M%S')}-{secrets.token_hex(3)}.zip"


def binned(xs: list[int], ys: list[float], points: int) -> tuple[list[float], list[float]]:
    """At most `points` points: consecutive values averaged in equal bins (a long run's curve stays light)."""
    size = max(1, math.ceil(len(xs) / points))
    if size == 1:
        return list(xs), list(ys)
    out_x, out_y = [], []
    for i in range(0, len(xs), size):
        out_x.append(sum(xs[i : i + size]) / len(xs[i : i + size]))
        out_y.append(sum(ys[i : i + size]) / len(ys[i : i + size]))
    return out_x, out_y


def loss_frame(history: LabHistory) -> pd.DataFrame:
    """(step, loss, curve): the batch losses averaged into at most LAB_PLOT_POINTS points, the validation losses;
    in bits per word, the page's one unit (training computes nats)."""
    rows = []
    for curve, xs, ys in ((TRAIN_CURVE, history.steps, history.train_losses),
                          (VAL_CURVE, history.val_steps, history.val_losses)):
        for x, y in zip(*binned(xs, ys, limits.LAB_PLOT_POINTS), strict=True):
            rows.append({"step": x, "loss": bits(y), "curve": curve})
    return pd.DataFrame(rows, columns=["step", "loss", "curve"])


def samples_text(progress: LabProgress) -> Joined:
    """The samples one under another, their line breaks shown as " / ", to put into a language; at most
    LAB_SHOWN_SAMPLES: the first, the latest, and evenly spaced ones between."""
    samples, k = progress.samples, limits.LAB_SHOWN_SAMPLES
    if len(samples) > k:
        samples = [samples[round(i * (len(samples) - 1) / (k - 1))] for i in range(k)]
    lines = []
    for sample in samples:
        text = sample.text.strip("\n").replace("\n", " / ")
        lines.append(Msg("lab_train.sample", step=sample.step, text=text))
    return Joined("\n", *lines)


def status_markdown(progress: LabProgress, data: LabData, cfg: LabConfig, metrics: dict | None) -> Joined:
    """The figures, in Markdown, to put into a language: the page can be told them again after a switch."""
    # The mean since the previous report; the last report, after the last step, has none: the last batch's.
    train = progress.train_loss if progress.train_loss is not None else (
        progress.history.train_losses[-1] if progress.history.train_losses else None)
    train_text = (Msg("lab_train.status.loss_ppl", loss=f"{bits(train):.3f}",
                      ppl=f"{math.exp(min(train, 50)):.1f}") if train is not None else "–")
    lines = [
        Msg("lab_train.status.progress", step=progress.step, epoch=f"{progress.epoch:.1f}",
            rate=f"{progress.tokens_per_s:,.0f}", elapsed=f"{progress.elapsed_s:.0f}", budget=f"{cfg.budget_s:g}"),
        Msg("lab_train.status.train", curve=TRAIN_CURVE, loss=train_text),
        Msg("lab_train.status.val", curve=VAL_CURVE, loss=f"{bits(progress.val_loss):.3f}",
            ppl=f"{progress.val_ppl:.1f}", step=progress.val_step),
        Msg("lab_train.status.data", vocab=f"{len(data.vocab):,}", train=f"{data.train_ids.numel():,}",
            train_lines=data.train_lines, val=f"{len(data.val_ids) - 1:,}", val_lines=data.val_lines,
            unknown=f"{data.val_unk_rate:.0%}"),
    ]
    if progress.done:
        reason = progress.stop_reason
        lines.append(Msg("lab_train.status.finished", reason=Msg(STOP_REASONS[reason]) if reason in STOP_REASONS
                         else reason))
        if metrics:
            lines.append(Msg("lab_train.status.baseline", order=metrics["ngram_order"],
                             ppl=f"{metrics['ngram_val_ppl']:.1f}"))
    return Joined("\n\n", *lines)


class TrainTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], max_trainings: int | None = None,
                 max_steps: int | None = None, zip_dir: str | Path | None = None):
        """max_trainings: at once on this server (default: LAB_TRAININGS_GPU when the models serve from a GPU,
        else LAB_TRAININGS_CPU). max_steps: also stop each training after this many steps (tests)."""
        self.checkpoints = checkpoints
        on_gpu = device_of(checkpoints).startswith("cuda")
        self.max_trainings = max_trainings or (limits.LAB_TRAININGS_GPU if on_gpu else limits.LAB_TRAININGS_CPU)
        self.max_steps = max_steps
        self.zip_dir = Path(zip_dir) if zip_dir else Path(tempfile.gettempdir()) / "lyricgen-lab"
        # Each training's torch threads: its share of the cores beside the generation requests.
        self.threads = max(1, (os.cpu_count() or 1) // (limits.CONCURRENCY_LIMIT + self.max_trainings))
        self.lock = threading.Lock()
        self.runs: dict[str | None, TrainingRun] = {}  # browser session → its training
        # Sessions refused because every slot was busy → when: first in line for a freed slot, so that two
        # students restarting as each run ends cannot keep the slots from the rest of the class.
        self.waiting: dict[str | None, float] = {}
        self.told = i18n.Retold()  # each page's last figures and samples, to show again after a language switch

    def running(self) -> int:
        with self.lock:
            return len(self.runs)

    def _end(self, key: str | None, run: TrainingRun) -> None:
        with self.lock:
            if self.runs.get(key) is run:
                del self.runs[key]

    def _reserve(self, key: str | None) -> TrainingRun:
        """A slot for this session's training, or Busy. A freed slot goes first to the sessions refused in the
        last LAB_WAITING_S, in the order they asked: a session that has just trained waits behind them."""
        now = time.monotonic()
        with self.lock:
            if key in self.runs:
                raise Busy("lab_train.busy.session")
            self.waiting = {k: since for k, since in self.waiting.items() if now - since < limits.LAB_WAITING_S}
            mine = self.waiting.get(key, math.inf)
            ahead = sum(1 for k, since in self.waiting.items() if k != key and since < mine)
            free = self.max_trainings - len(self.runs)
            if free <= ahead:
                if key not in self.waiting and len(self.waiting) < limits.LAB_MAX_WAITING:
                    self.waiting[key] = now  # in line from now on
                if free <= 0:
                    raise Busy("lab_train.busy.server", n=self.max_trainings)
                raise Busy("lab_train.busy.turn", n=ahead)
            self.waiting.pop(key, None)
            run = TrainingRun(lambda finished: self._end(key, finished))
            self.runs[key] = run
            return run

    def train(self, source: str, text: str, cell: str, hidden_size: float, lr: float, budget_s: float,
              feeding: str, start_text: str, request: gr.Request | None = None
              ) -> Iterator[tuple[pd.DataFrame, str, str, str | None]]:
        """Stream (the loss curves, the figures, the samples, None) a few times a second; last, the zip to download.

        One training per browser session and at most max_trainings on the server; the stop button (or
        leaving) ends it early, and the model trained so far is still offered. Every update is in the
        language of this request, the one that started the training, until the page switches language.
        """
        lang = i18n.current()
        source = check_choice(source, SOURCES, "field.corpus")
        text = check_text(text, limits.LAB_MAX_TEXT_CHARS, "field.lyrics")
        cell = check_choice(cell, {c: c for c in CELL_LABELS}, "field.cell")
        hidden = check_whole(hidden_size, limits.LAB_MIN_HIDDEN, limits.LAB_MAX_HIDDEN, "field.hidden_size")
        lr = float(check_number(lr, limits.LAB_MIN_LR, limits.LAB_MAX_LR, "field.lr"))
        budget = float(check_number(budget_s, limits.LAB_MIN_BUDGET_S, limits.LAB_MAX_BUDGET_S, "field.budget"))
        feeding = check_choice(feeding, FEEDINGS, "field.feeding")
        start_text = check_text(start_text, limits.MAX_TEXT_CHARS, "field.start_text")
        corpus = builtin_poems() if source == "builtin" else text
        if not corpus:
            raise InputError("lab_train.error.no_lyrics")
        if not any(ch.isalnum() for ch in corpus):
            raise InputError("lab_train.error.no_words")
        lines = [line for line in corpus.splitlines() if line.strip()]
        if len(lines) < limits.LAB_MIN_LINES:
            raise InputError("lab_train.error.few_lines", least=limits.LAB_MIN_LINES, n=len(lines))
        cfg = LabConfig(cell=cell, hidden_size=hidden, lr=lr, budget_s=budget, feeding=feeding,
                        max_steps=self.max_steps, sample_every=limits.LAB_SAMPLE_EVERY, start_text=start_text)

        key = request.session_hash if request is not None else None
        run = self._reserve(key)
        try:
            data = prepare(corpus, cfg)
            words = sum(1 for i in data.train_ids.tolist() if i != data.vocab.eol_id)
            known = sum(1 for token in data.vocab.tokens[2:] if any(ch.isalnum() for ch in token))
            if words < limits.LAB_MIN_WORDS or known < limits.LAB_MIN_VOCAB:
                raise InputError("lab_train.error.little_text", words=words, known=known,
                                 least_words=limits.LAB_MIN_WORDS, least_known=limits.LAB_MIN_VOCAB)
            run.start(data, cfg, self.zip_dir, self.threads)
        except BaseException:  # refused, or prepare failed: the slot was never used
            self._end(key, run)
            raise
        try:
            for progress in run.updates():
                if not progress.history.steps and not progress.done:
                    continue  # the plot draws only the curves of its first data (Gradio 6.31): wait for both
                file = str(run.zip_path) if progress.done and run.zip_path else None
                status, samples = status_markdown(progress, data, cfg, run.metrics), samples_text(progress)
                self.told.keep(request, lambda status=status, samples=samples: (
                    status.render(i18n.current()), samples.render(i18n.current())))
                lang = i18n.remembered(request) or lang  # the page switched language: the next update follows
                yield loss_frame(progress.history), status.render(lang), samples.render(lang), file
        finally:
            run.stop(abandon=not run.finished)  # the page left early (or Gradio closed us): stop training now

    def stop(self, request: gr.Request | None = None) -> None:
        """Stop this browser session's training; it ends with its last report and the model so far."""
        with self.lock:
            run = self.runs.get(request.session_hash if request is not None else None)
        if run is not None:
            run.stop()

    def layout(self) -> None:
        with panel(t("lab_train.title"), "lab_train", t("lab_train.explanation")):
            gr.Markdown(t("lab_train.lesson"))
            with gr.Row():
                with gr.Column(scale=2):
                    source = gr.Radio([(t("lab_train.source.builtin"), "builtin"),
                                       (t("lab_train.source.paste"), "paste")], value="builtin",
                                      label=t("lab_train.source"))
                    text = gr.Textbox(label=t("lab_train.text"), lines=6, max_length=limits.LAB_MAX_TEXT_CHARS,
                                      elem_id="lab-text", placeholder=t("lab_train.text_placeholder"))
                    feeding = gr.Radio([(t("lab_train.feeding.tutorial"), "tutorial"),
                                        (t("lab_train.feeding.project"), "project")], value="project",
                                       label=t("lab_train.feeding"))
                    cell = cell_radio({c: None for c in CELL_LABELS}, label=t("lab_train.cell"))
                    hidden = gr.Slider(limits.LAB_MIN_HIDDEN, limits.LAB_MAX_HIDDEN, value=limits.LAB_DEFAULT_HIDDEN,
                                       step=16, label=t("lab_train.hidden_size"), elem_id="lab-hidden")
                    lr = gr.Slider(limits.LAB_MIN_LR, limits.LAB_MAX_LR, value=limits.LAB_DEFAULT_LR, step=1e-4,
                                   label=t("lab_train.lr"))
                    budget = gr.Slider(limits.LAB_MIN_BUDGET_S, limits.LAB_MAX_BUDGET_S,
                                       value=limits.LAB_DEFAULT_BUDGET_S, step=1, label=t("lab_train.budget"),
                                       elem_id="lab-budget")
                    start = gr.Textbox(label=t("lab_train.start"), value=START, max_length=limits.MAX_TEXT_CHARS)
                    with gr.Row():
                        button = gr.Button(t("lab_train.button"), variant="primary", elem_id="lab-train-button")
                        stop = gr.Button(t("lab_train.stop"), variant="stop", elem_id="lab-stop-button")
                with gr.Column(scale=3):
                    with gr.Row():
                        plot = gr.LinePlot(x="step", y="loss", color="curve", title=t("lab_train.plot.title"),
                                           x_title=t("lab_train.plot.x"), y_title=t("lab_train.plot.y"),
                                           color_title=t("plot.curve"), height=300, scale=3, elem_id="lab-loss")
                        with gr.Column(scale=2):
                            status = gr.Markdown(elem_id="lab-status")
                    samples = gr.Textbox(label=t("lab_train.samples"), lines=12, interactive=False,
                                         elem_id="lab-samples")
                    download = gr.File(label=t("lab_train.download"), interactive=False, elem_id="lab-download")
            button.click(self.train, [source, text, cell, hidden, lr, budget, feeding, start],
                         [plot, status, samples, download], api_name="train", show_progress="minimal",
                         concurrency_limit=self.max_trainings + 2, concurrency_id="lab_train")
            # Its own unlimited queue group: a stop never waits behind the trainings or the generations.
            stop.click(self.stop, None, None, api_name="train_stop", concurrency_limit=None,
                       concurrency_id="lab_stop")
            retell_button(self.told, [status, samples])
            # No run: a training takes the server's time, so a link only sets it up and the student presses Train.
            links.offer({
                "source": links.choice(source, SOURCES, "field.corpus"),
                "text": links.text(text, limits.LAB_MAX_TEXT_CHARS, "field.lyrics"),
                "cell": links.choice(cell, CELL_LABELS, "field.cell"),
                "hidden_size": links.whole(hidden, limits.LAB_MIN_HIDDEN, limits.LAB_MAX_HIDDEN, "field.hidden_size"),
                "lr": links.number(lr, limits.LAB_MIN_LR, limits.LAB_MAX_LR, "field.lr"),
                "budget": links.number(budget, limits.LAB_MIN_BUDGET_S, limits.LAB_MAX_BUDGET_S, "field.budget"),
                "feeding": links.choice(feeding, FEEDINGS, "field.feeding"),
                "start": links.text(start, limits.MAX_TEXT_CHARS, "field.start_text"),
            }, name="train")

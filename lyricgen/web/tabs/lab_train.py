"""Train it yourself: a small model trained live on pasted lyrics or the built-in poems, fed the tutorial's way
or this project's way; the loss curve, tokens/s and samples stream in; the trained model comes back as a zip.

The training runs in a thread of its own (web/training.py), and its reports are turned into page text by the
handler that started it: every update speaks the language of that request, even if the page switches meanwhile."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pandas as pd

from ... import code
from ...checkpoint import LAB_SCRIPT, POEMS_COPY, Checkpoint, CheckpointError
from ...lab import (
    FEEDINGS,
    LabConfig,
    LabData,
    LabHistory,
    LabProgress,
    builtin_poems,
    prepare,
)
from ...model import bits
from ...tokens import SPLITS
from .. import i18n, limits, params
from ..code_view import CodeView
from ..i18n import Joined, Msg, t
from ..mine import StudentModels, refusal, session_of
from ..render import CELL_LABELS
from ..training import TrainingSlots
from ..validate import InputError
from ..widgets import panel, retell_button
from .models import device_of

SOURCES = {"builtin": "builtin", "paste": "paste"}
POEMS_IN_REPO = f"lyricgen/{POEMS_COPY}"  # the built-in poems (lyricgen.lab.builtin_poems) in a clone of the repository
START = LabConfig.start_text  # every sample starts here: a word the built-in poems know
STOP_REASONS = {"budget": "lab_train.stop.budget", "max_steps": "lab_train.stop.max_steps",
                "stopped": "lab_train.stop.stopped"}  # LabProgress.stop_reason → its string's key
# The loss curves' names: the plot's colours are fixed to the curve names of the first data it draws
# (Gradio 6.31), so names that changed with the page's language would leave a later run undrawn.
# Notation reads the same in both languages; the status lines name them in words.
TRAIN_CURVE, VAL_CURVE = "L_train", "L_val"


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


def status_markdown(progress: LabProgress, data: LabData, cfg: LabConfig, metrics: dict | None,
                    kept: Msg | None = None) -> Joined:
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
        if kept is not None:  # now "my model" in every panel, or why not
            lines.append(kept)
    if progress.gave_way_s >= limits.LAB_GAVE_WAY_SHOWN_S:  # the class was generating: fewer steps, and why
        lines.append(Msg("lab_train.status.gave_way", waited=f"{progress.gave_way_s:.0f}",
                         elapsed=f"{progress.elapsed_s:.0f}"))
    if data.val_unk_rate >= limits.LAB_HIGH_UNKNOWN:  # most of the validation words unknown: said beside the curve
        lines.append(Msg("lab_train.status.unknown_warning", unknown=f"{data.val_unk_rate:.0%}"))
    return Joined("\n\n", *lines)


# The panel's inputs, in the order of its endpoint's parameters (/train). A training's defaults are LabConfig's.
FORM = params.Form(
    params.Choice("source", "field.corpus", "lab_train.source", default="builtin",
                  options=(("builtin", "lab_train.source.builtin"), ("paste", "lab_train.source.paste"))),
    params.Text("text", "field.lyrics", "lab_train.text", limit=limits.LAB_MAX_TEXT_CHARS,
                placeholder="lab_train.text_placeholder", look={"lines": 6, "elem_id": "lab-text"}),
    params.Choice("cell", "field.cell", "lab_train.cell", default=LabConfig.cell, named=True,
                  options=tuple(CELL_LABELS.items())),
    params.Whole("hidden_size", "field.hidden_size", "lab_train.hidden_size", default=LabConfig.hidden_size,
                 low=limits.LAB_MIN_HIDDEN, high=limits.LAB_MAX_HIDDEN, step=16, look={"elem_id": "lab-hidden"}),
    params.Number("lr", "field.lr", "lab_train.lr", default=LabConfig.lr, low=limits.LAB_MIN_LR,
                  high=limits.LAB_MAX_LR, step=1e-4),
    params.Number("budget", "field.budget", "lab_train.budget", default=LabConfig.budget_s,
                  low=limits.LAB_MIN_BUDGET_S, high=limits.LAB_MAX_BUDGET_S, step=1, look={"elem_id": "lab-budget"}),
    params.Choice("feeding", "field.feeding", "lab_train.feeding", default=LabConfig.feeding,
                  options=tuple((f, f"lab_train.feeding.{f}") for f in FEEDINGS)),
    params.START.but(label="lab_train.start", default=START),
    params.Choice("tokens", "field.tokens", "lab_train.tokens", default=LabConfig.tokens,
                  options=tuple((s, f"lab_train.tokens.{s}") for s in SPLITS)),
)


def lab_config(cell: str, hidden_size: int, lr: float, budget: float, feeding: str, start: str, tokens: str,
               max_steps: int | None = None) -> LabConfig:
    """The run's settings: the page's, and LabConfig's for the rest."""
    return LabConfig(cell=cell, hidden_size=hidden_size, lr=lr, budget_s=budget, feeding=feeding,
                     max_steps=max_steps, start_text=start, tokens=tokens)


def code_values(checked: dict) -> dict:
    """The code view's values: the settings on the screen and the Lab's others; the pasted text, or None for the
    built-in poems, which the script reads from the repository's copy."""
    names = ("cell", "hidden_size", "lr", "budget", "feeding", "start", "tokens")
    text = checked["text"] if checked["source"] == "paste" else None
    return code.train_values(lab_config(*(checked[name] for name in names)), text, POEMS_IN_REPO)


def zip_files(source: str, text: str, cfg: LabConfig, lang: str) -> dict[str, str]:
    """What the Lab's zip holds beside the weights: the run's training script, and the poems when it read them."""
    pasted = text if source == "paste" else None
    script = code.script("train", code.train_values(cfg, pasted, POEMS_COPY), lang, "", t("lab_train.title"))
    return {LAB_SCRIPT: script} | ({} if pasted is not None else {POEMS_COPY: builtin_poems()})


def read_request(source: str, text: str, cell: str, hidden_size: int, lr: float, budget: float, feeding: str,
                 start: str, tokens: str, max_steps: int | None) -> tuple[str, LabConfig]:
    """The page's checked values → (the text to train on, the run's settings); an InputError when there is no
    text to train on."""
    corpus = builtin_poems() if source == "builtin" else text
    if not corpus:
        raise InputError("lab_train.error.no_lyrics")
    if not any(ch.isalnum() for ch in corpus):
        raise InputError("lab_train.error.no_words")
    lines = [line for line in corpus.splitlines() if line.strip()]
    if len(lines) < limits.LAB_MIN_LINES:
        raise InputError("lab_train.error.few_lines", least=limits.LAB_MIN_LINES, n=len(lines))
    return corpus, lab_config(cell, hidden_size, lr, budget, feeding, start, tokens, max_steps)


def check_enough_text(data: LabData) -> None:
    """An InputError when the training part holds too few words, or too few of them twice, to learn from."""
    words = sum(1 for i in data.train_ids.tolist() if i != data.vocab.eol_id)
    known = sum(1 for token in data.vocab.tokens[2:] if any(ch.isalnum() for ch in token))
    if words < limits.LAB_MIN_WORDS or known < limits.LAB_MIN_VOCAB:
        raise InputError("lab_train.error.little_text", words=words, known=known,
                         least_words=limits.LAB_MIN_WORDS, least_known=limits.LAB_MIN_VOCAB)


class TrainTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], max_trainings: int | None = None,
                 max_steps: int | None = None, zip_dir: str | Path | None = None, mine: StudentModels | None = None):
        """max_trainings: at once on this server (default: LAB_TRAININGS_GPU when the models serve from a GPU,
        else LAB_TRAININGS_CPU). max_steps: also stop each training after this many steps (tests)."""
        self.checkpoints = checkpoints
        self.mine = mine  # where a finished training's model becomes the session's own ("mine")
        on_gpu = device_of(checkpoints).startswith("cuda")
        self.slots = TrainingSlots(max_trainings or (limits.LAB_TRAININGS_GPU if on_gpu else limits.LAB_TRAININGS_CPU))
        self.max_steps = max_steps
        self.zip_dir = Path(zip_dir) if zip_dir else Path(tempfile.gettempdir()) / "lyricgen-lab"
        # Each training's torch threads: its share of the cores beside the generation requests.
        self.threads = max(1, (os.cpu_count() or 1) // (limits.CONCURRENCY_LIMIT + self.slots.size))
        self.told = i18n.Retold()  # each page's last figures and samples, to show again after a language switch

    @FORM.checked
    def train(self, source: str, text: str, cell: str, hidden_size: int, lr: float, budget: float, feeding: str,
              start: str, tokens: str, request: gr.Request | None = None
              ) -> Iterator[tuple[pd.DataFrame, str, str, str | None]]:
        """Stream (the loss curves, the figures, the samples, None) a few times a second; last, the zip to download.

        One training per browser session and at most max_trainings on the server (self.slots); the stop
        button (or leaving) ends it early, and the model trained so far is still offered. Every update is in
        the language of this request, the one that started the training, until the page switches language.
        """
        lang = i18n.current()
        corpus, cfg = read_request(source, text, cell, hidden_size, lr, budget, feeding, start, tokens,
                                   self.max_steps)
        key = request.session_hash if request is not None else None
        run = self.slots.reserve(key)
        try:
            data = prepare(corpus, cfg)
            check_enough_text(data)
            run.start(data, cfg, self.zip_dir, self.threads, zip_files(source, text, cfg, lang),
                      self.mine.gate if self.mine is not None else None)  # the students' work: one gate
        except BaseException:  # refused, or prepare failed: the slot was never used
            self.slots.end(key, run)
            raise
        try:
            for progress in run.updates():
                if not progress.history.steps and not progress.done:
                    continue  # the plot draws only the curves of its first data (Gradio 6.31): wait for both
                file = str(run.zip_path) if progress.done and run.zip_path else None
                kept = self.keep(request, run.zip_path) if file else None
                status, samples = status_markdown(progress, data, cfg, run.metrics, kept), samples_text(progress)
                self.told.keep(request, lambda status=status, samples=samples: (
                    status.render(i18n.current()), samples.render(i18n.current())))
                lang = i18n.remembered(request) or lang  # the page switched language: the next update follows
                yield loss_frame(progress.history), status.render(lang), samples.render(lang), file
        finally:
            run.stop(abandon=not run.finished)  # the page left early (or Gradio closed us): stop training now

    def keep(self, request: gr.Request | None, zip_path: Path) -> Msg | None:
        """The trained model, loaded back from its zip as an upload is, becomes this session's own: the line that
        says so (or why not)."""
        if self.mine is None or session_of(request) is None:
            return None
        try:
            self.mine.load(session_of(request), zip_path)
        except (InputError, CheckpointError) as error:
            return Msg("mine.not_kept", why=refusal(error))
        return Msg("mine.kept")

    def upload(self, file: str | None, request: gr.Request | None = None) -> str:
        """An uploaded zip (the Lab's, or any weights folder this project writes) checked, then this session's
        own model: the status line. Every refusal is one sentence naming what is wrong; nothing is kept."""
        if self.mine is None:
            raise InputError("mine.error.unavailable")
        if not isinstance(file, str) or not os.path.isfile(file):  # Gradio's copy of the upload (deleted in an hour)
            raise InputError("mine.error.no_file")
        try:
            ckpt = self.mine.load(session_of(request), file)
        except CheckpointError as error:
            raise InputError("mine.error.refused", why=refusal(error)) from None
        cfg = ckpt.model.config
        return t("mine.uploaded", cell=CELL_LABELS[cfg.cell], hidden=cfg.hidden_dim, vocab=f"{cfg.vocab_size:,}",
                 params=f"{ckpt.model.num_parameters():,}")

    def stop(self, request: gr.Request | None = None) -> None:
        """Stop this browser session's training; it ends with its last report and the model so far."""
        self.slots.stop(request.session_hash if request is not None else None)

    def layout(self) -> None:
        with panel(t("lab_train.title"), "lab_train", t("lab_train.explanation")):
            gr.Markdown(t("lab_train.lesson"))
            with gr.Row():
                with gr.Column(scale=2):
                    fields = FORM.fields(self)
                    fields.show("source", "text")  # the text, how it is split and fed, then the model
                    fields.show("tokens", info=t("lab_train.tokens.info"))
                    fields.show("feeding")
                    fields.show()
                    with gr.Row():
                        button = gr.Button(t("lab_train.button"), variant="primary", elem_id="lab-train-button")
                        stop = gr.Button(t("lab_train.stop"), variant="stop", elem_id="lab-stop-button")
                with gr.Column(scale=3):
                    with gr.Row():
                        plot = gr.LinePlot(x="step", y="loss", color="curve", title=t("lab_train.plot.title"),
                                           x_title=t("lab_train.plot.x"), y_title=t("lab_train.plot.y"),
                                           color_title=t("plot.curve"), height=300, scale=3, elem_id="lab-loss")
                        with gr.Column(scale=2):
                            # its links (to use the model just made) open their panel in place: in this session
                            status = gr.Markdown(elem_id="lab-status", elem_classes="opens-panels")
                    samples = gr.Textbox(label=t("lab_train.samples"), lines=12, interactive=False,
                                         elem_id="lab-samples")
                    download = gr.File(label=t("lab_train.download"), interactive=False, elem_id="lab-download")
                    # Bring a model back (this one, another day's, a classmate's): it becomes "my model" here.
                    upload = gr.File(label=t("mine.upload"), file_types=[".zip"], type="filepath",
                                     elem_id="mine-upload")
                    uploaded = gr.Markdown(elem_id="mine-status")
            # As many handlers as training places: the students beyond wait in Gradio's queue, in the order they
            # pressed, and their status box shows their place in line. A refusal instead would have them press
            # again and again, each press an event the server answers while the class generates.
            button.click(self.train, fields.inputs(),
                         [plot, status, samples, download], api_name="train", show_progress="full",
                         show_progress_on=status, concurrency_limit=self.slots.size, concurrency_id="lab_train")
            # Its own unlimited queue group: a stop never waits behind the trainings or the generations.
            stop.click(self.stop, None, None, api_name="train_stop", concurrency_limit=None,
                       concurrency_id="lab_stop")
            upload.upload(self.upload, upload, uploaded, api_name="upload_model")
            retell_button(self.told, [status, samples])
            # No run: a training takes the server's time, so a link only sets it up and the student presses Train.
            CodeView("train", FORM, self, "lab_train.title", code_values).layout(fields, fields.offer(name="train"))

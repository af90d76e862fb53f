"""自己训练 Train it yourself: a small model trained live on pasted lyrics or the built-in poems, fed the tutorial's
way or this project's way; the loss curve, tokens/s and samples stream in; the trained model comes back as a zip."""

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
from .. import limits
from ..render import CELL_LABELS
from ..validate import InputError, check_choice, check_number, check_text, check_whole
from ..widgets import cell_radio, panel
from .models import device_of

SOURCES = {"builtin": "builtin", "paste": "paste"}
FEEDINGS = {"tutorial": "tutorial", "project": "project"}
START = "明月"  # every sample starts here: a word the built-in poems know
STOP_REASONS = {"budget": "时间到 time is up", "max_steps": "步数到 step limit reached", "stopped": "已停止 stopped"}
LESSON = (
    "**教程的喂法**：每批从文本最前面 3% 里随机截 32 个词，每段都从全零状态读起——"
    "模型翻来覆去只看这一小段，学会的是背诵。"
    "**本项目的喂法**：按顺序读完整篇文本，隐藏状态一段接一段传下去（只截断梯度）——模型看过全部歌词，学会的是写。"
    " · **The tutorial's way**: random windows of 32 words, each read from a zero state, all starting in the first 3% "
    "of the text — the model sees one small piece again and again, and learns to recite it. **This project's way**: "
    "the whole text in order, the hidden state carried from window to window (only the gradient is cut) — the "
    "model sees all the lyrics, and learns to write."
)


class Busy(gr.Error):
    """No training slot free: not the student's mistake, so not an InputError; the message is "Chinese / English"."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}", title="请稍候 · Please wait", print_exception=False)


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
    """(step, loss, curve): the batch losses averaged into at most LAB_PLOT_POINTS points, the validation losses."""
    rows = []
    for curve, xs, ys in (("训练 train", history.steps, history.train_losses),
                          ("验证 validation", history.val_steps, history.val_losses)):
        for x, y in zip(*binned(xs, ys, limits.LAB_PLOT_POINTS), strict=True):
            rows.append({"step": x, "loss": y, "curve": curve})
    return pd.DataFrame(rows, columns=["step", "loss", "curve"])


def samples_text(progress: LabProgress) -> str:
    """The samples one under another, their line breaks shown as " / "; at most LAB_SHOWN_SAMPLES: the first,
    the latest, and evenly spaced ones between."""
    samples, k = progress.samples, limits.LAB_SHOWN_SAMPLES
    if len(samples) > k:
        samples = [samples[round(i * (len(samples) - 1) / (k - 1))] for i in range(k)]
    lines = []
    for sample in samples:
        text = sample.text.strip("\n").replace("\n", " / ")
        lines.append(f"第 {sample.step} 步 step {sample.step}：{text}")
    return "\n".join(lines)


def status_markdown(progress: LabProgress, data: LabData, cfg: LabConfig, metrics: dict | None) -> str:
    # The mean since the previous report; the last report, after the last step, has none: the last batch's.
    train = progress.train_loss if progress.train_loss is not None else (
        progress.history.train_losses[-1] if progress.history.train_losses else None)
    train_text = f"{train:.3f}（困惑度 perplexity {math.exp(min(train, 50)):.1f}）" if train is not None else "–"
    lines = [
        f"**第 {progress.step} 步 step {progress.step}** · 第 {progress.epoch:.1f} 轮 epoch · "
        f"**{progress.tokens_per_s:,.0f}** 词元/秒 tokens/s · "
        f"用时 elapsed {progress.elapsed_s:.0f} / {cfg.budget_s:g} s",
        f"训练损失 train loss：{train_text}",
        f"验证损失 validation loss：{progress.val_loss:.3f}（困惑度 perplexity **{progress.val_ppl:.1f}**，"
        f"第 {progress.val_step} 步 at step {progress.val_step}）",
        f"词表 vocabulary {len(data.vocab):,} · 训练 train {data.train_ids.numel():,} 词元 tokens"
        f"（{data.train_lines} 行 lines）"
        f" · 验证 validation {len(data.val_ids) - 1:,} 词元 tokens（{data.val_lines} 行 lines，生词 unknown "
        f"{data.val_unk_rate:.0%}）",
    ]
    if progress.done:
        lines.append(f"✓ 训练结束 Finished：{STOP_REASONS.get(progress.stop_reason, progress.stop_reason)}")
        if metrics:
            lines.append(f"{metrics['ngram_order']}-gram 基线的验证困惑度 the n-gram baseline's validation perplexity："
                         f"{metrics['ngram_val_ppl']:.1f}（越低越好 · lower is better）")
    return "\n\n".join(lines)


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

    def running(self) -> int:
        with self.lock:
            return len(self.runs)

    def _end(self, key: str | None, run: TrainingRun) -> None:
        with self.lock:
            if self.runs.get(key) is run:
                del self.runs[key]

    def _reserve(self, key: str | None) -> TrainingRun:
        with self.lock:
            if key in self.runs:
                raise Busy("这个浏览器里已经有一个训练在运行，请先停止它",
                           "a training is already running in this browser: stop it first")
            if len(self.runs) >= self.max_trainings:
                raise Busy(f"服务器同时最多训练 {self.max_trainings} 个模型，现在都在用，请过一会儿再试",
                           f"the server trains at most {self.max_trainings} models at once and all are busy: "
                           "please try again in a minute")
            run = TrainingRun(lambda finished: self._end(key, finished))
            self.runs[key] = run
            return run

    def train(self, source: str, text: str, cell: str, hidden_size: float, lr: float, budget_s: float,
              feeding: str, start_text: str, request: gr.Request | None = None
              ) -> Iterator[tuple[pd.DataFrame, str, str, str | None]]:
        """Stream (the loss curves, the figures, the samples, None) a few times a second; last, the zip to download.

        One training per browser session and at most max_trainings on the server; the stop button (or
        leaving) ends it early, and the model trained so far is still offered.
        """
        source = check_choice(source, SOURCES, "语料", "corpus")
        text = check_text(text, limits.LAB_MAX_TEXT_CHARS, "歌词", "lyrics")
        cell = check_choice(cell, {c: c for c in CELL_LABELS}, "模型", "cell")
        hidden = check_whole(hidden_size, limits.LAB_MIN_HIDDEN, limits.LAB_MAX_HIDDEN, "隐藏层大小", "hidden size")
        lr = float(check_number(lr, limits.LAB_MIN_LR, limits.LAB_MAX_LR, "学习率", "learning rate"))
        budget = float(check_number(budget_s, limits.LAB_MIN_BUDGET_S, limits.LAB_MAX_BUDGET_S, "训练时间",
                                    "time budget"))
        feeding = check_choice(feeding, FEEDINGS, "喂数据的方式", "feeding")
        start_text = check_text(start_text, limits.MAX_TEXT_CHARS, "开头文字", "start text")
        corpus = builtin_poems() if source == "builtin" else text
        if not corpus:
            raise InputError("请粘贴歌词，每行一句", "please paste some lyrics, one line per lyric line")
        if not any(ch.isalnum() for ch in corpus):
            raise InputError("这段文字里没有字或词（只有标点或符号）",
                             "the text has no words, only punctuation or symbols")
        lines = [line for line in corpus.splitlines() if line.strip()]
        if len(lines) < limits.LAB_MIN_LINES:
            raise InputError(f"至少要 {limits.LAB_MIN_LINES} 行（现在 {len(lines)} 行）：最后几行留作验证",
                             f"at least {limits.LAB_MIN_LINES} lines please (got {len(lines)}): the last ones "
                             "are kept for validation")
        cfg = LabConfig(cell=cell, hidden_size=hidden, lr=lr, budget_s=budget, feeding=feeding,
                        max_steps=self.max_steps, sample_every=limits.LAB_SAMPLE_EVERY, start_text=start_text)

        key = request.session_hash if request is not None else None
        run = self._reserve(key)
        try:
            data = prepare(corpus, cfg)
            words = sum(1 for i in data.train_ids.tolist() if i != data.vocab.eol_id)
            known = sum(1 for token in data.vocab.tokens[2:] if any(ch.isalnum() for ch in token))
            if words < limits.LAB_MIN_WORDS or known < limits.LAB_MIN_VOCAB:
                raise InputError(
                    f"文字太少：训练部分有 {words} 个词、{known} 个出现两次以上的词；"
                    f"至少要 {limits.LAB_MIN_WORDS} 个词、{limits.LAB_MIN_VOCAB} 个重复的词",
                    f"too little text: {words} words for training, {known} seen twice or more; at least "
                    f"{limits.LAB_MIN_WORDS} words and {limits.LAB_MIN_VOCAB} repeated ones please")
            run.start(data, cfg, self.zip_dir, self.threads)
        except BaseException:  # refused, or prepare failed: the slot was never used
            self._end(key, run)
            raise
        try:
            for progress in run.updates():
                if not progress.history.steps and not progress.done:
                    continue  # the plot draws only the curves of its first data (Gradio 6.31): wait for both
                file = str(run.zip_path) if progress.done and run.zip_path else None
                yield (loss_frame(progress.history), status_markdown(progress, data, cfg, run.metrics),
                       samples_text(progress), file)
        finally:
            run.stop(abandon=not run.finished)  # the page left early (or Gradio closed us): stop training now

    def stop(self, request: gr.Request | None = None) -> None:
        """Stop this browser session's training; it ends with its last report and the model so far."""
        with self.lock:
            run = self.runs.get(request.session_hash if request is not None else None)
        if run is not None:
            run.stop()

    def layout(self) -> None:
        with panel("自己训练 Train it yourself", "lab_train",
                   "用一小段文字从零训练一个小模型，看损失下降、看它写的句子一步步变好；两种喂数据的方式对比一下。 · "
                   "Train a small model from scratch on a little text: watch the loss fall and the samples improve, "
                   "and compare two ways of feeding the text."):
            gr.Markdown(LESSON)
            with gr.Row():
                with gr.Column(scale=2):
                    source = gr.Radio([("内置古诗 Built-in classical poems", "builtin"),
                                       ("我粘贴的歌词 Lyrics I paste", "paste")], value="builtin",
                                      label="语料 Corpus")
                    text = gr.Textbox(label="歌词 Lyrics（每行一句 · one line per lyric line）", lines=6,
                                      max_length=limits.LAB_MAX_TEXT_CHARS, elem_id="lab-text",
                                      placeholder="选“我粘贴的歌词”时使用 · used with “Lyrics I paste”")
                    feeding = gr.Radio([("教程的喂法 The tutorial's way", "tutorial"),
                                        ("本项目的喂法 This project's way", "project")], value="project",
                                       label="喂数据的方式 Feeding")
                    cell = cell_radio({c: None for c in CELL_LABELS}, label="单元 Cell")
                    hidden = gr.Slider(limits.LAB_MIN_HIDDEN, limits.LAB_MAX_HIDDEN, value=limits.LAB_DEFAULT_HIDDEN,
                                       step=16, label="隐藏层大小 Hidden size", elem_id="lab-hidden")
                    lr = gr.Slider(limits.LAB_MIN_LR, limits.LAB_MAX_LR, value=limits.LAB_DEFAULT_LR, step=1e-4,
                                   label="学习率 Learning rate（AdamW）")
                    budget = gr.Slider(limits.LAB_MIN_BUDGET_S, limits.LAB_MAX_BUDGET_S,
                                       value=limits.LAB_DEFAULT_BUDGET_S, step=1, label="训练时间 Time budget（秒 s）",
                                       elem_id="lab-budget")
                    start = gr.Textbox(label="样例的开头 Samples start with", value=START,
                                       max_length=limits.MAX_TEXT_CHARS)
                    with gr.Row():
                        button = gr.Button("开始训练 Train", variant="primary", elem_id="lab-train-button")
                        stop = gr.Button("停止 Stop", variant="stop", elem_id="lab-stop-button")
                with gr.Column(scale=3):
                    with gr.Row():
                        plot = gr.LinePlot(x="step", y="loss", color="curve", title="损失 Loss", x_title="步 step",
                                           y_title="损失 loss (nats/word)", height=300, scale=3, elem_id="lab-loss")
                        with gr.Column(scale=2):
                            status = gr.Markdown(elem_id="lab-status")
                    samples = gr.Textbox(label="样例 Samples（同一个开头和种子 · same start and seed）", lines=12,
                                         interactive=False, elem_id="lab-samples")
                    download = gr.File(label="下载训练好的模型 Download the trained model（zip）", interactive=False,
                                       elem_id="lab-download")
            button.click(self.train, [source, text, cell, hidden, lr, budget, feeding, start],
                         [plot, status, samples, download], api_name="train", show_progress="minimal",
                         concurrency_limit=self.max_trainings + 2, concurrency_id="lab_train")
            # Its own unlimited queue group: a stop never waits behind the trainings or the generations.
            stop.click(self.stop, None, None, api_name="train_stop", concurrency_limit=None,
                       concurrency_id="lab_stop")

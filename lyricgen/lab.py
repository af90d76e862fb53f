"""Train a small model live: two ways to feed the same text, and what each one teaches.

tutorial  the classic notebook's way: random windows of `bptt` tokens, each read from a fresh zero
          state, and (as that notebook's code does) windows that start only in the first 3% of the
          text. The model sees a sliver of the corpus again and again: it learns to recite it.
project   lyricgen.train's way: the whole training text cut into `batch_size` columns read in order,
          the hidden state carried from one window to the next and detached (truncated BPTT).

In both, each pass over the training text hides rare words as <unk> afresh (corpus.epoch_ids),
and both are scored on the same validation tail with evaluate.mean_nll, so the curves compare like with like.
Numbers only: progress, losses, samples; the web layer words and draws them.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .checkpoint import save_checkpoint
from .corpus import Corpus, build_corpus, epoch_ids
from .data import batchify, bptt_batches
from .evaluate import mean_nll
from .fingerprint import Fingerprint
from .generate import Sampling, generate_steps, make_prompt, new_generator
from .model import CELLS, Hidden, LyricModel, ModelConfig, evaluating
from .ngram import KneserNey
from .provenance import POEMS_FILE, text_sha256
from .tokens import join_words, text_lines
from .train import train_step
from .vocab import Vocab

FEEDINGS = ("tutorial", "project")


# The Lab's defaults are LabConfig's, here in the core: the page's sliders start from them (web/limits.py reads
# them), since lyricgen.web depends on the core and never the reverse. The ranges are the page's alone.
@dataclass
class LabConfig:
    cell: str = "lstm"  # "rnn" | "lstm" | "gru"
    hidden_size: int = 128  # hidden state size; word vectors are as long, so the output layer shares the embedding
    num_layers: int = 1  # stacked recurrent layers
    dropout: float = 0.2  # on word vectors and cell outputs, in training only
    embed_dropout: float = 0.1  # in training, drop whole words' vectors
    lr: float = 3e-3  # AdamW learning rate: above train.py's, because a live run lasts seconds, not hours
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip: float = 0.5  # gradient-norm clipping, as in train.py: RNN gradients can explode
    budget_s: float = 30.0  # wall-clock seconds for the whole run: training, validation and samples
    max_steps: int | None = None  # also stop after this many optimizer steps (tests); None: the budget alone
    feeding: str = "project"  # "tutorial" | "project": see the module's docstring
    bptt: int = 32  # tokens per window
    batch_size: int = 16  # random windows (tutorial) or text columns (project) per step
    tutorial_share: float = 0.03  # tutorial feeding: windows start only in this first share of the text
    unk_alpha: float = 3.0  # each pass hides a word seen c times as <unk> with probability a/(a+c); 0: never
    min_count: int = 2  # words seen fewer times in the training split are not in the vocabulary
    # How a line becomes tokens (tokens.SPLITS): "char", one per character, or "word", jieba's words as train.py
    # splits the lyrics. Characters by default: jieba splits the built-in poems into words most of which occur
    # once, so their validation text is mostly unknown words and a word-level model learns little in seconds.
    tokens: str = "char"
    val_fraction: float = 0.1  # the last lines form the validation tail
    eval_every: int = 20  # steps between two validation losses (one more at the end)
    sample_every: int = 50  # steps between two samples (step 0 included: the untrained model's)
    sample_length: int = 30  # tokens per sample (words and line breaks)
    start_text: str = "明月"  # every sample starts from this text: a word the built-in poems know
    temperature: float = 0.8  # sampling temperature
    seed: int = 0  # seeds the initial weights, the windows, the <unk> draws and every sample
    report_every_s: float = 0.25  # a progress report at least this often (wall time), after step 1, and at the end


@dataclass
class LabData(Corpus):
    """The text as train.py would read it (lyricgen.corpus), and what the model card names it by."""

    corpus_sha256: str = ""  # of the text as given (UTF-8): the model card tells the built-in poems by it

    @property
    def train_lines(self) -> int:  # lines in the training split
        return len(self.split.train_lines)

    @property
    def val_lines(self) -> int:  # lines in the validation tail
        return len(self.split.val_lines)


@dataclass
class LabSample:
    step: int  # optimizer steps taken when it was generated
    tokens: list[str]  # the generated tokens, after the start text's words; EOL for a line break
    text: str  # the start text's words and the tokens, joined as lyrics (join_words)


@dataclass
class LabHistory:
    steps: list[int] = field(default_factory=list)  # step of each train loss, from 1
    train_losses: list[float] = field(default_factory=list)  # that step's batch mean loss (nats per token)
    val_steps: list[int] = field(default_factory=list)  # step of each validation loss, from 0
    val_losses: list[float] = field(default_factory=list)  # mean_nll on the validation tail (nats per token)
    val_elapsed_s: list[float] = field(default_factory=list)  # wall seconds into the run of each validation loss


@dataclass
class LabProgress:
    step: int  # optimizer steps so far
    epoch: float  # training tokens fed / tokens in the training split
    train_loss: float | None  # mean batch loss since the previous report (nats); None before the first step
    val_loss: float  # the latest validation loss (nats per token)
    val_ppl: float  # exp(val_loss)
    val_step: int  # the step val_loss was measured at
    tokens: int  # training tokens fed so far
    tokens_per_s: float  # tokens / seconds spent in training steps (validation and sampling excluded)
    elapsed_s: float  # wall seconds since the run started
    gave_way_s: float  # of them, seconds waited at the gate for the shipped models' requests (train_live's gate)
    history: LabHistory  # a copy: the caller may keep it while training goes on
    samples: list[LabSample]  # a copy, oldest first
    done: bool  # the last report of the run
    stop_reason: str | None  # "budget" | "max_steps" | "stopped" (should_stop said so); None while running
    model: LyricModel  # the model being trained (the same object in every report): export it when done


def builtin_poems() -> str:
    return POEMS_FILE.read_text(encoding="utf-8")


def prepare(text: str, cfg: LabConfig) -> LabData:
    """Text (one line a line) → tokens (jieba's words or characters, cfg.tokens) → a vocabulary from the training
    split → ids, as train.py does."""
    corpus = build_corpus(text_lines(text), cfg.val_fraction, cfg.min_count, cfg.unk_alpha, tokens=cfg.tokens)
    return LabData(**vars(corpus), corpus_sha256=text_sha256(text))


def new_model(data: LabData, cfg: LabConfig) -> LyricModel:
    config = ModelConfig(
        vocab_size=len(data.vocab), cell=cfg.cell, embed_dim=cfg.hidden_size, hidden_dim=cfg.hidden_size,
        num_layers=cfg.num_layers, dropout=cfg.dropout, embed_dropout=cfg.embed_dropout, tie_weights=True,
    )
    # Same seed, same initial weights, without touching the global generator other threads may use.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        return LyricModel(config)


def tutorial_start_count(num_tokens: int, cfg: LabConfig) -> tuple[int, int]:
    """(window length, how many start positions) for the tutorial's windows over num_tokens tokens.

    Starts lie in the first tutorial_share of the text, but the range is at least one window long, so a
    tiny text still gives windows; a window never runs past the text's end.
    """
    window = min(cfg.bptt, num_tokens - 1)
    starts = max(int(num_tokens * cfg.tutorial_share), window)
    return window, max(1, min(starts, num_tokens - window))


# A feed yields (inputs, targets, fresh): inputs and targets (window, batch), fresh when the window must
# start from a zero hidden state rather than from where the previous batch left off.
Feed = Iterator[tuple[torch.Tensor, torch.Tensor, bool]]


def tutorial_feed(data: LabData, cfg: LabConfig) -> Feed:
    """Endless batches of batch_size random windows, every one from a zero state."""
    generator = torch.Generator().manual_seed(cfg.seed)
    num_tokens, fed, epoch = data.train_ids.numel(), 0, 0
    window, count = tutorial_start_count(num_tokens, cfg)
    offsets = torch.arange(window + 1).unsqueeze(1)  # (window + 1, 1)
    ids = epoch_ids(data, cfg.seed, epoch)
    while True:
        if fed // num_tokens != epoch:  # a text's worth of tokens fed: a new draw of hidden words
            epoch = fed // num_tokens
            ids = epoch_ids(data, cfg.seed, epoch)
        starts = torch.randint(0, count, (cfg.batch_size,), generator=generator)  # (batch,)
        chunk = ids[offsets + starts]  # (window + 1, batch): column j is the window starting at starts[j]
        fed += window * cfg.batch_size
        yield chunk[:-1], chunk[1:], True


def project_feed(data: LabData, cfg: LabConfig) -> Feed:
    """Endless passes over the whole text as train.py reads it; each pass starts from a zero state."""
    epoch = 0
    while True:
        columns = batchify(epoch_ids(data, cfg.seed, epoch), cfg.batch_size)  # (rows, batch)
        for k, (inputs, targets) in enumerate(bptt_batches(columns, cfg.bptt)):
            yield inputs, targets, k == 0
        epoch += 1


def make_sample(model: LyricModel, vocab: Vocab, cfg: LabConfig, step: int) -> LabSample:
    """The same start text and seed every time, so samples differ only by what the model has learnt."""
    prompt = make_prompt(vocab, cfg.start_text)
    generator, _ = new_generator(cfg.seed)
    steps = generate_steps(model, vocab, prompt.ids, cfg.sample_length, Sampling(cfg.temperature), generator)
    with evaluating(model):  # generate_steps sets eval mode as it starts: the model's own mode comes back after
        tokens = [s.token for s in steps]
    return LabSample(step, tokens, join_words([*prompt.words, *tokens]))


def check_config(data: LabData, cfg: LabConfig) -> None:
    """A ValueError for settings train_live cannot run, before any work."""
    if cfg.feeding not in FEEDINGS:
        raise ValueError(f"feeding must be one of {FEEDINGS}, not {cfg.feeding!r}")
    if cfg.cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, not {cfg.cell!r}")
    num_tokens = data.train_ids.numel()
    if num_tokens < 2 or (cfg.feeding == "project" and num_tokens // cfg.batch_size < 2):
        raise ValueError(f"{num_tokens} training tokens are too few for batch_size={cfg.batch_size}")


def stop_reason(cfg: LabConfig, step: int, start: float, should_stop: Callable[[], bool] | None) -> str | None:
    """Why the run ends before another step (LabProgress.stop_reason), or None to take it."""
    if should_stop is not None and should_stop():
        return "stopped"
    if time.perf_counter() - start >= cfg.budget_s:
        return "budget"
    if cfg.max_steps is not None and step >= cfg.max_steps:
        return "max_steps"
    return None


def train_one_step(model: LyricModel, optimizer: torch.optim.Optimizer, feed: Feed, hidden: Hidden | None,
                   clip: float) -> tuple[float, int, Hidden]:
    """An optimizer step on the feed's next batch → (its mean loss, its target tokens, the hidden state after it).

    Grad mode is set around the step alone, never across a yield of train_live: it belongs to a thread,
    and the caller may resume that generator on another one (or hold inference mode on its own).
    """
    with torch.inference_mode(False), torch.enable_grad():
        inputs, targets, fresh = next(feed)  # each (window, batch)
        if fresh:
            hidden = model.init_hidden(inputs.size(1))
        # train_step detaches the carried state: gradients flow back one window at most.
        loss, hidden = train_step(model, optimizer, inputs, targets, hidden, clip)
    return loss, targets.numel(), hidden


@dataclass
class LiveRun:
    """What a live training has measured so far; each report is a copy of it."""

    data: LabData  # the text trained on
    cfg: LabConfig  # the run's settings
    model: LyricModel  # the model being trained
    start: float  # time.perf_counter() when the run began
    history: LabHistory = field(default_factory=LabHistory)  # every loss so far
    samples: list[LabSample] = field(default_factory=list)  # oldest first
    step: int = 0  # optimizer steps so far
    tokens: int = 0  # training tokens fed so far
    train_seconds: float = 0.0  # wall seconds spent in training steps (validation and sampling excluded)
    gave_way_s: float = 0.0  # wall seconds waited at the gate (the class's generation went first)
    recent: list[float] = field(default_factory=list)  # batch losses since the last report

    def add_step(self, loss: float, tokens: int, seconds: float) -> None:
        self.step += 1
        self.tokens += tokens
        self.train_seconds += seconds
        self.recent.append(loss)
        self.history.steps.append(self.step)
        self.history.train_losses.append(loss)

    def validate(self) -> None:
        loss = mean_nll(self.model, self.data.val_ids)  # inference mode inside; restores train mode
        self.history.val_steps.append(self.step)
        self.history.val_losses.append(loss)
        self.history.val_elapsed_s.append(time.perf_counter() - self.start)

    def sample(self) -> None:
        self.samples.append(make_sample(self.model, self.data.vocab, self.cfg, self.step))

    def report(self, done: bool, reason: str | None) -> LabProgress:
        train_loss = sum(self.recent) / len(self.recent) if self.recent else None
        self.recent.clear()
        val_loss = self.history.val_losses[-1]
        return LabProgress(
            step=self.step, epoch=self.tokens / self.data.train_ids.numel(), train_loss=train_loss,
            val_loss=val_loss, val_ppl=math.exp(val_loss), val_step=self.history.val_steps[-1],
            tokens=self.tokens, tokens_per_s=self.tokens / self.train_seconds if self.train_seconds else 0.0,
            elapsed_s=time.perf_counter() - self.start, gave_way_s=self.gave_way_s,
            history=LabHistory(**asdict(self.history)),  # asdict copies the lists
            samples=list(self.samples), done=done, stop_reason=reason, model=self.model,
        )


def train_live(
    data: LabData, cfg: LabConfig, should_stop: Callable[[], bool] | None = None,
    gate: AbstractContextManager | None = None,
) -> Iterator[LabProgress]:
    """Train, yielding a LabProgress before the first step, after it, at least every report_every_s seconds, and a
    last one with done=True.

    Stops at budget_s, at max_steps or when should_stop() returns true. gate: held around each step (with its
    validation and sample, when due), never across a yield: on a server, the gate that gives the shipped
    models' requests the time first (lyricgen/gate.py); the budget is wall-clock, so a training then makes
    fewer steps while the class is generating.
    """
    check_config(data, cfg)
    start = time.perf_counter()
    # Never inference tensors, even if this thread holds inference mode: the weights must be able to learn.
    with torch.inference_mode(False), torch.enable_grad():
        model = new_model(data, cfg)
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    feed = (tutorial_feed if cfg.feeding == "tutorial" else project_feed)(data, cfg)
    run = LiveRun(data, cfg, model, start)
    run.validate()
    run.sample()
    last_report = time.perf_counter()
    yield run.report(False, None)
    hidden = None  # set by the first batch: every feed starts fresh
    gate = gate if gate is not None else contextlib.nullcontext()
    while (reason := stop_reason(cfg, run.step, start, should_stop)) is None:
        asked = time.perf_counter()
        with gate:
            t0 = time.perf_counter()  # after the gate: tokens/s is the training's own speed, not the wait's
            run.gave_way_s += t0 - asked
            loss, tokens, hidden = train_one_step(model, optimizer, feed, hidden, cfg.clip)
            run.add_step(loss, tokens, time.perf_counter() - t0)
            if run.step % cfg.eval_every == 0:
                run.validate()
            if run.step % cfg.sample_every == 0:
                run.sample()
        # Step 1 always: the curve appears at once, however fast or slow this machine takes its steps.
        if run.step == 1 or time.perf_counter() - last_report >= cfg.report_every_s:
            last_report = time.perf_counter()
            yield run.report(False, None)
    if run.history.val_steps[-1] != run.step:
        run.validate()
    yield run.report(True, reason)


def lab_metrics(progress: LabProgress, data: LabData, cfg: LabConfig, ngram_order: int = 5) -> dict:
    """A finished run's record for metrics.json (JSON types only), with train.py's yardstick beside it: a
    Kneser-Ney n-gram on the same split and vocabulary (the folder's README.md, lyricgen.card, quotes both
    perplexities, and names the data by corpus_sha256: the built-in poems, or pasted text)."""
    ngram_loss = KneserNey(data.train_ids.tolist(), len(data.vocab), ngram_order).mean_nll(data.val_ids)
    return {
        "cell": cfg.cell,
        "feeding": cfg.feeding,
        "parameters": progress.model.num_parameters(),
        "vocab_size": len(data.vocab),
        "train_tokens": data.train_ids.numel(),
        "val_tokens": len(data.val_ids) - 1,
        "val_unk_rate": data.val_unk_rate,
        "train_lines": data.train_lines,
        "val_lines": data.val_lines,
        "corpus_sha256": data.corpus_sha256,
        "steps": progress.step,
        "epochs_run": progress.epoch,
        "val_loss": progress.val_loss,
        "val_ppl": progress.val_ppl,
        "ngram_order": ngram_order,
        "ngram_val_ppl": math.exp(ngram_loss),
        "ppl_ratio_to_ngram": math.exp(progress.val_loss - ngram_loss),
        "tokens_per_s": progress.tokens_per_s,
        "wall_seconds": progress.elapsed_s,
        "stop_reason": progress.stop_reason,
        "lab_config": asdict(cfg),
        "history": asdict(progress.history),
        "torch_version": torch.__version__,
    }


def export_zip(model: LyricModel, vocab: Vocab, metrics: dict, dest_zip_path: str | Path,
               fingerprint: Fingerprint | None = None, files: dict[str, str] | None = None) -> Path:
    """A normal weights folder (config.json, model.safetensors, vocab.json, metrics.json, fingerprint.json of
    the training lines, README.md), zipped with its files at the archive's top level: load_checkpoint loads
    the zip, or the folder it unzips into. files: {name: text} beside them (checkpoint.LAB_FILES: the
    training script, and the built-in poems it reads)."""
    dest = Path(dest_zip_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.tmp")  # renamed when complete: a reader never sees half a zip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "weights"
        save_checkpoint(model, vocab, folder, metrics, fingerprint)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
            for name, text in sorted((files or {}).items()):
                archive.writestr(name, text.encode("utf-8"))
    os.replace(partial, dest)
    return dest

"""Train a small model live: two ways to feed the same text, and what each one teaches.

tutorial  the classic notebook's way: random windows of `bptt` tokens, each read from a fresh zero
          state, and (as that notebook's code does) windows that start only in the first 3% of the
          text. The model sees a sliver of the corpus again and again: it learns to recite it.
project   lyricgen.train's way: the whole training text cut into `batch_size` columns read in order,
          the hidden state carried from one window to the next and detached (truncated BPTT).

In both, each pass over the training text hides rare words as <unk> afresh (train.unk_probabilities),
and both are scored on the same validation tail with evaluate.mean_nll, so the curves compare like with like.
Numbers only: progress, losses, samples; the web layer words and draws them.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .card import POEMS_FILE, text_sha256
from .checkpoint import save_checkpoint
from .data import batchify, bptt_batches, split_lines
from .evaluate import mean_nll
from .generate import generate_steps, make_prompt, new_generator
from .model import CELLS, LyricModel, ModelConfig
from .ngram import KneserNey
from .tokens import EOL, join_words, lines_to_tokens
from .train import replace_with_unk, train_step, unk_probabilities
from .vocab import Vocab

FEEDINGS = ("tutorial", "project")


@dataclass
class LabConfig:
    cell: str = "gru"  # "rnn" | "lstm" | "gru"
    hidden_size: int = 128  # hidden state size; word vectors are as long, so the output layer shares the embedding
    num_layers: int = 1  # stacked recurrent layers
    dropout: float = 0.2  # on word vectors and cell outputs, in training only
    embed_dropout: float = 0.1  # in training, drop whole words' vectors
    lr: float = 3e-3  # AdamW learning rate: above train.py's, because a live run lasts seconds, not hours
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip: float = 0.5  # gradient-norm clipping, as in train.py: RNN gradients can explode
    budget_s: float = 60.0  # wall-clock seconds for the whole run: training, validation and samples
    max_steps: int | None = None  # also stop after this many optimizer steps (tests); None: the budget alone
    feeding: str = "project"  # "tutorial" | "project": see the module's docstring
    bptt: int = 32  # tokens per window
    batch_size: int = 16  # random windows (tutorial) or text columns (project) per step
    tutorial_share: float = 0.03  # tutorial feeding: windows start only in this first share of the text
    unk_alpha: float = 3.0  # each pass hides a word seen c times as <unk> with probability a/(a+c); 0: never
    min_count: int = 2  # words seen fewer times in the training split are not in the vocabulary
    val_fraction: float = 0.1  # the last lines form the validation tail
    eval_every: int = 20  # steps between two validation losses (one more at the end)
    sample_every: int = 50  # steps between two samples (step 0 included: the untrained model's)
    sample_length: int = 30  # tokens per sample (words and line breaks)
    start_text: str = "明月"  # every sample starts from this text
    temperature: float = 0.8  # sampling temperature
    seed: int = 0  # seeds the initial weights, the windows, the <unk> draws and every sample
    report_every_s: float = 0.25  # a progress report at least this often (wall time), after step 1, and at the end


@dataclass
class LabData:
    vocab: Vocab  # built from the training split by the project's rules (Vocab.build with min_count)
    train_ids: torch.Tensor  # (train_tokens,): the training split, <eol> between lines
    val_ids: list[int]  # the validation tail, scored by mean_nll
    train_lines: int  # lines in the training split
    val_lines: int  # lines in the validation tail
    val_unk_rate: float  # share of the validation tail's words that the vocabulary lacks
    corpus_sha256: str = ""  # of the text as given (UTF-8): the model card tells the built-in poems by it


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
    history: LabHistory  # a copy: the caller may keep it while training goes on
    samples: list[LabSample]  # a copy, oldest first
    done: bool  # the last report of the run
    stop_reason: str | None  # "budget" | "max_steps" | "stopped" (should_stop said so); None while running
    model: LyricModel  # the model being trained (the same object in every report): export it when done


def builtin_poems() -> str:
    return POEMS_FILE.read_text(encoding="utf-8")


def prepare(text: str, cfg: LabConfig) -> LabData:
    """Text (one line a line) → jieba tokens → a vocabulary from the training split → ids, as train.py does."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    split = split_lines(lines, cfg.val_fraction)
    train_tokens, val_tokens = lines_to_tokens(split.train_lines), lines_to_tokens(split.val_lines)
    vocab = Vocab.build(train_tokens, cfg.min_count)
    val_words = [t for t in val_tokens if t != EOL]
    return LabData(
        vocab=vocab,
        train_ids=torch.tensor(vocab.encode(train_tokens), dtype=torch.long),
        val_ids=vocab.encode(val_tokens),
        train_lines=len(split.train_lines),
        val_lines=len(split.val_lines),
        val_unk_rate=sum(w not in vocab for w in val_words) / max(1, len(val_words)),
        corpus_sha256=text_sha256(text),
    )


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


def epoch_ids(data: LabData, cfg: LabConfig, unk_prob: torch.Tensor, epoch: int) -> torch.Tensor:
    """The training ids with a fresh draw of rare words hidden as <unk>, seeded by the epoch."""
    return replace_with_unk(data.train_ids, unk_prob, data.vocab.unk_id, cfg.seed * 1000 + epoch)


# A feed yields (inputs, targets, fresh): inputs and targets (window, batch), fresh when the window must
# start from a zero hidden state rather than from where the previous batch left off.
Feed = Iterator[tuple[torch.Tensor, torch.Tensor, bool]]


def tutorial_feed(data: LabData, cfg: LabConfig, unk_prob: torch.Tensor) -> Feed:
    """Endless batches of batch_size random windows, every one from a zero state."""
    generator = torch.Generator().manual_seed(cfg.seed)
    num_tokens, fed, epoch = data.train_ids.numel(), 0, 0
    window, count = tutorial_start_count(num_tokens, cfg)
    offsets = torch.arange(window + 1).unsqueeze(1)  # (window + 1, 1)
    ids = epoch_ids(data, cfg, unk_prob, epoch)
    while True:
        if fed // num_tokens != epoch:  # a text's worth of tokens fed: a new draw of hidden words
            epoch = fed // num_tokens
            ids = epoch_ids(data, cfg, unk_prob, epoch)
        starts = torch.randint(0, count, (cfg.batch_size,), generator=generator)  # (batch,)
        chunk = ids[offsets + starts]  # (window + 1, batch): column j is the window starting at starts[j]
        fed += window * cfg.batch_size
        yield chunk[:-1], chunk[1:], True


def project_feed(data: LabData, cfg: LabConfig, unk_prob: torch.Tensor) -> Feed:
    """Endless passes over the whole text as train.py reads it; each pass starts from a zero state."""
    epoch = 0
    while True:
        columns = batchify(epoch_ids(data, cfg, unk_prob, epoch), cfg.batch_size)  # (rows, batch)
        for k, (inputs, targets) in enumerate(bptt_batches(columns, cfg.bptt)):
            yield inputs, targets, k == 0
        epoch += 1


def make_sample(model: LyricModel, vocab: Vocab, cfg: LabConfig, step: int) -> LabSample:
    """The same start text and seed every time, so samples differ only by what the model has learnt."""
    prompt = make_prompt(vocab, cfg.start_text)
    generator, _ = new_generator(cfg.seed)
    steps = generate_steps(model, vocab, prompt.ids, cfg.sample_length, cfg.temperature, None, generator)
    tokens = [s.token for s in steps]
    model.train()  # generate_steps leaves the model in eval mode
    return LabSample(step, tokens, join_words([*prompt.words, *tokens]))


def train_live(
    data: LabData, cfg: LabConfig, should_stop: Callable[[], bool] | None = None
) -> Iterator[LabProgress]:
    """Train, yielding a LabProgress before the first step, after it, at least every report_every_s seconds, and a
    last one with done=True.

    Stops at budget_s, at max_steps or when should_stop() returns true. Grad mode is set around each
    piece of work, never across a yield: it belongs to a thread, and the caller may resume this
    generator on another one (or hold inference mode on its own).
    """
    if cfg.feeding not in FEEDINGS:
        raise ValueError(f"feeding must be one of {FEEDINGS}, not {cfg.feeding!r}")
    if cfg.cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, not {cfg.cell!r}")
    num_tokens = data.train_ids.numel()
    if num_tokens < 2 or (cfg.feeding == "project" and num_tokens // cfg.batch_size < 2):
        raise ValueError(f"{num_tokens} training tokens are too few for batch_size={cfg.batch_size}")

    start = time.perf_counter()
    with torch.inference_mode(False), torch.enable_grad():
        model = new_model(data, cfg)
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        unk_prob = unk_probabilities(data.train_ids, len(data.vocab), data.vocab.unk_id, data.vocab.eol_id,
                                     cfg.unk_alpha)
        feed = (tutorial_feed if cfg.feeding == "tutorial" else project_feed)(data, cfg, unk_prob)
    model.train()
    history, samples = LabHistory(), []
    step, tokens, train_seconds = 0, 0, 0.0
    hidden = None  # set by the first batch: every feed starts fresh
    recent: list[float] = []  # batch losses since the last report

    def validate() -> None:
        loss = mean_nll(model, data.val_ids)  # inference mode inside; restores train mode
        history.val_steps.append(step)
        history.val_losses.append(loss)
        history.val_elapsed_s.append(time.perf_counter() - start)

    def report(done: bool, reason: str | None) -> LabProgress:
        train_loss = sum(recent) / len(recent) if recent else None
        recent.clear()
        return LabProgress(
            step=step, epoch=tokens / num_tokens, train_loss=train_loss,
            val_loss=history.val_losses[-1], val_ppl=math.exp(history.val_losses[-1]), val_step=history.val_steps[-1],
            tokens=tokens, tokens_per_s=tokens / train_seconds if train_seconds else 0.0,
            elapsed_s=time.perf_counter() - start,
            history=LabHistory(**asdict(history)),  # asdict copies the lists
            samples=list(samples), done=done, stop_reason=reason, model=model,
        )

    validate()
    samples.append(make_sample(model, data.vocab, cfg, step))
    last_report = time.perf_counter()
    yield report(False, None)
    while True:
        if should_stop is not None and should_stop():
            reason = "stopped"
        elif time.perf_counter() - start >= cfg.budget_s:
            reason = "budget"
        elif cfg.max_steps is not None and step >= cfg.max_steps:
            reason = "max_steps"
        else:
            reason = None
        if reason:
            break
        t0 = time.perf_counter()
        with torch.inference_mode(False), torch.enable_grad():
            inputs, targets, fresh = next(feed)  # each (window, batch)
            if fresh:
                hidden = model.init_hidden(inputs.size(1))
            # train_step detaches the carried state: gradients flow back one window at most.
            loss, hidden = train_step(model, optimizer, inputs, targets, hidden, cfg.clip)
        train_seconds += time.perf_counter() - t0
        step += 1
        tokens += targets.numel()
        recent.append(loss)
        history.steps.append(step)
        history.train_losses.append(loss)
        if step % cfg.eval_every == 0:
            validate()
        if step % cfg.sample_every == 0:
            samples.append(make_sample(model, data.vocab, cfg, step))
        # Step 1 always: the curve appears at once, however fast or slow this machine takes its steps.
        if step == 1 or time.perf_counter() - last_report >= cfg.report_every_s:
            last_report = time.perf_counter()
            yield report(False, None)
    if history.val_steps[-1] != step:
        validate()
    yield report(True, reason)


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


def export_zip(model: LyricModel, vocab: Vocab, metrics: dict, dest_zip_path: str | Path) -> Path:
    """A normal weights folder (config.json, model.safetensors, vocab.json, metrics.json, README.md), zipped
    with its files at the archive's top level: unzipped into a folder, load_checkpoint loads that folder."""
    dest = Path(dest_zip_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.tmp")  # renamed when complete: a reader never sees half a zip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "weights"
        save_checkpoint(model, vocab, folder, metrics)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
    os.replace(partial, dest)
    return dest

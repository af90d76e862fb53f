"""Training: truncated back-propagation through time over the whole corpus, early stopping on a
held-out tail, the best checkpoint kept.

    python -m lyricgen.train --cell lstm --corpus ../shared/data/jaychou_lyrics.txt --out weights/lstm

Writes OUT/ (config.json, model.safetensors, vocab.json, metrics.json, fingerprint.json) each time
validation improves, and OUT.resume/ (the last finished epoch, for --resume) until training ends.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import math
import os
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from .cache import CACHE_KEY, choose_cache_settings
from .checkpoint import Checkpoint, CheckpointError, best_device, load_checkpoint, recover, save_checkpoint, sha256_of
from .corpus import Corpus, build_corpus, epoch_ids, fingerprint_of
from .data import batchify, bptt_batches
from .evaluate import mean_nll
from .fingerprint import Fingerprint
from .generate import Sampling, generate_steps, new_generator
from .model import CELLS, Hidden, LyricModel, ModelConfig, WeightAverage, cross_entropy, detach
from .ngram import KneserNey
from .resume import RESUME_STATE, discard_resume, load_resume, resume_dir, save_resume
from .tokens import EOL, read_lines, split_words
from .vocab import Vocab


@dataclass
class TrainConfig:
    cell: str = "lstm"  # recurrent cell: rnn | lstm | gru
    embed_dim: int = 480  # word vector size (same for all three cells, so they compare fairly)
    hidden_dim: int = 480  # hidden state size; 480 keeps the LSTM folder under 15 MB
    num_layers: int = 1  # stacked layers
    dropout: float = 0.6  # on embeddings and cell outputs; the corpus is tiny, so regularize hard
    embed_dropout: float = 0.1  # drop whole word vectors in training
    weight_drop: float = 0.0  # DropConnect on the hidden-to-hidden weights in training
    ar: float = 0.0  # activation regularization: this × mean(dropped output²) added to the loss
    tar: float = 0.0  # temporal activation regularization: this × mean((h_t − h_{t−1})²), smooth states
    average: float = 0.0  # decay of a moving average of the weights, used to validate and save; 0 = off
    tie_weights: bool = True  # share embedding and output matrices
    min_count: int = 2  # words seen fewer times in training become <unk>
    unk_alpha: float = 3.0  # each epoch a word seen c times is fed as <unk> with probability a/(a+c)
    val_fraction: float = 0.1  # the last 10% of lines are the validation split
    batch_size: int = 16  # parallel columns of text
    bptt: int = 32  # tokens per truncated back-propagation window
    lr: float = 1e-3  # AdamW learning rate (one value for all three cells: they compare like with like)
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip: float = 0.5  # gradient-norm clipping: RNN gradients can explode
    epochs: int = 40  # at most this many passes over the training split
    patience: int = 3  # stop after this many epochs without a better validation loss
    lr_decay: float = 0.5  # multiply lr by this when an epoch does not improve validation
    seed: int = 1234  # seeds initialization and dropout: same seed, same model
    ngram_order: int = 5  # order of the Kneser-Ney baseline reported beside the model
    samples: int = 20  # samples at temperature 0.8 for the verbatim-copy figure
    dry_run: bool = False  # a few batches and epochs, for tests
    all_lines: bool = False  # then train again on every line for the best epoch count, and ship that model


def train_step(
    model: LyricModel,
    optimizer: torch.optim.Optimizer,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    hidden: Hidden,
    clip: float,
    ar: float = 0.0,
    tar: float = 0.0,
) -> tuple[float, Hidden]:
    """One optimizer step on one batch (inputs, targets: (seq_len, batch)); returns the batch's mean loss and
    the hidden state after it, for the next batch to start from. ar, tar: see TrainConfig."""
    # Carry the hidden state across batches (the columns continue), but detach it:
    # gradients flow back at most one batch (bptt steps).
    logits, hidden, out, dropped = model.forward_with_outputs(inputs, detach(hidden))
    loss = cross_entropy(logits, targets)
    objective = loss
    if ar:
        objective = objective + ar * dropped.pow(2).mean()
    if tar:
        objective = objective + tar * (out[1:] - out[:-1]).pow(2).mean()
    optimizer.zero_grad(set_to_none=True)
    objective.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item(), hidden


def verbatim_share(model: LyricModel, vocab: Vocab, corpus_line_words: set, samples: int, seed: int) -> dict:
    """Generate samples at temperature 0.8 and count the lines that occur verbatim in the corpus."""
    generator, _ = new_generator(seed)
    lines, copied = 0, 0
    for _ in range(samples):
        line: list[str] = []
        for step in generate_steps(model, vocab, [vocab.eol_id], 60, Sampling(0.8), generator):
            if step.token != EOL:
                line.append(step.token)
                continue
            if line:
                lines += 1
                copied += tuple(line) in corpus_line_words
            line = []
    return {"sample_lines": lines, "verbatim_lines": copied, "verbatim_share": copied / max(1, lines)}


def read_corpus(cfg: TrainConfig, path: str, hold_out: bool = True) -> Corpus:
    """The corpus file read as the Lab reads its text (lyricgen.corpus); hold_out=False: every line is for training."""
    return build_corpus(read_lines(path), cfg.val_fraction, cfg.min_count, cfg.unk_alpha, hold_out)


def build_model(cfg: TrainConfig, vocab_size: int, device: torch.device) -> LyricModel:
    return LyricModel(ModelConfig(
        vocab_size=vocab_size, cell=cfg.cell, embed_dim=cfg.embed_dim, hidden_dim=cfg.hidden_dim,
        num_layers=cfg.num_layers, dropout=cfg.dropout, embed_dropout=cfg.embed_dropout,
        weight_drop=cfg.weight_drop, tie_weights=cfg.tie_weights,
    )).to(device)


def run_epoch(model: LyricModel, optimizer: torch.optim.Optimizer, corpus: Corpus, cfg: TrainConfig,
              epoch: int, device: torch.device, average: WeightAverage | None) -> tuple[float, int, float]:
    """One pass over the training split in order → (mean training loss, tokens, seconds)."""
    model.train()
    hidden = model.init_hidden(cfg.batch_size)
    # A fresh draw of words hidden as <unk> each epoch (seeded by epoch, so --resume repeats it).
    data = batchify(epoch_ids(corpus, cfg.seed, epoch), cfg.batch_size).to(device)  # (rows, batch)
    batches = list(bptt_batches(data, cfg.bptt))[: 5 if cfg.dry_run else None]
    total_loss, total_tokens, start = 0.0, 0, time.time()
    bar = tqdm(batches, desc=f"{cfg.cell} epoch {epoch}", unit="batch", leave=False, disable=None)
    for inputs, targets in bar:
        loss, hidden = train_step(model, optimizer, inputs, targets, hidden, cfg.clip, cfg.ar, cfg.tar)
        if average is not None:
            average.update(model)
        total_loss += loss * targets.numel()
        total_tokens += targets.numel()
        bar.set_postfix(loss=f"{loss:.3f}", ppl=f"{math.exp(loss):.1f}",
                        tok_s=f"{total_tokens / max(time.time() - start, 1e-9):.0f}")
    return total_loss / total_tokens, total_tokens, time.time() - start


def fixed_metrics(cfg: TrainConfig, corpus: Corpus, corpus_path: str, model: LyricModel, ngram_loss: float,
                  device: torch.device) -> dict:
    """What metrics.json says about the run that no epoch changes."""
    command = [os.path.basename(sys.executable), "-m", "lyricgen.train", *sys.argv[1:]]
    return {
        "cell": cfg.cell,
        "parameters": model.num_parameters(),
        "vocab_size": len(corpus.vocab),
        "train_tokens": corpus.train_ids.numel(),
        "val_tokens": len(corpus.val_ids) - 1,
        "val_unk_rate": corpus.val_unk_rate,
        "ngram_order": cfg.ngram_order,
        "ngram_val_ppl": math.exp(ngram_loss),
        "device": str(device),
        "corpus": corpus_path,
        "corpus_sha256": sha256_of(corpus_path),
        "train_lines": len(corpus.split.train_lines),
        "val_lines": len(corpus.split.val_lines),
        "command": " ".join(shlex.quote(a) for a in command),
        "train_config": asdict(cfg),
        "torch_version": torch.__version__,
    }


def epoch_metrics(state: dict, ngram_loss: float) -> dict:
    """What metrics.json says about the best epoch so far."""
    best = state["best_val_loss"]
    return {
        "epochs_run": state["epoch"],
        "best_epoch": state["best_epoch"],
        "val_loss": best,
        "val_ppl": math.exp(best),
        "ppl_ratio_to_ngram": math.exp(best - ngram_loss),
        "tokens_per_s": state["train_tokens"] / max(1e-9, state["train_seconds"]),
        "wall_seconds": state["train_seconds"],
        "history": state["history"],
    }


def start_state(cfg: TrainConfig, model: LyricModel, optimizer: torch.optim.Optimizer, val_ids: list[int],
                resume_path: Path, resume: bool, average: WeightAverage | None) -> dict:
    """The state of a fresh run (epoch 0: the untrained model's validation loss), or the one saved in resume_path."""
    if resume:
        recover(resume_path)
    if resume and (resume_path / RESUME_STATE).exists():
        try:
            state = load_resume(resume_path, model, optimizer, average)
        except Exception as e:  # damaged, or written by a run with other settings (cell, sizes, corpus)
            raise CheckpointError(f"{resume_path}: cannot resume from it ({e}); "
                                  "was it written with other settings? Delete it to start over") from e
        print(f"resuming after epoch {state['epoch']}", file=sys.stderr)
        return state
    initial = mean_nll(model, val_ids)
    return {"epoch": 0, "best_val_loss": math.inf, "best_epoch": 0, "bad_epochs": 0, "lr": cfg.lr,
            "history": [{"epoch": 0, "train_loss": None, "val_loss": initial, "val_ppl": math.exp(initial)}],
            "train_seconds": 0.0, "train_tokens": 0}


def averaged(model: LyricModel, average: WeightAverage | None):
    """The averaged weights in the model for a block, when training keeps an average; else the model as it is."""
    return average.applied(model) if average is not None else contextlib.nullcontext()


def train_on_all_lines(cfg: TrainConfig, corpus_path: str, selection: dict, metrics: dict,
                       device: torch.device) -> tuple[Checkpoint, Corpus, Fingerprint, dict]:
    """The selection run chose how many epochs (and at which learning rates) generalize best on the
    held-out tail; train a fresh model the same way on every line, for that many epochs, and ship it.

    Its validation figures stay those of the selection run: nothing is held out any more to measure it on.
    Not resumable: it is as long as the selection run up to its best epoch.
    """
    torch.manual_seed(cfg.seed)
    corpus = read_corpus(cfg, corpus_path, hold_out=False)
    model = build_model(cfg, len(corpus.vocab), device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    average = WeightAverage(model, cfg.average) if cfg.average else None
    rates = [entry["lr"] for entry in selection["history"][1 : selection["best_epoch"] + 1]]
    history, seconds_total = [], 0.0
    for epoch, lr in enumerate(rates, 1):
        for group in optimizer.param_groups:
            group["lr"] = lr
        train_loss, tokens, seconds = run_epoch(model, optimizer, corpus, cfg, epoch, device, average)
        seconds_total += seconds
        history.append({"epoch": epoch, "train_loss": train_loss, "lr": lr, "seconds": seconds})
        print(f"{cfg.cell} | all lines | epoch {epoch:3d}/{len(rates)} | lr {lr:.2e} | "
              f"train ppl {math.exp(train_loss):8.2f}", file=sys.stderr)
    with averaged(model, average):
        model.eval()
        final = Checkpoint(copy.deepcopy(model), corpus.vocab, Path("."))
    metrics = {**metrics, "trained_on": "all lines", "vocab_size": len(corpus.vocab),
               "parameters": model.num_parameters(),
               "all_lines_run": {"epochs": len(rates), "train_tokens": corpus.train_ids.numel(),
                                 "lines": len(corpus.split.train_lines), "vocab_size": len(corpus.vocab),
                                 "wall_seconds": seconds_total, "history": history}}
    return final, corpus, fingerprint_of(corpus), metrics


def train(cfg: TrainConfig, corpus_path: str, out: str, resume: bool = False, device: str | None = None) -> dict:
    """Train one cell; OUT holds the best epoch's weights whenever validation improves. Returns metrics.json."""
    start_time = time.time()
    torch.manual_seed(cfg.seed)
    dev = torch.device(device) if device else best_device()
    out_path = Path(out)

    corpus = read_corpus(cfg, corpus_path)
    model = build_model(cfg, len(corpus.vocab), dev)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    ngram_loss = KneserNey(corpus.train_ids.tolist(), len(corpus.vocab), cfg.ngram_order).mean_nll(corpus.val_ids)
    average = WeightAverage(model, cfg.average) if cfg.average else None
    state = start_state(cfg, model, optimizer, corpus.val_ids, resume_dir(out_path), resume, average)
    fixed = fixed_metrics(cfg, corpus, corpus_path, model, ngram_loss, dev)
    fingerprint = fingerprint_of(corpus)  # the same for every save: built once

    epochs = min(cfg.epochs, 3) if cfg.dry_run else cfg.epochs
    while state["epoch"] < epochs and state["bad_epochs"] < cfg.patience:
        epoch = state["epoch"] + 1
        for group in optimizer.param_groups:
            group["lr"] = state["lr"]
        train_loss, tokens, seconds = run_epoch(model, optimizer, corpus, cfg, epoch, dev, average)
        with averaged(model, average):
            val_loss = mean_nll(model, corpus.val_ids)
        state["train_seconds"] += seconds
        state["train_tokens"] += tokens
        state["epoch"] = epoch
        state["history"].append({"epoch": epoch, "train_loss": train_loss, "train_ppl": math.exp(train_loss),
                                 "val_loss": val_loss, "val_ppl": math.exp(val_loss), "lr": state["lr"],
                                 "seconds": seconds})
        improved = val_loss < state["best_val_loss"]
        print(f"{cfg.cell} | epoch {epoch:3d} | lr {state['lr']:.2e} | train ppl {math.exp(train_loss):8.2f} | "
              f"val ppl {math.exp(val_loss):8.2f} | n-gram val ppl {math.exp(ngram_loss):8.2f} | "
              f"{tokens / seconds:6.0f} tok/s{' | best' if improved else ''}", file=sys.stderr)
        if improved:
            state.update(best_val_loss=val_loss, best_epoch=epoch, bad_epochs=0)
            with averaged(model, average):
                save_checkpoint(model, corpus.vocab, out_path, {**fixed, **epoch_metrics(state, ngram_loss)},
                                fingerprint)
        else:
            # No progress: smaller steps, and one epoch closer to stopping.
            state["bad_epochs"] += 1
            state["lr"] *= cfg.lr_decay
        save_resume(resume_dir(out_path), model, optimizer, state, average)

    # The folder holds the best epoch's weights; finish its record with samples from that model.
    best = load_checkpoint(out_path, dev)
    metrics = {**fixed, **epoch_metrics(state, ngram_loss)}
    # Verbatim against the whole corpus, validation lines included: a copied line is copied either way.
    corpus_lines = {tuple(split_words(line)) for line in corpus.split.train_lines + corpus.split.val_lines}
    cache, tried = choose_cache_settings(best.model, corpus.val_ids)
    metrics[CACHE_KEY] = {**cache.to_dict(), "val_ppl": float(tried["perplexity"].min()),
                          "ratio_to_ngram": float(tried["perplexity"].min()) / math.exp(ngram_loss)}
    if cfg.all_lines:
        best, corpus, fingerprint, metrics = train_on_all_lines(cfg, corpus_path, state, metrics, dev)
    metrics.update(verbatim_share(best.model, corpus.vocab, corpus_lines, cfg.samples, cfg.seed))
    metrics["total_wall_seconds"] = time.time() - start_time
    save_checkpoint(best.model, corpus.vocab, out_path, metrics, fingerprint)
    discard_resume(resume_dir(out_path))
    print(f"{cfg.cell}: best val ppl {metrics['val_ppl']:.2f} at epoch {metrics['best_epoch']} "
          f"({metrics['ppl_ratio_to_ngram']:.3f} × the {cfg.ngram_order}-gram's {metrics['ngram_val_ppl']:.2f}); "
          f"{metrics['verbatim_share']:.1%} of sampled lines verbatim in the corpus; saved to {out_path}",
          file=sys.stderr)
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="UTF-8 lyrics, one line per lyric line")
    parser.add_argument("--out", required=True, help="weights folder to write")
    parser.add_argument("--resume", action="store_true", help="continue from OUT.resume/ if it exists")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    for name, default in asdict(TrainConfig()).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        elif name == "cell":
            parser.add_argument(flag, choices=sorted(CELLS), default=default)
        else:
            parser.add_argument(flag, type=type(default), default=default)
    args = vars(parser.parse_args(argv))
    corpus, out, resume, device = (args.pop(k) for k in ("corpus", "out", "resume", "device"))
    train(TrainConfig(**args), corpus, out, resume=resume, device=device)


if __name__ == "__main__":
    main()

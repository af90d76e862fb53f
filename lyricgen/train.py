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
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from .cache import CACHE_KEY, choose_cache_settings
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    atomic_replace,
    best_device,
    load_checkpoint,
    read_json,
    recover,
    save_checkpoint,
    sha256_of,
    write_json,
)
from .data import Split, batchify, bptt_batches, split_lines
from .evaluate import mean_nll
from .fingerprint import Fingerprint
from .generate import generate_steps, new_generator
from .model import CELLS, Hidden, LyricModel, ModelConfig, WeightAverage, cross_entropy, detach
from .ngram import KneserNey
from .tokens import EOL, lines_to_tokens, read_lines, split_words
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


RESUME_TENSORS = "state.safetensors"  # model, optimizer and random state after the last finished epoch
RESUME_STATE = "state.json"  # the loop's counters and history; written last, so its presence means "complete"


def resume_dir(out: Path) -> Path:
    return out.with_name(out.name + ".resume")


def save_resume(path: Path, model: LyricModel, optimizer: torch.optim.Optimizer, state: dict,
                average: WeightAverage | None = None) -> None:
    """Everything needed to continue after this epoch, as safetensors + JSON (no pickles), swapped in atomically."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if average is not None:
        tensors.update({f"average.{k}": v.cpu().contiguous() for k, v in average.shadow.items()})
        state = {**state, "average_steps": average.steps}
    opt = optimizer.state_dict()
    for pid, pstate in opt["state"].items():
        for key, value in pstate.items():
            tensors[f"optim.{pid}.{key}"] = torch.as_tensor(value).cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    # Tied weights appear twice in the state dict; safetensors refuses shared memory, so clone.
    tensors = {k: v.clone() for k, v in tensors.items()}

    def write(folder: Path) -> None:
        save_file(tensors, str(folder / RESUME_TENSORS))
        write_json(folder / RESUME_STATE, {**state, "param_groups": opt["param_groups"]})

    atomic_replace(path, write)


def discard_resume(path: Path) -> None:
    """Delete PATH, its state first: a kill part-way leaves a folder --resume ignores."""
    recover(path)
    (path / RESUME_STATE).unlink(missing_ok=True)
    shutil.rmtree(path, ignore_errors=True)


def load_resume(path: Path, model: LyricModel, optimizer: torch.optim.Optimizer,
                average: WeightAverage | None = None) -> dict:
    state = read_json(path / RESUME_STATE, required=True)
    tensors = load_file(str(path / RESUME_TENSORS))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
    if average is not None:
        average.steps = state.pop("average_steps")
        for name in average.shadow:
            average.shadow[name].copy_(tensors[f"average.{name}"])
    opt_state: dict = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            opt_state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": state.pop("param_groups")})
    torch.set_rng_state(tensors["rng.torch"])
    return state


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


def unk_probabilities(ids: torch.Tensor, vocab_size: int, unk_id: int, eol_id: int, alpha: float) -> torch.Tensor:
    """Per id, the chance to be fed as <unk>: alpha/(alpha+count). Rare words are hidden most often.

    In the training text only the words seen once are <unk> (a few percent), yet in unseen lyrics about
    a quarter of the words are unknown; hiding rare words at random teaches the model that rate.
    """
    counts = torch.bincount(ids, minlength=vocab_size).float()
    prob = alpha / (alpha + counts.clamp(min=1)) if alpha > 0 else torch.zeros(vocab_size)
    prob[[unk_id, eol_id]] = 0.0
    return prob


def replace_with_unk(ids: torch.Tensor, prob: torch.Tensor, unk_id: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    hide = torch.rand(ids.shape, generator=generator) < prob[ids]
    return torch.where(hide, torch.full_like(ids, unk_id), ids)


def verbatim_share(model: LyricModel, vocab: Vocab, corpus_line_words: set, samples: int, seed: int) -> dict:
    """Generate samples at temperature 0.8 and count the lines that occur verbatim in the corpus."""
    generator, _ = new_generator(seed)
    lines, copied = 0, 0
    for _ in range(samples):
        line: list[str] = []
        for step in generate_steps(model, vocab, [vocab.eol_id], 60, 0.8, None, generator):
            if step.token != EOL:
                line.append(step.token)
                continue
            if line:
                lines += 1
                copied += tuple(line) in corpus_line_words
            line = []
    return {"sample_lines": lines, "verbatim_lines": copied, "verbatim_share": copied / max(1, lines)}


@dataclass
class Corpus:
    """The corpus as training sees it: the split, the vocabulary from the training lines alone, and ids."""

    split: Split  # training lines, then the validation tail
    vocab: Vocab  # built from the training split, so validation meets unknown words as unseen lyrics will
    train_ids: torch.Tensor  # (num_train_tokens,)
    val_ids: list[int]  # [<eol>, words..., <eol>, ...] of the validation lines
    unk_prob: torch.Tensor  # (vocab_size,): per id, the chance to be fed as <unk> in an epoch
    line_words: list[list[str]]  # the training lines' jieba words: the fingerprint and the verbatim check
    val_unk_rate: float  # share of validation words the vocabulary lacks


def read_corpus(cfg: TrainConfig, path: str, hold_out: bool = True) -> Corpus:
    """text → tokens → ids, with the validation tail held out (hold_out=False: every line is for training)."""
    lines = read_lines(path)
    split = split_lines(lines, cfg.val_fraction) if hold_out else Split(lines, [])
    train_tokens, val_tokens = lines_to_tokens(split.train_lines), lines_to_tokens(split.val_lines)
    vocab = Vocab.build(train_tokens, cfg.min_count)
    train_ids = torch.tensor(vocab.encode(train_tokens), dtype=torch.long)
    val_words = [t for t in val_tokens if t != EOL]
    return Corpus(
        split=split,
        vocab=vocab,
        train_ids=train_ids,
        val_ids=vocab.encode(val_tokens),
        unk_prob=unk_probabilities(train_ids, len(vocab), vocab.unk_id, vocab.eol_id, cfg.unk_alpha),
        line_words=[split_words(line) for line in split.train_lines],
        val_unk_rate=sum(w not in vocab for w in val_words) / max(1, len(val_words)),
    )


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
    epoch_ids = replace_with_unk(corpus.train_ids, corpus.unk_prob, corpus.vocab.unk_id, cfg.seed * 1000 + epoch)
    data = batchify(epoch_ids, cfg.batch_size).to(device)  # (rows, batch)
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
    return final, corpus, Fingerprint.build(corpus.line_words), metrics


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
    fingerprint = Fingerprint.build(corpus.line_words)  # the same for every save: built once

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
    corpus_lines = {tuple(w) for w in corpus.line_words if w} | {tuple(split_words(x)) for x in corpus.split.val_lines}
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

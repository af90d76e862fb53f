"""The model card: a weights folder's README.md, the page the Hugging Face Hub shows for it.

model_card(config, metrics, has_fingerprint) writes it from what the folder itself records (config.json,
metrics.json, whether fingerprint.json is there), for the shipped weights (lyricgen.train) and the Lab's zips
(lyricgen.lab) alike: a card says what data the model saw (lyricgen.provenance), how big it is, how it was
trained and how well it does, in figures read from those files, never typed in by hand.

    python -m lyricgen.card weights/rnn weights/lstm weights/gru   # rewrite those folders' README.md, nothing else
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .data import split_lines
from .model import LyricModel, ModelConfig
from .provenance import Data, describe_data
from .tokens import EOL, SPECIALS, UNK

README_FILE = "README.md"
CELL_MODULES = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}
STOP_REASONS = {"budget": "its time budget ran out", "max_steps": "it reached its step limit",
                "stopped": "the student pressed stop"}
PAIR = ", hidden state a pair (h, c)"  # the LSTM's


def parameter_count(config: ModelConfig, metrics: dict) -> int:
    """metrics' "parameters", else counted on a model built on the meta device (no memory, no initialization cost)."""
    if isinstance(metrics.get("parameters"), int):
        return metrics["parameters"]
    with torch.device("meta"):
        return LyricModel(config).num_parameters()


def front_matter(config: ModelConfig, data: Data, lab: bool) -> list[str]:
    tags = ["lyricgen", "pytorch", config.cell, "recurrent-neural-network", "word-level", "chinese", "jieba"]
    tags += [data.tag] if data.tag else []
    tags += ["lyricgen-lab"] if lab else []
    return ["---", "library_name: lyricgen", "language:", "- zh", "pipeline_tag: text-generation", "tags:",
            *(f"- {tag}" for tag in tags), "---"]


def split_figures(metrics: dict, settings: dict) -> tuple[int | None, int | None, int | None]:
    """(all lines, training lines, validation lines) of the held-out split, as far as metrics.json tells them."""
    if "train_lines" in metrics and "val_lines" in metrics:
        train, val = metrics["train_lines"], metrics["val_lines"]
        return train + val, train, val
    total = metrics.get("all_lines_run", {}).get("lines")
    if total and "val_fraction" in settings:  # the same cut split_lines made
        split = split_lines(list(range(total)), settings["val_fraction"])
        return total, len(split.train_lines), len(split.val_lines)
    return None, None, None


def model_card(config: ModelConfig, metrics: dict, has_fingerprint: bool = False) -> str:
    """The README.md of a weights folder holding this config and metrics.json (and fingerprint.json, when
    has_fingerprint): what the model is, what it was trained on, how, how well it does, and its limits."""
    lab = "lab_config" in metrics
    settings = metrics.get("lab_config") or metrics.get("train_config") or {}
    data = describe_data(metrics)
    cell = config.cell.upper()
    params = parameter_count(config, metrics)
    all_run = metrics.get("all_lines_run") or {}
    lines_total, train_lines, val_lines = split_figures(metrics, settings)
    val_fraction = settings.get("val_fraction")
    unk_rate = metrics.get("val_unk_rate")
    chars = settings.get("tokens") == "char"  # a Lab model of characters (LabConfig.tokens)
    level, unit, zh_level = ("character", "character", "字") if chars else ("word", "word", "词")
    out = front_matter(config, data, lab)
    made = "trained in the lyricgen Lab" if lab else "from lyricgen"
    out += [
        "",
        f"# lyricgen{' Lab' if lab else ''} {cell}: a {level}-level language model of {data.name}",
        "",
        f"用{data.zh}训练的{zh_level}级 {cell} 语言模型{'（在 lyricgen 实验室里训练）' if lab else ''}："
        "教学用的小模型，会背诵训练文字，请勿把生成的文字当作原创发表。",
        "",
        f"A small recurrent language model {made}, a teaching demo of word-level RNN, LSTM and GRU models: it "
        f"reads Chinese text one {unit} at a time and gives the probability of every {unit} that could come next.",
        "",
        "## What it is",
        "",
        ("- **Character-level**: each character of a line is one token (`vocab.json` says `\"split\": \"char\"`)."
         if chars else "- **Word-level**: each line is split into words by [jieba](https://github.com/fxsjy/jieba) "
         "(`jieba.lcut`); one word is one token."),
        f"- **Vocabulary**: {config.vocab_size:,} tokens, in id order in `vocab.json`. "
        f"`{UNK}` (id {SPECIALS.index(UNK)}) stands for every word outside it"
        + (f" (words seen fewer than {settings['min_count']} times in the training text)" if "min_count" in settings
           else "")
        + f"; `{EOL}` (id {SPECIALS.index(EOL)}) is the line break, so the model also learns where lines end.",
        "- **Input and output**: token ids of shape `(seq_len, batch)` in; next-word logits of shape "
        f"`(seq_len, batch, {config.vocab_size})` and the new hidden state out.",
        "",
        "## Architecture and sizes",
        "",
        "embedding → recurrent cell → dropout → linear layer → next-word logits",
        "",
        "| | |",
        "|---|---|",
        f"| cell | `{CELL_MODULES[config.cell]}` ({cell}){PAIR if config.cell == 'lstm' else ''} |",
        f"| layers | {config.num_layers} |",
        f"| embedding size | {config.embed_dim} |",
        f"| hidden size | {config.hidden_dim} |",
        f"| tied input and output embeddings | {'yes' if config.tie_weights else 'no'} |",
        f"| dropout (training only) | {config.dropout} on the cell's input and output (the same mask at every step); "
        f"whole-word embedding dropout {config.embed_dropout}; weight drop on W_hh {config.weight_drop} |",
        f"| parameters | {params:,} |",
        "",
        "`config.json` holds these sizes; `model.safetensors` the weights (float32, safetensors, no pickle).",
        "",
        "## Data",
        "",
        data.about,
        "",
    ]
    facts = []
    if lines_total:
        if all_run:
            facts.append(f"- Lines: {lines_total:,}.")
        else:
            facts.append(f"- Lines: {lines_total:,} ({train_lines:,} for training, {val_lines:,} held out).")
    if val_fraction is not None:
        tail = f"{val_lines:,} lines, " if val_lines else ""
        scored = f"{metrics['val_tokens']:,} scored tokens" if "val_tokens" in metrics else "its tokens"
        unk = f", {unk_rate:.1%} of its words outside the vocabulary" if unk_rate is not None else ""
        facts.append(f"- Validation split: the last {val_fraction:.0%} of the lines ({tail}{scored}{unk}), a "
                     "contiguous tail rather than shuffled lines, so that a repeated chorus or verse does not leak "
                     "from training into validation.")
    if "train_tokens" in metrics:
        facts.append(f"- Training split: {metrics['train_tokens']:,} tokens (words and line breaks)"
                     + (f", {train_lines:,} lines" if train_lines else "") + ".")
    if all_run:
        facts.append(f"- The model in this folder was then trained on **every** line: {all_run.get('lines', 0):,} "
                     f"lines, {all_run.get('train_tokens', 0):,} tokens, vocabulary {all_run.get('vocab_size', 0):,} "
                     "(`all_lines_run` in `metrics.json`).")
    if metrics.get("corpus_sha256") and data.tag == "lyrics":
        facts.append(f"- Corpus file sha256: `{metrics['corpus_sha256']}`.")
    if not metrics:
        facts.append("- This folder has no training record (`metrics.json`): its data and figures are unknown.")
    out += [*facts, ""] if facts else []
    out += training_section(metrics, settings, all_run, lab)
    out += evaluation_section(metrics, all_run, val_fraction)
    out += [
        "## How to load",
        "",
        "With the lyricgen package (this model is not a `transformers` model):",
        "",
        "```python",
        "from lyricgen.checkpoint import load_checkpoint",
        "",
        'ckpt = load_checkpoint("path/to/this/folder")  # or its hub id, "USER/NAME"',
        "model, vocab = ckpt.model, ckpt.vocab  # ckpt.metrics: metrics.json",
        "```",
        "",
        "Loading is strict: `config.json` is checked key by key, `model.safetensors` must hold exactly the tensors "
        "that config implies (none missing, none extra, none NaN), and `vocab.json` must have `vocab_size` tokens. "
        "To generate from the command line:",
        "",
        "```bash",
        f"python -m lyricgen.generate --weights path/to/this/folder --start {data.start} --length 40 --seed 7",
        "```",
        "",
    ]
    out += limits_section(config, metrics, data, params, lines_total, has_fingerprint, lab)
    return "\n".join(out) + "\n"


def training_section(metrics: dict, settings: dict, all_run: dict, lab: bool) -> list[str]:
    out = ["## Training", ""]
    if not metrics:
        return [*out, "Not recorded.", ""]
    s = settings
    if lab:
        feeding = metrics.get("feeding", s.get("feeding"))
        how = ("the tutorial's feeding: random windows, each from a zero hidden state, all starting in the first "
               f"{s.get('tutorial_share', 0):.0%} of the text (it learns to recite)" if feeding == "tutorial" else
               "the project's feeding: the whole training text cut into columns read in order, the hidden state "
               "carried from one window to the next and detached (truncated BPTT)")
        out += [f"Trained live in the lyricgen app's *Train it yourself* (自己训练) tab (`lyricgen.lab.train_live`), "
                f"with {how}.", ""]
        if "steps" in metrics:
            reason = STOP_REASONS.get(metrics.get("stop_reason"), "it ended")
            out += [f"- {metrics['steps']:,} optimizer steps, {metrics.get('epochs_run', 0):.1f} passes over the "
                    f"training split, {metrics.get('wall_seconds', 0):.0f} s of wall time; it stopped because {reason}"
                    + (f" (budget {s['budget_s']:.0f} s)" if metrics.get("stop_reason") == "budget" and "budget_s" in s
                       else "") + "."]
        out += ["- The model in this folder is the one at the last step: no early stopping, no weight averaging."]
    else:
        if "command" in metrics:
            out += ["Command (every figure below is in `metrics.json`):", "", "```bash", metrics["command"], "```", ""]
        if "epochs_run" in metrics:
            best = f"; the best validation loss came at epoch {metrics['best_epoch']}" if "best_epoch" in metrics \
                else ""
            run = "Selection run: " if all_run else ""
            out += [f"- {run}{metrics['epochs_run']} epochs on the training split{best} "
                    "(the learning rate halved after each epoch that did not improve it, early stopping on "
                    "validation)."]
        if all_run:
            out += [f"- The model in this folder: a fresh model trained the same way on every line for "
                    f"{all_run.get('epochs', 0)} epochs (the selection run's best epoch count), at the same learning "
                    "rates."]
    knobs = []
    if "lr" in s:
        knobs.append(f"AdamW, learning rate {s['lr']:g}, weight decay {s.get('weight_decay', 0):g}")
    if "batch_size" in s and "bptt" in s:
        knobs.append(f"batches of {s['batch_size']} × {s['bptt']} tokens")
    if "clip" in s:
        knobs.append(f"gradient norm clipped at {s['clip']:g}")
    if s.get("ar") or s.get("tar"):
        knobs.append(f"activation regularization {s.get('ar', 0):g}, temporal activation regularization "
                     f"{s.get('tar', 0):g}")
    if s.get("average"):
        knobs.append(f"moving average of the weights (decay {s['average']:g}), saved instead of the last step's")
    if "unk_alpha" in s:
        knobs.append(f"each pass feeds a word seen c times as `{UNK}` with probability "
                     f"{s['unk_alpha']:g}/({s['unk_alpha']:g}+c)")
    if "seed" in s:
        knobs.append(f"seed {s['seed']}")
    if knobs:
        out += [f"- Settings: {'; '.join(knobs)}."]
    where = [f"on `{metrics['device']}`" if "device" in metrics else "",
             f"torch {metrics['torch_version']}" if "torch_version" in metrics else "",
             f"{metrics['tokens_per_s']:,.0f} training tokens/s" if "tokens_per_s" in metrics else ""]
    if not lab and "total_wall_seconds" in metrics:
        where.append(f"{metrics['total_wall_seconds'] / 60:.0f} minutes of wall time in all")
    if any(where):
        out += [f"- Hardware and time: {', '.join(w for w in where if w)}."]
    if lab:
        out += ["", "To train again: `lyricgen.lab.prepare(text, LabConfig(**metrics['lab_config']))`, then "
                "`lyricgen.lab.train_live`. A run cut by its time budget takes as many steps as the machine manages."]
    return [*out, ""]


def evaluation_section(metrics: dict, all_run: dict, val_fraction: float | None) -> list[str]:
    out = ["## Evaluation", ""]
    if "val_ppl" not in metrics:
        return [*out, "No validation figures were recorded.", ""]
    split = "the validation split" + (f" (the last {val_fraction:.0%} of the lines)" if val_fraction else "")
    order = metrics.get("ngram_order", 5)
    if "lab_config" in metrics:
        whose = "this model, at the end of the run"
    elif all_run:
        whose = f"the selection run's model (best epoch {metrics.get('best_epoch', '?')})"
    else:
        whose = f"this model (best epoch {metrics.get('best_epoch', '?')})"
    out += [f"Perplexity on {split}, lower is better: how many words, on average, the model hesitates between.", "",
            "| model | validation perplexity |", "|---|---|",
            f"| {whose} | {metrics['val_ppl']:.2f} |"]
    if "ngram_val_ppl" in metrics:
        out += [f"| Kneser-Ney {order}-gram baseline, same split and vocabulary | {metrics['ngram_val_ppl']:.2f} |"]
    cache_record = metrics.get("cache") or {}
    if "val_ppl" in cache_record:
        out += [f"| the same network with the continuous cache (`python -m lyricgen.evaluate --cache`; "
                f"λ {cache_record.get('lam', 0):g}, θ {cache_record.get('theta', 0):.2f}, "
                f"window {cache_record.get('window', 0)}) | {cache_record['val_ppl']:.2f} |"]
    out += [""]
    if "ppl_ratio_to_ngram" in metrics:
        out += [f"Ratio to the {order}-gram: {metrics['ppl_ratio_to_ngram']:.3f} (below 1: the network does better)."]
    if all_run:
        out += ["The model in this folder was trained on every line, validation lines included, so these figures are "
                "the selection run's: nothing is left to measure the shipped model on."]
    out += ["These figures are for this corpus, split and vocabulary only: a perplexity is not comparable across "
            "data sets, vocabularies or tokenizers.", ""]
    return out


def limits_section(config: ModelConfig, metrics: dict, data: Data, params: int, lines: int | None,
                   has_fingerprint: bool, lab: bool) -> list[str]:
    size = f"{params:,} parameters" + (f" trained on {lines:,} lines" if lines else "")
    taken = f" in {metrics['wall_seconds']:.0f} s" if lab and "wall_seconds" in metrics else ""
    out = ["## Limits", "",
           f"- **A teaching model, not a product**: {size}{taken}. It shows what a "
           "recurrent network learns from little text, and what it does not: it writes plausible word sequences, "
           "with no meaning, no plan beyond the last few lines, and frequent repetition."]
    memo = "- **It memorizes**: with so little text, some generated lines are copied from the training text"
    if "sample_lines" in metrics and "verbatim_lines" in metrics:
        memo += (f" ({metrics['verbatim_lines']} of {metrics['sample_lines']} lines sampled at temperature 0.8, "
                 f"{metrics.get('verbatim_share', 0):.1%}, occur verbatim in the corpus)")
    if has_fingerprint:
        memo += (". `fingerprint.json` holds hashes (not the text) of every training line and of every short run of "
                 "words; the lyricgen app's **Memorization** panel (记忆检查, under *Look inside*) marks the copied "
                 "lines and runs in any text checked against it.")
    else:
        memo += (". This folder has no `fingerprint.json`, so nothing here can check an output for copied lines: "
                 "assume that some are.")
    out += [memo, f"- **Rights**: {data.rights}"]
    unk = (f" ({metrics['val_unk_rate']:.1%} of the validation words were)" if "val_unk_rate" in metrics else "")
    out += [f"- **`{UNK}`**: every word outside the {config.vocab_size:,}-token vocabulary is `{UNK}`{unk}. The "
            f"generator never writes `{UNK}`; words of a start text that it does not know are fed as `{UNK}` and "
            "reported.",
            "- **Chinese only**: the text is split by jieba; other scripts and punctuation are, at best, rare tokens.",
            ""]
    return out


def folder_card(folder: str | Path) -> str:
    """The card for a weights folder, from its config.json, metrics.json and whether it has fingerprint.json."""
    from .checkpoint import CONFIG_FILE, FINGERPRINT_FILE, METRICS_FILE, read_config, read_json

    folder = Path(folder)
    return model_card(read_config(folder / CONFIG_FILE), read_json(folder / METRICS_FILE) or {},
                      (folder / FINGERPRINT_FILE).is_file())


def write_card(folder: str | Path) -> Path:
    """Rewrite folder/README.md from the folder's own files; no other file is touched."""
    path = Path(folder) / README_FILE
    path.write_text(folder_card(folder), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rewrite the README.md model card of weights folders.")
    parser.add_argument("folders", nargs="+", help="weights folders (config.json, metrics.json, ...)")
    for folder in parser.parse_args(argv).folders:
        print(write_card(folder))


if __name__ == "__main__":
    main()

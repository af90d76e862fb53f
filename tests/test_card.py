"""Model cards (README.md): the shipped weights' and the Lab's zips' cards name the data the model saw and quote
the figures of the folder's own config.json and metrics.json; no template boilerplate. Figures are read from
the files here, never typed in."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch

from lyricgen.card import folder_card, model_card, parameter_count
from lyricgen.checkpoint import read_config, save_checkpoint
from lyricgen.lab import LabConfig, builtin_poems, export_zip, lab_metrics, prepare, train_live
from lyricgen.model import CELLS, LyricModel, ModelConfig
from lyricgen.vocab import Vocab

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["## What it is", "## Architecture and sizes", "## Data", "## Training", "## Evaluation", "## How to load",
            "## Limits"]
BOILERPLATE = "More Information Needed"
SMALL = {"cell": "gru", "hidden_size": 16, "batch_size": 4, "bptt": 8}  # seconds-fast Lab runs


def read_folder(folder: Path) -> tuple[str, dict, dict]:
    """(README.md, config.json, metrics.json) of a weights folder."""
    return ((folder / "README.md").read_text(encoding="utf-8"),
            json.loads((folder / "config.json").read_text(encoding="utf-8")),
            json.loads((folder / "metrics.json").read_text(encoding="utf-8")))


def front_matter(card: str) -> list[str]:
    lines = card.splitlines()
    assert lines[0] == "---"
    return lines[1 : lines.index("---", 1)]


def title(card: str) -> str:
    return next(line for line in card.splitlines() if line.startswith("# "))


def assert_common(card: str, config: dict, metrics: dict) -> None:
    """What every card holds: no boilerplate, every section, the hub's front matter, the sizes and main figures."""
    assert BOILERPLATE not in card
    positions = [card.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    front = front_matter(card)
    assert "library_name: lyricgen" in front and "- zh" in front and "pipeline_tag: text-generation" in front
    assert f"- {config['cell']}" in front
    assert not any(line.startswith("license:") for line in front)  # the repository states no license
    assert config["cell"].upper() in title(card)
    for figure in (f"| layers | {config['num_layers']} |", f"| embedding size | {config['embed_dim']} |",
                   f"| hidden size | {config['hidden_dim']} |", f"| parameters | {metrics['parameters']:,} |",
                   f"{config['vocab_size']:,} tokens", f"| {metrics['val_ppl']:.2f} |",
                   f"| {metrics['ngram_val_ppl']:.2f} |", f"Ratio to the {metrics['ngram_order']}-gram: "
                   f"{metrics['ppl_ratio_to_ngram']:.3f}", f"{metrics['val_tokens']:,} scored tokens",
                   f"{metrics['val_unk_rate']:.1%}", f"{metrics['train_tokens']:,} tokens", "load_checkpoint"):
        assert figure in card, figure


# ---- the shipped weights ----


@pytest.mark.parametrize("cell", CELLS)
def test_shipped_readme_is_what_the_card_function_writes_now(cell):
    """weights/CELL/README.md never goes stale: regenerate with `python -m lyricgen.card weights/CELL`."""
    folder = ROOT / "weights" / cell
    assert (folder / "README.md").read_text(encoding="utf-8") == folder_card(folder)


@pytest.mark.parametrize("cell", CELLS)
def test_shipped_card_names_the_lyrics_and_quotes_metrics(cell):
    card, config, metrics = read_folder(ROOT / "weights" / cell)
    assert_common(card, config, metrics)
    assert "Jay Chou lyrics" in title(card) and "周杰伦歌词" in card and "- lyrics" in front_matter(card)
    assert "poem" not in card.lower()
    assert "**The corpus is not distributed**" in card and metrics["corpus_sha256"] in card
    run = metrics["all_lines_run"]
    for figure in (metrics["command"], f"{run['lines']:,} lines", f"{run['train_tokens']:,} tokens",
                   f"for {run['epochs']} epochs", f"best epoch {metrics['best_epoch']}",
                   f"{metrics['epochs_run']} epochs on the training split", f"{metrics['cache']['val_ppl']:.2f}",
                   f"{metrics['verbatim_lines']} of {metrics['sample_lines']} lines",
                   f"learning rate {metrics['train_config']['lr']:g}", "`fingerprint.json`", "**Memorization**"):
        assert figure in card, figure
    val_lines = round(run["lines"] * metrics["train_config"]["val_fraction"])
    assert f"({val_lines:,} lines, {metrics['val_tokens']:,} scored tokens" in card


@pytest.mark.parametrize("cell", CELLS)
def test_parameter_count_without_metrics_matches_the_shipped_model(cell):
    _, config, metrics = read_folder(ROOT / "weights" / cell)
    assert parameter_count(ModelConfig(**config), {}) == metrics["parameters"]


# ---- folders written by save_checkpoint ----


def test_train_writes_the_card_and_no_template(tiny_weights):
    folder = tiny_weights["lstm"]
    card, config, metrics = read_folder(folder)
    assert card == folder_card(folder)
    assert_common(card, config, metrics)
    assert "Jay Chou" not in card and "`poems.txt`" in title(card)  # the tests' own corpus, named by its file
    assert f"({metrics['train_lines']:,} for training, {metrics['val_lines']:,} held out)" in card


def test_a_folder_without_metrics_still_gets_a_card(tmp_path):
    model = LyricModel(ModelConfig(vocab_size=5, embed_dim=4, hidden_dim=4))
    save_checkpoint(model, Vocab(["<unk>", "<eol>", "a", "b", "c"]), tmp_path / "w")
    card = (tmp_path / "w" / "README.md").read_text(encoding="utf-8")
    assert BOILERPLATE not in card and "no training record" in card
    assert f"| parameters | {model.num_parameters():,} |" in card


# ---- the Lab's zips ----


def lab_zip(text: str, tmp_path: Path, **settings) -> tuple[str, dict, dict]:
    """Train a Lab model briefly on text, export its zip, and read (README.md, config.json, metrics.json) back."""
    torch.set_num_threads(1)
    cfg = LabConfig(**{**SMALL, **settings})
    data = prepare(text, cfg)
    last = list(train_live(data, cfg))[-1]
    path = export_zip(last.model, data.vocab, lab_metrics(last, data, cfg), tmp_path / "lab.zip")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unzipped")
    return read_folder(tmp_path / "unzipped")


def test_lab_zip_card_names_the_poems_and_quotes_its_figures(tmp_path):
    threads = torch.get_num_threads()
    try:
        card, config, metrics = lab_zip(builtin_poems(), tmp_path, max_steps=4)
    finally:
        torch.set_num_threads(threads)
    assert_common(card, config, metrics)
    assert card == model_card(read_config(tmp_path / "unzipped" / "config.json"), metrics, False)
    heading = title(card)
    assert "Lab" in heading and "classical Chinese poems" in heading and "lyrics" not in heading
    assert "Jay Chou" not in card and "- poetry" in front_matter(card) and "- lyrics" not in front_matter(card)
    lines = metrics["train_lines"] + metrics["val_lines"]
    assert lines == len([line for line in builtin_poems().splitlines() if line.strip()])
    for figure in (f"Lines: {lines:,} ({metrics['train_lines']:,} for training, {metrics['val_lines']:,} held out)",
                   f"{metrics['steps']:,} optimizer steps", "`lyricgen/poems.txt`", "project's feeding",
                   f"learning rate {metrics['lab_config']['lr']:g}", "no `fingerprint.json`"):
        assert figure in card, figure


def test_lab_zip_card_for_pasted_text_claims_no_corpus(tmp_path):
    text = "\n".join(builtin_poems().splitlines()[:120])  # not the built-in file: the card cannot know what it is
    threads = torch.get_num_threads()
    try:
        card, config, metrics = lab_zip(text, tmp_path, max_steps=1, feeding="tutorial")
    finally:
        torch.set_num_threads(threads)
    assert_common(card, config, metrics)
    assert "text pasted into the Lab" in title(card) and "tutorial's feeding" in card
    assert "poems.txt" not in card and "Jay Chou" not in card
    assert not {"- lyrics", "- poetry"} & set(front_matter(card))

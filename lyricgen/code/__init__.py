"""The code behind a panel: the shortest clear PyTorch script that computes the panel's numbers for the inputs on
the screen, standalone (the standard library, torch, jieba and safetensors; never lyricgen), with its comments in
the page's language; and the same steps as a notebook (nbformat: a Markdown cell before each code cell).

    script("tokenize", {"text": "窗外的星星"}, "zh", weights="weights/lstm") → the .py's text
    notebook(...) → the .ipynb's JSON text

PANELS (panels.py) lists what each panel's script holds: Tokens & vectors, Generate and most of Look inside there,
Memorization and Memory & attention in inside.py, the Lab's three in lab.py; parts.py holds the steps they share.
"""

from __future__ import annotations

import nbformat

from ..lab import LabConfig
from .lab import LAB_SETTINGS
from .panels import PANELS
from .parts import Cell

HEADER = {
    "zh": '''"""lyricgen · {title}：屏幕上这个面板的数字，用几十行 PyTorch 算出来。

运行：python {file}{weights}
最后一行是这些数字的 JSON。
"""''',
    "en": '''"""lyricgen · {title}: this panel's numbers on the screen, computed in a few dozen lines of PyTorch.

Run: python {file}{weights}
The last line printed is these numbers as JSON.
"""''',
}


# How to run a script that reads a model folder (the others need no --weights).
WEIGHTS_HELP = {
    "zh": """ --weights 模型文件夹
模型文件夹（config.json、model.safetensors、vocab.json）：lyricgen 仓库里的 weights/rnn、weights/lstm、weights/gru，
或实验室下载的 zip 解压出来的文件夹。只用到 torch、jieba、safetensors 和标准库。""",
    "en": """ --weights MODEL_FOLDER
A model folder (config.json, model.safetensors, vocab.json): weights/rnn, weights/lstm or weights/gru of the lyricgen
repository, or the folder a Lab zip unzips into. Needs torch, jieba, safetensors and the standard library only.""",
}


# How to run the training script: it reads a text, not a model.
TRAIN_HELP = {
    "zh": """ [--steps 步数] [--out 文件夹]
TEXT 是 None 时读内置的古诗：lyricgen 仓库里的 lyricgen/poems.txt（实验室的 zip 里也有一份 poems.txt），或用
--text 换成你自己的文字文件。--out 把训练好的模型存成权重文件夹，其他面板的脚本用 --weights 读它。""",
    "en": """ [--steps N] [--out FOLDER]
With TEXT None it reads the built-in poems: lyricgen/poems.txt of the lyricgen repository (the Lab's zip holds a
copy, poems.txt), or a text file of your own with --text. --out saves the model as a weights folder, which the
other panels' scripts read with --weights.""",
}


def header(panel: str, lang: str, title: str) -> str:
    reads = any("$WEIGHTS" in cell.code for cell in PANELS[panel])
    how = TRAIN_HELP[lang] if panel == "train" else WEIGHTS_HELP[lang] if reads else ""
    return HEADER[lang].format(title=title, file=file_name(panel), weights=how)


def train_values(cfg: LabConfig, text: str | None, poems: str) -> dict[str, object]:
    """The training script's values for a Lab run: the screen's settings, then the Lab's others (LabConfig's).
    text None: the built-in poems, read from the file `poems`."""
    shown = {"text": text, "poems": poems, "cell": cfg.cell, "hidden_size": cfg.hidden_size, "lr": cfg.lr,
             "budget": cfg.budget_s, "feeding": cfg.feeding, "start": cfg.start_text, "tokens": cfg.tokens}
    return shown | {name: getattr(cfg, name) for name in LAB_SETTINGS}


def file_name(panel: str) -> str:
    return f"lyricgen_{panel}.py"


def cells(panel: str, values: dict[str, object], lang: str, weights: str) -> list[tuple[str, str]]:
    """[(what the step does, its code)] for these inputs ({name: value}, the panel's names) and model folder."""
    filled = {name.upper(): value for name, value in values.items()} | {"WEIGHTS": weights}
    steps: tuple[Cell, ...] = PANELS[panel]
    return [(cell.title(lang), cell.render(lang, filled)) for cell in steps]


def script(panel: str, values: dict[str, object], lang: str, weights: str, title: str) -> str:
    """The panel's script: a header saying how to run it, then each step under a `# %%` line (editors and
    Jupyter read those as cells) with what it does."""
    parts = [header(panel, lang, title)]
    for what, code in cells(panel, values, lang, weights):
        parts.append(f"# %% {what}\n{code}")
    return "\n\n\n".join(parts) + "\n"


def notebook(panel: str, values: dict[str, object], lang: str, weights: str, title: str) -> str:
    """The same steps as a notebook: the header as its first Markdown cell, then a Markdown cell saying what each
    step does before its code."""
    book = nbformat.v4.new_notebook()
    book.cells.append(nbformat.v4.new_markdown_cell(header(panel, lang, title).strip('"\n')))
    for what, code in cells(panel, values, lang, weights):
        book.cells += [nbformat.v4.new_markdown_cell(what), nbformat.v4.new_code_cell(code)]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(book)
    return nbformat.writes(book)

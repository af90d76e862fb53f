"""The pieces every panel's script is made of: a cell is a step (a Markdown line saying what it does, then its
code), and the steps several panels share are written here once: the imports, loading a weights folder into
nn.Embedding + nn.RNN/LSTM/GRU + nn.Linear, splitting text as the model's training text was, one step of the
cell, and drawing the next word (temperature, top-k, top-p, the seeded draw).

A cell's code is a template: `$NAME` is replaced by a value (as a Python literal, repr: what a student typed
can never become code), and of a comment's two lines, `#zh 中文` and `#en English`, the page's language's stays
(as `# 中文` or `# English`). Every line
here is what the app computes (lyricgen/tokens.py, model.py, generate.py, sampling.py), written out
standalone: tests/test_code.py runs each script and compares its numbers with the panel's.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template


@dataclass(frozen=True)
class Cell:
    zh: str  # what the step does, one line, shown before its code (a notebook's Markdown cell)
    en: str
    code: str  # the template (above)

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def render(self, lang: str, values: dict[str, object]) -> str:
        code = Template(self.code).substitute({name: repr(value) for name, value in values.items()})
        lines = []
        for line in code.splitlines():
            stripped = line.lstrip()
            if stripped.startswith(("#zh ", "#en ")):
                if stripped[1:3] != lang:
                    continue
                line = line[: len(line) - len(stripped)] + "# " + stripped[4:]
            lines.append(line)
        return "\n".join(lines).strip("\n")


IMPORTS = Cell("导入要用的库：标准库、torch、jieba、safetensors",
               "The libraries: the standard library, torch, jieba, safetensors", '''
import argparse
import json
import logging
from pathlib import Path

import jieba
import torch
from safetensors.torch import load_file
from torch import nn
''')

WEIGHTS = Cell("读取权重文件夹：config.json（大小）、model.safetensors（权重）、vocab.json（词表）",
               "Read the weights folder: config.json (the sizes), model.safetensors (the weights), vocab.json", '''
#zh --weights：模型的文件夹（默认是屏幕上这个模型的）
#en --weights: the model's folder (default: the one on the screen)
parser = argparse.ArgumentParser()
parser.add_argument("--weights", default=$WEIGHTS)
args, _ = parser.parse_known_args()  # a notebook passes arguments of its own: leave them
folder = Path(args.weights)
config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
saved = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
#zh 词表：一串词，第 i 个词的编号是 i；按字切分的模型存成 {"split": "char", "tokens": [...]}
#en The vocabulary: a list of words, id i is the i-th; a model of characters saves {"split": "char", "tokens": [...]}
split, tokens = (saved["split"], saved["tokens"]) if isinstance(saved, dict) else ("word", saved)
index = {token: i for i, token in enumerate(tokens)}
UNK, EOL = "<unk>", "<eol>"  # ids 0 and 1: an unknown word, and the line break
print(config)
''')

MODEL = Cell("搭出模型：nn.Embedding → nn.RNN / nn.LSTM / nn.GRU → nn.Linear，载入权重（strict：一个不多一个不少）",
             "Build the model: nn.Embedding → nn.RNN / nn.LSTM / nn.GRU → nn.Linear, and load the weights (strict)", '''
class LyricModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embedding = nn.Embedding(config["vocab_size"], config["embed_dim"])
        cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config["cell"]]
        self.rnn = cell(config["embed_dim"], config["hidden_dim"], num_layers=config["num_layers"])
        self.head = nn.Linear(config["hidden_dim"], config["vocab_size"])

    def forward(self, ids, hidden=None):
        #zh ids: (seq_len, batch) → 词向量 (seq_len, batch, embed_dim) → 输出 (seq_len, batch, hidden_dim) → logits
        #en ids: (seq_len, batch) → vectors (seq_len, batch, embed_dim) → outputs (seq_len, batch, hidden_dim) → logits
        out, hidden = self.rnn(self.embedding(ids), hidden)
        return self.head(out), hidden, out


model = LyricModel(config)
state = load_file(folder / "model.safetensors")
if config.get("tie_weights"):  # the output layer shares the embedding's matrix: saved once
    state["head.weight"] = state["embedding.weight"]
model.load_state_dict(state)  # strict: every tensor's name and shape must match
model.eval()  # dropout is for training only
torch.set_grad_enabled(False)
''')

SPLIT = Cell("把文字切成词（jieba，和训练时一样；按字的模型就一个字一个词），换行是 <eol>，再查出编号",
             "Split text as in training (jieba's words; one per character for a model of characters), <eol> for a "
             "line break, then look up the ids", '''
jieba.setLogLevel(logging.WARNING)


def split_line(line):
    if split == "char":
        return [ch for ch in line if not ch.isspace()]
    return [word for word in jieba.lcut(line.strip()) if word.strip()]


def words_of(text):
    words = []
    for i, line in enumerate(line.strip() for line in text.splitlines() if line.strip()):
        if i:
            words.append(EOL)
        words.extend(split_line(line))
    return words


def ids_of(words):
    return [index.get(word, index[UNK]) for word in words]  # a word outside the vocabulary is <unk>
''')

STEP = Cell("模型往前走一个词：新的隐藏状态和下一个词的 logits", "One step of the model: the new hidden state and the "
            "next word's logits", '''
def step(token_id, hidden):
    #zh 和 nn.RNN/LSTM/GRU 同样的公式，一次一个词（torch 的单步函数，和 app 一样）
    #en The same equations as nn.RNN/LSTM/GRU, one word at a time (torch's single-step functions, as the app)
    x = model.embedding.weight[token_id].unsqueeze(0)  # (1, embed_dim): batch 1
    rnn, new = model.rnn, []
    for k in range(rnn.num_layers):
        w = [getattr(rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if config["cell"] == "lstm":
            x, c = torch.lstm_cell(x, (hidden[0][k], hidden[1][k]), *w)
            new.append((x, c))
        else:
            cell_step = torch.gru_cell if config["cell"] == "gru" else torch.rnn_tanh_cell
            x = cell_step(x, hidden[k], *w)
            new.append(x)
    if config["cell"] == "lstm":
        hidden = (torch.stack([h for h, _ in new]), torch.stack([c for _, c in new]))
    else:
        hidden = torch.stack(new)
    return model.head(x)[0], hidden
''')

DRAW = Cell("挑下一个词：除以温度 T，只留前 k 个（top-k）、概率加起来到 p 为止（top-p），再用种子抽一个",
            "Choose the next word: divide by the temperature T, keep the top k, then the likeliest words holding p "
            "of the probability (top-p), and draw one with the seeded generator", '''
def distribution(logits, temperature, top_k, top_p):
    scores = logits.float() / temperature if temperature > 0 else logits.float().clone()
    scores[index[UNK]] = float("-inf")  # <unk> is never written
    if temperature <= 0:  # T = 0: always the likeliest word
        probs = torch.zeros_like(scores)
        probs[int(torch.argmax(scores))] = 1.0
        return probs
    if top_k and 0 < top_k < scores.numel():
        kth = torch.topk(scores, top_k, sorted=False).values.min()
        scores.masked_fill_(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    if top_p < 1:
        ranked, order = torch.sort(probs, descending=True, stable=True)
        mass = torch.cumsum(ranked, 0, dtype=torch.float64)
        keep = min(int(torch.searchsorted(mass, top_p)) + 1, probs.numel())
        kept = torch.zeros_like(probs)
        kept[order[:keep]] = ranked[:keep]
        probs = kept / kept.sum()
    return probs


def draw(probs, generator):
    #zh 一个 0 到 1 的随机数 u，落在累积概率的哪一段就选哪个词
    #en One uniform number u: the word whose share of the cumulative probability it falls in
    cdf = torch.cumsum(probs, 0, dtype=torch.float64)
    u = torch.rand(1, dtype=torch.float64, generator=generator).item() * cdf[-1].item()
    i = int(torch.searchsorted(cdf, u, right=True))
    return i if i < cdf.numel() else int(probs.nonzero()[-1])


def join(words):
    #zh 词连起来：中文紧挨着，英文词之间留空格，<eol> 换行
    #en Words back to text: Chinese touches, Latin words keep a space, <eol> is a new line
    out = []
    for word in words:
        if word == EOL:
            out.append("\\n")
            continue
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and word[:1].isascii() and word[:1].isalnum():
            out.append(" ")
        out.append(word)
    return "".join(out)
''')

GENERATE = Cell("从开头的词出发，一个词一个词地写", "Write, one word after another, from the start text", '''
#zh 同一个种子，同样的随机数，同样的歌词（空着：随机取一个，打印出来）
#en Same seed, same random numbers, same lyrics (none: a random one, printed)
seed = SEED if SEED is not None else torch.seed()
print("seed", seed)
generator = torch.Generator().manual_seed(seed)
prompt = words_of(START)
prompt_ids = [index[EOL], *ids_of(prompt)]  # a text starts "at the beginning of a line"
logits, hidden, _ = model(torch.tensor(prompt_ids).unsqueeze(1))  # (prefix_len, 1, vocab_size)
last = logits[-1, 0]
written, steps = [], []
for i in range(LENGTH):
    if i:
        last, hidden = step(token_id, hidden)
    probs = distribution(last, TEMPERATURE, TOP_K, TOP_P)
    token_id = draw(probs, generator) if TEMPERATURE > 0 else int(probs.argmax())
    steps.append((last, probs, token_id))
    written.append(tokens[token_id])
text = join([*prompt, *written])
print(text)
''')

CELL_BY_HAND = Cell("一个单元一步的公式，照 PyTorch 的参数写出来（它把各个门的行叠在一个矩阵里）",
                    "One step of the cell, written out on PyTorch's own parameters (it stacks the gates' rows in "
                    "one matrix)", '''
def cell_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    if config["cell"] == "rnn":  # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), c, {}
    if config["cell"] == "lstm":  # the rows: input gate i, forget gate f, candidate g, output gate o
        i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g  # forget some of the old memory, write some of the new
        return o * torch.tanh(c), c, {"i": i, "f": f, "g": g, "o": o}
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3)  # GRU: reset gate r, update gate z, candidate n
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h, c, {"r": r, "z": z, "n": n}
''')

LOADED = (IMPORTS, WEIGHTS, MODEL)  # every script's start: the libraries, the folder read, the model built


def inputs(names: tuple[str, ...]) -> Cell:
    """The panel's inputs as the screen holds them."""
    return Cell("屏幕上的输入", "The inputs on the screen", "\n".join(f"{name.upper()} = ${name.upper()}"
                                                                  for name in names))

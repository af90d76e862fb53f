"""The scripts of the Lab's three panels: Shapes (no weights: nn.RNN/LSTM/GRU built from the arguments on the
screen), Vanishing gradients (autograd through the cell written out, on a weights folder) and Train it yourself
(a model from scratch, as lyricgen/lab.py trains it: the text split and counted, the two feedings, the loop)."""

from __future__ import annotations

from .parts import CELL_BY_HAND, DRAW, LOADED, SPLIT, STEP, Cell, inputs

SHAPES = (
    inputs(("mode", "seq_len", "batch", "input_size", "hidden_size", "num_layers", "bidirectional", "batch_first",
            "wrong")),
    Cell("导入 torch", "Import torch", '''
import json

import torch
from torch import nn
'''),
    Cell("按屏幕上的参数造一层 nn.RNN / nn.LSTM / nn.GRU", "Build the layer with the arguments on the screen", '''
cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[MODE]
layer = cell(INPUT_SIZE, HIDDEN_SIZE, num_layers=NUM_LAYERS, bidirectional=BIDIRECTIONAL, batch_first=BATCH_FIRST)
directions = 2 if BIDIRECTIONAL else 1
'''),
    Cell("输入和初始状态的形状：input 是 (seq_len, batch, input_size)（batch_first 时前两个对调），h0 是 "
         "(num_layers × 方向数, batch, hidden_size)", "The input's and the first state's shapes: input (seq_len, "
         "batch, input_size) (the first two swapped with batch_first), h0 (num_layers × directions, batch, "
         "hidden_size)", '''
x_shape = (BATCH, SEQ_LEN, INPUT_SIZE) if BATCH_FIRST else (SEQ_LEN, BATCH, INPUT_SIZE)
h_shape = (NUM_LAYERS * directions, BATCH, HIDDEN_SIZE)  # whatever batch_first says
c_shape = h_shape
if WRONG == "input":  # one feature too many: word vectors longer than the layer's input_size
    x_shape = (*x_shape[:2], INPUT_SIZE + 1)
elif WRONG == "h0":  # laid out batch first, as if batch_first applied to it too
    layers, batch, hidden = h_shape
    h_shape = (batch, layers, hidden) if batch != layers else (layers, batch, hidden + 1)
generator = torch.Generator().manual_seed(0)  # the values do not matter here, only the shapes
x, h0 = torch.randn(x_shape, generator=generator), torch.randn(h_shape, generator=generator)
tensors = [["input", list(x.shape)], ["h0", list(h0.shape)]]
hx = h0
if MODE == "lstm":  # the LSTM's state is two tensors: h and the cell's memory c
    c0 = torch.randn(c_shape, generator=generator)
    tensors.append(["c0", list(c0.shape)])
    hx = (h0, c0)
'''),
    Cell("跑一次：形状不对时，PyTorch 在算之前就报错", "Run it once: with a wrong shape, PyTorch says so before "
         "computing anything", '''
error = None
try:
    output, h_n = layer(x, hx)
except (RuntimeError, ValueError) as e:
    error = str(e)
    print("PyTorch:", error)
else:
    tensors.append(["output", list(output.shape)])
    if MODE == "lstm":
        tensors += [["h_n", list(h_n[0].shape)], ["c_n", list(h_n[1].shape)]]
    else:
        tensors.append(["h_n", list(h_n.shape)])
for name, shape in tensors:
    print(name, tuple(shape))
'''),
    Cell("每个权重和偏置的形状，参数一共多少个", "Every weight's and bias's shape, and how many parameters in all",
         '''
parameters = [[name, list(p.shape)] for name, p in layer.named_parameters()]
for name, shape in parameters:
    print(name, tuple(shape))
count = sum(p.numel() for p in layer.parameters())
print(f"{count:,} parameters")
'''),
    Cell("最后一行：所有形状和参数个数（JSON）", "Last line: every shape and the parameter count (JSON)", '''
print(json.dumps({"tensors": tensors, "parameters": parameters, "count": count, "error": error}))
'''),
)

GRADIENTS = (
    inputs(("source", "text", "length", "seed", "scale", "clip")),
    *LOADED, SPLIT, CELL_BY_HAND,
    Cell("喂进去的词：一句话（从行首的 <eol> 开始），或者 LENGTH 个随机的词再加一个要预测的",
         "The words fed: a sentence (from the line's start, <eol>), or LENGTH random words and one more to "
         "predict", '''
import random

torch.set_grad_enabled(True)  # the model was loaded without gradients: this panel needs them
if SOURCE == "random":
    seed = SEED if SEED is not None else random.randrange(2**31)
    print("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, len(tokens), (LENGTH + 1,), generator=generator).tolist()  # never <unk> or <eol>
else:
    ids = [index[EOL], *ids_of(words_of(TEXT))]
'''),
    Cell("损失 L 是最后一个词的 −log p；autograd 求 ∂L/∂h_t：公式一步一步写出来，每个 h_t 都是图里单独的一个节点",
         "The loss L is the last word's −log p; autograd gives ∂L/∂h_t: with the cell written out step by step, "
         "every h_t is a node of its own in the graph", '''
def state_gradients(w_hh_scale=1.0):
    """(‖∂L/∂h_t‖ for t = 1..T, the LSTM's ‖∂L/∂c_t‖, the top layer's mean keep gate: f, or the GRU's z)."""
    x = model.embedding.weight[torch.tensor(ids[:-1])]  # (T, embed_dim)
    top = config["num_layers"] - 1
    for k in range(config["num_layers"]):
        w = [getattr(model.rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if k == top:
            w[1] = w[1] * w_hh_scale  # a scaled copy of W_hh: the model keeps its own
        h = c = torch.zeros(config["hidden_dim"])
        hs, cs, kept = [], [], []
        for x_t in x:
            h, c, gates = cell_step(x_t, h, c, *w)
            hs.append(h)
            cs.append(c)
            kept.append(gates.get("f", gates.get("z")))  # LSTM: f; GRU: z; RNN: none
        x = torch.stack(hs)  # (T, hidden_dim): the next layer's input
    loss = nn.functional.cross_entropy(model.head(hs[-1]).unsqueeze(0), torch.tensor([ids[-1]]))
    lstm = config["cell"] == "lstm"
    grads = torch.autograd.grad(loss, hs + cs if lstm else hs)  # the gradient reaching each state
    h_norms = [float(g.norm()) for g in grads[: len(hs)]]
    c_norms = [float(g.norm()) for g in grads[len(hs):]] if lstm else None
    keep = float(torch.stack(kept).mean()) if kept[0] is not None else None
    return h_norms, c_norms, keep


h_norms, c_norms, keep = state_gradients()
for distance, norm in enumerate(reversed(h_norms)):  # distance 0: the last step
    print(distance, f"|dL/dh_t| = {norm:.3e}")
print("far / near:", h_norms[0] / h_norms[-1], "mean keep gate:", keep)
'''),
    Cell("只对 RNN：W_hh 乘 SCALE（谱半径：最大的 |特征值|），再像 clip_grad_norm_ 那样把整个梯度缩到 CLIP 以内",
         "The plain RNN only: W_hh times SCALE (its spectral radius: the largest |eigenvalue|), then the whole "
         "gradient clipped to CLIP as clip_grad_norm_ does", '''
scaled = None
if config["cell"] == "rnn":
    w_hh = getattr(model.rnn, f"weight_hh_l{config['num_layers'] - 1}")
    radius = float(torch.linalg.eigvals((w_hh * SCALE).detach().double()).abs().max())
    norms, _, _ = state_gradients(SCALE)
    total = sum(n * n for n in norms) ** 0.5  # all steps' gradients as one vector
    factor = min(1.0, CLIP / (total + 1e-6)) if CLIP else 1.0  # clip_grad_norm_'s rule: one factor for all steps
    scaled = {"radius": radius, "norms": norms, "clipped": [n * factor for n in norms], "factor": factor}
    print(f"spectral radius {radius:.3f}, far / near {norms[0] / norms[-1]:.1e}, clipping multiplies by {factor:.3g}")
'''),
    Cell("最后一行：每一步的梯度大小（JSON）", "Last line: the gradient's size at every step (JSON)", '''
print(json.dumps({"h": h_norms, "c": c_norms, "keep": keep, "scaled": scaled}))
'''),
)

# The Lab's settings that have no widget: lyricgen.lab.LabConfig's, passed in as the script's constants.
LAB_SETTINGS = ("num_layers", "dropout", "embed_dropout", "weight_decay", "clip", "bptt", "batch_size",
                "tutorial_share", "unk_alpha", "min_count", "val_fraction", "eval_every", "sample_every",
                "sample_length", "temperature", "seed")

TRAIN = (
    inputs(("text", "poems", "cell", "hidden_size", "lr", "budget", "feeding", "start", "tokens")),
    Cell("实验室没有放在屏幕上的设置", "The Lab's settings that are not on the screen",
         "\n".join(f"{name.upper()} = ${name.upper()}" for name in LAB_SETTINGS)),
    Cell("导入要用的库", "The libraries", '''
import argparse
import json
import logging
import time
from collections import Counter
from pathlib import Path

import jieba
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn
'''),
    Cell("训练用的文字：屏幕上贴的歌词；TEXT 是 None 时，读内置的古诗 --text 文件。最后 10% 的行留作验证",
         "The text to train on: the lyrics pasted on the screen; with TEXT None, the built-in poems' file "
         "(--text). The last 10% of the lines are held out for validation", '''
parser = argparse.ArgumentParser()
parser.add_argument("--text", default=POEMS, help="a UTF-8 file, one line a line (used when TEXT is None)")
parser.add_argument("--steps", type=int, default=None, help="stop after this many steps, if the budget has not")
parser.add_argument("--out", default=None, help="save the model here as a weights folder")
args, _ = parser.parse_known_args()
text = TEXT if TEXT is not None else Path(args.text).read_text(encoding="utf-8")
lines = [line.strip() for line in text.splitlines() if line.strip()]
cut = len(lines) - max(1, round(len(lines) * VAL_FRACTION))  # not shuffled: a repeated chorus would leak
train_lines, val_lines = lines[:cut], lines[cut:]
split, UNK, EOL = TOKENS, "<unk>", "<eol>"  # "char": one token per character; "word": jieba's words
'''),
    SPLIT,
    Cell("词表：训练部分里出现至少 MIN_COUNT 次的词，最常见的在前；<unk> 是 0，<eol> 是 1",
         "The vocabulary: the words seen at least MIN_COUNT times in the training part, the commonest first; "
         "<unk> is 0, <eol> 1", '''
def stream(lines):
    out = [EOL]  # [<eol>, words of line 1..., <eol>, words of line 2..., <eol>]
    for line in lines:
        out += [*split_line(line), EOL]
    return out


train_tokens, val_tokens = stream(train_lines), stream(val_lines)
counts = Counter(t for t in train_tokens if t not in (UNK, EOL))
tokens = [UNK, EOL, *sorted((w for w, c in counts.items() if c >= MIN_COUNT), key=lambda w: (-counts[w], w))]
index = {token: i for i, token in enumerate(tokens)}
train_ids, val_ids = torch.tensor(ids_of(train_tokens)), ids_of(val_tokens)
val_words = [w for w in val_tokens if w != EOL]
val_unk_rate = sum(w not in index for w in val_words) / max(1, len(val_words))
print(len(tokens), "tokens in the vocabulary;", f"{val_unk_rate:.0%} of the validation words are unknown")
'''),
    Cell("每读一遍训练文字，把少见的词随机藏成 <unk>（出现 c 次的词，概率 a/(a+c)）：模型学会没见过的词有多常见",
         "Each pass over the training text hides rare words as <unk> at random (a word seen c times with chance "
         "a/(a+c)): the model learns how often an unknown word comes", '''
seen = torch.bincount(train_ids, minlength=len(tokens)).float()
unk_prob = UNK_ALPHA / (UNK_ALPHA + seen.clamp(min=1)) if UNK_ALPHA > 0 else torch.zeros(len(tokens))
unk_prob[[index[UNK], index[EOL]]] = 0.0


def epoch_ids(epoch):
    generator = torch.Generator().manual_seed(SEED * 1000 + epoch)  # the same pass, the same words hidden
    hide = torch.rand(train_ids.shape, generator=generator) < unk_prob[train_ids]
    return torch.where(hide, torch.full_like(train_ids, index[UNK]), train_ids)
'''),
    Cell("模型：nn.Embedding → nn.RNN/LSTM/GRU → nn.Linear（和词向量共用一个矩阵），训练时加 dropout",
         "The model: nn.Embedding → nn.RNN/LSTM/GRU → nn.Linear (sharing the embedding's matrix), with dropout "
         "in training", '''
def locked_dropout(x, training, p=DROPOUT):
    #zh 一个窗口里每一步用同一个遮罩（x 是 (seq_len, batch, dim)）
    #en One mask for every step of a window (x is (seq_len, batch, dim))
    if not training or p == 0:
        return x
    return x * torch.empty(1, x.size(1), x.size(2)).bernoulli_(1 - p) / (1 - p)


class LyricModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(len(tokens), HIDDEN_SIZE)
        cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[CELL]
        self.rnn = cell(HIDDEN_SIZE, HIDDEN_SIZE, num_layers=NUM_LAYERS, dropout=DROPOUT if NUM_LAYERS > 1 else 0.0)
        self.head = nn.Linear(HIDDEN_SIZE, len(tokens))
        self.head.weight = self.embedding.weight  # a word's input and output vector: one matrix
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.head.bias)

    def forward(self, ids, hidden=None):
        weight = self.embedding.weight
        if self.training and EMBED_DROPOUT > 0:  # drop whole words' vectors
            weight = weight * (torch.rand(weight.size(0), 1) >= EMBED_DROPOUT) / (1 - EMBED_DROPOUT)
        out, hidden = self.rnn(locked_dropout(F.embedding(ids, weight), self.training), hidden)
        return self.head(locked_dropout(out, self.training)), hidden, out


torch.manual_seed(SEED)  # the same seed, the same first weights as the Lab's
model = LyricModel()
config = {"cell": CELL}  # what step() below reads
print(sum(p.numel() for p in model.parameters()), "parameters")
'''),
    STEP, DRAW,
    Cell("验证损失和样本：同一个开头、同一个种子，样本之间的差别只来自模型学到的东西",
         "The validation loss, and samples: the same start and seed every time, so they differ only by what the "
         "model has learnt", '''
def val_loss():
    model.eval()
    with torch.no_grad():
        ids = torch.tensor(val_ids)
        logits, _, _ = model(ids[:-1].unsqueeze(1))  # (num_tokens - 1, 1, vocab)
        loss = F.cross_entropy(logits[:, 0], ids[1:])
    model.train()
    return float(loss)


def sample():
    model.eval()
    with torch.no_grad():
        generator = torch.Generator().manual_seed(SEED)
        prompt = words_of(START)
        logits, hidden, _ = model(torch.tensor([index[EOL], *ids_of(prompt)]).unsqueeze(1))
        last, written = logits[-1, 0], []
        for i in range(SAMPLE_LENGTH):
            if i:
                last, hidden = step(token_id, hidden)
            probs = distribution(last, TEMPERATURE, 0, 1.0)
            token_id = draw(probs, generator) if TEMPERATURE > 0 else int(probs.argmax())
            written.append(tokens[token_id])
    model.train()
    return join([*prompt, *written])
'''),
    Cell("两种喂法。tutorial：随机的窗口，都从零状态开始，只从文字的前 3% 起；project：整段文字切成 BATCH_SIZE 列"
         "按顺序读，状态接着用（detach）",
         "The two feedings. tutorial: random windows, each from a zero state, starting only in the text's first "
         "3%; project: the whole text cut into BATCH_SIZE columns read in order, the state carried (detached)", '''
#zh project 的一批：一列是文字里连续的一段，一次读 BPTT 行
#en A project batch: a column is one stretch of the text, BPTT rows read at a time
#   text  a b c d e f g h i j k l   →   columns   a d g j    rows 0..BPTT-1: inputs
#                                                 b e h k    the same shifted one row: targets
#                                                 c f i l
def tutorial_feed():
    generator = torch.Generator().manual_seed(SEED)
    n, fed, epoch = train_ids.numel(), 0, 0
    window = min(BPTT, n - 1)
    count = max(1, min(max(int(n * TUTORIAL_SHARE), window), n - window))  # how many places a window may start
    offsets = torch.arange(window + 1).unsqueeze(1)  # (window + 1, 1)
    ids = epoch_ids(epoch)
    while True:
        if fed // n != epoch:  # a text's worth of tokens fed: a new draw of hidden words
            epoch = fed // n
            ids = epoch_ids(epoch)
        chunk = ids[offsets + torch.randint(0, count, (BATCH_SIZE,), generator=generator)]  # (window + 1, batch)
        fed += window * BATCH_SIZE
        yield chunk[:-1], chunk[1:], True  # True: start from a zero state


def project_feed():
    epoch = 0
    while True:
        ids = epoch_ids(epoch)
        rows = ids.numel() // BATCH_SIZE
        columns = ids[: rows * BATCH_SIZE].view(BATCH_SIZE, rows).t()  # (rows, batch)
        for k, row in enumerate(range(0, rows - 1, BPTT)):
            n = min(BPTT, rows - 1 - row)
            yield columns[row : row + n], columns[row + 1 : row + 1 + n], k == 0
        epoch += 1
'''),
    Cell("训练：AdamW，梯度裁剪到 CLIP，直到 BUDGET 秒用完", "Train: AdamW, gradients clipped to CLIP, until the "
         "BUDGET seconds are spent", '''
optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
feed = tutorial_feed() if FEEDING == "tutorial" else project_feed()
history = {"val": [[0, val_loss()]], "train": [], "samples": [[0, sample()]]}
print(history["samples"][0][1])
start, steps, hidden = time.perf_counter(), 0, None
model.train()
while time.perf_counter() - start < BUDGET and (args.steps is None or steps < args.steps):
    inputs, targets, fresh = next(feed)  # each (window, batch)
    if fresh:
        hidden = None  # a zero state
    else:  # the state carried on, its history cut: gradients flow back one window at most
        hidden = tuple(h.detach() for h in hidden) if CELL == "lstm" else hidden.detach()
    logits, hidden, _ = model(inputs, hidden)  # (window, batch, vocab)
    loss = F.cross_entropy(logits.reshape(-1, len(tokens)), targets.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), CLIP)  # an RNN's gradient can explode
    optimizer.step()
    steps += 1
    history["train"].append(loss.item())
    if steps % EVAL_EVERY == 0:
        history["val"].append([steps, val_loss()])
        print(steps, "train", round(loss.item(), 3), "validation", round(history["val"][-1][1], 3))
    if steps % SAMPLE_EVERY == 0:
        history["samples"].append([steps, sample()])
        print(history["samples"][-1][1])
if history["val"][-1][0] != steps:
    history["val"].append([steps, val_loss()])
'''),
    Cell("保存（--out）：一个权重文件夹，lyricgen 和其他面板的脚本都能读", "Save (--out): a weights folder that "
         "lyricgen and the other panels' scripts read", '''
if args.out:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items() if k != "head.weight"}  # tied: once
    save_file(state, out / "model.safetensors")
    sizes = {"vocab_size": len(tokens), "cell": CELL, "embed_dim": HIDDEN_SIZE, "hidden_dim": HIDDEN_SIZE,
             "num_layers": NUM_LAYERS, "dropout": DROPOUT, "embed_dropout": EMBED_DROPOUT, "weight_drop": 0.0,
             "tie_weights": True}
    (out / "config.json").write_text(json.dumps(sizes, indent=2), encoding="utf-8")
    saved = tokens if split == "word" else {"split": split, "tokens": tokens}
    (out / "vocab.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
'''),
    Cell("最后一行：词表、验证损失和样本（JSON）", "Last line: the vocabulary, the validation losses and the "
         "samples (JSON)", '''
print(json.dumps({"vocab_size": len(tokens), "train_tokens": train_ids.numel(), "val_tokens": len(val_ids) - 1,
                  "val_unk_rate": val_unk_rate, "steps": steps, "val": history["val"],
                  "samples": history["samples"], "train": history["train"]}, ensure_ascii=False))
'''),
)

"""Inside the cell: the recurrence computed by hand from the model's own weights, step by step.

nn.RNN, nn.LSTM and nn.GRU run their equations in fused C++ code; here the same equations are
written out with the same parameters (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}),
so every gate can be shown, and each trace reports how far it lies from what PyTorch computes.

PyTorch stacks the gates' rows in one matrix: the LSTM's rows are [i, f, g, o], the GRU's [r, z, n].

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM  i, f, o = σ(...), g = tanh(...);  c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
    GRU   r, z = σ(W_i x_t + b_i + W_h h_{t-1} + b_h);  n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))
          h_t = (1 - z) * n + z * h_{t-1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from PIL import Image

from .checkpoint import Checkpoint
from .checks import InputError, check_text
from .generate import make_prompt
from .insight import MAX_TEXT_CHARS, esc, evaluating, heatmap_image
from .model import LyricModel
from .tokens import UNK

# What each cell's trace holds besides h, in the order a lesson introduces them.
GATES = {
    "rnn": [],
    "lstm": ["i", "f", "g", "o", "c"],  # input, forget, output gates; candidate g; cell state c
    "gru": ["r", "z", "n"],  # reset and update gates; candidate n
}
GATE_NAMES = {
    "h": "隐藏状态 hidden state h_t",
    "i": "输入门 input gate i",
    "f": "遗忘门 forget gate f",
    "g": "候选值 candidate g",
    "o": "输出门 output gate o",
    "c": "细胞状态 cell state c_t",
    "r": "重置门 reset gate r",
    "z": "更新门 update gate z",
    "n": "候选值 candidate n",
}


@dataclass
class LayerTrace:
    h: np.ndarray  # (seq_len, hidden_dim): h_t after each step
    gates: dict[str, np.ndarray] = field(default_factory=dict)  # name → (seq_len, hidden_dim), see GATES


@dataclass
class HiddenTrace:
    cell: str
    tokens: list[str]  # the inputs, one per step: <eol> first (the start of a line), then the words
    token_ids: list[int]
    unknown: list[str]  # words of the text the vocabulary lacks (fed as <unk>)
    layers: list[LayerTrace]  # layers[0] reads the word vectors, layers[k] reads layers[k-1].h
    max_abs_diff: float  # largest |hand-computed − nn.RNN/LSTM/GRU| over the outputs and final states

    def table(self) -> pd.DataFrame:
        """One row per step: the word read, and the size of h_t (its norm) in every layer."""
        rows = []
        for t, (token, token_id) in enumerate(zip(self.tokens, self.token_ids, strict=True)):
            row = {"步 step": t, "输入 input": token, "id": token_id}
            for k, layer in enumerate(self.layers):
                row[f"|h| layer {k}"] = round(float(np.linalg.norm(layer.h[t])), 3)
            rows.append(row)
        return pd.DataFrame(rows)


def layer_weights(model: LyricModel, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Layer k's (W_ih, W_hh, b_ih, b_hh), read by name from the cell, detached."""
    rnn = model.rnn
    names = (f"weight_ih_l{k}", f"weight_hh_l{k}", f"bias_ih_l{k}", f"bias_hh_l{k}")
    return tuple(getattr(rnn, name).detach().float() for name in names)  # type: ignore[return-value]


def run_layer(cell: str, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
              b_hh: torch.Tensor, relu: bool = False) -> dict[str, torch.Tensor]:
    """One layer over a sequence x (seq_len, input_dim), from zero state → {"h": (seq_len, hidden), gates...}."""
    seq_len, hidden_dim = x.size(0), w_hh.size(1)
    # The input half of every step needs no previous state: one matrix product for all steps.
    xi = x @ w_ih.T + b_ih  # (seq_len, gates * hidden_dim)
    h = torch.zeros(hidden_dim, device=x.device)  # h_0 = 0, as nn.RNN starts when no state is given
    c = torch.zeros(hidden_dim, device=x.device)  # the LSTM's c_0
    out: dict[str, list[torch.Tensor]] = {name: [] for name in ["h", *GATES[cell]]}
    for t in range(seq_len):
        hh = w_hh @ h + b_hh  # (gates * hidden_dim,): the recurrent half
        if cell == "rnn":
            pre = xi[t] + hh  # (hidden_dim,)
            h = torch.relu(pre) if relu else torch.tanh(pre)
        elif cell == "lstm":
            i, f, g, o = (xi[t] + hh).chunk(4)  # each (hidden_dim,): PyTorch's row order
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g  # forget some of the old memory, write some of the new
            h = o * torch.tanh(c)  # show part of the memory
            for name, value in zip("ifgoc", (i, f, g, o, c), strict=True):
                out[name].append(value)
        else:  # gru
            xr, xz, xn = xi[t].chunk(3)  # each (hidden_dim,)
            hr, hz, hn = hh.chunk(3)
            r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)  # the reset gate scales the old state's share of the candidate
            h = (1 - z) * n + z * h  # z near 1 keeps the old state
            for name, value in zip("rzn", (r, z, n), strict=True):
                out[name].append(value)
        out["h"].append(h)
    return {name: torch.stack(values) for name, values in out.items()}  # each (seq_len, hidden_dim)


def trace_ids(model: LyricModel, ids: list[int]) -> tuple[list[LayerTrace], float]:
    """Hand-computed states of every layer for token ids, and the largest gap from model.rnn's own run."""
    cell = model.config.cell
    relu = getattr(model.rnn, "nonlinearity", "tanh") == "relu"
    index = torch.tensor(ids, dtype=torch.long, device=model.device)  # (seq_len,)
    with torch.inference_mode(), evaluating(model):
        x = model.embedding.weight.detach()[index].float()  # (seq_len, embed_dim)
        layers = []
        for k in range(model.config.num_layers):
            states = run_layer(cell, x, *layer_weights(model, k), relu=relu)
            layers.append(states)
            x = states["h"]  # in eval mode, the next layer reads this layer's h unchanged
        # The reference: PyTorch's own cell on the same inputs, batch 1, zero initial state.
        output, final = model.rnn(model.embedding(index).unsqueeze(1))  # (seq_len, 1, hidden_dim)
        h_n, c_n = final if cell == "lstm" else (final, None)  # (num_layers, 1, hidden_dim)
        gaps = [(layers[-1]["h"] - output[:, 0]).abs().max()]
        gaps += [(layer["h"][-1] - h_n[k, 0]).abs().max() for k, layer in enumerate(layers)]
        if c_n is not None:
            gaps += [(layer["c"][-1] - c_n[k, 0]).abs().max() for k, layer in enumerate(layers)]
        gap = float(torch.stack(gaps).max())
    traces = [LayerTrace(s["h"].cpu().numpy(), {n: s[n].cpu().numpy() for n in GATES[cell]}) for s in layers]
    return traces, gap


def hidden_states(ckpt: Checkpoint, text: str) -> HiddenTrace:
    """Run the cell by hand over [<eol>, words of text...]: h_t of every layer at every step, and the
    gates (LSTM: i, f, g, o, c; GRU: r, z, n), each an array (steps, units)."""
    text = check_text(text, MAX_TEXT_CHARS, "句子", "sentence", blank_ok=False)
    prompt = make_prompt(ckpt.vocab, text)
    if not prompt.words:
        raise InputError("这句话里没有词", "the sentence has no words")
    layers, gap = trace_ids(ckpt.model, prompt.ids)
    tokens = ckpt.vocab.decode(prompt.ids[:1]) + prompt.words  # the words as typed, even unknown ones
    return HiddenTrace(ckpt.model.config.cell, tokens, prompt.ids, prompt.unknown, layers, gap)


def trace_images(trace: HiddenTrace, layer: int = 0) -> dict[str, tuple[Image.Image, str]]:
    """One heatmap per quantity of a layer ("h", then the gates): name → (image, bilingual caption).

    Rows are steps, columns units. Values in [-1, 1] (h of every cell, candidates g and n) share
    the fixed diverging scale, gates in [0, 1] the sequential one, so pictures compare across
    models; only the LSTM's cell state c is unbounded, and is scaled to its own largest value.
    """
    if not 0 <= layer < len(trace.layers):
        raise InputError(f"没有第 {layer} 层，共 {len(trace.layers)} 层",
                           f"no layer {layer}; there are {len(trace.layers)} layers")
    data = trace.layers[layer]
    images = {}
    for name, values in {"h": data.h, **data.gates}.items():
        if name in ("i", "f", "o", "r", "z"):
            image = heatmap_image(values, diverging=False, limit=1.0)
        elif name == "c":
            image = heatmap_image(values)
        else:
            image = heatmap_image(values, limit=1.0)
        images[name] = (image, GATE_NAMES[name])
    return images


# ---------------------------------------------------------------------------------------------
# 4. Open the box: the plain RNN's one equation, term by term


TERMS = ["W_ih x_t", "b_ih", "W_hh h_{t-1}", "b_hh", "sum", "h_t = tanh(sum)"]


@dataclass
class BoxStep:
    t: int
    token: str  # the word read at this step (as typed; fed as <unk> when unknown)
    token_id: int
    unknown: bool  # not in the vocabulary: x_t is the <unk> vector
    x: list[float]  # first units of the word vector x_t (its first `units` numbers)
    h_prev: list[float]  # first units of h_{t-1}
    terms: dict[str, list[float]]  # TERMS → the first `units` numbers of each term


@dataclass
class OpenBox:
    units: int  # how many of the hidden units the steps show
    shapes: dict[str, tuple[int, ...]]  # matrix and vector → shape
    steps: list[BoxStep]
    h: np.ndarray  # (seq_len, hidden_dim): every unit of h_t, hand-computed
    max_abs_diff: float  # largest |hand-computed h_t − nn.RNN's output| over all steps and units

    def table(self) -> pd.DataFrame:
        """Long form: one row per (step, term), the first units as columns u0, u1, ..."""
        rows = []
        for step in self.steps:
            for term, values in step.terms.items():
                row = {"步 step": step.t, "词 word": step.token, "项 term": term}
                row.update({f"u{j}": round(v, 4) for j, v in enumerate(values)})
                rows.append(row)
        return pd.DataFrame(rows)


def open_box(ckpt: Checkpoint, text: str, units: int = 4) -> OpenBox:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) for a short sentence, one term at a time,
    with layer 0 of the plain RNN cell; checked against nn.RNN's own output."""
    model = ckpt.model
    if model.config.cell != "rnn":
        raise InputError(f"“打开盒子”只用于普通 RNN，这是 {model.config.cell.upper()}",
                           f"'open the box' is for the plain RNN cell, not {model.config.cell.upper()}")
    if getattr(model.rnn, "nonlinearity", "tanh") != "tanh":
        raise InputError("这个 RNN 不用 tanh", "this RNN does not use tanh")
    text = check_text(text, MAX_TEXT_CHARS, "句子", "sentence", blank_ok=False)
    prompt = make_prompt(ckpt.vocab, text)
    if not prompt.words:
        raise InputError("这句话里没有词", "the sentence has no words")
    units = max(1, min(units, model.config.hidden_dim))
    w_ih, w_hh, b_ih, b_hh = layer_weights(model, 0)
    index = torch.tensor(prompt.ids, dtype=torch.long, device=model.device)  # (seq_len,)
    tokens = ckpt.vocab.decode(prompt.ids[:1]) + prompt.words
    steps, hs = [], []
    with torch.inference_mode(), evaluating(model):
        xs = model.embedding.weight.detach()[index].float()  # (seq_len, embed_dim)
        h = torch.zeros(w_hh.size(0), device=model.device)  # h_0 = 0: (hidden_dim,)
        for t, x in enumerate(xs):
            terms = [w_ih @ x, b_ih, w_hh @ h, b_hh]  # each (hidden_dim,)
            total = terms[0] + terms[1] + terms[2] + terms[3]
            h_new = torch.tanh(total)
            shown = [v[:units].cpu().tolist() for v in (*terms, total, h_new)]
            unknown = t > 0 and tokens[t] not in ckpt.vocab
            steps.append(BoxStep(t, tokens[t], prompt.ids[t], unknown, x[:units].cpu().tolist(),
                                 h[:units].cpu().tolist(), dict(zip(TERMS, shown, strict=True))))
            hs.append(h_new)
            h = h_new
        hand = torch.stack(hs)  # (seq_len, hidden_dim)
        # nn.RNN's layer-0 output: run the layer alone when the model stacks more than one.
        rnn = model.rnn
        if rnn.num_layers == 1:
            reference = rnn(xs.unsqueeze(1))[0][:, 0]  # (seq_len, hidden_dim)
        else:
            reference = torch.rnn_tanh(xs.unsqueeze(1), torch.zeros(1, 1, w_hh.size(0), device=model.device),
                                       [w_ih, w_hh, b_ih, b_hh], True, 1, 0.0, False, False, False)[0][:, 0]
        gap = float((hand - reference).abs().max())
    shapes = {
        "embedding": tuple(model.embedding.weight.shape),
        "x_t": (w_ih.size(1),),
        "W_ih": tuple(w_ih.shape),
        "b_ih": tuple(b_ih.shape),
        "W_hh": tuple(w_hh.shape),
        "b_hh": tuple(b_hh.shape),
        "h_t": (w_hh.size(0),),
    }
    return OpenBox(units, shapes, steps, hand.cpu().numpy(), gap)


def _cell(text: str) -> str:
    """A Markdown table cell: HTML-escaped, pipes and backslashes defused."""
    return esc(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _numbers(values: list[float]) -> str:
    return " ".join(f"{v:+.3f}" for v in values)


def open_box_markdown(box: OpenBox) -> str:
    """The box explained in Markdown: the equation, the shapes, then each step's terms, Chinese with English."""
    s = box.shapes
    hidden, embed = s["W_hh"][0], s["W_ih"][1]
    lines = [
        "### 打开盒子：一步 RNN · Open the box: one RNN step",
        "",
        "$$h_t = \\tanh(W_{ih}\\,x_t + b_{ih} + W_{hh}\\,h_{t-1} + b_{hh})$$",
        "",
        "每读一个词，RNN 把**这个词的向量** x_t 和**上一步的隐藏状态** h_{t-1} 各乘一个矩阵、各加一个偏置，"
        "相加后用 tanh 压到 (−1, 1)，得到新的隐藏状态 h_t。h_0 是全零。 · "
        "For every word, the RNN multiplies **the word's vector** x_t and **the previous hidden state** h_{t-1} "
        "by a matrix each, adds a bias each, sums them, and squashes the sum into (−1, 1) with tanh: "
        "that is the new hidden state h_t. h_0 is all zeros.",
        "",
        "| 名称 name | 形状 shape | 含义 meaning |",
        "|---|---|---|",
        f"| embedding | `{s['embedding']}` | 每个词一行 · one row per word: x_t = embedding[id] |",
        f"| W_ih | `{s['W_ih']}` | 输入 → 隐藏 · input to hidden: `({hidden}, {embed}) @ ({embed},) → ({hidden},)` |",
        f"| b_ih | `{s['b_ih']}` | 输入偏置 · input bias |",
        f"| W_hh | `{s['W_hh']}` | 隐藏 → 隐藏（记忆）· hidden to hidden (the memory): "
        f"`({hidden}, {hidden}) @ ({hidden},) → ({hidden},)` |",
        f"| b_hh | `{s['b_hh']}` | 隐藏偏置 · hidden bias |",
        f"| h_t | `{s['h_t']}` | 新的隐藏状态 · the new hidden state |",
        "",
        f"下面只列出前 {box.units} 个单元（共 {hidden} 个）。 · Below: the first {box.units} of {hidden} units.",
        "",
        "| 步 step | 词 word | " + " | ".join(_cell(term) for term in TERMS) + " |",
        "|---|---|" + "---|" * len(TERMS),
    ]
    for step in box.steps:
        word = f"{step.token} → {UNK}" if step.unknown else step.token
        cells = [_numbers(step.terms[term]) for term in TERMS]
        lines.append(f"| {step.t} | {_cell(word)} | " + " | ".join(cells) + " |")
    verdict = "一致 · they agree" if box.max_abs_diff < 1e-5 else "不一致！· they differ!"
    lines += [
        "",
        f"**手算与 `nn.RNN` 的最大差别 · largest difference between this hand computation and `nn.RNN`："
        f"{box.max_abs_diff:.2e}**（{verdict}；只差浮点舍入 · only floating-point rounding）",
    ]
    return "\n".join(lines)

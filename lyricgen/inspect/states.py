"""Inside the cell: the recurrence computed by hand from the model's own weights, step by step.

nn.RNN, nn.LSTM and nn.GRU run their equations in fused C++ code; here the same equations run as
lyricgen/cells.py writes them, on the same parameters, so every gate can be shown, and each trace
reports how far it lies from what PyTorch computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..cells import GATES, RNN_TERMS, Weights, is_relu, layer_weights, rnn_cell, step
from ..checkpoint import Checkpoint
from ..generate import make_prompt
from ..model import LyricModel, evaluating

# What each cell's trace holds besides h: its gates, and the LSTM's cell state c.
TRACED = {"rnn": GATES["rnn"], "lstm": (*GATES["lstm"], "c"), "gru": GATES["gru"]}


@dataclass
class LayerTrace:
    h: np.ndarray  # (seq_len, hidden_dim): h_t after each step
    gates: dict[str, np.ndarray] = field(default_factory=dict)  # name → (seq_len, hidden_dim), see TRACED


@dataclass
class HiddenTrace:
    cell: str
    tokens: list[str]  # the inputs, one per step: <eol> first (the start of a line), then the words
    token_ids: list[int]
    unknown: list[str]  # words of the text the vocabulary lacks (fed as <unk>)
    layers: list[LayerTrace]  # layers[0] reads the word vectors, layers[k] reads layers[k-1].h
    max_abs_diff: float  # largest |hand-computed − nn.RNN/LSTM/GRU| over the outputs and final states


def read_weights(model: LyricModel, k: int) -> Weights:
    """Layer k's parameters, detached float copies: read, never trained."""
    return Weights(*(p.detach().float() for p in layer_weights(model.rnn, k)))


def run_layer(cell: str, x: torch.Tensor, w: Weights, relu: bool = False) -> dict[str, torch.Tensor]:
    """One layer over a sequence x (seq_len, input_dim), from zero state → {"h": (seq_len, hidden), traced...}."""
    h = x.new_zeros(w.w_hh.size(1))  # h_0 = 0, as nn.RNN starts when no state is given: (hidden_dim,)
    c = torch.zeros_like(h)  # the LSTM's c_0
    out: dict[str, list[torch.Tensor]] = {name: [] for name in ["h", *TRACED[cell]]}
    for x_t in x:
        parts: dict[str, torch.Tensor] = {}
        h, c = step(cell, x_t, h, c, w, relu, parts)
        parts.update(h=h, c=c)
        for name, values in out.items():
            values.append(parts[name])
    return {name: torch.stack(values) for name, values in out.items()}  # each (seq_len, hidden_dim)


def trace_ids(model: LyricModel, ids: list[int]) -> tuple[list[LayerTrace], float]:
    """Hand-computed states of every layer for token ids, and the largest gap from model.rnn's own run."""
    cell = model.config.cell
    relu = is_relu(model.rnn)
    index = torch.tensor(ids, dtype=torch.long, device=model.device)  # (seq_len,)
    with torch.inference_mode(), evaluating(model):
        x = model.embedding.weight.detach()[index].float()  # (seq_len, embed_dim)
        layers = []
        for k in range(model.config.num_layers):
            states = run_layer(cell, x, read_weights(model, k), relu)
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
    traces = [LayerTrace(s["h"].cpu().numpy(), {n: s[n].cpu().numpy() for n in TRACED[cell]}) for s in layers]
    return traces, gap


def hidden_states(ckpt: Checkpoint, text: str) -> HiddenTrace:
    """Run the cell by hand over [<eol>, words of text...]: h_t of every layer at every step, and the
    gates (LSTM: i, f, g, o, c; GRU: r, z, n), each an array (steps, units)."""
    prompt = make_prompt(ckpt.vocab, text)
    layers, gap = trace_ids(ckpt.model, prompt.ids)
    tokens = ckpt.vocab.decode(prompt.ids[:1]) + prompt.words  # the words as typed, even unknown ones
    return HiddenTrace(ckpt.model.config.cell, tokens, prompt.ids, prompt.unknown, layers, gap)


# ---------------------------------------------------------------------------------------------
# Open the box: the plain RNN's one equation, term by term


TERMS = [*RNN_TERMS, "h_t = tanh(sum)"]


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


def open_box(ckpt: Checkpoint, text: str, units: int = 4) -> OpenBox:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) for a short sentence, one term at a time,
    with layer 0 of the plain RNN cell; checked against nn.RNN's own output."""
    model = ckpt.model
    if model.config.cell != "rnn" or is_relu(model.rnn):
        raise ValueError("the open box is the plain tanh RNN's formula")
    prompt = make_prompt(ckpt.vocab, text)
    units = max(1, min(units, model.config.hidden_dim))
    w = read_weights(model, 0)
    index = torch.tensor(prompt.ids, dtype=torch.long, device=model.device)  # (seq_len,)
    tokens = ckpt.vocab.decode(prompt.ids[:1]) + prompt.words
    steps, hs = [], []
    with torch.inference_mode(), evaluating(model):
        xs = model.embedding.weight.detach()[index].float()  # (seq_len, embed_dim)
        h = torch.zeros(w.w_hh.size(0), device=model.device)  # h_0 = 0: (hidden_dim,)
        for t, x in enumerate(xs):
            terms: dict[str, torch.Tensor] = {}
            h_new = rnn_cell(x, h, w, parts=terms)  # terms: RNN_TERMS, each (hidden_dim,)
            shown = [v[:units].cpu().tolist() for v in (*(terms[name] for name in RNN_TERMS), h_new)]
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
            reference = torch.rnn_tanh(xs.unsqueeze(1), torch.zeros(1, 1, w.w_hh.size(0), device=model.device),
                                       list(w), True, 1, 0.0, False, False, False)[0][:, 0]
        gap = float((hand - reference).abs().max())
    shapes = {
        "embedding": tuple(model.embedding.weight.shape),
        "x_t": (w.w_ih.size(1),),
        "W_ih": tuple(w.w_ih.shape),
        "b_ih": tuple(w.b_ih.shape),
        "W_hh": tuple(w.w_hh.shape),
        "b_hh": tuple(w.b_hh.shape),
        "h_t": (w.w_hh.size(0),),
    }
    return OpenBox(units, shapes, steps, hand.cpu().numpy(), gap)

"""The three cells' one step, written out once, on a layer's own parameters (as makemore's RNNCell and GRUCell).

nn.RNN, nn.LSTM and nn.GRU run these equations in fused code. Here they are plain tensor arithmetic on the
same parameters (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}), so that every gate can be
shown (inspect/states.py: the hidden states and the open box) and every state is a node of autograd's graph
on every device (inspect/gradients.py). makemore multiplies one matrix by [x_t, h_{t-1}]; PyTorch keeps
two, W_ih for the input and W_hh for the previous state, and each has a bias.

PyTorch stacks the gates' rows in one matrix: the LSTM's rows are [i, f, g, o], the GRU's [r, z, n].

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)            (relu instead of tanh when built so)
    LSTM  i, f, o = σ(W_i x_t + b_i + W_h h_{t-1} + b_h), g = tanh(...)  (each with its own rows)
          c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
    GRU   r, z = σ(W_i x_t + b_i + W_h h_{t-1} + b_h);  n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
          h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

x and h are one vector (features,) or a batch of them (batch, features): the products are written x @ W.T.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn as nn

# Each cell's gates, in PyTorch's row order (g and n are the candidates: new content, not a gate's share).
GATES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
# The plain RNN's one sum, term by term: what the open box shows.
RNN_TERMS = ("W_ih x_t", "b_ih", "W_hh h_{t-1}", "b_hh", "sum")


class Weights(NamedTuple):
    """One layer's parameters; rows = gates × hidden_dim (1 gate for the RNN, 4 for the LSTM, 3 for the GRU)."""

    w_ih: torch.Tensor  # (gates * hidden_dim, input_dim)
    w_hh: torch.Tensor  # (gates * hidden_dim, hidden_dim)
    b_ih: torch.Tensor  # (gates * hidden_dim,)
    b_hh: torch.Tensor  # (gates * hidden_dim,)


def layer_weights(rnn: nn.RNNBase, k: int) -> Weights:
    """Layer k's parameters, read by name: the tensors themselves, so autograd reaches them."""
    return Weights(*(getattr(rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))


def is_relu(rnn: nn.RNNBase) -> bool:
    """Whether the layer is a plain RNN built with nonlinearity="relu" (nn.LSTM and nn.GRU have no such choice)."""
    return getattr(rnn, "nonlinearity", "tanh") == "relu"


def rnn_cell(x: torch.Tensor, h: torch.Tensor, w: Weights, relu: bool = False,
             parts: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
    """h_t from x_t and h_{t-1}; parts, when given, receives RNN_TERMS: the sum's four terms and the sum."""
    terms = (x @ w.w_ih.T, w.b_ih, h @ w.w_hh.T, w.b_hh)
    total = terms[0] + terms[1] + terms[2] + terms[3]
    if parts is not None:
        parts.update(zip(RNN_TERMS, (*terms, total), strict=True))
    return torch.relu(total) if relu else torch.tanh(total)


def lstm_cell(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w: Weights,
              parts: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(h_t, c_t) from x_t, h_{t-1} and c_{t-1}; parts, when given, receives the gates i, f, g, o."""
    i, f, g, o = (x @ w.w_ih.T + w.b_ih + h @ w.w_hh.T + w.b_hh).chunk(4, dim=-1)  # each (..., hidden_dim)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g  # forget some of the old memory, write some of the new
    h = o * torch.tanh(c)  # show part of the memory
    if parts is not None:
        parts.update(i=i, f=f, g=g, o=o)
    return h, c


def gru_cell(x: torch.Tensor, h: torch.Tensor, w: Weights,
             parts: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
    """h_t from x_t and h_{t-1}; parts, when given, receives the gates r, z and the candidate n."""
    xr, xz, xn = (x @ w.w_ih.T + w.b_ih).chunk(3, dim=-1)  # each (..., hidden_dim)
    hr, hz, hn = (h @ w.w_hh.T + w.b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)  # the reset gate scales the old state's share of the candidate
    if parts is not None:
        parts.update(r=r, z=z, n=n)
    return (1 - z) * n + z * h  # z near 1 keeps the old state


def step(cell: str, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w: Weights, relu: bool = False,
         parts: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of any of the three: (h_t, c_t). Only the LSTM has a cell state: the others pass c on as it came."""
    if cell == "lstm":
        return lstm_cell(x, h, c, w, parts)
    if cell == "gru":
        return gru_cell(x, h, w, parts), c
    return rnn_cell(x, h, w, relu, parts), c

"""Vanishing and exploding gradients: how much the last prediction's loss depends on each earlier hidden state.

Feed ids[0], ..., ids[T-1] from a zero state (T = len(ids) - 1). h_t is the last layer's hidden state
after reading ids[t-1], for t = 1..T, and the loss is the last prediction's, read from h_T:

    L = −log p(ids[T] | ids[0..T-1])

∂L/∂h_t is computed by autograd through the model's real weights. By the chain rule it is
∂L/∂h_T · ∂h_T/∂h_{T-1} ··· ∂h_{t+1}/∂h_t, a product of T − t Jacobians; for the plain RNN each is
diag(1 − h²) W_hh, so its size follows W_hh's spectral radius (its largest |eigenvalue|) raised to the
distance: below 1 the far past's influence vanishes, above 1 (while tanh is unsaturated) it explodes.

The LSTM's state is the pair (h, c), and it has two ways back: through h (every step multiplies by W_hh and
the gates' slopes, as in the RNN) and through its cell state, c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, where each
step back multiplies the gradient by the forget gate f_t, elementwise, and by nothing else. So ∂L/∂c_t
is given beside ∂L/∂h_t: with f near 1 that path carries the gradient far; with f near 0.3 it fades
too. Whether f is near 1 is not the architecture's choice but training's: a model that learned the next
word depends on the last few words learns to forget, and its gradient vanishes like the RNN's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..cells import is_relu, layer_weights, step
from ..model import LyricModel
from ..tokens import SPECIALS
from .states import trace_ids


@dataclass
class ScaledGradients:
    scale: float  # the factor the last layer's W_hh was multiplied by (on a copy; the model is untouched)
    spectral_radius: float  # max |eigenvalue| of the scaled W_hh
    norms: list[float]  # ‖∂L/∂h_t‖ for t = 1..T: norms[-1] is the last step, norms[-1-d] lies d steps back
    total_norm: float  # the length of all T gradients taken as one vector: sqrt(Σ norms²)
    clip: float | None  # the clipping threshold; None: no clipping
    clip_factor: float  # what clipping multiplies every gradient by: min(1, clip / total_norm); 1 without clip
    clipped_norms: list[float]  # norms × clip_factor: the size is tamed, the near/far ratios are not


@dataclass
class StateGradients:
    h: list[float]  # ‖∂L/∂h_t‖ for t = 1..T: h[-1] is the last step, h[-1-d] lies d steps back
    c: list[float] | None  # the LSTM's ‖∂L/∂c_t‖ likewise (its cell state: the path through the forget gates)


def state_gradients(model: LyricModel, ids: list[int], w_hh_scale: float = 1.0) -> dict[str, list[torch.Tensor]]:
    """{"h": ∂L/∂h_t for t = 1..T, each (hidden_dim,)} (and "c": ∂L/∂c_t for an LSTM), the last layer's,
    with the last layer's W_hh multiplied by w_hh_scale.

    The recurrence is run one step at a time with lyricgen/cells.py's steps on the model's own parameters,
    so each h_t (and c_t) is a separate node of the graph that autograd can differentiate with respect to.
    Written out rather than torch.lstm_cell, which is fused on CUDA: there c_t's gradient would leave out
    the way through h_t = o ⊙ tanh(c_t). No dropout is applied: this is the model as in eval mode, and its
    training flag is left as it is.
    """
    if len(ids) < 2:
        raise ValueError("need at least two ids: one input and the word to predict")
    rnn, cell = model.rnn, model.config.cell
    # The caller may hold inference mode or no_grad on its thread: this needs a graph.
    with torch.inference_mode(False), torch.enable_grad():
        inputs = torch.tensor(ids[:-1], dtype=torch.long, device=model.device)
        x = model.embedding.weight[inputs].unsqueeze(1)  # (T, 1, embed_dim): batch 1
        top = rnn.num_layers - 1
        for k in range(rnn.num_layers):
            w = layer_weights(rnn, k)
            if k == top and w_hh_scale != 1.0:
                w = w._replace(w_hh=w.w_hh * w_hh_scale)  # a new tensor: the parameter keeps its values
            h = x.new_zeros(1, rnn.hidden_size)  # (1, hidden_dim): the zero start state
            c = torch.zeros_like(h)  # the LSTM's memory cell
            hs, cs = [], []
            for x_t in x:  # (1, input_dim)
                h, c = step(cell, x_t, h, c, w, is_relu(rnn))
                hs.append(h)  # (1, hidden_dim)
                if cell == "lstm":
                    cs.append(c)  # (1, hidden_dim)
            x = torch.stack(hs)  # (T, 1, hidden_dim): the next layer's input
        logits = model.head(hs[-1])  # (1, vocab_size): the prediction made after the last input
        target = torch.tensor([ids[-1]], device=model.device)
        loss = F.cross_entropy(logits, target)
        # Gradients with respect to the intermediate states only: the parameters' .grad stay untouched.
        # Each is the whole gradient reaching that node: ∂L/∂h_t (c_t held), ∂L/∂c_t (through h_t and c_{t+1}).
        grads = torch.autograd.grad(loss, hs + cs)
    found = {"h": [g.detach()[0] for g in grads[: len(hs)]]}
    if cs:
        found["c"] = [g.detach()[0] for g in grads[len(hs):]]
    return found


def hidden_gradients(model: LyricModel, ids: list[int], w_hh_scale: float = 1.0) -> list[torch.Tensor]:
    """∂L/∂h_t for t = 1..T, each (hidden_dim,) (see state_gradients)."""
    return state_gradients(model, ids, w_hh_scale)["h"]


def gradient_norms(model: LyricModel, ids: list[int]) -> list[float]:
    """‖∂L/∂h_t‖ for t = 1..T (see the module's docstring): the last entry is distance 0, norms[-1-d] distance d."""
    return [float(g.norm()) for g in hidden_gradients(model, ids)]


def state_gradient_norms(model: LyricModel, ids: list[int]) -> StateGradients:
    """‖∂L/∂h_t‖, and the LSTM's ‖∂L/∂c_t‖, for t = 1..T, from one backward pass."""
    grads = state_gradients(model, ids)
    c = grads.get("c")
    return StateGradients([float(g.norm()) for g in grads["h"]], None if c is None else [float(g.norm()) for g in c])


def spectral_radius(matrix: torch.Tensor) -> float:
    """The largest |eigenvalue| of a square matrix."""
    return float(torch.linalg.eigvals(matrix.detach().double().cpu()).abs().max())


def recurrent_matrix(model: LyricModel) -> torch.Tensor:
    """The last layer's W_hh, (hidden_dim, hidden_dim) for the plain RNN."""
    return getattr(model.rnn, f"weight_hh_l{model.rnn.num_layers - 1}").detach()


def scale_for_radius(model: LyricModel, radius: float) -> float:
    """The factor that gives the plain RNN's last-layer W_hh the spectral radius `radius`."""
    return radius / spectral_radius(recurrent_matrix(model))


def scaled_rnn_gradients(model: LyricModel, ids: list[int], scale: float, clip: float | None) -> ScaledGradients:
    """The plain RNN's ‖∂L/∂h_t‖ with the last layer's W_hh × scale, before and after gradient clipping.

    Clipping (as clip_grad_norm_ does to the parameters) rescales the whole gradient vector, every
    step's part by the same factor: the parameters' gradient sums every step's contribution, so one
    factor scales them all. An explosion's size is capped; the ratio between near and far steps stays.
    """
    if model.config.cell != "rnn":
        raise ValueError(f"scaled_rnn_gradients needs a plain RNN, not {model.config.cell!r}")
    norms = [float(g.norm()) for g in hidden_gradients(model, ids, scale)]
    total = sum(n * n for n in norms) ** 0.5
    # clip_grad_norm_'s own rule, the 1e-6 included, so the chart shows what training would do.
    factor = 1.0 if clip is None else min(1.0, clip / (total + 1e-6))
    return ScaledGradients(
        scale=scale,
        spectral_radius=spectral_radius(recurrent_matrix(model) * scale),
        norms=norms,
        total_norm=total,
        clip=clip,
        clip_factor=factor,
        clipped_norms=[n * factor for n in norms],
    )


def random_sequence(vocab_size: int, length: int, seed: int) -> list[int]:
    """`length` word ids drawn uniformly (never <unk> or <eol>, the first ids of every vocabulary), seeded."""
    if vocab_size <= len(SPECIALS) or length < 2:
        raise ValueError("need a vocabulary with words and a length of at least 2")
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(len(SPECIALS), vocab_size, (length,), generator=generator).tolist()


def mean_keep_gate(model: LyricModel, ids: list[int]) -> float | None:
    """How much of its old state the top layer keeps per step, on average over the words ids[:-1] feed: the
    LSTM's forget gate f (each step back along c multiplies the gradient by f), the GRU's update gate z
    (h_t = (1 − z) n + z h_{t-1}); None for the plain RNN, which has no gate."""
    name = {"lstm": "f", "gru": "z"}.get(model.config.cell)
    if name is None:
        return None
    layers, _ = trace_ids(model, ids[:-1])
    return float(layers[-1].gates[name].mean())

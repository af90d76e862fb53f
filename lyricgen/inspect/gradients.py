"""Vanishing and exploding gradients: how much the last prediction's loss depends on each earlier hidden state.

Feed ids[0], ..., ids[T-1] from a zero state (T = len(ids) - 1). h_t is the last layer's hidden state
after reading ids[t-1], for t = 1..T, and the loss is the last prediction's, read from h_T:

    L = −log p(ids[T] | ids[0..T-1])

∂L/∂h_t is computed by autograd through the model's real weights. By the chain rule it is
∂L/∂h_T · ∂h_T/∂h_{T-1} ··· ∂h_{t+1}/∂h_t, a product of T − t Jacobians; for the plain RNN each is
diag(1 − h²) W_hh, so its size follows W_hh's spectral radius (its largest |eigenvalue|) raised to the
distance: below 1 the far past's influence vanishes, above 1 (while tanh is unsaturated) it explodes.

The LSTM's state is the pair (h, c); these are the gradients with respect to h, the part the next layer and
the output read. Its c path (c_t = f ⊙ c_{t-1} + ...) is where gradients survive: it reaches h through o.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..model import LyricModel
from ..tokens import SPECIALS

# nn.RNN's modes → the one-step functions computing the same equations on the same parameters.
STEP = {"RNN_TANH": torch.rnn_tanh_cell, "RNN_RELU": torch.rnn_relu_cell, "GRU": torch.gru_cell}


@dataclass
class ScaledGradients:
    scale: float  # the factor the last layer's W_hh was multiplied by (on a copy; the model is untouched)
    spectral_radius: float  # max |eigenvalue| of the scaled W_hh
    norms: list[float]  # ‖∂L/∂h_t‖ for t = 1..T: norms[-1] is the last step, norms[-1-d] lies d steps back
    total_norm: float  # the length of all T gradients taken as one vector: sqrt(Σ norms²)
    clip: float | None  # the clipping threshold; None: no clipping
    clip_factor: float  # what clipping multiplies every gradient by: min(1, clip / total_norm); 1 without clip
    clipped_norms: list[float]  # norms × clip_factor: the size is tamed, the near/far ratios are not


def hidden_gradients(model: LyricModel, ids: list[int], w_hh_scale: float = 1.0) -> list[torch.Tensor]:
    """∂L/∂h_t for t = 1..T, each (hidden_dim,), with the last layer's W_hh multiplied by w_hh_scale.

    The recurrence is run one step at a time with torch's cell functions on the model's own parameters,
    so each h_t is a separate node of the graph that autograd can differentiate with respect to. No
    dropout is applied: this is the model as in eval mode, and its training flag is left as it is.
    """
    if len(ids) < 2:
        raise ValueError("need at least two ids: one input and the word to predict")
    rnn = model.rnn
    # The caller may hold inference mode or no_grad on its thread: this needs a graph.
    with torch.inference_mode(False), torch.enable_grad():
        inputs = torch.tensor(ids[:-1], dtype=torch.long, device=model.device)
        x = model.embedding.weight[inputs].unsqueeze(1)  # (T, 1, embed_dim): batch 1
        top = rnn.num_layers - 1
        for k in range(rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh = rnn.all_weights[k]
            if k == top and w_hh_scale != 1.0:
                w_hh = w_hh * w_hh_scale  # a new tensor: the parameter keeps its values
            h = x.new_zeros(1, rnn.hidden_size)  # (1, hidden_dim): the zero start state
            c = torch.zeros_like(h)  # the LSTM's memory cell
            hs = []
            for t in range(x.size(0)):
                if rnn.mode == "LSTM":
                    h, c = torch.lstm_cell(x[t], (h, c), w_ih, w_hh, b_ih, b_hh)
                else:
                    h = STEP[rnn.mode](x[t], h, w_ih, w_hh, b_ih, b_hh)
                hs.append(h)  # (1, hidden_dim)
            x = torch.stack(hs)  # (T, 1, hidden_dim): the next layer's input
        logits = model.head(hs[-1])  # (1, vocab_size): the prediction made after the last input
        target = torch.tensor([ids[-1]], device=model.device)
        loss = F.cross_entropy(logits, target)
        # Gradients with respect to the intermediate states only: the parameters' .grad stay untouched.
        grads = torch.autograd.grad(loss, hs)
    return [g.detach()[0] for g in grads]


def gradient_norms(model: LyricModel, ids: list[int]) -> list[float]:
    """‖∂L/∂h_t‖ for t = 1..T (see the module's docstring): the last entry is distance 0, norms[-1-d] distance d."""
    return [float(g.norm()) for g in hidden_gradients(model, ids)]


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

"""nn.RNN's shapes: build the very layer a lesson describes, run a random batch through it, report every shape.

    input   (seq_len, batch, input_size), or (batch, seq_len, input_size) when batch_first
    h0, c0  (num_layers * num_directions, batch, hidden_size): batch_first never changes them
    output  (seq_len, batch, num_directions * hidden_size), or batch first: the last layer's h_t, every step
    h_n     (num_layers * num_directions, batch, hidden_size): every layer's h after its last step

PyTorch stacks the gates' rows in one matrix, so each weight has gates × hidden_size rows: gates = 1 for
the plain RNN, 3 for the GRU (r, z, n), 4 for the LSTM (i, f, g, o). Per layer and direction:

    weight_ih  gates·hidden × input     (input = input_size at layer 0, num_directions·hidden above:
    weight_hh  gates·hidden × hidden     a layer reads both directions of the layer below)
    bias_ih, bias_hh  gates·hidden each
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..cells import GATES
from ..model import CELLS

# Weight matrices stacked in each weight_* tensor: one per gate, and the plain RNN's one.
STACKED = {cell: max(1, len(gates)) for cell, gates in GATES.items()}

Shape = tuple[int, ...]


@dataclass
class ShapeSettings:
    cell: str = "rnn"  # "rnn" | "lstm" | "gru"
    seq_len: int = 5  # time steps in the input
    batch: int = 3  # sequences run side by side
    input_size: int = 10  # features of each input vector (a word vector's length)
    hidden_size: int = 20  # length of h_t (and c_t)
    num_layers: int = 2  # stacked layers: layer k reads layer k-1's outputs
    bidirectional: bool = False  # a second pass right to left per layer; outputs of both are concatenated
    batch_first: bool = False  # input and output as (batch, seq_len, ...); h0 and h_n keep their layout
    wrong: str | None = None  # None, or "h0" / "input": feed that tensor mis-shaped to see PyTorch's error


@dataclass
class CountTerm:
    """One layer-and-direction's share of the parameter count, term by term."""

    layer: int  # 0 is the layer that reads the input
    direction: int  # 0 left to right; 1 right to left (the "_reverse" parameters)
    gates: int  # 1 RNN, 3 GRU, 4 LSTM
    input_size: int  # what this layer reads: input_size at layer 0, num_directions × hidden_size above
    hidden_size: int
    weight_ih: int  # gates × hidden × input
    weight_hh: int  # gates × hidden × hidden
    biases: int  # gates × 2 × hidden: bias_ih and bias_hh
    total: int  # the three terms' sum


@dataclass
class ShapeReport:
    settings: ShapeSettings
    tensors: list[tuple[str, Shape]]  # in call order: input, h0 (, c0), then output, h_n (, c_n) when it ran
    parameters: list[tuple[str, Shape]]  # the layer's named_parameters(): weight_ih_l0, ..., bias_hh_l2_reverse
    terms: list[CountTerm]  # per layer and direction, layer-major
    formula_count: int  # the sum of the terms' totals
    torch_count: int  # sum(p.numel() for p in the layer's parameters): equals formula_count
    wrong_tensor: str | None  # "h0" or "input" when settings.wrong fed it mis-shaped, else None
    expected_shape: Shape | None  # the shape the wrong tensor should have had
    error: str | None  # PyTorch's own error message for the wrong tensor; None when the call ran


def directions(settings: ShapeSettings) -> int:
    return 2 if settings.bidirectional else 1


def input_shape(settings: ShapeSettings) -> Shape:
    s = settings
    return (s.batch, s.seq_len, s.input_size) if s.batch_first else (s.seq_len, s.batch, s.input_size)


def state_shape(settings: ShapeSettings) -> Shape:
    """h0, c0, h_n and c_n: (num_layers * num_directions, batch, hidden_size), whatever batch_first says."""
    return (settings.num_layers * directions(settings), settings.batch, settings.hidden_size)


def wrong_shape(settings: ShapeSettings, name: str) -> Shape:
    """The mis-shaped tensor fed for settings.wrong.

    input: one feature too many, as when the word vectors' length differs from the layer's input_size.
    h0: laid out batch first, as if batch_first applied to it too; when batch equals
    num_layers * num_directions that swap changes nothing, so the hidden size is one too many instead.
    """
    if name == "input":
        return (*input_shape(settings)[:2], settings.input_size + 1)
    layers, batch, hidden = state_shape(settings)
    return (batch, layers, hidden) if batch != layers else (layers, batch, hidden + 1)


def count_terms(settings: ShapeSettings) -> list[CountTerm]:
    s, gates = settings, STACKED[settings.cell]
    terms = []
    for layer in range(s.num_layers):
        reads = s.input_size if layer == 0 else directions(s) * s.hidden_size
        for direction in range(directions(s)):
            ih, hh, b = gates * s.hidden_size * reads, gates * s.hidden_size * s.hidden_size, gates * 2 * s.hidden_size
            terms.append(CountTerm(layer, direction, gates, reads, s.hidden_size, ih, hh, b, ih + hh + b))
    return terms


@torch.inference_mode()
def run_shapes(settings: ShapeSettings, seed: int = 0) -> ShapeReport:
    """Build settings' layer, run random inputs through it (or the mis-shaped one), report every shape."""
    s = settings
    if s.cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, not {s.cell!r}")
    if s.wrong not in (None, "h0", "input"):
        raise ValueError(f"wrong must be None, 'h0' or 'input', not {s.wrong!r}")
    layer = CELLS[s.cell](s.input_size, s.hidden_size, num_layers=s.num_layers,
                          bidirectional=s.bidirectional, batch_first=s.batch_first)
    generator = torch.Generator().manual_seed(seed)  # the inputs' values; the layer's weights do not matter here

    x_shape = wrong_shape(s, "input") if s.wrong == "input" else input_shape(s)
    h_shape = wrong_shape(s, "h0") if s.wrong == "h0" else state_shape(s)
    x = torch.randn(x_shape, generator=generator)
    h0 = torch.randn(h_shape, generator=generator)
    tensors: list[tuple[str, Shape]] = [("input", tuple(x.shape)), ("h0", tuple(h0.shape))]
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] = h0
    if s.cell == "lstm":
        c0 = torch.randn(state_shape(s), generator=generator)  # always right: one wrong tensor at a time
        tensors.append(("c0", tuple(c0.shape)))
        hx = (h0, c0)

    error = None
    try:
        output, h_n = layer(x, hx)
    except (RuntimeError, ValueError) as e:  # PyTorch checks the shapes before computing anything
        error = str(e)
    else:
        tensors.append(("output", tuple(output.shape)))
        if s.cell == "lstm":
            tensors += [("h_n", tuple(h_n[0].shape)), ("c_n", tuple(h_n[1].shape))]
        else:
            tensors.append(("h_n", tuple(h_n.shape)))

    terms = count_terms(s)
    return ShapeReport(
        settings=s,
        tensors=tensors,
        parameters=[(name, tuple(p.shape)) for name, p in layer.named_parameters()],
        terms=terms,
        formula_count=sum(t.total for t in terms),
        torch_count=sum(p.numel() for p in layer.parameters()),
        wrong_tensor=s.wrong,
        expected_shape=None if s.wrong is None else (input_shape(s) if s.wrong == "input" else state_shape(s)),
        error=error,
    )

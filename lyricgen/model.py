"""The model: embedding → recurrent cell (RNN, LSTM or GRU) → dropout → linear → next-word logits.

Shapes follow nn.RNN's default layout, the one the tutorials teach: (seq_len, batch, ...).
"""


import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

# An LSTM's hidden state is the pair (h, c); RNN and GRU have h alone.
Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


@dataclass
class ModelConfig:
    vocab_size: int  # number of tokens, special tokens included (rows of the embedding)
    cell: str = "lstm"  # "rnn" | "lstm" | "gru": the recurrent cell
    embed_dim: int = 256  # length of each word vector (input_size of the cell)
    hidden_dim: int = 256  # length of the hidden state h_t
    num_layers: int = 1  # stacked recurrent layers
    dropout: float = 0.5  # dropout on the cell's input and output, in training only (same mask at every step)
    embed_dropout: float = 0.1  # in training, drop whole words' vectors: the model must cope without any one word
    weight_drop: float = 0.0  # in training, drop entries of the hidden-to-hidden matrices (DropConnect)
    tie_weights: bool = True  # output layer shares the embedding matrix (needs embed_dim == hidden_dim)

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, not {self.cell!r}")
        if self.tie_weights and self.embed_dim != self.hidden_dim:
            raise ValueError("tie_weights needs embed_dim == hidden_dim")


class LyricModel(
    nn.Module,
    PyTorchModelHubMixin,
    library_name="lyricgen",
    tags=["text-generation", "rnn", "chinese", "lyrics"],
):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim)
        self.drop = LockedDropout(config.dropout)
        self.rnn = CELLS[config.cell](
            config.embed_dim,
            config.hidden_dim,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.head = nn.Linear(config.hidden_dim, config.vocab_size)
        if config.tie_weights:
            # Sharing the matrix halves the parameters and helps a lot on a corpus this small:
            # a word's input vector and its output vector learn from the same examples.
            self.head.weight = self.embedding.weight
        self._init_weights()

    def _init_weights(self) -> None:
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.head.bias)

    @property
    def device(self) -> torch.device:
        return self.embedding.weight.device

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def init_hidden(self, batch_size: int) -> Hidden:
        shape = (self.config.num_layers, batch_size, self.config.hidden_dim)
        h = torch.zeros(shape, device=self.device)
        return (h, torch.zeros_like(h)) if self.config.cell == "lstm" else h

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.embedding.weight
        p = self.config.embed_dropout
        if self.training and p > 0:
            keep = torch.rand(weight.size(0), 1, device=weight.device) >= p  # (vocab_size, 1): one draw per word
            weight = weight * keep / (1 - p)
        return F.embedding(ids, weight)

    def _recur(self, x: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
        p = self.config.weight_drop
        if not (self.training and p > 0):
            return self.rnn(x, hidden)
        # DropConnect on W_hh regularizes the recurrence itself, the part dropout on inputs and
        # outputs never touches; the cell's own weights stay as they are, only this call sees holes.
        params = {
            name: F.dropout(w, p) if name.startswith("weight_hh") else w for name, w in self.rnn.named_parameters()
        }
        return torch.func.functional_call(self.rnn, params, (x, hidden))

    def forward(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """ids (seq_len, batch) → logits (seq_len, batch, vocab_size) and the hidden state after the last step."""
        logits, hidden, _, _ = self.forward_with_outputs(ids, hidden)
        return logits, hidden

    def forward_with_outputs(self, ids: torch.Tensor, hidden: Hidden | None = None
                             ) -> tuple[torch.Tensor, Hidden, torch.Tensor, torch.Tensor]:
        """forward, also returning the cell's outputs before and after dropout, (seq_len, batch, hidden_dim)
        each: training penalizes their size and their change from step to step (AR and TAR)."""
        x = self.drop(self._embed(ids))  # (seq_len, batch, embed_dim)
        out, hidden = self._recur(x, hidden)  # (seq_len, batch, hidden_dim)
        dropped = self.drop(out)  # (seq_len, batch, hidden_dim)
        logits = self.head(dropped)  # (seq_len, batch, vocab_size)
        return logits, hidden, out, dropped


class LockedDropout(nn.Module):
    """Dropout with one mask per sequence, shared by all time steps (variational dropout).

    A fresh mask at every step would blur the signal the cell carries through time; a fixed
    mask removes the same units all along the window, which regularizes RNNs much better.
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (seq_len, batch, dim)
        if not self.training or self.p == 0:
            return x
        mask = torch.empty(1, x.size(1), x.size(2), device=x.device).bernoulli_(1 - self.p) / (1 - self.p)
        return x * mask


LN2 = math.log(2)  # nats per bit: PyTorch's cross-entropy is in nats (natural log); the page shows bits (log₂)


def bits(nats: float) -> float:
    """A loss or surprisal in nats → the same in bits, the one unit the page shows (perplexity = 2 ** bits)."""
    return nats / LN2


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood (nats) of targets (seq_len, batch) under logits (seq_len, batch, vocab)."""
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


def detach(hidden: Hidden) -> Hidden:
    """Keep the hidden state's values but cut its history, so back-propagation stops at this batch."""
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    return hidden.detach()


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode (no dropout) for the block, then the mode the model had: looking inside never trains."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


class WeightAverage:
    """An exponential moving average of a model's weights, kept beside it during training.

    The weights of the last few hundred steps, averaged, generalize better than the last step's alone
    (the averaging of AWD-LSTM's ASGD, in its simplest form): evaluation and saving use the average.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay  # weight of the old average at each step
        self.steps = 0
        self.shadow = {name: p.detach().clone() for name, p in model.named_parameters()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.steps += 1
        # A short memory at first, so the average does not drag the untrained start along.
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for name, p in model.named_parameters():
            self.shadow[name].lerp_(p.detach(), 1 - decay)

    @contextmanager
    def applied(self, model: nn.Module) -> Iterator[None]:
        """The averaged weights in the model for the block, then its own again."""
        own = {name: p.detach().clone() for name, p in model.named_parameters()}
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(self.shadow[name])
        try:
            yield
        finally:
            with torch.no_grad():
                for name, p in model.named_parameters():
                    p.copy_(own[name])

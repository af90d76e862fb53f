"""Helpers for the panels' tests: the corpus's words, a served table's rows, a two-layer model, a stepwise RNN."""

from __future__ import annotations

from pathlib import Path

import torch

from lyricgen.checkpoint import Checkpoint
from lyricgen.model import LyricModel, ModelConfig


def corpus_words(tiny) -> list[str]:
    return [word for ckpt in tiny.values() for word in ckpt.vocab.tokens]


def rows(table: dict) -> list[dict]:
    """A Dataframe as the client receives it ({"headers", "data"}) → a list of {header: value}."""
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


CELLS = ["rnn", "lstm", "gru"]


SENTENCE = "明月几时有，把酒问青天"  # a line of the tiny corpus's poems, plus a comma


def two_layer(ckpt: Checkpoint, cell: str) -> Checkpoint:
    """A randomly initialised 2-layer model of another size on the same vocabulary."""
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=len(ckpt.vocab), cell=cell, embed_dim=12, hidden_dim=10, num_layers=2,
                         dropout=0.3, tie_weights=False)
    model = LyricModel(config).eval()
    return Checkpoint(model, ckpt.vocab, Path("."))


def stepwise_reference(model: LyricModel, ids: list[int]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """model.rnn fed one token at a time, its state carried: h (and c) of every layer after every step,
    each (seq_len, num_layers, hidden_dim)."""
    hs, cs, state = [], [], None
    with torch.no_grad():
        x = model.embedding(torch.tensor(ids)).unsqueeze(1)  # (seq_len, 1, embed_dim)
        for t in range(len(ids)):
            _, state = model.rnn(x[t : t + 1], state)
            h, c = state if isinstance(state, tuple) else (state, None)
            hs.append(h[:, 0])
            if c is not None:
                cs.append(c[:, 0])
    return torch.stack(hs), (torch.stack(cs) if cs else None)

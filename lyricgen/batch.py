"""The decoding engine's batch (lyricgen/engine.py): the requests being decoded, one per row, and their
recurrent state, whose rows follow them.

Rows join at the end and leave from anywhere between two steps; the rows below a leaving one close
up, in the request list and in the hidden state alike, so row i is always requests[i]'s.
"""

from __future__ import annotations

import torch

from .jobs import Request
from .model import Hidden


class Batch:
    """The rows: requests[i] and row i of hidden belong together, joined and dropped together."""

    def __init__(self, device: torch.device):
        self.device = device  # the model's: where the tokens fed go
        self.requests: list[Request] = []  # row i of hidden belongs to requests[i]
        self.hidden: Hidden | None = None  # (num_layers, batch, hidden_dim), a pair for the LSTM; None when empty

    def __len__(self) -> int:
        return len(self.requests)

    def join(self, requests: list[Request], states: list[Hidden]) -> None:
        """Add requests as the last rows, with their hidden states, (num_layers, 1, hidden_dim) each."""
        if requests:
            self.requests.extend(requests)
            self.hidden = _cat_rows([self.hidden, *states] if self.hidden is not None else states)

    def leave(self, rows: list[int]) -> None:
        """Drop these rows: their requests and their rows of the hidden state."""
        if not rows:
            return
        gone = set(rows)
        keep = [row for row in range(len(self.requests)) if row not in gone]
        self.requests = [self.requests[row] for row in keep]
        if not keep:
            self.hidden = None
        else:
            self.hidden = _select_rows(self.hidden, torch.tensor(keep, device=self.device))

    def clear(self) -> list[Request]:
        """Drop every row; returns the requests that were in them."""
        requests, self.requests, self.hidden = self.requests, [], None
        return requests

    def last_tokens(self) -> torch.Tensor:
        """(batch,): each row's last word, which the next step feeds."""
        return torch.tensor([r.last_token for r in self.requests], dtype=torch.long, device=self.device)

    def top_outputs(self) -> torch.Tensor:
        """(batch, hidden_dim): each row's top-layer h after a step, the output the head read (a cache's query)."""
        return (self.hidden[0] if isinstance(self.hidden, tuple) else self.hidden)[-1]


def _cat_rows(states: list[Hidden]) -> Hidden:
    """Hidden states (num_layers, n_i, hidden_dim) side by side along the batch dimension."""
    if isinstance(states[0], tuple):
        return tuple(torch.cat(parts, dim=1) for parts in zip(*states, strict=True))
    return torch.cat(states, dim=1)


def _select_rows(hidden: Hidden, rows: torch.Tensor) -> Hidden:
    """The given batch rows of a hidden state (num_layers, batch, hidden_dim), in that order."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, rows) for h in hidden)
    return hidden.index_select(1, rows)

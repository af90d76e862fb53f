"""Ids → batches: a contiguous train/validation split and truncated-BPTT batches.

batchify cuts the training stream into `batch_size` columns, each a contiguous slice of it (the
last few tokens, fewer than a row, are dropped); bptt_batches reads the columns `bptt` rows at a
time, the targets one row below the inputs. With batch_size 4 and bptt 2:

    a b c d e f g h i j k l m n o p q r s t u v w x    the stream

    | a g m s |  batch 0: inputs a g m s / b h n t, targets b h n t / c i o u
    | b h n t |
    | c i o u |  batch 1: inputs c i o u / d j p v, targets d j p v / e k q w
    | d j p v |
    | e k q w |  batch 2: inputs e k q w, targets f l r x (shorter: f l r x are only targets)
    | f l r x |

Each column of a batch continues the same column of the batch before, so training carries the
hidden state from one batch to the next. The columns are separate texts: f never predicts g.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass
class Split:
    train_lines: list[str]  # the first lines of the corpus
    val_lines: list[str]  # a contiguous tail: unseen songs, as the hidden test lyrics are


def split_lines(lines: list[str], val_fraction: float = 0.1) -> Split:
    """Hold out the last val_fraction of the lines (not shuffled lines: choruses repeat and would leak)."""
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    cut = len(lines) - max(1, round(len(lines) * val_fraction))
    if cut < 1:
        raise ValueError("the corpus needs at least two lines to split")
    return Split(lines[:cut], lines[cut:])


def batchify(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """(num_tokens,) → (num_rows, batch_size): column j is the j-th contiguous slice of the stream."""
    rows = ids.numel() // batch_size
    if rows < 2:
        raise ValueError(f"{ids.numel()} tokens are too few for batch_size={batch_size}")
    return ids[: rows * batch_size].view(batch_size, rows).t().contiguous()  # (rows, batch)


def bptt_batches(data: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (inputs, targets), each (seq_len, batch); targets are the inputs shifted by one token."""
    for start in range(0, data.size(0) - 1, bptt):
        seq_len = min(bptt, data.size(0) - 1 - start)
        yield data[start : start + seq_len], data[start + 1 : start + 1 + seq_len]

"""Lines → ids: the validation tail held out, a vocabulary from the training lines alone, and each
pass's draw of rare words hidden as <unk>.

train.py reads a corpus file this way and the Lab (lyricgen.lab) pasted text or the built-in poems,
so a model trained live meets its text exactly as a shipped model met the lyrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import Split, split_lines
from .evaluate import unk_rate
from .fingerprint import Fingerprint
from .tokens import lines_to_tokens, split_words
from .vocab import Vocab


@dataclass
class Corpus:
    split: Split  # training lines, then the validation tail (none when every line is for training)
    vocab: Vocab  # built from the training split, so validation meets unknown words as unseen lyrics will
    train_ids: torch.Tensor  # (num_train_tokens,): the training lines, <eol> before, between and after them
    val_ids: list[int]  # [<eol>, words..., <eol>, ...] of the validation lines, scored by evaluate.mean_nll
    unk_prob: torch.Tensor  # (vocab_size,): per id, the chance to be fed as <unk> in a pass (unk_probabilities)
    val_unk_rate: float  # share of validation words the vocabulary lacks


def unk_probabilities(ids: torch.Tensor, vocab_size: int, unk_id: int, eol_id: int, alpha: float) -> torch.Tensor:
    """Per id, the chance to be fed as <unk>: alpha/(alpha+count). Rare words are hidden most often.

    In the training text only the words seen once are <unk> (a few percent), yet in unseen lyrics about
    a quarter of the words are unknown; hiding rare words at random teaches the model that rate.
    """
    counts = torch.bincount(ids, minlength=vocab_size).float()
    prob = alpha / (alpha + counts.clamp(min=1)) if alpha > 0 else torch.zeros(vocab_size)
    prob[[unk_id, eol_id]] = 0.0
    return prob


def build_corpus(lines: list[str], val_fraction: float, min_count: int, unk_alpha: float,
                 hold_out: bool = True, tokens: str = "word") -> Corpus:
    """Lines → tokens → ids, the last val_fraction of the lines held out (hold_out=False: none).

    min_count: words seen fewer times in the training lines are not in the vocabulary.
    unk_alpha: see unk_probabilities.
    tokens: how a line is split (tokens.SPLITS): jieba's words, or characters; the vocabulary keeps it.
    """
    split = split_lines(lines, val_fraction) if hold_out else Split(lines, [])
    train_tokens, val_tokens = lines_to_tokens(split.train_lines, tokens), lines_to_tokens(split.val_lines, tokens)
    vocab = Vocab.build(train_tokens, min_count, tokens)
    train_ids = torch.tensor(vocab.encode(train_tokens), dtype=torch.long)
    return Corpus(
        split=split,
        vocab=vocab,
        train_ids=train_ids,
        val_ids=vocab.encode(val_tokens),
        unk_prob=unk_probabilities(train_ids, len(vocab), vocab.unk_id, vocab.eol_id, unk_alpha),
        val_unk_rate=unk_rate(vocab, val_tokens),
    )


def epoch_ids(corpus: Corpus, seed: int, epoch: int) -> torch.Tensor:
    """The training ids with this pass's draw of words hidden as <unk>: a fresh draw each pass, the same
    for the same (seed, epoch), so a resumed or repeated run feeds the same words."""
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    ids = corpus.train_ids
    hide = torch.rand(ids.shape, generator=generator) < corpus.unk_prob[ids]
    return torch.where(hide, torch.full_like(ids, corpus.vocab.unk_id), ids)


def fingerprint_of(corpus: Corpus) -> Fingerprint:
    """The training lines' words, hashed: the app's memorization check compares generated lines with them."""
    return Fingerprint.build([split_words(line, corpus.vocab.split) for line in corpus.split.train_lines])

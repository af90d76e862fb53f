"""The embedding up close: which words a model placed near a word, and a flat map of the commonest words.

Words used in similar places get similar vectors during training, so "near" in the embedding
roughly means "used alike in these lyrics". Nearness here is cosine similarity: the angle between
two vectors, whatever their lengths. With tie_weights the same matrix is also the output layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch

from ..checkpoint import Checkpoint
from ..tokens import SPECIALS, split_words

MAX_SHARING = 20  # look-alike words listed for an unknown word


@dataclass
class Neighbours:
    word: str
    known: bool  # False: the word is not in the vocabulary, so it has no vector of its own
    table: pd.DataFrame  # rank, word, id, cosine: likeliest first (empty when unknown)
    pieces: list[str] = field(default_factory=list)  # unknown word: jieba's split of it
    pieces_known: list[bool] = field(default_factory=list)  # which pieces the vocabulary has
    sharing: list[str] = field(default_factory=list)  # unknown word: vocabulary words sharing a character


def cosine_to_all(weight: torch.Tensor, token_id: int) -> torch.Tensor:
    """Cosine similarity of row token_id to every row of weight (vocab_size, dim) → (vocab_size,)."""
    unit = weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (vocab_size, dim), rows of length 1
    return unit @ unit[token_id]


def nearest_words(ckpt: Checkpoint, word: str, k: int) -> Neighbours:
    """The k words whose embedding is closest (cosine) to word's, itself and <unk>/<eol> left out.

    An unknown word gets no neighbours; instead, jieba's split of it and the vocabulary words that
    share one of its characters, most shared characters first, then most frequent.
    """
    vocab = ckpt.vocab
    if word not in vocab:
        pieces = split_words(word, vocab.split)
        return Neighbours(word, False, pd.DataFrame(columns=["rank", "word", "id", "cosine"]), pieces,
                          [p in vocab for p in pieces], sharing_characters(ckpt, word))
    token_id = vocab.index[word]
    excluded = [token_id, *(vocab.index[s] for s in SPECIALS)]
    k = min(k, len(vocab) - len(set(excluded)))
    with torch.inference_mode():
        cosine = cosine_to_all(ckpt.model.embedding.weight.detach().float(), token_id).cpu()  # (vocab_size,)
        cosine[excluded] = float("-inf")
        best = torch.topk(cosine, k)
    rows = [{"rank": r, "word": vocab.tokens[i], "id": i, "cosine": round(float(c), 4)}
            for r, (i, c) in enumerate(zip(best.indices.tolist(), best.values.tolist(), strict=True), 1)]
    return Neighbours(word, True, pd.DataFrame(rows, columns=["rank", "word", "id", "cosine"]))


def sharing_characters(ckpt: Checkpoint, word: str, limit: int = MAX_SHARING) -> list[str]:
    """Vocabulary words with a character in common with word: most shared first, then commonest (lowest id)."""
    chars = {ch for ch in word if not ch.isspace()}
    found = []
    for token_id, token in enumerate(ckpt.vocab.tokens):
        if token in SPECIALS or token == word:
            continue
        shared = len(chars.intersection(token))
        if shared:
            found.append((-shared, token_id, token))
    return [token for _, _, token in sorted(found)[:limit]]


def embedding_map(ckpt: Checkpoint, n: int, query: str | None = None, also: Sequence[str] = ()) -> pd.DataFrame:
    """The n most frequent words projected to 2-D by PCA: columns x, y, word, id, is_query.

    Vocab.build puts the most frequent words first, right after the two special tokens, so they are
    ids 2 .. n+1. A known query outside them is projected onto the same two axes and added as one
    more row, and so is each known word of `also` (the query's nearest words, say); an unknown (or
    blank) query marks nothing. df.attrs["explained"] holds the share of the variance each axis keeps:
    a low share means the flat picture hides most of the structure.
    """
    vocab = ckpt.vocab
    first = len(SPECIALS)
    ids = list(range(first, min(len(vocab), first + n)))
    if len(ids) < 2:
        raise ValueError("a map needs at least two words")
    query_id = vocab.index.get(query) if query else None
    for extra in (query_id, *(vocab.index.get(word) for word in also)):
        if extra is not None and extra not in ids:
            ids.append(extra)
    with torch.inference_mode():
        vectors = ckpt.model.embedding.weight.detach()[ids].float().cpu()  # (words, embed_dim)
        xy, explained = pca_2d(vectors[:n], vectors)  # (words, 2): axes fitted to the top n only
    df = pd.DataFrame({
        "x": xy[:, 0].tolist(),
        "y": xy[:, 1].tolist(),
        "word": [vocab.tokens[i] for i in ids],
        "id": ids,
        "is_query": [i == query_id for i in ids],
    })
    df.attrs["explained"] = explained
    return df


def pca_2d(fit: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, list[float]]:
    """Fit PCA on fit (n, dim) by SVD, project points (m, dim) → ((m, 2), variance share of each axis).

    Each axis's sign is fixed so that its largest loading is positive: otherwise two runs on the
    same model could draw mirror images, since an SVD's signs are arbitrary.
    """
    mean = fit.mean(dim=0)  # (dim,)
    centred = fit - mean  # (n, dim)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)  # vh: (min(n, dim), dim), rows = axes
    axes = vh[:2]  # (2, dim)
    if axes.size(0) < 2:  # a 1-dim embedding: the second axis is all zeros
        axes = torch.cat([axes, torch.zeros_like(axes)])
    signs = torch.sign(axes.gather(1, axes.abs().argmax(dim=1, keepdim=True)))  # (2, 1)
    axes = axes * torch.where(signs == 0, torch.ones_like(signs), signs)
    variance = s**2
    total = float(variance.sum()) or 1.0
    explained = [float(v) / total for v in variance[:2]] + [0.0] * max(0, 2 - variance.numel())
    return (points - mean) @ axes.T, explained  # (m, 2)

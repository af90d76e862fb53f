"""The neighbours panel (web/tabs/neighbours.py): nearest words and the map, served, in one language."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from languages import assert_chinese, assert_english, shown
from panel_helpers import (
    corpus_words,
    rows,
)

from lyricgen.inspect.embedding import embedding_map, nearest_words
from lyricgen.tokens import SPECIALS
from lyricgen.web import i18n, limits
from lyricgen.web.tabs.neighbours import QUERY, NeighboursTab

# ---------------------------------------------------------------------------------------------
# Embedding neighbours and map


def test_a_word_made_identical_is_the_nearest(ckpts):
    ckpt = copy.deepcopy(ckpts["lstm"])
    vocab, weight = ckpt.vocab, ckpt.model.embedding.weight
    a, b = vocab.index["明月"], len(vocab) - 1  # the rarest word, surely not near by chance
    with torch.no_grad():
        weight[b] = weight[a] * 3  # same direction, other length: cosine 1
        weight[vocab.eol_id] = weight[a]  # a special token never counts as a neighbour
    result = nearest_words(ckpt, "明月", k=5)
    assert result.known and len(result.table) == 5
    assert result.table["word"].iloc[0] == vocab.tokens[b] and result.table["cosine"].iloc[0] == pytest.approx(1)
    assert "明月" not in set(result.table["word"]) and not set(SPECIALS) & set(result.table["word"])
    assert list(result.table["cosine"]) == sorted(result.table["cosine"], reverse=True)
    assert nearest_words(ckpts["lstm"], "明月", k=5).table["word"].iloc[0] != vocab.tokens[b]  # the copy only


def test_unknown_word_gets_its_pieces_and_relatives(ckpts):
    result = nearest_words(ckpts["gru"], "明月夜航船", limits.NEIGHBOURS)
    assert not result.known and result.table.empty
    assert "".join(result.pieces) == "明月夜航船" and len(result.pieces_known) == len(result.pieces)
    assert result.sharing and all(set(w) & set("明月夜航船") for w in result.sharing)
    assert "明月" in result.sharing


def test_pca_map_shape_and_query(ckpts):
    ckpt = ckpts["rnn"]
    df = embedding_map(ckpt, n=20)
    assert df.shape == (20, 5) and list(df.columns) == ["x", "y", "word", "id", "is_query"]
    assert list(df["id"]) == list(range(2, 22)) and not df["is_query"].any()
    assert abs(df["x"].mean()) < 1e-4 and df["x"].var() >= df["y"].var()  # centred; first axis widest
    share = df.attrs["explained"]
    assert 1 >= share[0] >= share[1] > 0
    rare = ckpt.vocab.tokens[-1]
    with_query = embedding_map(ckpt, n=20, query=rare)
    assert len(with_query) == 21 and with_query["is_query"].sum() == 1
    assert with_query[with_query["is_query"]]["word"].item() == rare
    np.testing.assert_allclose(with_query[["x", "y"]].to_numpy()[:20], df[["x", "y"]].to_numpy(), atol=1e-5)
    inside = embedding_map(ckpt, n=20, query=ckpt.vocab.tokens[5])
    assert len(inside) == 20 and inside["is_query"].sum() == 1
    # the distance between two words on the map is their distance along the two axes
    vectors = ckpt.model.embedding.weight.detach()[2:22].numpy()
    centred = vectors - vectors.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.abs(df[["x", "y"]].to_numpy()), np.abs(centred @ vt[:2].T), atol=1e-4)


def test_client_neighbours_known_and_unknown_words(served, tiny):
    client, _ = served
    word = tiny["gru"].vocab.tokens[5]
    shown, missing, info, points = client.predict(word, "gru", api_name="/neighbours")  # updates: value, visible
    table, missing = shown["value"], missing["value"]
    assert shown["visible"]
    nearest = rows(table)
    assert len(nearest) == limits.NEIGHBOURS and {"RNN", "LSTM", "GRU", "GRU cos"} <= set(table["headers"])
    assert all(-1 <= r["GRU cos"] <= 1 for r in nearest) and word not in [r["GRU"] for r in nearest]
    assert ">word looked up</text>" in points and f">{word}</text>" in points and "PCA" in info  # legend: English
    assert not missing
    shown, missing, info, points = client.predict("明月Zorglub", "lstm", api_name="/neighbours")
    assert not shown["visible"] and missing["visible"]  # said where the table would be
    missing = missing["value"]
    assert "jieba" in missing and "明月" in missing and "PCA" in info
    assert ">word looked up</text>" not in points


# ---------------------------------------------------------------------------------------------
# One language at a time in each handler's answer and message.

@pytest.mark.parametrize("word", ["明月", "明月Zorglub"])  # known; unknown, with its jieba split and look-alikes
def test_neighbours_speaks_one_language(tiny, word):
    tab, data = NeighboursTab(tiny), [*corpus_words(tiny), word, "Zorglub"]
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            table, missing, info, svg = tab.neighbours(word, "gru")  # the table and the message: updates
        check(" ".join([shown(table["value"]), missing["value"], info, shown(svg)]), data)
        assert (f">{i18n.text(lang, QUERY)}</text>" in svg) == (word in tiny["gru"].vocab)  # the legend: its kinds

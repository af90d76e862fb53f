"""The Tokens & vectors tab (lyricgen/web/tabs/tokenize.py): called directly, served, in one language."""

from __future__ import annotations

from languages import answers_in, assert_chinese, assert_english
from panel_helpers import corpus_words

from lyricgen.tokens import UNK
from lyricgen.web.render import HEADER_H
from lyricgen.web.tabs.tokenize import HEATMAP_ROW_H, TokenizeTab


def test_tokenize_shows_ids_vectors_and_shapes(tiny):
    table, shapes, image = TokenizeTab(tiny).tokenize("明月光 Zorglub", "gru")
    vocab = tiny["gru"].vocab
    words = list(table["word"])
    assert "Zorglub" in words
    row = table[table["word"] == "Zorglub"].iloc[0]
    assert row["id"] == vocab.unk_id and UNK in row["in vocab"]
    embed_dim = tiny["gru"].model.config.embed_dim  # 16: all dims fit in the table
    assert [c for c in table.columns if c.startswith("d")] == [f"d{j}" for j in range(min(8, embed_dim))]
    n = len(words)
    assert f"`({n},)`" in shapes and f"`({n}, {embed_dim})`" in shapes and f"`({n}, 1, {embed_dim})`" in shapes
    assert image.height == HEADER_H + n * HEATMAP_ROW_H and image.width > embed_dim


def test_client_tokenizes(served):
    client, _ = served
    table, shapes, _image = client.predict("明月光", "rnn", api_name="/tokenize")
    assert table["headers"][:3] == ["#", "word", "id"] and table["data"]
    assert "seq_len, batch, input_size" in shapes


# ---------------------------------------------------------------------------------------------
# One language at a time in each handler's answer and message.

def test_tokenize_speaks_one_language(tiny):
    tab, text = TokenizeTab(tiny), "明月量子 Zorglub"  # an unknown word too; 16 dims, 8 in the table
    data = [*corpus_words(tiny), "量子", "Zorglub", UNK]
    chinese = answers_in("zh", tab.tokenize, text, "gru")
    assert_chinese(chinese, data)
    assert "未知词" in chinese and "表格只列出前 8 维" in chinese
    english = answers_in("en", tab.tokenize, text, "gru")
    assert_english(english, data)
    assert "Unknown words" in english and "first 8 of 16 dimensions" in english

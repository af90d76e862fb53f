"""The compare-cells panel (lyricgen/web/tabs/compare.py): its numbers recomputed, served, in one language."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import answers
from languages import answers_in, assert_chinese, assert_english
from panel_helpers import (
    CELLS,
    corpus_words,
    rows,
)

from lyricgen.generate import GenerationSettings, generate_text, make_prompt
from lyricgen.inspect.words import compare_cells
from lyricgen.sampling import Sampling
from lyricgen.web.render import (
    CELL_LABELS,
)
from lyricgen.web.tabs.compare import CompareTab, per_cell_table

# ---------------------------------------------------------------------------------------------
# Compare cells


def test_compare_cells_surprisal_is_recomputed_independently(ckpts):
    outputs = compare_cells(ckpts, GenerationSettings("明月", 12, Sampling(0.9), seed=5))
    assert [o.cell for o in outputs] == CELLS
    again = compare_cells(ckpts, GenerationSettings("明月", 12, Sampling(0.9), seed=5))
    assert [o.text for o in outputs] == [o.text for o in again]
    for o in outputs:
        ckpt = ckpts[o.cell]
        assert o.text == generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 12, Sampling(0.9), 5))
        ids = make_prompt(ckpt.vocab, "明月").ids + ckpt.vocab.encode(o.words)
        with torch.no_grad():
            logits, _ = ckpt.model(torch.tensor(ids[:-1]).unsqueeze(1))
        nats = F.cross_entropy(logits[:, 0], torch.tensor(ids[1:]), reduction="none")[-12:]
        assert o.mean_surprisal == pytest.approx(float(nats.mean()) / math.log(2), rel=1e-4)
        assert o.val_ppl == pytest.approx(ckpt.metrics["val_ppl"])
    table = per_cell_table(outputs, {cell: cell.upper() for cell in ckpts})
    assert len(table) == 3 and all(o.seed == 5 for o in outputs)
    drawn = compare_cells(ckpts, GenerationSettings("明月", 3, Sampling(0.8)))
    assert len({o.seed for o in drawn}) == 1  # one random seed, shared by every cell


def test_compare_streams_what_each_cell_writes_alone(tiny, engines):
    updates = answers(CompareTab(tiny, engines, 0.01).compare("明月", "11", 0.9, 12, 0.9))
    html, table, info = updates[-1]
    alone = compare_cells(tiny, GenerationSettings("明月", 12, Sampling(0.9, top_p=0.9), seed=11))
    assert list(table["text"]) == [o.text for o in alone]
    assert list(table["mean surprisal (bits)"]) == [round(o.mean_surprisal, 2) for o in alone]
    assert "`11`" in info and len(updates) >= 1


def test_client_compare_runs_every_cell_with_one_seed(served, tiny):
    client, _ = served
    html, table, info = client.predict("明月", "11", 0.9, 12, api_name="/compare")
    per_cell = rows(table)
    assert [r["cell"] for r in per_cell] == [CELL_LABELS[cell] for cell in tiny]
    for r, ckpt in zip(per_cell, tiny.values(), strict=True):
        assert r["val ppl"] == pytest.approx(ckpt.metrics["val_ppl"], abs=0.05)
        assert r["ppl of own text"] == pytest.approx(2 ** r["mean surprisal (bits)"], rel=0.01)
        assert r["text"].startswith("明月")
    assert all(CELL_LABELS[cell] in html for cell in tiny) and "`11`" in info
    assert client.predict("明月", "11", 0.9, 12, api_name="/compare")[1] == table  # same seed, same lyrics


def test_compare_speaks_one_language(tiny, engines):
    tab, data = CompareTab(tiny, engines, 0.01), [*corpus_words(tiny), "明月"]
    chinese = answers_in("zh", tab.compare, "明月", "11", 0.9, 12)
    assert_chinese(chinese, data)
    assert "平均惊讶度" in chinese and "三个模型用同一串随机数" in chinese
    english = answers_in("en", tab.compare, "明月", "11", 0.9, 12)
    assert_english(english, data)
    assert "mean surprisal (bits)" in english and "same random numbers" in english

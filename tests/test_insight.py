"""Look inside the RNN: every number of lyricgen.inspect recomputed here another way, on the tiny trained
checkpoints; the pictures and HTML drawn from them; and every panel's refusal of bad input."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import answers

from lyricgen.checkpoint import Checkpoint, load_checkpoint
from lyricgen.fingerprint import Fingerprint
from lyricgen.generate import GenerationSettings, generate_text, make_prompt
from lyricgen.inspect.embedding import embedding_map, nearest_words
from lyricgen.inspect.memory import check_memorization
from lyricgen.inspect.states import hidden_states, open_box
from lyricgen.inspect.words import NextWordResult, WordStep, compare_cells, next_words, score_line, top_candidates
from lyricgen.model import LyricModel, ModelConfig
from lyricgen.sampling import Sampling
from lyricgen.tokens import EOL, SPECIALS, lines_to_tokens
from lyricgen.web import i18n, limits
from lyricgen.web.render import (
    GATE_NAMES,
    heatmap_image,
    memorization_html,
    next_words_html,
    open_box_markdown,
    prob_color,
    trace_images,
)
from lyricgen.web.tabs.compare import CompareTab, per_cell_table
from lyricgen.web.tabs.generate import GenerateTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab, steps_table
from lyricgen.web.tabs.memorized import MemorizedTab
from lyricgen.web.tabs.neighbours import NeighboursTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.score_line import ScoreLineTab
from lyricgen.web.tabs.tokenize import TokenizeTab
from lyricgen.web.validate import InputError, check_text

CELLS = ["rnn", "lstm", "gru"]
SENTENCE = "明月几时有，把酒问青天"  # a line of the tiny corpus's poems, plus a comma


@pytest.fixture(scope="module")
def ckpts(tiny_weights) -> dict[str, Checkpoint]:
    return {cell: load_checkpoint(tiny_weights[cell], "cpu") for cell in CELLS}


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


# ---------------------------------------------------------------------------------------------
# Hidden states and gates


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_hand_computed_states_match_pytorch(ckpts, cell, layers):
    ckpt = ckpts[cell] if layers == 1 else two_layer(ckpts[cell], cell)
    trace = hidden_states(ckpt, SENTENCE)
    ids = make_prompt(ckpt.vocab, SENTENCE).ids
    assert trace.token_ids == ids and trace.tokens[0] == EOL and len(trace.layers) == layers
    assert trace.max_abs_diff < 1e-5
    h_ref, c_ref = stepwise_reference(ckpt.model, ids)
    hidden = ckpt.model.config.hidden_dim
    for k, layer in enumerate(trace.layers):
        assert layer.h.shape == (len(ids), hidden)  # (time, units)
        assert np.abs(layer.h - h_ref[:, k].numpy()).max() < 1e-5
        if cell == "lstm":
            assert np.abs(layer.gates["c"] - c_ref[:, k].numpy()).max() < 1e-5
    # and the whole-sequence call's output is the top layer's h at every step
    with torch.no_grad():
        out, _ = ckpt.model.rnn(ckpt.model.embedding(torch.tensor(ids)).unsqueeze(1))
    assert np.abs(trace.layers[-1].h - out[:, 0].numpy()).max() < 1e-5


@pytest.mark.parametrize("cell", CELLS)
def test_gates_obey_the_cell_equations(ckpts, cell):
    trace = hidden_states(ckpts[cell], SENTENCE)
    layer = trace.layers[0]
    h_prev = np.vstack([np.zeros((1, layer.h.shape[1])), layer.h[:-1]])  # h_{t-1}, h_0 = 0
    if cell == "rnn":
        assert layer.gates == {}
        assert np.abs(layer.h).max() < 1
    elif cell == "lstm":
        i, f, g, o, c = (layer.gates[n] for n in "ifgoc")
        assert min(i.min(), f.min(), o.min()) >= 0 and max(i.max(), f.max(), o.max()) <= 1
        c_prev = np.vstack([np.zeros((1, c.shape[1])), c[:-1]])
        np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-6)
        np.testing.assert_allclose(layer.h, o * np.tanh(c), atol=1e-6)
    else:
        r, z, n = (layer.gates[name] for name in "rzn")
        assert min(r.min(), z.min()) >= 0 and max(r.max(), z.max()) <= 1
        np.testing.assert_allclose(layer.h, (1 - z) * n + z * h_prev, atol=1e-6)
    assert len(steps_table(trace)) == len(trace.tokens)


@pytest.mark.parametrize("cell", CELLS)
def test_trace_images_one_per_quantity(ckpts, cell):
    trace = hidden_states(ckpts[cell], SENTENCE)
    images = trace_images(trace)
    keys = [GATE_NAMES[name] for name in ["h", *trace.layers[0].gates]]
    assert [caption for _, caption in images] == [i18n.text("en", key) for key in keys]
    steps = len(trace.tokens)
    for image, caption in images:
        assert image.height == steps * 14 and image.width > ckpts[cell].model.config.hidden_dim
        assert " " in caption
    with pytest.raises(IndexError):
        trace_images(trace, layer=1)


def test_hidden_states_feed_unknown_words_as_unk(ckpts):
    trace = hidden_states(ckpts["gru"], "量子 明月")
    assert "量子" in trace.unknown and "量子" in trace.tokens
    assert trace.token_ids[trace.tokens.index("量子")] == ckpts["gru"].vocab.unk_id


def test_heatmap_colours_follow_the_sign():
    values = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, 0.0]])  # (time, units)
    image = heatmap_image(values, limit=1.0, cell_w=10, cell_h=10, row_labels=False)
    assert image.size == (30, 20)
    blue, white, red = (image.getpixel((5 + 10 * j, 5)) for j in range(3))
    assert blue[2] > blue[0] and red[0] > red[2] and min(white) > 240
    labelled = heatmap_image(values)
    assert labelled.size[1] == 2 * 14 and labelled.size[0] > 3
    gate = heatmap_image(np.array([[0.0, 1.0]]), diverging=False, limit=1.0, cell_w=4, row_labels=False)
    assert sum(gate.getpixel((1, 1))) > sum(gate.getpixel((5, 1)))  # white for 0, dark for 1
    with pytest.raises(ValueError):
        heatmap_image(np.zeros((0, 3)))


# ---------------------------------------------------------------------------------------------
# Open the box


@pytest.mark.parametrize("layers", [1, 2])
def test_open_box_terms_add_up_to_nn_rnn(ckpts, layers):
    ckpt = ckpts["rnn"] if layers == 1 else two_layer(ckpts["rnn"], "rnn")
    box = open_box(ckpt, SENTENCE, units=4)
    assert box.max_abs_diff < 1e-5
    ids = make_prompt(ckpt.vocab, SENTENCE).ids
    h_ref, _ = stepwise_reference(ckpt.model, ids)
    assert np.abs(box.h - h_ref[:, 0].numpy()).max() < 1e-5  # layer 0 at every step
    hidden, embed = ckpt.model.config.hidden_dim, ckpt.model.config.embed_dim
    assert box.shapes["W_ih"] == (hidden, embed) and box.shapes["W_hh"] == (hidden, hidden)
    assert box.shapes["b_ih"] == box.shapes["b_hh"] == (hidden,)
    assert len(box.steps) == len(ids) and box.steps[0].h_prev == [0.0] * 4
    w_ih = ckpt.model.rnn.weight_ih_l0.detach()
    for step in box.steps:
        terms = {k: np.array(v) for k, v in step.terms.items()}
        assert all(len(v) == 4 for v in terms.values())
        parts = terms["W_ih x_t"] + terms["b_ih"] + terms["W_hh h_{t-1}"] + terms["b_hh"]
        np.testing.assert_allclose(terms["sum"], parts, atol=1e-6)
        np.testing.assert_allclose(terms["h_t = tanh(sum)"], np.tanh(terms["sum"]), atol=1e-6)
        np.testing.assert_allclose(terms["h_t = tanh(sum)"], box.h[step.t, :4], atol=1e-6)
        x = ckpt.model.embedding.weight.detach()[step.token_id]
        np.testing.assert_allclose(terms["W_ih x_t"], (w_ih @ x)[:4].numpy(), atol=1e-5)


def test_open_box_markdown_explains_and_escapes(ckpts):
    box = open_box(ckpts["rnn"], "明月 <b>|")
    text = open_box_markdown(box)
    assert "tanh" in text and "W_hh" in text and "shape" in text and "they agree" in text
    assert "<b>" not in text and "&lt;" in text
    assert f"{box.max_abs_diff:.2e}" in text
    with i18n.using("zh"):
        assert "形状" in open_box_markdown(box)


# ---------------------------------------------------------------------------------------------
# Next word


def test_top_candidates_are_sorted_and_flatter_when_hotter(ckpts):
    ckpt = ckpts["lstm"]
    with torch.no_grad():
        logits = ckpt.model(torch.tensor(make_prompt(ckpt.vocab, "明月").ids).unsqueeze(1))[0][-1, 0]
    cold = top_candidates(logits, ckpt.vocab, Sampling(0.5), 10)
    hot = top_candidates(logits, ckpt.vocab, Sampling(2.0), 10)
    assert len(cold) == 10 and [c.token_id for c in cold] == [c.token_id for c in hot]
    assert ckpt.vocab.unk_id not in [c.token_id for c in cold]  # banned, as in generation
    for cands in (cold, hot):
        for column in ([c.prob_model for c in cands], [c.prob for c in cands]):
            assert column == sorted(column, reverse=True)
            assert sum(column) <= 1 + 1e-6
    assert [c.prob_model for c in cold] == [c.prob_model for c in hot]  # "before" does not depend on T
    raw = torch.softmax(logits.float(), 0)  # p_model: the model's own softmax, <unk> included
    assert [c.prob_model for c in cold] == pytest.approx([float(raw[c.token_id]) for c in cold])
    assert cold[0].prob > cold[0].prob_model > hot[0].prob  # hotter: the favourite loses mass
    assert hot[-1].prob / hot[0].prob > cold[-1].prob / cold[0].prob  # ... and the ranks move closer
    probs = torch.softmax(logits[1:] / 2.0, 0)  # independently, <unk> (id 0) left out
    assert hot[0].prob == pytest.approx(float(probs.max()), rel=1e-5)


@pytest.mark.parametrize("temperature", [0.0, 0.7, 1.0, 1.6])
def test_next_words_records_what_sampling_used(ckpts, temperature):
    ckpt = ckpts["gru"]
    settings = GenerationSettings("明月", 15, Sampling(temperature), seed=3)
    result = next_words(ckpt, settings, limits.TOP_CANDIDATES)
    assert len(result.steps) == 15 and result.seed == 3
    assert result.text == generate_text(ckpt.model, ckpt.vocab, settings)
    ids = make_prompt(ckpt.vocab, "明月").ids + [s.token_id for s in result.steps]
    with torch.no_grad():
        logits, _ = ckpt.model(torch.tensor(ids[:-1]).unsqueeze(1))  # (seq_len - 1, 1, vocab_size)
    raw = torch.softmax(logits[-15:, 0].double(), -1)  # the model's own next-word distributions
    for step, p in zip(result.steps, raw, strict=True):
        assert 0 < step.prob <= 1 and 0 < step.prob_model <= 1
        # One definition per number: p_model is the model's own softmax, and the surprisal is −log₂ of it.
        assert step.prob_model == pytest.approx(float(p[step.token_id]), rel=1e-4)
        assert step.surprisal == pytest.approx(-math.log2(step.prob_model), rel=1e-6)
        chosen = [c for c in step.candidates if c.token_id == step.token_id]
        if chosen:
            assert chosen[0].prob == pytest.approx(step.prob) and chosen[0].prob_model == pytest.approx(step.prob_model)
        if temperature == 0:
            assert step.prob == 1.0 and step.candidates[0].token_id == step.token_id
        if temperature == 1.0:  # p_T differs from p_model by <unk> alone: the rest share its mass
            p_unk = float(p[ckpt.vocab.unk_id])
            assert [c.prob for c in step.candidates] == pytest.approx([c.prob_model / (1 - p_unk)
                                                                      for c in step.candidates], rel=1e-4)
    assert all(len(step.candidates) == limits.TOP_CANDIDATES for step in result.steps)


def test_next_words_with_top_k_gives_zero_outside_it(ckpts):
    settings = GenerationSettings("春风", 5, Sampling(1.2, top_k=3), seed=1)
    result = next_words(ckpts["rnn"], settings, limits.TOP_CANDIDATES)
    for step in result.steps:
        assert all(c.prob == 0 for c in step.candidates[3:])
        assert sum(c.prob for c in step.candidates) == pytest.approx(1)


def test_colored_html_escapes_and_colours(ckpts):
    settings = GenerationSettings("<script>明月", 8, Sampling(1.0), seed=2)
    result = next_words(ckpts["lstm"], settings, limits.TOP_CANDIDATES)
    page = next_words_html(result)
    assert "<script>" not in page and "&lt;" in page
    assert page.count("<span title=") == 8
    assert prob_color(result.steps[0].prob_model) in page
    fake = NextWordResult([], [], [WordStep(0, '"><img>', 5, 0.5, 0.25, 2.0, []),
                                   WordStep(1, EOL, 1, 0.9, 0.9, 0.1, [])], 0, Sampling(1.0))
    page = next_words_html(fake)
    assert "<img>" not in page and "<br>" in page
    assert prob_color(1e-9) == prob_color(1e-3) != prob_color(1.0)


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
    table = per_cell_table(outputs)
    assert len(table) == 3 and all(o.seed == 5 for o in outputs)
    drawn = compare_cells(ckpts, GenerationSettings("明月", 3, Sampling(0.8)))
    assert len({o.seed for o in drawn}) == 1  # one random seed, shared by every cell


# ---------------------------------------------------------------------------------------------
# Score a line


def test_score_line_is_minus_log2_softmax(ckpts):
    text = "明月几时有 量子"
    score = score_line(ckpts, text)
    tokens = lines_to_tokens([text])
    assert score.tokens == tokens[1:] and score.tokens[-1] == EOL  # the line's end is scored
    assert score.known == [t == EOL or t in ckpts["rnn"].vocab for t in tokens[1:]] and not all(score.known)
    for cell, ckpt in ckpts.items():
        ids = torch.tensor(ckpt.vocab.encode(tokens))
        with torch.no_grad():
            logits, _ = ckpt.model(ids[:-1].unsqueeze(1))
        expected = -torch.log2(torch.softmax(logits[:, 0].double(), -1)[torch.arange(len(ids) - 1), ids[1:]])
        np.testing.assert_allclose(score.surprisal[cell], expected.numpy(), rtol=1e-4)
        assert score.perplexity[cell] == pytest.approx(2 ** float(expected.mean()), rel=1e-4)
    summary, _, table = ScoreLineTab(ckpts).score_line(text)
    assert len(table) == len(tokens) - 1 and {"RNN (bits)", "LSTM (bits)", "GRU (bits)"} <= set(table.columns)
    assert list(summary["perplexity"]) == [round(score.perplexity[cell], 3) for cell in CELLS]


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


# ---------------------------------------------------------------------------------------------
# Memorization


def test_memorization_marks_training_lines_and_runs():
    train = [["春风", "又", "绿", "江南", "岸"], ["明月", "何时", "照", "我", "还"], ["千山", "鸟", "飞", "绝"]]
    fingerprint = Fingerprint.build(train)
    stream = ["春风", "又", "绿", "江南", "岸", EOL,  # a training line, whole
              "我", "爱", "量子", EOL,  # new
              "我", "绿", "江南", "岸", EOL, "明月", "何时", "照", "我", "好", EOL]  # a run across a line break
    report = check_memorization(stream, fingerprint)
    assert [line.seen for line in report.lines] == [True, False, False, False]
    # the line break counts as one of the 6 tokens of a run, as in the training fingerprint
    assert report.lines[2].copied == [False, True, True, True] and report.lines[3].copied == [True] * 4 + [False]
    assert not any(report.lines[1].copied) and not any(report.lines[0].copied)  # 5 words: too short for a run
    assert report.spans == [(11, 19)]
    assert report.seen_share == pytest.approx(1 / 4) and report.copied_word_share == pytest.approx(7 / 17)
    page = memorization_html(report)
    assert page.count("verbatim from training") == 1 and page.count('title="copied run"') == 7
    assert "25%" in page


def test_memorization_with_a_checkpoint_fingerprint(ckpts):
    fingerprint = ckpts["rnn"].fingerprint
    report = check_memorization("床前明月光\n我们的<b>量子</b>\n", fingerprint)  # the first poem line is in training
    assert [line.seen for line in report.lines] == [True, False]
    page = memorization_html(report)
    assert "<b>" not in page and "&lt;b&gt;" in page
    bare = Checkpoint(ckpts["rnn"].model, ckpts["rnn"].vocab, Path("."), fingerprint=None)
    with pytest.raises(InputError, match="fingerprint"):
        MemorizedTab({"rnn": bare}).memorized("床前明月光", "rnn")


# ---------------------------------------------------------------------------------------------
# Bad input: every panel refuses it in the page's language, before any number is computed


TOO_LONG = "月" * (limits.MAX_TEXT_CHARS + 1)
BAD_INPUTS = {
    "hidden states, empty": lambda c: HiddenStatesTab(c).hidden_states("", "rnn"),
    "hidden states, too long": lambda c: HiddenStatesTab(c).hidden_states(TOO_LONG, "rnn"),
    "hidden states, None": lambda c: HiddenStatesTab(c).hidden_states(None, "rnn"),
    "hidden states, unknown cell": lambda c: HiddenStatesTab(c).hidden_states("明月", "transformer"),
    "open box, blank": lambda c: OpenBoxTab(c).open_box("   ", 4),
    "open box, no RNN loaded": lambda c: OpenBoxTab({"lstm": c["lstm"]}).open_box("明月", 4),
    "score, empty": lambda c: ScoreLineTab(c).score_line(""),
    "score, too long": lambda c: ScoreLineTab(c).score_line(TOO_LONG),
    "score, not text": lambda c: ScoreLineTab(c).score_line(["明月"]),
    "compare, bad seed": lambda c: CompareTab(c, {}).compare("明月", "seven", 0.8, 8),
    "compare, length 0": lambda c: CompareTab(c, {}).compare("明月", "1", 0.8, 0),
    "compare, top-p 0": lambda c: CompareTab(c, {}).compare("明月", "1", 0.8, 8, 0),
    "tokenize, unknown cell": lambda c: TokenizeTab(c).tokenize("明月", "transformer"),
    "next words, too long": lambda c: NextWordsTab(c).next_words(TOO_LONG, "rnn", 8, 0.8, "", 0),
    "next words, length 0": lambda c: NextWordsTab(c).next_words("明月", "rnn", 0, 0.8, "", 0),
    "next words, temperature -1": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, -1, "", 0),
    "next words, temperature NaN": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, math.nan, "", 0),
    "next words, seed -1": lambda c: NextWordsTab(c).next_words("明月", "rnn", 8, 0.8, -1, 0),
    "next words, length True": lambda c: NextWordsTab(c).next_words("明月", "rnn", True, 0.8, "", 0),
    "next words, step past the limit": lambda c: NextWordsTab(c).next_words(
        "明月", "rnn", 2, 0.8, "0", limits.MAX_INSIDE_LENGTH),
    "generate, top-k -1": lambda c: GenerateTab(c, {}).generate("明月", 8, 0.8, "rnn", -1, ""),
    "generate, unknown cell": lambda c: GenerateTab(c, {}).generate("明月", 8, 0.8, "cnn", 0, ""),
    "neighbours, empty": lambda c: NeighboursTab(c).neighbours("", "rnn"),
    "neighbours, too long": lambda c: NeighboursTab(c).neighbours("明" * (limits.MAX_WORD_CHARS + 1), "rnn"),
    "neighbours, no cell": lambda c: NeighboursTab(c).neighbours("明月", None),
    "memorized, empty": lambda c: MemorizedTab(c).memorized("", "rnn"),
    "memorized, blank lines": lambda c: MemorizedTab(c).memorized("\n \n", "rnn"),
}


@pytest.mark.parametrize("call", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_inputs_are_refused_in_the_pages_language(ckpts, call):
    with pytest.raises(InputError) as info:
        answers(call(ckpts))
    english, chinese = info.value.msg.render("en"), info.value.msg.render("zh")
    assert str(info.value) == english and english.isascii() and english[0].isupper()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    with i18n.using("zh"), pytest.raises(InputError) as info:  # a Chinese page's request gets it in Chinese
        answers(call(ckpts))
    assert str(info.value) == chinese


def test_good_inputs_are_normalized(ckpts):
    assert check_text("  明月 ", limits.MAX_TEXT_CHARS, "field.sentence") == "明月"
    html, *_ = NextWordsTab(ckpts).next_words("", "rnn", 3, 0.8, "0", 0)  # blank start: a line's start
    assert 'color:#666' not in html  # no grey start words

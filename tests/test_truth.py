"""Every screen teaches the truth: the Lesson's claims, its examples and the panels' numbers agree, on the
shipped weights (what a class sees). Each test pins one place where the page once contradicted itself."""

from __future__ import annotations

import math
import re
from urllib.parse import urlencode

import pytest
import torch
from conftest import answers

import app
from lyricgen.fingerprint import RUN_WORDS
from lyricgen.inspect.gradients import mean_keep_gate, random_sequence, state_gradient_norms
from lyricgen.inspect.memory import check_memorization
from lyricgen.inspect.words import score_line
from lyricgen.model import LN2
from lyricgen.tokens import EOL, text_words
from lyricgen.web import i18n
from lyricgen.web.tabs import (
    attention,
    compare,
    generate,
    hidden_states,
    lab_gradients,
    lab_train,
    neighbours,
    next_words,
    open_box,
    tokenize,
)
from lyricgen.web.tabs import (
    score_line as score_tab,
)
from lyricgen.web.tabs.generate import GenerateTab
from lyricgen.web.tabs.lab_gradients import C_CURVE, GradientsTab, h_curve
from lyricgen.web.tabs.lesson import STEPS, LessonTab
from lyricgen.web.tabs.models import training_curves
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.score_line import ScoreLineTab

SHIPPED = app.CHECKPOINTS
PAGE = app.demo.lyricgen_page
LESSON = LessonTab(SHIPPED)
TRY_ITS = [(label, query) for step in STEPS for label, query in LESSON.queries(step)]


def lesson_text(lang: str, key: str) -> str:
    number = [step.key for step in STEPS].index(key) + 1
    return i18n.text(lang, f"lesson.{key}.text", n=number, **LESSON.sizes())


# ---------------------------------------------------------------------------------------------
# Examples: not corpus lines, and mostly words the vocabulary knows


EXAMPLES = sorted({
    *(query[name] for _, query in TRY_ITS for name in ("text", "start", "word") if name in query
      and query["tab"] != "memorized"),  # the Memorization try-it checks what a model wrote: it may copy
    tokenize.EXAMPLE, hidden_states.SENTENCE, open_box.SENTENCE, score_tab.EXAMPLE, next_words.START,
    compare.START, neighbours.WORD, lab_gradients.SENTENCE, attention.EXAMPLE, lab_train.START,
    *(start for start, _, _ in generate.EXAMPLES[:-1]),  # the last is there to show unknown (Latin) words
})


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_is_no_training_line_and_mostly_known(example):
    """The fingerprint (hashes of every training line and 6-word run) finds no line and no run of the example;
    at least 80% of its words are in the vocabulary (else the panel shows <unk> more than the example)."""
    for cell, ckpt in SHIPPED.items():
        report = check_memorization(example, ckpt.fingerprint)
        assert report.seen_lines == 0 and report.copied_word_share == 0, (cell, example)
        words = [w for w in text_words(example) if w != EOL]
        known = sum(w in ckpt.vocab for w in words)
        assert known >= 0.8 * len(words), (cell, example, [w for w in words if w not in ckpt.vocab])
    assert RUN_WORDS == 6


# ---------------------------------------------------------------------------------------------
# Every try-it lands on a result, in both languages


def run_try_it(query: dict[str, str]) -> list:
    """What the panel's run button answers after the link fills its inputs (the others at their defaults)."""
    setup = PAGE.setups[query["tab"]]
    opened = PAGE.open_panel(setup, "?" + urlencode(query))
    filled = dict(zip(setup.params, opened[len(setup.path):-1], strict=True))
    assert opened[-1]["visible"] is False, opened[-1]  # no notice: the Lesson's own link is all valid
    fns = [fn for fn in app.demo.fns.values() if (setup.run._id, "click") in fn.targets]
    assert len(fns) == 1
    by_component = {param.component._id: name for name, param in setup.params.items()}
    args = []
    for component in fns[0].inputs:
        name = by_component.get(component._id)
        args.append(filled[name] if name is not None and not isinstance(filled[name], dict) else component.value)
    return answers(fns[0].fn(*args))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("label, query", [pytest.param(label, query, id=label) for label, query in TRY_ITS
                                          if PAGE.setups[query["tab"]].run is not None])
def test_every_try_it_lands_on_a_result(lang, label, query):
    with i18n.using(lang):
        updates = run_try_it(query)
    assert updates and all(update is not None for update in updates[-1])


def test_a_memorization_link_without_lyrics_opens_the_panel_without_running_it():
    """?tab=memorized alone would check an empty box: the page opens it and waits for lyrics."""
    assert PAGE.setups["memorized"].needs == "text"
    memorized = [query for _, query in TRY_ITS if query["tab"] == "memorized"]
    assert memorized and all(query.get("text") for query in memorized)


# ---------------------------------------------------------------------------------------------
# Step 6: the gradients answer the Lesson's question truthfully


def test_the_gradients_try_it_answers_step_6():
    (query,) = [query for _, query in TRY_ITS if query["tab"] == "gradients"]
    steps = int(query["length"])
    with i18n.using("en"):
        cells, _, info = GradientsTab(SHIPPED).gradients(query["source"], "", steps, "0", 1.0, 1.0)
    drawn = {curve: frame for curve, frame in cells.groupby("curve")}
    assert set(drawn) == {h_curve(cell) for cell in SHIPPED} | {C_CURVE}  # the LSTM's c_t beside its h_t
    far_near = {}
    for curve, frame in drawn.items():
        norms = frame.sort_values("distance")["norm"].tolist()  # nearest first
        far_near[curve] = norms[-1] / norms[0]
        assert f"{curve}: far / near = **{far_near[curve]:.1e}**" in info
    most, least = max(far_near, key=far_near.get), min(far_near, key=far_near.get)
    assert f"{steps - 1} steps back, most of the last step's gradient is left in {most}" in info
    assert f"least in {least}" in info
    # The gates behind the curves, as the panel states them, computed again here.
    ids = random_sequence(len(SHIPPED["lstm"].vocab), steps + 1, 0)
    assert f"forget gate f averages **{mean_keep_gate(SHIPPED['lstm'].model, ids):.2f}**" in info
    assert f"update gate z (the share of the old state each step keeps) averages " \
           f"**{mean_keep_gate(SHIPPED['gru'].model, ids):.2f}**" in info
    grads = state_gradient_norms(SHIPPED["lstm"].model, ids)
    assert grads.c[0] / grads.c[-1] == pytest.approx(far_near[C_CURVE], rel=1e-6)
    # The Lesson asks after 50 random words which keeps most, and whether c_t keeps more than h_t: the link
    # feeds 50 random words, and the panel names the most and gives both LSTM ratios.
    assert "50" in i18n.text("en", "lesson.gates.guess") and steps == 50 and query["source"] == "random"
    assert "c_t" in i18n.text("zh", "lesson.gates.guess") and "c_t" in i18n.text("en", "lesson.gates.guess")


# ---------------------------------------------------------------------------------------------
# Step 5: one definition per number; the temperature charts share one axis


def test_next_word_surprisal_is_minus_log2_of_the_p_shown():
    with i18n.using("en"):
        for step in (0, 3, 7):
            _, info, *_ = NextWordsTab(SHIPPED).next_words("星星", "lstm", 12, 1.5, "42", step)
            p, bits = re.search(r"p = ([0-9.e-]+), surprisal −log₂ p = ([0-9.]+) bits", info).groups()
            assert float(bits) == pytest.approx(-math.log2(float(p)), abs=0.01)  # p has 3 significant digits


def test_the_temperature_try_it_shows_the_flattening():
    (query,) = [query for _, query in TRY_ITS if query["tab"] == "next_words"]
    _, _, before, after, *_ = NextWordsTab(SHIPPED).next_words(query["start"], query["cell"], 30,
                                                               float(query["temperature"]), query["seed"], 0)
    assert before.y_lim == after.y_lim and before.y_lim[0] == 0
    tops = [plot.value["data"][0][1] for plot in (before, after)]
    assert tops[1] < tops[0]  # T = 1.5: the favourite loses probability, on the same axis
    assert i18n.text("en", "lesson.next_word.guess").count("1.5") == 1 and query["temperature"] == "1.5"


# ---------------------------------------------------------------------------------------------
# Step 2: unknown words are marked as such


def test_score_a_line_marks_unknown_words_and_says_why():
    line = "我去超市买一瓶牛奶"
    with i18n.using("zh"):
        summary, coloured, table = ScoreLineTab(SHIPPED).score_line(line)
    unknown = [w for w in text_words(line) if w not in SHIPPED["lstm"].vocab]
    assert unknown
    marked = re.findall(r'<span class="unknown-word"[^>]*>([^<]*)</span>', coloured)
    assert marked == unknown * len(SHIPPED)  # every unknown word, in every cell's line, and nothing else
    assert "不在词表里" in coloured and "<unk>" not in coloured.replace("&lt;unk&gt;", "")
    assert "<unk>" in lesson_text("zh", "vectors") and "<unk>" in lesson_text("en", "vectors")
    share = SHIPPED["lstm"].metrics["val_unk_rate"]
    assert f"{share:.0%}" in lesson_text("zh", "vectors")


def test_score_a_line_gives_each_line_its_perplexity_and_the_lesson_pair_differs():
    (query,) = [query for _, query in TRY_ITS if query["tab"] == "score_line"]
    lyric, everyday = query["text"].split("\n")
    score = score_line(SHIPPED, query["text"])
    for cell in SHIPPED:
        first, second = score.line_perplexities(cell)
        assert first < second / 2, cell  # the lyric-like line surprises the model less, by far
        tokens = score.tokens.index(EOL) + 1
        assert first == pytest.approx(2 ** (sum(score.surprisal[cell][:tokens]) / tokens))
    with i18n.using("en"):
        summary, _, _ = ScoreLineTab(SHIPPED).score_line(query["text"])
    assert {"line 1 perplexity", "line 2 perplexity"} <= set(summary.columns)


# ---------------------------------------------------------------------------------------------
# Step 1: a line break typed is a word


def test_a_line_break_typed_is_the_eol_token_everywhere():
    text = "我想你\n我爱你"
    assert text_words(text) == ["我", "想", "你", EOL, "我爱你"]
    with i18n.using("en"):
        table, shapes, _ = tokenize.TokenizeTab(SHIPPED).tokenize(text, "lstm")
        assert "↵ line break" in table["word"].tolist() and "↵ line break" in shapes
        _, steps, _ = hidden_states.HiddenStatesTab(SHIPPED).hidden_states(text, "gru")
        assert steps["input"].tolist().count("↵ line break") == 2  # the start of a line, and the one typed
    assert "\n" in NextWordsTab(SHIPPED).next_words(text, "gru", 3, 0, "1", 0)[0].replace("<br>", "\n")
    written = answers(GenerateTab(SHIPPED, app.ENGINES).generate(text, 5, 0.8, "lstm", 0, "3"))
    assert written[0][0] == text and written[-1][0].startswith(text)  # the start as typed: two lines


# ---------------------------------------------------------------------------------------------
# Steps 4, 7 and 8: one unit, the right direction, the right history, the LSTM's c_t counted


def test_loss_curves_are_in_the_lessons_unit():
    ckpt = SHIPPED["gru"]
    curves = training_curves(ckpt)
    first = ckpt.metrics["history"][-1]
    drawn = curves[(curves.epoch == first["epoch"]) & (curves.curve == "val_loss")]["loss"].item()
    assert drawn == pytest.approx(first["val_loss"] / LN2)  # bits per word, as −log₂ p
    assert 2 ** drawn == pytest.approx(math.exp(first["val_loss"]))  # the same perplexity
    for lang, unit in (("zh", "比特"), ("en", "bits")):
        for key in ("model.curves.y", "lab_train.plot.y"):
            assert unit in i18n.text(lang, key)
        assert "log₂" in lesson_text(lang, "training") and unit in lesson_text(lang, "training")


def test_the_lessons_claims_about_training_history_and_sizes():
    assert "反方向" in lesson_text("zh", "training") and "沿着梯度" not in lesson_text("zh", "training")
    assert "against the gradient" in lesson_text("en", "training")
    for lang in ("zh", "en"):
        assert "Bahdanau" in lesson_text(lang, "memory") and "2014" in lesson_text(lang, "memory")
        hidden = SHIPPED["lstm"].model.config.hidden_dim
        assert str(2 * hidden) in lesson_text(lang, "over_time")  # the LSTM's h_t and c_t


def test_a_word_step_keeps_h_and_c():
    """Step 4's count: nn.LSTM's state after a step is h and c, each hidden_dim numbers."""
    model = SHIPPED["lstm"].model
    with torch.inference_mode():
        _, (h, c) = model.rnn(model.embedding(torch.tensor([[2]])))
    assert h.numel() + c.numel() == 2 * model.config.hidden_dim * model.config.num_layers


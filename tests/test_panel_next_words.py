"""The next-word panel (lyricgen/web/tabs/next_words.py): its numbers recomputed, served, in one language."""

from __future__ import annotations

import math

import pytest
import torch
from languages import answers_in, assert_chinese, assert_english
from panel_helpers import (
    corpus_words,
)

from lyricgen.generate import GenerationSettings, generate_text, make_prompt
from lyricgen.inspect.words import NextWordResult, WordStep, next_words, top_candidates
from lyricgen.sampling import Sampling
from lyricgen.tokens import EOL
from lyricgen.web import limits, links
from lyricgen.web.render import (
    next_words_html,
    prob_color,
)
from lyricgen.web.tabs.next_words import NextWordsTab


def bars(plot: dict) -> dict[str, float]:
    """A BarPlot's data as the client receives it (an update carrying its axis) → {"rank. word": probability},
    likeliest first."""
    return {label: p for label, p in plot.get("value", plot)["data"]}


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


def test_client_next_words_colours_words_and_shows_the_temperature(served, tiny):
    client, _ = served
    html, info, before, after, slider = client.predict("明月", "lstm", 8, 0.5, "3", 2, api_name="/next_words")
    assert slider == {"__type__": "update", "value": 2, "maximum": 7}  # the slider ends at the last step
    assert html.count("<span title=") == 8 and "outline:2px" in html  # every generated word; step 2 outlined
    assert "`3`" in info and "Step 2" in info
    p_before, p_after = bars(before), bars(after)
    assert list(p_before) == list(p_after)
    assert len(p_before) == min(limits.TOP_CANDIDATES, len(tiny["lstm"].vocab) - 1)
    assert list(p_before.values()) == sorted(p_before.values(), reverse=True)
    assert max(p_after.values()) >= max(p_before.values())  # below 1, the temperature sharpens
    assert sum(p_before.values()) <= 1 + 1e-6
    # The same seed and inputs give the same lyrics; moving the step keeps them.
    again = client.predict("明月", "lstm", 8, 0.5, "3", 5, api_name="/next_words")
    strip = lambda page: page.replace("outline:2px solid #333;", "")  # noqa: E731
    assert strip(again[0]) == strip(html) and "Step 5" in again[1]
    # A step past the end shows the last one; at temperature 1, p_T is p with <unk>'s share given to the rest.
    _, info, before, after, _ = client.predict("明月", "gru", 4, 1.0, "9", 50, api_name="/next_words")
    assert "Step 3" in info and list(bars(before)) == list(bars(after))
    shares = [p_t / p for p, p_t in zip(bars(before).values(), bars(after).values(), strict=True)]
    assert shares == pytest.approx([shares[0]] * len(shares)) and shares[0] >= 1


def test_a_link_and_the_api_set_next_words_top_k(served, built):
    """top_k, declared once in the panel's form: a link fills it, the API takes it, and p_T is 0 past it."""
    filled = links.read_query(built.setups, {"tab": "next_words", "top_k": "3", "start": "明月"})
    assert filled.notices == [] and filled.values == {"top_k": 3, "start": "明月"}
    bad = links.read_query(built.setups, {"tab": "next_words", "top_k": "-1"})
    assert bad.values == {} and "top-k" in bad.notices[0]
    client, _ = served
    _, _, before, after, _ = client.predict("明月", "lstm", 6, 1.2, "3", 2, 3, api_name="/next_words")
    p_t = list(bars(after).values())
    assert all(p > 0 for p in p_t[:3]) and p_t[3:] and all(p == 0 for p in p_t[3:])
    assert sum(p_t) == pytest.approx(1, abs=1e-6)
    _, _, _, unlimited, _ = client.predict("明月", "lstm", 6, 1.2, "3", 2, api_name="/next_words")  # 0 = off
    assert all(p > 0 for p in bars(unlimited).values())


@pytest.mark.parametrize("temperature", [0.5, 1.5])
def test_next_words_charts_share_one_axis_from_zero_and_one_order(tiny, temperature):
    """Before and after on the same y axis from 0, the same words in the same (rank) order: at T = 1.5 the
    flatter distribution is seen as shorter bars, not hidden by a second chart's own range."""
    _, _, before, after, *_ = NextWordsTab(tiny).next_words("明月", "lstm", 8, temperature, "3", 2)
    assert before.y_lim == after.y_lim and before.y_lim[0] == 0
    highest = max(max(p for _, p in plot.value["data"]) for plot in (before, after))
    assert before.y_lim[1] == pytest.approx(highest)
    words = [label for label, _ in before.value["data"]]
    assert before.sort == after.sort == words == [label for label, _ in after.value["data"]]
    assert [int(label.split(".")[0]) for label in words] == list(range(1, len(words) + 1))


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.0, 1.5])  # each says what the temperature does
def test_next_words_speaks_one_language(tiny, temperature):
    tab, data = NextWordsTab(tiny), [*corpus_words(tiny), "明月"]
    chinese = answers_in("zh", tab.next_words, "明月", "lstm", 8, temperature, "3", 2)
    assert_chinese(chinese, data)
    assert "第 2 步" in chinese and "温度" in chinese
    english = answers_in("en", tab.next_words, "明月", "lstm", 8, temperature, "3", 2)
    assert_english(english, data)
    assert "Step 2" in english and "Temperature" in english

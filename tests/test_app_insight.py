"""The "look inside" tabs served: each endpoint driven through gradio_client against the app built
around the tiny checkpoints (fixture `served` in conftest.py), its answers checked against numbers
recomputed here or read from the checkpoints themselves."""

from __future__ import annotations

import math

import gradio as gr
import pytest
from gradio_client.exceptions import AppError
from PIL import Image

from lyricgen.inspect.states import hidden_states as trace_by_hand
from lyricgen.tokens import EOL
from lyricgen.web import i18n, limits
from lyricgen.web.render import CELL_LABELS
from lyricgen.web.tabs.hidden_states import HiddenStatesTab, captioned_images
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.validate import InputError

CJK_AND_LATIN = ("\u4e00", "\u9fff")


def rows(table: dict) -> list[dict]:
    """A Dataframe as the client receives it ({"headers", "data"}) → a list of {header: value}."""
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def bars(plot: dict) -> dict[str, float]:
    """A BarPlot's data as the client receives it (an update carrying its axis) → {"rank. word": probability},
    likeliest first."""
    return {label: p for label, p in plot.get("value", plot)["data"]}


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


@pytest.mark.parametrize(("cell", "pictures"), [("rnn", 1), ("lstm", 6), ("gru", 4)])
def test_client_hidden_states_returns_heatmaps(served, tiny, cell, pictures):
    client, _ = served
    picture, table, info = client.predict("明月几时有", cell, api_name="/hidden_states")
    shown_token = lambda token: i18n.text("en", "token.line_break") if token == EOL else token  # noqa: E731
    trace = trace_by_hand(tiny[cell], "明月几时有")
    images = captioned_images(trace)
    assert len(images) == pictures  # h_t; LSTM: + i, f, g, o, c; GRU: + r, z, n
    assert images[0][1] == "hidden state h_t"
    stacked, _, _ = HiddenStatesTab(tiny).hidden_states("明月几时有", cell)
    with Image.open(picture["path"]) as served_picture:  # the heatmaps stacked, each under a caption
        assert served_picture.size == stacked.size
        assert served_picture.height > sum(image.height for image, _ in images)
    # The inputs as read, a line break shown as the page names it (the client asks for English).
    assert [r["input"] for r in rows(table)] == [shown_token(token) for token in trace.tokens]
    assert "✓ < 1e-5" in info and trace.max_abs_diff < 1e-5


def test_client_open_box_shows_shapes_and_agrees_with_nn_rnn(served, tiny):
    client, _ = served
    box = client.predict("明月光", 3, api_name="/open_box")
    hidden = tiny["rnn"].model.config.hidden_dim
    embed = tiny["rnn"].model.config.embed_dim
    assert f"`({hidden}, {embed})`" in box and f"`({hidden}, {hidden})`" in box
    assert "h_t = \\tanh" in box and "they agree" in box
    assert f"the first 3 of {hidden} units" in box


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


def test_client_memorized_marks_lines_from_training(served):
    client, _ = served
    html, table = client.predict("床前明月光\n我们的量子\n", "lstm", api_name="/memorized")
    assert html.count("verbatim from training") == 1  # the first poem line is in the tiny corpus
    assert [r["verbatim"] for r in rows(table)] == ["⚠", ""]


def test_client_score_line_perplexity_is_two_to_the_mean_surprisal(served, tiny):
    client, _ = served
    summary, html, table = client.predict("明月几时有\n把酒问青天", api_name="/score_line")
    words = rows(table)
    assert words[-1]["word"] == "<eol>" and "<eol>" in [w["word"] for w in words[:-1]]
    for r in rows(summary):
        bits = [w[f"{r['cell']} (bits)"] for w in words]
        mean = sum(bits) / len(bits)
        assert r["mean surprisal (bits)"] == pytest.approx(mean, abs=0.01)
        assert r["perplexity"] == pytest.approx(2 ** r["mean surprisal (bits)"], rel=1e-3)
    assert html.count("<b>") == len(tiny)


@pytest.mark.parametrize(
    ("api_name", "args", "message"),
    [
        ("/next_words", ("月" * (limits.MAX_TEXT_CHARS + 1), "lstm", 8, 0.8, "", 0), "too long"),
        ("/next_words", ("明月", "lstm", 8, 0.8, "abc", 0), "seed must be a whole number"),
        ("/compare", ("月" * (limits.MAX_TEXT_CHARS + 1), "1", 0.8, 8), "too long"),
        ("/hidden_states", ("   ", "gru"), "sentence is empty"),
        ("/open_box", ("明" * (limits.MAX_BOX_CHARS + 1), 4), "too long"),
    ],
)
def test_client_gets_errors_in_its_language_from_every_inside_tab(served, api_name, args, message):
    client, _ = served  # it asks for English
    with pytest.raises(AppError, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert not any(CJK_AND_LATIN[0] <= ch <= CJK_AND_LATIN[1] for ch in str(info.value))


def test_inside_handlers_refuse_with_gradio_errors(tiny):
    with pytest.raises(gr.Error, match="step must be between"):
        NextWordsTab(tiny).next_words("明月", "lstm", 8, 0.8, "", -1)
    with pytest.raises(gr.Error, match="No RNN model is loaded"):
        OpenBoxTab({"lstm": tiny["lstm"]}).open_box("明月", 4)
    with pytest.raises(InputError, match="number of units"):
        OpenBoxTab(tiny).open_box("明月", math.inf)

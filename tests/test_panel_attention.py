"""The memory & attention panel (lyricgen/web/tabs/attention.py): the continuous cache's numbers served."""

from __future__ import annotations

import dataclasses
import math

import pytest
from conftest import POEMS, open_tab, screenshot, shooting
from gradio_client.exceptions import AppError
from PIL import Image

from lyricgen.cache import CACHE_KEY, CacheSettings, hidden_and_log_probs
from lyricgen.inspect.attention import cache_attention
from lyricgen.tokens import lines_to_tokens
from lyricgen.web import limits
from lyricgen.web.mine import Chosen
from lyricgen.web.tabs.attention import (
    EXAMPLE,
    EXAMPLE_WORD,
    AttentionTab,
    example_position,
    text_lines,
    weights_picture,
)
from lyricgen.web.validate import InputError

VERSE_1, CHORUS, VERSE_2 = POEMS[20:24], POEMS[4:8], POEMS[28:32]


SONG_LINES = VERSE_1 + CHORUS + VERSE_2 + CHORUS  # the tiny model's own lines; the chorus comes back once


SONG = "\n".join(VERSE_1) + "\n\n" + "\n".join(CHORUS) + "\n\n" + "\n".join(VERSE_2) + "\n\n" + "\n".join(CHORUS)


def rows(table: dict) -> list[dict]:
    """A Dataframe as the client receives it ({"headers", "data"}) → a list of {header: value}."""
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def expected(tiny, cell: str, text: str, position: int):
    tab = AttentionTab(tiny)
    tokens = lines_to_tokens(text_lines(text))
    settings = tab.cache_settings(Chosen(cell, tiny[cell])).settings
    return cache_attention(tiny[cell].model, tiny[cell].vocab, tokens, settings,
                           position, limits.ATTENTION_TOP_POSITIONS)


def test_example_song_repeats_its_chorus():
    lines = text_lines(EXAMPLE)
    assert lines[4:8] == lines[12:16] and len(EXAMPLE) <= limits.MAX_ATTENTION_CHARS
    tokens = lines_to_tokens(lines)
    assert tokens[example_position()] == EXAMPLE_WORD and tokens.index(EXAMPLE_WORD) < example_position()


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_client_attention_shows_cache_attention_numbers(served, tiny, cell):
    client, _ = served
    position = 20
    info, summary, words, picture, top, table, slider = client.predict(SONG, cell, position, api_name="/attention")
    att = expected(tiny, cell, SONG, position)
    T = len(att.tokens)
    per_word = rows(table)
    assert [r["position"] for r in per_word] == list(range(1, T))
    for r in per_word:
        j = r["position"]
        assert r["p without"] == pytest.approx(float(att.p_model[j]), rel=1e-3)
        assert r["p with"] == pytest.approx(float(att.p_cache[j]), rel=1e-3)
    perplexity = {r["model"]: r["perplexity"] for r in rows(summary)}
    assert perplexity["without cache"] == pytest.approx(math.exp(-float(att.p_model[1:].log().mean())), rel=1e-3)
    assert perplexity["with cache"] == pytest.approx(math.exp(-float(att.p_cache[1:].log().mean())), rel=1e-3)
    looked = rows(top)
    assert [r["position"] for r in looked] == list(att.top["position"])
    assert [r["weight"] for r in looked] == pytest.approx(list(att.top["weight"]), rel=1e-3)
    assert len(looked) == limits.ATTENTION_TOP_POSITIONS
    for r in looked:  # the heaviest earlier positions are underlined, their weight written above
        assert f"{r['weight']:.2f}</sup>" in words
    s = att.settings
    assert f"λ = {s.lam:g}" in info and f"N = {s.window}" in info and f"Word #{position}" in info
    assert "metrics.json" in info and "defaults" not in info  # the tiny checkpoints record their settings
    with Image.open(picture["path"]) as served_picture:
        assert served_picture.size == weights_picture(att).size
    assert slider == {"__type__": "update", "value": position, "maximum": T - 1}  # the slider ends at the text's end
    assert words.count("outline:2px") == 2  # the chosen word, without and with the cache


def test_client_chorus_is_likelier_the_second_time_with_the_cache(served, tiny):
    client, _ = served
    start = len(lines_to_tokens(VERSE_1 + CHORUS + VERSE_2))  # the second chorus's first word
    stop = len(lines_to_tokens(SONG_LINES))
    for cell in tiny:
        _, summary, *_, table, _ = client.predict(SONG, cell, 1, api_name="/attention")
        second = [r for r in rows(table) if start <= r["position"] < stop]
        assert len(second) == stop - start
        without = sum(r["p without"] for r in second) / len(second)
        with_cache = sum(r["p with"] for r in second) / len(second)
        assert with_cache > without, cell
        ppl = {r["model"]: r["perplexity"] for r in rows(summary)}
        assert ppl["with cache"] < ppl["without cache"], cell


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("月" * (limits.MAX_ATTENTION_CHARS + 1), "lstm", 5), "lyrics text is too long"),
        ((" \n\n ", "lstm", 5), "lyrics text is empty"),
        (("我\n" * (limits.MAX_ATTENTION_CHARS // 2), "gru", 5), "Too many words"),
        ((SONG, "lstm", 2.5), "position must be a whole number"),
    ],
)
def test_client_attention_refuses_bad_input_in_english(served, args, message):
    client, _ = served
    with pytest.raises(AppError, match=message) as info:
        client.predict(*args, api_name="/attention")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))  # the client asks for English


def test_client_a_later_longer_text_reaches_past_an_earlier_texts_end(served, tiny):
    """The slider's end moves to each text's last word; a later request of the same session (a link's
    position, or a longer text) may still ask for any word up to the panel's limit."""
    client, _ = served
    *_, slider = client.predict("我爱你\n你爱我", "gru", 3, api_name="/attention")
    assert slider["maximum"] == 6
    T = len(lines_to_tokens(SONG_LINES))
    info, *_, slider = client.predict(SONG, "gru", T - 2, api_name="/attention")
    assert f"Word #{T - 2}" in info and slider["value"] == T - 2
    info, *_, slider = client.predict("我爱你\n你爱我", "gru", limits.MAX_ATTENTION_TOKENS - 1, api_name="/attention")
    assert "Word #6" in info and slider["value"] == 6  # past the end: the last word
    with pytest.raises(AppError, match="position must be between 1 and"):
        client.predict(SONG, "gru", limits.MAX_ATTENTION_TOKENS, api_name="/attention")


def test_handler_clamps_the_position_and_moves_the_slider_end(tiny):
    tab = AttentionTab(tiny)
    T = len(lines_to_tokens(SONG_LINES))
    info, *_, top, _, slider = tab.attention(SONG, "gru", limits.MAX_ATTENTION_TOKENS - 1)
    assert slider.value == T - 1 and slider.maximum == T - 1 and f"Word #{T - 1}" in info
    info, *_, top, _, _ = tab.attention(SONG, "gru", 1)  # predicted while the cache is still empty
    assert top.empty and "still empty" in info
    with pytest.raises(InputError, match="must be a number"):
        tab.attention(SONG, "gru", math.nan)
    # The handler's own checks, for a client too (the events skip Gradio's preprocessing).
    with pytest.raises(InputError, match="position must be between 1 and"):
        tab.attention(SONG, "gru", 0)
    with pytest.raises(InputError, match="No model 'transformer'"):
        tab.attention(SONG, "transformer", 5)


def test_defaults_when_the_checkpoint_records_no_settings(tiny):
    plain = {cell: dataclasses.replace(c, metrics={k: v for k, v in c.metrics.items() if k != CACHE_KEY})
             for cell, c in tiny.items()}
    broken = {"gru": dataclasses.replace(tiny["gru"], metrics={**tiny["gru"].metrics, CACHE_KEY: {"lam": 7}})}
    for checkpoints, why in ((plain, "records none"), (broken, "unusable")):
        tab = AttentionTab(checkpoints)
        chosen = tab.cache_settings(Chosen("gru", checkpoints["gru"]))
        assert not chosen.recorded and why in chosen.note.render("en")
        ids = tiny["gru"].vocab.encode(lines_to_tokens(text_lines(EXAMPLE)))
        hs, _ = hidden_and_log_probs(tiny["gru"].model, ids)
        mean_sq = float((hs.double() ** 2).sum(1).mean())
        assert chosen.settings == CacheSettings(limits.DEFAULT_CACHE_LAM, limits.DEFAULT_CACHE_SHARPNESS / mean_sq,
                                                limits.DEFAULT_CACHE_WINDOW)
        info = tab.attention(SONG, "gru", 5)[0]
        assert "defaults" in info and why in info


# ---------------------------------------------------------------------------------------------
# In the browser, on the shipped weights

def test_attention_panel_in_the_browser(page):
    from playwright.sync_api import expect

    panel = open_tab(page, "看看模型内部", "记忆与注意力", "tab-attention")
    panel.get_by_role("button", name="看注意力").click()
    expect(panel.locator("#attention-info")).to_contain_text(f"第 {example_position()} 个词")
    panel.locator("#attention-heatmap img").wait_for()
    expect(panel.locator("#attention-summary")).to_contain_text("有缓存")
    top = panel.locator("#attention-top")
    expect(top).to_contain_text("权重")
    expect(top.get_by_role("row")).to_have_count(1 + limits.ATTENTION_TOP_POSITIONS)  # the header, then the rows
    expect(panel.locator("#attention-table")).to_contain_text(text_lines(EXAMPLE)[0][:2])  # only rows in view are drawn
    assert panel.locator("#attention-words sup").count() == limits.ATTENTION_TOP_POSITIONS
    if shooting():
        page.wait_for_timeout(1000)  # let the heatmap settle before the picture
    screenshot(page, "attention")


def test_a_link_in_the_same_page_reaches_past_the_last_texts_end(pages):
    """A link to a short text moves the slider's end to its last word; a later link in the same page (a Lesson
    try-it opens in place) may still ask for word 80 of the panel's own, longer text."""
    from playwright.sync_api import expect

    page = pages(locale="en-US", query="?tab=attention&text=我爱你%0A你爱我&position=3&cell=gru")
    info = page.locator("#attention-info")
    expect(info).to_contain_text("Word #3")
    page.evaluate("""() => {
      history.pushState(null, "", "?tab=attention&position=80&text=" + encodeURIComponent(TEXT));
      document.getElementById("open-attention").click();
    }""".replace("TEXT", repr(EXAMPLE)))
    expect(info).to_contain_text("Word #80")
    assert page.locator('[data-testid="toast-body"]').count() == 0  # no "greater than maximum value"

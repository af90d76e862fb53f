"""The app in a real browser: headless Chromium (the system's, never a downloaded one) via Playwright.

Opens the page, generates lyrics, switches tabs, reads the token table, runs every "look inside"
panel. The app is built around the shipped weights (or $LYRICGEN_WEIGHTS), so what it shows is the real models.
With LYRICGEN_SCREENSHOTS=1 it also saves a screenshot of each tab to docs/screenshots/ (the README's
pictures); a plain test run writes nothing there, so a checkout stays clean.
Skipped when Chromium or Playwright is missing, except on CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import re

from conftest import answers, generated_lyrics, open_tab, screenshot

import app
from lyricgen.web import i18n
from lyricgen.web.render import CELL_LABELS
from lyricgen.web.tabs.generate import GenerateTab
from lyricgen.web.tabs.tokenize import EXAMPLE as TOKENIZE_EXAMPLE
from lyricgen.web.tabs.tokenize import TokenizeTab


def zh(key: str) -> str:
    """A string of the page as the Chinese browser shows it."""
    return i18n.text("zh", key)


def test_generate_tokenize_and_model_tabs(page):
    from playwright.sync_api import expect

    # Generate: a start text and a fixed seed, then wait for the streamed lyrics to finish.
    page.get_by_role("tab", name=zh("tab.generate"), exact=True).click()
    panel = page.locator("#tab-generate")
    panel.get_by_label(zh("widget.start")).fill("星星")
    panel.get_by_label(zh("widget.seed")).fill("42")
    panel.get_by_role("button", name=zh("widget.generate"), exact=True).click()
    info = page.locator("#generate-info")
    info.get_by_text("42").first.wait_for()
    assert generated_lyrics(page).startswith("星星")
    screenshot(page, "generate")

    # Tokenize & embed: the default sentence, its tokens in the table, the shapes beside it.
    page.get_by_role("tab", name=zh("tab.tokenize"), exact=True).click()
    page.locator("#tab-tokenize").get_by_role("button", name=zh("tokenize.button"), exact=True).click()
    table = page.locator("#token-table")
    expect(table).to_contain_text("窗外")
    # Each row's text is its cells, one a line; row 0 is the header, in the page's language.
    rows = [[c.strip() for c in r.splitlines() if c.strip()] for r in table.get_by_role("row").all_inner_texts()]
    assert rows[0][:4] == ["#", zh("tokenize.col.word"), "id", zh("tokenize.col.known")]
    expected, _, _ = TokenizeTab(app.CHECKPOINTS).tokenize(TOKENIZE_EXAMPLE, "lstm")
    assert [row[1] for row in rows[1:]] == list(expected["word"])
    assert [int(row[2]) for row in rows[1:]] == list(expected["id"])
    shapes = page.locator("#tokenize-shapes").inner_text()
    assert "seq_len, batch, input_size" in shapes and "jieba 分词" in shapes
    page.locator("#heatmap img").wait_for()
    screenshot(page, "tokenize")

    # Model: the summary table with all three cells.
    page.get_by_role("tab", name=zh("tab.model"), exact=True).click()
    summary = page.locator("#model-summary")
    expect(summary.get_by_role("heading")).to_contain_text("总览")
    expect(summary.locator("table tbody tr")).to_have_count(len(app.CHECKPOINTS))
    for name in ("RNN", "LSTM", "GRU"):
        page.locator("#tab-model").get_by_role("heading", name=name, exact=True).wait_for()
    page.wait_for_timeout(1500)  # the line plots draw after the tab shows
    screenshot(page, "model")


def inside(page, tab: str, panel_id: str):
    """Open a "look inside" sub-tab; returns its panel."""
    return open_tab(page, zh("tab.inside"), tab, panel_id)


def test_look_inside_tabs(page):
    from playwright.sync_api import expect

    cells = app.CHECKPOINTS

    # Next word: coloured words, then another step's candidates before and after the temperature.
    panel = inside(page, zh("next_words.title"), "tab-next-words")
    panel.get_by_role("button", name=zh("widget.generate"), exact=True).click()
    expect(panel.locator("#next-words-info")).to_contain_text("第 0 步")
    assert panel.locator("#next-words-text span[title]").count() == 30
    first = panel.locator("#next-words-text").inner_text()
    box = panel.locator("#next-words-step input[type=range]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)  # let go of the slider near 10
    chosen = int(panel.locator("#next-words-step input[type=number]").input_value())
    assert chosen > 0
    expect(panel.locator("#next-words-info")).to_contain_text(f"第 {chosen} 步")
    assert panel.locator("#next-words-text").inner_text() == first  # the same lyrics: the seed is kept
    # Both charts as drawn: the same words in the same order, and one y axis from 0 (it once started at 0.004
    # on the flatter chart, with a scale of its own, hiding the flattening).
    axis_labels = """() => [...document.querySelectorAll('#tab-next-words .vega-embed')].map(plot =>
        [...plot.querySelectorAll('.role-axis-label text')].map(label => label.textContent))"""
    page.wait_for_function(f"() => ({axis_labels})().every(labels => labels.length > 10)")
    before, after = page.evaluate(axis_labels)
    assert before == after and "1. " in before[0]
    ticks = [float(label) for label in before if re.fullmatch(r"[0-9.]+", label)]
    assert ticks[0] == 0 and ticks == sorted(ticks)
    screenshot(page, "next_words")

    # Compare cells: three columns, one table row per cell.
    panel = inside(page, zh("compare.title"), "tab-compare")
    panel.get_by_role("button", name=zh("compare.button"), exact=True).click()
    for name in cells:
        expect(panel.locator("#compare-text")).to_contain_text(CELL_LABELS[name])
    expect(panel.locator("#compare-table")).to_contain_text(zh("compare.col.surprisal"))
    screenshot(page, "compare")

    # Hidden states: the LSTM's h_t and gates as pictures, checked against nn.LSTM.
    panel = inside(page, zh("hidden_states.title"), "tab-hidden-states")
    panel.get_by_role("button", name=zh("hidden_states.button"), exact=True).click()
    expect(panel.locator("#hidden-info")).to_contain_text("✓ < 1e-5")
    expect(panel.locator("#hidden-info")).to_contain_text("LSTM 的门")
    panel.locator("#hidden-heatmaps img").wait_for()  # h, i, f, g, o, c stacked in one picture
    screenshot(page, "hidden_states")

    # Open the box: the RNN formula by hand, equal to nn.RNN.
    panel = inside(page, zh("open_box.title"), "tab-open-box")
    panel.get_by_role("button", name=zh("open_box.button"), exact=True).click()
    expect(panel.locator("#open-box")).to_contain_text(zh("box.agree"))
    screenshot(page, "open_box")

    # Neighbours: a table per cell and the PCA map.
    panel = inside(page, "词向量近邻", "tab-neighbours")
    panel.get_by_role("button", name="找近邻").click()
    expect(panel.locator("#neighbours-table")).to_contain_text("GRU cos")
    expect(panel.locator("#neighbours-info")).to_contain_text("PCA")
    page.wait_for_timeout(1500)
    screenshot(page, "neighbours")

    # Memorization: lyrics the GRU writes at temperature 0.8 (seed 5), checked against the fingerprint.
    lyrics, *_ = answers(GenerateTab(cells, app.ENGINES).generate("", 60, 0.8, "gru", 0, "5"))[-1]
    panel = inside(page, "记忆检查", "tab-memorized")
    panel.locator("#memorized-input textarea").fill(lyrics)
    panel.get_by_role("radio", name="GRU").check()
    panel.get_by_role("button", name="检查", exact=True).click()
    expect(panel.locator("#memorized-result")).to_contain_text("训练歌词")
    screenshot(page, "memorized")

    # Score a line: a perplexity per cell.
    panel = inside(page, "给一句打分", "tab-score-line")
    panel.get_by_role("button", name="打分", exact=True).click()
    for name in cells:
        expect(panel.locator("#score-summary")).to_contain_text(CELL_LABELS[name])
    screenshot(page, "score_line")

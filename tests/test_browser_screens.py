"""The screens as a student sees them, in headless Chromium: the header on a phone, pictures whose label leaves
their top rows clear, the Neighbours map and its message for an unknown word, the Next word step slider, and the
limit of a text box (tests/test_screens.py checks the numbers)."""

from __future__ import annotations

import pytest
from conftest import click_tab

from lyricgen.web import limits
from lyricgen.web.i18n import text

# The boxes (x0, y0, x1, y1) a word of the page title takes: one per line it is written on.
WORD_LINES_JS = """(word) => {
  const walker = document.createTreeWalker(document.querySelector('#page-title h1'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    return [...range.getClientRects()].map(r => [r.left, r.top, r.right, r.bottom]);
  }
  return null;
}"""


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_header_is_compact_on_a_phone(pages, locale):
    height = 844
    page = pages(locale=locale, width=390, height=height)
    lines = page.evaluate(WORD_LINES_JS, "lyricgen")
    assert lines is not None and len(lines) == 1, lines  # the name is never broken inside the word
    assert lines[0][2] <= 390
    language = box(page, "#language")
    assert language["height"] <= 60, language  # one line: its label and the two choices
    tabs = page.locator("#tabs > .tab-wrapper [role=tab]").filter(visible=True)
    assert tabs.count() == 7  # every tab of the page (Lesson … Class, Model), none in a "More tabs" menu
    assert page.locator("#tabs > .tab-wrapper button[aria-label='More tabs']").filter(visible=True).count() == 0
    bottoms = [tabs.nth(i).bounding_box()["y"] + tabs.nth(i).bounding_box()["height"] for i in range(tabs.count())]
    assert max(bottoms) <= height / 3, bottoms  # the header and the whole tab bar in the first third of the screen


@pytest.mark.parametrize("query, block", [("?tab=hidden_states&text=明月几时有", "#hidden-heatmaps"),
                                          ("?tab=tokenize&text=明月几时有", "#heatmap")])
def test_a_picture_label_leaves_its_top_rows_clear(pages, query, block):
    page = pages(locale="zh-CN", query=query)
    page.locator(f"{block} img").wait_for()
    picture = box(page, f"{block} img")
    for overlay in ("label[data-testid='block-label']", ".top-panel"):  # the label, and the picture's buttons
        over = box(page, f"{block} {overlay}")
        assert over["y"] + over["height"] <= picture["y"] + 0.5, (overlay, over, picture)


def test_the_neighbours_map_writes_words_and_an_unknown_word_gets_a_message(pages):
    page = pages(locale="en-US", query="?tab=neighbours&word=星星&cell=lstm")
    panel = page.locator("#tab-neighbours")
    written = panel.locator("#neighbours-map svg text", has_text="星星")
    written.first.wait_for()
    plot = panel.locator("#neighbours-map svg rect").nth(1).bounding_box()  # the plot's frame
    word = written.first.bounding_box()
    assert plot["x"] <= word["x"] and word["x"] + word["width"] <= plot["x"] + plot["width"] + 0.5
    assert panel.locator("#neighbours-map svg text").count() >= 20  # words beside their dots
    assert panel.locator("#neighbours-table").is_visible()
    panel.get_by_label("Word to look up").fill("星星Zorglub")
    panel.get_by_role("button", name="Find neighbours").click()
    message = panel.locator("#neighbours-missing")
    message.get_by_text("not in the vocabulary").first.wait_for()
    assert "jieba" in message.inner_text() and "星星" in message.inner_text()
    assert not panel.locator("#neighbours-table").is_visible()  # the message instead of an empty table
    panel.get_by_label("Word to look up").fill("星星")
    panel.get_by_role("button", name="Find neighbours").click()
    panel.locator("#neighbours-table").wait_for()
    assert not message.is_visible()


def test_the_next_word_step_slider_ends_at_the_last_step(pages):
    page = pages(locale="en-US", query="?tab=next_words&length=12&seed=3")
    panel = page.locator("#tab-next-words")
    panel.locator("#next-words-info").get_by_text("12 steps").wait_for()
    page.wait_for_function("() => document.querySelector('#next-words-step input[type=range]').max === '11'")
    page.goto(page.url.split("?")[0] + "?tab=next_words&length=60&step=50&seed=3")  # a longer text: further
    panel.locator("#next-words-info").get_by_text("Step 50").wait_for()
    page.wait_for_function("() => document.querySelector('#next-words-step input[type=range]').max === '59'")


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_a_text_box_says_how_much_it_holds(pages, locale, lang):
    page = pages(locale=locale)
    click_tab(page, text(lang, "tab.generate"))
    limit = text(lang, "widget.max_chars", n=f"{limits.MAX_TEXT_CHARS:,}")
    page.locator("#tab-generate").get_by_text(limit).first.wait_for()

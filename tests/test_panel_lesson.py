"""The Lesson tab (web/tabs/lesson.py): its links name and open their tabs, its steps open their panels."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import gradio as gr
import pytest
from conftest import screenshot

from lyricgen.web import i18n
from lyricgen.web.i18n import text
from lyricgen.web.tabs.lesson import STEPS

TRY_IT = {"zh": "试一试：", "en": "Try it: "}


def tab_title(built, tab_id: str) -> i18n.Msg:
    """The recorded title of the gr.Tab with this id."""
    tabs = [block for block in built.blocks if isinstance(block, gr.Tab) and block.id == tab_id]
    assert len(tabs) == 1, tab_id
    return built.strings.recorded[tabs[0].label]


@pytest.mark.parametrize("lang", sorted(TRY_IT))
def test_every_lesson_link_names_its_tab_as_the_tab_is_titled(built, lang):
    for step in STEPS:
        for label, query in step.try_its:
            _, panel = built.setups[query["tab"]].path[-1]  # the tab the link opens (inside its parent's)
            title = tab_title(built, panel).render(lang)
            assert i18n.text(lang, label) == TRY_IT[lang] + title, (label, panel)


def test_a_lesson_link_opens_the_tab_it_names(pages):
    page = pages(locale="zh-CN")
    link = page.get_by_role("link", name=text("zh", "lesson.try.open_box"))
    label = link.inner_text().strip()
    link.click()
    page.locator("#tab-open-box").wait_for()
    selected = page.locator("#tab-inside [role=tab][aria-selected=true]").filter(visible=True)
    assert "试一试：" + selected.inner_text().strip() == label


def test_every_lesson_step_opens_its_panel_with_inputs_set(pages):
    from lyricgen.web.tabs.lesson import STEPS

    page = pages(locale="en-US")
    try_its = page.locator("#tab-lesson .lesson-step a:not([href*='code=1'])").filter(visible=True)
    assert try_its.count() == sum(len(step.try_its) for step in STEPS)
    page.get_by_role("link", name="Try it: hidden states").click()  # opened in place, no new page
    panel = page.locator("#tab-hidden-states")
    panel.wait_for()
    (query,) = [query for step in STEPS for _, query in step.try_its if query["tab"] == "hidden_states"]
    assert panel.locator("textarea").first.input_value() == query["text"]
    panel.locator("img").first.wait_for()  # cheap, so it ran once
    assert len(page.context.pages) == 1
    query = parse_qs(urlsplit(page.url).query)  # the address is the link (reload or copy it), language kept
    assert query["tab"] == ["hidden_states"] and query["cell"] == ["rnn"]
    page.get_by_role("tab", name="Lesson").click()
    page.get_by_role("link", name="Try it: train it yourself").focus()
    page.keyboard.press("Enter")  # a link is a control: the keyboard opens it too
    page.locator("#tab-lab-train").wait_for()  # training is not cheap: opened, not started
    assert parse_qs(urlsplit(page.url).query)["tab"] == ["train"]


@pytest.mark.parametrize("locale, name", [("zh-CN", "lesson-zh"), ("en-US", "lesson-en")])
def test_lesson_screenshots(pages, locale, name):
    page = pages(locale=locale)
    steps = set(page.evaluate("() => [...document.querySelectorAll('#tab-lesson .lesson-step[id]')].map(e => e.id)"))
    assert len(steps) == 8
    screenshot(page, name)


def test_a_lesson_step_reads_its_panels_code_for_the_links_inputs(pages):
    from playwright.sync_api import expect

    page = pages(locale="en-US")
    reads = page.locator("#tab-lesson .lesson-step a[href*='code=1']").filter(visible=True)
    assert reads.count() >= 4 and all(reads.nth(i).inner_text() == "Read the code" for i in range(reads.count()))
    read = page.locator("#lesson-words").get_by_role("link", name="Read the code")  # the first step's: Tokens
    query = parse_qs(urlsplit(read.get_attribute("href")).query)
    read.click()
    shown = page.locator("#code-tokenize .code-shown")
    expect(shown).to_contain_text("import jieba")  # unfolded, and its button pressed: the script is there
    expect(shown).to_contain_text(f"TEXT = {query['text'][0]!r}")  # for the link's own inputs
    assert len(page.context.pages) == 1 and parse_qs(urlsplit(page.url).query)["code"] == ["1"]

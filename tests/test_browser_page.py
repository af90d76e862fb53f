"""The page in a real browser: one language at a time, the switch, links that set up a class, the download,
phone widths and the keyboard (the Lesson's steps: tests/test_panel_lesson.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import click_tab, generated_lyrics
from languages import CJK, english_sentence

from lyricgen.web.i18n import text

# The visible text of a panel, without what the student typed or the model wrote: the lyrics box, the
# example inputs, and the values inside input boxes (innerText leaves those out anyway).
PANEL_TEXT_JS = """(selector) => {
  const panel = document.querySelector(selector).cloneNode(true);
  panel.querySelectorAll('#lyrics, [data-testid^="dataset-cell"]').forEach(e => e.remove());
  document.body.appendChild(panel);
  const text = panel.innerText;
  panel.remove();
  return text;
}"""

LINK = "?tab=generate&start=星星&cell=gru&temperature=0.8&seed=7&length=20"


def generate_panel_text(page) -> str:
    page.locator("#tab-generate").wait_for()
    return page.evaluate(PANEL_TEXT_JS, "#tab-generate")




def test_a_chinese_browser_sees_no_english_sentence_on_generate(pages):
    page = pages(locale="zh-CN", query=LINK)  # the link also runs it: the info under the lyrics is checked too
    generated_lyrics(page)
    text = generate_panel_text(page)
    assert "生成" in text and "歌词" in text
    assert english_sentence(text) is None, english_sentence(text)
    assert page.get_by_role("tab", name="课程").is_visible()


def test_an_english_browser_sees_no_chinese_but_lyrics_and_examples(pages):
    page = pages(locale="en-US", query=LINK)
    lyrics = generated_lyrics(page)
    assert lyrics.startswith("星星")  # the lyrics stay Chinese: they are the data
    text = generate_panel_text(page)
    assert "Start text" in text and "Seed: 7" in text
    assert not CJK.search(text), CJK.findall(text)
    assert page.get_by_role("tab", name="Lesson").is_visible()


def test_the_switch_flips_the_whole_page_and_the_answers(pages):
    page = pages(locale="zh-CN")
    page.get_by_role("tab", name="生成").click()
    page.locator("#language").get_by_label("English").check()
    page.get_by_role("tab", name="Generate").wait_for()
    assert "Start text" in generate_panel_text(page)
    assert "lang=en" in page.url  # a reload keeps the language
    page.locator("#tab-generate").get_by_role("button", name="Generate", exact=True).click()
    page.locator("#generate-info").get_by_text("Seed:").wait_for()  # answers come in English too
    page.locator("#language").get_by_label("中文").check()
    page.get_by_role("tab", name="生成").wait_for()
    assert english_sentence(page.evaluate(PANEL_TEXT_JS, "#tab-generate .form")) is None


def test_a_link_sets_up_generate_and_runs_it_once(pages):
    first = pages(query=LINK)
    assert first.locator("#tab-generate").is_visible()
    assert first.locator("#tab-generate textarea").first.input_value() == "星星"
    assert first.locator("#tab-generate").get_by_label("GRU").is_checked()
    lyrics = generated_lyrics(first)
    assert lyrics.startswith("星星") and "7" in first.locator("#generate-info").inner_text()
    assert generated_lyrics(pages(query=LINK)) == lyrics  # the same link, the same screen for every student


def test_bad_link_parameters_are_ignored_with_a_notice(pages):
    page = pages(locale="en-US", query="?tab=generate&temperature=9&colour=red&seed=x")
    notice = page.locator("#link-notice")
    notice.wait_for()
    assert "temperature" in notice.inner_text() and "colour" in notice.inner_text() and "seed" in notice.inner_text()
    slider = page.locator("#tab-generate input[type=number]").nth(1)  # length, temperature, …
    assert float(slider.input_value()) == 0.8  # the default kept
    page = pages(locale="en-US", query="?tab=nowhere")
    assert "nowhere" in page.locator("#link-notice").inner_text()
    assert page.locator("#tab-lesson").is_visible()


# Links a stranger could send a class: a Markdown link, a Markdown picture on an address every browser would
# fetch, an HTML element, and a link whose bad value quotes all of those. Each shows as the text it is.
HOSTILE_LINKS = [
    ("?tab=%5BLog%20in%20again%5D(http://evil.example/)", "[Log in again](http://evil.example/)"),
    ("?tab=!%5Bx%5D(http://127.0.0.1:9/t.png)", "![x](http://127.0.0.1:9/t.png)"),
    ("?tab=generate&cell=%3Csvg%20onload%3Dalert(1)%3E", "<svg onload=alert(1)>"),
    ("?tab=generate&%3Cimg%20src%3Dhttp://127.0.0.1:9/x.png%3E=1", "<img src=http://127.0.0.1:9/x.png>"),
    ("?tab=generate&cell=**bold**%20%5Bx%5D(http://evil.example/)", "**bold** [x](http://evil.example/)"),
]


@pytest.mark.parametrize(("query", "shown"), HOSTILE_LINKS)
def test_a_link_shows_back_as_text_never_as_markup(browser_app, query, shown):
    from conftest import new_page

    requested = []
    page = new_page(browser_app, locale="en-US", query=query, requested=requested)
    try:
        notice = page.locator("#link-notice")
        notice.wait_for()
        assert shown[:20] in notice.inner_text()  # the characters themselves (a long value is cut short)
        assert notice.locator("a, img, svg, strong, em, script").count() == 0
        own = urlsplit(browser_app[1]).netloc
        assert [url for url in requested if urlsplit(url).netloc != own] == []  # nothing fetched from elsewhere
    finally:
        page.context.close()


def test_copy_link_writes_a_link_that_sets_up_the_same_screen(pages):
    page = pages(locale="en-US")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("tab", name="Generate").click()
    panel = page.locator("#tab-generate")
    panel.get_by_label("Start text").fill("夏天的风")
    panel.get_by_label("RNN").check()
    panel.get_by_label("Seed (blank = random)").fill("11")
    copy = panel.get_by_role("button", name="Copy a link to this setup")
    copy.click()
    page.wait_for_url("**tab=generate**")  # the address bar shows the link: it can be copied by hand too
    url = page.url
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert "copied" in copy.get_attribute("class")  # the button says so
    query = parse_qs(urlsplit(url).query)
    assert query["tab"] == ["generate"] and query["start"] == ["夏天的风"] and query["cell"] == ["rnn"]
    assert query["seed"] == ["11"] and query["temperature"] == ["0.8"]
    again = pages(locale="en-US", query="?" + urlsplit(url).query)
    assert again.locator("#tab-generate").get_by_label("RNN").is_checked()
    assert generated_lyrics(again).startswith("夏天的风")


def test_opening_the_page_asks_the_server_only_what_the_browser_cannot_tell(pages):
    """A Chinese browser opening the plain page runs no event on the server; with a link, only the panel's
    opener and its run; an English browser, the start (its language) and the strings in English."""
    import app

    names = {i: fn.name for i, fn in app.demo.fns.items()} | {fn._id: fn.name for fn in app.demo.fns.values()}
    events = []
    pages(locale="zh-CN", events=events)
    assert events == []
    link = []
    generated_lyrics(pages(locale="zh-CN", query=LINK, events=link))
    assert sorted(names.get(i) for i in link) == sorted(["open_panel", "generate"]), [names.get(i) for i in link]
    english = []
    page = pages(locale="en-US", events=english)
    assert "Lesson" in page.locator("#tabs").inner_text()
    assert sorted(names.get(i) for i in english) == ["on_load", "switch"], [names.get(i) for i in english]


def test_download_holds_the_lyrics_settings_and_model_hashes(pages):
    import app

    page = pages(locale="en-US", query=LINK)
    lyrics = generated_lyrics(page)
    with page.expect_download() as download:
        page.locator("#download-lyrics").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert lyrics in text
    for line in ("Start text: 星星", "Cell type: GRU", "Temperature: 0.8", "Seed: 7", "top-k (0 = off): 0"):
        assert line in text
    for name, digest in app.CHECKPOINTS["gru"].file_hashes.items():
        assert f"gru/{name}: {digest}" in text


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_every_tab_fits_a_phone(pages):
    page = pages(locale="zh-CN", width=390, height=844)
    assert no_sideways_scroll(page)
    for key in ("tab.generate", "tab.tokenize", "tab.model", "tab.inside", "tab.lab"):
        click_tab(page, text("zh", key))
        assert no_sideways_scroll(page), key
    built = page.evaluate("() => [...document.querySelectorAll('[id^=tab-]')].map(e => e.id)")
    assert "tab-generate" in built
    from lyricgen.web.tabs.lesson import STEPS

    for step in STEPS:  # every panel, opened the way the Lesson opens it
        for label, _ in step.try_its:
            click_tab(page, "课程")
            page.get_by_role("link", name=text("zh", label)).filter(visible=True).click()
            page.wait_for_timeout(300)
            assert no_sideways_scroll(page), label


@pytest.mark.parametrize("tab, panel_id", [("tab.lesson", "tab-lesson"), ("tab.generate", "tab-generate"),
                                           ("tab.tokenize", "tab-tokenize")])
def test_every_control_is_reachable_by_keyboard(pages, tab, panel_id):
    page = pages(locale="en-US")
    click_tab(page, text("en", tab))
    panel = page.locator(f"#{panel_id}")
    panel.wait_for()
    # Number every control a student can use; a radio group counts once (Tab enters it, the arrows move in it).
    wanted = page.evaluate("""(id) => {
      const controls = [...document.getElementById(id).querySelectorAll('input, textarea, button, select, a[href]')]
        .filter(e => e.offsetParent !== null && !e.disabled);
      const groups = new Set();
      return controls.filter(e => {
        if (e.type !== 'radio') return true;
        if (groups.has(e.name)) return false;
        groups.add(e.name);
        return true;
      }).map((e, i) => { e.dataset.kb = i; if (e.type === 'radio') e.dataset.kbGroup = e.name; return i; });
    }""", panel_id)
    for name in page.evaluate("() => [...document.querySelectorAll('[data-kb-group]')].map(e => e.name)"):
        page.evaluate("(name) => document.querySelectorAll(`input[name='${name}']`)"
                      ".forEach(e => e.dataset.kb = document.querySelector(`[data-kb-group='${name}']`).dataset.kb)",
                      name)
    assert len(wanted) >= 3
    page.get_by_role("tab", name=text("en", tab)).filter(visible=True).first.focus()
    reached = set()
    for _ in range(3 * len(wanted) + 40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.dataset.kb"))
    assert not set(map(str, wanted)) - reached, f"not reachable by Tab: {set(map(str, wanted)) - reached}"


def test_images_have_alt_text(pages):
    page = pages(locale="en-US", query="?tab=hidden_states&text=明月几时有")
    image = page.locator("#tab-hidden-states img").first
    image.wait_for()
    assert re.search(r"\w", image.get_attribute("alt") or "")


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_the_memorization_try_it_lands_on_a_result(pages, locale, lang):
    """It once checked an empty box: two red Error badges and a toast. Now the link carries the lyrics that the
    Generate try-it writes, and the panel shows them checked."""
    page = pages(locale=locale)
    page.get_by_role("link", name=text(lang, "lesson.try.memorized")).filter(visible=True).click()
    result = page.locator("#memorized-result")
    result.get_by_text("夏天的风").first.wait_for()  # the checked lines, drawn by the run the link pressed
    assert page.locator("#memorized-input textarea").input_value().startswith("夏天的风")
    assert page.locator('[data-testid="toast-body"]').count() == 0
    assert page.locator("#tab-memorized .error").count() == 0

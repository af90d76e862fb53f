"""One language at a time, in a real browser: every panel of the page run once (through the Lesson's "try it"
links, and the Lab's training), then every word the student reads is checked.

- The Chinese page holds no Latin word but formulas, code, names and units (an allow-list), and the Latin
  words of the corpus (its lyrics are data: "Baby", "Oh").
- The English page holds no Chinese but data: a word of the vocabulary or of what was typed, standing alone
  (a table cell, a word of the lyrics, a label on a chart), and the language switch's 中文.
- Gradio's own words (a message box's heading, an output's error mark, the footer) speak the page's language.
- Answers on screen change language with the page; a copied link keeps a chosen language; the Model tab's
  table headers never break inside a word, and its charts' titles fit.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import click_tab, new_page

from lyricgen.web.i18n import text

# Every text node the student sees (and the placeholder of an empty box), but what `drop` selects:
# [text, whether it is a table's cell (a Markdown or a Dataframe one), the id of the nearest element that has one].
SEEN_TEXT_JS = """(drop) => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const element = node.parentElement;
    if (!element || !node.data.trim() || element.closest(drop)) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    seen.push([node.data.trim(), !!element.closest("td, [role='gridcell']"), (element.closest("[id]") || {}).id]);
  }
  for (const box of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (!box.value && box.placeholder && box.checkVisibility() && !box.closest(drop)) {
      seen.push([box.placeholder, false, box.id]);
    }
  }
  return seen;
}"""

# Formulas (KaTeX, MathML), code, and what no student reads as words: styles, the axis ticks of a chart
# (numbers, or the words of the data), the examples of what to type, a file's name.
NOT_WORDS = "math, .katex, code, pre, script, style, .role-axis-label, [data-testid^='dataset'], .filename"

# Latin words a Chinese page may show: names (of cells, tools, libraries, formats, the app), notation and
# code (tensors, arguments, keys of metrics.json), and unit symbols.
NAMES = {"RNN", "LSTM", "GRU", "jieba", "PyTorch", "Python", "Gradio", "API", "lyricgen", "PCA", "PC", "AdamW",
         "Transformer", "softmax", "tanh", "cos", "log", "top", "k", "p", "id", "ids", "gram", "cpu", "cuda", "zip",
         "txt", "json", "metrics", "unk", "eol", "query", "key", "nn", "ppl", "L_train", "L_val", "KB", "MB"}
CODE = {"embedding", "weight", "unsqueeze", "seq_len", "batch", "input_size", "hidden_size", "num_layers",
        "bidirectional", "batch_first", "mode", "input", "output", "h_n", "h0", "rnn", "numel", "parameters", "sum",
        "num_directions", "gates", "hidden", "vocab_size", "embed_dim", "hidden_dim", "train_loss", "val_loss",
        "W_ih", "W_hh", "b_ih", "b_hh", "x_t", "h_t", "h_i", "c_t", "steps", "units", "False", "True", "clip",
        "bias_ih", "bias_hh", "weight_ih", "weight_hh"}
ALLOWED_LATIN = NAMES | CODE


def latin_words(seen: str) -> set[str]:
    """The Latin words of the text (an identifier with _ or digits counts whole: weight_ih_l0)."""
    words = set()
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", seen):
        word = re.sub(r"_l\d+$|\d+$", "", word).rstrip("_")  # weight_ih_l0 → weight_ih, d7 → d, h_{t-1} → h
        if re.fullmatch(r"[A-Za-z]{1,2}(_[A-Za-z0-9]{1,2})+", word):
            continue  # notation: x_t, W_hh, p_T
        if len(word) > 1 or word in "aAI":
            words.add(word)
    return words


HAN_RUN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


def lesson_links() -> list[tuple[str, dict[str, str]]]:
    from lyricgen.web.tabs.lesson import STEPS

    return [(label, query) for step in STEPS for label, query in step.try_its]  # the labels (keys) are what counts


def finished(page) -> None:
    """Wait until no output is pending or streaming, and a plot has drawn."""
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")
    page.wait_for_timeout(700)
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")


def run_every_panel(page, lang: str) -> list[list[tuple[str, bool, str]]]:
    """Open every panel through its Lesson link (which runs it where running is cheap), and train in the Lab
    for a moment: the text seen on each (SEEN_TEXT_JS)."""
    seen = []
    for label, _ in lesson_links():
        click_tab(page, text(lang, "tab.lesson"))
        page.get_by_role("link", name=text(lang, label)).filter(visible=True).click()
        finished(page)
        seen.append(page.evaluate(SEEN_TEXT_JS, NOT_WORDS))
    click_tab(page, text(lang, "tab.lesson"))  # the training's link sets it up: train, then stop
    page.get_by_role("link", name=text(lang, "lesson.try.train")).filter(visible=True).click()
    panel = page.locator("#tab-lab-train")
    panel.locator("#lab-hidden input[type=number]").fill("64")
    panel.locator("#lab-train-button").click()
    panel.locator("#lab-status").get_by_text(re.compile("/s|/秒")).wait_for()
    # no_wait_after: Stop starts no navigation, and Playwright's wait for one after a click (its Page.enable
    # round trip, then its navigation barrier) hung past a minute on a CI machine while the plot redrew.
    panel.locator("#lab-stop-button").click(no_wait_after=True)
    panel.locator("#lab-download").get_by_text(".zip").wait_for()
    finished(page)
    seen.append(page.evaluate(SEEN_TEXT_JS, NOT_WORDS))
    click_tab(page, text(lang, "tab.model"))
    finished(page)
    seen.append(page.evaluate(SEEN_TEXT_JS, NOT_WORDS))
    return seen


def vocabulary() -> set[str]:
    import app

    return {token for ckpt in app.CHECKPOINTS.values() for token in ckpt.vocab.tokens}


def typed(page) -> set[str]:
    """What the Lesson's links type (as the page writes them) and what the boxes of the panels hold (their
    examples), their lines and their words."""
    from lyricgen.tokens import split_words

    hrefs = page.evaluate("() => [...document.querySelectorAll('#tab-lesson .lesson-step a')].map(a => a.href)")
    values = {value for href in hrefs for values in parse_qs(urlsplit(href).query).values() for value in values}
    values |= set(page.evaluate("() => [...document.querySelectorAll('textarea, input[type=text]')].map(b => b.value)"))
    lines = {line.strip() for value in values for line in value.splitlines()}
    return values | lines | {word for line in lines for word in split_words(line)}


def test_the_chinese_page_shows_no_english_word(browser_app):
    page = new_page(browser_app, locale="zh-CN")
    try:
        seen = run_every_panel(page, "zh")
        data = {word for word in vocabulary() if re.fullmatch(r"[A-Za-z]+", word)}
        allowed = ALLOWED_LATIN | data | {"Language", "English"}  # the switch's label and its name for English
        english = {word: (line, where) for panel in seen for line, _, where in panel
                   for word in latin_words(line) - allowed}
        assert not english, english
        everything = "\n".join(line for panel in seen for line, _, _ in panel)
        assert "比特" in everything and "曲线" in everything  # the unit; a chart's legend
    finally:
        page.context.close()


def test_the_english_page_shows_no_chinese_but_data(browser_app):
    page = new_page(browser_app, locale="en-US")
    try:
        seen = run_every_panel(page, "en")
        data = vocabulary() | typed(page) | {"中文"}  # the switch's name for Chinese
        # A run of Chinese is data when the vocabulary or the typed text holds it, or when it stands in a table's
        # cell with no English beside it (a line of a cell's lyrics, in Compare).
        lines = [(line, cell, where) for panel in seen for text_seen, cell, where in panel
                 for line in text_seen.splitlines()]
        chinese = {run: (line, where) for line, cell, where in lines for run in HAN_RUN.findall(line)
                   if run not in data and not (cell and set(re.findall("[A-Za-z]+", line)) <= data)}
        assert not chinese, chinese
        everything = "\n".join(line for panel in seen for line, _, _ in panel)
        assert "bits" in everything and "Curve" in everything and "common." not in everything  # no key of Gradio's
    finally:
        page.context.close()


def test_gradios_own_words_speak_the_pages_language(browser_app):
    """An English browser on the Chinese page (Gradio's own words follow the browser): a refused input's message
    box and its outputs' error marks, the footer, and what a screen reader is told, all in Chinese."""
    page = new_page(browser_app, locale="en-US", query="?lang=zh&tab=tokenize&text=x")
    try:
        panel = page.locator("#tab-tokenize")
        panel.locator("#tokenize-shapes").get_by_text("jieba").first.wait_for()  # the link ran it
        finished(page)
        panel.locator("textarea").first.fill("")
        panel.locator("#run-tokenize").click()
        toast = page.locator("[data-testid='toast-body']").first
        toast.wait_for()
        assert toast.locator(".toast-title").inner_text().strip() == "错误"
        marks = page.locator("[data-testid='status-tracker'] span.error").filter(visible=True)
        marks.first.wait_for()
        assert {mark.strip() for mark in marks.all_inner_texts()} == {"错误"}
        seen = "\n".join(line for line, _, _ in page.evaluate(SEEN_TEXT_JS, NOT_WORDS))
        assert not latin_words(seen) - ALLOWED_LATIN - {"Language", "English"}, latin_words(seen) - ALLOWED_LATIN
        assert "使用 Gradio 构建" in page.locator("footer").inner_text()
        assert page.evaluate("() => document.documentElement.lang") == "zh"
    finally:
        page.context.close()


def test_answers_on_screen_change_language_with_the_page(browser_app):
    """Run a panel, and write lyrics with a random seed, on the Chinese page; switch to English: the panel's
    answer is English (it ran again, from the same inputs), Generate's info too, and its lyrics stay as they
    were (they are data, and a run again would draw other words)."""
    page = new_page(browser_app, locale="zh-CN", query="?tab=tokenize&text=下雨的夜晚我想你")
    try:
        shapes = page.locator("#tokenize-shapes")
        shapes.get_by_text("jieba 分词").wait_for()
        click_tab(page, text("zh", "tab.generate"))
        generate = page.locator("#tab-generate")
        generate.locator("textarea").first.fill("星星")
        generate.get_by_role("button", name=text("zh", "widget.generate"), exact=True).click()
        page.locator("#download-data textarea").wait_for(state="attached")
        page.wait_for_function("() => document.querySelector('#download-data textarea').value.length > 0")
        lyrics = page.locator("#lyrics textarea").input_value()
        assert "种子" in page.locator("#generate-info").inner_text()

        page.locator("#language").get_by_label("English").check()
        info = page.locator("#generate-info")
        info.get_by_text("Seed:").wait_for()
        assert not HAN_RUN.search(info.inner_text()), info.inner_text()
        assert page.locator("#lyrics textarea").input_value() == lyrics
        assert "Start text: 星星" in page.locator("#download-data textarea").input_value()  # the download too
        click_tab(page, text("en", "tab.tokenize"))
        shapes.get_by_text("jieba's tokens").wait_for()
        assert not re.search("分词|词表|形状", shapes.inner_text()), shapes.inner_text()

        page.locator("#language").get_by_label("中文").check()  # and back
        shapes.get_by_text("jieba 分词").wait_for()
        page.locator("#generate-info").get_by_text("种子").wait_for(state="attached")
    finally:
        page.context.close()


def test_copy_link_keeps_the_language_chosen_on_the_page(browser_app):
    page = new_page(browser_app, locale="zh-CN")
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        copy = page.locator("#tab-generate").get_by_role("button", name=text("zh", "page.copy_link"))
        click_tab(page, text("zh", "tab.generate"))
        copy.click()
        page.wait_for_url("**tab=generate**")
        assert "lang" not in parse_qs(urlsplit(page.url).query)  # the browser's own language: none chosen
        page.locator("#language").get_by_label("English").check()
        page.wait_for_url("**lang=en**")  # the switch is done: the address carries the language chosen
        # The first copy's mark lasts a few seconds: take it off, so that the mark waited for is this copy's.
        page.evaluate("() => document.querySelectorAll('.copy-link.copied').forEach(b => b.classList.remove('copied'))")
        copy = page.locator("#tab-generate").get_by_role("button", name=text("en", "page.copy_link"))
        copy.click()
        page.wait_for_function("() => document.querySelector('.copy-link.copied')")
        query = parse_qs(urlsplit(page.evaluate("navigator.clipboard.readText()")).query)
        assert query["tab"] == ["generate"] and query["lang"] == ["en"], query
    finally:
        page.context.close()


# Whether any word of an element's text is drawn on more than one line (broken inside the word).
BROKEN_WORDS_JS = """(element) => {
  const broken = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""

# Each chart's title: its text, and whether it lies inside its chart (Gradio draws it uncut, overflowing).
CHART_TITLES_JS = """(panel) => [...document.querySelectorAll(`${panel} svg`)].flatMap(svg => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('.role-title text')].map(title => {
    const r = title.getBoundingClientRect();
    return [title.textContent, r.left >= box.left - 1 && r.right <= box.right + 1];
  });
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_model_tab_in_english_breaks_no_word_and_cuts_no_title(browser_app, width):
    page = new_page(browser_app, locale="en-US", width=width, query="?tab=model")
    try:
        page.locator("#tab-model svg .role-title").first.wait_for()
        finished(page)
        headers = page.locator("#model-summary th")
        assert headers.count() >= 10
        for i in range(headers.count()):
            assert headers.nth(i).evaluate(BROKEN_WORDS_JS) == [], headers.nth(i).inner_text()
        titles = page.evaluate(CHART_TITLES_JS, "#tab-model")
        assert len(titles) == 3 and all(inside for _, inside in titles), titles
        assert {title for title, _ in titles} == {text("en", "model.curves.title")}
        assert page.locator("#tab-model").get_by_text(text("en", "model.curves.caption")).first.is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        page.context.close()


# ---------------------------------------------------------------------------------------------
# What the page is told again after a switch, without a browser.


class Page:
    """What a handler reads of a gr.Request: its page's session."""

    def __init__(self, session: str):
        self.session_hash, self.query_params, self.headers = session, {}, {}


def test_generate_tells_its_info_and_download_again_in_the_new_language(tiny, engines):
    from conftest import answers

    from lyricgen.web import i18n
    from lyricgen.web.tabs.generate import GenerateTab

    tab, page = GenerateTab(tiny, engines, every_s=0), Page("one-language-generate")
    with i18n.using("zh"):
        lyrics, info, saved = answers(tab.generate("明月", 5, 0.8, "gru", 0, "7", request=page))[-1]
    assert "种子" in info and "明月" in saved and "7" in info
    again_info, again_saved = tab.told.again(page)  # asked in English (the page switched)
    assert "Seed: `7`" in again_info and not HAN_RUN.search(again_info)
    assert "Start text: 明月" in again_saved and lyrics in again_saved
    assert tab.told.again(Page("a page that generated nothing")) is None


def test_a_training_follows_the_switch_and_tells_its_figures_again(tiny, tmp_path):
    from lyricgen.web import i18n
    from lyricgen.web.tabs.lab_train import TrainTab

    tab, page = TrainTab(tiny, max_trainings=1, zip_dir=tmp_path), Page("one-language-train")
    args = ["builtin", "", "gru", 16, 0.003, 30, "project", "明月"]
    with i18n.using("zh"):
        updates = tab.train(*args, request=page)
        _, status, samples, _ = next(updates)
    assert "训练损失" in status and samples.startswith("第 0 步")
    i18n.remember(page, "en")  # the switch
    tab.stop(page)
    *_, (_, status, samples, file) = list(updates)
    assert file is not None and "Finished: stopped" in status and samples.startswith("Step 0: ")
    with i18n.using("zh"):
        status, samples = tab.told.again(page)
    assert "训练结束：已停止" in status and samples.startswith("第 0 步")

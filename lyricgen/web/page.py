"""The page around the tabs: its header, the language switch, and what happens when it loads.

While the tabs are built (PageBuilder.building), every string they take from i18n.t is recorded and
every panel's link setup is collected. finish() then wires the page:

- when it loads, the page asks the server only what the browser cannot tell alone: a visitor whose
  browser prefers the language the page is built in, with no ?lang= and a link to a panel there is
  (or none), costs the server nothing;
- otherwise the server answers the visitor's language (of the page, i18n.of_request) and a notice
  about a link it cannot open; when that language is not the page's own, the page is sent its
  strings in it, as it is after the switch;
- a link (?tab=…, in the address on load or from a Lesson "try it" link) opens its panel: the
  panel's hidden "opener" fills its inputs and presses its run button where a run is cheap;
- a panel's "copy link" button has the server write its setup as a link, which the browser copies,
  and shows in the address bar;
- after the student switches language, every answer on screen is told again in the new one (TRANSLATED_JS),
  and the few words Gradio writes itself follow the page's language (GRADIO_WORDS_JS).

Each event has only the outputs it changes, and most of them are plain values: Gradio rebuilds a
component for every update dict it is sent, gr.skip() included, and sets up a session's state on
its first event, so a page view that touched every output would cost the server more than a
class's generations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

import gradio as gr

from . import i18n, lan_line, links
from .i18n import t

# Marks one part of the page's start as done, a part being "lyricgenLanguage" or "lyricgenLink": the page is
# ready (lyricgenReady, which tests and bench/page_views.py wait for) once its language and its link are both
# in. Put at the top of the functions below that use it.
DONE_JS = """
  const done = (part) => {
    const data = document.documentElement.dataset;
    data[part] = "1";
    if (data.lyricgenLanguage && data.lyricgenLink) data.lyricgenReady = "1";
  };
"""


# Presses a button once it is on screen (a tab's contents appear when the tab is first opened).
PRESS_JS = """(id) => {
  let tries = 0;
  const press = () => {
    const button = document.getElementById(id);
    if (button) button.click(); else if (++tries < 100) setTimeout(press, 100);
  };
  press();
}"""

# A Lesson "try it" link opens its panel in place: the address becomes the link (reload, copy, go back),
# the language kept, and the panel's opener reads it. Installed once, when the page starts.
TRY_IT_JS = """
  if (!window.lyricgenTryIt) {
    window.lyricgenTryIt = true;
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest(".lesson-step a[href*='tab=']");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      const url = new URL(link.getAttribute("href"), location.href);
      const opener = document.getElementById("open-" + url.searchParams.get("tab"));
      if (!opener) return;  // the browser follows the link: a page of its own
      event.preventDefault();
      event.stopPropagation();
      const lang = new URLSearchParams(location.search).get("lang");
      if (lang && !url.searchParams.has("lang")) url.searchParams.set("lang", lang);
      history.pushState(null, "", url);
      opener.click();
    }, true);
  }
"""

# Which panels have shown an answer (their run button pressed, by the student or a link, or Enter in one of
# their boxes): after the student switches language, each is told again in the new one (TRANSLATED_JS).
TRACK_ANSWERS_JS = """
  if (!window.lyricgenAnswered) {
    window.lyricgenAnswered = new Set();
    const answered = (element) => {
      const panel = element.closest && element.closest("[id^='tab-']");
      if (panel) window.lyricgenAnswered.add(panel.id);
    };
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("button.primary");
      if (button) answered(button);
    }, true);
    document.addEventListener("keydown", (event) => {
      const box = event.target;
      if (event.key === "Enter" && box.matches && box.matches("input, textarea")) answered(box);
    }, true);
  }
"""

# Gradio writes a few words of its own in the browser's language, or in English whatever the language: the
# heading of a message box ("Error"), the mark on an output whose event failed, the footer. The page's own
# words instead, in the language the page says it speaks (data-lyricgen-lang), as Gradio draws them and
# after a switch.
GRADIO_WORDS = {".toast-title.error": "page.gradio.error",
                "[data-testid='status-tracker'] span.error": "page.gradio.error",
                "footer .show-api": "page.gradio.api", "footer .built-with": "page.gradio.built",
                "footer .settings": "page.gradio.settings"}
GRADIO_WORDS_JS = """
  if (!window.lyricgenSay) {
    const words = settings.words;  // {language: {selector: word}}
    const marks = Object.keys(Object.values(words)[0]).join(", ");
    const say = (element) => {
      const mine = words[document.documentElement.dataset.lyricgenLang];
      const word = mine && mine[Object.keys(mine).find((selector) => element.matches(selector))];
      const text = word && [...element.childNodes].find((node) => node.nodeType === 3 && node.data.trim());
      if (text && text.data.trim() !== word) text.data = word + " ";
    };
    window.lyricgenSay = () => document.querySelectorAll(marks).forEach(say);
    new MutationObserver((records) => {
      for (const record of records) {
        const node = record.type === "characterData" ? record.target.parentElement : record.target;
        if (node && node.closest) {
          const mark = node.closest(marks);
          if (mark) say(mark); else if (record.addedNodes.length) node.querySelectorAll(marks).forEach(say);
        }
      }
    }).observe(document.body, {childList: true, characterData: true, subtree: true});
  }
"""

# When the page starts; settings: the hidden #page-settings (page_settings). The browser's first language we
# have is found the way the server finds it in Accept-Language (i18n.match: the longest code or alias a
# tag starts with); the server is asked (the hidden #page-start) only when that, ?lang= or a link to no
# panel there is needs its answer.
START_JS = ("(settings) => {\n  settings = JSON.parse(settings);" + DONE_JS + TRY_IT_JS + TRACK_ANSWERS_JS
            + GRADIO_WORDS_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = settings.default;
  window.lyricgenSay();
  const names = settings.names;  // [name, code], longest name first
  const match = (tag) => {
    tag = String(tag || "").toLowerCase().replace(/_/g, "-");
    const found = names.find(([name]) => tag === name || tag.startsWith(name + "-"));
    return found ? found[1] : null;
  };
  let tries = 0;
  const start = () => {
    const server = document.getElementById("page-start");
    if (!server) {  // the page's hidden part is drawn last: wait for it
      if (++tries < 200) setTimeout(start, 50);
      return;
    }
    const wanted = (navigator.languages || [navigator.language]).map(match).find((code) => code) || settings.default;
    const params = new URLSearchParams(location.search);
    const tab = params.get("tab");
    const opener = tab && document.getElementById("open-" + tab);
    if (wanted !== settings.default || params.has("lang") || (tab && !opener)) {
      server.click();
      return;
    }
    done("lyricgenLanguage");
    if (opener) opener.click(); else done("lyricgenLink");
  };
  start();
}""")

# After the server's answer: the language is in unless its strings must still be sent; a link in the
# address opens its panel through that panel's opener.
STARTED_JS = "(lang, settings) => {\n  settings = JSON.parse(settings);" + DONE_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = lang;
  window.lyricgenSay();
  if (lang === settings.default) done("lyricgenLanguage");
  const tab = new URLSearchParams(location.search).get("tab");
  const opener = tab && document.getElementById("open-" + tab);
  if (opener) opener.click(); else done("lyricgenLink");
}"""

# After a panel's opener has filled it in: the link is in, and the panel's run button (run: its element id,
# or null) is pressed, only when the address sets `needs` where the panel names one.
OPENED_JS = "(run, needs) => {" + DONE_JS + """
  done("lyricgenLink");
  if (run && (!needs || new URLSearchParams(location.search).get(needs))) (""" + PRESS_JS + """)(run);
}"""


def opened_js(setup: links.Setup) -> str:
    """OPENED_JS called with this panel's run button and `needs` (JSON literals: no text is replaced)."""
    run = setup.run.elem_id if setup.run else None
    return f"() => ({OPENED_JS})({json.dumps(run)}, {json.dumps(setup.needs if setup.run else None)})"


def page_settings() -> str:
    """What the page's own JS needs from the server, as JSON in the hidden #page-settings: the default
    language, the language names the browser's may match, and Gradio's words in each language."""
    names = sorted(((name.lower(), code) for code, module in i18n.LANGUAGES.items()
                    for name in (code, *getattr(module, "ALIASES", ()))), key=lambda pair: -len(pair[0]))
    words = {code: {selector: i18n.text(code, key) for selector, key in GRADIO_WORDS.items()}
             for code in i18n.LANGUAGES}
    return json.dumps({"default": i18n.DEFAULT, "names": names, "words": words}, ensure_ascii=False)


# The opener's input: the link in the address.
ADDRESS_JS = "(ignored) => location.search"

# The language is in (on load, or after the switch): the page says which (<html lang>, and data-lyricgen-lang
# for GRADIO_WORDS_JS). After the student's switch, every panel that shows an answer is told it again in
# the new language: through its hidden .retell button where running it again would not do (a generation
# would write other words, a training start over), else by pressing its run button, which gives the same
# answer from the same inputs (a blank seed draws again).
TRANSLATED_JS = "(lang) => {" + DONE_JS + """
  document.documentElement.lang = document.documentElement.dataset.lyricgenLang = lang;
  if (window.lyricgenSay) window.lyricgenSay();
  if (window.lyricgenSwitched) {
    window.lyricgenSwitched = false;
    for (const id of window.lyricgenAnswered || []) {
      const panel = document.getElementById(id);
      const again = panel && (panel.querySelector("button.retell") || panel.querySelector("button[id^='run-']"));
      if (again) again.click();
    }
  }
  done("lyricgenLanguage");
}"""

# The student switched: keeps the chosen language in the address, so that a reload (or a copied address)
# keeps it too.
REMEMBER_LANGUAGE_JS = """(lang) => {
  window.lyricgenSwitched = true;
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  window.history.replaceState(null, "", url);
}"""

# The link the server wrote (a query) as a whole URL: copied where the browser allows it, and shown in
# the address bar, where a browser without clipboard access (plain http on a school network) can
# still copy it by hand. The button says it worked with a tick (CSS .copied). A language chosen on the page
# (or by the link it was opened with) stays in the link; else whoever opens it gets their browser's.
COPY_JS = """(query) => {
  if (!query) return;
  const lang = new URLSearchParams(location.search).get("lang");
  const url = location.origin + location.pathname + query + (lang ? "&lang=" + encodeURIComponent(lang) : "");
  history.replaceState(null, "", url);
  navigator.clipboard?.writeText(url).catch(() => {});
  const button = document.activeElement && document.activeElement.closest(".copy-link");
  if (button) { button.classList.add("copied"); setTimeout(() => button.classList.remove("copied"), 3000); }
}"""

# Narrow screens (a phone is 390 px wide): wide tables and pictures scroll inside their own box, and
# the page itself never scrolls sideways; the header is the title (never broken inside a word) over a
# one-line language switch, and the tabs wrap onto a second row (app.py) rather than hide in a menu.
# The Lesson's "try it" links look like the buttons they act as. A picture's label and buttons sit in a
# strip above it, not over its first rows (a heatmap's caption and column numbers).
CSS = """
.gradio-container { max-width: 100% !important; }
.prose table, .table-wrap, .html-container > div { max-width: 100%; overflow-x: auto; }
.prose pre, .prose code { white-space: pre-wrap; word-break: break-all; }
img { max-width: 100%; height: auto; }
.copy-link { width: fit-content !important; min-width: 12em; align-self: flex-start; flex-grow: 0 !important; }
.copy-link.copied::after { content: " ✓"; }
.lesson-step a[href*="tab="] {
  display: inline-block; margin: 0.25em 0.5em 0.25em 0; padding: 0.35em 0.9em; border-radius: 6px;
  background: var(--button-primary-background-fill); color: var(--button-primary-text-color) !important;
  text-decoration: none !important; font-weight: 600;
}
.lesson-step a[href*="tab="]:focus-visible { outline: 3px solid var(--color-accent); outline-offset: 2px; }
#page-title h1 { overflow-wrap: normal; }
.image-container { padding-top: var(--size-8); }
@media (max-width: 640px) {
  #page-header { flex-direction: column; gap: var(--size-1); }
  #page-header > * { min-width: 100% !important; }
  #page-title h1 { font-size: 1.5rem; line-height: 1.25; margin-bottom: 0.25em; }
  #page-title p { margin: 0; }
  #language { display: flex; flex-flow: row wrap; align-items: center; gap: 0 var(--size-2); padding: 0;
              border: none; background: none; }
  #page-header > .form { background: none; border: none; }
  #language > [data-testid="block-info"] { margin: 0; }
  #language .wrap { flex-wrap: nowrap; gap: var(--size-2); }
  #language label { padding: var(--size-1) var(--size-2); }
  .tab-container button[role="tab"] { padding: 0 var(--size-2); }
}
"""

# The Model tab's summary: a header breaks between words, never inside one ("Paramet|ers"); a table wider than
# the screen scrolls in its own box.
CSS += """
#model-summary table { display: block; overflow-x: auto; }
#model-summary th, #model-summary td { overflow-wrap: normal; word-break: normal; }
"""


def gradio_strings() -> gr.I18n:
    """Words Gradio's own page reads out to a screen reader and has in no language (it would read the key,
    "common.complete") or in English only."""
    return gr.I18n(**{code: {"common.complete": i18n.text(code, "page.done"),
                             "status.queue_position": i18n.text(code, "page.queued")} for code in i18n.LANGUAGES})


class PageBuilder:
    def __init__(self) -> None:
        self.strings = i18n.Page()
        self.setups: dict[str, links.Setup] = {}

    @contextmanager
    def building(self) -> Iterator[None]:
        """Inside this, tabs are built: their strings recorded, their link setups collected."""
        with self.strings.building(), links.collecting(self.setups):
            yield

    def header(self, device: str) -> None:
        with gr.Row(equal_height=True, elem_id="page-header"):
            gr.Markdown(t("page.title", device=device), elem_id="page-title")
            self.language = gr.Radio([(module.NAME, code) for code, module in i18n.LANGUAGES.items()],
                                     value=i18n.DEFAULT, label=t("page.language"), scale=0, min_width=200,
                                     elem_id="language")
        self.classroom = lan_line.ClassroomLine()  # where students reach the app, when it serves the local network
        # HTML of escaped text, never Markdown: a notice quotes the link, which anyone can write.
        self.notice = gr.HTML(visible=False, elem_id="link-notice")

    # -- what the page is sent ------------------------------------------------------------------

    def on_load(self, request: gr.Request | None = None) -> list:
        """The visitor's language, and a notice when the address names no panel there is. Gradio passes the
        request; None (a direct call) is a visitor who asks for nothing: the default language."""
        lang = i18n.of_request(request)
        i18n.remember(request, lang)
        query = dict(getattr(request, "query_params", None) or {})
        with i18n.using(lang):
            filled = links.read_query(self.setups, query)
        unknown = filled.notices if filled.setup is None else []  # a known panel's opener speaks for it
        return [lang, links.notice_update(unknown, hidden="")]

    def switch(self, lang: str, request: gr.Request | None = None) -> list:
        """The page's strings in this language (chosen on the switch, or the visitor's on load), remembered
        for this page."""
        if not isinstance(lang, str) or lang not in i18n.LANGUAGES:  # a client may send anything
            lang = i18n.DEFAULT
        i18n.remember(request, lang)
        return self.strings.translate(lang)

    def open_panel(self, setup: links.Setup, address: str, request: gr.Request | None = None) -> list:
        """A panel's opener: its tabs selected, the inputs the link sets filled, and the notice."""
        query = dict(parse_qsl(str(address or "").lstrip("?"), keep_blank_values=True))
        query["tab"] = setup.tab  # this opener opens this panel
        filled = links.read_query(self.setups, query, request)
        tabs = [gr.update(selected=tab_id) for _, tab_id in setup.path]
        values = [filled.values[name] if name in filled.values else gr.skip() for name in setup.params]
        return [*tabs, *values, links.notice_update(filled.notices, hidden=gr.update(visible=False))]

    # -- wiring ----------------------------------------------------------------------------------

    def state_limits(self) -> None:
        """Every text box says how much it holds, on its info line: the browser cuts a longer text at the
        box's max_length without a word (the server's own check, validate.py, only sees what is sent)."""
        for block in self.blocks:
            if not isinstance(block, gr.Textbox) or not block.max_length:
                continue
            n = f"{block.max_length:,}"
            if block.info:  # the box's own info first (a recorded string, or text as it is)
                block.info = t("widget.info_max_chars", info=self.strings.recorded.get(block.info, block.info), n=n)
            else:
                block.info = t("widget.max_chars", n=n)

    def opener_of(self, setup: links.Setup) -> Callable[..., list]:
        """open_panel for one panel, as a function Gradio passes the request to (it reads a gr.Request parameter
        from the annotations, which a functools.partial does not show)."""
        def open_panel(address: str, request: gr.Request | None = None) -> list:
            return self.open_panel(setup, address, request)
        return open_panel

    def finish(self, demo: gr.Blocks) -> None:
        """Wire the page, once every tab is built (still inside the Blocks)."""
        # The hidden part: what the browser presses and reads (see the JS above).
        address = gr.Textbox(visible="hidden", elem_id="link-address")  # openers read it, copy buttons write it
        start = gr.Button(visible="hidden", elem_id="page-start")
        settings = gr.Textbox(page_settings(), visible="hidden", elem_id="page-settings")  # read by START_JS
        self.openers = {}
        for setup in self.setups.values():
            opener = gr.Button(visible="hidden", elem_id=f"open-{setup.tab}")
            outputs = [tabs for tabs, _ in setup.path] + [p.component for p in setup.params.values()] + [self.notice]
            open_it = self.opener_of(setup)
            opener.click(open_it, address, outputs, js=ADDRESS_JS, api_visibility="private",
                         concurrency_limit=None).then(None, None, None, js=opened_js(setup))
            self.openers[setup.tab] = opener
            setup.copy.click(setup.query, [p.component for p in setup.params.values()], address,
                             api_visibility="private", concurrency_limit=None
                             ).then(None, address, None, js=COPY_JS)
        # Blocks.blocks, {id: block} of the whole page: no public equivalent (pinned in test_gradio_internals.py).
        self.blocks = list(demo.blocks.values())  # every block on the page, for tests that check them all
        self.state_limits()
        translated = self.strings.collect(demo.blocks)
        demo.load(None, settings, None, js=START_JS)
        start.click(self.on_load, None, [self.language, self.notice], api_visibility="private",
                    concurrency_limit=None).then(None, [self.language, settings], None, js=STARTED_JS)
        # .change: the switch, and the server's answer on load when the visitor's language is not the
        # page's own (a page in its own language is sent nothing).
        self.language.change(self.switch, self.language, translated, api_visibility="private",
                             concurrency_limit=None).then(None, self.language, None, js=TRANSLATED_JS)
        self.language.input(None, self.language, None, js=REMEMBER_LANGUAGE_JS)

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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

import gradio as gr

from . import code_view, i18n, lan_line, links, page_js
from .i18n import t

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
        settings = gr.Textbox(page_js.page_settings(), visible="hidden", elem_id="page-settings")  # START_JS reads it
        self.openers = {}
        for setup in self.setups.values():
            opener = gr.Button(visible="hidden", elem_id=f"open-{setup.tab}")
            outputs = [tabs for tabs, _ in setup.path] + [p.component for p in setup.params.values()] + [self.notice]
            open_it = self.opener_of(setup)
            opener.click(open_it, address, outputs, js=page_js.ADDRESS_JS, api_visibility="private",
                         concurrency_limit=None).then(None, None, None, js=page_js.opened_js(setup))
            self.openers[setup.tab] = opener
            setup.copy.click(setup.query, [p.component for p in setup.params.values()], address,
                             api_visibility="private", concurrency_limit=None
                             ).then(None, address, None, js=page_js.COPY_JS)
        # Blocks.blocks, {id: block} of the whole page: no public equivalent (pinned in test_gradio_internals.py).
        self.blocks = list(demo.blocks.values())  # every block on the page, for tests that check them all
        self.state_limits()
        translated = self.strings.collect(demo.blocks)
        demo.load(None, settings, None, js=page_js.START_JS)
        start.click(self.on_load, None, [self.language, self.notice], api_visibility="private",
                    concurrency_limit=None).then(None, [self.language, settings], None, js=page_js.STARTED_JS)
        # .change: the switch, and the server's answer on load when the visitor's language is not the
        # page's own (a page in its own language is sent nothing).
        self.language.change(self.switch, self.language, translated, api_visibility="private",
                             concurrency_limit=None).then(None, self.language, None, js=page_js.TRANSLATED_JS)
        self.language.input(None, self.language, None, js=page_js.REMEMBER_LANGUAGE_JS)
        gr.api(code_view.code_api(self.setups), api_name="code")  # the script behind a panel, for a link's setup

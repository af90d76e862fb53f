"""The page around the tabs: its header, the language switch, and what happens when it loads.

While the tabs are built (PageBuilder.building), every string they take from i18n.t is recorded and
every panel's link setup is collected. finish() then wires the page: on load it is sent its strings
in the visitor's language and, when the address is a link (?tab=…), the panel the link names, with
its inputs filled and, where cheap, run once; the switch re-sends the strings in the other language;
the Lesson's "try it" buttons open a panel the same way a link does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from . import i18n, links
from .i18n import t

# Presses the panel's own button once its tab is on screen (a tab's contents appear when it is first
# opened): the run is the same event, with the same limits, as a student's own press.
AUTORUN_JS = """(id) => {
  document.documentElement.dataset.lyricgenReady = "1";  // the page has its language and its link's setup
  if (!id) return;
  let tries = 0;
  const press = () => {
    const button = document.getElementById(id);
    if (button) button.click(); else if (++tries < 100) setTimeout(press, 100);
  };
  press();
}"""

# Keeps the chosen language in the address, so that a reload (or a copied address) keeps it too.
REMEMBER_LANGUAGE_JS = """(lang) => {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  window.history.replaceState(null, "", url);
}"""

# Narrow screens (a phone is 390 px wide): wide tables and pictures scroll inside their own box, and
# the page itself never scrolls sideways.
CSS = """
.gradio-container { max-width: 100% !important; }
.prose table, .table-wrap, .html-container > div { max-width: 100%; overflow-x: auto; }
.prose pre, .prose code { white-space: pre-wrap; word-break: break-all; }
img { max-width: 100%; height: auto; }
.copy-link-box textarea, .copy-link-box input { font-size: 0.85em; }
"""


class PageBuilder:
    def __init__(self) -> None:
        self.strings = i18n.Page()
        self.setups: dict[str, links.Setup] = {}
        self.try_its: list[tuple[gr.Button, dict[str, str]]] = []

    @contextmanager
    def building(self) -> Iterator[None]:
        """Inside this, tabs are built: their strings recorded, their link setups collected."""
        with self.strings.building(), links.collecting(self.setups), trying(self.try_its):
            yield

    def header(self, device: str) -> None:
        with gr.Row(equal_height=True):
            gr.Markdown(t("page.title", device=device), elem_id="page-title")
            self.language = gr.Radio([(module.NAME, code) for code, module in i18n.LANGUAGES.items()],
                                     value=i18n.DEFAULT, label=t("page.language"), scale=0, min_width=200,
                                     elem_id="language")
        self.notice = gr.Markdown(visible=False, elem_id="link-notice")
        self.autorun = gr.Textbox(visible=False)  # the elem_id of a button to press once: see AUTORUN_JS

    # -- what the page is sent ------------------------------------------------------------------

    def setup_updates(self, filled: links.Filled) -> list:
        """Updates for self.setup_outputs: the panel's tabs selected, its inputs filled, the notice."""
        updates = []
        chosen = dict(filled.setup.path) if filled.setup else {}
        for tabs in self.tabs:
            updates.append(gr.update(selected=chosen[tabs]) if tabs in chosen else gr.skip())
        params = {id(p.component): name for name, p in filled.setup.params.items()} if filled.setup else {}
        for component in self.inputs:
            name = params.get(id(component))
            updates.append(gr.update(value=filled.values[name]) if name in filled.values else gr.skip())
        updates.append(gr.update(value="\n\n".join(f"⚠️ {n}" for n in filled.notices),
                                 visible=bool(filled.notices)))
        run = filled.setup.run if filled.setup else None
        updates.append(run.elem_id if run is not None else "")
        return updates

    def on_load(self) -> list:
        """The page in the visitor's language, set up as its address asks."""
        request = LocalContext.request.get(None)
        lang = i18n.of_request(request)
        i18n.remember(request, lang)
        query = dict(getattr(request, "query_params", None) or {})
        with i18n.using(lang):
            filled = links.read_query(self.setups, query)
        return [lang, *self.strings.translate(lang), *self.setup_updates(filled)]

    def switch(self, lang: str) -> list:
        """The page's strings in the language chosen on the switch, remembered for this page."""
        if not isinstance(lang, str) or lang not in i18n.LANGUAGES:  # a client may send anything
            lang = i18n.DEFAULT
        i18n.remember(LocalContext.request.get(None), lang)
        return self.strings.translate(lang)

    def open_setup(self, query: Mapping[str, str]) -> list:
        """A "try it" button: the panel opened as a link with this query would open it."""
        return self.setup_updates(links.read_query(self.setups, query))

    # -- wiring ----------------------------------------------------------------------------------

    def finish(self, demo: gr.Blocks) -> None:
        """Wire the page, once every tab is built (still inside the Blocks)."""
        self.blocks = list(demo.blocks.values())  # every block on the page, for tests that check them all
        translated = self.strings.collect(demo.blocks)
        self.tabs = list(dict.fromkeys(tabs for s in self.setups.values() for tabs, _ in s.path))
        self.inputs = list(dict.fromkeys(p.component for s in self.setups.values() for p in s.params.values()))
        self.setup_outputs = [*self.tabs, *self.inputs, self.notice, self.autorun]
        demo.load(self.on_load, None, [self.language, *translated, *self.setup_outputs],
                  api_visibility="private", concurrency_limit=None
                  ).then(None, self.autorun, None, js=AUTORUN_JS)
        self.language.input(self.switch, self.language, translated, api_visibility="private",
                            concurrency_limit=None).then(None, self.language, None, js=REMEMBER_LANGUAGE_JS)
        for button, query in self.try_its:
            unknown = query.get("tab") not in self.setups
            if unknown:
                raise ValueError(f"a try-it button opens {query.get('tab')!r}, which offers no link")
            button.click(lambda q=query: self.open_setup(q), None, self.setup_outputs, api_visibility="private",
                         concurrency_limit=None).then(None, self.autorun, None, js=AUTORUN_JS)


# ---------------------------------------------------------------------------------------------
# "Try it" buttons (the Lesson): declared while the page is built, wired by finish().

_try_its: ContextVar[list | None] = ContextVar("lyricgen_try_its", default=None)


@contextmanager
def trying(collected: list) -> Iterator[None]:
    token = _try_its.set(collected)
    try:
        yield
    finally:
        _try_its.reset(token)


def try_it(label: str, query: dict[str, Any], **kwargs: Any) -> gr.Button:
    """A button that opens the panel query["tab"] with the other entries as its inputs, like a link."""
    collected = _try_its.get()
    if collected is None:
        raise RuntimeError("page.try_it() is called while the page is built")
    button = gr.Button(label, **kwargs)
    collected.append((button, {k: str(v) for k, v in query.items()}))
    return button

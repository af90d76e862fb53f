"""课堂 Class: the teacher opens a class, students join by its code or QR code, answer the Lesson's questions as
live polls and post lyrics to the class wall (the store: lyricgen/classroom.py; the polls: web/polls.py).

Who a student is: a random token the page keeps in the browser (gr.BrowserState), so that a reload stays the
same student with the same answers; an API client is its session. The teacher's key lives in the teacher's
browser the same way. Everything a visitor typed (nicknames, lyrics) reaches the page escaped, as text.

The tab in parts, one module each: class_api.py (the API: class_open, class_answer, class_post, class_wall,
class_results, class_hide), class_join.py (the Join sub-tab, the student's page), class_teach.py (the Teach
sub-tab, the teacher's page), class_common.py (what they share). This module lays them out and opens a
?class=CODE link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import gradio as gr

from ...classroom import ClassStore
from .. import limits
from ..i18n import t
from .class_api import ClassApi
from .class_common import EVENTS
from .class_join import JoinView
from .class_teach import TeachView

# The secret BrowserState encrypts with: fixed, so that a restarted server still reads what browsers kept.
# It hides nothing from the browser's owner, whose key it is anyway.
BROWSER_SECRET = "lyricgen-class"
# A page opened as ?class=CODE: its Class tab first (Gradio draws a tab's contents, the opener's button among
# them, only once the tab is shown), then the opener, which fills in the code (ClassTab.open_link).
CLASS_LINK_JS = """() => {
  if (!new URLSearchParams(location.search).has("class")) return;
  document.querySelector('button[data-tab-id="class"]')?.click();
  const started = Date.now();
  const press = () => {
    const opener = document.querySelector("#class-link-open");
    if (opener) opener.click();
    else if (Date.now() - started < 10000) requestAnimationFrame(press);
  };
  press();
}"""


class ClassTab:
    """The tab: the API, the student's Join sub-tab and the teacher's Teach sub-tab, on one store."""

    def __init__(self, store: ClassStore, cells: Iterable[str], lan_urls: Callable[[], list[str]] = list):
        self.store = store
        self.cells = list(cells)
        self.api = ClassApi(store)
        self.student = JoinView(store)
        self.teacher = TeachView(store, lan_urls)  # lan_urls: the machine's addresses on the local network

    def offer_posting(self, generate: Any) -> None:
        """Generate's "post to the class" button sends its last lyrics and settings to the class this page joined
        (call after both tabs are laid out)."""
        generate.post_button.click(self.student.post_generated,
                                   [self.joined, self.student.nickname, self.token, generate.saved],
                                   generate.post_status, **EVENTS)

    def offer_polls(self, lesson: Any) -> None:
        """Each Lesson step's poll, shown once this page joins a class, answers to that class as the Join
        sub-tab's poll does (call after both tabs are laid out)."""
        radios = list(lesson.polls.values())
        self.student.joined_event.success(lambda: [gr.update(visible=True)] * len(radios), None, radios, **EVENTS)
        for step, radio in lesson.polls.items():
            answer = partial(self.student.answer, step)
            answer.__name__ = "answer"  # its name in Gradio's logs and the tests
            radio.input(answer, [self.joined, self.student.nickname, self.token, radio], None, **EVENTS)

    def open_link(self, request: gr.Request | None = None) -> list:
        """A page opened as ?class=CODE: the Class tab, its join panel, the code in its box."""
        code = str((getattr(request, "query_params", None) or {}).get("class", ""))[: limits.CLASS_CODE_BOX_CHARS]
        tabs = [gr.update(selected=tab_id) for _, tab_id in self.path]
        return [*tabs, code]

    def layout(self, demo: gr.Blocks | None = None) -> None:
        """The tab; demo: the page, for its share link and the ?class= link's opener (None: neither)."""
        with gr.Tab(t("tab.class"), id="class", elem_id="tab-class") as tab:
            gr.Markdown(t("class.intro"))
            token = gr.BrowserState(None, storage_key="lyricgen-class-student", secret=BROWSER_SECRET)
            kept = gr.BrowserState(None, storage_key="lyricgen-class-teacher", secret=BROWSER_SECRET)
            joined = gr.State(None)  # the code of the class this page joined
            with gr.Tabs() as sub_tabs:
                with gr.Tab(t("class.tab.join"), id="class_join", elem_id="class-join"):
                    self.student.layout()
                with gr.Tab(t("class.tab.teach"), id="class_teach", elem_id="class-teach") as teach:
                    self.teacher.layout(demo)
            link_open = gr.Button(visible="hidden", elem_id="class-link-open")
            self.api.layout()  # inside the tab: a gr.Tabs holds only tabs

        self.path = [(tab.parent, "class")] if isinstance(tab.parent, gr.Tabs) else []
        self.path.append((sub_tabs, "class_join"))
        self.student.wire(token, joined)
        self.token, self.joined = token, joined
        link_open.click(self.open_link, None, [tabs for tabs, _ in self.path] + [self.student.code], **EVENTS)
        if demo is not None:
            demo.load(None, None, None, js=CLASS_LINK_JS)
        self.teacher.wire(teach, kept)

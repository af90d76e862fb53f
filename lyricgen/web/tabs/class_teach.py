"""The Class tab's Teach sub-tab, the teacher's page: open a class (its code, key, link and QR code), the
answers as a chart, reveal an answer, and the wall: hide a post, clear it, download it as CSV, close the class."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from ...classroom import MAX_TOKEN_CHARS, ClassError, ClassStore
from .. import limits, qr
from ..i18n import t
from ..polls import BY_STEP, POLLS
from .class_common import EVENTS, post_of, said, wall, wall_html
from .generate import DOWNLOAD_JS  # the same download: the browser saves the text, the server writes no file


class TeachView:
    def __init__(self, store: ClassStore, lan_urls: Callable[[], list[str]] = list):
        self.store = store
        self.lan_urls = lan_urls  # the machine's addresses on the local network, once the server knows them
        self.demo: gr.Blocks | None = None  # the page, for its share link (set by layout)

    def open_class(self, request: gr.Request | None = None) -> list:
        """A new class: its code and key in the teacher's boxes (and browser), its link and QR code, the chart."""
        with said():
            code, key = self.store.open()
        page_url = str(request.request.base_url) if request is not None and request.request is not None else None
        share = self.demo.share_url if self.demo else None
        link = qr.class_link(qr.class_address(share, self.lan_urls(), page_url), code)
        return [code, key, {"code": code, "key": key}, t("class.opened", code=code), link, qr.qr_image(link),
                gr.Timer(active=True), *self.teacher_view(code, key, POLLS[0].step)]

    def restore(self, kept: Any) -> list:
        """The Teach tab, opened again in the browser that opened a class: that class, if it is still there."""
        if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) for k in ("code", "key")):
            return [gr.skip(), gr.skip(), gr.skip()]
        try:
            self.store.results(kept["code"], kept["key"])
        except ClassError:
            return [gr.skip(), gr.skip(), gr.skip()]
        return [kept["code"], kept["key"], gr.Timer(active=True)]

    def teacher_view(self, code: str, key: str, step: str) -> list:
        """How many joined, the chosen question's answers as a chart (and its choices), the whole wall."""
        poll = BY_STEP.get(step, POLLS[0]) if isinstance(step, str) else POLLS[0]  # a client may send anything
        with said():
            counts = self.store.results(code, key)[poll.step]
            students = self.store.students(code, key)
            posts = self.store.wall(code, hidden=True)
        frame = pd.DataFrame({"choice": list(counts), "students": list(counts.values())})
        choices = "\n".join(f"- {t('class.choices', letter=c, choice=t(poll.key(c)))}" for c in poll.letters)
        return [t("class.students", n=students), frame, choices, wall_html(posts, "hide")]

    def teacher_refresh(self, code: str, key: str, step: str) -> list:
        if not code or not key:
            return [gr.skip()] * 4
        return self.teacher_view(code, key, step)

    def reveal(self, code: str, key: str, step: str) -> list:
        with said():
            self.store.reveal(code, key, step)
        return self.teacher_view(code, key, step)

    def hide(self, code: str, key: str, step: str, event: gr.EventData = None) -> list:  # type: ignore[assignment]
        """A post's hide button on the teacher's wall (Gradio passes the event, from the page)."""
        with said():
            self.store.hide(code, key, post_of(event, "hide"))
        return self.teacher_view(code, key, step)

    def clear(self, code: str, key: str, step: str) -> list:
        with said():
            n = self.store.clear(code, key)
        return [t("class.cleared", n=n), *self.teacher_view(code, key, step)]

    def download(self, code: str, key: str) -> str:
        with said():
            text = self.store.wall_csv(code, key)
        return json.dumps({"name": f"class-{code.strip().upper()}.csv", "text": text}, ensure_ascii=False)

    def close(self, code: str, key: str) -> list:
        with said():
            self.store.close(code, key)
        return [t("class.closed", code=code.strip().upper()), gr.Timer(active=False)]

    def layout(self, demo: gr.Blocks | None = None) -> None:
        """The sub-tab's widgets (inside it); wire() connects them once the whole tab is built."""
        self.demo = demo
        self.open_button = gr.Button(t("class.open_button"), variant="primary", elem_id="class-open")
        self.opened = gr.Markdown(elem_id="class-opened")
        with gr.Row():
            self.code = gr.Textbox(label=t("class.code"), max_length=limits.CLASS_CODE_BOX_CHARS,
                                   elem_id="class-teacher-code")
            self.key = gr.Textbox(label=t("class.key"), info=t("class.key_info"), type="password",
                                  max_length=MAX_TOKEN_CHARS, elem_id="class-teacher-key")
        self.link = gr.Textbox(label=t("class.link"), interactive=False, buttons=["copy"], elem_id="class-link")
        self.picture = gr.Image(label=t("class.qr"), type="pil", format="png", interactive=False, height=460,
                                alt_text=t("alt.class_qr"), elem_id="class-qr")
        self.students = gr.Markdown(elem_id="class-students")
        with gr.Row():
            self.question = gr.Dropdown([(t(p.key("question")), p.step) for p in POLLS], value=POLLS[0].step,
                                        label=t("class.question"), scale=3, elem_id="class-question")
            self.refresh_button = gr.Button(t("class.refresh"), elem_id="class-teacher-refresh")
            self.reveal_button = gr.Button(t("class.reveal_button"), elem_id="class-reveal")
        self.chart = gr.BarPlot(x="choice", y="students", x_title=t("class.chart_x"), y_title=t("class.chart_y"),
                                label=t("class.chart"), sort="x", elem_id="class-chart")
        self.choices = gr.Markdown(elem_id="class-choices")
        with gr.Row():
            self.clear_button = gr.Button(t("class.clear_button"), variant="stop", elem_id="class-clear")
            self.download_button = gr.Button(t("class.download_button"), elem_id="class-download")
            self.close_button = gr.Button(t("class.close_button"), variant="stop", elem_id="class-close")
        self.saved = gr.Textbox(visible="hidden", elem_id="class-download-text")
        self.wall = wall("class-teacher-wall")  # each post with its hide button
        self.timer = gr.Timer(limits.CLASS_REFRESH_S, active=False)

    def wire(self, teach: gr.Tab, kept: gr.BrowserState) -> None:
        """teach: this sub-tab (selecting it restores the class); kept: the class's code and key in the browser."""
        code, key, timer, opened = self.code, self.key, self.timer, self.opened
        view = [self.students, self.chart, self.choices, self.wall]
        self.open_button.click(self.open_class, None, [code, key, kept, opened, self.link, self.picture, timer,
                                                       *view], **EVENTS)
        teach.select(self.restore, kept, [code, key, timer], **EVENTS)
        teacher_in = [code, key, self.question]
        for trigger in (timer.tick, self.refresh_button.click, self.question.input):
            trigger(self.teacher_refresh, teacher_in, view, show_progress="hidden", **EVENTS)
        self.reveal_button.click(self.reveal, teacher_in, view, **EVENTS)
        self.wall.click(self.hide, teacher_in, view, **EVENTS)
        self.clear_button.click(self.clear, teacher_in, [opened, *view], **EVENTS)
        self.download_button.click(self.download, [code, key], self.saved, **EVENTS).then(None, self.saved, None,
                                                                                          js=DOWNLOAD_JS)
        self.close_button.click(self.close, [code, key], [opened, timer], **EVENTS)

"""The Class tab's Join sub-tab, the student's page: join by code, answer the polls, see the answers revealed,
post lyrics to the class wall and like a post."""

from __future__ import annotations

import html
import json
import secrets
from functools import partial
from typing import Any

import gradio as gr

from ...classroom import MAX_TOKEN_CHARS, ClassStore
from .. import limits
from ..i18n import t
from ..polls import POLLS
from ..validate import InputError
from .class_common import EVENTS, post_of, reveal_text, said, student_of, wall, wall_html


class JoinView:
    def __init__(self, store: ClassStore):
        self.store = store

    def join(self, code: str, nickname: str, token: Any, request: gr.Request | None = None) -> list:
        """Join (or rename): the class kept for this page, the browser's token, whom the page shows, the timer
        on, this student's earlier answers, and what the class shows now."""
        token = token if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS else secrets.token_urlsafe(16)
        with said():
            code, nickname = self.store.join(code, token, nickname)
            mine = self.store.answers_of(code, token)
        status = html.escape(t("class.joined", code=code, nickname=nickname or t("class.anonymous")))
        radios = [mine.get(poll.step) for poll in POLLS]
        return [code, token, f"<p>{status}</p>", gr.Timer(active=True), *radios, *self.student_view(code)]

    def student_view(self, code: str) -> list:
        """Each poll's revealed answer (or nothing yet), then the wall."""
        with said():
            revealed = set(self.store.revealed(code))
            posts = self.store.wall(code)
        reveals = [gr.update(value=reveal_text(p.step), visible=True) if p.step in revealed else
                   gr.update(visible=False) for p in POLLS]
        return [*reveals, wall_html(posts, "like")]

    def refresh(self, joined: str | None) -> list:
        if not isinstance(joined, str) or not joined:
            return [gr.skip()] * (len(POLLS) + 1)
        return self.student_view(joined)

    def answer(self, step: str, joined: str | None, nickname: str, token: Any, choice: str,
               request: gr.Request | None = None) -> None:
        if not isinstance(joined, str) or not joined:
            raise InputError("class.error.not_joined")
        with said():
            self.store.answer(joined, student_of(token, request), nickname, step, choice)

    def post(self, joined: str | None, nickname: str, token: Any, lyrics: str,
             request: gr.Request | None = None) -> list:
        if not isinstance(joined, str) or not joined:
            raise InputError("class.error.not_joined")
        with said():
            post_id = self.store.post(joined, student_of(token, request), nickname, lyrics, {})
        return [f"<p>{html.escape(t('class.posted', id=post_id))}</p>", *self.student_view(joined)]

    def post_generated(self, joined: str | None, nickname: str, token: Any, saved: str,
                       request: gr.Request | None = None) -> str:
        """Generate's last lyrics with the settings that wrote them (its download's JSON), on the class wall."""
        if not isinstance(joined, str) or not joined:
            raise InputError("class.error.not_joined")
        try:
            generated = json.loads(saved) if isinstance(saved, str) and saved else None
        except ValueError:
            generated = None
        if not isinstance(generated, dict) or not isinstance(generated.get("settings"), dict):
            raise InputError("class.error.nothing_generated")
        with said():
            post_id = self.store.post(joined, student_of(token, request), nickname, generated.get("lyrics"),
                                      generated["settings"])
        return f"<p>{html.escape(t('class.posted', id=post_id))}</p>"

    def like(self, joined: str | None, token: Any, event: gr.EventData = None,  # type: ignore[assignment]
             request: gr.Request | None = None) -> list:
        """A post's like button on the wall (Gradio passes the event: a gr.EventData, never None, from the page)."""
        if not isinstance(joined, str) or not joined:
            raise InputError("class.error.not_joined")
        with said():
            self.store.like(joined, student_of(token, request), post_of(event, "like"))
        return self.student_view(joined)

    def layout(self) -> None:
        """The sub-tab's widgets (inside it); wire() connects them once the whole tab is built."""
        with gr.Row():
            self.code = gr.Textbox(label=t("class.code"), placeholder=t("class.code_placeholder"),
                                   max_length=limits.CLASS_CODE_BOX_CHARS, elem_id="class-code")
            self.nickname = gr.Textbox(label=t("class.nickname"), max_length=limits.CLASS_MAX_NICKNAME_CHARS,
                                       elem_id="class-nickname")
        self.join_button = gr.Button(t("class.join_button"), variant="primary", elem_id="class-enter")
        self.status = gr.HTML(elem_id="class-status")
        gr.Markdown(t("class.polls"))
        self.radios, self.reveals = [], []
        for poll in POLLS:
            self.radios.append(gr.Radio([(t(poll.key(c)), c) for c in poll.letters],
                                        label=t(poll.key("question")), elem_id=f"class-poll-{poll.step}"))
            self.reveals.append(gr.Markdown(visible=False, elem_id=f"class-reveal-{poll.step}"))
        gr.Markdown(t("class.wall"))
        with gr.Row():
            self.lyrics = gr.Textbox(label=t("class.post_lyrics"), lines=4, scale=3,
                                     max_length=limits.CLASS_MAX_TEXT_CHARS, elem_id="class-lyrics")
            self.post_button = gr.Button(t("class.post_button"), elem_id="class-post-button")
        with gr.Row():
            self.refresh_button = gr.Button(t("class.refresh"), elem_id="class-refresh")
        self.wall = wall("class-wall")  # each post with its like button
        self.timer = gr.Timer(limits.CLASS_REFRESH_S, active=False)

    def wire(self, token: gr.BrowserState, joined: gr.State) -> None:
        """token: the student kept in the browser; joined: the code of the class this page joined."""
        code, nickname, radios = self.code, self.nickname, self.radios
        shown = [*self.reveals, self.wall]
        self.joined_event = self.join_button.click(self.join, [code, nickname, token],
                                                   [joined, token, self.status, self.timer, *radios, *shown], **EVENTS)
        for poll, radio in zip(POLLS, radios, strict=True):
            answer = partial(self.answer, poll.step)
            answer.__name__ = "answer"  # its name in Gradio's logs and the tests
            radio.input(answer, [joined, nickname, token, radio], None, **EVENTS)
        for trigger in (self.timer.tick, self.refresh_button.click):
            trigger(self.refresh, joined, shown, show_progress="hidden", **EVENTS)
        self.post_button.click(self.post, [joined, nickname, token, self.lyrics], [self.status, *shown], **EVENTS)
        self.wall.click(self.like, [joined, token], shown, **EVENTS)

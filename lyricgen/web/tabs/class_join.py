"""The Class tab's Join sub-tab, the student's page: join by code, answer the polls, see the answers revealed,
post lyrics to the class wall and like a post."""

from __future__ import annotations

import html
import json
import secrets
import threading
from collections import OrderedDict
from functools import partial
from typing import Any

import gradio as gr

from ...classroom import MAX_TOKEN_CHARS, ClassStore
from .. import limits
from ..i18n import current, t
from ..polls import POLLS
from ..validate import InputError
from .class_common import EVENTS, post_of, reveals_html, said, student_of, wall, wall_html


class JoinView:
    def __init__(self, store: ClassStore):
        self.store = store
        # The students' wall as drawn for (class, language, Wall.mark): every page of a class asks for the same
        # one, every few seconds. Oldest out past CLASS_WALLS_KEPT; a drawing is public (no session's own).
        self._walls: OrderedDict[tuple, str] = OrderedDict()
        self._walls_lock = threading.Lock()

    def _wall(self, code: str, mark: tuple) -> str:
        """The students' wall of a class, drawn once for each thing it shows (mark: its Wall.mark)."""
        key = (code, current(), mark)
        with said():
            with self._walls_lock:
                drawn = self._walls.get(key)
                if drawn is not None:
                    self._walls.move_to_end(key)
                    return drawn
            drawn = wall_html(self.store.wall(code, newest=limits.CLASS_WALL_SHOWN), "like")
        with self._walls_lock:
            self._walls[key] = drawn
            while len(self._walls) > limits.CLASS_WALLS_KEPT:
                self._walls.popitem(last=False)
        return drawn

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
        """The answers revealed so far (HTML), then the wall."""
        with said():
            revealed, mark = self.store.view_mark(code)
        return [reveals_html(revealed), self._wall(code, mark)]

    def refresh(self, joined: str | None) -> list:
        if not isinstance(joined, str) or not joined:
            return [gr.skip()] * 2
        return self.student_view(joined)

    def tick(self, joined: str | None, seen: Any) -> list:
        """The timer's refresh: the revealed answers, the wall, and what they showed (the class, the language,
        ClassStore.view_mark). A part that has not changed since the last tick is not sent: a class's every
        page asks every few seconds, and most ticks find nothing new (Gradio rebuilds a component for each
        output it updates, even to skip it, so the tick has two outputs and the state)."""
        if not isinstance(joined, str) or not joined:
            return [gr.skip()] * 3
        with said():
            revealed, mark = self.store.view_mark(joined)
        now = (joined, current(), revealed, mark)
        if now == seen:
            return [gr.skip()] * 3
        same_place = isinstance(seen, tuple) and seen[:2] == now[:2]
        reveals = gr.skip() if same_place and seen[2] == revealed else reveals_html(revealed)
        shown = gr.skip() if same_place and seen[3] == mark else self._wall(joined, mark)
        return [reveals, shown, now]

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
        self.radios = [gr.Radio([(t(poll.key(c)), c) for c in poll.letters], label=t(poll.key("question")),
                                elem_id=f"class-poll-{poll.step}") for poll in POLLS]
        self.reveals = gr.HTML(elem_id="class-reveals")  # the answers the teacher has revealed, each under its question
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
        shown = [self.reveals, self.wall]
        self.joined_event = self.join_button.click(self.join, [code, nickname, token],
                                                   [joined, token, self.status, self.timer, *radios, *shown], **EVENTS)
        for poll, radio in zip(POLLS, radios, strict=True):
            answer = partial(self.answer, poll.step)
            answer.__name__ = "answer"  # its name in Gradio's logs and the tests
            radio.input(answer, [joined, nickname, token, radio], None, **EVENTS)
        seen = gr.State(None)  # what the last tick showed: the class, the page's language, ClassStore.view_mark
        self.timer.tick(self.tick, [joined, seen], [*shown, seen], show_progress="hidden", **EVENTS)
        self.refresh_button.click(self.refresh, joined, shown, show_progress="hidden", **EVENTS)
        self.post_button.click(self.post, [joined, nickname, token, self.lyrics], [self.status, *shown], **EVENTS)
        self.wall.click(self.like, [joined, token], shown, **EVENTS)

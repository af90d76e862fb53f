"""The Class tab's API (one endpoint each, gr.api): class_open, class_answer, class_post, class_wall,
class_results, class_hide. A client's session is its student."""

from __future__ import annotations

import json

import gradio as gr

from ...classroom import ClassStore
from .class_common import regenerate_query, said, settings_of, student_of


class ClassApi:
    def __init__(self, store: ClassStore):
        self.store = store

    def class_open(self, request: gr.Request | None = None) -> tuple[str, str]:
        """A new class: (its code, its teacher key). Keep the key: only it moderates the class."""
        with said():
            return self.store.open()

    def class_answer(self, code: str, nickname: str, question: str, choice: str,
                     request: gr.Request | None = None) -> str:
        """A student's answer to a Lesson question (a step's key: words, vectors, …) as a choice letter (A–D);
        answering again replaces it. Returns the choice kept."""
        with said():
            self.store.answer(code, student_of(None, request), nickname, question, choice)
        return choice.strip().upper()

    def class_post(self, code: str, nickname: str, lyrics: str, settings_json: str,
                   request: gr.Request | None = None) -> int:
        """Lyrics on the class wall, with the settings that wrote them (JSON: start, length, cell, temperature,
        top_k, top_p, seed, cache). Returns the post's number."""
        with said():
            return self.store.post(code, student_of(None, request), nickname, lyrics, settings_of(settings_json))

    def class_wall(self, code: str) -> str:
        """The class wall as JSON, newest first: id, nickname, lyrics, settings, posted, likes, regenerate."""
        with said():
            posts = self.store.wall(code)
        return json.dumps([{**p, "regenerate": regenerate_query(p["settings"])} for p in posts], ensure_ascii=False)

    def class_results(self, code: str, teacher_key: str) -> str:
        """The answers counted, as JSON: {question: {choice: students}}."""
        with said():
            return json.dumps(self.store.results(code, teacher_key))

    def class_hide(self, code: str, teacher_key: str, post_id: int) -> int:
        """Hide a post from the class wall (the teacher's download keeps it). Returns its number."""
        with said():
            self.store.hide(code, teacher_key, post_id)
        return int(post_id)

    def layout(self) -> None:
        """The endpoints, registered inside the Class tab (a gr.Tabs holds only tabs)."""
        for fn in (self.class_open, self.class_answer, self.class_post, self.class_wall, self.class_results,
                   self.class_hide):
            gr.api(fn, api_name=fn.__name__, queue=False)  # outside the queue, as the page's events (class_common)

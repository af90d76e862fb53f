"""课堂 Class: the teacher opens a class, students join by its code or QR code, answer the Lesson's questions as
live polls and post lyrics to the class wall (the store: lyricgen/classroom.py; the polls: web/polls.py).

Who a student is: a random token the page keeps in the browser (gr.BrowserState), so that a reload stays the
same student with the same answers; an API client is its session. The teacher's key lives in the teacher's
browser the same way. Everything a visitor typed (nicknames, lyrics) reaches the page escaped, as text.

The API (one endpoint each, gr.api): class_open, class_answer, class_post, class_wall, class_results, class_hide.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlencode

import gradio as gr
import pandas as pd

from ...classroom import MAX_TOKEN_CHARS, SETTINGS_KEYS, ClassError, ClassStore
from .. import limits, qr
from ..i18n import Msg, t
from ..polls import BY_STEP, POLLS
from ..validate import InputError
from .generate import DOWNLOAD_JS  # the same download: the browser saves the text, the server writes no file

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


@contextmanager
def said() -> Iterator[None]:
    """A ClassError from the store, said in the page's language."""
    try:
        yield
    except ClassError as error:
        fields = {k: Msg(v) if k == "what" else v for k, v in error.fields.items()}
        raise InputError(error.key, **fields) from None


def student_of(token: object, request: gr.Request | None) -> str:
    """The browser's token, else (an API client) its session; the store refuses neither is there."""
    if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS:
        return token
    return getattr(request, "session_hash", None) or ""


def settings_of(settings_json: object) -> dict:
    """A post's settings, sent as JSON text: the store checks what they hold."""
    if isinstance(settings_json, dict):
        return settings_json
    if not isinstance(settings_json, str) or len(settings_json) > limits.CLASS_MAX_TEXT_CHARS:
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS)))
    try:
        return json.loads(settings_json or "{}")
    except ValueError:
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS))) from None


def regenerate_query(settings: dict) -> str:
    """The link that sets Generate up as the post was written (links.py checks it again when it is opened)."""
    pairs = [("tab", "generate")]
    for name in ("start", "length", "cell", "temperature", "top_k", "top_p", "seed", "cache"):
        value = settings.get(name)
        if value is not None and value != "":
            pairs.append((name, ("1" if value else "0") if isinstance(value, bool) else str(value)))
    return "?" + urlencode(pairs)


def wall_html(posts: list[dict]) -> str:
    """The posts, newest first, as HTML: every nickname and lyric escaped; a regenerate link each."""
    if not posts:
        return f"<p>{html.escape(t('class.wall_empty'))}</p>"
    shown = []
    for post in posts[: limits.CLASS_WALL_SHOWN]:
        by = t("class.post_by", id=post["id"], nickname=post["nickname"] or t("class.anonymous"), likes=post["likes"])
        hidden = f" <em>({html.escape(t('class.hidden'))})</em>" if post["hidden"] else ""
        href = html.escape(regenerate_query(post["settings"]), quote=True)
        shown.append(f'<div class="class-post" data-post="{post["id"]}"><p><strong>{html.escape(by)}</strong>'
                     f'{hidden}</p><p style="white-space: pre-wrap">{html.escape(post["lyrics"])}</p>'
                     f'<p><a href="{href}">{html.escape(t("class.regenerate"))}</a></p></div>')
    return "<hr>".join(shown)


def reveal_text(step: str) -> str:
    poll = BY_STEP[step]
    return t("class.revealed", letter=poll.right, choice=t(poll.key(poll.right)), why=t(poll.key("why")))


class ClassTab:
    def __init__(self, store: ClassStore, cells: Iterable[str], lan_urls: Callable[[], list[str]] = list):
        self.store = store
        self.cells = list(cells)
        self.lan_urls = lan_urls  # the machine's addresses on the local network, once the server knows them

    # -- the API ---------------------------------------------------------------------------------

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

    # -- the student's page ----------------------------------------------------------------------

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
        return [*reveals, wall_html(posts)]

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

    def like(self, joined: str | None, token: Any, post_id: float | None, request: gr.Request | None = None) -> list:
        if not isinstance(joined, str) or not joined:
            raise InputError("class.error.not_joined")
        with said():
            self.store.like(joined, student_of(token, request), post_id)
        return self.student_view(joined)

    def open_link(self, request: gr.Request | None = None) -> list:
        """A page opened as ?class=CODE: the Class tab, its join panel, the code in its box."""
        code = str((getattr(request, "query_params", None) or {}).get("class", ""))[: limits.CLASS_CODE_BOX_CHARS]
        tabs = [gr.update(selected=tab_id) for _, tab_id in self.path]
        return [*tabs, code]

    # -- the teacher's page ----------------------------------------------------------------------

    def open_class(self, request: gr.Request | None = None) -> list:
        """A new class: its code and key in the teacher's boxes (and browser), its link and QR code, the chart."""
        code, key = self.class_open(request)
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
        return [t("class.students", n=students), frame, choices, wall_html(posts)]

    def teacher_refresh(self, code: str, key: str, step: str) -> list:
        if not code or not key:
            return [gr.skip()] * 4
        return self.teacher_view(code, key, step)

    def reveal(self, code: str, key: str, step: str) -> list:
        with said():
            self.store.reveal(code, key, step)
        return self.teacher_view(code, key, step)

    def hide(self, code: str, key: str, step: str, post_id: float | None) -> list:
        with said():
            self.store.hide(code, key, post_id)
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

    # -- the page --------------------------------------------------------------------------------

    def layout(self, demo: gr.Blocks | None = None) -> None:
        """The tab; demo: the page, for its share link and the ?class= link's opener (None: neither)."""
        self.demo = demo
        every = {"api_visibility": "private", "concurrency_limit": limits.CLASS_CONCURRENCY,
                 "concurrency_id": "class"}
        with gr.Tab(t("tab.class"), id="class", elem_id="tab-class") as tab:
            gr.Markdown(t("class.intro"))
            token = gr.BrowserState(None, storage_key="lyricgen-class-student", secret=BROWSER_SECRET)
            kept = gr.BrowserState(None, storage_key="lyricgen-class-teacher", secret=BROWSER_SECRET)
            joined = gr.State(None)  # the code of the class this page joined
            with gr.Tabs() as sub_tabs:
                with gr.Tab(t("class.tab.join"), id="class_join", elem_id="class-join"):
                    with gr.Row():
                        code = gr.Textbox(label=t("class.code"), placeholder=t("class.code_placeholder"),
                                          max_length=limits.CLASS_CODE_BOX_CHARS, elem_id="class-code")
                        nickname = gr.Textbox(label=t("class.nickname"), max_length=limits.CLASS_MAX_NICKNAME_CHARS,
                                              elem_id="class-nickname")
                    join = gr.Button(t("class.join_button"), variant="primary", elem_id="class-enter")
                    status = gr.HTML(elem_id="class-status")
                    gr.Markdown(t("class.polls"))
                    radios, reveals = [], []
                    for poll in POLLS:
                        radios.append(gr.Radio([(t(poll.key(c)), c) for c in poll.letters],
                                               label=t(poll.key("question")), elem_id=f"class-poll-{poll.step}"))
                        reveals.append(gr.Markdown(visible=False, elem_id=f"class-reveal-{poll.step}"))
                    gr.Markdown(t("class.wall"))
                    with gr.Row():
                        lyrics = gr.Textbox(label=t("class.post_lyrics"), lines=4, scale=3,
                                            max_length=limits.CLASS_MAX_TEXT_CHARS, elem_id="class-lyrics")
                        post = gr.Button(t("class.post_button"), elem_id="class-post-button")
                    with gr.Row():
                        like_id = gr.Number(label=t("class.post_id"), precision=0, minimum=1, elem_id="class-like-id")
                        like = gr.Button(t("class.like_button"), elem_id="class-like-button")
                        refresh = gr.Button(t("class.refresh"), elem_id="class-refresh")
                    wall = gr.HTML(elem_id="class-wall")
                    timer = gr.Timer(limits.CLASS_REFRESH_S, active=False)
                with gr.Tab(t("class.tab.teach"), id="class_teach", elem_id="class-teach") as teach:
                    open_button = gr.Button(t("class.open_button"), variant="primary", elem_id="class-open")
                    opened = gr.Markdown(elem_id="class-opened")
                    with gr.Row():
                        teacher_code = gr.Textbox(label=t("class.code"), max_length=limits.CLASS_CODE_BOX_CHARS,
                                                  elem_id="class-teacher-code")
                        teacher_key = gr.Textbox(label=t("class.key"), info=t("class.key_info"), type="password",
                                                 max_length=MAX_TOKEN_CHARS, elem_id="class-teacher-key")
                    link = gr.Textbox(label=t("class.link"), interactive=False, buttons=["copy"],
                                      elem_id="class-link")
                    picture = gr.Image(label=t("class.qr"), type="pil", format="png", interactive=False, height=460,
                                       alt_text=t("alt.class_qr"), elem_id="class-qr")
                    students = gr.Markdown(elem_id="class-students")
                    with gr.Row():
                        question = gr.Dropdown([(t(p.key("question")), p.step) for p in POLLS], value=POLLS[0].step,
                                               label=t("class.question"), scale=3, elem_id="class-question")
                        teacher_refresh = gr.Button(t("class.refresh"), elem_id="class-teacher-refresh")
                        reveal = gr.Button(t("class.reveal_button"), elem_id="class-reveal")
                    chart = gr.BarPlot(x="choice", y="students", x_title=t("class.chart_x"),
                                       y_title=t("class.chart_y"), label=t("class.chart"), sort="x",
                                       elem_id="class-chart")
                    choices = gr.Markdown(elem_id="class-choices")
                    with gr.Row():
                        hide_id = gr.Number(label=t("class.post_id"), precision=0, minimum=1, elem_id="class-hide-id")
                        hide = gr.Button(t("class.hide_button"), elem_id="class-hide")
                        clear = gr.Button(t("class.clear_button"), variant="stop", elem_id="class-clear")
                        download = gr.Button(t("class.download_button"), elem_id="class-download")
                        close = gr.Button(t("class.close_button"), variant="stop", elem_id="class-close")
                    saved = gr.Textbox(visible="hidden", elem_id="class-download-text")
                    teacher_wall = gr.HTML(elem_id="class-teacher-wall")
                    teacher_timer = gr.Timer(limits.CLASS_REFRESH_S, active=False)
            link_open = gr.Button(visible="hidden", elem_id="class-link-open")
            for fn in (self.class_open, self.class_answer, self.class_post, self.class_wall, self.class_results,
                       self.class_hide):  # inside the tab: a gr.Tabs holds only tabs
                gr.api(fn, api_name=fn.__name__, concurrency_limit=limits.CLASS_CONCURRENCY, concurrency_id="class")

        self.path = [(tab.parent, "class")] if isinstance(tab.parent, gr.Tabs) else []
        self.path.append((sub_tabs, "class_join"))
        shown = [*reveals, wall]
        join.click(self.join, [code, nickname, token], [joined, token, status, timer, *radios, *shown], **every)
        for poll, radio in zip(POLLS, radios, strict=True):
            answer = partial(self.answer, poll.step)
            answer.__name__ = "answer"  # its name in Gradio's logs and the tests
            radio.input(answer, [joined, nickname, token, radio], None, **every)
        for trigger in (timer.tick, refresh.click):
            trigger(self.refresh, joined, shown, show_progress="hidden", **every)
        post.click(self.post, [joined, nickname, token, lyrics], [status, *shown], **every)
        like.click(self.like, [joined, token, like_id], shown, **every)
        link_open.click(self.open_link, None, [tabs for tabs, _ in self.path] + [code], **every)
        if demo is not None:
            demo.load(None, None, None, js=CLASS_LINK_JS)

        view = [students, chart, choices, teacher_wall]
        open_button.click(self.open_class, None, [teacher_code, teacher_key, kept, opened, link, picture,
                                                  teacher_timer, *view], **every)
        teach.select(self.restore, kept, [teacher_code, teacher_key, teacher_timer], **every)
        teacher_in = [teacher_code, teacher_key, question]
        for trigger in (teacher_timer.tick, teacher_refresh.click, question.input):
            trigger(self.teacher_refresh, teacher_in, view, show_progress="hidden", **every)
        reveal.click(self.reveal, teacher_in, view, **every)
        hide.click(self.hide, [*teacher_in, hide_id], view, **every)
        clear.click(self.clear, teacher_in, [opened, *view], **every)
        download.click(self.download, [teacher_code, teacher_key], saved, **every).then(None, saved, None,
                                                                                        js=DOWNLOAD_JS)
        close.click(self.close, [teacher_code, teacher_key], [opened, teacher_timer], **every)

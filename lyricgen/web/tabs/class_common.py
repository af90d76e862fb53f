"""What the Class tab's parts share (class_api.py, class_join.py, class_teach.py): a store refusal said in the
page's language, who the student is, a post's settings and its regenerate link, the wall as HTML."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import gradio as gr

from ...classroom import MAX_TOKEN_CHARS, SETTINGS_KEYS, ClassError
from .. import limits
from ..i18n import Msg, t
from ..polls import BY_STEP
from ..validate import InputError

# Every event of the Class tab's page: not in the API (class_api.py is), and, as the API's, outside the queue:
# each is one short SQLite read or write, never a model step, so it neither waits behind the generations nor
# costs the server a queue's join and event stream (one HTTP POST; Gradio's thread pool bounds how many at once).
EVENTS = {"api_visibility": "private", "queue": False}


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


# A wall's buttons (one per post: like, for a student; hide, for the teacher) tell the wall's own click event
# which post and what to do (gr.HTML's js_on_load: `trigger` sends them as the event's data, gr.EventData).
WALL_JS = """element.addEventListener('click', (event) => {
  const button = event.target.closest && event.target.closest('button[data-act]');
  if (button) trigger('click', {post: Number(button.dataset.post), act: button.dataset.act});
});"""


def wall(elem_id: str) -> gr.HTML:
    """An empty wall whose post buttons send their post to its .click event (post_of reads it)."""
    return gr.HTML(elem_id=elem_id, js_on_load=WALL_JS)


def post_of(event: gr.EventData | None, act: str) -> object:
    """The post a wall's button asked to act on (a client may send anything: the store checks it)."""
    data = getattr(event, "_data", None) or {}
    if not isinstance(data, dict) or data.get("act") != act:
        raise InputError("class.error.no_post")
    return data.get("post")


def wall_html(posts: list[dict], act: str | None = None) -> str:
    """The posts, newest first, as HTML: every nickname and lyric escaped; a regenerate link each, and (act:
    "like" or "hide") a button that does it to that post."""
    if not posts:
        return f"<p>{html.escape(t('class.wall_empty'))}</p>"
    shown = []
    for post in posts[: limits.CLASS_WALL_SHOWN]:
        by = t("class.post_by", id=post["id"], nickname=post["nickname"] or t("class.anonymous"), likes=post["likes"])
        hidden = f" <em>({html.escape(t('class.hidden'))})</em>" if post["hidden"] else ""
        href = html.escape(regenerate_query(post["settings"]), quote=True)
        button = "" if act is None or (act == "hide" and post["hidden"]) else (
            f' <button type="button" class="class-act" data-act="{act}" data-post="{int(post["id"])}">'
            f'{html.escape(t(f"class.{act}_button"))}</button>')
        shown.append(f'<div class="class-post" data-post="{post["id"]}"><p><strong>{html.escape(by)}</strong>'
                     f'{hidden}</p><p style="white-space: pre-wrap">{html.escape(post["lyrics"])}</p>'
                     f'<p><a href="{href}">{html.escape(t("class.regenerate"))}</a>{button}</p></div>')
    return "<hr>".join(shown)


def reveal_text(step: str) -> str:
    poll = BY_STEP[step]
    return t("class.revealed", letter=poll.right, choice=t(poll.key(poll.right)), why=t(poll.key("why")))


def reveals_html(steps: list[str]) -> str:
    """The answers revealed (steps in the polls' order), each under its question, as HTML; none: nothing."""
    return "".join(f'<div class="class-reveal" id="class-reveal-{step}"><p><strong>'
                   f'{html.escape(t(BY_STEP[step].key("question")))}</strong></p>'
                   f'<p>{html.escape(reveal_text(step))}</p></div>' for step in steps)

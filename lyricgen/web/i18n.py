"""One language at a time: the page, its messages and its pictures in Chinese or English, switchable.

Every string a student reads lives in lyricgen/web/strings/<language>.py (one file per language, the
same keys in each); code asks for them by key: t("generate.button"). Which language a request gets:

1. a language chosen on the page (the switch at the top), remembered for that page's session;
2. else ?lang=… in the page's address;
3. else the browser's Accept-Language, best match first;
4. else Chinese: the corpus, the tutorials and most of the class are Chinese.

Why not gr.I18n alone: Gradio 6's gr.I18n translates a component's label, info, placeholder and
string value in the browser, from the browser's locale, and nothing else. The server never learns
that locale, yet it draws most of what a student reads: the panels' HTML, table headers, the
pictures' titles and every error message. Its fallback is English, not Chinese, and its only switch
is Gradio's settings dialog with forty languages. So the page is built in Chinese, every string
made by t() while it is built is recorded (Page), and when the visitor's language is another one,
or on the switch, the page is sent those same strings in it as ordinary component updates (page.py);
handlers call t() with the request's language. One mechanism for every string, chosen on the server.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from threading import Lock
from types import ModuleType
from typing import Any

import gradio as gr
import gradio.context

from . import limits, strings

DEFAULT = "zh"  # when nothing says otherwise


def _load_languages() -> dict[str, ModuleType]:
    """Every module in lyricgen/web/strings: {CODE: module with CODE, NAME, ALIASES and STRINGS}."""
    found = {}
    for info in pkgutil.iter_modules(strings.__path__):
        if info.name.startswith("_"):  # a private helper module, not a language
            continue
        module = importlib.import_module(f"{strings.__name__}.{info.name}")
        found[module.CODE] = module
    return dict(sorted(found.items(), key=lambda item: item[0] != DEFAULT))  # the default first


LANGUAGES: dict[str, ModuleType] = _load_languages()


class Msg:
    """A string not yet put into a language: a key and its fields (which may be Msgs themselves)."""

    def __init__(self, key: str, **fields: Any):
        self.key, self.fields = key, fields

    def render(self, lang: str) -> str:
        return text(lang, self.key, **self.fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.fields) == (other.key, other.fields)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{self.fields!r})"


class Joined(Msg):
    """Several strings (Msgs or plain) joined by sep once put into a language: a list of links, say."""

    def __init__(self, sep: str, *parts: Any):
        super().__init__("", sep=sep, parts=parts)

    def render(self, lang: str) -> str:
        parts = self.fields["parts"]
        return self.fields["sep"].join(p.render(lang) if isinstance(p, Msg) else str(p) for p in parts)

    def __repr__(self) -> str:
        return f"Joined({self.fields['sep']!r}, *{self.fields['parts']!r})"


def text(lang: str, key: str, **fields: Any) -> str:
    """The string `key` in language `lang`, its {fields} filled in (a Msg field in the same language).

    A key missing from a language falls back to the default language's string: a third language can
    start small. A key missing there too is a bug, and raises KeyError. Every string is a format
    template, so a literal brace is written twice: "h_{{t-1}}".
    """
    table = LANGUAGES.get(lang, LANGUAGES[DEFAULT]).STRINGS
    template = table[key] if key in table else LANGUAGES[DEFAULT].STRINGS[key]
    shown = {name: value.render(lang) if isinstance(value, Msg) else value for name, value in fields.items()}
    return template.format(**shown)


def fields_of(template: str) -> set[str]:
    """The {names} a template expects (for the test that every language fills the same ones)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ---------------------------------------------------------------------------------------------
# Which language this request is in.

_chosen: ContextVar[str | None] = ContextVar("lyricgen_language", default=None)
_sessions: OrderedDict[str, str] = OrderedDict()  # session → language chosen on the page, newest last
_sessions_lock = Lock()


def match(tag: str) -> str | None:
    """The language a BCP 47 tag ("zh-CN", "en", "zh-Hant-TW") means here, or None: the longest of a
    language's code and aliases that the tag starts with wins."""
    tag = tag.strip().lower().replace("_", "-")
    best, best_len = None, 0
    for code, module in LANGUAGES.items():
        for name in (code, *getattr(module, "ALIASES", ())):
            name = name.lower()
            if (tag == name or tag.startswith(name + "-")) and len(name) > best_len:
                best, best_len = code, len(name)
    return best


def from_accept_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header ("en-US,en;q=0.9,zh;q=0.8") we have, by weight."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if weight > 0:  # q=0: "not this one"
            ranked.append((-weight, position, tag))
    for _, _, tag in sorted(ranked):
        if (lang := match(tag)) is not None:
            return lang
    return None


def of_request(request: Any) -> str:
    """The language of a Gradio request: chosen on the page, else ?lang=, else the browser's, else Chinese."""
    if request is None:
        return DEFAULT
    session = getattr(request, "session_hash", None)
    with _sessions_lock:
        if session in _sessions:
            return _sessions[session]
    query = getattr(request, "query_params", None) or {}
    from_query = match(str(query.get("lang", ""))) if "lang" in query else None
    headers = getattr(request, "headers", None) or {}
    return from_query or from_accept_language(headers.get("accept-language")) or DEFAULT


def remember(request: Any, lang: str) -> None:
    """Keep the language chosen on a page for the rest of its session (at most MAX_SESSIONS pages)."""
    session = getattr(request, "session_hash", None)
    if session is None or lang not in LANGUAGES:
        return
    with _sessions_lock:
        _sessions[session] = lang
        _sessions.move_to_end(session)
        while len(_sessions) > limits.MAX_SESSIONS:
            _sessions.popitem(last=False)


def remembered(request: Any) -> str | None:
    """The language chosen on this request's page (the switch, or its language on load), if any: a long answer
    (a training) reads it at each update, and speaks the new language from the switch on."""
    session = getattr(request, "session_hash", None)
    with _sessions_lock:
        return _sessions.get(session) if session is not None else None


class Retold:
    """What a tab last showed each page, kept as a function that shows it again in the current language.

    After the switch the page asks for it (page.py), so that text already on screen changes language
    without running the tab again: a generation would draw other words, a training start over. At most
    limits.MAX_SESSIONS pages, the newest kept; a page forgotten shows its text unchanged.
    """

    def __init__(self) -> None:
        self._shown: OrderedDict[str, Callable[[], Any]] = OrderedDict()
        self._lock = Lock()

    def keep(self, request: Any, again: Callable[[], Any]) -> None:
        session = getattr(request, "session_hash", None)
        if session is None:
            return
        with self._lock:
            self._shown[session] = again
            self._shown.move_to_end(session)
            while len(self._shown) > limits.MAX_SESSIONS:
                self._shown.popitem(last=False)

    def again(self, request: Any) -> Any | None:
        """What the page was shown, said again in the request's language; None when nothing was kept."""
        with self._lock:
            again = self._shown.get(getattr(request, "session_hash", None))
        return None if again is None else again()


def request_now() -> Any | None:
    """The gr.Request of the event being handled, or None outside one.

    A Gradio internal, kept on purpose: t() is called from deep inside every handler (validation,
    rendering, error messages), and Gradio's public way to the request is a handler's own
    `request: gr.Request` parameter, which would have to be passed down through every one of those
    calls. Gradio sets this context variable around each handler it runs (gradio/utils.py,
    get_function_with_locals); tests/test_gradio_internals.py fails by name if an upgrade moves it.
    """
    return gradio.context.LocalContext.request.get(None)


def current() -> str:
    """The language of the request being handled (or of using(), for code outside a request)."""
    return _chosen.get() or of_request(request_now())


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block, whatever the request says: for tests, the CLI and page building."""
    token = _chosen.set(lang)
    try:
        yield
    finally:
        _chosen.reset(token)


# ---------------------------------------------------------------------------------------------
# Building the page: strings made by t() while the page is built are recorded, to send again later.

_recording: ContextVar[dict[str, Msg] | None] = ContextVar("lyricgen_recording", default=None)


def t(key: str, **fields: Any) -> str:
    """The string `key` in the current language. While a page is built (recording), the string is the
    default language's and is remembered, so that the page can be sent it in any language later."""
    recorded = _recording.get()
    if recorded is None:
        return text(current(), key, **fields)
    shown = text(DEFAULT, key, **fields)
    msg = Msg(key, **fields)
    earlier = recorded.setdefault(shown, msg)
    if earlier != msg and any(earlier.render(lang) != msg.render(lang) for lang in LANGUAGES):
        raise ValueError(f"{shown!r} is both {earlier} and {msg} on the page, which other languages tell apart: "
                         f"give one of them different {DEFAULT} words")
    return shown


# Component properties that hold page text, and the ones holding a list of (label, value) choices.
TEXT_PROPS = ("label", "info", "placeholder", "value", "title", "x_title", "y_title", "color_title", "caption",
              "description", "alt_text")


def _render(value: Any, lang: str) -> Any:
    """A Msg in lang; a list of them (and of plain strings) item by item."""
    if isinstance(value, list):
        return [_render(item, lang) for item in value]
    return value.render(lang) if isinstance(value, Msg) else value


class Page:
    """The page's own strings: record them while it is built, then answer "this page, in language X"."""

    def __init__(self) -> None:
        self.recorded: dict[str, Msg] = {}
        self.targets: list[tuple[Any, dict[str, Msg], list | None]] = []  # (block, {prop: Msg}, choices)

    @contextmanager
    def building(self) -> Iterator[None]:
        token = _recording.set(self.recorded)
        try:
            with using(DEFAULT):
                yield
        finally:
            _recording.reset(token)

    def collect(self, blocks: Mapping[int, Any]) -> list[Any]:
        """Find every block showing a recorded string; returns them (the outputs of translate)."""
        for block in blocks.values():
            props = {}
            for prop in TEXT_PROPS:
                value = getattr(block, prop, None)
                if isinstance(value, str) and value in self.recorded:
                    props[prop] = self.recorded[value]
            headers = getattr(block, "headers", None)  # an Examples table's column names are its inputs' labels
            if isinstance(headers, list) and any(isinstance(h, str) and h in self.recorded for h in headers):
                props["headers"] = [self.recorded.get(h, h) for h in headers]
            choices = getattr(block, "choices", None)
            translated = None
            if isinstance(choices, list) and any(
                    isinstance(c, (tuple, list)) and isinstance(c[0], str) and c[0] in self.recorded for c in choices):
                translated = [(self.recorded.get(label, label), value) for label, value in choices]
            if props or translated:
                self.targets.append((block, props, translated))
        return [block for block, _, _ in self.targets]

    def translate(self, lang: str) -> list[Any]:
        """One update per collected block, its strings in `lang`. Where only a Markdown's text changes, the
        update is the plain text: Gradio rebuilds the component for an update dict, not for a value."""
        updates = []
        for block, props, choices in self.targets:
            update = {prop: _render(msg, lang) for prop, msg in props.items()}
            if choices is not None:
                update["choices"] = [(_render(label, lang), value) for label, value in choices]
            plain = isinstance(block, (gr.Markdown, gr.HTML)) and list(update) == ["value"]
            updates.append(update["value"] if plain else gr.update(**update))
        return updates

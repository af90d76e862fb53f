"""Every input checked once, where it enters: in the tab's handler, before any number is computed.

The server checks every value itself: a Textbox's max_length or a Slider's range only binds the
browser, and a client can send anything JSON holds (or, calling Python, anything at all). A bad
value raises InputError, a gr.Error whose message is in the page's language (i18n.py), short enough
for a student to read; Gradio shows it even with show_error=False (which hides crashes). A field is
named by its key in the strings ("field.seed"), so the message names it in the same language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

import gradio as gr

from ..cache import for_generation, recorded_settings
from ..checkpoint import Checkpoint
from ..generate import GenerationSettings
from . import limits
from .i18n import Msg, current, t

T = TypeVar("T")


class InputError(gr.Error):
    """An input a student can fix: a message key and its fields, said in the request's language.

    Gradio shows a message as HTML. A message quotes what was sent (brief), which anyone can write, so
    it goes out escaped: `message` is that HTML, `text` the same sentence as plain text.
    """

    def __init__(self, key: str, **fields: object):
        self.msg = Msg(key, **fields)  # the message in any language: self.msg.render("en")
        lang = current()
        self.text = self.msg.render(lang)
        super().__init__(html.escape(self.text, quote=False), title=Msg("error.title").render(lang),
                         print_exception=False)

    def __str__(self) -> str:
        return self.text


class BusyError(gr.Error):
    """The server has more requests than it takes at once: nothing wrong with the input, try again soon."""

    def __init__(self):
        super().__init__(t("error.busy"), title=t("error.busy_title"), print_exception=False)


def brief(value: object) -> str:
    """repr(value), cut short: a message quoting a 100,000-character input stays readable."""
    text = repr(value)
    return text if len(text) <= limits.BRIEF_CHARS else text[: limits.BRIEF_CHARS - 1] + "…"


def check_text(text: object, limit: int, what: str, blank_ok: bool = True) -> str:
    """The text without surrounding whitespace; refuses non-text, text over limit, and blank text unless blank_ok.

    None counts as blank (an empty box). The limit applies to the text as sent, spaces included.
    A lone surrogate, which no font shows and UTF-8 cannot hold, becomes U+FFFD (the "�" sign).
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError("error.not_text", what=Msg(what))
    if len(text) > limit:
        raise InputError("error.too_long", what=Msg(what), n=len(text), limit=limit)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON can carry one): jieba copes, hashing and JSON do not
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.strip()
    if not text and not blank_ok:
        raise InputError("error.empty", what=Msg(what))
    return text


def _shown(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else brief(value)  # f"{10**400:g}" would overflow


def check_number(value: object, low: float, high: float, what: str) -> float:
    """A real number in [low, high]: no bool (True is an int in Python, but surely a mistake), NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise InputError("error.not_number", what=Msg(what))
    if not low <= value <= high:  # exact for ints of any size, unlike float(value)
        raise InputError("error.out_of_range", what=Msg(what), low=f"{low:g}", high=f"{high:g}", value=_shown(value))
    return value


def check_whole(value: object, low: int, high: int, what: str) -> int:
    """A whole number in [low, high]; 3.0 counts, 3.5 does not."""
    number = check_number(value, low, high, what)
    if number != int(number):
        raise InputError("error.not_whole", what=Msg(what))
    return int(number)


def check_seed(seed: object) -> int | None:
    """Blank or None means "pick one for me"; anything else must be a whole number in [0, MAX_SEED]."""
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    if isinstance(seed, str):
        try:
            seed = int(seed.strip())
        except ValueError:
            raise InputError("error.seed") from None
    return check_whole(seed, 0, limits.MAX_SEED, "field.seed")


def check_choice(value: object, choices: Mapping[str, T], what: str) -> T:
    """choices[value], when value is one of its keys; else an InputError listing them."""
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(choices)
        raise InputError("error.no_choice", what=Msg(what), value=brief(value), names=names)
    return choices[value]


def check_cell(checkpoints: Mapping[str, T], cell: object) -> T:
    """The loaded model for a cell chosen in the page or sent by a client: anything may arrive."""
    return check_choice(cell, checkpoints, "field.model")


def with_cache_of(settings: GenerationSettings, ckpt: Checkpoint, use_cache: bool) -> GenerationSettings:
    """The settings with the cell's continuous cache switched on (use_cache true) or off."""
    if not use_cache:
        return settings
    recorded = recorded_settings(ckpt.metrics)
    if recorded is None:
        raise InputError("error.no_cache")
    return replace(settings, cache=for_generation(recorded))

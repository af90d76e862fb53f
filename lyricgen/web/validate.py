"""Every input checked once, where it enters: in the tab's handler, before any number is computed.

The server checks every value itself: a Textbox's max_length or a Slider's range only binds the
browser, and a client can send anything JSON holds (or, calling Python, anything at all). A bad
value raises InputError, a gr.Error whose message is Chinese, then English, short enough for a
student to read; Gradio shows it even with show_error=False (which hides crashes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

import gradio as gr

from ..cache import for_generation, recorded_settings
from ..checkpoint import Checkpoint
from ..generate import GenerationSettings
from . import limits

T = TypeVar("T")


class InputError(gr.Error):
    """An input a student can fix; the message is "Chinese / English"."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}", title="输入有误 · Input error", print_exception=False)
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.message


class BusyError(gr.Error):
    """The server has more requests than it takes at once: nothing wrong with the input, try again soon."""

    def __init__(self):
        super().__init__("服务器正忙，请过几秒再试 / The server is busy: try again in a few seconds",
                         title="正忙 · Busy", print_exception=False)


def brief(value: object) -> str:
    """repr(value), cut short: a message quoting a 100,000-character input stays readable."""
    text = repr(value)
    return text if len(text) <= limits.BRIEF_CHARS else text[: limits.BRIEF_CHARS - 1] + "…"


def check_text(text: object, limit: int, what_zh: str, what_en: str, blank_ok: bool = True) -> str:
    """The text without surrounding whitespace; refuses non-text, text over limit, and blank text unless blank_ok.

    None counts as blank (an empty box). The limit applies to the text as sent, spaces included.
    A lone surrogate, which no font shows and UTF-8 cannot hold, becomes U+FFFD (the "�" sign).
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError(f"{what_zh}必须是文字", f"the {what_en} must be text")
    if len(text) > limit:
        raise InputError(f"{what_zh}太长了：{len(text)} 个字符，最多 {limit} 个",
                         f"the {what_en} is too long: {len(text)} characters, at most {limit}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON can carry one): jieba copes, hashing and JSON do not
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.strip()
    if not text and not blank_ok:
        raise InputError(f"请输入{what_zh}", f"the {what_en} is empty: please type one")
    return text


def _shown(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else brief(value)  # f"{10**400:g}" would overflow


def check_number(value: object, low: float, high: float, what_zh: str, what_en: str) -> float:
    """A real number in [low, high]: no bool (True is an int in Python, but surely a mistake), NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise InputError(f"{what_zh}必须是数字", f"the {what_en} must be a number")
    if not low <= value <= high:  # exact for ints of any size, unlike float(value)
        raise InputError(f"{what_zh}必须在 {low:g} 到 {high:g} 之间（现在是 {_shown(value)}）",
                         f"the {what_en} must be between {low:g} and {high:g} (got {_shown(value)})")
    return value


def check_whole(value: object, low: int, high: int, what_zh: str, what_en: str) -> int:
    """A whole number in [low, high]; 3.0 counts, 3.5 does not."""
    number = check_number(value, low, high, what_zh, what_en)
    if number != int(number):
        raise InputError(f"{what_zh}必须是整数", f"the {what_en} must be a whole number")
    return int(number)


def check_seed(seed: object) -> int | None:
    """Blank or None means "pick one for me"; anything else must be a whole number in [0, MAX_SEED]."""
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    if isinstance(seed, str):
        try:
            seed = int(seed.strip())
        except ValueError:
            raise InputError("种子必须是整数，或留空（随机）",
                             "the seed must be a whole number, or blank for random") from None
    return check_whole(seed, 0, limits.MAX_SEED, "种子", "seed")


def check_choice(value: object, choices: Mapping[str, T], what_zh: str, what_en: str) -> T:
    """choices[value], when value is one of its keys; else an InputError listing them."""
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(choices)
        raise InputError(f"没有这种{what_zh}：{brief(value)}，可选 {names}",
                         f"no {what_en} {brief(value)}; choose one of {names}")
    return choices[value]


def check_cell(checkpoints: Mapping[str, T], cell: object) -> T:
    """The loaded model for a cell chosen in the page or sent by a client: anything may arrive."""
    return check_choice(cell, checkpoints, "模型", "model")


def check_generation(start_text: object, length: object, temperature: object, top_k: object = None,
                     seed: object = None, max_length: int = limits.MAX_LENGTH, top_p: object = 1.0
                     ) -> GenerationSettings:
    """Every generation setting checked, whatever the browser allowed: start text, 1..max_length tokens,
    0 ≤ temperature ≤ MAX_TEMPERATURE, top-k 0 or None = off, MIN_TOP_P ≤ top-p ≤ 1 (None or 1 = off),
    seed blank = random."""
    k = check_whole(0 if top_k is None else top_k, 0, limits.MAX_TOP_K, "top-k", "top-k")
    return GenerationSettings(
        start_text=check_text(start_text, limits.MAX_TEXT_CHARS, "开头文字", "start text"),
        length=check_whole(length, limits.MIN_LENGTH, max_length, "生成长度", "length"),
        temperature=float(check_number(temperature, 0.0, limits.MAX_TEMPERATURE, "温度", "temperature")),
        top_k=k or None,
        top_p=float(check_number(1.0 if top_p is None else top_p, limits.MIN_TOP_P, 1.0, "top-p", "top-p")),
        seed=check_seed(seed),
    )


def with_cache_of(settings: GenerationSettings, ckpt: Checkpoint, use_cache: object) -> GenerationSettings:
    """The settings with the cell's continuous cache switched on (use_cache true) or off."""
    if not isinstance(use_cache, bool) and use_cache is not None:
        raise InputError("“记忆缓存”只能是开或关", "the cache switch must be on or off")
    if not use_cache:
        return settings
    recorded = recorded_settings(ckpt.metrics)
    if recorded is None:
        raise InputError("这个模型没有记录缓存设置（metrics.json 里的 cache），不能用记忆缓存",
                         "this model records no cache settings (cache in metrics.json), so it cannot use the cache")
    return replace(settings, cache=for_generation(recorded))

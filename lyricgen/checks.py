"""Input checks shared by every tab and every insight function: one set of rules, one error type.

The server checks every value itself: a Textbox's max_length or a Slider's range only binds the
browser, and a client can send anything JSON holds (or, calling Python, anything at all). A bad
value raises InputError, whose message is Chinese, then English, short enough for a student to read;
the app turns it into a gr.Error. Nothing here imports gradio or torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: this module runs without torch
    from .checkpoint import Checkpoint

MAX_TEMPERATURE = 2.0
MAX_TOP_K = 1000  # 0 in the UI means "no top-k": sample from the whole vocabulary
MAX_SEED = 2**31 - 1  # new_generator draws seeds below 2**31, so a shown seed can always be typed back
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
BRIEF_CHARS = 24  # a wrong value quoted in a message is cut to this many characters


class InputError(ValueError):
    """An input a student can fix; str() is "Chinese / English"."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def brief(value: object) -> str:
    """repr(value), cut short: a message quoting a 100,000-character input stays readable."""
    text = repr(value)
    return text if len(text) <= BRIEF_CHARS else text[: BRIEF_CHARS - 1] + "…"


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


def parse_seed(seed: object) -> int | None:
    """Blank or None means "pick one for me"; anything else must be a whole number in [0, MAX_SEED]."""
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    if isinstance(seed, str):
        try:
            seed = int(seed.strip())
        except ValueError:
            raise InputError("种子必须是整数，或留空（随机）",
                             "the seed must be a whole number, or blank for random") from None
    return check_whole(seed, 0, MAX_SEED, "种子", "seed")


def check_choice(value: object, choices: Iterable[str], what_zh: str, what_en: str) -> str:
    """value, when it is one of the choices; else an InputError listing them."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(choices)
        raise InputError(f"没有这种{what_zh}：{brief(value)}，可选 {names}",
                         f"no {what_en} {brief(value)}; choose one of {names}")
    return value


def pick(checkpoints: dict[str, Checkpoint], cell: object) -> Checkpoint:
    """checkpoints[cell] for a cell chosen in the UI or sent by a client: anything may arrive."""
    return checkpoints[check_choice(cell, checkpoints, "模型", "model")]


def check_cells(checkpoints: dict[str, Checkpoint]) -> None:
    """At least one model, each under a cell name this package knows."""
    if not checkpoints:
        raise InputError("没有加载任何模型", "no models are loaded")
    for cell in checkpoints:
        check_choice(cell, CELL_NAMES, "循环单元", "cell")

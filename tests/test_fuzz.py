"""Fuzzing every handler the app registers: whatever arrives, a handler answers or refuses clearly.

The handlers are found in the app itself (every event with an api_name whose function is the
app's own, not one of Gradio's), so a tab added later is fuzzed without a line changed here.
Each input gets values by its component's type: text boxes get empty, blank, emoji, control
characters, lone surrogates, mixed scripts and 100,000-character strings; sliders and numbers get
values in and out of range, NaN, infinities, huge integers, None and text; radios and dropdowns get
their choices and unknown names. Everything a client could send as JSON, and a few things it could
not, go to the Python function directly, as Gradio's queue would call it.

A call must either finish (a generator is run to its end) or raise gr.Error with a short message in
the request's language (English here); an InputError's message exists in Chinese too. Any other
exception is a bug. At least MIN_TOTAL inputs in all, in bounded time.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Callable

import gradio as gr
import pytest
from conftest import answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app
from lyricgen.checkpoint import load_cells
from lyricgen.web.validate import InputError

MIN_TOTAL = 1000  # inputs across all handlers, at the least
MAX_MESSAGE = 500  # characters: a refusal longer than this does not read as "clear"
LONG = 100_000  # characters in the longest strings sent


def own_handlers(demo: gr.Blocks) -> dict[str, tuple[Callable, list]]:
    """{api_name: (function, input components)} of the app's events: one per function, public name first."""
    found: dict[str, tuple[Callable, list]] = {}
    seen = set()
    for dep in sorted(demo.fns.values(), key=lambda d: getattr(d, "api_visibility", "public") != "public"):
        fn = dep.fn
        if fn is None or not dep.api_name or getattr(fn, "__module__", "").startswith("gradio") or fn in seen:
            continue
        seen.add(fn)
        found[dep.api_name] = (fn, list(dep.inputs))
    return found


HANDLER_NAMES = sorted(own_handlers(app.demo))  # discovered at collection, from the app as served
# At least 40 per handler: every strategy of each input gets drawn several times; the total stays far above
# MIN_TOTAL with the app's many handlers, and the suite inside CI's time.
PER_HANDLER = max(40, math.ceil(1.25 * MIN_TOTAL / max(len(HANDLER_NAMES), 1)))  # leeway for duplicates
calls: Counter = Counter()  # api_name → inputs tried


# ---------------------------------------------------------------------------------------------
# Strategies, by component type

WHITESPACE = " \t\n\r\x0b\x0c\u3000\u00a0\u2028\u200b\ufeff"
EMOJI = ["😀", "🎵", "🌧️", "👨‍👩‍👧", "🇨🇳", "❤️", "🫠", "🎤🎸"]
MIXED = ["星星 hello Привет 123 مرحبا こんにちは 안녕 😀", "床前明月光 Zorglub", "Ünïcödé ẞ ﬁ Ⅻ ½ ①",
         "<script>alert(1)</script>", "'; DROP TABLE words; --", "%s %d {} {0} \\x00 \\n", "🎵" * 50,
         "\u202eevil\u202c", "a\u0301\u0302\u0303" * 20, "\x00\x01\x02", "𠀀𠀁𪚥"]


def long_text() -> st.SearchStrategy[str]:
    """100,000 characters of one kind: a letter, a CJK character, an emoji, a space, a NUL, or a pattern."""
    return st.one_of(
        st.sampled_from(["x", "星", "😀", " ", "\x00", "\n", "明月 "]),
        st.text(min_size=1, max_size=8),
    ).map(lambda unit: (unit * (LONG // len(unit) + 1))[:LONG])


def text_values() -> st.SearchStrategy:
    return st.one_of(
        st.just(""),
        st.text(alphabet=WHITESPACE, min_size=1, max_size=20),
        st.lists(st.sampled_from(EMOJI), min_size=1, max_size=10).map("".join),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Cn"]), min_size=1, max_size=20),
        st.sampled_from(MIXED),
        st.text(max_size=60),
        st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30),
        long_text(),
        st.none(),
        st.one_of(st.integers(), st.floats(), st.lists(st.text(max_size=3), max_size=3),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.booleans()),
    )


def number_values(low: float | None, high: float | None) -> st.SearchStrategy:
    low = -1e6 if low is None else low
    high = 1e6 if high is None else high
    edges = [low, high, low - 1, high + 1, low - 1e-9, high + 1e-9, (low + high) / 2, -0.0, 0.5, 10**400, -(10**400)]
    return st.one_of(
        st.floats(min_value=low, max_value=high),
        st.integers(min_value=math.floor(low), max_value=math.ceil(high)),
        st.sampled_from(edges),
        st.sampled_from([math.nan, math.inf, -math.inf]),
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
        st.sampled_from(["", "1", "0.5", "nan", "inf", "一", "１０", "1e309", " 7 "]),
        st.lists(st.integers(), max_size=2),
    )


def choice_values(component) -> st.SearchStrategy:
    values = [value for _label, value in (component.choices or [])]
    unknown = st.one_of(
        st.sampled_from(["transformer", "LSTM", "Lstm", "lstm ", " gru", "", "RNN", "rnn\x00", "gpt", "🎵"]),
        st.text(max_size=20),
        long_text(),
        st.none(),
        st.integers(),
        st.floats(),
        st.lists(st.sampled_from(values or ["x"]), max_size=3),
    )
    return st.one_of(st.sampled_from(values), unknown) if values else unknown


def values_for(component) -> st.SearchStrategy:
    if isinstance(component, (gr.Radio, gr.Dropdown)):
        return choice_values(component)
    if isinstance(component, (gr.Slider, gr.Number)):
        return number_values(getattr(component, "minimum", None), getattr(component, "maximum", None))
    if isinstance(component, gr.Checkbox):
        return st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=5))
    if isinstance(component, gr.CheckboxGroup):
        return st.one_of(st.lists(choice_values(component), max_size=4), st.none(), st.text(max_size=5))
    return text_values()  # Textbox, and anything else: text and other JSON values


# ---------------------------------------------------------------------------------------------
# The checks


@pytest.fixture(scope="module")
def tiny_handlers(tiny_weights) -> dict[str, tuple[Callable, list]]:
    """The same handlers, built by the app around the tiny checkpoints (quick to run)."""
    return own_handlers(app.build_demo(load_cells(tiny_weights["lstm"].parent, "cpu")))


CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")


def assert_clear_refusal(error: gr.Error) -> None:
    message = str(error.message)
    assert message.strip(), "a refusal with an empty message"
    assert len(message) <= MAX_MESSAGE, f"a refusal of {len(message)} characters: {message[:200]}..."
    assert LATIN.search(message), f"not in English, the tests' language: {message!r}"
    if isinstance(error, InputError):  # shown as HTML: whatever it quotes stays text
        assert message == html.escape(error.msg.render("en"), quote=False) and CJK.search(error.msg.render("zh"))
        assert "<" not in message and ">" not in message


def test_every_handler_is_found():
    assert {"generate", "tokenize"} <= set(HANDLER_NAMES)


@pytest.mark.parametrize("api_name", HANDLER_NAMES)
@settings(max_examples=PER_HANDLER, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_handler_answers_or_refuses_clearly(tiny_handlers, api_name, data):
    fn, inputs = tiny_handlers[api_name]
    args = [data.draw(values_for(component), label=f"{type(component).__name__} {i}")
            for i, component in enumerate(inputs)]
    calls[api_name] += 1
    try:
        answers(fn(*args))
    except gr.Error as error:
        assert_clear_refusal(error)


def test_the_fuzzing_tried_enough_inputs(request):
    """Runs last in this file: the handlers' tests above together tried at least MIN_TOTAL inputs."""
    ran = {name for name in HANDLER_NAMES if calls[name]}
    if ran != set(HANDLER_NAMES):
        pytest.skip(f"only some handlers were fuzzed in this session: {sorted(ran)}")
    print(f"fuzzed inputs per handler: {dict(calls)}; total {sum(calls.values())}")
    assert sum(calls.values()) >= MIN_TOTAL

"""One declaration per input: a panel's parameters as data, from which everything else is made.

A spec names an input once: its name (the same in links and in the API), its kind, its range, its
default, and the string keys of its label and of its name in messages. From it come

    spec ─┬─ widget()      the gr component: its range, default and label
          ├─ check(value)  the server's check of what a client sent (validate.py), before any number is computed
          ├─ read / write  the link entry: ?name=text ⇄ the widget's value (links.py)
          └─ the API       the handler's parameter of that name (Form.checked)

A panel is then its Form (the list of its specs), its layout, and a handler that takes checked values:

    FORM = Form(START, CELL, TEMPERATURE)

    class SomeTab:
        @FORM.checked                    # the method Gradio and tests call takes what a client sent...
        def run(self, start: str, cell: str, temperature: float): ...   # ...and runs on checked values

        def layout(self):
            fields = FORM.fields(self)   # inside the panel's gr.Tab
            fields.show()                # every input, in the spec's order (or some by name, where they go)
            button.click(self.run, fields.inputs(), outputs, api_name="run")
            fields.offer(run=button)     # links may set every input

Ranges and defaults are limits.py's (or, for a training, LabConfig's); a panel that needs another range
says so once, in its own spec (`LENGTH.but(high=limits.MAX_INSIDE_LENGTH)`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import gradio as gr

from ..generate import GenerationSettings
from ..sampling import Sampling
from . import limits, links
from .i18n import Msg, t
from .mine import MINE, Chosen, session_of
from .render import CELL_LABELS
from .validate import InputError, check_choice, check_number, check_seed, check_text, check_whole

REQUEST = "request"  # the handler's parameter Gradio passes the gr.Request in
FLAG_WORDS = {"1": True, "true": True, "on": True, "yes": True, "0": False, "false": False, "off": False, "no": False}


@dataclass(frozen=True)
class Spec:
    """One input. Kinds below say how it is checked, drawn and written in a link."""
    name: str  # in links (?name=…) and in the API: the handler's parameter
    what: str  # string key of its name in messages ("field.seed")
    label: str  # string key of the widget's label
    default: Any = None  # the widget's value when the page opens
    look: Mapping[str, Any] = field(default_factory=dict)  # how its widget looks here (lines, scale, elem_id…)
    value_type: Any = object  # what the API sends: the wrapper's annotation

    def but(self, **changes: Any) -> Spec:
        """The same input with some of its declaration changed (another range, default or label)."""
        return replace(self, **changes)

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def widget(self, owner: object, **look: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> Any:
        """A link's text → the widget's value; raises InputError when unusable."""
        return self.check(raw, owner, request)

    def write(self, value: Any) -> str:
        """The widget's value → a link's text; TypeError or ValueError when it cannot be written."""
        return str(value)

    def _look(self, made: dict[str, Any], look: Mapping[str, Any]) -> dict[str, Any]:
        """The widget's arguments: what the spec makes, then its look, then the look asked for where it is shown."""
        return {**made, **self.look, **look}


@dataclass(frozen=True)
class Text(Spec):
    limit: int = limits.MAX_TEXT_CHARS  # characters, as sent
    blank_ok: bool = True
    placeholder: str | None = None  # string key
    value_type: Any = str

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> str:
        return check_text(value, self.limit, self.what, self.blank_ok)

    def widget(self, owner: object, **look: Any) -> gr.Textbox:
        extra = {"placeholder": t(self.placeholder)} if self.placeholder else {}
        return gr.Textbox(**self._look({"value": self.default, "label": t(self.label), "max_length": self.limit,
                                        **extra}, look))


@dataclass(frozen=True)
class Number(Spec):
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    box: bool = False  # a number box instead of a slider
    empty_ok: bool = False  # None (a number box left empty) means the default
    value_type: Any = float

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> float:
        return float(check_number(self._given(value), self.low, self.high, self.what))

    def _given(self, value: object) -> object:
        return self.default if value is None and self.empty_ok else value

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> float:
        return self.check(_number(raw, self.what), owner, request)

    def write(self, value: Any) -> str:
        return f"{value:g}"

    def widget(self, owner: object, **look: Any) -> gr.Slider | gr.Number:
        made = {"value": self.default, "minimum": self.low, "maximum": self.high, "label": t(self.label)}
        if self.box:
            return gr.Number(**self._look({**made, "precision": 0 if isinstance(self, Whole) else None}, look))
        return gr.Slider(**self._look({**made, "step": self.step}, look))


@dataclass(frozen=True)
class Whole(Number):
    step: float = 1

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> int:
        return check_whole(self._given(value), int(self.low), int(self.high), self.what)

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> int:
        return self.check(_number(raw, self.what), owner, request)


@dataclass(frozen=True)
class Seed(Spec):
    """A seed box holds text: blank (random) or a whole number in [0, MAX_SEED]."""
    default: Any = ""
    value_type: Any = str

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> int | None:
        return check_seed(value)

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> str:
        value = check_seed(raw)
        return "" if value is None else str(value)

    def write(self, value: Any) -> str:
        return "" if value is None else str(value).strip()

    def widget(self, owner: object, **look: Any) -> gr.Textbox:
        return gr.Textbox(**self._look({"value": self.default, "label": t(self.label),
                                        "placeholder": t("widget.seed_placeholder")}, look))


@dataclass(frozen=True)
class Choice(Spec):
    options: tuple[tuple[str, str], ...] = ()  # (value, label): a string key, or the label itself (named=True)
    named: bool = False  # the labels are names (nn.LSTM), not string keys
    value_type: Any = str

    def choices(self, owner: object) -> dict[str, str]:
        """{value: label as shown}."""
        return {value: label if self.named else t(label) for value, label in self.options}

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> str:
        check_choice(value, dict.fromkeys(value for value, _ in self.options), self.what)
        return value  # type: ignore[return-value]  # check_choice made sure it is one of the values

    def widget(self, owner: object, **look: Any) -> gr.Radio:
        choices = [(label, value) for value, label in self.choices(owner).items()]
        return gr.Radio(**self._look({"choices": choices, "value": self.default, "label": t(self.label)}, look))


@dataclass(frozen=True)
class Cell(Spec):
    """A choice among the models the panel serves: the shipped ones (owner.checkpoints, or those of them in
    `only`), the LSTM first chosen when loaded, and "my model" (MINE) where the panel has the session's own
    (owner.mine). Checked, it is the model chosen (a Chosen): a session's own model is found by its request."""
    only: tuple[str, ...] | None = None  # the shipped cells offered; None: all
    absent: str = "error.no_choice"  # string key of the message for a cell of `only` that is not loaded
    value_type: Any = str

    def names(self, owner: object) -> list[str]:
        shipped = [c for c in owner.checkpoints if self.only is None or c in self.only]  # type: ignore[attr-defined]
        return shipped + ([MINE] if getattr(owner, "mine", None) is not None else [])

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> Chosen:
        if self.only is not None and value in self.only and value not in owner.checkpoints:  # type: ignore
            raise InputError(self.absent)
        check_choice(value, dict.fromkeys(self.names(owner)), self.what)
        if value == MINE:
            return Chosen(MINE, owner.mine.get(session_of(request)))  # type: ignore[attr-defined]
        return Chosen(value, owner.checkpoints[value])  # type: ignore[attr-defined,index]

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> str:
        self.check(raw, owner, request)  # ?cell=mine: only for a visitor who has a model
        return raw

    def widget(self, owner: object, **look: Any) -> gr.Radio:
        cells = self.names(owner)
        value = "lstm" if "lstm" in cells else next(iter(cells), None)
        choices = [(t("mine.choice") if c == MINE else CELL_LABELS[c], c) for c in cells]
        return gr.Radio(**self._look({"choices": choices, "value": value, "label": t(self.label)}, look))


@dataclass(frozen=True)
class Flag(Spec):
    """A checkbox: True or False from the page and the API; in a link 1/0, on/off, true/false or yes/no."""
    default: Any = False
    refusal: str = "error.flag_value"  # string key of the message for anything else; {name} is the input's name
    empty_ok: bool = False  # None (an API caller that left it out) means the default
    value_type: Any = bool

    def check(self, value: object, owner: object, request: gr.Request | None = None) -> bool:
        if value is None and self.empty_ok:
            return bool(self.default)
        if not isinstance(value, bool):  # 1 or "yes" from a client is a mistake, not a choice
            raise InputError(self.refusal, name=self.name)
        return value

    def read(self, raw: str, owner: object, request: gr.Request | None = None) -> bool:
        if raw.strip().lower() not in FLAG_WORDS:
            raise InputError("error.flag")
        return FLAG_WORDS[raw.strip().lower()]

    def write(self, value: Any) -> str:
        return "1" if value else "0"

    def widget(self, owner: object, **look: Any) -> gr.Checkbox:
        return gr.Checkbox(**self._look({"value": self.default, "label": t(self.label)}, look))


def _number(raw: str, what: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise InputError("error.not_number", what=Msg(what)) from None


# ---------------------------------------------------------------------------------------------
# The inputs several panels share, declared once.

CELL = Cell("cell", "field.model", "widget.cell")
START = Text("start", "field.start_text", "widget.start")
LENGTH = Whole("length", "field.length", "generate.length", default=limits.DEFAULT_LENGTH,
               low=limits.MIN_LENGTH, high=limits.MAX_LENGTH)
TEMPERATURE = Number("temperature", "field.temperature", "widget.temperature", default=limits.DEFAULT_TEMPERATURE,
                     low=0.0, high=limits.MAX_TEMPERATURE, step=0.05)
TOP_K = Whole("top_k", "field.top_k", "generate.top_k", default=0, low=0, high=limits.MAX_TOP_K, box=True,
              empty_ok=True)  # 0 or an empty box: no top-k
TOP_P = Number("top_p", "field.top_p", "widget.top_p", default=1.0, low=limits.MIN_TOP_P, high=1.0, step=0.01,
               empty_ok=True)  # 1: no top-p
SEED = Seed("seed", "field.seed", "widget.seed")
CACHE = Flag("cache", "widget.cache", "widget.cache", refusal="error.cache_switch", empty_ok=True)
SENTENCE = Text("text", "field.sentence", "tokenize.sentence", blank_ok=False)


# ---------------------------------------------------------------------------------------------
# A panel's inputs: the specs in the order of its handler's parameters.


class Form:
    def __init__(self, *specs: Spec):
        self.specs = {spec.name: spec for spec in specs}
        if len(self.specs) != len(specs):
            raise ValueError("two inputs of one panel share a name")

    def __iter__(self):
        return iter(self.specs.values())

    def check(self, owner: object, values: Mapping[str, object], request: gr.Request | None = None
              ) -> dict[str, Any]:
        """Every value checked, in the spec's order: {name: checked value}. A missing value is None."""
        return {name: spec.check(values.get(name), owner, request) for name, spec in self.specs.items()}

    def checked(self, handler: Callable) -> Callable:
        """The method Gradio (and a test) calls, with what a client sent, under the specs' names and in their
        order; it checks each value, then calls handler(self, **checked). A parameter of the handler that is no
        spec's (a gr.Request) is passed through, after the specs.

        The wrapper is the same kind of function as the handler (an async generator stays one), since Gradio
        decides how to run an event from what its function is."""
        names = list(self.specs)
        signature = inspect.signature(handler)
        parameters = list(signature.parameters.values())
        given = [p.name for p in parameters[1:] if p.name in self.specs]
        if given != names:
            raise TypeError(f"{handler.__qualname__} takes {given}, its form declares {names}")
        passed = [p for p in parameters[1:] if p.name not in self.specs]
        if [p.name for p in passed] not in ([], [REQUEST]):
            raise TypeError(f"{handler.__qualname__}: only a {REQUEST!r} parameter may follow its form's")
        # Each with its spec's default: a Python caller (a test) may leave out the last ones, as a page never does.
        raw = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=spec.value_type,
                                 default=spec.default) for name, spec in self.specs.items()]
        # The request always: a check may need it (a session's own model), whether or not the handler does.
        request = inspect.Parameter(REQUEST, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.Request | None,
                                    default=None)
        wrapper_signature = signature.replace(parameters=[parameters[0], *raw, request])

        def checked_call(args: tuple, kwargs: dict) -> tuple[object, dict]:
            bound = wrapper_signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            owner, given = values.pop(parameters[0].name), values.pop(REQUEST)
            checked = self.check(owner, values, given)
            return owner, {**checked, **({REQUEST: given} if passed else {})}

        if inspect.isasyncgenfunction(handler):
            async def wrapper(*args, **kwargs):
                owner, values = checked_call(args, kwargs)
                inner = handler(owner, **values)
                try:
                    async for out in inner:
                        yield out
                finally:  # closed early (the page left): the handler's own finally runs now, not at collection
                    await inner.aclose()
        elif inspect.isgeneratorfunction(handler):
            def wrapper(*args, **kwargs):
                owner, values = checked_call(args, kwargs)
                yield from handler(owner, **values)
        elif inspect.iscoroutinefunction(handler):
            async def wrapper(*args, **kwargs):
                owner, values = checked_call(args, kwargs)
                return await handler(owner, **values)
        else:
            def wrapper(*args, **kwargs):
                owner, values = checked_call(args, kwargs)
                return handler(owner, **values)

        functools.update_wrapper(wrapper, handler)
        del wrapper.__wrapped__  # Gradio and inspect read the signature below, not the handler's
        wrapper.__signature__ = wrapper_signature
        # Real objects, not strings: Gradio finds a gr.Request parameter by its evaluated annotation.
        wrapper.__annotations__ = {**{p.name: p.annotation for p in raw}, REQUEST: request.annotation}
        wrapper.form = self
        return wrapper

    def fields(self, owner: object) -> Fields:
        """The widgets of these inputs, made where the layout shows them (inside the panel's gr.Tab)."""
        return Fields(self, owner)


class Fields:
    """A panel's widgets while its layout is built: each made once, where show() is called."""

    def __init__(self, form: Form, owner: object):
        self.form, self.owner = form, owner
        self.components: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def show(self, *names: str, but: tuple[str, ...] = (), **look: Any) -> Any:
        """Make these inputs' widgets here (with look, where one is named); with no names, every input not shown
        yet but those shown later (but=). Returns the widget, or the list of them."""
        chosen = names or [n for n in self.form.specs if n not in self.components and n not in but]
        made = []
        for name in chosen:
            if name in self.components:
                raise ValueError(f"{name!r} is shown twice")
            self.components[name] = self.form.specs[name].widget(self.owner, **(look if names else {}))
            made.append(self.components[name])
        return made[0] if len(names) == 1 else made

    def inputs(self, **instead: Any) -> list[Any]:
        """The widgets in the handler's order; instead: another component for one of them (a gr.State)."""
        missing = [n for n in self.form.specs if n not in self.components and n not in instead]
        if missing:
            raise ValueError(f"inputs not shown: {missing}")
        return [instead.get(name, self.components.get(name)) for name in self.form.specs]

    def offer(self, run: Any | None = None, name: str | None = None, needs: str | None = None) -> links.Setup:
        """Links may set every input (links.offer)."""
        owner = self.owner
        params = {n: links.Param(self.components[n], functools.partial(spec.read, owner=owner), spec.write)
                  for n, spec in self.form.specs.items()}
        return links.offer(params, run=run, name=name, needs=needs)


def generation(start: str, length: int, temperature: float, seed: int | None, top_k: int = 0, top_p: float = 1.0
               ) -> GenerationSettings:
    """Checked generation inputs → the settings that travel whole down to the word's choice (top-k 0 = off)."""
    return GenerationSettings(start, length, Sampling(temperature=temperature, top_k=top_k or None, top_p=top_p),
                              seed=seed)

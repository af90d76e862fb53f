"""Links that set up a class: ?tab=<panel>&<input>=<value>… opens a panel with its inputs filled in.

A teacher sets up a panel, presses "copy link" and sends the link; every student who opens it lands
on the same screen, and where a run is cheap it runs once. Each panel offers its inputs by calling
offer() inside its gr.Tab: the URL names the panel by that tab's id, and each input by a short name.
The page (lyricgen/web/page.py) wires what offer() declares: the copy button, and the panel's opener.

A value from a link is a value a student typed: it goes through the same checks (validate.py), and
an unknown or unusable parameter is ignored with a short notice, never an error page. How each input
reads and writes is its spec's (params.py): a panel offers its Form's fields (Fields.offer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from . import limits
from .i18n import t
from .render import text_lines_html
from .validate import InputError

# ---------------------------------------------------------------------------------------------
# One input: how its value reads from, and writes to, the URL.


@dataclass
class Param:
    """An input's widget and how its value reads from and writes to the URL: made from its spec (params.py)."""
    component: Any  # the widget the value goes into
    read: Callable[..., Any]  # (the URL's text, request=…) → the widget's value; raises InputError when unusable
    write: Callable[[Any], str] = str  # the widget's value → the URL's text


# ---------------------------------------------------------------------------------------------
# A panel's setup: its tab, its inputs, and the button that runs it.


@dataclass
class Setup:
    tab: str  # the panel's gr.Tab id: ?tab=<this>
    params: dict[str, Param]  # {name in the URL: input}
    run: Any | None  # the button pressed once after a link fills the inputs; None: running is not cheap
    path: list[tuple[Any, str]] = field(default_factory=list)  # (gr.Tabs, tab id) from the top to the panel
    needs: str | None = None  # a parameter without which a run could only fail (an empty box): no run then
    copy: Any | None = None  # the panel's "copy link" button
    code: Any | None = None  # the panel's code view (code_view.CodeView), when it has one

    def query(self, *values: Any) -> str:
        """The URL query that sets this panel up with these values (in the order of params). A value that
        cannot be written (a client may send anything) is left out: the link keeps the panel's default. So
        are the longest values while the link would be longer than the server reads (the Lab's pasted
        lyrics): the student who opens it pastes them again."""
        pairs = [("tab", self.tab)]
        for (name, param), value in zip(self.params.items(), values, strict=False):
            try:
                pair = (name, param.write(value))
                urlencode([pair])  # a lone surrogate (JSON can carry one) has no UTF-8: UnicodeEncodeError
            except (TypeError, ValueError, OverflowError):
                continue
            pairs.append(pair)
        while len(urlencode(pairs)) + 1 > limits.MAX_LINK_CHARS:
            pairs.remove(max(pairs[1:], key=lambda pair: len(urlencode([pair]))))
        return "?" + urlencode(pairs)


@dataclass
class Filled:
    """What a link asks for, checked: the panel, each usable value, and a notice about the rest."""
    setup: Setup | None
    values: dict[str, Any]  # {name: value for the widget}
    notices: list[str]  # one line each, in the page's language


def read_query(setups: Mapping[str, Setup], query: Mapping[str, str], request: Any = None) -> Filled:
    """A link's query → the panel it opens and the values to fill in; never raises. request: the visitor's
    (a value may be theirs alone: ?cell=mine)."""
    # lang: read by i18n.of_request; code=1: the page unfolds the panel's code view (page_js.OPENED_JS)
    query = {str(k): str(v) for k, v in query.items() if k not in ("lang", "code")}
    if "tab" not in query:
        return Filled(None, {}, [])
    tab = query.pop("tab")
    setup = setups.get(tab)
    if setup is None:
        return Filled(None, {}, [t("page.notice.unknown_tab", tab=repr(tab[:40]))])
    values, notices = {}, []
    unknown = [name for name in query if name not in setup.params]
    if unknown:
        notices.append(t("page.notice.unknown_param", names=", ".join(repr(n[:40]) for n in unknown[:10])))
    for name, param in setup.params.items():
        if name in query:
            try:
                values[name] = param.read(query[name], request=request)
            except InputError as error:
                notices.append(t("page.notice.bad_value", name=name, reason=error.text))
    return Filled(setup, values, notices)


# ---------------------------------------------------------------------------------------------
# Offering a panel's setup while the page is built.

_offered: ContextVar[dict[str, Setup] | None] = ContextVar("lyricgen_setups", default=None)

@contextmanager
def collecting(setups: dict[str, Setup]) -> Iterator[None]:
    token = _offered.set(setups)
    try:
        yield
    finally:
        _offered.reset(token)


def _enclosing_tabs(block: Any) -> list[tuple[Any, str]]:
    """(gr.Tabs, tab id) for every tab around block, outermost first. A block's .parent is the layout it was
    made in (set by Gradio when the block is rendered there; pinned by tests/test_gradio_internals.py)."""
    path = []
    while block is not None:
        if isinstance(block, gr.Tab) and isinstance(block.parent, gr.Tabs):
            path.append((block.parent, block.id))
        block = block.parent
    return path[::-1]


def offer(params: dict[str, Param], run: Any | None = None, name: str | None = None, needs: str | None = None
          ) -> Setup:
    """Call inside a panel's gr.Tab: links may set these inputs, and a "copy link" button appears here.

    run: the panel's button, pressed once after a link fills the inputs; leave it out where a run is
    not cheap (training), and the student presses it. name: the panel's name in links (?tab=<name>),
    when it is not the tab's id. needs: a parameter the run needs from the link (a box that is empty by
    default): a link without it opens the panel without running it, rather than on an error.
    """
    setups = _offered.get()
    if setups is None:
        raise RuntimeError("links.offer() is called while the page is built (inside links.collecting)")
    # The copy button first: the tabs around it are the panel's (a block made inside a layout is its child).
    copy = gr.Button(t("page.copy_link"), size="sm", elem_classes="copy-link")
    path = _enclosing_tabs(copy)
    if not path:
        raise RuntimeError("links.offer() is called inside the panel's gr.Tab")
    if needs is not None and needs not in params:
        raise ValueError(f"needs={needs!r} is not one of the panel's parameters")
    setup = Setup(name or path[-1][1], params, run, path, needs)
    if setup.tab in setups:
        raise ValueError(f"two panels offer links under the tab id {setup.tab!r}")
    setups[setup.tab] = setup
    if run is not None and not run.elem_id:
        run.elem_id = f"run-{setup.tab.replace('_', '-')}"
    setup.copy = copy
    return setup


def notice_update(notices: list[str], hidden: object) -> object:
    """The notice under the header: shown with these lines, else `hidden` (a plain "" costs the server
    least, where the notice is known to be hidden already)."""
    if not notices:
        return hidden
    return gr.update(value=text_lines_html(f"⚠️ {n}" for n in notices), visible=True)

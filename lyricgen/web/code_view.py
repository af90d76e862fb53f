"""A panel's "代码 Code" view, and the `code` API: the script that computes the panel's numbers for the inputs on
the screen (lyricgen/code), with syntax colouring and a copy button (gr.Code), and as files to download: the .py
and the .ipynb.

A panel with a view says so once, after offering its links (fields.offer gives its links.Setup):

    setup = fields.offer(run=button)
    CodeView("tokenize", FORM, self, "tab.tokenize").layout(fields, setup)

The view hangs itself on the setup (Setup.code), so that the page's `code` API finds it by the link name, and
reads a setup the way a link is read (links.read_query): the same messages for an unknown panel or parameter.
"""

from __future__ import annotations

import hashlib
import inspect
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import gradio as gr

from .. import code
from . import i18n, limits, links, params
from .i18n import t
from .mine import MINE, Chosen
from .validate import InputError

# The files a view offers: a folder per script's text (its hash names it), so asking again costs no new file;
# the oldest go past limits.CODE_FOLDERS_KEPT (Gradio has its own copy of each by then).
FILES = Path(tempfile.gettempdir()) / "lyricgen-code"


# The script's values from the panel's checked inputs, where they are more than the inputs themselves (the cache
# settings the panel worked out, the Lab's settings that have no widget).
Values = Callable[[dict[str, Any]], dict[str, Any]]


class CodeView:
    def __init__(self, panel: str, form: params.Form, owner: object, title: str, values: Values | None = None,
                 weights: str = "lstm"):
        self.panel, self.form, self.owner = panel, form, owner
        self.title = title  # string key of the panel's name, for the script's first line
        self.elem_id = f"code-{panel.replace('_', '-')}"  # the view; its button is elem_id + "-button"
        self.values_of = values  # None: the inputs but the cell (which names the folder)
        self.weights = weights  # the shipped cell whose folder a panel without a cell choice reads

    def values(self, values: dict[str, Any], request: gr.Request | None) -> tuple[dict[str, Any], str]:
        """The inputs checked as the panel checks them: (the script's values, the model's folder)."""
        checked = self.form.check(self.owner, values, request)
        cell = next((v for v in checked.values() if isinstance(v, Chosen)), None)
        name = cell.name if cell is not None else self.weights
        weights = "my-model" if name == MINE else f"weights/{name}"
        if self.values_of is not None:
            return self.values_of(checked), weights
        return {k: v for k, v in checked.items() if not isinstance(v, Chosen)}, weights

    def script(self, values: dict[str, Any], request: gr.Request | None) -> str:
        shown, weights = self.values(values, request)
        return code.script(self.panel, shown, i18n.current(), weights, t(self.title))

    def files(self, values: dict[str, Any], request: gr.Request | None) -> list[str]:
        shown, weights = self.values(values, request)
        lang, title = i18n.current(), t(self.title)
        texts = {code.file_name(self.panel): code.script(self.panel, shown, lang, weights, title),
                 code.file_name(self.panel).replace(".py", ".ipynb"):
                 code.notebook(self.panel, shown, lang, weights, title)}
        made = []
        for name, text in texts.items():
            folder = FILES / hashlib.sha256(text.encode()).hexdigest()[:16]
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            if not path.exists():
                path.write_text(text, encoding="utf-8")
            made.append(str(path))
        folders = sorted(FILES.iterdir(), key=lambda f: f.stat().st_mtime)
        for old in folders[: max(0, len(folders) - limits.CODE_FOLDERS_KEPT)]:
            shutil.rmtree(old, ignore_errors=True)
        return made

    def handler(self):
        """What the view's button calls: the panel's inputs (under their names), then the request."""
        names = list(self.form.specs)

        def show(*args: Any, **kwargs: Any) -> tuple[str, list[str]]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = dict(bound.arguments)
            request = given.pop("request")
            return self.script(given, request), self.files(given, request)

        signature = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None) for n in names]
            + [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                 annotation=gr.Request | None)])
        show.__signature__ = signature
        show.__annotations__ = {"request": gr.Request | None}
        return show

    def layout(self, fields: params.Fields, setup: links.Setup, preprocess: bool = True) -> None:
        """The view, folded, under the panel (inside its gr.Tab); preprocess as the panel's own button has it."""
        setup.code = self
        with gr.Accordion(t("code.title"), open=False, elem_id=self.elem_id):
            gr.Markdown(t("code.intro"))
            button = gr.Button(t("code.button"), size="sm", elem_id=f"{self.elem_id}-button")
            shown = gr.Code(language="python", interactive=False, elem_classes="code-shown")
            files = gr.File(label=t("code.files"), file_count="multiple", interactive=False)
            button.click(self.handler(), fields.inputs(), [shown, files], api_visibility="private",
                         preprocess=preprocess)


def code_api(setups: dict[str, links.Setup]):
    """The `code` endpoint: (panel, setup) → the script, for a panel named as in links and its link's query."""

    def code(panel: str, setup: str, request: gr.Request | None = None) -> str:
        """The standalone PyTorch script behind a panel (tokenize, generate, next_words, …) for the inputs a link
        would set (setup: its query string, e.g. "text=窗外的星星&cell=gru")."""
        if not isinstance(panel, str) or not isinstance(setup, str):
            raise InputError("code.error.not_text")
        query = dict(parse_qsl(setup.lstrip("?"), keep_blank_values=True))
        query["tab"] = panel
        filled = links.read_query(setups, query, request)
        view = getattr(filled.setup, "code", None)
        if filled.setup is not None and view is None:
            raise InputError("code.error.no_code", panel=panel[:40])
        if filled.notices:
            raise gr.Error(" ".join(filled.notices), print_exception=False)
        # what the link leaves out is what the page opens with: each widget's own value
        values = {name: filled.values.get(name, filled.setup.params[name].component.value)
                  for name in view.form.specs}
        return view.script(values, request)

    return code

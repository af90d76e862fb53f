"""Widgets more than one tab uses, built the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from .i18n import Retold


@contextmanager
def panel(title: str, tab_id: str, explanation: str) -> Iterator[None]:
    """A "look inside" tab (its page element is #tab-<id>), opening with one line that says what the
    student is looking at."""
    with gr.Tab(title, id=tab_id, elem_id=f"tab-{tab_id.replace('_', '-')}"):
        gr.Markdown(explanation)
        yield


def retell_button(told: Retold, outputs: list) -> gr.Button:
    """A hidden button that shows these outputs again, as `told` kept them, in the page's language now: the
    page presses it after the language switch (page_js.py), where running the tab again would not do."""
    button = gr.Button(visible="hidden", elem_classes="retell")

    def retell(request: gr.Request | None = None) -> list:
        shown = told.again(request)
        return list(shown) if shown is not None else [gr.skip() for _ in outputs]

    button.click(retell, None, outputs, api_visibility="private", concurrency_limit=None)
    return button

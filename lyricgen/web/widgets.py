"""Widgets more than one tab uses, built the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import gradio as gr

from . import limits
from .i18n import Retold, t
from .render import CELL_LABELS


def cell_radio(cells: Mapping[str, object], label: str | None = None) -> gr.Radio:
    """A choice among the loaded cells, labelled as the page names them; the LSTM first chosen when loaded."""
    choices = [(CELL_LABELS[c], c) for c in cells]
    value = "lstm" if "lstm" in cells else choices[0][1]
    return gr.Radio(choices, value=value, label=label or t("widget.cell"))


def temperature_slider(**kwargs) -> gr.Slider:
    kwargs.setdefault("label", t("widget.temperature"))
    return gr.Slider(0, limits.MAX_TEMPERATURE, value=limits.DEFAULT_TEMPERATURE, step=0.05, **kwargs)


def top_p_slider(**kwargs) -> gr.Slider:
    kwargs.setdefault("label", t("widget.top_p"))
    return gr.Slider(limits.MIN_TOP_P, 1.0, value=1.0, step=0.01, **kwargs)


def cache_checkbox(**kwargs) -> gr.Checkbox:
    return gr.Checkbox(False, label=t("widget.cache"), **kwargs)


def seed_box(**kwargs) -> gr.Textbox:
    kwargs.setdefault("placeholder", t("widget.seed_placeholder"))
    return gr.Textbox(label=t("widget.seed"), **kwargs)


@contextmanager
def panel(title: str, tab_id: str, explanation: str) -> Iterator[None]:
    """A "look inside" tab (its page element is #tab-<id>), opening with one line that says what the
    student is looking at."""
    with gr.Tab(title, id=tab_id, elem_id=f"tab-{tab_id.replace('_', '-')}"):
        gr.Markdown(explanation)
        yield


def retell_button(told: Retold, outputs: list) -> gr.Button:
    """A hidden button that shows these outputs again, as `told` kept them, in the page's language now: the
    page presses it after the language switch (page.py), where running the tab again would not do."""
    button = gr.Button(visible="hidden", elem_classes="retell")

    def retell(request: gr.Request | None = None) -> list:
        shown = told.again(request)
        return list(shown) if shown is not None else [gr.skip() for _ in outputs]

    button.click(retell, None, outputs, api_visibility="private", concurrency_limit=None)
    return button

"""Widgets more than one tab uses, built the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import gradio as gr

from . import limits
from .render import CELL_LABELS


def cell_radio(cells: Mapping[str, object], label: str = "模型 Cell type") -> gr.Radio:
    """A choice among the loaded cells, labelled as the page names them; the LSTM first chosen when loaded."""
    choices = [(CELL_LABELS[c], c) for c in cells]
    value = "lstm" if "lstm" in cells else choices[0][1]
    return gr.Radio(choices, value=value, label=label)


def temperature_slider(**kwargs) -> gr.Slider:
    kwargs.setdefault("label", "温度 Temperature")
    return gr.Slider(0, limits.MAX_TEMPERATURE, value=limits.DEFAULT_TEMPERATURE, step=0.05, **kwargs)


def top_p_slider(**kwargs) -> gr.Slider:
    kwargs.setdefault("label", "top-p（1 = 不限 off；只在累计概率达到 p 的最可能的词里抽 · "
                               "sample only among the likeliest words holding p of the probability）")
    return gr.Slider(limits.MIN_TOP_P, 1.0, value=1.0, step=0.01, **kwargs)


def cache_checkbox(**kwargs) -> gr.Checkbox:
    return gr.Checkbox(False, label="记忆缓存 Cache（回看自己写过的词，见“记忆与注意力” · look back at the words "
                                    "already written: see Memory & attention）", **kwargs)


@contextmanager
def panel(title: str, tab_id: str, explanation: str) -> Iterator[None]:
    """A "look inside" tab (its page element is #tab-<id>), opening with one line, Chinese · English,
    that says what the student is looking at."""
    with gr.Tab(title, id=tab_id, elem_id=f"tab-{tab_id.replace('_', '-')}"):
        gr.Markdown(explanation)
        yield

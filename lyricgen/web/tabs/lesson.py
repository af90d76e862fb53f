"""Lesson: eight steps in the order the tutorials teach, each opening the panel that shows it.

text → jieba words → ids and the embedding matrix → one RNN step by hand → the hidden state over
time → next-word probabilities and temperature → LSTM and GRU gates, and why (vanishing gradients)
→ training → memory and attention. Each step says what happens in two to four sentences, shows the
one formula or shape that matters (with the shipped models' real sizes), asks a question to think
about before clicking, and has "try it" links that open a panel with its inputs set: they are links
(lyricgen/web/links.py), which the page opens in place (lyricgen/web/page.py), so the Lesson adds
no event to the page. Following the steps, a student meets every panel once.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import gradio as gr

from ...checkpoint import Checkpoint
from ..i18n import Joined, Msg, t


@dataclass(frozen=True)
class Step:
    key: str  # lesson.<key>.text, lesson.<key>.guess in the strings
    try_its: tuple[tuple[str, dict[str, str]], ...]  # (link's string key, the query it opens)


# Inputs are everyday phrases or classical poems, never corpus lines.
STEPS = (
    Step("words", (
        ("lesson.try.tokenize", {"tab": "tokenize", "text": "下雨的夜晚我想你", "cell": "lstm"}),
    )),
    Step("vectors", (
        ("lesson.try.model", {"tab": "model"}),
        ("lesson.try.neighbours", {"tab": "neighbours", "word": "星星", "cell": "lstm"}),
    )),
    Step("one_step", (
        ("lesson.try.open_box", {"tab": "open_box", "text": "月亮代表我的心", "units": "4"}),
        ("lesson.try.shapes", {"tab": "shapes", "mode": "rnn", "seq_len": "5", "batch": "3", "input_size": "10",
                               "hidden_size": "20"}),
    )),
    Step("over_time", (
        ("lesson.try.hidden_states", {"tab": "hidden_states", "text": "床前明月光，疑是地上霜", "cell": "rnn"}),
    )),
    Step("next_word", (
        ("lesson.try.next_words", {"tab": "next_words", "start": "星星", "cell": "lstm", "temperature": "1.5",
                                   "seed": "42"}),
        ("lesson.try.generate", {"tab": "generate", "start": "夏天的风", "cell": "gru", "temperature": "0.8",
                                 "seed": "7"}),
    )),
    Step("gates", (
        ("lesson.try.gradients", {"tab": "gradients", "length": "60"}),
        ("lesson.try.compare", {"tab": "compare", "start": "下雨的夜晚", "seed": "7", "temperature": "0.8"}),
    )),
    Step("training", (
        ("lesson.try.train", {"tab": "train", "cell": "gru"}),
        ("lesson.try.score_line", {"tab": "score_line", "text": "天青色等烟雨"}),
        ("lesson.try.memorized", {"tab": "memorized", "cell": "lstm"}),
    )),
    Step("memory", (
        ("lesson.try.attention", {"tab": "attention", "cell": "lstm"}),
    )),
)


class LessonTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def sizes(self) -> dict[str, int]:
        """The shipped models' sizes, quoted by the steps' formulas (the cells share them)."""
        cfg = next(iter(self.checkpoints.values())).model.config
        return {"vocab": cfg.vocab_size, "embed": cfg.embed_dim, "hidden": cfg.hidden_dim}

    def layout(self) -> None:
        sizes = self.sizes()
        with gr.Tab(t("tab.lesson"), id="lesson", elem_id="tab-lesson"):
            gr.Markdown(t("lesson.intro"))
            for number, step in enumerate(STEPS, 1):
                try_its = Joined(" ", *(Msg("lesson.link", label=Msg(label), href="?" + urlencode(query))
                                        for label, query in step.try_its))
                gr.Markdown(t("lesson.step", text=Msg(f"lesson.{step.key}.text", n=number, **sizes),
                              guess=Msg(f"lesson.{step.key}.guess"), links=try_its),
                            elem_id=f"lesson-{step.key.replace('_', '-')}", elem_classes="lesson-step")

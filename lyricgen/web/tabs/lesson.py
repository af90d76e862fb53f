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
from ...code.panels import PANELS as CODED
from ...generate import GenerationSettings, Sampling, generate_text
from .. import limits
from ..i18n import Joined, Msg, t
from ..polls import BY_STEP


@dataclass(frozen=True)
class Written:
    """Lyrics a shipped model writes when the page is built, for a try-it that checks them: the same settings as
    a Generate try-it, so the student checks what that link wrote (never text kept in the repository)."""

    cell: str
    start: str
    temperature: float
    seed: int
    length: int = limits.DEFAULT_LENGTH  # as the Generate panel writes when the link sets no length


@dataclass(frozen=True)
class Step:
    key: str  # lesson.<key>.text, lesson.<key>.guess in the strings
    try_its: tuple[tuple[str, dict[str, str | Written]], ...]  # (link's string key, the query it opens)


# The Generate try-it of step 5; step 7's Memorization try-it checks what it writes.
GENERATE_TRY_IT = {"tab": "generate", "start": "夏天的风", "cell": "gru", "temperature": "0.8", "seed": "7"}

WRITTEN = Written(GENERATE_TRY_IT["cell"], GENERATE_TRY_IT["start"], float(GENERATE_TRY_IT["temperature"]),
                  int(GENERATE_TRY_IT["seed"]))

# Inputs are everyday phrases, not corpus lines, and mostly words the vocabulary knows (tests check both).
STEPS = (
    Step("words", (
        ("lesson.try.tokenize", {"tab": "tokenize", "text": "下雨的夜晚我想你", "cell": "lstm"}),
    )),
    Step("vectors", (
        ("lesson.try.model", {"tab": "model"}),
        ("lesson.try.neighbours", {"tab": "neighbours", "word": "星星", "cell": "lstm"}),
    )),
    Step("one_step", (
        ("lesson.try.open_box", {"tab": "open_box", "text": "风吹过你的头发", "units": "4"}),
        ("lesson.try.shapes", {"tab": "shapes", "mode": "rnn", "seq_len": "5", "batch": "3", "input_size": "10",
                               "hidden_size": "20"}),
    )),
    Step("over_time", (
        ("lesson.try.hidden_states", {"tab": "hidden_states", "text": "窗外的星星在说话\n我一个人走在回家的路上",
                                      "cell": "rnn"}),
    )),
    Step("next_word", (
        ("lesson.try.next_words", {"tab": "next_words", "start": "星星", "cell": "lstm", "temperature": "1.5",
                                   "seed": "42"}),
        ("lesson.try.generate", GENERATE_TRY_IT),
    )),
    Step("gates", (
        ("lesson.try.gradients", {"tab": "gradients", "source": "random", "length": "50"}),
        ("lesson.try.compare", {"tab": "compare", "start": "窗外的星星", "seed": "7", "temperature": "0.8"}),
    )),
    Step("training", (
        ("lesson.try.train", {"tab": "train", "cell": "gru"}),
        ("lesson.try.score_line", {"tab": "score_line", "text": "我在你的身边\n今天的作业写完了吗"}),
        ("lesson.try.memorized", {"tab": "memorized", "cell": "gru", "text": WRITTEN}),
    )),
    Step("memory", (
        ("lesson.try.attention", {"tab": "attention", "cell": "lstm"}),
    )),
)


class LessonTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints
        self.polls: dict[str, gr.Radio] = {}  # step → its poll, answered to the class (ClassTab.offer_polls)

    def sizes(self) -> dict[str, int | str]:
        """The shipped models' sizes and figures, quoted by the steps (the cells share them): vocab, embed,
        hidden, state2 (the LSTM's h_t and c_t together), unk_share (the validation words read as <unk>)."""
        ckpt = next(iter(self.checkpoints.values()))
        cfg = ckpt.model.config
        unk = ckpt.metrics.get("val_unk_rate")
        return {"vocab": cfg.vocab_size, "embed": cfg.embed_dim, "hidden": cfg.hidden_dim,
                "state2": 2 * cfg.hidden_dim, "unk_share": f"{unk:.0%}" if isinstance(unk, float) else "–"}

    def written(self, spec: Written) -> str:
        ckpt = self.checkpoints[spec.cell]
        return generate_text(ckpt.model, ckpt.vocab,
                             GenerationSettings(spec.start, spec.length, Sampling(spec.temperature), spec.seed))

    def queries(self, step: Step) -> list[tuple[str, dict[str, str]]]:
        """The step's try-its as (label key, query): a Written value becomes the lyrics it stands for; a try-it
        on a model that is not loaded is left out."""
        found = []
        for label, query in step.try_its:
            if any(isinstance(v, Written) and v.cell not in self.checkpoints for v in query.values()):
                continue
            found.append((label, {k: self.written(v) if isinstance(v, Written) else v for k, v in query.items()}))
        return found

    def layout(self) -> None:
        sizes = self.sizes()
        with gr.Tab(t("tab.lesson"), id="lesson", elem_id="tab-lesson"):
            gr.Markdown(t("lesson.intro"))
            for number, step in enumerate(STEPS, 1):
                queries = self.queries(step)
                links_ = [Msg("lesson.link", label=Msg(label), href="?" + urlencode(query)) for label, query in queries]
                coded = next((query for _, query in queries if query["tab"] in CODED), None)
                if coded is not None:  # the step's first panel with a code view: its code, for these inputs
                    links_.append(Msg("lesson.link", label=Msg("lesson.read_code"),
                                      href="?" + urlencode({**coded, "code": "1"})))
                try_its = Joined(" ", *links_)
                gr.Markdown(t("lesson.step", text=Msg(f"lesson.{step.key}.text", n=number, **sizes),
                              guess=Msg(f"lesson.{step.key}.guess"), links=try_its),
                            elem_id=f"lesson-{step.key.replace('_', '-')}", elem_classes="lesson-step")
                poll = BY_STEP.get(step.key)
                if poll is not None:  # the step's question as the class's poll: shown once the page joins a class
                    self.polls[poll.step] = gr.Radio([(t(poll.key(c)), c) for c in poll.letters],
                                                     label=t("lesson.poll", question=Msg(poll.key("question"))),
                                                     visible=False, elem_id=f"lesson-poll-{poll.step}")

"""The Lesson's "guess first" questions as polls a class answers together: which step, how many choices, which
one is right. The words (question, choices, the one-line why) are in the strings files, under
class.poll.<step>.question, .a … .d and .why; the right letter is here, once for every language."""

from __future__ import annotations

from dataclasses import dataclass

from ..classroom import CHOICE_LETTERS


@dataclass(frozen=True)
class Poll:
    step: str  # the Lesson step's key (tabs/lesson.py STEPS): the poll's id in the class store too
    choices: int  # 3 or 4: A, B, C (, D)
    right: str  # the right choice's letter

    @property
    def letters(self) -> str:
        return CHOICE_LETTERS[: self.choices]

    def key(self, part: str) -> str:
        """The string key of a part of the poll: "question", "why", or a choice's letter."""
        return f"class.poll.{self.step}.{part.lower()}"


# In the Lesson's order; tests/test_panel_classroom.py checks that every step has one.
POLLS = (
    Poll("words", 4, "B"),
    Poll("vectors", 3, "B"),
    Poll("one_step", 4, "B"),
    Poll("over_time", 3, "B"),
    Poll("next_word", 3, "B"),
    Poll("gates", 3, "C"),
    Poll("training", 3, "B"),
    Poll("memory", 4, "B"),
)
BY_STEP = {poll.step: poll for poll in POLLS}
QUESTIONS = {poll.step: poll.choices for poll in POLLS}  # what the class store accepts: {id: choices}

"""The class, together: a teacher's class code, students' poll answers and the class wall, kept in SQLite.

One file holds every class (`python app.py --class-db PATH`). ClassStore is the one door the page and API
clients use; behind it the store has four parts, one module each:

    class_db.py      the SQLite file: schema, WAL, a connection per call, every write one BEGIN IMMEDIATE
    class_roster.py  classes, teacher keys and students; ClassError, and the checks every part makes
    class_polls.py   the polls: answers, the teacher's counts, the answers revealed
    class_wall.py    the class wall: posts, likes, and the teacher's hide, clear and CSV

The page never reaches in here: it calls these methods, and turns a ClassError (a message key and its
fields, in no language) into a sentence in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .class_db import BUSY_TIMEOUT_S, MAX_AGE_S, SCHEMA, ClassDB
from .class_polls import CHOICE_LETTERS, Polls
from .class_roster import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_NICKNAME_CHARS,
    MAX_STUDENTS,
    MAX_TOKEN_CHARS,
    ClassError,
    Roster,
    normal_code,
)
from .class_wall import MAX_POSTS, MAX_POSTS_PER_STUDENT, MAX_TEXT_CHARS, SETTINGS_KEYS, Wall, settings_text

__all__ = ["BUSY_TIMEOUT_S", "CHOICE_LETTERS", "CODE_ALPHABET", "CODE_LENGTH", "MAX_AGE_S", "MAX_NICKNAME_CHARS",
           "MAX_POSTS", "MAX_POSTS_PER_STUDENT", "MAX_STUDENTS", "MAX_TEXT_CHARS", "MAX_TOKEN_CHARS", "SCHEMA",
           "SETTINGS_KEYS", "ClassError", "ClassStore", "normal_code", "settings_text"]


class ClassStore:
    """Every class in one SQLite file: open one, join, answer, post, and the teacher's views and actions.

    questions: the polls a class answers, {question id: number of choices (3 or 4)}. The file is created
    (schema, WAL) when the store starts: start(), or the first call.
    """

    def __init__(self, path: str | Path, questions: Mapping[str, int]):
        self.db = ClassDB(path)
        self.roster = Roster(self.db)
        self.polls = Polls(self.db, questions)
        self.board = Wall(self.db)  # not .wall: that is the method that reads it

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def questions(self) -> dict[str, int]:
        return self.polls.questions

    def use(self, path: str | Path) -> None:
        """Keep the classes in another file (--class-db), before the store has started."""
        self.db.use(path)

    def start(self, now: float | None = None) -> None:
        """Create the file and its tables if need be, switch it to WAL, and remove classes past MAX_AGE_S."""
        self.db.start(now)

    # -- classes and students (class_roster.py) ---------------------------------------------------

    def open(self, now: float | None = None) -> tuple[str, str]:
        """A new class: (its code, its teacher key). The key is shown once; only its hash is kept."""
        return self.roster.open(now)

    def join(self, code: object, student: object, nickname: object = "") -> tuple[str, str]:
        """A student joins (or renames themselves): (the class's code as stored, the nickname as kept)."""
        return self.roster.join(code, student, nickname)

    def is_open(self, code: object) -> bool:
        return self.roster.is_open(code)

    def students(self, code: object, key: object) -> int:
        return self.roster.students(code, key)

    def close(self, code: object, key: object, now: float | None = None) -> None:
        """No more joining, answering or posting; the wall and the results stay readable."""
        self.roster.close(code, key, now)

    # -- the polls (class_polls.py) ---------------------------------------------------------------

    def answer(self, code: object, student: object, nickname: object, question: object, choice: object) -> None:
        """A student's answer to a poll; a second answer to the same question replaces the first."""
        self.polls.answer(code, student, nickname, question, choice)

    def revealed(self, code: object) -> list[str]:
        """The questions whose answer the teacher has revealed, in the polls' order."""
        return self.polls.revealed(code)

    def answers_of(self, code: object, student: object) -> dict[str, str]:
        """One student's answers: {question: choice}."""
        return self.polls.answers_of(code, student)

    def results(self, code: object, key: object) -> dict[str, dict[str, int]]:
        """Answers counted: {question: {choice: students}}, every question and choice, zeros included."""
        return self.polls.results(code, key)

    def reveal(self, code: object, key: object, question: object) -> None:
        self.polls.reveal(code, key, question)

    # -- the wall (class_wall.py) -----------------------------------------------------------------

    def post(self, code: object, student: object, nickname: object, lyrics: object, settings: object,
             now: float | None = None) -> int:
        """Lyrics and the settings that wrote them, on the class wall: the post's id."""
        return self.board.post(code, student, nickname, lyrics, settings, now)

    def like(self, code: object, student: object, post_id: object) -> int:
        """A student likes a post of this class (once; again changes nothing): its likes."""
        return self.board.like(code, student, post_id)

    def wall(self, code: object, hidden: bool = False, newest: int | None = None) -> list[dict[str, Any]]:
        """The class's posts, newest first (hidden ones only when asked for; the newest N, or all): see Wall.posts."""
        return self.board.posts(code, hidden, newest)

    def view_mark(self, code: object) -> tuple[list[str], tuple[int, int, int, int]]:
        """What a student sees of the class, in brief: the questions revealed, and a value that changes
        whenever its wall does (Wall.mark). A page that kept them can skip a refresh that would show the same."""
        return self.polls.revealed(code), self.board.mark(code)

    def hide(self, code: object, key: object, post_id: object) -> None:
        self.board.hide(code, key, post_id)

    def clear(self, code: object, key: object) -> int:
        """Every post of the class removed (their likes with them): how many."""
        return self.board.clear(code, key)

    def wall_csv(self, code: object, key: object) -> str:
        """The whole wall (hidden posts too, marked), oldest first, as CSV text."""
        return self.board.as_csv(code, key)

"""A class's polls: students' answers to the Lesson's questions, the teacher's counts, and the answers revealed."""

from __future__ import annotations

from collections.abc import Mapping

from .class_db import ClassDB
from .class_roster import ClassError, class_of, enrol, teacher_of

CHOICE_LETTERS = "ABCD"  # a poll's choices, in order: a poll has 3 or 4


class Polls:
    """questions: the polls a class answers, {question id: number of choices (3 or 4)}."""

    def __init__(self, db: ClassDB, questions: Mapping[str, int]):
        self.db = db
        self.questions = dict(questions)

    def _question(self, question: object) -> str:
        if not isinstance(question, str) or question not in self.questions:
            raise ClassError("class.error.question", names=", ".join(self.questions))
        return question

    def answer(self, code: object, student: object, nickname: object, question: object, choice: object) -> None:
        """A student's answer to a poll; a second answer to the same question replaces the first."""
        question = self._question(question)
        letters = CHOICE_LETTERS[: self.questions[question]]
        if not isinstance(choice, str) or choice.strip().upper() not in letters:
            raise ClassError("class.error.choice", names=", ".join(letters))
        with self.db.write() as conn:
            code = class_of(conn, code)
            student, _ = enrol(conn, code, student, nickname)
            conn.execute("INSERT INTO answers VALUES (?, ?, ?, ?) ON CONFLICT (code, student, question) "
                         "DO UPDATE SET choice = excluded.choice", (code, student, question, choice.strip().upper()))

    def revealed(self, code: object) -> list[str]:
        """The questions whose answer the teacher has revealed, in the polls' order."""
        with self.db.read() as conn:
            code = class_of(conn, code, open_only=False)
            shown = {q for (q,) in conn.execute("SELECT question FROM reveals WHERE code = ?", (code,))}
        return [q for q in self.questions if q in shown]

    def answers_of(self, code: object, student: object) -> dict[str, str]:
        """One student's answers: {question: choice}."""
        with self.db.read() as conn:
            code = class_of(conn, code, open_only=False)
            return dict(conn.execute("SELECT question, choice FROM answers WHERE code = ? AND student = ?",
                                     (code, student)).fetchall())

    # The teacher: every call takes the class's key; a wrong one raises before anything changes

    def results(self, code: object, key: object) -> dict[str, dict[str, int]]:
        """Answers counted: {question: {choice: students}}, every question and choice, zeros included."""
        with self.db.read() as conn:
            code = teacher_of(conn, code, key)
            rows = conn.execute("SELECT question, choice, COUNT(*) FROM answers WHERE code = ? "
                                "GROUP BY question, choice", (code,)).fetchall()
        counts = {q: dict.fromkeys(CHOICE_LETTERS[:n], 0) for q, n in self.questions.items()}
        for question, choice, n in rows:
            if question in counts and choice in counts[question]:
                counts[question][choice] = n
        return counts

    def reveal(self, code: object, key: object, question: object) -> None:
        question = self._question(question)
        with self.db.write() as conn:
            code = teacher_of(conn, code, key)
            conn.execute("INSERT OR IGNORE INTO reveals VALUES (?, ?)", (code, question))

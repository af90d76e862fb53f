"""Classes, teacher keys and students: opening and closing a class, joining it, and the checks every part of
the class store makes inside its transaction (the class is there and open, the teacher's key, the student).

Who is who: a class has one teacher, who holds its teacher key (stored only as its SHA-256), and students,
each a token the caller chooses (the page keeps one per browser, an API client has its session's). No
accounts: a nickname is whatever the student typed, kept as text; whoever shows it escapes it.

A refusal is a ClassError: a message key and its fields, in no language; the page says it in its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from typing import Any

from .class_db import ClassDB

# Codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L), read off a projector and typed
# on a phone: 31**6, about 900 million codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6

MAX_STUDENTS = 300  # in one class
MAX_NICKNAME_CHARS = 20
MAX_TOKEN_CHARS = 64  # a student's token or a teacher key, as sent


class ClassError(Exception):
    """Something a visitor can fix or should know: a message key (class.error.*, or the page's own error.* for
    text too long, empty or not text) and its fields. A field named `what` holds a string key itself (the
    field's name, "field.nickname")."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def text(value: object, limit: int, what: str, blank_ok: bool = True) -> str:
    """value as stored: text, surrounding space stripped, at most limit characters (as sent)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ClassError("error.not_text", what=what)
    if len(value) > limit:
        raise ClassError("error.too_long", what=what, n=len(value), limit=limit)
    value = value.encode("utf-8", "replace").decode("utf-8").strip()  # a lone surrogate (JSON can send one) → ?
    if not value and not blank_ok:
        raise ClassError("error.empty", what=what)
    return value


def normal_code(code: object) -> str:
    """A class code as typed (any case, spaces around it) → the code; anything that cannot be one is unknown."""
    shown = code.strip().upper() if isinstance(code, str) else ""
    if len(shown) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in shown):
        raise ClassError("class.error.unknown")
    return shown


# -----------------------------------------------------------------------------------------
# Checks inside a transaction

def class_of(conn: sqlite3.Connection, code: object, open_only: bool = True) -> str:
    """The class's code as stored; unknown (or closed, when open_only) raises."""
    code = normal_code(code)
    row = conn.execute("SELECT closed FROM classes WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise ClassError("class.error.unknown")
    if open_only and row[0] is not None:
        raise ClassError("class.error.closed")
    return code


def teacher_of(conn: sqlite3.Connection, code: object, key: object, open_only: bool = False) -> str:
    """class_of, and the class's teacher key checked."""
    code = class_of(conn, code, open_only)
    (stored,) = conn.execute("SELECT key_hash FROM classes WHERE code = ?", (code,)).fetchone()
    if not isinstance(key, str) or len(key) > MAX_TOKEN_CHARS or not hmac.compare_digest(key_hash(key), stored):
        raise ClassError("class.error.wrong_key")
    return code


def enrol(conn: sqlite3.Connection, code: str, student: object, nickname: object) -> tuple[str, str]:
    """(student, nickname) checked; a new student counted against MAX_STUDENTS, a known one renamed."""
    student = text(student, MAX_TOKEN_CHARS, "field.student", blank_ok=False)
    nickname = text(nickname, MAX_NICKNAME_CHARS, "field.nickname")
    known = conn.execute("SELECT 1 FROM students WHERE code = ? AND student = ?", (code, student)).fetchone()
    if known:
        conn.execute("UPDATE students SET nickname = ? WHERE code = ? AND student = ?", (nickname, code, student))
    else:
        (count,) = conn.execute("SELECT COUNT(*) FROM students WHERE code = ?", (code,)).fetchone()
        if count >= MAX_STUDENTS:
            raise ClassError("class.error.full", limit=MAX_STUDENTS)
        conn.execute("INSERT INTO students VALUES (?, ?, ?)", (code, student, nickname))
    return student, nickname


class Roster:
    """Opening a class, students joining it, its teacher counting them and closing it."""

    def __init__(self, db: ClassDB):
        self.db = db

    def open(self, now: float | None = None) -> tuple[str, str]:
        """A new class: (its code, its teacher key). The key is shown once; only its hash is kept."""
        key = secrets.token_urlsafe(24)
        with self.db.write() as conn:
            while True:  # a code already taken (one chance in millions) draws again
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not conn.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone():
                    break
            conn.execute("INSERT INTO classes (code, key_hash, opened) VALUES (?, ?, ?)",
                         (code, key_hash(key), time.time() if now is None else now))
        return code, key

    def join(self, code: object, student: object, nickname: object = "") -> tuple[str, str]:
        """A student joins (or renames themselves): (the class's code as stored, the nickname as kept)."""
        with self.db.write() as conn:
            code = class_of(conn, code)
            return code, enrol(conn, code, student, nickname)[1]

    def is_open(self, code: object) -> bool:
        with self.db.read() as conn:
            try:
                class_of(conn, code)
            except ClassError:
                return False
            return True

    # The teacher: every call takes the class's key; a wrong one raises before anything changes

    def students(self, code: object, key: object) -> int:
        with self.db.read() as conn:
            code = teacher_of(conn, code, key)
            return conn.execute("SELECT COUNT(*) FROM students WHERE code = ?", (code,)).fetchone()[0]

    def close(self, code: object, key: object, now: float | None = None) -> None:
        """No more joining, answering or posting; the wall and the results stay readable."""
        with self.db.write() as conn:
            code = teacher_of(conn, code, key, open_only=True)
            conn.execute("UPDATE classes SET closed = ? WHERE code = ?", (time.time() if now is None else now, code))

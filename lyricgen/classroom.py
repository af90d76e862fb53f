"""The class, together: a teacher's class code, students' poll answers and the class wall, kept in SQLite.

One file holds every class (`python app.py --class-db PATH`). SQLite is the embedded default: no server
to run in a classroom, one file to copy, and its transactions keep a hundred students posting at once
from losing or mixing anything. The file is in WAL mode, so the teacher's chart reads while students
write; every write is one `BEGIN IMMEDIATE` transaction, which takes the write lock before it reads the
counts it checks (a class's 300 students, 2,000 posts), so two writers never both see room for one more.

A connection per call: Gradio runs handlers in a pool of worker threads, and a connection opened and
closed inside one call is never shared between them. Opening one costs a few tens of microseconds.

Who is who: a class has one teacher, who holds its teacher key (stored only as its SHA-256), and students,
each a token the caller chooses (the page keeps one per browser, an API client has its session's). No
accounts: a nickname is whatever the student typed, kept as text; whoever shows it escapes it.

The page never reaches in here: it calls these methods, and turns a ClassError (a message key and its
fields, in no language) into a sentence in the page's language.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

# Codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L), read off a projector and typed
# on a phone: 31**6, about 900 million codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CHOICE_LETTERS = "ABCD"  # a poll's choices, in order: a poll has 3 or 4

# What one class may hold (the page's limits.py names these too, for its boxes).
MAX_STUDENTS = 300
MAX_POSTS = 2_000
MAX_POSTS_PER_STUDENT = 20
MAX_TEXT_CHARS = 2_000  # lyrics, and the settings written as JSON
MAX_NICKNAME_CHARS = 20
MAX_TOKEN_CHARS = 64  # a student's token or a teacher key, as sent
MAX_AGE_S = 7 * 24 * 3600  # a class older than this is removed when the store starts
BUSY_TIMEOUT_S = 30.0  # a writer waits this long for another's transaction before giving up

# The settings a post keeps, enough to write its lyrics again (the Generate tab's link parameters).
SETTINGS_KEYS = frozenset({"start", "length", "cell", "temperature", "top_k", "top_p", "seed", "cache"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    opened REAL NOT NULL,
    closed REAL
);
CREATE TABLE IF NOT EXISTS students (
    code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
    student TEXT NOT NULL,
    nickname TEXT NOT NULL,
    PRIMARY KEY (code, student)
);
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    choice TEXT NOT NULL,
    PRIMARY KEY (code, student, question)
);
CREATE TABLE IF NOT EXISTS reveals (
    code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
    question TEXT NOT NULL,
    PRIMARY KEY (code, question)
);
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
    student TEXT NOT NULL,
    nickname TEXT NOT NULL,
    lyrics TEXT NOT NULL,
    settings TEXT NOT NULL,
    posted REAL NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS posts_by_class ON posts (code, id);
CREATE TABLE IF NOT EXISTS likes (
    post INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    student TEXT NOT NULL,
    PRIMARY KEY (post, student)
);
"""


class ClassError(Exception):
    """Something a visitor can fix or should know: a message key (class.error.*, or the page's own error.* for
    text too long, empty or not text) and its fields. A field named `what` holds a string key itself (the
    field's name, "field.nickname")."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _text(value: object, limit: int, what: str, blank_ok: bool = True) -> str:
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


def settings_text(settings: object) -> str:
    """A post's settings as stored (JSON): a dict of SETTINGS_KEYS to plain values (text, numbers, on/off)."""
    if not isinstance(settings, Mapping) or not set(settings) <= SETTINGS_KEYS or not all(
            v is None or isinstance(v, (str, int, float, bool)) for v in settings.values()):
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS)))
    try:
        text = json.dumps(dict(settings), ensure_ascii=False, allow_nan=False, sort_keys=True)
    except ValueError:  # NaN or infinity
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS))) from None
    return _text(text, MAX_TEXT_CHARS, "field.settings")


def _csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: one starting like a formula (=, +, -, @) gets a ' in front."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class ClassStore:
    """Every class in one SQLite file: open one, join, answer, post, and the teacher's views and actions.

    questions: the polls a class answers, {question id: number of choices (3 or 4)}. The file is created
    (schema, WAL) when the store starts: start(), or the first call.
    """

    def __init__(self, path: str | Path, questions: Mapping[str, int]):
        self.path = Path(path)
        self.questions = dict(questions)
        self._started = False
        self._start_lock = threading.Lock()

    def use(self, path: str | Path) -> None:
        """Keep the classes in another file (--class-db), before the store has started."""
        with self._start_lock:
            if self._started:
                raise RuntimeError("the class store has started: its file cannot change")
            self.path = Path(path)

    def start(self, now: float | None = None) -> None:
        """Create the file and its tables if need be, switch it to WAL, and remove classes past MAX_AGE_S."""
        with self._start_lock:
            if self._started:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connection()) as conn:
                conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: readers and a writer at once
                conn.executescript(SCHEMA)
                now = time.time() if now is None else now
                with self._immediate(conn):
                    conn.execute("DELETE FROM classes WHERE opened < ?", (now - MAX_AGE_S,))  # cascades
            self._started = True

    # -----------------------------------------------------------------------------------------
    # Connections and transactions

    def _connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)  # we say BEGIN ourselves
        conn.execute("PRAGMA foreign_keys=ON")  # per connection: the cascades above
        return conn

    @staticmethod
    @contextmanager
    def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        conn.execute("BEGIN IMMEDIATE")  # the write lock first: the counts read inside stay true until COMMIT
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.start()
        with closing(self._connection()) as conn, self._immediate(conn):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self.start()
        with closing(self._connection()) as conn:
            yield conn

    # -----------------------------------------------------------------------------------------
    # Checks inside a transaction

    @staticmethod
    def _class(conn: sqlite3.Connection, code: object, open_only: bool = True) -> str:
        code = normal_code(code)
        row = conn.execute("SELECT closed FROM classes WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise ClassError("class.error.unknown")
        if open_only and row[0] is not None:
            raise ClassError("class.error.closed")
        return code

    def _teacher(self, conn: sqlite3.Connection, code: object, key: object, open_only: bool = False) -> str:
        code = self._class(conn, code, open_only)
        (stored,) = conn.execute("SELECT key_hash FROM classes WHERE code = ?", (code,)).fetchone()
        if not isinstance(key, str) or len(key) > MAX_TOKEN_CHARS or not hmac.compare_digest(_hash(key), stored):
            raise ClassError("class.error.wrong_key")
        return code

    @staticmethod
    def _enrol(conn: sqlite3.Connection, code: str, student: object, nickname: object) -> tuple[str, str]:
        """(student, nickname) checked; a new student counted against MAX_STUDENTS, a known one renamed."""
        student = _text(student, MAX_TOKEN_CHARS, "field.student", blank_ok=False)
        nickname = _text(nickname, MAX_NICKNAME_CHARS, "field.nickname")
        known = conn.execute("SELECT 1 FROM students WHERE code = ? AND student = ?", (code, student)).fetchone()
        if known:
            conn.execute("UPDATE students SET nickname = ? WHERE code = ? AND student = ?", (nickname, code, student))
        else:
            (count,) = conn.execute("SELECT COUNT(*) FROM students WHERE code = ?", (code,)).fetchone()
            if count >= MAX_STUDENTS:
                raise ClassError("class.error.full", limit=MAX_STUDENTS)
            conn.execute("INSERT INTO students VALUES (?, ?, ?)", (code, student, nickname))
        return student, nickname

    def _question(self, question: object) -> str:
        if not isinstance(question, str) or question not in self.questions:
            raise ClassError("class.error.question", names=", ".join(self.questions))
        return question

    # -----------------------------------------------------------------------------------------
    # Anyone

    def open(self, now: float | None = None) -> tuple[str, str]:
        """A new class: (its code, its teacher key). The key is shown once; only its hash is kept."""
        key = secrets.token_urlsafe(24)
        with self._write() as conn:
            while True:  # a code already taken (one chance in millions) draws again
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not conn.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone():
                    break
            conn.execute("INSERT INTO classes (code, key_hash, opened) VALUES (?, ?, ?)",
                         (code, _hash(key), time.time() if now is None else now))
        return code, key

    def join(self, code: object, student: object, nickname: object = "") -> tuple[str, str]:
        """A student joins (or renames themselves): (the class's code as stored, the nickname as kept)."""
        with self._write() as conn:
            code = self._class(conn, code)
            return code, self._enrol(conn, code, student, nickname)[1]

    def answer(self, code: object, student: object, nickname: object, question: object, choice: object) -> None:
        """A student's answer to a poll; a second answer to the same question replaces the first."""
        question = self._question(question)
        letters = CHOICE_LETTERS[: self.questions[question]]
        if not isinstance(choice, str) or choice.strip().upper() not in letters:
            raise ClassError("class.error.choice", names=", ".join(letters))
        with self._write() as conn:
            code = self._class(conn, code)
            student, _ = self._enrol(conn, code, student, nickname)
            conn.execute("INSERT INTO answers VALUES (?, ?, ?, ?) ON CONFLICT (code, student, question) "
                         "DO UPDATE SET choice = excluded.choice", (code, student, question, choice.strip().upper()))

    def post(self, code: object, student: object, nickname: object, lyrics: object, settings: object,
             now: float | None = None) -> int:
        """Lyrics and the settings that wrote them, on the class wall: the post's id."""
        lyrics = _text(lyrics, MAX_TEXT_CHARS, "field.lyrics", blank_ok=False)
        stored_settings = settings_text(settings)
        with self._write() as conn:
            code = self._class(conn, code)
            student, nickname = self._enrol(conn, code, student, nickname)
            (mine,) = conn.execute("SELECT COUNT(*) FROM posts WHERE code = ? AND student = ?",
                                   (code, student)).fetchone()
            if mine >= MAX_POSTS_PER_STUDENT:
                raise ClassError("class.error.your_posts", limit=MAX_POSTS_PER_STUDENT)
            (count,) = conn.execute("SELECT COUNT(*) FROM posts WHERE code = ?", (code,)).fetchone()
            if count >= MAX_POSTS:
                raise ClassError("class.error.wall_full", limit=MAX_POSTS)
            cursor = conn.execute(
                "INSERT INTO posts (code, student, nickname, lyrics, settings, posted) VALUES (?, ?, ?, ?, ?, ?)",
                (code, student, nickname, lyrics, stored_settings, time.time() if now is None else now))
            return int(cursor.lastrowid)

    def like(self, code: object, student: object, post_id: object) -> int:
        """A student likes a post of this class (once; again changes nothing): its likes."""
        student = _text(student, MAX_TOKEN_CHARS, "field.student", blank_ok=False)
        with self._write() as conn:
            code = self._class(conn, code)
            post_id = self._post(conn, code, post_id)
            conn.execute("INSERT OR IGNORE INTO likes VALUES (?, ?)", (post_id, student))
            return conn.execute("SELECT COUNT(*) FROM likes WHERE post = ?", (post_id,)).fetchone()[0]

    @staticmethod
    def _post(conn: sqlite3.Connection, code: str, post_id: object, hidden_ok: bool = False) -> int:
        """A post of this class, by id; another class's post is no post here."""
        if isinstance(post_id, float) and post_id.is_integer():
            post_id = int(post_id)
        if isinstance(post_id, bool) or not isinstance(post_id, int) or not 0 < post_id < 2**63:
            raise ClassError("class.error.no_post")
        row = conn.execute("SELECT hidden FROM posts WHERE id = ? AND code = ?", (post_id, code)).fetchone()
        if row is None or (row[0] and not hidden_ok):
            raise ClassError("class.error.no_post")
        return post_id

    def wall(self, code: object, hidden: bool = False) -> list[dict[str, Any]]:
        """The class's posts, newest first: id, nickname, lyrics, settings (a dict), posted (a Unix time),
        likes, hidden. Hidden posts only when asked for (the teacher's view and download)."""
        with self._read() as conn:
            code = self._class(conn, code, open_only=False)
            rows = conn.execute(
                "SELECT p.id, p.nickname, p.lyrics, p.settings, p.posted, p.hidden, COUNT(l.student) FROM posts p "
                "LEFT JOIN likes l ON l.post = p.id WHERE p.code = ? AND (? OR NOT p.hidden) "
                "GROUP BY p.id ORDER BY p.id DESC", (code, hidden)).fetchall()
        return [{"id": i, "nickname": nick, "lyrics": lyrics, "settings": json.loads(settings), "posted": posted,
                 "likes": likes, "hidden": bool(hid)} for i, nick, lyrics, settings, posted, hid, likes in rows]

    def revealed(self, code: object) -> list[str]:
        """The questions whose answer the teacher has revealed, in the polls' order."""
        with self._read() as conn:
            code = self._class(conn, code, open_only=False)
            shown = {q for (q,) in conn.execute("SELECT question FROM reveals WHERE code = ?", (code,))}
        return [q for q in self.questions if q in shown]

    def answers_of(self, code: object, student: object) -> dict[str, str]:
        """One student's answers: {question: choice}."""
        with self._read() as conn:
            code = self._class(conn, code, open_only=False)
            return dict(conn.execute("SELECT question, choice FROM answers WHERE code = ? AND student = ?",
                                     (code, student)).fetchall())

    def is_open(self, code: object) -> bool:
        with self._read() as conn:
            try:
                self._class(conn, code)
            except ClassError:
                return False
            return True

    # -----------------------------------------------------------------------------------------
    # The teacher: every call takes the class's key; a wrong one raises before anything changes

    def results(self, code: object, key: object) -> dict[str, dict[str, int]]:
        """Answers counted: {question: {choice: students}}, every question and choice, zeros included."""
        with self._read() as conn:
            code = self._teacher(conn, code, key)
            rows = conn.execute("SELECT question, choice, COUNT(*) FROM answers WHERE code = ? "
                                "GROUP BY question, choice", (code,)).fetchall()
        counts = {q: dict.fromkeys(CHOICE_LETTERS[:n], 0) for q, n in self.questions.items()}
        for question, choice, n in rows:
            if question in counts and choice in counts[question]:
                counts[question][choice] = n
        return counts

    def students(self, code: object, key: object) -> int:
        with self._read() as conn:
            code = self._teacher(conn, code, key)
            return conn.execute("SELECT COUNT(*) FROM students WHERE code = ?", (code,)).fetchone()[0]

    def reveal(self, code: object, key: object, question: object) -> None:
        question = self._question(question)
        with self._write() as conn:
            code = self._teacher(conn, code, key)
            conn.execute("INSERT OR IGNORE INTO reveals VALUES (?, ?)", (code, question))

    def hide(self, code: object, key: object, post_id: object) -> None:
        with self._write() as conn:
            code = self._teacher(conn, code, key)
            conn.execute("UPDATE posts SET hidden = 1 WHERE id = ?", (self._post(conn, code, post_id, True),))

    def clear(self, code: object, key: object) -> int:
        """Every post of the class removed (their likes with them): how many."""
        with self._write() as conn:
            code = self._teacher(conn, code, key)
            return conn.execute("DELETE FROM posts WHERE code = ?", (code,)).rowcount

    def close(self, code: object, key: object, now: float | None = None) -> None:
        """No more joining, answering or posting; the wall and the results stay readable."""
        with self._write() as conn:
            code = self._teacher(conn, code, key, open_only=True)
            conn.execute("UPDATE classes SET closed = ? WHERE code = ?", (time.time() if now is None else now, code))

    def wall_csv(self, code: object, key: object) -> str:
        """The whole wall (hidden posts too, marked), oldest first, as CSV text."""
        with self._read() as conn:
            self._teacher(conn, code, key)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "posted_utc", "nickname", "likes", "hidden", "lyrics", "settings"])
        for p in reversed(self.wall(code, hidden=True)):
            posted = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(p["posted"]))
            writer.writerow([p["id"], posted, _csv_cell(p["nickname"]), p["likes"], int(p["hidden"]),
                             _csv_cell(p["lyrics"]), json.dumps(p["settings"], ensure_ascii=False)])
        return out.getvalue()

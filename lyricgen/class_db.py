"""The class store's SQLite file: its schema, and the connections and transactions every part of the store uses.

SQLite is the embedded default: no server to run in a classroom, one file to copy, and its transactions keep a
hundred students posting at once from losing or mixing anything. The file is in WAL mode, so the teacher's chart
reads while students write; every write is one `BEGIN IMMEDIATE` transaction, which takes the write lock before
it reads the counts it checks (a class's 300 students, 2,000 posts), so two writers never both see room for one
more.

A connection per thread: Gradio runs handlers in a pool of worker threads, and a connection kept by the thread
that opened it is never shared between them. Keeping it open saves what every new connection pays again (its
opening, and its first statement reading the schema). A commit in WAL mode with `synchronous=NORMAL` writes the
log but does not wait for the disk: a server that stops or crashes loses nothing committed (the log is the OS's
to write); only a power cut can lose the last commits, and it never corrupts the file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

MAX_AGE_S = 7 * 24 * 3600  # a class older than this is removed when the store starts
BUSY_TIMEOUT_S = 30.0  # a writer waits this long for another's transaction before giving up

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


class ClassDB:
    """One SQLite file of classes. It is created (schema, WAL) when it starts: start(), or the first read or
    write."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._started = False
        self._start_lock = threading.Lock()
        self._local = threading.local()  # each thread's own connection

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

    def _connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)  # we say BEGIN ourselves
        conn.execute("PRAGMA foreign_keys=ON")  # per connection: the cascades above
        conn.execute("PRAGMA synchronous=NORMAL")  # per connection: see the module's docstring
        return conn

    def _thread_connection(self) -> sqlite3.Connection:
        """This thread's connection to the file, opened on its first call (it closes when the thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connection()
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
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one BEGIN IMMEDIATE transaction: committed at the end, rolled back on an error."""
        self.start()
        with self._immediate(self._thread_connection()) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading (autocommit: each statement sees the last commit)."""
        self.start()
        yield self._thread_connection()

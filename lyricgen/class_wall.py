"""A class's wall: lyrics posted with the settings that wrote them, likes, and the teacher's hide, clear and
CSV download."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from .class_db import ClassDB
from .class_roster import MAX_TOKEN_CHARS, ClassError, class_of, enrol, teacher_of, text

MAX_POSTS = 2_000  # in one class
MAX_POSTS_PER_STUDENT = 20
MAX_TEXT_CHARS = 2_000  # lyrics, and the settings written as JSON

# The settings a post keeps, enough to write its lyrics again (the Generate tab's link parameters).
SETTINGS_KEYS = frozenset({"start", "length", "cell", "temperature", "top_k", "top_p", "seed", "cache"})


def settings_text(settings: object) -> str:
    """A post's settings as stored (JSON): a dict of SETTINGS_KEYS to plain values (text, numbers, on/off)."""
    if not isinstance(settings, Mapping) or not set(settings) <= SETTINGS_KEYS or not all(
            v is None or isinstance(v, (str, int, float, bool)) for v in settings.values()):
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS)))
    try:
        stored = json.dumps(dict(settings), ensure_ascii=False, allow_nan=False, sort_keys=True)
    except ValueError:  # NaN or infinity
        raise ClassError("class.error.settings", names=", ".join(sorted(SETTINGS_KEYS))) from None
    return text(stored, MAX_TEXT_CHARS, "field.settings")


def _csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: one starting like a formula (=, +, -, @) gets a ' in front."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


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


class Wall:
    """The class wall: students post and like, anyone reads, the teacher hides, clears and downloads."""

    def __init__(self, db: ClassDB):
        self.db = db

    def post(self, code: object, student: object, nickname: object, lyrics: object, settings: object,
             now: float | None = None) -> int:
        """Lyrics and the settings that wrote them, on the class wall: the post's id."""
        lyrics = text(lyrics, MAX_TEXT_CHARS, "field.lyrics", blank_ok=False)
        stored_settings = settings_text(settings)
        with self.db.write() as conn:
            code = class_of(conn, code)
            student, nickname = enrol(conn, code, student, nickname)
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
        student = text(student, MAX_TOKEN_CHARS, "field.student", blank_ok=False)
        with self.db.write() as conn:
            code = class_of(conn, code)
            post_id = _post(conn, code, post_id)
            conn.execute("INSERT OR IGNORE INTO likes VALUES (?, ?)", (post_id, student))
            return conn.execute("SELECT COUNT(*) FROM likes WHERE post = ?", (post_id,)).fetchone()[0]

    def posts(self, code: object, hidden: bool = False, newest: int | None = None) -> list[dict[str, Any]]:
        """The class's posts, newest first: id, nickname, lyrics, settings (a dict), posted (a Unix time),
        likes, hidden. Hidden posts only when asked for (the teacher's view and download); newest: at most
        that many (a page shows the newest only), else all."""
        with self.db.read() as conn:
            code = class_of(conn, code, open_only=False)
            rows = conn.execute(
                "SELECT p.id, p.nickname, p.lyrics, p.settings, p.posted, p.hidden, COUNT(l.student) FROM posts p "
                "LEFT JOIN likes l ON l.post = p.id WHERE p.code = ? AND (? OR NOT p.hidden) "
                "GROUP BY p.id ORDER BY p.id DESC LIMIT ?", (code, hidden, -1 if newest is None else newest)).fetchall()
        return [{"id": i, "nickname": nick, "lyrics": lyrics, "settings": json.loads(settings), "posted": posted,
                 "likes": likes, "hidden": bool(hid)} for i, nick, lyrics, settings, posted, hid, likes in rows]

    def mark(self, code: object) -> tuple[int, int, int, int]:
        """A value that changes whenever the class's wall would show something else: its posts' count, newest
        id, hidden count and likes (a post is never unhidden, a like never taken back, an id never reused, and
        clearing takes every post: each change moves one of them). Reads no post's text."""
        with self.db.read() as conn:
            code = class_of(conn, code, open_only=False)
            count, newest, hidden = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(hidden), 0) "
                                                 "FROM posts WHERE code = ?", (code,)).fetchone()
            (liked,) = conn.execute("SELECT COUNT(*) FROM likes l JOIN posts p ON p.id = l.post WHERE p.code = ?",
                                    (code,)).fetchone()
        return count, newest, hidden, liked

    # The teacher: every call takes the class's key; a wrong one raises before anything changes

    def hide(self, code: object, key: object, post_id: object) -> None:
        with self.db.write() as conn:
            code = teacher_of(conn, code, key)
            conn.execute("UPDATE posts SET hidden = 1 WHERE id = ?", (_post(conn, code, post_id, True),))

    def clear(self, code: object, key: object) -> int:
        """Every post of the class removed (their likes with them): how many."""
        with self.db.write() as conn:
            code = teacher_of(conn, code, key)
            return conn.execute("DELETE FROM posts WHERE code = ?", (code,)).rowcount

    def as_csv(self, code: object, key: object) -> str:
        """The whole wall (hidden posts too, marked), oldest first, as CSV text."""
        with self.db.read() as conn:
            teacher_of(conn, code, key)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "posted_utc", "nickname", "likes", "hidden", "lyrics", "settings"])
        for p in reversed(self.posts(code, hidden=True)):
            posted = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(p["posted"]))
            writer.writerow([p["id"], posted, _csv_cell(p["nickname"]), p["likes"], int(p["hidden"]),
                             _csv_cell(p["lyrics"]), json.dumps(p["settings"], ensure_ascii=False)])
        return out.getvalue()

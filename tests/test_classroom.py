"""The class store (lyricgen/classroom.py, its parts lyricgen/class_*.py) on a real SQLite file in a temporary folder,
without the page."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time

import pytest

from lyricgen import class_roster, class_wall, classroom
from lyricgen.classroom import ClassError, ClassStore

QUESTIONS = {"words": 4, "vectors": 3}
SETTINGS = {"start": "星星", "cell": "gru", "temperature": 0.8, "top_k": 0, "top_p": 1.0, "seed": 7, "cache": False}


@pytest.fixture
def store(tmp_path) -> ClassStore:
    return ClassStore(tmp_path / "classes.sqlite", QUESTIONS)


def refused(key: str, call, *args):
    with pytest.raises(ClassError) as caught:
        call(*args)
    assert caught.value.key == key, caught.value.key
    return caught.value


def test_a_class_code_is_short_and_has_no_look_alikes(store):
    codes = {store.open()[0] for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 6 and set(code) <= set(classroom.CODE_ALPHABET)
    assert not set("0O1IL") & set(classroom.CODE_ALPHABET)
    assert classroom.normal_code(f"  {next(iter(codes)).lower()} ") in codes  # typed on a phone


def test_the_file_is_in_wal_mode_and_the_key_is_kept_only_hashed(store):
    code, key = store.open()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (stored,) = conn.execute("SELECT key_hash FROM classes WHERE code = ?", (code,)).fetchone()
    assert key not in stored and key not in store.path.read_bytes().decode("latin-1")


def test_answers_are_counted_and_a_second_answer_replaces_the_first(store):
    code, key = store.open()
    store.answer(code, "s1", "Ann", "words", "A")
    store.answer(code, "s2", "", "words", "b")
    store.answer(code, "s1", "Ann", "words", "C")  # changed her mind
    store.answer(code, "s3", "", "vectors", "A")
    assert store.results(code, key) == {"words": {"A": 0, "B": 1, "C": 1, "D": 0}, "vectors": {"A": 1, "B": 0, "C": 0}}
    assert store.answers_of(code, "s1") == {"words": "C"}
    assert store.students(code, key) == 3


def test_bad_answers_are_refused(store):
    code, _ = store.open()
    refused("class.error.choice", store.answer, code, "s1", "", "vectors", "D")  # a poll of three
    refused("class.error.choice", store.answer, code, "s1", "", "words", 1)
    refused("class.error.question", store.answer, code, "s1", "", "nope", "A")
    refused("class.error.unknown", store.answer, "ZZZZZZ", "s1", "", "words", "A")
    refused("class.error.unknown", store.answer, "<b>", "s1", "", "words", "A")
    refused("error.empty", store.answer, code, "  ", "", "words", "A")
    refused("error.too_long", store.answer, code, "s1", "n" * 21, "words", "A")


def test_reveal_and_every_teacher_action_need_the_key(store):
    code, key = store.open()
    other_code, other_key = store.open()
    post = store.post(code, "s1", "", "明月", SETTINGS)
    for wrong in ("", "x" * 1000, other_key, None, 5):
        refused("class.error.wrong_key", store.results, code, wrong)
        refused("class.error.wrong_key", store.reveal, code, wrong, "words")
        refused("class.error.wrong_key", store.hide, code, wrong, post)
        refused("class.error.wrong_key", store.clear, code, wrong)
        refused("class.error.wrong_key", store.close, code, wrong)
        refused("class.error.wrong_key", store.wall_csv, code, wrong)
    assert store.revealed(code) == [] and [p["id"] for p in store.wall(code)] == [post]  # nothing changed
    store.reveal(code, key, "vectors")
    assert store.revealed(code) == ["vectors"] and store.revealed(other_code) == []


def test_the_wall_newest_first_with_likes_hide_and_clear(store):
    code, key = store.open()
    first = store.post(code, "s1", "Ann", "明月光", SETTINGS)
    second = store.post(code, "s2", "<b>Bo</b>", "<script>alert(1)</script>", {"start": "", "seed": None})
    assert store.like(code, "s1", second) == 1 and store.like(code, "s1", second) == 1  # once per student
    assert store.like(code, "s3", second) == 2
    wall = store.wall(code)
    assert [p["id"] for p in wall] == [second, first]
    assert wall[0]["nickname"] == "<b>Bo</b>" and wall[0]["likes"] == 2  # kept as typed: the page escapes it
    assert wall[1]["settings"] == SETTINGS
    store.hide(code, key, second)
    assert [p["id"] for p in store.wall(code)] == [first]
    assert [p["hidden"] for p in store.wall(code, hidden=True)] == [True, False]
    refused("class.error.no_post", store.like, code, "s1", second)  # a hidden post takes no likes
    assert store.clear(code, key) == 2 and store.wall(code, hidden=True) == []


def test_a_classs_posts_never_show_or_change_in_another(store):
    code, key = store.open()
    other, other_key = store.open()
    post = store.post(code, "s1", "", "明月", SETTINGS)
    store.answer(code, "s1", "", "words", "A")
    assert store.wall(other) == [] and store.results(other, other_key)["words"] == {k: 0 for k in "ABCD"}
    refused("class.error.no_post", store.hide, other, other_key, post)
    refused("class.error.no_post", store.like, other, "s1", post)
    store.clear(other, other_key)
    assert [p["id"] for p in store.wall(code)] == [post]


def test_the_csv_holds_the_whole_wall_and_defuses_formulas(store):
    code, key = store.open()
    store.post(code, "s1", "=HYPERLINK(1)", "第一行\n第二行, 还有逗号", SETTINGS)
    hidden = store.post(code, "s2", "", "藏起来", SETTINGS)
    store.hide(code, key, hidden)
    rows = list(csv.reader(io.StringIO(store.wall_csv(code, key))))
    assert rows[0] == ["id", "posted_utc", "nickname", "likes", "hidden", "lyrics", "settings"]
    assert [r[4] for r in rows[1:]] == ["0", "1"] and rows[1][2] == "'=HYPERLINK(1)"
    assert rows[1][5] == "第一行\n第二行, 还有逗号" and '"seed": 7' in rows[1][6]


def test_limits_per_student_and_per_class(store, monkeypatch):
    code, _ = store.open()
    for _ in range(classroom.MAX_POSTS_PER_STUDENT):
        store.post(code, "s1", "", "词", {})
    refused("class.error.your_posts", store.post, code, "s1", "", "词", {})
    refused("error.too_long", store.post, code, "s2", "", "词" * (classroom.MAX_TEXT_CHARS + 1), {})
    refused("error.empty", store.post, code, "s2", "", "  ", {})
    refused("class.error.settings", store.post, code, "s2", "", "词", {"evil": 1})
    refused("class.error.settings", store.post, code, "s2", "", "词", {"seed": [1]})
    refused("class.error.settings", store.post, code, "s2", "", "词", {"temperature": float("nan")})
    refused("class.error.settings", store.post, code, "s2", "", "词", "{}")
    monkeypatch.setattr(class_wall, "MAX_POSTS", classroom.MAX_POSTS_PER_STUDENT + 1)
    store.post(code, "s2", "", "词", {})
    refused("class.error.wall_full", store.post, code, "s3", "", "词", {})
    monkeypatch.setattr(class_roster, "MAX_STUDENTS", 2)  # s1 and s2: s3's refused post took his joining back with it
    refused("class.error.full", store.join, code, "s4", "")
    assert store.join(code, "s1", " 新名字 ") == (code, "新名字")  # a known student renames, however full


def test_a_closed_class_takes_nothing_more_but_stays_readable(store):
    code, key = store.open()
    post = store.post(code, "s1", "", "明月", SETTINGS)
    store.close(code, key)
    refused("class.error.closed", store.join, code, "s2", "")
    refused("class.error.closed", store.answer, code, "s1", "", "words", "A")
    refused("class.error.closed", store.post, code, "s1", "", "明月", SETTINGS)
    refused("class.error.closed", store.close, code, key)
    assert [p["id"] for p in store.wall(code)] == [post] and store.results(code, key)["words"]["A"] == 0
    assert not store.is_open(code)


def test_a_restart_keeps_everything_and_removes_classes_older_than_a_week(tmp_path):
    path = tmp_path / "classes.sqlite"
    first = ClassStore(path, QUESTIONS)
    now = time.time()
    old_code, old_key = first.open(now=now - classroom.MAX_AGE_S - 60)
    first.post(old_code, "s1", "", "旧", SETTINGS)
    code, key = first.open(now=now)
    post = first.post(code, "s1", "Ann", "明月", SETTINGS)
    first.answer(code, "s1", "Ann", "words", "B")
    first.reveal(code, key, "words")
    again = ClassStore(path, QUESTIONS)  # the server restarted on the same file
    again.start()
    assert [p["id"] for p in again.wall(code)] == [post] and again.results(code, key)["words"]["B"] == 1
    assert again.revealed(code) == ["words"]
    refused("class.error.unknown", again.wall, old_code)
    with sqlite3.connect(path) as conn:  # its posts went with it
        assert conn.execute("SELECT COUNT(*) FROM posts WHERE code = ?", (old_code,)).fetchone()[0] == 0


def test_the_file_can_change_only_before_the_store_starts(tmp_path):
    store = ClassStore(tmp_path / "a.sqlite", QUESTIONS)
    store.use(tmp_path / "sub" / "b.sqlite")
    assert not (tmp_path / "a.sqlite").exists() and not store.path.exists()  # nothing made before the first use
    store.open()
    assert store.path.exists()
    with pytest.raises(RuntimeError):
        store.use(tmp_path / "c.sqlite")


def test_a_hundred_students_posting_and_answering_at_once_lose_nothing(store):
    code, key = store.open()
    store.start()
    n = 100
    barrier = threading.Barrier(n)
    errors = []

    def student(i: int) -> None:
        try:
            barrier.wait()  # all at once
            store.post(code, f"s{i}", f"n{i}", f"歌词 {i}", SETTINGS)
            store.answer(code, f"s{i}", f"n{i}", "words", "ABCD"[i % 4])
        except Exception as error:  # noqa: BLE001 - any failure is the test's answer
            errors.append(error)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    wall = store.wall(code)
    assert len(wall) == n and {p["lyrics"] for p in wall} == {f"歌词 {i}" for i in range(n)}
    assert store.results(code, key)["words"] == {"A": 25, "B": 25, "C": 25, "D": 25}
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_view_mark_moves_with_every_change_a_student_would_see_and_only_then(store):
    code, key = store.open()
    other, _ = store.open()

    def mark() -> tuple:
        revealed, wall = store.view_mark(code)
        return tuple(revealed), wall

    marks = [mark()]

    def moved() -> bool:
        marks.append(mark())
        return marks[-1] != marks[-2]

    store.answer(code, "s1", "a", "words", "A")  # an answer shows on the teacher's chart, not on the wall
    assert not moved()
    first = store.post(code, "s1", "a", "一", SETTINGS)
    assert moved()
    store.post(other, "s2", "b", "二", SETTINGS)  # another class's post
    second = store.post(other, "s2", "b", "三", SETTINGS)
    store.like(other, "s1", second)
    assert not moved()
    store.like(code, "s2", first)
    assert moved()
    store.like(code, "s2", first)  # a like again changes nothing
    assert not moved()
    store.hide(code, key, first)
    assert moved()
    store.reveal(code, key, "words")
    assert moved()
    store.clear(code, key)
    assert moved()
    store.post(code, "s1", "a", "一", SETTINGS)  # the same post again: a new id
    assert moved() and len(set(marks)) == len(marks) - 3  # only the three that changed nothing repeat


def test_a_threads_kept_connection_reads_what_other_threads_wrote_since(store):
    """Each thread keeps its connection: a read on it still sees every commit made on another thread after it."""
    code, _ = store.open()
    store.post(code, "s0", "a", "一", SETTINGS)
    seen, go, done = [], threading.Event(), threading.Event()

    def reader() -> None:
        seen.append(len(store.wall(code)))  # opens this thread's connection
        go.set()
        done.wait()
        seen.append(len(store.wall(code)))

    thread = threading.Thread(target=reader)
    thread.start()
    go.wait()
    for i in range(3):
        store.post(code, f"s{i + 1}", "b", f"歌 {i}", SETTINGS)
    done.set()
    thread.join()
    assert seen == [1, 4]

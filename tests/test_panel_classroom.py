"""The Class tab's endpoints through gradio_client, against a real server and a real SQLite file (a temporary
one): open, answer, post, the wall, the results, hiding; a restart on the same file; refusals."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import gradio as gr
import pytest
from conftest import free_port
from gradio_client import Client

from lyricgen.classroom import ClassStore
from lyricgen.web import qr, server
from lyricgen.web.page import PageBuilder
from lyricgen.web.polls import POLLS, QUESTIONS
from lyricgen.web.tabs.class_common import regenerate_query, wall_html
from lyricgen.web.tabs.classroom import ClassTab
from lyricgen.web.tabs.lesson import STEPS

SETTINGS = {"start": "星星", "cell": "gru", "temperature": 0.8, "top_k": 0, "top_p": 1.0, "seed": 7, "cache": False}


@contextmanager
def class_page(path):
    """The Class tab on a page of its own, its store on `path`, served: a gradio_client Client (in English)."""
    page = PageBuilder()
    with gr.Blocks() as demo, page.building():
        page.header("cpu")
        with gr.Tabs():
            ClassTab(ClassStore(path, QUESTIONS), ["rnn", "lstm", "gru"]).layout(demo)
        page.finish(demo)
    server.configure_queue(demo)
    server.serve(demo, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        yield Client(demo.local_url, verbose=False, download_files=False, headers={"Accept-Language": "en"})
    finally:
        demo.close()


def test_every_lesson_step_has_a_poll():
    assert [p.step for p in POLLS] == [s.key for s in STEPS]
    for poll in POLLS:
        assert poll.choices in (3, 4) and poll.right in poll.letters


def test_the_qr_code_names_the_address_students_reach_and_decodes_to_the_link():
    zxingcpp = pytest.importorskip("zxingcpp")
    assert qr.class_address("https://x.gradio.live", ["http://192.168.1.5:7860/"], "http://127.0.0.1:7860/") \
        == "https://x.gradio.live/"
    assert qr.class_address(None, ["http://192.168.1.5:7860/"], "http://127.0.0.1:7860/") == "http://192.168.1.5:7860/"
    link = qr.class_link(qr.class_address(None, [], "http://127.0.0.1:7860"), "ABC234")
    assert link == "http://127.0.0.1:7860/?class=ABC234"
    assert [r.text for r in zxingcpp.read_barcodes(qr.qr_image(link))] == [link]


def test_the_wall_shows_what_students_typed_as_text():
    post = {"id": 3, "nickname": "<img src=x onerror=alert(1)>", "lyrics": "<script>alert(1)</script>\n**bold**",
            "settings": {"start": '"><b>', "seed": 7, "cache": True}, "likes": 0, "hidden": False}
    shown = wall_html([post])
    assert "<img" not in shown and "<script" not in shown and "&lt;script&gt;" in shown
    assert "&lt;img src=x" in shown and 'href="?tab=generate&amp;start=%22%3E%3Cb%3E&amp;seed=7&amp;cache=1"' in shown
    assert regenerate_query(SETTINGS) == ("?tab=generate&start=%E6%98%9F%E6%98%9F&cell=gru&temperature=0.8&top_k=0"
                                          "&top_p=1.0&seed=7&cache=0")


def test_a_class_through_the_api_and_a_restart_on_the_same_file(tmp_path):
    path = tmp_path / "classes.sqlite"
    with class_page(path) as client:
        code, key = client.predict(api_name="/class_open")
        other_code, other_key = client.predict(api_name="/class_open")
        students = [Client(client.src, verbose=False, download_files=False, headers={"Accept-Language": "en"})
                    for _ in range(5)]

        def student(i: int) -> int:  # 50 at once, over 5 sessions: each answers (again) and posts
            me = students[i % 5]
            me.predict(code, f"n{i % 5}", "words", "ABCD"[i % 5 % 4], api_name="/class_answer")
            return me.predict(code, f"n{i % 5}", f"歌词 {i}", json.dumps(SETTINGS), api_name="/class_post")

        with ThreadPoolExecutor(50) as pool:
            ids = list(pool.map(student, range(50)))
        assert len(set(ids)) == 50
        wall = json.loads(client.predict(code, api_name="/class_wall"))
        assert [p["id"] for p in wall] == sorted(ids, reverse=True)  # newest first, none lost
        assert {p["lyrics"] for p in wall} == {f"歌词 {i}" for i in range(50)}
        assert wall[0]["settings"] == SETTINGS and wall[0]["regenerate"] == regenerate_query(SETTINGS)
        results = json.loads(client.predict(code, key, api_name="/class_results"))
        assert results["words"] == {"A": 2, "B": 1, "C": 1, "D": 1}  # one answer per session: 5 students
        assert set(results) == set(QUESTIONS)
        assert client.predict(code, key, ids[0], api_name="/class_hide") == ids[0]
        assert json.loads(client.predict(other_code, api_name="/class_wall")) == []  # another class sees nothing
        assert json.loads(client.predict(other_code, other_key, api_name="/class_results"))["words"]["A"] == 0
    with class_page(path) as client:  # the server restarted on the same file
        wall = json.loads(client.predict(code, api_name="/class_wall"))
        assert len(wall) == 49 and ids[0] not in {p["id"] for p in wall}
        assert json.loads(client.predict(code, key, api_name="/class_results")) == results


@pytest.mark.parametrize("api_name, args, message", [
    ("/class_results", ("CODE", "wrong"), "Wrong teacher key: nothing was changed"),
    ("/class_hide", ("CODE", "wrong", 1), "Wrong teacher key: nothing was changed"),
    ("/class_wall", ("QQQQQQ",), "There is no class with this code"),
    ("/class_answer", ("<b>x</b>", "", "words", "A"), "There is no class with this code"),
    ("/class_answer", ("CODE", "", "words", "E"), "Choose one of A, B, C, D"),
    ("/class_answer", ("CODE", "n" * 21, "words", "A"), "The nickname is too long: 21 characters, at most 20"),
    ("/class_post", ("CODE", "", "x" * 2001, "{}"), "too long: 2001 characters, at most 2000"),
    ("/class_post", ("CODE", "", "词", "{not json"), "The settings must be a JSON object"),
    ("/class_post", ("CODE", "", "词", '{"evil": 1}'), "The settings must be a JSON object"),
])
def test_refusals_are_one_clear_sentence_and_change_nothing(tmp_path, api_name, args, message):
    with class_page(tmp_path / "classes.sqlite") as client:
        code, key = client.predict(api_name="/class_open")
        args = tuple(code if a == "CODE" else a for a in args)
        with pytest.raises(Exception) as caught:
            client.predict(*args, api_name=api_name)
        assert message in str(caught.value)
        assert json.loads(client.predict(code, api_name="/class_wall")) == []
        assert all(v == 0 for counts in json.loads(client.predict(code, key, api_name="/class_results")).values()
                   for v in counts.values())


def test_the_teachers_chart_counts_and_the_reveal_reaches_a_student(tmp_path):
    """The tab's own handlers, as the page calls them: join, answer, the teacher's chart, reveal, the wall."""
    from lyricgen.web.validate import InputError

    tab = ClassTab(ClassStore(tmp_path / "classes.sqlite", QUESTIONS), ["gru"])
    code, key = tab.api.class_open()
    tokens = []
    for nickname, choice in (("a", "A"), ("<b>b</b>", "B"), ("", "B")):
        joined, token, status, *_ = tab.student.join(f" {code.lower()} ", nickname, None)
        assert joined == code and "<b>" not in status
        tab.student.answer("words", joined, nickname, token, choice)
        tokens.append(token)
    students, frame, choices, _ = tab.teacher.teacher_view(code, key, "words")
    assert students == "3 students joined."
    assert dict(zip(frame["choice"], frame["students"], strict=True)) == {"A": 1, "B": 2, "C": 0, "D": 0}
    assert "B. 6: rain and night stay whole" in choices
    assert tab.student.refresh(code)[0] == ""  # not revealed yet
    tab.teacher.reveal(code, key, "words")
    reveal = tab.student.refresh(code)[0]
    assert 'id="class-reveal-words"' in reveal and "✓ The answer: B." in reveal
    again = tab.student.join(code, "a", tokens[0])  # a reload: the same student, the same answer
    assert again[1] == tokens[0] and again[4] == "A"
    with pytest.raises(InputError, match="Wrong teacher key"):
        tab.teacher.reveal(code, "not the key", "vectors")
    with pytest.raises(InputError, match="Join a class first"):
        tab.student.answer("words", None, "", tokens[0], "A")
    assert tab.teacher.restore({"code": code, "key": key})[:2] == [code, key]
    assert tab.teacher.restore({"code": code, "key": "wrong"}) == [gr.skip()] * 3



def test_a_students_timer_sends_the_view_only_when_it_changed(tmp_path):
    """The student's timer (every CLASS_REFRESH_S): a tick sends the revealed answers, the wall and what they
    showed; a tick sends neither part when it is the same class, language and content, and only the part that
    changed otherwise (a post, a reveal); another language sends both again."""
    from lyricgen.web.i18n import using

    store = ClassStore(tmp_path / "classes.sqlite", QUESTIONS)
    tab = ClassTab(store, ["gru"])
    code, key = tab.api.class_open()
    skip = gr.skip()
    with using("en"):
        first = tab.student.tick(code, None)
        assert first[0] == "" and "class-post" not in first[1]
        assert tab.student.tick(code, first[-1]) == [skip] * 3
        store.post(code, "s1", "<b>a</b>", "星星在天上", SETTINGS)
        posted = tab.student.tick(code, first[-1])
        assert posted[0] == skip and "星星在天上" in posted[1] and "&lt;b&gt;a&lt;/b&gt;" in posted[1]
        assert tab.student.tick(code, posted[-1]) == [skip] * 3
        tab.teacher.reveal(code, key, POLLS[0].step)
        revealed = tab.student.tick(code, posted[-1])
        assert f'id="class-reveal-{POLLS[0].step}"' in revealed[0] and "✓ The answer:" in revealed[0]
        assert revealed[1] == skip
    with using("zh"):
        chinese = tab.student.tick(code, revealed[-1])
        assert "✓ 答案：" in chinese[0] and "星星在天上" in chinese[1] and chinese[-1] != revealed[-1]
    assert tab.student.tick(None, None) == [skip] * 3  # not joined: nothing to show


def test_a_classs_pages_share_one_drawing_of_the_wall_and_few_are_kept(tmp_path, monkeypatch):
    """Every page of a class at the same content gets the same drawing, made once; a like draws it again; at
    most CLASS_WALLS_KEPT drawings are kept, the oldest dropped first."""
    from lyricgen.web import limits
    from lyricgen.web.i18n import using

    monkeypatch.setattr(limits, "CLASS_WALLS_KEPT", 3)
    store = ClassStore(tmp_path / "classes.sqlite", QUESTIONS)
    tab = ClassTab(store, ["gru"])
    code, _ = tab.api.class_open()
    post = store.post(code, "s1", "a", "星星在天上", SETTINGS)
    drawn = []
    monkeypatch.setattr("lyricgen.web.tabs.class_join.wall_html",
                        lambda posts, act: drawn.append(len(posts)) or wall_html(posts, act))
    with using("en"):
        pages = [tab.student.tick(code, None) for _ in range(5)]
        assert drawn == [1] and all(page[1] == pages[0][1] for page in pages)
        store.like(code, "s2", post)
        liked = tab.student.tick(code, pages[0][-1])
        assert drawn == [1, 1] and "♥ 0" in pages[0][1] and "♥ 1" in liked[1]
        for i in range(4):
            store.post(code, f"s{i + 3}", "b", f"歌 {i}", SETTINGS)
            tab.student.tick(code, None)
        assert len(tab.student._walls) == 3



def test_generate_posts_its_lyrics_and_settings_and_the_wall_writes_them_again(tiny, engines, tmp_path):
    """Generate's "post to the class": the last lyrics with every setting that wrote them; the post's regenerate
    link sets Generate up again, and the same settings write the same lyrics."""
    from conftest import answers

    from lyricgen.web import links
    from lyricgen.web.tabs.generate import GenerateTab

    store = ClassStore(tmp_path / "classes.sqlite", QUESTIONS)
    tab = ClassTab(store, tiny)
    writer = GenerateTab(tiny, engines, 0)
    code, _ = tab.api.class_open()
    with pytest.raises(gr.Error, match="Generate lyrics first"):
        tab.student.post_generated(code, "Mei", "student-1", "")
    lyrics, _, saved = answers(writer.generate("明月", 12, 0.9, "gru", 5, "", 0.95, False))[-1]
    status = tab.student.post_generated(code, "Mei", "student-1", saved)
    (post,) = store.wall(code)
    assert "#" in status and post["lyrics"] == lyrics.strip() and post["nickname"] == "Mei"
    settings = post["settings"]
    assert {k: settings[k] for k in ("start", "length", "cell", "temperature", "top_k", "top_p", "cache")} == {
        "start": "明月", "length": 12, "cell": "gru", "temperature": 0.9, "top_k": 5, "top_p": 0.95, "cache": False}
    page = PageBuilder()
    with gr.Blocks(), page.building(), gr.Tabs():
        GenerateTab(tiny, engines).layout()
    query = dict(pair.split("=", 1) for pair in regenerate_query(settings).lstrip("?").split("&"))
    from urllib.parse import unquote
    filled = links.read_query(page.setups, {k: unquote(v) for k, v in query.items()})
    assert filled.notices == [] and filled.values["seed"] == str(settings["seed"])  # the seed used, not a blank
    again, _, _ = answers(writer.generate(filled.values["start"], filled.values["length"],
                                          filled.values["temperature"], filled.values["cell"], filled.values["top_k"],
                                          filled.values["seed"], filled.values["top_p"], filled.values["cache"]))[-1]
    assert again == lyrics


def test_the_lessons_polls_answer_to_the_class_the_page_joined(tiny, engines, tmp_path):
    """Each Lesson step's poll (hidden until the page joins a class) is wired to the class: its answer counts."""
    import app

    store = ClassStore(tmp_path / "classes.sqlite", QUESTIONS)
    demo = app.build_demo(tiny, engines, class_store=store)
    radios = {block.elem_id: block for block in demo.blocks.values() if str(block.elem_id).startswith("lesson-poll-")}
    assert sorted(radios) == sorted(f"lesson-poll-{poll.step}" for poll in POLLS)
    assert not any(radio.visible for radio in radios.values())  # a page in no class asks nothing
    code, key = store.open()
    for poll in POLLS[:2]:
        radio = radios[f"lesson-poll-{poll.step}"]
        (event,) = [fn for fn in demo.fns.values() if any(target[0] == radio._id and target[1] == "input"
                                                            for target in fn.targets)]
        event.fn(code, "Mei", "student-7", poll.right)
    results = store.results(code, key)
    assert [results[poll.step][poll.right] for poll in POLLS[:2]] == [1, 1]

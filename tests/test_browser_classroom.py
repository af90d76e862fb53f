"""The class in Chromium: a teacher opens a class, three students join by its link and answer a poll, the
teacher's view counts them, the reveal reaches the students; what students type shows as text; the QR
code on the page decodes to the class link."""

from __future__ import annotations

import io

import pytest
from conftest import click_tab, wait_until
from PIL import Image

import app

HOSTILE_NICKNAME = "<b>bold</b>"
HOSTILE_LYRICS = "<img src=x onerror=\"document.title='pwned'\">\n**not bold**"


def box(page, elem_id: str):
    """A text box's field: a textarea, or an input (a password box)."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def test_a_class_polls_reveals_and_shows_the_wall_as_text(pages):
    from playwright.sync_api import expect

    teacher = pages()
    click_tab(teacher, "课堂")
    click_tab(teacher, "老师")
    teacher.locator("#class-open").click()
    link_box = box(teacher, "class-link")
    teacher.wait_for_function("() => (document.querySelector('#class-link textarea, #class-link input')"
                              "?.value || '').includes('?class=')")
    link = link_box.input_value()
    code = link.split("?class=")[1]
    key = box(teacher, "class-teacher-key").input_value()
    assert box(teacher, "class-teacher-code").input_value() == code and key

    zxingcpp = pytest.importorskip("zxingcpp")  # the QR code as the page shows it, decoded
    teacher.locator("#class-qr img").wait_for()
    shot = Image.open(io.BytesIO(teacher.locator("#class-qr img").screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [link]

    students = []
    for nickname, choice in ((HOSTILE_NICKNAME, "8 个"), ("小明", "6 个"), ("", "6 个")):
        student = pages(query=f"?class={code}")  # the link opens the Class tab with the code filled in
        expect(box(student, "class-code")).to_have_value(code)
        if nickname:
            box(student, "class-nickname").fill(nickname)
        student.locator("#class-enter").click()
        expect(student.locator("#class-status")).to_contain_text(code)
        student.locator("#class-poll-words label", has_text=choice).click()
        students.append(student)
    status = students[0].locator("#class-status")
    expect(status).to_contain_text(HOSTILE_NICKNAME)  # as typed, as text
    assert status.locator("b").count() == 0

    def counted() -> bool:
        return app.CLASS_STORE.results(code, key)["words"] == {"A": 1, "B": 2, "C": 0, "D": 0}
    wait_until(counted)  # each answer is its page's own event: the store has all three once they have run
    teacher.locator("#class-teacher-refresh").click()
    expect(teacher.locator("#class-students")).to_contain_text("已有 3 位同学加入")

    teacher.locator("#class-reveal").click()
    for student in students:  # their timers bring the answer
        expect(student.locator("#class-reveal-words")).to_contain_text("答案：B.")

    box(students[0], "class-lyrics").fill(HOSTILE_LYRICS)
    students[0].locator("#class-post-button").click()
    wall = students[1].locator("#class-wall")
    expect(wall).to_contain_text("**not bold**")  # the next refresh shows it to everyone, as text
    assert wall.locator("img").count() == 0 and "<img src=x" in wall.inner_text()
    assert students[1].title() != "pwned"

    # Each post has its own buttons: a student likes one on the wall, the teacher hides it on theirs.
    post = wall.locator(".class-post").first
    post.get_by_role("button", name="♥ 点赞").click()
    expect(post).to_contain_text("♥ 1")
    teacher_wall = teacher.locator("#class-teacher-wall")
    teacher.locator("#class-teacher-refresh").click()
    mine = teacher_wall.locator(".class-post").first
    expect(mine).to_contain_text("♥ 1")
    mine.get_by_role("button", name="隐藏这个帖子").click()
    expect(teacher_wall.locator(".class-post").first).to_contain_text("已隐藏")
    assert teacher_wall.locator(".class-post").first.get_by_role("button").count() == 0
    expect(wall.locator(".class-post")).to_have_count(0)  # gone from the students' wall at their next refresh

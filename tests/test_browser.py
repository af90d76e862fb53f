"""The app in a real browser: headless Chromium (the system's, never a downloaded one) via Playwright.

Opens the page, generates lyrics, switches tabs, reads the token table, and saves a screenshot of
each tab to docs/screenshots/ (used by the README). Skipped when Chromium or Playwright is missing,
except on CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from lyricgen import service

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("LYRICGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def page() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM}")
    demo = app.build_demo(app.CHECKPOINTS)  # the shipped weights: the screenshots show the real thing
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(demo.local_url)
            yield page
            browser.close()
    finally:
        demo.close()


def screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_generate_tokenize_and_model_tabs(page):
    from playwright.sync_api import expect

    # Generate: a start text and a fixed seed, then wait for the streamed lyrics to finish.
    page.get_by_label("开头文字 Start text").fill("星星")
    page.get_by_label("种子 Seed（留空 = 随机 · blank = random）").fill("42")
    page.get_by_role("button", name="生成 Generate").click()
    info = page.locator("#generate-info")
    info.get_by_text("42").first.wait_for()
    lyrics = page.locator("#lyrics textarea")
    page.wait_for_function("el => el.value.length > 10", arg=lyrics.element_handle())
    page.wait_for_timeout(1000)  # let the last streamed words land before the picture
    assert lyrics.input_value().startswith("星星")
    screenshot(page, "generate")

    # Tokenize & embed: the default sentence, its tokens in the table, the shapes beside it.
    page.get_by_role("tab", name="分词与词嵌入 Tokenize & embed").click()
    page.get_by_role("button", name="分词 Tokenize").click()
    table = page.locator("#token-table")
    expect(table).to_contain_text("窗外")
    # Each row's text is its cells, one a line; row 0 is the header.
    rows = [[c.strip() for c in r.splitlines() if c.strip()] for r in table.get_by_role("row").all_inner_texts()]
    expected = service.tokenize(app.CHECKPOINTS["lstm"], app.TOKENIZE_EXAMPLE).table
    assert [row[1] for row in rows[1:]] == list(expected["词 word"])
    assert [int(row[2]) for row in rows[1:]] == list(expected["id"])
    assert "seq_len, batch, input_size" in page.locator("#tokenize-shapes").inner_text()
    page.locator("#heatmap img").wait_for()
    screenshot(page, "tokenize")

    # Model: the summary table with all three cells.
    page.get_by_role("tab", name="模型 Model").click()
    page.get_by_text("总览 Summary").first.wait_for()
    for name in ("RNN", "LSTM", "GRU"):
        page.get_by_role("heading", name=name).first.wait_for()
    page.wait_for_timeout(1500)  # the line plots draw after the tab shows
    screenshot(page, "model")

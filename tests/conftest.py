"""Shared fixtures: a tiny corpus the tests write themselves (classical Tang poems, one line per
line) and tiny checkpoints trained from it, so the suite needs neither ../shared nor network."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the hub
# The app's class store (app.CLASS_STORE) in a folder of this run's own, never in the repository: the tests
# that open classes (the fuzzing too) write there. Tests of the store itself make their own files.
os.environ.setdefault("LYRICGEN_CLASS_DB", str(Path(tempfile.mkdtemp(prefix="lyricgen-class-")) / "classes.sqlite"))

POEMS = """床前明月光
疑是地上霜
举头望明月
低头思故乡
春眠不觉晓
处处闻啼鸟
夜来风雨声
花落知多少
白日依山尽
黄河入海流
欲穷千里目
更上一层楼
红豆生南国
春来发几枝
愿君多采撷
此物最相思
千山鸟飞绝
万径人踪灭
孤舟蓑笠翁
独钓寒江雪
锄禾日当午
汗滴禾下土
谁知盘中餐
粒粒皆辛苦
空山不见人
但闻人语响
返景入深林
复照青苔上
春风又绿江南岸
明月何时照我还
月落乌啼霜满天
江枫渔火对愁眠
姑苏城外寒山寺
夜半钟声到客船
明月几时有
把酒问青天
不知天上宫阙
今夕是何年
我欲乘风归去
又恐琼楼玉宇
高处不胜寒
起舞弄清影
何似在人间
""".split()

TINY = {"embed_dim": 16, "hidden_dim": 16, "batch_size": 4, "bptt": 8, "dropout": 0.0, "samples": 2}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pytest_collection_modifyitems(items):
    """The browser tests last, in their files' order: from the first of them to the session's end, Playwright's
    sync API keeps an event loop running in this thread, and tests that call asyncio.run themselves need none."""
    items.sort(key=lambda item: "browser_app" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    return write_lines(tmp_path_factory.mktemp("corpus") / "poems.txt", POEMS * 3)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory, tiny_corpus) -> dict[str, Path]:
    """One small trained folder per cell, {cell: path}."""
    from lyricgen.train import TrainConfig, train

    root = tmp_path_factory.mktemp("weights")
    out = {}
    for cell in ("rnn", "lstm", "gru"):
        out[cell] = root / cell
        cfg = TrainConfig(cell=cell, epochs=2, val_fraction=0.2, **TINY)
        train(cfg, str(tiny_corpus), str(out[cell]), device="cpu")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny(tiny_weights) -> dict:
    """The tiny checkpoints loaded as the app loads its weights, {cell: Checkpoint}."""
    from lyricgen.checkpoint import load_cells

    return load_cells(tiny_weights["lstm"].parent, "cpu")


@pytest.fixture(scope="module")
def ckpts(tiny_weights) -> dict:
    """The tiny checkpoints loaded one by one, {cell: Checkpoint}; each module loads its own."""
    from lyricgen.checkpoint import load_checkpoint

    return {cell: load_checkpoint(tiny_weights[cell], "cpu") for cell in ("rnn", "lstm", "gru")}


WAIT_S = 60.0  # the longest a test waits for an event: a hang fails, and no speed of machine comes near it


def wait_until(condition, timeout: float = WAIT_S) -> None:
    """Wait for an event (condition() true), polling; fails only when it never comes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for an event"
        time.sleep(0.002)


def run_async(coroutine):
    """asyncio.run, also where an event loop already runs in this thread (Playwright's sync API has one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # in this thread's context: its language, say
        return pool.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


def answers(result) -> list:
    """Everything a handler answers, as Gradio would collect it: a streaming handler (a generator, sync or
    async) run to its end, its updates in a list; a plain handler's answer as a list of one."""
    if inspect.isasyncgen(result):
        async def collect() -> list:
            return [update async for update in result]

        return run_async(collect())
    if inspect.iscoroutine(result):
        return [run_async(result)]
    if inspect.isgenerator(result):
        return list(result)
    return [result]


@pytest.fixture(scope="session")
def engines(tiny) -> Iterator[dict]:
    """One running decoding engine per tiny checkpoint, as the app starts them: {cell: DecodingEngine}."""
    from lyricgen.engine import stop_engines
    from lyricgen.web.server import engines_for

    running = engines_for(tiny)
    yield running
    stop_engines(running)


@pytest.fixture(scope="session")
def built(tiny, engines):
    """The page built around the tiny checkpoints, not launched: its PageBuilder (strings, link setups)."""
    import app

    return app.build_demo(tiny, engines).lyricgen_page


@pytest.fixture(scope="session")
def served(tiny, engines) -> Iterator[tuple]:
    """The app around the tiny checkpoints and their engines, launched in-process: (gradio_client.Client, url)."""
    from gradio_client import Client

    import app
    from lyricgen.web.server import serve

    demo = app.build_demo(tiny, engines)
    serve(demo, "127.0.0.1", free_port(), block=False, quiet=True)
    try:  # the client's requests ask for English, as the tests' own calls speak it (see `english`)
        yield (Client(demo.local_url, verbose=False, download_files=False, headers={"Accept-Language": "en"}),
               demo.local_url)
    finally:
        demo.close()


@contextmanager
def served_alone(*tabs) -> Iterator[str]:
    """A few tabs on a page of their own (with the page's header, strings and links), served: its URL."""
    import gradio as gr

    from lyricgen.web import server
    from lyricgen.web.page import PageBuilder

    page = PageBuilder()
    with gr.Blocks() as demo, page.building():
        page.header("cpu")
        with gr.Tabs():
            for tab in tabs:
                tab.layout()
        page.finish(demo)
    server.configure_queue(demo)
    server.serve(demo, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        yield demo.local_url
    finally:
        demo.close()


# ---------------------------------------------------------------------------------------------
# The browser: headless Chromium (the system's, never a downloaded one) via Playwright, one page for all
# the browser tests, on the app as app.py serves it (the shipped weights, or $LYRICGEN_WEIGHTS). Skipped
# when Chromium or Playwright is missing, except on CI (CI=true), where a missing browser is a failure.

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
SHOTS_ENV = "LYRICGEN_SCREENSHOTS"  # set to 1 to refresh the README's screenshots
CHROMIUM = os.environ.get("LYRICGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
BROWSER_TIMEOUT_MS = 60_000  # a Lab training's first update waits for its first validation on a busy machine


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


def shooting() -> bool:
    """Whether this run refreshes the README's screenshots (a plain test run writes nothing to docs/)."""
    return os.environ.get(SHOTS_ENV) == "1"


def screenshot(page, name: str) -> None:
    """Save the page as docs/screenshots/<name>.png, only when asked to (LYRICGEN_SCREENSHOTS=1)."""
    if shooting():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def click_tab(page, name: str) -> None:
    """Click a tab by its name, in its row or, when the row is too narrow for it, in the "More tabs" menu."""
    wanted = page.get_by_role("tab", name=name, exact=True).filter(visible=True)  # Gradio keeps a hidden copy too
    if wanted.count():
        wanted.first.click()
        return
    menus = page.locator("button[aria-label='More tabs']:visible")  # one per row of tabs that overflows
    for i in range(menus.count()):
        menus.nth(i).click()
        item = page.locator(".overflow-dropdown button:visible", has_text=name)
        if item.count():
            item.first.click()
            return
        menus.nth(i).click()  # not in this menu: close it
    raise AssertionError(f"no tab named {name!r}")


def open_tab(page, tab: str, sub_tab: str, panel_id: str):
    """Open a top-level tab, then one of its sub-tabs; returns the sub-tab's panel, so lookups stay inside it.

    When the sub-tabs do not fit in one row, Gradio moves the last ones into its "More tabs" menu,
    where they are buttons, not tabs.
    """
    click_tab(page, tab)
    click_tab(page, sub_tab)
    panel = page.locator(f"#{panel_id}")
    panel.wait_for()
    return panel


@pytest.fixture
def page(browser_page):
    """The page, freshly loaded (in Chinese, 1280 px wide): every browser test starts on the first tab
    (the Lesson), whatever the last one left open."""
    browser_page.goto(browser_page.url.split("?")[0])
    wait_loaded(browser_page)
    return browser_page


def wait_loaded(page) -> None:
    """Wait until the page's load event has answered (its strings are in the page's language by then)."""
    page.wait_for_function("() => document.documentElement.dataset.lyricgenReady === '1'")  # set by page._flag's JS


# Gradio marks a panel's outputs .pending (or .generating) while their event runs or streams.
FINISHED_JS = """(panel) => {
  const box = document.querySelector('#lyrics textarea');
  return box && box.value.length > 0 && !document.querySelector(`${panel} .pending, ${panel} .generating`);
}"""


def generated_lyrics(page) -> str:
    """The Generate tab's lyrics once its stream has ended (and its download holds the file)."""
    page.wait_for_function(FINISHED_JS, arg="#tab-generate")
    return page.locator("#lyrics textarea").input_value()


@pytest.fixture(scope="session")
def browser_app() -> Iterator[tuple]:
    """Chromium and the app as app.py serves it (the shipped weights: the screenshots show the real thing):
    (browser, url)."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing("playwright is not installed")
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM}")
    import app
    from lyricgen.web.server import serve

    demo = app.build_demo(app.CHECKPOINTS, app.ENGINES)
    serve(demo, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            expect.set_options(timeout=BROWSER_TIMEOUT_MS)  # expect() has its own clock, 5 s unless told
            yield browser, demo.local_url
            browser.close()
    finally:
        demo.close()


def new_page(browser_app, locale: str = "zh-CN", width: int = 1280, height: int = 900, query: str = "",
             events: list | None = None, requested: list | None = None):
    """A page of its own (its own browser context: locale, size, clipboard), loaded and answered. events: a
    list that gets the fn_index of every event the page asks the server to run, from before it loads;
    requested: a list that gets the URL of every request the page makes."""
    browser, url = browser_app
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    if events is not None:
        page.on("request", lambda r: events.append(json.loads(r.post_data)["fn_index"])
                if "/queue/join" in r.url else None)
    if requested is not None:
        page.on("request", lambda r: requested.append(r.url))
    page.goto(url + query)
    wait_loaded(page)
    return page


@pytest.fixture
def pages(browser_app):
    """pages(locale=…, width=…, query=…): pages of their own, each loaded and answered; closed after the test."""
    opened = []

    def make(**kwargs):
        page = new_page(browser_app, **kwargs)
        opened.append(page)
        return page

    yield make
    for page in opened:
        page.context.close()


@pytest.fixture(scope="session")
def browser_page(browser_app) -> Iterator:
    """One Chinese page for the many tests that only click around (a new page per test costs seconds)."""
    page = new_page(browser_app)
    yield page
    page.context.close()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Handlers called from tests speak English, so that a test reads as the messages it checks; tests of
    the Chinese page say i18n.using("zh") (or open a zh-CN browser)."""
    from lyricgen.web import i18n

    with i18n.using("en"):
        yield

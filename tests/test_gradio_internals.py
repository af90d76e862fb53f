"""The few Gradio internals the app still relies on, each pinned by name: a Gradio upgrade that removes or
changes one fails here, with a message saying which and where the app uses it, before a page breaks.

Everything else goes through Gradio's public API: a handler that needs its request takes
`request: gr.Request`, updates are gr.update(...), and the page's JS functions are fixed, taking their
values as arguments (the hidden #page-settings) rather than having them written into their text.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
from contextvars import ContextVar

import gradio as gr
import gradio.context
import gradio.queueing
import gradio.routes
import gradio.state_holder
import pytest
from conftest import free_port

from lyricgen.web import i18n, links, page, page_js

LYRICGEN = ("lyricgen/web/i18n.py", "lyricgen/web/links.py", "lyricgen/web/page.py", "lyricgen/web/page_js.py",
            "app.py")


def _uses(path: str) -> str:
    from conftest import ROOT

    return (ROOT / path).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# gradio.context.LocalContext.request: i18n.request_now(), under every t() in a handler.


def test_local_context_request_is_a_context_variable():
    assert hasattr(gradio.context, "LocalContext"), (
        "gradio.context.LocalContext is gone: i18n.request_now() reads the request being handled from it")
    assert isinstance(getattr(gradio.context.LocalContext, "request", None), ContextVar), (
        "gradio.context.LocalContext.request is no longer a ContextVar: i18n.request_now() reads it")
    assert gradio.context.LocalContext.request.get(None) is None  # outside an event: nothing


def test_local_context_gives_the_request_inside_a_handler():
    """Served for real: inside a handler, i18n.request_now() is that event's request (the one gr.Request
    injection gives, the `request: gr.Request | None = None` form the app's handlers use), and t() speaks
    its language; after the event, nothing is left behind."""
    from gradio_client import Client

    seen = {}

    def handler(text: str, request: gr.Request | None = None) -> str:
        now = i18n.request_now()
        seen.update(injected=request is not None, same=now is not None and now.session_hash == request.session_hash)
        return f"{i18n.current()}|{text}"

    with gr.Blocks() as demo:
        box, out = gr.Textbox(), gr.Textbox()
        box.submit(handler, box, out, api_name="handler")
    demo.queue().launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False, download_files=False, headers={"Accept-Language": "en"})
        answer = client.predict("hi", api_name="/handler")
    finally:
        demo.close()
    assert seen.get("injected"), "Gradio no longer passes gr.Request to `request: gr.Request | None = None`"
    assert seen.get("same"), ("gradio.context.LocalContext.request no longer holds the event's request inside a "
                              "handler: i18n.request_now() (so every t() in a handler) depends on it")
    assert answer == "en|hi", f"t() inside a handler did not follow the request's language: {answer!r}"
    assert i18n.request_now() is None


def test_local_context_is_read_in_one_place_only():
    """i18n.request_now() is the one reader of LocalContext; the page's own handlers take gr.Request."""
    for path in LYRICGEN:
        source = _uses(path)
        count = source.count("LocalContext")
        assert count == (1 if path.endswith("i18n.py") else 0), f"{path} names LocalContext {count} times"
        assert "from gradio.context" not in source and "Context.block" not in source, path
        assert '"__type__"' not in source, f"{path} builds an update dict by hand: gr.update(...)"
    for handler in (page.PageBuilder.on_load, page.PageBuilder.switch):
        assert "request" in inspect.signature(handler).parameters, handler.__name__


# ---------------------------------------------------------------------------------------------
# Block.parent: links.offer() finds the panel's tabs from its copy button.


def test_a_block_knows_the_layout_it_was_made_in():
    with gr.Blocks() as demo, gr.Tabs() as outer, gr.Tab("a", id="a"), gr.Tabs() as inner:
        with gr.Tab("b", id="b") as tab, gr.Row(), gr.Column():
            button = gr.Button()
    assert getattr(button, "parent", None) is not None, (
        "a Gradio block no longer has .parent, the layout it was made in: links._enclosing_tabs() walks it")
    assert links._enclosing_tabs(button) == [(outer, "a"), (inner, "b")]
    assert tab.id == "b"
    # Blocks.blocks, {id: block} of the whole page: PageBuilder.finish() and Page.collect() read it.
    assert isinstance(getattr(demo, "blocks", None), dict) and button in demo.blocks.values(), (
        "gr.Blocks.blocks is no longer the page's {id: block}: PageBuilder.finish() collects the page's strings "
        "from it")


def test_offer_finds_its_panel_and_refuses_outside_one():
    setups: dict = {}
    with gr.Blocks(), links.collecting(setups):
        with gr.Tabs() as tabs, gr.Tab("p", id="panel"):
            box = gr.Textbox()
            setup = links.offer({"text": links.Param(box, str)})
        with pytest.raises(RuntimeError, match="inside the panel's gr.Tab"):
            links.offer({})
    assert setup.tab == "panel" and setup.path == [(tabs, "panel")] and setup.copy.parent is not None


# ---------------------------------------------------------------------------------------------
# The page's JS: fixed functions, their values as arguments.


def test_page_js_is_fixed_and_takes_its_values_as_arguments(built):
    settings = json.loads(page_js.page_settings())
    assert settings["default"] == i18n.DEFAULT
    assert set(settings["words"]) == set(i18n.LANGUAGES) and ["en", "en"] in settings["names"]
    hidden = [b for b in built.blocks if getattr(b, "elem_id", None) == "page-settings"]
    assert len(hidden) == 1 and json.loads(hidden[0].value) == settings
    for name in ("START_JS", "STARTED_JS", "OPENED_JS", "TRANSLATED_JS"):
        js = getattr(page_js, name)
        for placeholder in ("DEFAULT", "LANGUAGE_DONE", "LINK_DONE", "NAMES", "TRY_IT\n", "WORDS;"):
            assert placeholder not in js, f"{name} still holds a placeholder {placeholder!r}"
        assert f'"{i18n.DEFAULT}"' not in js, f"{name} has the default language written in"


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to parse the page's JS")
def test_page_js_parses(built):
    functions = [page_js.START_JS, page_js.STARTED_JS, page_js.TRANSLATED_JS, page_js.REMEMBER_LANGUAGE_JS,
                 page_js.COPY_JS, page_js.ADDRESS_JS, *(page_js.opened_js(setup) for setup in built.setups.values())]
    script = "for (const f of JSON.parse(process.argv[1])) new Function('return (' + f + ');');"
    done = subprocess.run(["node", "-e", script, json.dumps(functions)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------------
# What only the server can do: sessions.py's lean sessions, assets.py's kept pages.


def test_session_state_internals_sessions_py_builds_on():
    state, holder = gradio.state_holder.SessionState, gradio.state_holder.StateHolder
    for name in ("_update_config", "_update_value_in_config", "components", "__setitem__", "__getitem__"):
        assert hasattr(state, name), f"gradio.state_holder.SessionState.{name} is gone: sessions.LeanSession uses it"
    for name in ("set_blocks", "update", "__getitem__"):
        assert hasattr(holder, name), f"gradio.state_holder.StateHolder.{name} is gone: sessions.SessionStore uses it"
    holder_made = holder()
    for name in ("session_data", "lock", "time_last_used", "capacity"):
        assert hasattr(holder_made, name), f"StateHolder().{name} is gone: sessions.SessionStore uses it"
    with gr.Blocks() as demo:
        gr.Textbox()
    holder_made.set_blocks(demo)
    session = holder_made["probe"]
    for name in ("blocks_config", "state_data", "_state_ttl", "is_closed", "STATE_TTL_WHEN_CLOSED"):
        assert hasattr(session, name), f"SessionState().{name} is gone: sessions.LeanSession sets it"
    config = getattr(demo, "default_config", None)
    assert config is not None and hasattr(config, "renderables") and hasattr(config, "config_for_block"), (
        "gr.Blocks.default_config (its .blocks, .renderables, .config_for_block) changed: sessions.py shares it")
    assert isinstance(config.blocks, dict)


def test_app_internals_the_server_reads():
    assert hasattr(gradio.routes.App, "get_blocks"), (
        "gradio.routes.App.get_blocks is gone: assets.current_config() keys kept pages by the Blocks' config")
    with gr.Blocks() as demo:
        gr.Textbox()
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        app = demo.server_app
        assert app is not None and hasattr(app, "state_holder"), (
            "Blocks.server_app.state_holder is gone: sessions.install() replaces it")
        assert app.get_blocks() is demo and isinstance(demo.config, dict), "assets.current_config() reads this"
    finally:
        demo.close()



# ---------------------------------------------------------------------------------------------
# gradio.queueing.Queue.ANALYTICS_MAX_EVENTS, .ANAYLTICS_CACHE_FREQUENCY: server.configure_queue() sets them.


def _events_summarized(configure, monkeypatch) -> int:
    """How many times the queue builds its monitoring table while three events run."""
    from gradio_client import Client

    built = []
    real = gradio.queueing.Queue._get_df
    counted = staticmethod(lambda records: built.append(1) or real(records))
    monkeypatch.setattr(gradio.queueing.Queue, "_get_df", counted)
    with gr.Blocks() as demo:
        box = gr.Textbox()
        gr.Button().click(lambda text: text[::-1], box, box, api_name="flip")
    configure(demo)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False, download_files=False)
        assert [client.predict(word, api_name="/flip") for word in ("ab", "cd", "ef")] == ["ba", "dc", "fe"]
    finally:
        demo.close()
    return len(built)


def test_the_queue_keeps_no_monitoring_table(monkeypatch):
    from lyricgen.web import server

    queue = gradio.queueing.Queue(live_updates=False, concurrency_count=1, update_intervals=1, max_size=None,
                                  blocks=None, default_concurrency_limit=1)
    assert hasattr(queue, "ANALYTICS_MAX_EVENTS") and hasattr(queue, "ANAYLTICS_CACHE_FREQUENCY"), (
        "Gradio's queue renamed its analytics knobs: server.configure_queue() sets them")
    assert _events_summarized(lambda demo: demo.queue(api_open=False), monkeypatch) >= 3  # Gradio's default
    assert _events_summarized(server.configure_queue, monkeypatch) == 0

"""What the server keeps for a class, bounded: each session's state (lyricgen/web/sessions.py), and uploads."""

from __future__ import annotations

import http.client
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr
import httpx
import pytest
from archive_helpers import zip_folder
from conftest import free_port
from gradio.route_utils import delete_files_created_by_app

import app
from lyricgen.web import i18n, limits, server
from lyricgen.web.sessions import LeanSession, SessionStore


@pytest.fixture(scope="module")
def demo(tiny, engines) -> Iterator[gr.Blocks]:
    """The app around the tiny checkpoints, launched as app.py launches it."""
    blocks = app.build_demo(tiny, engines)
    server.serve(blocks, "127.0.0.1", free_port(), block=False, quiet=True)
    try:
        yield blocks
    finally:
        blocks.close()


def call(url: str, config: dict, api_name: str, data: list, session: str | None = None) -> dict:
    """One request through Gradio's queue, as a page sends it; the last message of its event."""
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    session = session or secrets.token_hex(8)
    with httpx.Client(base_url=url, timeout=120) as client:
        joined = client.post("gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "event_data": None,
                                                            "trigger_id": None, "session_hash": session})
        event_id = joined.json()["event_id"]
        with client.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event never completed")


def test_sessions_share_the_page_until_they_change_it(demo):
    store = demo.server_app.state_holder
    assert isinstance(store, SessionStore) and store.capacity == limits.MAX_LIVE_SESSIONS
    config = httpx.get(demo.local_url + "config").json()
    sessions = [secrets.token_hex(8) for _ in range(30)]
    for session in sessions:  # thirty visitors tokenizing: plain values out, nothing of the page changed
        assert call(demo.local_url, config, "tokenize", ["明月几时有", "gru"], session)["success"]
    for session in sessions:
        kept = store.session_data[session]
        assert isinstance(kept, LeanSession)
        assert kept.blocks_config is demo.default_config and kept.config_values == {} and kept.state_data == {}
    # An answer that changes a component (the attention slider's end) gives that session a table of its own.
    message = call(demo.local_url, config, "attention", ["我爱你\n你爱我", "gru", 3], sessions[0])
    assert message["success"]
    kept = store.session_data[sessions[0]]
    assert kept.blocks_config is not demo.default_config
    slider = next(d["outputs"][-1] for d in config["dependencies"] if d.get("api_name") == "attention")
    assert kept.blocks_config.blocks[slider].maximum == 6 and demo.default_config.blocks[slider].maximum > 6
    assert store.session_data[sessions[1]].blocks_config is demo.default_config


def test_a_store_keeps_at_most_its_capacity_and_forgets_idle_sessions(demo):
    store = SessionStore(capacity=50, idle_s=3600)
    store.set_blocks(demo)
    for i in range(500):
        store[f"s{i}"]
    assert len(store.session_data) == 50 and list(store.session_data)[0] == "s450"  # the most recent kept
    store["s450"]  # used again: now the most recent
    store["new"]  # one too many: the least recently used goes
    assert "s451" not in store and "s450" in store and "new" in store and len(store.session_data) == 50
    idle = SessionStore(capacity=50, idle_s=0)  # every session idle as soon as it is made
    idle.set_blocks(demo)
    for i in range(10):
        idle[f"s{i}"]
    assert list(idle.session_data) == ["s9"]


def test_a_forgotten_session_starts_again_from_the_page(demo):
    """A page whose session was forgotten (a long break) still gets answers: a fresh session from the defaults."""
    store = demo.server_app.state_holder
    config = httpx.get(demo.local_url + "config").json()
    session = secrets.token_hex(8)
    assert call(demo.local_url, config, "attention", ["我爱你\n你爱我", "gru", 3], session)["success"]
    with store.lock:
        del store.session_data[session]
    message = call(demo.local_url, config, "attention", ["明月几时有\n把酒问青天", "gru", 80], session)
    assert message["success"] and session in store.session_data


def upload_model(url: str, config: dict, zipped: Path, session: str) -> dict:
    """A model zip sent as a page sends it: to Gradio's upload route, then /upload_model in this session."""
    with zipped.open("rb") as f:
        sent = httpx.post(url + "gradio_api/upload", files={"files": (zipped.name, f, "application/zip")}, timeout=120)
    file = {"path": sent.json()[0], "meta": {"_type": "gradio.FileData"}, "orig_name": zipped.name}
    return call(url, config, "upload_model", [file], session)


def test_a_page_that_closes_takes_its_model_with_it(demo, tiny_weights, tmp_path):
    """The page's heartbeat stream ends (its tab closed): the unload event drops that session's model, and only it."""
    url, mine = demo.local_url, demo.lyricgen_mine
    config = httpx.get(url + "config").json()
    zipped = zip_folder(tiny_weights["gru"], tmp_path / "mine.zip")
    leaving, staying = secrets.token_hex(8), secrets.token_hex(8)
    for session in (leaving, staying):
        assert upload_model(url, config, zipped, session)["success"]
    assert mine.find(leaving) is not None and mine.find(staying) is not None
    with httpx.Client(base_url=url, timeout=60) as client:
        with client.stream("GET", f"gradio_api/heartbeat/{leaving}") as beat:
            assert next(beat.iter_lines()) == "data: ALIVE"  # the page is open
    for _ in range(600):  # the server hears the stream close, then runs the unload event: wait for it
        if mine.find(leaving) is None:
            break
        time.sleep(0.1)
    assert mine.find(leaving) is None and mine.find(staying) is not None
    asked = call(url, config, "hidden_states", ["明月", "mine"], leaving)  # asked again, as a new page would
    assert not asked["success"] and asked["output"]["error"] in (i18n.text(lang, "mine.error.none")
                                                                  for lang in i18n.LANGUAGES)
    mine.forget(staying)


def test_uploads_are_limited_in_size_and_deleted(demo, tmp_path):
    url = demo.local_url + "gradio_api/upload"
    big = tmp_path / "big.zip"
    big.write_bytes(b"\0" * (limits.MAX_UPLOAD_BYTES + 1))
    with big.open("rb") as f:
        refused = httpx.post(url, files={"files": ("big.zip", f)}, timeout=120)
    assert refused.status_code == 413
    small = tmp_path / "small.zip"
    small.write_bytes(b"PK" + b"\0" * 1000)
    with small.open("rb") as f:
        accepted = httpx.post(url, files={"files": ("small.zip", f)}, timeout=120)
    assert accepted.status_code == 200
    kept = Path(accepted.json()[0])
    assert kept.exists() and str(kept) in demo.upload_file_set
    # The schedule set by the page's delete_cache: files older than the age are deleted (age 0: all of them).
    assert demo.delete_cache == (limits.DOWNLOAD_MAX_AGE_S, limits.DOWNLOAD_MAX_AGE_S)
    delete_files_created_by_app(demo, age=0)
    assert not kept.exists()


def test_an_address_longer_than_any_link_gets_a_414_that_says_so(demo):
    longest = "?tab=attention&text=" + "x" * (limits.MAX_LINK_CHARS - 20)
    assert httpx.get(demo.local_url + longest, timeout=120).status_code == 200
    host, port = urlsplit(demo.local_url).hostname, urlsplit(demo.local_url).port
    connection = http.client.HTTPConnection(host, port, timeout=120)  # httpx refuses to send such an address
    connection.request("GET", "/?tab=generate&start=" + "x" * 70_000)
    refused = connection.getresponse()
    text = refused.read().decode()
    connection.close()
    assert refused.status == 414 and "too long" in text and "太长" in text
    assert httpx.get(demo.local_url + "config", timeout=120).status_code == 200  # the server goes on

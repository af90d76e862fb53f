"""The app itself: where its weights come from, how its server starts and settles, and its queue."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import torch
from conftest import WAIT_S, free_port, wait_until
from gradio_client import Client

import app
from lyricgen.checkpoint import CheckpointError, load_cells
from lyricgen.web import limits, server


def test_weights_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(server.WEIGHTS_ENV, raising=False)
    assert server.weights_root("weights") == Path("weights")
    monkeypatch.setenv(server.WEIGHTS_ENV, str(tmp_path))
    assert Path(server.weights_root("weights")) == tmp_path
    monkeypatch.setenv(server.WEIGHTS_ENV, "modelscope:teacher/lyricgen-weights")  # a hub id stays text
    assert server.weights_root("weights") == "modelscope:teacher/lyricgen-weights"


def test_load_models_refuses_an_empty_root_and_a_mislabelled_cell(tiny_weights, tmp_path):
    with pytest.raises(CheckpointError, match="no weights folder"):
        load_cells(tmp_path)
    (tmp_path / "rnn").symlink_to(tiny_weights["gru"], target_is_directory=True)
    with pytest.raises(CheckpointError, match="holds a gru model, not rnn"):
        load_cells(tmp_path)


def test_direct_posts_cannot_skip_the_queue(served):
    _, url = served
    response = httpx.post(f"{url}gradio_api/run/generate", json={"data": ["明月", 300, 0.8, "lstm", 0, ""]})
    assert response.status_code >= 400 and "queue" in response.text


def test_share_without_network_keeps_serving_locally(tiny, monkeypatch, capsys):
    """gradio prints a hint and carries on when the share server cannot be reached; serve() says so plainly."""
    import gradio.networking

    def no_network(*args, **kwargs):  # what setup_tunnel does offline (and would do in a sandboxed CI)
        raise RuntimeError("Could not get share link from Gradio API Server.")

    monkeypatch.setattr(gradio.networking, "setup_tunnel", no_network)
    demo = app.build_demo(tiny)
    try:
        url = server.serve(demo, "127.0.0.1", free_port(), share=True, auth=("teacher", "secret"), block=False)
        assert url is None
        assert "Could not create a public share link" in capsys.readouterr().err
        client = Client(demo.local_url, auth=("teacher", "secret"), verbose=False, download_files=False)
        assert client.predict("明月", 3, 0, "gru", 0, "", api_name="/generate")[0].startswith("明月")
    finally:
        demo.close()


def test_parse_auth():
    assert server.parse_auth("teacher:se:cret") == ("teacher", "se:cret")
    assert server.parse_auth(None) is None
    with pytest.raises(ValueError):
        server.parse_auth("teacher")


def test_the_shipped_app_generates_with_its_own_weights():
    """app.demo as `python app.py` serves it: all three shipped models loaded once, at import."""
    assert set(app.CHECKPOINTS) == {"rnn", "lstm", "gru"}
    app.demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(app.demo.local_url, verbose=False, download_files=False)
        for cell in app.CHECKPOINTS:
            first = client.predict("星星", 20, 0.9, cell, 40, "2024", api_name="/generate")[:2]
            assert client.predict("星星", 20, 0.9, cell, 40, "2024", api_name="/generate")[:2] == first
            assert first[0].startswith("星星") and len(first[0]) > len("星星")
    finally:
        app.demo.close()


def test_server_process_settings(monkeypatch):
    """The requests that run together never ask for more threads than the machine has cores."""
    before = torch.get_num_threads()
    try:
        threads = server.share_cpu_threads()
        assert threads == torch.get_num_threads() >= 1
        assert threads * limits.CONCURRENCY_LIMIT <= max(os.cpu_count() or 1, limits.CONCURRENCY_LIMIT)
    finally:
        torch.set_num_threads(before)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert server.limit_allocator_arenas(8) is True  # mallopt accepted it (8: glibc's usual cap on 1 core)


def test_a_cancelled_stream_leaves_the_engines_batch(served, engines, monkeypatch):
    """A student's stream cancelled (or the page closed): the request leaves the batch at the engine's next step.

    The engine is held at its 10th step until the cancel has reached the request, so what is counted is steps,
    not how fast this machine makes them."""
    client, _ = served
    engine = engines["lstm"]
    step, submit = engine._decoder.model_step, engine.submit
    submitted, cancelled = [], threading.Event()

    def recording_submit(*args, **kwargs):
        job = submit(*args, **kwargs)
        submitted.append(job)
        return job

    def held_step(*args):
        if engine.steps_run - before >= 10:
            cancelled.wait(WAIT_S)
        return step(*args)

    monkeypatch.setattr(engine, "submit", recording_submit)
    monkeypatch.setattr(engine._decoder, "model_step", held_step)
    before = engine.steps_run
    job = client.submit("明月", limits.MAX_LENGTH, 0.8, "lstm", 0, "", 1.0, False, api_name="/generate")
    wait_until(lambda: engine.steps_run - before >= 10)  # the request is in the batch, writing; the engine waits
    job.cancel()
    wait_until(lambda: submitted and submitted[0].cancelled)  # the page's stream closed: its request is cancelled
    cancelled.set()
    wait_until(lambda: engine.active_count == 0)
    assert engine.steps_run - before <= 11  # the step it was held at, then it left


def test_settle_process_freezes_the_startup_objects_and_skips_missing_matplotlib():
    """In a fresh interpreter (it changes the process): what exists then leaves the collector's scans, and a
    missing matplotlib is known missing at once."""
    code = ("import gc, importlib.util, sys\n"
            "from lyricgen.web import server\n"
            "missing = importlib.util.find_spec('matplotlib') is None\n"
            "server.settle_process()\n"
            "assert gc.get_freeze_count() > 1000, gc.get_freeze_count()\n"
            "if missing:\n"
            "    try:\n"
            "        import matplotlib\n"
            "        raise SystemExit('imported')\n"
            "    except ImportError:\n"
            "        pass\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(app.__file__).parent, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr

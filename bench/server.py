"""What bench/startup.py and bench/load.py share: starting `python app.py` on a free port, and stopping it."""

from __future__ import annotations

import os
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(weights: str | None) -> dict[str, str]:
    """The environment for the app: no analytics, no hub calls, and LYRICGEN_WEIGHTS when given."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    if weights:
        env["LYRICGEN_WEIGHTS"] = str(Path(weights).resolve())
    return env


def answers(url: str) -> bool:
    """True when url answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop(server: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not within 10 s."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()

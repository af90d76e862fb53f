"""What the benchmarks share: starting `python app.py` (or an old checkout's) on a free port, and stopping it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0


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


def resolve_app(app: str) -> Path:
    """The app script as a full path: relative to where the bench runs, else to the repository root."""
    path = Path(app).expanduser()
    if not path.is_absolute():
        path = path if path.exists() else ROOT / path
    if not path.is_file():
        raise SystemExit(f"no app script at {path}")
    return path.resolve()


def add_app_arguments(parser, rounds: int = 2) -> None:
    """--app, --rounds and --weights, as every benchmark comparing checkouts in one sitting takes them."""
    parser.add_argument("--app", nargs="+", default=["app.py"],
                        help="app scripts to serve, each from its own folder; they take turns round by round")
    parser.add_argument("--rounds", type=int, default=rounds, help="rounds; each app once per round, in turn")
    parser.add_argument("--weights", default=None, help="weights root for the apps (default: each its weights/)")


def labelled_apps(apps: list[str]) -> list[tuple[Path, str]]:
    """(script, label) per --app: the same script twice (an A/A check of the noise) gets two labels."""
    found = []
    for i, app in enumerate(apps):
        earlier = apps[:i].count(app)
        found.append((resolve_app(app), f"{app} #{earlier + 1}" if earlier else app))
    return found


def start_server(app: Path, weights: str | None, log) -> tuple[subprocess.Popen, str]:
    """`python <app> --port P` from the app's own folder (an old checkout finds its own package and weights).

    Its stderr goes to a file, not a pipe: a pipe nobody reads fills up and stalls a chatty server.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, str(app), "--port", str(port)], env=child_env(weights),
                              cwd=app.parent, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise SystemExit(f"{app} exited with status {server.returncode}:\n{log.read().decode(errors='replace')}")
        if answers(url):
            return server, url
        time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{app} did not answer within {START_TIMEOUT_S:.0f} s")

"""A project as deploy sees it, and starting the app from a folder laid out as a Space or a studio holds it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_project(root: Path, weights: dict[str, Path], readme: str) -> Path:
    """A copy of the project as deploy sees it, plus files that must not be uploaded."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("app.py", "requirements.txt", "packages.txt"):
        shutil.copy(ROOT / name, root / name)
    (root / "README.md").write_text(readme, encoding="utf-8")
    shutil.copytree(ROOT / "lyricgen", root / "lyricgen", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "lyricgen" / "__pycache__").mkdir()
    (root / "lyricgen" / "__pycache__" / "x.pyc").write_bytes(b"")
    for cell, folder in weights.items():
        shutil.copytree(folder, root / "weights" / cell)
    (root / "weights" / "lstm.resume").mkdir()
    (root / "weights" / "lstm.resume" / "state.pt").write_bytes(b"")
    (root / ".env").write_text("HF_TOKEN=secret")
    return root


SPACE_README = "---\ntitle: lyricgen\nsdk: gradio\nsdk_version: 6.31.0\napp_file: app.py\n---\n\n# lyricgen\n"


def app_endpoints(folder: Path, module: str) -> list[str]:
    """Import the app's module in a fresh Python inside folder (nothing from this checkout on its path, the
    weights its own) and return the page's API names: an exception or a missing file fails here."""
    code = (f"import json, {module}; "
            f"print('ENDPOINTS', json.dumps(sorted(d.api_name for d in {module}.demo.fns.values() if d.api_name)))")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LYRICGEN_WEIGHTS")}
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = [line for line in done.stdout.splitlines() if line.startswith("ENDPOINTS ")]
    return json.loads(line.removeprefix("ENDPOINTS "))

"""The Hugging Face Hub, offline: loading from a hand-built hub cache, and what push/deploy would upload.

No test reaches the network. Loading runs in a subprocess with HF_HUB_OFFLINE=1 and HF_HUB_CACHE
set before huggingface_hub is imported (it reads both at import). Uploads go through the real
HfApi code down to the HTTP client, whose transport is replaced by one that records requests.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2  # the HTTP client huggingface_hub itself uses
import pytest
from hub_helpers import SPACE_README, app_endpoints, make_project
from huggingface_hub import HfApi
from huggingface_hub.utils import set_client_factory
from huggingface_hub.utils._http import default_client_factory

from lyricgen import hub
from lyricgen.checkpoint import FOLDER_FILES, load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
SHA = "0123456789abcdef0123456789abcdef01234567"
COMMIT_URL = "https://huggingface.co/teacher/repo/commit/1"


def test_load_checkpoint_from_a_local_folder(tiny_weights):
    ckpt = load_checkpoint(tiny_weights["gru"], "cpu")
    assert ckpt.path == tiny_weights["gru"]
    assert ckpt.model.config.cell == "gru" and ckpt.metrics["history"]


def build_hub_cache(cache: Path, repo_id: str, folder: Path) -> Path:
    """The layout snapshot_download leaves behind: models--user--name/{refs/main, snapshots/<sha>/...}."""
    repo_dir = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo_dir / "snapshots" / SHA
    snapshot.mkdir(parents=True)
    for name in FOLDER_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, snapshot / name)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(SHA)
    return snapshot


def run_offline(cache: Path, code: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HF_ENDPOINT"}  # huggingface.co unless a test names another
    env.update(HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(cache), PYTHONPATH=str(ROOT), **env_vars)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_load_checkpoint_by_hub_id_from_the_cache_offline(tiny_weights, tmp_path):
    snapshot = build_hub_cache(tmp_path / "cache", "teacher/tiny-lstm", tiny_weights["lstm"])
    code = (
        "from lyricgen.checkpoint import load_checkpoint\n"
        "from lyricgen.generate import GenerationSettings, Sampling, generate_text\n"
        "ckpt = load_checkpoint('teacher/tiny-lstm', 'cpu')\n"
        "print('PATH', ckpt.path)\n"
        "print('CELL', ckpt.model.config.cell)\n"
        "settings = GenerationSettings('明月', 5, Sampling(temperature=0))\n"
        "print('TEXT', generate_text(ckpt.model, ckpt.vocab, settings).replace(chr(10), '/'))\n"
    )
    done = run_offline(tmp_path / "cache", code)
    assert done.returncode == 0, done.stderr
    out = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line[:4] in ("PATH", "CELL", "TEXT"))
    assert Path(out["PATH"]).resolve() == snapshot.resolve()
    assert out["CELL"] == "lstm"
    assert out["TEXT"].startswith("明月")


LOAD_MISSING_ID = (
    "from lyricgen.checkpoint import CheckpointError, load_checkpoint\n"
    "try:\n    load_checkpoint('teacher/not-there', 'cpu')\n"
    "except CheckpointError as e:\n    print('ERROR', e)\n"
)


def test_a_hub_id_missing_from_the_cache_fails_clearly_offline(tmp_path):
    done = run_offline(tmp_path / "empty-cache", LOAD_MISSING_ID)
    assert done.returncode == 0, done.stderr
    assert "ERROR teacher/not-there: could not fetch from the Hugging Face Hub at https://huggingface.co" in done.stdout


def test_a_hub_id_is_fetched_from_the_mirror_hf_endpoint_names(tmp_path):
    """HF_ENDPOINT (hf-mirror in mainland China) is huggingface_hub's: the id is looked up there, and said so."""
    done = run_offline(tmp_path / "empty-cache", LOAD_MISSING_ID, HF_ENDPOINT="https://hf-mirror.com")
    assert done.returncode == 0, done.stderr
    assert "ERROR teacher/not-there: could not fetch from the Hugging Face Hub at https://hf-mirror.com" in done.stdout


# ---------------------------------------------------------------------------------------------
# Uploads, with the HTTP transport mocked


class FakeHub:
    """Answers the few Hub endpoints a commit needs, and records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/api/repos/create"):
            body = json.loads(request.content)
            return httpx2.Response(200, json={"url": f"https://huggingface.co/{body['organization']}/{body['name']}"})
        if path.endswith("/api/validate-yaml"):
            return httpx2.Response(200, json={})
        if "/preupload/" in path:
            # "regular" keeps every file inside the commit request, where the test can read it.
            files = json.loads(request.content)["files"]
            return httpx2.Response(200, json={"files": [{"path": f["path"], "uploadMode": "regular",
                                                         "shouldIgnore": False} for f in files]})
        if "/commit/" in path:
            return httpx2.Response(200, json={"commitUrl": COMMIT_URL, "commitOid": SHA})
        return httpx2.Response(404, json={"error": f"not faked: {path}"})

    def created(self) -> dict:
        [request] = [r for r in self.requests if r.url.path.endswith("/api/repos/create")]
        return json.loads(request.content)

    def committed(self) -> tuple[str, dict[str, bytes]]:
        """(the commit's URL path, {path in repo: bytes}) from the NDJSON commit body."""
        [request] = [r for r in self.requests if "/commit/" in r.url.path]
        files = {}
        for line in request.content.decode().splitlines():
            entry = json.loads(line)
            if entry["key"] == "file":
                files[entry["value"]["path"]] = base64.b64decode(entry["value"]["content"])
        return request.url.path, files


@pytest.fixture
def fake_hub(monkeypatch) -> Iterator[FakeHub]:
    from huggingface_hub import constants

    fake = FakeHub()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # conftest sets it; these requests never leave
    set_client_factory(lambda: httpx2.Client(transport=httpx2.MockTransport(fake)))
    yield fake
    set_client_factory(default_client_factory)  # back to the real client for whatever runs next


def test_push_uploads_exactly_the_weights_folder(fake_hub, tiny_weights, tmp_path):
    folder = tmp_path / "lstm"
    shutil.copytree(tiny_weights["lstm"], folder)
    (folder / "notes.txt").write_text("not part of a checkpoint")  # must stay home
    url = hub.push(folder, "teacher/lyrics-lstm", api=HfApi(token="hf_fake"))
    assert url == COMMIT_URL
    assert fake_hub.created() | {"visibility": None} == {
        "name": "lyrics-lstm", "organization": "teacher", "type": "model", "visibility": None}
    path, files = fake_hub.committed()
    assert path == "/api/models/teacher/lyrics-lstm/commit/main"
    assert set(files) == set(FOLDER_FILES)  # the model card README.md included, notes.txt not
    assert files["model.safetensors"] == (folder / "model.safetensors").read_bytes()


def test_push_refuses_a_folder_that_does_not_load(fake_hub, tiny_weights, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(tiny_weights["gru"], folder)
    (folder / "model.safetensors").write_bytes(b"truncated")
    with pytest.raises(Exception, match="model.safetensors"):
        hub.push(folder, "teacher/broken", api=HfApi(token="hf_fake"))
    assert fake_hub.requests == []  # nothing was sent


def test_deploy_uploads_the_app_package_and_weights_as_a_gradio_space(fake_hub, tiny_weights, tmp_path):
    project = make_project(tmp_path, tiny_weights, SPACE_README)
    hub.deploy("teacher/lyricgen", project, api=HfApi(token="hf_fake"))
    created = fake_hub.created()
    assert created["type"] == "space" and created["sdk"] == "gradio"
    path, files = fake_hub.committed()
    assert path == "/api/spaces/teacher/lyricgen/commit/main"
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "lyricgen").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert {"lyricgen/web/tabs/generate.py", "lyricgen/web/strings/en.py"} <= package  # subpackages too
    weights = {f"weights/{cell}/{name}" for cell in tiny_weights for name in FOLDER_FILES}
    assert package | weights | {"app.py", "requirements.txt", "packages.txt", "README.md"} <= set(files)
    assert files["packages.txt"].decode().split() == ["fonts-noto-cjk"]  # the pictures' Chinese captions
    # No resume folder (weights/CELL.resume/; lyricgen/resume.py, the code that writes one, is part of the package).
    assert not any("__pycache__" in name or ".resume/" in name or name == ".env" for name in files)
    assert files["app.py"] == (ROOT / "app.py").read_bytes()


def test_the_space_runs_from_exactly_its_files(tiny_weights, tmp_path):
    """Lay out space_files in an empty folder and start the app from there: a file missing from the list fails."""
    project = make_project(tmp_path / "project", tiny_weights, SPACE_README)
    hub.stage(hub.space_files(project), tmp_path / "space")
    endpoints = app_endpoints(tmp_path / "space", "app")
    assert "generate" in endpoints and "score_line" in endpoints


def test_deploy_needs_space_front_matter(fake_hub, tiny_weights, tmp_path):
    project = make_project(tmp_path, tiny_weights, "# lyricgen\n")
    with pytest.raises(ValueError, match="sdk: gradio"):
        hub.deploy("teacher/lyricgen", project, api=HfApi(token="hf_fake"))
    assert fake_hub.requests == []


def test_cli_rejects_a_bad_repo_id(capsys):
    with pytest.raises(SystemExit):
        hub.main(["push", "--weights", "weights/lstm", "--repo", "no-slash"])
    assert "USER/NAME" in capsys.readouterr().err


def test_cli_reports_a_missing_file_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        hub.main(["deploy", "--space", "teacher/lyricgen", "--root", str(tmp_path)])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "a Space needs it" in err and "Traceback" not in err

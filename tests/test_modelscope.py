"""ModelScope (魔搭), offline: the studio's file set and front matter, and what deploy, push and loading ask of the SDK.

The modelscope SDK is optional and never installed for the tests: where a test needs it, a stand-in
module takes its place in sys.modules, recording what it was asked (the SDK speaks to modelscope.cn,
which no test may reach). Everything on our side of it, the files, the settings, the loading, is real.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hub_helpers import ROOT, SPACE_README, app_endpoints, make_project

from lyricgen import hub, modelscope_sdk
from lyricgen.checkpoint import FOLDER_FILES, ROOT_FILES, CheckpointError, load_cells, load_checkpoint
from lyricgen.model import CELLS

STUDIO_README = SPACE_README.replace("app_file: app.py\n", "app_file: app.py\ndeployspec:\n  entry_file: app.py\n")
ENDPOINT = "https://www.modelscope.cn"


class StubHubApi:
    """The two calls of modelscope.HubApi that deploy and push make, recorded; upload_folder keeps a copy of
    the folder it was sent (the caller deletes its own once the call returns)."""

    def __init__(self, kept: Path) -> None:
        self.endpoint = ENDPOINT
        self.kept = kept
        self.created: list[tuple[tuple, dict]] = []
        self.uploaded: list[dict] = []

    def create_repo(self, *args, **kwargs):
        self.created.append((args, kwargs))

    def upload_folder(self, **kwargs):
        shutil.copytree(kwargs["folder_path"], self.kept)
        self.uploaded.append(kwargs)

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.kept).as_posix(): p.read_bytes() for p in self.kept.rglob("*") if p.is_file()}


@pytest.fixture
def stub_sdk(monkeypatch, tmp_path) -> SimpleNamespace:
    """A `modelscope` module: HubApi() gives one recording client; snapshot_download answers from `snapshots`."""
    sdk = SimpleNamespace(api=StubHubApi(tmp_path / "sent"), snapshots={}, downloads=[])

    def snapshot_download(repo_id, allow_patterns=None):
        sdk.downloads.append((repo_id, allow_patterns))
        return str(sdk.snapshots[repo_id])

    module = SimpleNamespace(HubApi=lambda: sdk.api, snapshot_download=snapshot_download)
    monkeypatch.setitem(sys.modules, "modelscope", module)
    return sdk


@pytest.fixture
def no_sdk(monkeypatch):
    monkeypatch.setitem(sys.modules, "modelscope", None)  # `import modelscope` raises ImportError, installed or not


def test_the_readme_front_matter_is_yaml_for_a_space_and_a_studio():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert meta == hub.front_matter(ROOT / "README.md")
    # Hugging Face's Space: the SDK, its version (the one requirements.txt pins), Python 3.11, the app.
    assert meta["sdk"] == "gradio" and meta["python_version"] == "3.11" and meta["app_file"] == "app.py"
    assert f"gradio=={meta['sdk_version']}\n" in (ROOT / "requirements.txt").read_text()
    # ModelScope's studio: the file it starts, the same one.
    assert meta["deployspec"]["entry_file"] == meta["app_file"]
    assert hub.studio_settings(ROOT / "README.md", {"app.py": ROOT / "app.py"}) == {
        "sdk_type": "gradio", "sdk_version": meta["sdk_version"], "hardware": "platform/2v-cpu-16g-mem"}


def test_deploy_to_modelscope_creates_a_gradio_studio_and_sends_exactly_the_space_files(stub_sdk, tiny_weights,
                                                                                          tmp_path):
    project = make_project(tmp_path / "project", tiny_weights, STUDIO_README)
    url = hub.deploy("teacher/lyricgen", project, to="modelscope")
    assert url == f"{ENDPOINT}/studios/teacher/lyricgen"
    [(args, kwargs)] = stub_sdk.api.created
    assert args == ("teacher/lyricgen",)
    assert kwargs == {"repo_type": "studio", "visibility": "public", "exist_ok": True, "sdk_type": "gradio",
                      "sdk_version": "6.31.0", "hardware": modelscope_sdk.STUDIO_HARDWARE}
    [upload] = stub_sdk.api.uploaded
    assert upload["repo_id"] == "teacher/lyricgen" and upload["repo_type"] == "studio"
    expected = hub.space_files(project)
    sent = stub_sdk.api.files()
    assert set(sent) == set(expected)  # no .env, no resume folder, no cache
    assert all(sent[name] == path.read_bytes() for name, path in expected.items())
    assert yaml.safe_load(sent["README.md"].decode().split("---\n")[1])["deployspec"] == {"entry_file": "app.py"}
    # The studio's files start the app: its entry file imports, from them alone, with their own weights.
    entry = Path(hub.front_matter(stub_sdk.api.kept / "README.md")["deployspec"]["entry_file"])
    endpoints = app_endpoints(stub_sdk.api.kept, entry.stem)
    assert "generate" in endpoints and "score_line" in endpoints


def test_deploy_to_modelscope_private_with_a_base_image(stub_sdk, tiny_weights, tmp_path):
    project = make_project(tmp_path / "project", tiny_weights, STUDIO_README)
    hub.deploy("teacher/lyricgen", project, private=True, to="modelscope", base_image="ubuntu22.04-py311-x")
    [(_, kwargs)] = stub_sdk.api.created
    assert kwargs["visibility"] == "private" and kwargs["base_image"] == "ubuntu22.04-py311-x"


def test_deploy_to_modelscope_needs_the_studio_entry_file(stub_sdk, tiny_weights, tmp_path):
    project = make_project(tmp_path / "project", tiny_weights, SPACE_README)  # Hugging Face's keys only
    with pytest.raises(ValueError, match="deployspec"):
        hub.deploy("teacher/lyricgen", project, to="modelscope")
    assert stub_sdk.api.created == [] and stub_sdk.api.uploaded == []


def test_push_to_modelscope_sends_a_weights_folder_as_a_model_repo(stub_sdk, tiny_weights, tmp_path):
    folder = tmp_path / "lstm"
    shutil.copytree(tiny_weights["lstm"], folder)
    (folder / "notes.txt").write_text("not part of a checkpoint")
    url = hub.push(folder, "teacher/lyrics-lstm", to="modelscope")
    assert url == f"{ENDPOINT}/models/teacher/lyrics-lstm"
    [(args, kwargs)] = stub_sdk.api.created
    assert args == ("teacher/lyrics-lstm",)
    assert kwargs == {"repo_type": "model", "visibility": "public", "exist_ok": True}
    [upload] = stub_sdk.api.uploaded
    assert upload["repo_type"] == "model" and upload["repo_id"] == "teacher/lyrics-lstm"
    sent = stub_sdk.api.files()
    assert set(sent) == set(FOLDER_FILES)
    assert sent["model.safetensors"] == (folder / "model.safetensors").read_bytes()


def test_push_of_a_weights_root_sends_one_folder_per_cell(stub_sdk, tiny_weights):
    hub.push(tiny_weights["lstm"].parent, "teacher/lyricgen-weights", to="modelscope")
    assert set(stub_sdk.api.files()) == {f"{cell}/{name}" for cell in CELLS for name in FOLDER_FILES}


def test_modelscope_weights_load_through_snapshot_download_strictly(stub_sdk, tiny_weights, tmp_path):
    stub_sdk.snapshots["teacher/tiny-gru"] = tiny_weights["gru"]
    ckpt = load_checkpoint("modelscope:teacher/tiny-gru", "cpu")
    assert stub_sdk.downloads == [("teacher/tiny-gru", FOLDER_FILES)]
    assert ckpt.path == tiny_weights["gru"] and ckpt.model.config.cell == "gru"
    broken = tmp_path / "broken"
    shutil.copytree(tiny_weights["gru"], broken)
    (broken / "model.safetensors").write_bytes(b"truncated")
    stub_sdk.snapshots["teacher/broken"] = broken
    with pytest.raises(CheckpointError, match="model.safetensors"):
        load_checkpoint("modelscope:teacher/broken", "cpu")


def test_lyricgen_weights_may_name_a_modelscope_root(stub_sdk, tiny_weights, monkeypatch):
    """LYRICGEN_WEIGHTS=modelscope:OWNER/NAME, as app.py reads it: one folder per cell, fetched in one snapshot."""
    from lyricgen.web import server

    stub_sdk.snapshots["teacher/lyricgen-weights"] = tiny_weights["lstm"].parent
    monkeypatch.setenv(server.WEIGHTS_ENV, "modelscope:teacher/lyricgen-weights")
    loaded = load_cells(server.weights_root("weights"), "cpu")
    assert stub_sdk.downloads == [("teacher/lyricgen-weights", ROOT_FILES)]
    assert {cell: ckpt.model.config.cell for cell, ckpt in loaded.items()} == {cell: cell for cell in CELLS}


def test_a_bad_modelscope_id_is_refused_without_asking(stub_sdk):
    with pytest.raises(CheckpointError, match="owner/name"):
        load_checkpoint("modelscope:no-slash", "cpu")
    assert stub_sdk.downloads == []


def test_without_the_sdk_each_path_says_how_to_install_it(no_sdk, tiny_weights, tmp_path, capsys):
    install = "pip install -r requirements-modelscope.txt"
    with pytest.raises(CheckpointError, match=install):
        load_checkpoint("modelscope:teacher/tiny-gru", "cpu")
    project = make_project(tmp_path / "project", tiny_weights, STUDIO_README)
    for argv in (["deploy", "--to", "modelscope", "--space", "teacher/lyricgen", "--root", str(project)],
                 ["push", "--to", "modelscope", "--weights", str(tiny_weights["lstm"]), "--repo", "teacher/x"]):
        with pytest.raises(SystemExit) as info:
            hub.main(argv)
        assert info.value.code == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.rstrip().endswith(f"The ModelScope SDK is not installed: {install}")
        assert "Traceback" not in err

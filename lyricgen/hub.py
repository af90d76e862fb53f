"""Share weights as a model repo, or the whole app as a Space, on Hugging Face or on ModelScope (魔搭).

    python -m lyricgen.hub push --weights weights/lstm --repo USER/NAME [--to modelscope] [--private]
    python -m lyricgen.hub deploy --space USER/NAME [--to modelscope] [--root .] [--private]

--to huggingface (the default) or modelscope: huggingface.co is out of reach in mainland China,
ModelScope is not. --weights is one weights folder, or a weights root holding rnn/, lstm/ and gru/
(what LYRICGEN_WEIGHTS names). Log in first: `hf auth login` or HF_TOKEN for Hugging Face (HF_ENDPOINT
names a mirror); `pip install -r requirements-modelscope.txt`, then `modelscope login --token TOKEN`
or MODELSCOPE_API_TOKEN for ModelScope. A pushed model loads anywhere with load_checkpoint("USER/NAME")
or load_checkpoint("modelscope:USER/NAME"); a deployed Space or studio runs app.py with the weights/
it was sent. Each upload holds exactly the files listed by model_files / space_files, so a stray
local file (a resume folder, a cache) never reaches a hub.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.repocard import metadata_load

from . import modelscope_sdk
from .checkpoint import CONFIG_FILE, FOLDER_FILES, CheckpointError, load_cells, load_checkpoint
from .model import CELLS

APP_FILES = ["app.py", "requirements.txt", "packages.txt", "README.md"]  # packages.txt: apt packages (a Chinese font)
PACKAGE_SUFFIXES = {".py", ".txt", ".json"}  # code, and the data files the package reads (the Lab's poems)


def model_files(weights: str | Path) -> dict[str, Path]:
    """{path in the repo: local file} for a weights folder, or for a weights root (one folder per cell:
    CELL/name), after checking that it loads as load_checkpoint or load_cells would load it back."""
    folder = Path(weights)
    if (folder / CONFIG_FILE).exists() or not any((folder / cell).is_dir() for cell in CELLS):
        load_checkpoint(folder, "cpu")  # refuse to publish a folder that would not load back
        return folder_files(folder)
    loaded = load_cells(folder, "cpu")  # a root: each folder must also hold the cell its name says
    return {f"{cell}/{name}": path for cell in loaded for name, path in folder_files(folder / cell).items()}


def folder_files(folder: Path) -> dict[str, Path]:
    return {name: folder / name for name in FOLDER_FILES if (folder / name).is_file()}


def space_files(root: str | Path) -> dict[str, Path]:
    """{path in the repo: local file} for a Space or a studio: the app, the package, and every cell's weights."""
    root = Path(root)
    files: dict[str, Path] = {}
    for name in APP_FILES:
        if not (root / name).is_file():
            raise FileNotFoundError(f"{root / name}: a Space needs it")
        files[name] = root / name
    if front_matter(root / "README.md").get("sdk") != "gradio":
        raise ValueError(f"{root / 'README.md'}: needs front matter with `sdk: gradio` to run as a Space")
    for path in package_files(root / "lyricgen"):
        files[path.relative_to(root).as_posix()] = path
    for cell in CELLS:
        if not (root / "weights" / cell).is_dir():
            raise FileNotFoundError(f"{root / 'weights' / cell}: a Space needs it")
    for name, path in model_files(root / "weights").items():
        files[f"weights/{name}"] = path
    return files


def package_files(package: Path) -> list[Path]:
    """Every file the package needs at run time, subpackages and data files included; no caches."""
    return sorted(path for path in package.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix in PACKAGE_SUFFIXES)


def front_matter(readme: Path) -> dict:
    """The YAML block at the top of a README, parsed (where a Space and a studio read their settings); {} if none."""
    try:
        return metadata_load(readme) or {}
    except Exception as e:  # bad YAML (the YAML parser's own error), or YAML that is not a mapping
        raise ValueError(f"{readme}: its front matter is not YAML settings ({e})") from e


def studio_settings(readme: Path, files: dict[str, Path], base_image: str | None = None) -> dict[str, Any]:
    """What a ModelScope studio is created with, from the front matter the Hugging Face Space reads too.

    The studio starts deployspec.entry_file (which must be one of the files sent); its SDK and version
    are the Space's sdk and sdk_version, set when the studio is created (the SDK's create_repo
    settings), on the free CPU tier. Its Python is its base image's: base_image picks one (a name with
    py311 in it for Python 3.11; `modelscope studio base-images` lists them), else ModelScope's default.
    """
    meta = front_matter(readme)
    entry = (meta.get("deployspec") or {}).get("entry_file")
    if entry not in files:
        raise ValueError(f"{readme}: needs front matter `deployspec:` with `entry_file:` naming the app's file "
                         "to run as a ModelScope studio")
    settings = {"sdk_type": meta["sdk"], "sdk_version": str(meta.get("sdk_version", "")),
                "hardware": modelscope_sdk.STUDIO_HARDWARE}
    if base_image:
        settings["base_image"] = base_image
    return {key: value for key, value in settings.items() if value}


def stage(files: dict[str, Path], folder: Path) -> None:
    """Lay out files ({path in the repo: local file}) in folder, as the repo will hold them."""
    for name, path in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / name)


def upload(api: HfApi, repo_id: str, repo_type: str, files: dict[str, Path], message: str,
           private: bool = False) -> str:
    """Create the repo if needed, then add the files in one commit; returns the commit's URL."""
    extra = {"space_sdk": "gradio"} if repo_type == "space" else {}
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, **extra)
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(path)) for name, path in files.items()]
    info = api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type)
    return info.commit_url


def upload_modelscope(api: Any, repo_id: str, repo_type: str, files: dict[str, Path], message: str,
                      private: bool = False, settings: dict[str, Any] | None = None) -> str:
    """Create the repo if needed (a studio with its settings), then upload exactly these files; returns its page.

    The SDK's upload_folder sends a folder, so the files are first laid out in a fresh one.
    """
    api.create_repo(repo_id, repo_type=repo_type, visibility="private" if private else "public", exist_ok=True,
                    **(settings or {}))
    with tempfile.TemporaryDirectory(prefix="lyricgen-modelscope-") as folder:
        stage(files, Path(folder))
        api.upload_folder(repo_id=repo_id, folder_path=folder, repo_type=repo_type, commit_message=message)
    kind = "studios" if repo_type == "studio" else "models"
    return f"{api.endpoint.rstrip('/')}/{kind}/{repo_id}"


def push(weights: str | Path, repo: str, private: bool = False, api: Any = None, to: str = "huggingface") -> str:
    message = f"Upload weights from {Path(weights).name}"
    if to == "modelscope":
        api = api if api is not None else modelscope_sdk.sdk().HubApi()  # a missing SDK says so before any work
        return upload_modelscope(api, repo, "model", model_files(weights), message, private)
    return upload(api or HfApi(), repo, "model", model_files(weights), message, private)


def deploy(space: str, root: str | Path = ".", private: bool = False, api: Any = None, to: str = "huggingface",
           base_image: str | None = None) -> str:
    message = "Deploy the lyricgen app"
    if to == "modelscope":
        api = api if api is not None else modelscope_sdk.sdk().HubApi()
        files = space_files(root)
        settings = studio_settings(Path(root) / "README.md", files, base_image)
        return upload_modelscope(api, space, "studio", files, message, private, settings)
    return upload(api or HfApi(), space, "space", space_files(root), message, private)


def check_repo_id(text: str) -> str:
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected USER/NAME")
    return text


HINTS = {  # after an error that is not the local files' own: what to check
    "huggingface": "(Logged in? `hf auth login` or HF_TOKEN. Online? The hub, or the mirror HF_ENDPOINT names, "
                   "must be reachable.)\n",
    "modelscope": "(Logged in? `modelscope login --token TOKEN` or MODELSCOPE_API_TOKEN. Online? modelscope.cn "
                  "must be reachable.)\n",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lyricgen.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("push", help="upload one weights folder, or a weights root, as a model repo")
    p.add_argument("--weights", required=True, help="weights folder (weights/lstm) or root (weights)")
    p.add_argument("--repo", required=True, type=check_repo_id, help="model repo id USER/NAME")
    d = commands.add_parser("deploy", help="upload the app and all weights as a Gradio Space or ModelScope studio")
    d.add_argument("--space", required=True, type=check_repo_id, help="Space or studio id USER/NAME")
    d.add_argument("--root", default=".", help="project folder holding app.py, lyricgen/ and weights/")
    d.add_argument("--base-image", default=None,
                   help="ModelScope only: the studio's base image (its Python), e.g. one with py311 in its name")
    for command in (p, d):
        command.add_argument("--to", choices=sorted(HINTS), default="huggingface",
                             help="where to (default %(default)s; modelscope needs requirements-modelscope.txt)")
        command.add_argument("--private", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "push":
            print(push(args.weights, args.repo, args.private, to=args.to))
        else:
            print(deploy(args.space, args.root, args.private, to=args.to, base_image=args.base_image))
    except modelscope_sdk.MissingSDK as e:  # one sentence: how to install it
        parser.exit(1, f"{parser.prog} {args.command}: {e}\n")
    except Exception as e:  # a missing file, a bad folder, no login, no network: one line, not a traceback
        local = isinstance(e, (FileNotFoundError, ValueError, CheckpointError))
        hint = "" if local else HINTS[args.to]
        parser.exit(1, f"{parser.prog} {args.command}: {type(e).__name__}: {e}\n{hint}")


if __name__ == "__main__":
    main()

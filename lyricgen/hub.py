"""Share on the Hugging Face Hub: a weights folder as a model repo, or the whole app as a Space.

    python -m lyricgen.hub push --weights weights/lstm --repo USER/NAME [--private]
    python -m lyricgen.hub deploy --space USER/NAME [--root .] [--private]

Log in first (`hf auth login`, or set HF_TOKEN). A pushed model loads anywhere with
load_checkpoint("USER/NAME"); a deployed Space runs app.py with the weights/ it was sent.
Both are one commit holding exactly the files listed by model_files / space_files, so a
stray local file (a resume folder, a cache) never reaches the hub.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi

from .checkpoint import FOLDER_FILES, CheckpointError, load_checkpoint
from .model import CELLS

APP_FILES = ["app.py", "requirements.txt", "packages.txt", "README.md"]  # packages.txt: apt packages (a Chinese font)
PACKAGE_SUFFIXES = {".py", ".txt", ".json"}  # code, and the data files the package reads (the Lab's poems)


def model_files(weights: str | Path) -> dict[str, Path]:
    """{path in the repo: local file} for a weights folder, after checking that it loads."""
    folder = Path(weights)
    load_checkpoint(folder, "cpu")  # refuse to publish a folder that would not load back
    return {name: folder / name for name in FOLDER_FILES if (folder / name).is_file()}


def space_files(root: str | Path) -> dict[str, Path]:
    """{path in the repo: local file} for a Space: the app, the package, and every cell's weights."""
    root = Path(root)
    files: dict[str, Path] = {}
    for name in APP_FILES:
        if not (root / name).is_file():
            raise FileNotFoundError(f"{root / name}: a Space needs it")
        files[name] = root / name
    if "sdk: gradio" not in front_matter(root / "README.md"):
        raise ValueError(f"{root / 'README.md'}: needs front matter with `sdk: gradio` to run as a Space")
    for path in package_files(root / "lyricgen"):
        files[path.relative_to(root).as_posix()] = path
    for cell in CELLS:
        for name, path in model_files(root / "weights" / cell).items():
            files[f"weights/{cell}/{name}"] = path
    return files


def package_files(package: Path) -> list[Path]:
    """Every file the package needs at run time, subpackages and data files included; no caches."""
    return sorted(path for path in package.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix in PACKAGE_SUFFIXES)


def front_matter(readme: Path) -> str:
    """The YAML block between the first two `---` lines of a README (where a Space reads its settings)."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        return ""
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
    return "\n".join(lines[1:end])


def upload(api: HfApi, repo_id: str, repo_type: str, files: dict[str, Path], message: str,
           private: bool = False) -> str:
    """Create the repo if needed, then add the files in one commit; returns the commit's URL."""
    extra = {"space_sdk": "gradio"} if repo_type == "space" else {}
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, **extra)
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(path)) for name, path in files.items()]
    info = api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type)
    return info.commit_url


def push(weights: str | Path, repo: str, private: bool = False, api: HfApi | None = None) -> str:
    return upload(api or HfApi(), repo, "model", model_files(weights), f"Upload weights from {Path(weights).name}",
                  private)


def deploy(space: str, root: str | Path = ".", private: bool = False, api: HfApi | None = None) -> str:
    return upload(api or HfApi(), space, "space", space_files(root), "Deploy the lyricgen app", private)


def check_repo_id(text: str) -> str:
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected USER/NAME")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lyricgen.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("push", help="upload one weights folder as a model repo")
    p.add_argument("--weights", required=True, help="weights folder, e.g. weights/lstm")
    p.add_argument("--repo", required=True, type=check_repo_id, help="model repo id USER/NAME")
    p.add_argument("--private", action="store_true")
    d = commands.add_parser("deploy", help="upload the app and all weights as a Gradio Space")
    d.add_argument("--space", required=True, type=check_repo_id, help="Space id USER/NAME")
    d.add_argument("--root", default=".", help="project folder holding app.py, lyricgen/ and weights/")
    d.add_argument("--private", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "push":
            print(push(args.weights, args.repo, args.private))
        else:
            print(deploy(args.space, args.root, args.private))
    except Exception as e:  # a missing file, a bad folder, no login, no network: one line, not a traceback
        local = isinstance(e, (FileNotFoundError, ValueError, CheckpointError))
        hint = "" if local else "(Logged in? `hf auth login` or HF_TOKEN. Online? The hub must be reachable.)\n"
        parser.exit(1, f"{parser.prog} {args.command}: {type(e).__name__}: {e}\n{hint}")


if __name__ == "__main__":
    main()

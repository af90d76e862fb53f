"""A weights folder as a zip (the Lab's download, or any folder this project writes, zipped): checked before
anything is unpacked, then loaded strictly, as a folder is.

    python -m lyricgen.generate --weights my-model.zip      (the CLIs: load_checkpoint takes a .zip too)
    the page's upload_model and the Lab's own trained model (lyricgen/web/mine.py)

Everything here can come from anyone, so the archive is refused, with ArchiveError naming why, when it is
not a zip; when it is larger than Bounds.max_bytes packed, or its files would be unpacked (counted while
unpacking, not trusted from the headers: a zip bomb's headers lie); when an entry is a link, a path out of
its folder (`../`, absolute, a drive), a duplicate, or any file but a weights folder's own (no pickles:
the weights are read from model.safetensors only); when config.json asks for a model beyond the bounds.
Then checkpoint.load_checkpoint checks the rest: every tensor's name and shape against config.json, the
vocabulary against the embedding, no NaN.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import torch

from .checkpoint import (
    CONFIG_FILE,
    FOLDER_FILES,
    LAB_FILES,
    VOCAB_FILE,
    WEIGHTS_FILE,
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    read_json,
)

REQUIRED = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)
CHUNK = 1 << 16


class ArchiveError(CheckpointError):
    """An archive refused: `key` names the reason (a string key of the page's, "archive.<key>"), `fields` its
    details; str() is the reason in English, for the command line."""

    def __init__(self, key: str, english: str, **fields: object):
        self.key, self.fields = key, fields
        super().__init__(english.format(**fields))


@dataclass(frozen=True)
class Bounds:
    """How large a model an archive may hold. The defaults bound nothing but the file: the command line's."""
    max_bytes: int = 200 * 1024 * 1024  # packed, and unpacked
    max_vocab: int | None = None
    max_dim: int | None = None  # embed_dim and hidden_dim
    max_layers: int | None = None


def members(archive: zipfile.ZipFile, bounds: Bounds) -> dict[str, zipfile.ZipInfo]:
    """{file name: entry} of a weights folder's files, at the archive's top or in one folder; else ArchiveError."""
    found: dict[str, zipfile.ZipInfo] = {}
    folders: set[tuple[str, ...]] = set()
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if info.filename.startswith(("/", "\\")) or ".." in path.parts or ":" in info.filename:
            raise ArchiveError("outside", "{name}: a path outside the model's folder", name=info.filename[:80])
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError("link", "{name}: a link, not a file", name=info.filename[:80])
        if info.is_dir():
            continue
        if path.name not in FOLDER_FILES + LAB_FILES:
            raise ArchiveError("not_allowed", "{name}: not a file of a weights folder (allowed: {allowed})",
                               name=info.filename[:80], allowed=", ".join(FOLDER_FILES + LAB_FILES))
        if path.name in found:
            raise ArchiveError("duplicate", "{name}: in the archive twice", name=path.name)
        folders.add(path.parts[:-1])
        found[path.name] = info
    if len(folders) > 1 or any(len(folder) > 1 for folder in folders):
        raise ArchiveError("folders", "the files must be together, at the archive's top or in one folder")
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ArchiveError("missing", "{names} missing", names=", ".join(missing))
    if sum(info.file_size for info in found.values()) > bounds.max_bytes:
        raise ArchiveError("too_big_unpacked", "over {mb} MB unpacked", mb=bounds.max_bytes // 2**20)
    return found


def unpack(archive: zipfile.ZipFile, found: dict[str, zipfile.ZipInfo], folder: Path, bounds: Bounds) -> None:
    """Each file copied out in chunks, the bytes counted as they come: past the bound, it stops."""
    total = 0
    for name, info in found.items():
        with archive.open(info) as source, open(folder / name, "wb") as out:
            while block := source.read(CHUNK):
                total += len(block)
                if total > bounds.max_bytes:
                    raise ArchiveError("too_big_unpacked", "over {mb} MB unpacked", mb=bounds.max_bytes // 2**20)
                out.write(block)


def check_config(folder: Path, bounds: Bounds) -> None:
    """config.json's sizes within the bounds, before a model of that size is built."""
    raw = read_json(folder / CONFIG_FILE, required=True)
    limits = {"vocab_size": bounds.max_vocab, "embed_dim": bounds.max_dim, "hidden_dim": bounds.max_dim,
              "num_layers": bounds.max_layers}
    for key, most in limits.items():
        value = raw.get(key)
        if most is not None and isinstance(value, int) and value > most:
            raise ArchiveError("config_limit", "config.json: {setting} = {value}, at most {most} here",
                               setting=key, value=value, most=most)


def load_zip(path: str | Path, device: torch.device | str | None = None, bounds: Bounds = Bounds()) -> Checkpoint:
    """The weights folder in a zip, checked, unpacked into a temporary folder and loaded strictly from it."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise CheckpointError(f"{path}: cannot be read ({e})") from e
    if size > bounds.max_bytes:
        raise ArchiveError("too_big", "over {mb} MB", mb=bounds.max_bytes // 2**20)
    if not zipfile.is_zipfile(path):
        raise ArchiveError("not_zip", "not a zip archive")
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="lyricgen-zip-") as tmp:
            folder = Path(tmp) / path.stem
            folder.mkdir()
            unpack(archive, members(archive, bounds), folder, bounds)
            check_config(folder, bounds)
            try:
                ckpt = load_checkpoint(folder, device)
            except CheckpointError as e:  # named by the file in the archive, on one line, not the folder it went to
                raise CheckpointError(" ".join(str(e).replace(f"{folder}{os.sep}", "").split())) from e
    except CheckpointError:
        raise
    # A damaged archive, or one zipfile cannot read: encrypted (RuntimeError), an unknown compression.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError, ValueError) as e:
        raise ArchiveError("damaged", "a damaged zip archive ({detail})", detail=str(e)[:120]) from e
    ckpt.path = Path(path.stem)  # its folder is gone: the name is what a download names it by
    return ckpt

"""Zips a hostile visitor might send as "their model", each made from a real weights folder but for one flaw."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

from lyricgen.checkpoint import CONFIG_FILE, FOLDER_FILES

MB = 2**20


def zip_folder(folder: Path, out: Path, prefix: str = "", extra: dict[str, bytes] | None = None,
               skip: tuple[str, ...] = (), change: dict[str, bytes] | None = None) -> Path:
    """The folder's weights files zipped (under prefix), with extra entries added, some skipped or changed."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FOLDER_FILES:
            if (folder / name).is_file() and name not in skip:
                data = (change or {}).get(name) or (folder / name).read_bytes()
                archive.writestr(prefix + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out


def with_link(folder: Path, out: Path) -> Path:
    zip_folder(folder, out, skip=("vocab.json",))
    with zipfile.ZipFile(out, "a") as archive:
        info = zipfile.ZipInfo("vocab.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16  # a symbolic link to a file outside
        archive.writestr(info, "/etc/passwd")
    return out


def hostile_zips(folder: Path, where: Path, large: bool = True) -> dict[str, Path]:
    """{what is wrong: the zip}. large: also a 200 MB file (sparse on disk), which no upload route carries."""
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    zips = {
        "not a zip": where / "notes.zip",
        "bomb": zip_folder(folder, where / "bomb.zip", change={"model.safetensors": bytes(30 * MB)}),
        "../ path": zip_folder(folder, where / "up.zip", extra={"../config.json": b"{}"}),
        "absolute path": zip_folder(folder, where / "abs.zip", extra={"/tmp/evil.json": b"{}"}),
        "symlink": with_link(folder, where / "link.zip"),
        "pickle": zip_folder(folder, where / "pickle.zip", extra={"pytorch_model.bin": b"\x80\x04K\x01."}),
        "wrong shapes": zip_folder(folder, where / "shapes.zip", change={
            CONFIG_FILE: json.dumps({**config, "hidden_dim": config["hidden_dim"] + 2,
                                     "embed_dim": config["embed_dim"] + 2}).encode()}),
        "too large a model": zip_folder(folder, where / "huge.zip", change={
            CONFIG_FILE: json.dumps({**config, "hidden_dim": 4096, "embed_dim": 4096}).encode()}),
        "no vocabulary": zip_folder(folder, where / "novocab.zip", skip=("vocab.json",)),
    }
    zips["not a zip"].write_text("not a model", encoding="utf-8")
    if large:
        zips["200 MB"] = where / "big.zip"
        with open(zips["200 MB"], "wb") as f:
            f.truncate(200 * MB)
    return zips

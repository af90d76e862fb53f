"""Model → checkpoint: self-contained weights folders, written atomically and loaded strictly.

A folder holds config.json and model.safetensors (written by huggingface_hub's
PyTorchModelHubMixin), vocab.json, metrics.json (the training record the app's model card
reads), fingerprint.json (hashes for the memorization check) and README.md (the model card,
lyricgen.card). No pickles anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_model

from . import modelscope_sdk
from .card import README_FILE, model_card
from .fingerprint import Fingerprint
from .model import CELLS, LyricModel, ModelConfig
from .provenance import POEMS_FILE
from .vocab import Vocab

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.json"
METRICS_FILE = "metrics.json"
FINGERPRINT_FILE = "fingerprint.json"
FOLDER_FILES = [CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE, METRICS_FILE, FINGERPRINT_FILE, README_FILE]
# What the Lab's zip holds beside them (never read when loading): the run's training script, and the built-in
# poems when it trained on them, which the script reads (lyricgen/code).
LAB_SCRIPT, POEMS_COPY = "lyricgen_train.py", POEMS_FILE.name
LAB_FILES = [LAB_SCRIPT, POEMS_COPY]
ROOT_FILES = [f"{cell}/{name}" for cell in CELLS for name in FOLDER_FILES]  # a weights root: one folder per cell


class CheckpointError(RuntimeError):
    """A weights folder that cannot be loaded; the message names the file at fault."""


@dataclass
class Checkpoint:
    model: LyricModel
    vocab: Vocab
    path: Path  # the local folder it was loaded from
    metrics: dict = field(default_factory=dict)  # metrics.json, or {} when the folder has none
    fingerprint: Fingerprint | None = None  # fingerprint.json's hash sets, when the folder has one
    file_hashes: dict[str, str] = field(default_factory=dict)  # {file name: SHA-256} of the files that make the model


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def best_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)


def read_json(path: Path, required: bool = False) -> dict | None:
    """A JSON object from path; None when the file is absent and not required.

    Every failure is a CheckpointError naming the file: a folder in its place, bad JSON, or a
    list or number where an object belongs (the caller reads keys from it, and would fail later, unnamed).
    """
    if not path.exists() and not required:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError as e:
        raise CheckpointError(f"{path}: missing") from e
    except OSError as e:
        raise CheckpointError(f"{path}: cannot be read ({e})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object")
    return data


def atomic_replace(out_dir: str | Path, write: Callable[[Path], None]) -> None:
    """Let write(folder) fill a fresh folder beside out_dir, then swap it in for out_dir.

    An interrupt at any moment leaves either the old folder or the new one, never half of each:
    the new one is complete and on disk before the first rename, and a kill between the two
    renames leaves .NAME.old, which recover() puts back.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write(tmp)
        for f in tmp.iterdir():  # make the bytes durable before the folder becomes visible
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        old = _old_path(out_dir)
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """If an atomic_replace was killed between its two renames, put the previous folder back."""
    old = _old_path(out_dir)
    if old.exists():
        if out_dir.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, out_dir)


def _old_path(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.old")


def save_checkpoint(
    model: LyricModel,
    vocab: Vocab,
    out_dir: str | Path,
    metrics: dict | None = None,
    fingerprint: Fingerprint | None = None,
) -> None:
    """Write a complete weights folder, swapped in atomically: an interrupt never leaves a broken folder."""

    def write(folder: Path) -> None:
        # Our card first: save_pretrained writes huggingface_hub's template card only where no README.md exists.
        (folder / README_FILE).write_text(model_card(model.config, metrics or {}, fingerprint is not None),
                                          encoding="utf-8")
        model.save_pretrained(folder)
        vocab.save(str(folder / VOCAB_FILE))
        if metrics is not None:
            write_json(folder / METRICS_FILE, metrics)
        if fingerprint is not None:
            write_json(folder / FINGERPRINT_FILE, fingerprint.to_json())

    atomic_replace(out_dir, write)


def resolve_folder(path_or_repo: str | Path, files: list[str] = FOLDER_FILES) -> Path:
    """A local folder as it is; modelscope:OWNER/NAME a ModelScope repo; anything else a Hugging Face Hub id.

    A hub is only asked when the text is not a local folder, and only for `files` (patterns of paths in
    the repo: a weights folder's by default, ROOT_FILES for a weights root). Hugging Face goes through
    huggingface_hub, which reads HF_ENDPOINT (a mirror such as https://hf-mirror.com) and, with
    HF_HUB_OFFLINE=1, answers from its local cache alone; ModelScope through the optional modelscope SDK.
    """
    text = str(path_or_repo)
    modelscope_repo = modelscope_sdk.repo_of(text)
    repo = modelscope_repo or text
    if modelscope_repo is None:
        path = Path(path_or_repo)
        recover(path)
        if path.is_dir():
            return path
    if repo.count("/") != 1 or repo.startswith((".", "/")) or repo.endswith("/"):
        raise CheckpointError(f"{text}: no such weights folder (and not a hub id of the form user/name "
                              f"or {modelscope_sdk.PREFIX}owner/name)")
    if modelscope_repo is not None:
        try:
            return modelscope_sdk.snapshot(repo, files)
        except modelscope_sdk.MissingSDK as e:
            raise CheckpointError(f"{text}: {e}") from e
        except Exception as e:  # network, missing repo, no login for a private one
            raise CheckpointError(f"{text}: could not fetch from ModelScope ({e})") from e
    from huggingface_hub import constants, snapshot_download

    try:
        return Path(snapshot_download(repo_id=repo, allow_patterns=files))
    except Exception as e:  # network, missing repo, missing cache entry offline
        raise CheckpointError(f"{text}: could not fetch from the Hugging Face Hub at {constants.ENDPOINT} "
                              f"({e})") from e


def read_config(path: Path) -> ModelConfig:
    """config.json → ModelConfig, refusing missing keys and wrong types with a message naming the file."""
    raw = read_json(path, required=True)
    types = {"vocab_size": int, "cell": str, "embed_dim": int, "hidden_dim": int,
             "num_layers": int, "dropout": float, "embed_dropout": float,
             "weight_drop": float, "tie_weights": bool}
    known = {f.name for f in fields(ModelConfig)}
    unknown = set(raw) - known
    if unknown:
        raise CheckpointError(f"{path}: unknown keys {sorted(unknown)}")
    optional = {f.name for f in fields(ModelConfig) if f.default is not MISSING}
    for key, typ in types.items():
        if key not in raw:
            if key in optional:  # a folder from before the field existed: the default applies
                continue
            raise CheckpointError(f"{path}: missing key {key!r}")
        value = raw[key]
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if typ is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise CheckpointError(f"{path}: {key!r} must be {typ.__name__}, got {value!r}")
    if raw.get("cell", "lstm") not in CELLS:
        raise CheckpointError(f"{path}: cell must be one of {sorted(CELLS)}, got {raw['cell']!r}")
    if min(raw.get(k, 1) for k in ("vocab_size", "embed_dim", "hidden_dim", "num_layers")) < 1:
        raise CheckpointError(f"{path}: sizes must be positive")
    for key, typ in types.items():  # every float of the config is a dropout probability
        if typ is float and key in raw and not 0 <= raw[key] < 1:
            raise CheckpointError(f"{path}: {key!r} must be a probability in [0, 1), got {raw[key]!r}")
    try:
        return ModelConfig(**raw)
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from e


def read_weights(path: Path, config: ModelConfig, config_path: Path) -> LyricModel:
    """model.safetensors → a LyricModel built from config, on the CPU, refusing anything that does not fit.

    Three checks, each naming the file: the file is a complete safetensors file (a truncated copy
    fails on its header); it holds exactly the tensors, in the shapes, that config.json implies;
    and no tensor holds NaN or infinity, which would make every generated distribution NaN.
    """
    if not path.is_file():
        raise CheckpointError(f"{path}: missing")
    try:
        with safe_open(str(path), framework="pt"):  # reads and checks the header against the file's size
            pass
    except Exception as e:  # safetensors raises its own error types for a bad header or a short file
        raise CheckpointError(f"{path}: not a complete safetensors file; truncated or damaged? ({e})") from e
    try:
        model = LyricModel(config)
    except (RuntimeError, ValueError, TypeError, OverflowError, MemoryError) as e:  # sizes beyond reach
        raise CheckpointError(f"{config_path}: cannot build the model it describes ({e})") from e
    try:
        # safetensors' own loader knows that tied weights are stored once; strict: none missing, none extra.
        load_model(model, str(path), strict=True, device="cpu")
    except Exception as e:  # a tensor missing, extra or of another shape
        raise CheckpointError(f"{path}: does not fit {config_path} ({e})") from e
    for name, tensor in model.state_dict().items():
        # A sum is finite when every value is (a few times faster than isfinite().all(), which costs
        # a noticeable part of the app's start); only a non-finite sum, NaN, inf or an overflow, is
        # looked at value by value, so an overflowing sum of finite weights is not refused.
        if tensor.is_floating_point() and not tensor.sum().isfinite() and not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: tensor {name!r} holds NaN or infinite values")
    return model


def load_checkpoint(path_or_repo: str | Path, device: torch.device | str | None = None) -> Checkpoint:
    """Load a weights folder, a zip of one (lyricgen/archive.py) or a hub id onto device (default: the GPU when
    present), strictly."""
    if str(path_or_repo).endswith(".zip") and Path(path_or_repo).is_file():
        from .archive import load_zip  # it loads the folder it unpacks with this function

        return load_zip(path_or_repo, device)
    folder = resolve_folder(path_or_repo)
    device = torch.device(device) if device is not None else best_device()
    config = read_config(folder / CONFIG_FILE)
    try:
        vocab = Vocab.load(str(folder / VOCAB_FILE))
    except FileNotFoundError as e:
        raise CheckpointError(f"{folder / VOCAB_FILE}: missing") from e
    except OSError as e:
        raise CheckpointError(f"{folder / VOCAB_FILE}: cannot be read ({e})") from e
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{folder / VOCAB_FILE}: {e}") from e
    if len(vocab) != config.vocab_size:
        raise CheckpointError(f"{folder / VOCAB_FILE}: {len(vocab)} tokens, "
                              f"but {folder / CONFIG_FILE} says vocab_size={config.vocab_size}")
    # Built from the config read_config checked (not from_pretrained, which parses config.json again
    # its own way and accepts missing tensors unless told otherwise).
    model = read_weights(folder / WEIGHTS_FILE, config, folder / CONFIG_FILE)
    model.to(device).eval()
    return Checkpoint(
        model=model,
        vocab=vocab,
        path=folder,
        # what a downloaded lyric names, so that anyone can check which model wrote it
        file_hashes={name: sha256_of(folder / name) for name in (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)},
        metrics=read_json(folder / METRICS_FILE) or {},
        fingerprint=read_fingerprint(folder / FINGERPRINT_FILE),
    )


def read_fingerprint(path: Path) -> Fingerprint | None:
    """fingerprint.json as hash sets, built once here so that no request pays for it; None when absent."""
    data = read_json(path)
    if data is None:
        return None
    try:
        return Fingerprint.from_json(data)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: not a fingerprint ({type(e).__name__}: {e})") from e


def load_cells(root: str | Path, device: torch.device | str | None = None) -> dict[str, Checkpoint]:
    """Load root/rnn, root/lstm and root/gru (those present) once, onto device (default: GPU if any).

    root may be a hub id of a repository laid out the same way (`python -m lyricgen.hub push` of a root).
    Each folder must hold the cell its name says: a mix-up would label one model as another.
    """
    root = resolve_folder(root, ROOT_FILES)
    checkpoints: dict[str, Checkpoint] = {}
    for cell in CELLS:
        if not (root / cell).is_dir():
            continue
        ckpt = load_checkpoint(root / cell, device)
        if ckpt.model.config.cell != cell:
            raise CheckpointError(f"{root / cell}: holds a {ckpt.model.config.cell} model, not {cell}")
        checkpoints[cell] = ckpt
    if not checkpoints:
        raise CheckpointError(f"{root}: no weights folder named {', '.join(CELLS)}")
    return checkpoints

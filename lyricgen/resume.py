"""Resuming training: the model, the optimizer, the weight average and the random state after the last
finished epoch, kept beside the weights folder (OUT.resume/) as safetensors + JSON, no pickles.

A crash at any point leaves either the previous epoch's folder or the new one, never half of one
(checkpoint.atomic_replace), and the state file is written last: a folder without it is ignored.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .checkpoint import atomic_replace, read_json, recover, write_json
from .model import LyricModel, WeightAverage

RESUME_TENSORS = "state.safetensors"  # model, optimizer and random state after the last finished epoch
RESUME_STATE = "state.json"  # the loop's counters and history; written last, so its presence means "complete"


def resume_dir(out: Path) -> Path:
    return out.with_name(out.name + ".resume")


def save_resume(path: Path, model: LyricModel, optimizer: torch.optim.Optimizer, state: dict,
                average: WeightAverage | None = None) -> None:
    """Everything needed to continue after this epoch, as safetensors + JSON (no pickles), swapped in atomically."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if average is not None:
        tensors.update({f"average.{k}": v.cpu().contiguous() for k, v in average.shadow.items()})
        state = {**state, "average_steps": average.steps}
    opt = optimizer.state_dict()
    for pid, pstate in opt["state"].items():
        for key, value in pstate.items():
            tensors[f"optim.{pid}.{key}"] = torch.as_tensor(value).cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    # Tied weights appear twice in the state dict; safetensors refuses shared memory, so clone.
    tensors = {k: v.clone() for k, v in tensors.items()}

    def write(folder: Path) -> None:
        save_file(tensors, str(folder / RESUME_TENSORS))
        write_json(folder / RESUME_STATE, {**state, "param_groups": opt["param_groups"]})

    atomic_replace(path, write)


def discard_resume(path: Path) -> None:
    """Delete PATH, its state first: a kill part-way leaves a folder --resume ignores."""
    recover(path)
    (path / RESUME_STATE).unlink(missing_ok=True)
    shutil.rmtree(path, ignore_errors=True)


def load_resume(path: Path, model: LyricModel, optimizer: torch.optim.Optimizer,
                average: WeightAverage | None = None) -> dict:
    state = read_json(path / RESUME_STATE, required=True)
    tensors = load_file(str(path / RESUME_TENSORS))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)
    if average is not None:
        average.steps = state.pop("average_steps")
        for name in average.shadow:
            average.shadow[name].copy_(tensors[f"average.{name}"])
    opt_state: dict = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            opt_state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": state.pop("param_groups")})
    torch.set_rng_state(tensors["rng.torch"])
    return state

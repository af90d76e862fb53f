"""ModelScope (魔搭), reachable from mainland China where huggingface.co is not: weights and studios.

The `modelscope` SDK is optional (requirements-modelscope.txt) and imported only here, only when a
modelscope: weights id is loaded or something is sent to ModelScope: the app, a Hugging Face Space
and the tests need nothing of it. Why the SDK rather than git or raw HTTP: it is ModelScope's own
client, it reads the login `modelscope login` saved (or MODELSCOPE_API_TOKEN), it creates a studio
with its SDK settings in the same call, and its snapshot_download keeps a local cache as
huggingface_hub's does.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

PREFIX = "modelscope:"  # a weights id on ModelScope: modelscope:OWNER/NAME; without it an id means Hugging Face
REQUIREMENTS = "requirements-modelscope.txt"
# The SDK's StudioHardware.CPU_2V_16G (modelscope.utils.constant): the free 2-vCPU, 16 GB CPU studio.
STUDIO_HARDWARE = "platform/2v-cpu-16g-mem"


class MissingSDK(ImportError):
    """The modelscope package is not installed; the message says how to install it, in one sentence."""


def sdk() -> ModuleType:
    try:
        import modelscope
    except ImportError as e:
        raise MissingSDK(f"The ModelScope SDK is not installed: pip install -r {REQUIREMENTS}") from e
    return modelscope


def repo_of(text: str) -> str | None:
    """OWNER/NAME when text names a ModelScope repository (modelscope:OWNER/NAME), else None."""
    return text[len(PREFIX):] if text.startswith(PREFIX) else None


def snapshot(repo_id: str, allow_patterns: list[str]) -> Path:
    """The repository's files matching allow_patterns, downloaded (or from the SDK's cache) to a local folder."""
    return Path(sdk().snapshot_download(repo_id, allow_patterns=allow_patterns))

"""Where a job's PyTorch work runs: ``auto``, ``cpu`` or ``cuda`` (``cebra.device``,
``sae.device``), resolved once per job, and how many GPUs a job asks a scheduler for.

Example:
    >>> DEVICES
    ('auto', 'cpu', 'cuda')
    >>> gpu_count("cpu"), gpu_count("cuda")
    (0, 1)
"""

from __future__ import annotations

import shutil

from cebra_sae.config import load_schema
from cebra_sae.errors import StudyError

DEVICES = tuple(load_schema()["properties"]["cebra"]["properties"]["device"]["enum"])


def resolve_device(device: str, key: str = "device") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` must exist.

    Args:
        device: ``auto``, ``cpu`` or ``cuda``.
        key: the config key the value came from (``cebra.device``, ``sae.device``), named
            in the error.
    """
    import torch

    if device not in DEVICES:
        raise StudyError(f"{key} must be one of {DEVICES}, got '{device}'.")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise StudyError(
            f"{key}: cuda was requested but torch sees no GPU on this machine. "
            f"Fix: set {key}: auto (or cpu), or run on a GPU node."
        )
    return device


def gpu_count(device: str) -> int:
    """GPUs a job asks the scheduler for: 1 on ``cuda``; on ``auto`` 1 if this node has one
    (``nvidia-smi`` on the PATH), else 0."""
    if device == "cuda":
        return 1
    if device == "auto" and shutil.which("nvidia-smi"):
        return 1
    return 0

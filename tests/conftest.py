"""Shared fixtures: where the real recordings and golden reference live.

The real data is never copied into the repository: tests read it from the shared folder,
``$CEBRA_SAE_SHARED`` (default: ``../shared`` beside the repository), which holds
``data/`` (buddy.jl, achilles.npz) and ``reference/published_buddy/``.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

SHARED = Path(os.environ.get("CEBRA_SAE_SHARED", REPO.parent / "shared")).resolve()


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"{path} is missing: set CEBRA_SAE_SHARED to the shared folder that holds "
            "data/rat_hippocampus/buddy.jl, data/achilles.npz and reference/published_buddy/."
        )
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared folder (data, golden reference, test tools)."""
    return _need(SHARED)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """CEBRA's data folder: holds rat_hippocampus/buddy.jl."""
    return _need(SHARED / "data")


@pytest.fixture(scope="session")
def achilles_npz() -> Path:
    return _need(SHARED / "data" / "achilles.npz")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return _need(SHARED / "reference" / "published_buddy")

"""Shared fixtures: where the real recordings and golden reference live, and what a test
needs from outside the repository.

The real data is never copied into the repository: tests read it from a test-data folder,
``$CEBRA_SAE_SHARED`` (default: ``../shared`` beside the repository), which holds
``data/`` (buddy.jl, achilles.npz), ``reference/published_buddy/`` and ``tools/``.

A test that needs something the machine lacks (a file of that folder, Chromium, a SLURM)
skips with a reason naming what is missing and how to get it with only the public clone
(``needs.how_to_get``); under CI (``CI=true``) it fails instead, so CI always runs
everything.
"""

import os
from pathlib import Path

import pytest
from needs import how_to_get, require

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CEBRA_SAE_SHARED", REPO.parent / "shared")).resolve()


def _need(path: Path) -> Path:
    relative = path.relative_to(SHARED).as_posix() if path != SHARED else ""
    return require(path if path.exists() else None, str(path), how_to_get(relative, SHARED))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    """The test-data folder ``$CEBRA_SAE_SHARED`` (data, golden reference, test tools)."""
    return _need(SHARED)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """CEBRA's data folder: holds rat_hippocampus/buddy.jl."""
    _need(SHARED / "data" / "rat_hippocampus" / "buddy.jl")
    return SHARED / "data"


@pytest.fixture(scope="session")
def achilles_npz() -> Path:
    return _need(SHARED / "data" / "achilles.npz")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return _need(SHARED / "reference" / "published_buddy")


@pytest.fixture(scope="session")
def linear_track(shared) -> Path:
    """The third real rat: nelpy's linear-track session as NWB (docs/study.md §11)."""
    path = shared / "data" / "nwb" / "linear-track.nwb"
    how = (
        "It is nelpy's public linear-track example session (MIT licence) converted to NWB "
        "without preprocessing (md5 in nwb/MD5SUMS); it comes with the project's test data. "
        f"Put it at {path}, or point $CEBRA_SAE_SHARED at the test-data folder."
    )
    return require(path if path.exists() else None, str(path), how)

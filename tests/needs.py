"""What a test needs from outside the repository, and what happens when it is missing.

On a user's machine a missing thing (the shared folder with the real recordings, Chromium,
a SLURM) skips the test with a reason naming it and how to get it; under CI (``CI=true``)
it fails instead, so CI always runs everything.
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(available, what: str, how: str):
    """Skip (fail under CI) unless ``available``; returns it."""
    if not available:
        message = f"{what} is missing. {how}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: every test must run under CI)")
        pytest.skip(message)
    return available

"""What a test needs from outside the repository, and what happens when it is missing.

On a user's machine a missing thing (a real recording, the published study's artefacts,
Chromium, a SLURM) skips the test with a reason naming it and how to get it from a public
clone alone; under CI (``CI=true``) it fails instead, so CI always runs everything.

The real data lives outside the repository, in the test-data folder ``$CEBRA_SAE_SHARED``
(default: ``../shared`` beside the clone); :func:`how_to_get` says how to make each of its
files.
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

ENV = "CEBRA_SAE_SHARED"


def require(available, what: str, how: str):
    """Skip (fail under CI) unless ``available``; returns it."""
    if not available:
        message = f"{what} is missing. {how}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: every test must run under CI)")
        pytest.skip(message)
    return available


def _point_at(shared) -> str:
    return (
        f"Then run the tests with {ENV}=DIR (now {shared}; by default ../shared beside the clone)."
    )


def _buddy(shared) -> str:
    return (
        "It is CEBRA's own recording of rat buddy (md5 36341322907708c466871bf04bc133c2). "
        "Let CEBRA's loader download it, once, with internet access: python -c \"import "
        "cebra.datasets; cebra.datasets.init('rat-hippocampus-single-buddy', root='DIR/data', "
        'download=True)" writes DIR/data/rat_hippocampus/buddy.jl. ' + _point_at(shared)
    )


def _achilles(shared) -> str:
    return (
        "It is rat achilles as a user-supplied .npz recording (arrays spikes (10178, 120) and "
        "position (10178, 3)), exported from CEBRA's achilles dataset, once, with internet "
        "access: python -c \"import cebra.datasets, joblib, numpy as np; r='DIR/data'; "
        "cebra.datasets.init('rat-hippocampus-single-achilles', root=r, download=True); "
        "d = joblib.load(r + '/rat_hippocampus/achilles.jl'); "
        "np.savez(r + '/achilles.npz', spikes=d['spikes'], position=d['position'])\". "
        + _point_at(shared)
    )


def _reference(shared) -> str:
    return (
        "It holds the published study's own saved outputs for rat buddy (embeddings.npz, "
        "topk_sae_weights.npz, seed_code_values.csv, from the paper's public code); they come "
        "with the project's test data, not with the clone. The tests that need them check "
        "that the seed_code protocol's metrics reproduce the paper's golden values on those "
        "arrays; everything else runs without them. " + _point_at(shared)
    )


def _slurm_tools(shared) -> str:
    return (
        "It holds the test's single-node SLURM: start-slurm.sh (run as root on Debian 12) "
        "installs slurmctld slurmd slurm-client munge with apt-get, writes a one-node "
        "/etc/slurm/slurm.conf (partition debug) and starts munged, slurmctld and slurmd; "
        "stop-slurm.sh stops them. It comes with the project's test data, not with the "
        "clone. " + _point_at(shared)
    )


HOW = {
    "data/rat_hippocampus/buddy.jl": _buddy,
    "data/achilles.npz": _achilles,
    "reference/published_buddy": _reference,
    "tools/slurm-local": _slurm_tools,
}


def how_to_get(relative: str, shared) -> str:
    """How to get ``relative`` (a path inside the test-data folder ``shared``), in words a
    reader of the public clone can act on."""
    if relative in HOW:
        return HOW[relative](shared)
    return (
        "It is the test-data folder, which the clone does not include: DIR/data/rat_hippocampus/"
        "buddy.jl and DIR/data/achilles.npz are CEBRA's rats buddy and achilles (CEBRA's "
        "loader downloads them; each skipped test that needs one says how), "
        "DIR/reference/published_buddy/ the published study's artefacts for the golden-value "
        "tests, DIR/tools/slurm-local/ the SLURM test's single-node cluster (both come with "
        "the project's test data). " + _point_at(shared)
    )

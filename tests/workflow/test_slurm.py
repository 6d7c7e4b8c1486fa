"""The study through the project's SLURM profile, on a real (single-node) SLURM.

The cluster comes from the shared test tools (``$CEBRA_SAE_SHARED/tools/slurm-local``): its
start script installs and starts munged, slurmctld and slurmd (idempotent); this module stops
it again at the end. Only partition and status settings are overridden on the command line;
everything else comes from ``profiles/slurm``.
"""

import os
import re
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import REPO, snakemake
from needs import require

pytestmark = pytest.mark.workflow

CONFIG = REPO / "tests" / "configs" / "slurm.yaml"
TARGETS = ["results/tables/cebra_sweep.parquet", "results/tables/sae_sweep.parquet"]
TIMING = {"cebra_sweep": ["train_seconds"], "sae_sweep": ["block_seconds"]}


@pytest.fixture(scope="module")
def slurm(shared):
    tools = shared / "tools" / "slurm-local"
    require(os.geteuid() == 0, "Root (the SLURM test starts a local slurmctld and slurmd)",
            f"Run pytest as root (Debian 12): the test runs {tools}/start-slurm.sh, which "
            "installs slurmctld slurmd slurm-client munge with apt-get, writes a one-node "
            "/etc/slurm/slurm.conf (partition debug) and starts munged, slurmctld and slurmd; "
            "stop-slurm.sh stops them after the test.")  # fmt: skip
    start = subprocess.run(["bash", str(tools / "start-slurm.sh")], capture_output=True,
                           text=True, timeout=600)  # fmt: skip
    require(start.returncode == 0, "A single-node SLURM (start-slurm.sh failed)",
            "It needs root and apt-get access to Debian's slurmctld slurmd slurm-client munge "
            f"packages. Its output: {(start.stdout + start.stderr)[-1500:]}")  # fmt: skip
    yield
    subprocess.run(["bash", str(tools / "stop-slurm.sh")], capture_output=True, timeout=120)


@pytest.mark.long  # CI runs it (pytest -m long); the README's command does not
def test_slurm_profile_runs_the_study_and_matches_a_local_run(slurm, tmp_path):
    local_dir, slurm_dir = tmp_path / "local", tmp_path / "slurm"
    local_dir.mkdir()
    slurm_dir.mkdir()
    local = snakemake(*TARGETS, "--cores", 2, "--configfile", CONFIG, cwd=local_dir)
    assert local.returncode == 0, local.stdout[-3000:]

    started = time.monotonic()
    run = subprocess.run(
        # Snakemake ignores SIGTERM while jobs run: stop it with SIGINT if it hangs
        ["timeout", "-s", "INT", "-k", "30", "900", sys.executable, "-m", "snakemake", *TARGETS,
         "-s", str(REPO / "Snakefile"), "--profile", str(REPO / "profiles/slurm"),
         # the test cluster: partition "debug", no accounting daemon (status from squeue)
         "--default-resources", "slurm_partition=debug", "runtime=30", "mem_mb=2000",
         "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
         "--latency-wait", "5", "--jobs", "4", "--configfile", str(CONFIG)],
        cwd=slurm_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-5000:]
    job_ids = sorted(set(re.findall(r"submitted with SLURM jobid (\d+)", run.stdout)))
    print(f"SLURM run: {seconds:.0f} s, job ids {job_ids}")
    # simulate; the CEBRA fit with its decoding (group cebra); the SAE blocks (group sae);
    # the tables are local rules, run on the submit host
    assert len(job_ids) == 3, run.stdout[-3000:]
    groups = set(re.findall(r"slurm_logs/([^/]+)/", run.stdout))  # the plugin's log folders
    assert any(g.startswith("group_cebra") for g in groups), groups
    assert any(g.startswith("group_sae") for g in groups), groups
    states = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i %T", "-j",
                             ",".join(job_ids)], capture_output=True, text=True)  # fmt: skip
    seen = dict(line.split() for line in states.stdout.splitlines())
    assert set(seen) == set(job_ids) and set(seen.values()) == {"COMPLETED"}, states.stdout

    for table, timing in TIMING.items():
        a = pd.read_parquet(local_dir / f"results/tables/{table}.parquet").drop(columns=timing)
        b = pd.read_parquet(slurm_dir / f"results/tables/{table}.parquet").drop(columns=timing)
        pd.testing.assert_frame_equal(a, b)


def test_a_slurm_run_of_the_full_study_submits_one_job_per_fit_block_group_and_case(tmp_path):
    """The DAG a cluster sees: tables, figures and pages run on the submit host, a CEBRA fit
    and its decoding are one submission, 12 SAE blocks are one (counted from the SLURM
    profile's dry run; nothing is submitted, no SLURM is needed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "slurm_submissions", REPO / "benchmarks" / "slurm_submissions.py"
    )
    counter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counter)
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    run = snakemake("-n", "--profile", REPO / "profiles/slurm", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    local = counter.local_rules(REPO / "Snakefile", tmp_path, [])
    assert {"cebra_sweep", "posthoc_table", "claims", "figure_forest", "effect_real"} <= local
    assert not {"train_cebra", "train_sae", "posthoc"} & local
    result = counter.count(run.stdout, local)
    # 4 recordings prepared, 16 post-hoc cases (4 rats x 4 dims), 64 fits + 16 shuffled-spikes
    # fits each with its decoding, 144 SAE blocks in groups of 12
    assert result["remote_jobs"] == {"prepare_recording": 4, "posthoc": 16}
    assert result["group_jobs"] == {"cebra": 64 + 16, "sae": 144 // 12}
    assert result["submissions"] == 112

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def snakemake(*args, cwd, timeout=900):
    """Run the Snakemake CLI on the project's Snakefile; ``.stdout`` holds stdout and stderr."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), *map(str, args)]
    return subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
    )


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake run or dry run as {rule: count}."""
    counts, in_table = {}, False
    for line in output.splitlines():
        if line.startswith("Job stats:"):
            counts, in_table = {}, True
            continue
        parts = line.split()
        if in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
        elif in_table and counts and not line.strip():
            in_table = False
    return counts


@pytest.fixture(scope="session")
def tiny_config():
    return REPO / "tests" / "configs" / "tiny.yaml"

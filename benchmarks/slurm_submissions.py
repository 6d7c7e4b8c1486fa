"""How many sbatch submissions a SLURM run of a config makes, counted from its dry run.

A run through ``profiles/slurm`` submits one SLURM job per job that is not a local rule and
in no group, plus one per group job (``group: cebra`` puts a CEBRA fit and its decoding
together, ``group-components: sae=12`` bundles 12 SAE blocks). This script makes the dry
run of that profile (nothing is submitted; no SLURM is needed), reads its jobs and group
jobs, and asks Snakemake's own workflow object which rules are local:

    python benchmarks/slurm_submissions.py          # config.yaml
    python benchmarks/slurm_submissions.py --configfile config/rigorous.yaml \
        --replace-workflow-config

Run it from the repository root (its ``config.yaml``); extra arguments go to Snakemake.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def local_rules(snakefile: Path, workdir: Path, extra: list[str]) -> set[str]:
    """The rules Snakemake runs on the submit host under a cluster executor."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    configfiles = [Path(a) for a, flag in zip(extra[1:], extra, strict=False)
                   if flag == "--configfile"]  # fmt: skip
    settings = ConfigSettings(
        configfiles=configfiles,
        replace_workflow_config="--replace-workflow-config" in extra,
    )
    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=settings,
            snakefile=snakefile,
            workdir=workdir,
        )._workflow
        return {r.name for r in workflow.rules
                if r.group is None and (r.name in workflow._localrules or r.norun)}  # fmt: skip


def count(dry_run: str, local: set[str]) -> dict:
    """Jobs per rule outside groups, and group jobs, from a dry run's log."""
    jobs, groups, in_group = collections.Counter(), collections.Counter(), False
    for line in dry_run.splitlines():
        group = re.search(r"Group job (\S+)", line)
        if group:
            groups[group.group(1)] += 1
            in_group = True
            continue
        rule = re.match(r"^(\s*)(?:local)?rule (\S+):", line)
        if rule:
            in_group = bool(rule.group(1))  # a group's jobs are indented
            if not in_group:
                jobs[rule.group(2)] += 1
    remote = {name: n for name, n in jobs.items() if name not in local}
    return {"remote_jobs": remote, "group_jobs": dict(groups),
            "local_jobs": sum(n for name, n in jobs.items() if name in local),
            "submissions": sum(remote.values()) + sum(groups.values())}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snakefile", type=Path, default=REPO / "Snakefile")
    args, extra = parser.parse_known_args(argv)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(args.snakefile), "-n",
           "--profile", str(REPO / "profiles" / "slurm"), *extra]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode:
        print(run.stdout[-3000:], run.stderr[-3000:], file=sys.stderr)
        return run.returncode
    result = count(run.stdout + run.stderr, local_rules(args.snakefile, Path.cwd(), extra))
    for name, n in sorted(result["remote_jobs"].items(), key=lambda item: -item[1]):
        print(f"  {name}: {n} submissions")
    for name, n in result["group_jobs"].items():
        print(f"  group {name}: {n} submissions")
    print(f"{result['local_jobs']} jobs on the submit host; "
          f"{result['submissions']} sbatch submissions")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

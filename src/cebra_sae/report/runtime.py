"""Where the time went: every job's Snakemake benchmark file as one table.

Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "train_sae" / "paper").mkdir(parents=True)
    >>> _ = (root / "train_sae" / "paper" / "topk-x8.tsv").write_text(
    ...     "s\\th:m:s\\tmax_rss\\tmax_vms\\tmax_uss\\tmax_pss\\tio_in\\tio_out\\tmean_load"
    ...     "\\tcpu_time\\n12.5\\t0:00:12\\t300.0\\t1\\t1\\t1\\t0\\t0\\t90\\t11.0\\n")
    >>> runtime_table(root)[["rule", "wildcards", "seconds"]].values.tolist()
    [['train_sae', 'paper/topk-x8', 12.5]]
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cebra_sae.tables import RUNTIME_SCHEMA, conform

#: The last line a finished job writes to its log (``scripts/common.py``, ``timing_line``).
TIMING = re.compile(r"timing: start-up ([0-9.]+) s, compute ([0-9.]+) s")


def startup_seconds(log_path) -> float:
    """A job's start-up (interpreter, Snakemake's preamble, the script's imports) from its
    log's timing line; NaN without one (a job that failed, or an older log).

    Example:
        >>> import pathlib, tempfile
        >>> log = pathlib.Path(tempfile.mkdtemp()) / "job.log"
        >>> _ = log.write_text("2026-12-05 21:00:00,000 timing: start-up 1.250 s, compute 3.5 s\\n")
        >>> startup_seconds(log), startup_seconds(log.with_name("none.log"))
        (1.25, nan)
    """
    path = Path(log_path)
    found = TIMING.findall(path.read_text(errors="replace")) if path.exists() else []
    return float(found[-1][0]) if found else float("nan")


def runtime_table(benchmark_dir, log_dir=None) -> pd.DataFrame:
    """One row per Snakemake benchmark file under ``benchmark_dir`` (``{rule}/...tsv``), with
    the start-up read from the job's log under ``log_dir`` (same relative path, ``.log``)."""
    root = Path(benchmark_dir)
    rows = []
    for path in sorted(root.rglob("*.tsv")):
        bench = pd.read_csv(path, sep="\t")
        relative = path.relative_to(root).with_suffix("")
        log = Path(log_dir) / f"{relative}.log" if log_dir else None  # as log(rule, pattern)
        rows.append({
            "rule": relative.parts[0],
            "wildcards": "/".join(relative.parts[1:]) or "",
            "seconds": float(bench["s"].iloc[0]),
            "cpu_seconds": float(bench.get("cpu_time", pd.Series([float("nan")])).iloc[0]),
            "startup_seconds": startup_seconds(log) if log else float("nan"),
            "max_rss_mb": pd.to_numeric(bench["max_rss"], errors="coerce").iloc[0],
            "benchmark": str(path),
        })  # fmt: skip
    return conform(pd.DataFrame(rows, columns=list(RUNTIME_SCHEMA.columns)), RUNTIME_SCHEMA)

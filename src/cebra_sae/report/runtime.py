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

from pathlib import Path

import pandas as pd

from cebra_sae.tables import RUNTIME_SCHEMA, conform


def runtime_table(benchmark_dir) -> pd.DataFrame:
    """One row per Snakemake benchmark file under ``benchmark_dir`` (``{rule}/...tsv``)."""
    root = Path(benchmark_dir)
    rows = []
    for path in sorted(root.rglob("*.tsv")):
        bench = pd.read_csv(path, sep="\t")
        relative = path.relative_to(root).with_suffix("")
        rows.append({
            "rule": relative.parts[0],
            "wildcards": "/".join(relative.parts[1:]) or "",
            "seconds": float(bench["s"].iloc[0]),
            "cpu_seconds": float(bench.get("cpu_time", pd.Series([float("nan")])).iloc[0]),
            "max_rss_mb": pd.to_numeric(bench["max_rss"], errors="coerce").iloc[0],
            "benchmark": str(path),
        })  # fmt: skip
    return conform(pd.DataFrame(rows, columns=list(RUNTIME_SCHEMA.columns)), RUNTIME_SCHEMA)

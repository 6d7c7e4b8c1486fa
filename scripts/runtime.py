"""Rule runtime: every job's Snakemake benchmark in one table."""

from pathlib import Path

from common import log, run_rule

from cebra_sae.report.runtime import runtime_table
from cebra_sae.tables import RUNTIME_SCHEMA, write_table


def main(snakemake):
    runtime = runtime_table(Path(snakemake.params.benchmarks), Path(snakemake.params.logs))
    log.info("%d benchmark files, %.0f s of job wall time", len(runtime), runtime.seconds.sum())
    write_table(runtime, snakemake.output[0], RUNTIME_SCHEMA)


run_rule(main, snakemake)

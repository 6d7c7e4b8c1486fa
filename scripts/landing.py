"""Rule landing: the report's first screen (the answer table, what the run found, then the
study's description) and the answer table's Parquet file."""

from datetime import date
from pathlib import Path

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.report.answers import answer_table
from cebra_sae.report.findings import landing_rst
from cebra_sae.tables import ANSWERS_SCHEMA, write_table


def main(snakemake):
    inp = snakemake.input
    posthoc, stability = pd.read_parquet(inp.posthoc), pd.read_parquet(inp.stability)
    answers = answer_table(posthoc, stability, pd.read_parquet(inp.runtime))
    write_table(answers, snakemake.output.answers, ANSWERS_SCHEMA)
    text = landing_rst(
        pd.read_parquet(inp.claims),
        posthoc,
        stability,
        Path(snakemake.input.description).read_text(encoding="utf-8"),
        f"{', '.join(snakemake.params.configfiles) or 'config.yaml'}, tables of "
        f"{date.fromtimestamp(Path(snakemake.input.claims).stat().st_mtime).isoformat()}",
        snakemake.params.links,
        answers,
    )
    with atomic_write(snakemake.output.landing) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


run_rule(main, snakemake)

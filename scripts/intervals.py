"""Rule intervals: bootstrap intervals of the post-hoc metrics, for Figures 4-6."""

import pandas as pd
from common import run_rule

from cebra_sae.claims.intervals import intervals_table
from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.tables import INTERVALS_SCHEMA, write_table


def main(snakemake):
    posthoc = pd.read_parquet(snakemake.input[0])
    table = intervals_table(posthoc, ClaimSettings(**snakemake.params.claims))
    write_table(table, snakemake.output[0], INTERVALS_SCHEMA)


run_rule(main, snakemake)

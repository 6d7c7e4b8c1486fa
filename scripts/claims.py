"""Rule claims: measure and judge the paper's claims C1-C6 and C7-C9 from the tables."""

import pandas as pd
from common import log, run_rule

from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.claims.paper import claims_table
from cebra_sae.tables import CLAIMS_SCHEMA, write_table


def main(snakemake):
    sweep = pd.read_parquet(snakemake.input.sweep)
    posthoc = pd.read_parquet(snakemake.input.posthoc)
    stability = pd.read_parquet(snakemake.input.stability)
    table = claims_table(sweep, posthoc, ClaimSettings(**snakemake.params.claims), stability)
    for row in table[table.baseline == "claim"].drop_duplicates(["protocol", "claim"]).itertuples():
        log.info("%s %s: %s", row.protocol, row.claim, row.claim_verdict)
    write_table(table, snakemake.output[0], CLAIMS_SCHEMA)


run_rule(main, snakemake)

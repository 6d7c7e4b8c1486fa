"""Rule sae_pareto: the SAEs on each rat x dim x architecture's EV vs sparsity front."""

import pandas as pd
from common import log, run_rule

from cebra_sae.sae_sweep import paper_grid, pareto_front
from cebra_sae.tables import SAE_PARETO_SCHEMA, write_table


def main(snakemake):
    sweep = pd.read_parquet(snakemake.input[0])
    front = pareto_front(paper_grid(sweep))
    log.info("%d of %d models on a Pareto front", len(front), len(sweep))
    write_table(front, snakemake.output[0], SAE_PARETO_SCHEMA)


run_rule(main, snakemake)

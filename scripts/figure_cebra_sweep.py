"""Rule figure_cebra_sweep: Figure 1 from cebra_sweep.parquet."""

import pandas as pd
from common import run_rule

from cebra_sae.figures import figure_cebra_sweep, save_figure


def main(snakemake):
    save_figure(figure_cebra_sweep(pd.read_parquet(snakemake.input[0])), snakemake.output[0])


run_rule(main, snakemake)

"""Rule figure_sae_sweep_grid: every rat x dim panel of Figures 2-3 in one figure."""

import pandas as pd
from common import run_rule

from cebra_sae.figures import figure_sae_sweep_grid, save_figure


def main(snakemake):
    save_figure(figure_sae_sweep_grid(pd.read_parquet(snakemake.input[0])), snakemake.output[0])


run_rule(main, snakemake)

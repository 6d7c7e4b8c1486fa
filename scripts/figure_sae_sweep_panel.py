"""Rule figure_sae_sweep_panel: Figures 2-3 for one protocol x rat x dim."""

import pandas as pd
from common import run_rule

from cebra_sae.figures import figure_sae_sweep_panel, save_figure


def main(snakemake):
    w = snakemake.wildcards
    sweep = pd.read_parquet(snakemake.input[0])
    save_figure(figure_sae_sweep_panel(sweep, w.protocol, w.rat, int(w.dim)), snakemake.output[0])


run_rule(main, snakemake)

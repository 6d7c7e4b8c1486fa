"""Rules figure_scores, figure_decoding, figure_scores_by_dim: Figures 4-6 from posthoc."""

import pandas as pd
from common import run_rule

from cebra_sae import figures


def main(snakemake):
    draw = getattr(figures, snakemake.params.figure)
    save_figure = figures.save_figure
    save_figure(draw(pd.read_parquet(snakemake.input[0])), snakemake.output[0])


run_rule(main, snakemake)

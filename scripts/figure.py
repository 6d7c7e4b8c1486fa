"""Rules figure_*: draw one registered figure (cebra_sae.report.figures.FIGURES) from its tables."""

import pandas as pd
from common import run_rule

from cebra_sae.report.figures import FIGURES, save_figure


def main(snakemake):
    figure = FIGURES[snakemake.params.figure]
    tables = [pd.read_parquet(path) for path in snakemake.input]
    save_figure(figure.draw(*tables, **dict(snakemake.wildcards)), snakemake.output[0])


run_rule(main, snakemake)

"""Rules of cebra_sae.report.pages.PAGES: write one report page from its tables."""

from pathlib import Path

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.report.pages import PAGES


def main(snakemake):
    page = PAGES[snakemake.params.page]
    html = page.build(*(pd.read_parquet(path) for path in snakemake.input))
    with atomic_write(snakemake.output[0]) as tmp:
        Path(tmp).write_text(html, encoding="utf-8")


run_rule(main, snakemake)

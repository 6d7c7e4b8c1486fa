"""Rule latent_meaning: the report page "What a latent means" from the posthoc table."""

from pathlib import Path

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.pages import latent_meaning_page


def main(snakemake):
    page = latent_meaning_page(pd.read_parquet(snakemake.input.posthoc))
    with atomic_write(snakemake.output[0]) as tmp:
        Path(tmp).write_text(page)


run_rule(main, snakemake)

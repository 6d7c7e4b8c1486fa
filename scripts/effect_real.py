"""Rule effect_real: the report page "Is the effect real?" from claims, posthoc, stability."""

from pathlib import Path

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.pages import effect_real_page


def main(snakemake):
    inp = snakemake.input
    page = effect_real_page(pd.read_parquet(inp.claims), pd.read_parquet(inp.posthoc),
                            pd.read_parquet(inp.stability))  # fmt: skip
    with atomic_write(snakemake.output[0]) as tmp:
        Path(tmp).write_text(page)


run_rule(main, snakemake)

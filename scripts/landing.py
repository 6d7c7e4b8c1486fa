"""Rule landing: the report's first screen (what the run found, then the study's description)."""

from datetime import date
from pathlib import Path

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.report.findings import landing_rst


def main(snakemake):
    text = landing_rst(
        pd.read_parquet(snakemake.input.claims),
        pd.read_parquet(snakemake.input.posthoc),
        pd.read_parquet(snakemake.input.stability),
        Path(snakemake.input.description).read_text(encoding="utf-8"),
        f"{', '.join(snakemake.params.configfiles) or 'config.yaml'}, tables of "
        f"{date.fromtimestamp(Path(snakemake.input.claims).stat().st_mtime).isoformat()}",
        snakemake.params.links,
    )
    with atomic_write(snakemake.output[0]) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


run_rule(main, snakemake)

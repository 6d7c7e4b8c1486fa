"""Rule table_html: render a Parquet table as an HTML page for the report."""

import pandas as pd
from common import run_rule

from cebra_sae.io import atomic_write
from cebra_sae.report.html import table_html


def main(snakemake):
    df = pd.read_parquet(snakemake.input[0])
    html = table_html(df, snakemake.params.title)
    with atomic_write(snakemake.output[0]) as tmp:
        tmp.write_text(html, encoding="utf-8")


run_rule(main, snakemake)

"""Tables as HTML pages of the Snakemake report, and which tables the report shows.

Example:
    >>> import pandas as pd
    >>> page = table_html(pd.DataFrame({"a": [1.23456]}), "t")
    >>> "<h2>t</h2>" in page and "1.235" in page
    True
    >>> REPORT_TABLES["posthoc"]
    'Post-hoc'
"""

from __future__ import annotations

import pandas as pd

from cebra_sae.report import categories

#: The tables the report shows, each as an HTML page, and the category it is shown in.
REPORT_TABLES = {
    "data_summary": categories.DATA,
    "cebra_sweep": categories.CEBRA,
    "sae_sweep": categories.SAE_SWEEP,
    "sae_pareto": categories.SAE_SWEEP,
    "posthoc": categories.POSTHOC,
    "claims": categories.CLAIMS,
    "intervals": categories.CLAIMS,
    "stability": categories.EFFECT_REAL,
    "latents": categories.LATENT_MEANING,
}

#: Rows shown of a long table (the Parquet file has them all).
MAX_ROWS = 3000

STYLE = (
    "body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}"
    "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
    "th{background:#f4f4f4;position:sticky;top:0}"
)


def table_html(df: pd.DataFrame, title: str, max_rows: int | None = MAX_ROWS) -> str:
    """A self-contained HTML page of ``df`` for the Snakemake report."""
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    note = ""
    if shown is not df:
        note = f"<p>First {max_rows} of {len(df)} rows; the Parquet file has all.</p>"
    return page(title, f"<h2>{title}</h2>{note}{table_body(shown)}", STYLE)


def table_body(df: pd.DataFrame) -> str:
    """``df`` as an HTML ``<table>`` (numbers to 4 significant digits, missing as blank)."""
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0)


def page(title: str, body: str, style: str = STYLE) -> str:
    """A self-contained HTML page."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )

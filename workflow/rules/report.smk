"""Report stage: every table as an HTML page in the Snakemake report."""


rule table_html:
    """A study table rendered for `snakemake --report`."""
    input:
        f"{RESULTS}/tables/{{table}}.parquet",
    output:
        report(
            f"{RESULTS}/report/{{table}}.html",
            caption="../report/{table}.rst",
            category=lambda w: REPORT_TABLES[w.table],
            labels={"table": "{table}"},
        ),
    log:
        f"{LOGS}/table_html/{{table}}.log",
    benchmark:
        f"{BENCHMARKS}/table_html/{{table}}.tsv"
    wildcard_constraints:
        table="|".join(REPORT_TABLES),
    conda:
        "../../envs/analysis.yaml"
    params:
        max_rows=3000,
    script:
        "../../scripts/table_html.py"

"""Report stage: every table as an HTML page in the Snakemake report."""

# One rule per table: a report caption cannot depend on wildcards.
for table, category in REPORT_TABLES.items():

    rule:
        name:
            f"table_html_{table}"
        input:
            f"{RESULTS}/tables/{table}.parquet",
        output:
            report(
                f"{RESULTS}/report/{table}.html",
                caption=f"../report/{table}.rst",
                category=category,
                labels={"table": table},
            ),
        log:
            f"{LOGS}/table_html/{table}.log",
        benchmark:
            f"{BENCHMARKS}/table_html/{table}.tsv"
        conda:
            "../../envs/analysis.yaml"
        params:
            max_rows=3000,
            title=table,
        script:
            "../../scripts/table_html.py"


rule runtime:
    """Every job's benchmark (rule, wildcards, seconds, memory) in one table."""
    input:
        # run after the study's tables, so that their jobs' benchmarks exist
        [f"{RESULTS}/tables/{table}.parquet" for table in REPORT_TABLES],
    output:
        f"{RESULTS}/tables/runtime.parquet",
    log:
        f"{LOGS}/runtime.log",
    benchmark:
        f"{BENCHMARKS}/runtime.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        benchmarks=BENCHMARKS,
    script:
        "../../scripts/runtime.py"

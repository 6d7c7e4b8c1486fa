"""Figures: drawn from the tables only, one rule per entry of cebra_sae.figures.FIGURES."""

# One rule per figure: a report caption cannot depend on wildcards.
for figure in FIGURES.values():

    rule:
        name:
            f"figure_{figure.name}"
        input:
            [f"{RESULTS}/tables/{table}.parquet" for table in figure.tables],
        output:
            report(
                f"{RESULTS}/figures/{figure.output}",
                caption=f"../report/{figure.name}.rst",
                category=figure.category,
                subcategory=f"{{{figure.wildcards[0]}}}" if figure.wildcards else None,
                labels={w: f"{{{w}}}" for w in figure.wildcards[1:]} or None,
            ),
        log:
            f"{LOGS}/figures/{figure.output.removesuffix('.png')}.log",
        benchmark:
            f"{BENCHMARKS}/figure_{figure.name}/{figure.output.removesuffix('.png')}.tsv"
        conda:
            "../../envs/analysis.yaml"
        params:
            figure=figure.name,
        script:
            "../../scripts/figure.py"

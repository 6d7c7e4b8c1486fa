"""Figures: drawn from the tables only."""


rule figure_cebra_sweep:
    """Figure 1: validation decoding of every CEBRA model, coloured by hyperparameter."""
    input:
        f"{RESULTS}/tables/cebra_sweep.parquet",
    output:
        report(
            f"{RESULTS}/figures/fig1_cebra_sweep.png",
            caption="../report/fig1_cebra_sweep.rst",
            category="CEBRA",
        ),
    log:
        f"{LOGS}/figure_cebra_sweep.log",
    benchmark:
        f"{BENCHMARKS}/figure_cebra_sweep.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/figure_cebra_sweep.py"

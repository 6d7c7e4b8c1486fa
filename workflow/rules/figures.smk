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


rule figure_sae_sweep_grid:
    """Figures 2-3 for every rat x dim: explained variance vs nonzero ratio."""
    input:
        f"{RESULTS}/tables/sae_sweep.parquet",
    output:
        report(
            f"{RESULTS}/figures/fig2_3_sae_sweep.png",
            caption="../report/fig2_3_sae_sweep.rst",
            category="SAE sweep",
        ),
    log:
        f"{LOGS}/figure_sae_sweep_grid.log",
    benchmark:
        f"{BENCHMARKS}/figure_sae_sweep_grid.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/figure_sae_sweep_grid.py"


rule figure_sae_sweep_panel:
    """Figures 2-3 for one rat x dim (the paper shows achilles-8 and cicero-64)."""
    input:
        f"{RESULTS}/tables/sae_sweep.parquet",
    output:
        report(
            f"{RESULTS}/figures/sae_sweep/{{protocol}}/{{rat}}-dim{{dim}}.png",
            caption="../report/sae_sweep_panel.rst",
            category="SAE sweep",
            subcategory="{protocol}",
            labels={"rat": "{rat}", "dim": "{dim}"},
        ),
    log:
        f"{LOGS}/figure_sae_sweep_panel/{{protocol}}/{{rat}}-dim{{dim}}.log",
    benchmark:
        f"{BENCHMARKS}/figure_sae_sweep_panel/{{protocol}}/{{rat}}-dim{{dim}}.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/figure_sae_sweep_panel.py"


# One rule per post-hoc figure: a report caption cannot depend on wildcards.
for figure, draw in POSTHOC_FIGURES.items():

    rule:
        name:
            f"figure_{figure.split('_', 1)[1]}"
        input:
            f"{RESULTS}/tables/posthoc.parquet",
        output:
            report(
                f"{RESULTS}/figures/{figure}.png",
                caption=f"../report/{figure}.rst",
                category="Post-hoc",
            ),
        log:
            f"{LOGS}/{figure}.log",
        benchmark:
            f"{BENCHMARKS}/{figure}.tsv"
        conda:
            "../../envs/analysis.yaml"
        params:
            figure=draw,
        script:
            "../../scripts/figure_posthoc.py"

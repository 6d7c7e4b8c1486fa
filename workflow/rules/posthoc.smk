"""Post-hoc stage: CEBRA vs the selected SAEs per rat x dim, Pareto fronts, claims."""


rule posthoc:
    """Decoding, neuron and behaviour scores of CEBRA and each selected SAE; latents.

    CEBRA's decoding is read from its cebra_sweep row, each SAE's id, width and nonzero
    ratio from its sae_sweep row (and checked against re-encoding).
    """
    input:
        data=f"{RESULTS}/data/{{rat}}.npz",
        embedding=final_cebra_file("embedding.npz"),
        decoding=final_cebra_file("decoding.parquet"),
        sweep=selected_block("metrics.parquet"),
        checkpoint=selected_block("checkpoint.npz"),
    output:
        scores=f"{RESULTS}/posthoc/{POSTHOC_CASE}/scores.parquet",
        latents=f"{RESULTS}/posthoc/{POSTHOC_CASE}/latents.npz",
    log:
        f"{LOGS}/posthoc/{POSTHOC_CASE}.log",
    benchmark:
        f"{BENCHMARKS}/posthoc/{POSTHOC_CASE}.tsv"
    conda:
        "../../envs/cebra.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        selection=SELECTION,
        seed=SAE["seeds"][0],
        scoring={key: value for key, value in POSTHOC.items() if key != "selection"},
        decoding=config["decoding"],
    script:
        "../../scripts/posthoc.py"


rule posthoc_table:
    """Every representation of the post-hoc study in one table."""
    input:
        posthoc_files("scores.parquet"),
    output:
        f"{RESULTS}/tables/posthoc.parquet",
    log:
        f"{LOGS}/posthoc_table.log",
    benchmark:
        f"{BENCHMARKS}/posthoc_table.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        table="posthoc",
        sort_by=["protocol", "rat", "dim", "model", "k"],
    script:
        "../../scripts/aggregate_table.py"


rule sae_pareto:
    """Per protocol x rat x dim x architecture: the SAEs on the EV vs sparsity front."""
    input:
        f"{RESULTS}/tables/sae_sweep.parquet",
    output:
        f"{RESULTS}/tables/sae_pareto.parquet",
    log:
        f"{LOGS}/sae_pareto.log",
    benchmark:
        f"{BENCHMARKS}/sae_pareto.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/sae_pareto.py"


rule claims:
    """The paper's claims C1-C6: effect, spread over rat x dim, verdict, per protocol."""
    input:
        sweep=f"{RESULTS}/tables/sae_sweep.parquet",
        posthoc=f"{RESULTS}/tables/posthoc.parquet",
    output:
        f"{RESULTS}/tables/claims.parquet",
    log:
        f"{LOGS}/claims.log",
    benchmark:
        f"{BENCHMARKS}/claims.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        claims=config["claims"],
    script:
        "../../scripts/claims.py"

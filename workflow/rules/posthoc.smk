"""Post-hoc stage: CEBRA vs the selected SAEs per rat x dim, Pareto fronts, claims."""


rule posthoc:
    """Decoding, neuron and behaviour scores (with time-shift nulls) of CEBRA, each selected
    SAE and the null representations of one rat x dim x seed; latents; what each latent
    means (tuning curves, spatial information, best neuron, CEBRA attribution, recovery of
    a simulated rat's true factors).

    CEBRA's decoding is read from its cebra_sweep row, each SAE's id, width and nonzero
    ratio from its sae_sweep row (and checked against re-encoding).
    """
    input:
        data=f"{RESULTS}/data/{{rat}}.npz",
        embedding=final_cebra_file("embedding.npz"),
        decoding=final_cebra_file("decoding.parquet"),
        sweep=selected_block("metrics.parquet"),
        checkpoint=selected_block("checkpoint.npz"),
        shuffled=shuffled_cebra_input,
        factors=factors_input,
        model=attribution_input,
    output:
        scores=f"{RESULTS}/posthoc/{POSTHOC_CASE}/scores.parquet",
        latents=f"{RESULTS}/posthoc/{POSTHOC_CASE}/latents.npz",
        latent_table=f"{RESULTS}/posthoc/{POSTHOC_CASE}/latents.parquet",
        curves=f"{RESULTS}/posthoc/{POSTHOC_CASE}/tuning_curves.parquet",
    log:
        f"{LOGS}/posthoc/{POSTHOC_CASE}.log",
    benchmark:
        f"{BENCHMARKS}/posthoc/{POSTHOC_CASE}.tsv"
    conda:
        "../../envs/cebra.yaml"
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        selection=SELECTION,
        sae_seeds=SAE["seeds"],
        scoring={key: value for key, value in POSTHOC.items() if key != "selection"},
        decoding=config["decoding"],
        curves=lambda w: int(w.seed) == FIRST_SEED,
        curve_sae_seed=SAE["seeds"][0],
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
        sort_by=["protocol", "rat", "dim", "seed", "model", "k", "sae_seed"],
    script:
        "../../scripts/aggregate_table.py"


rule latents_table:
    """One row per latent of every post-hoc representation: what it means on the track."""
    input:
        posthoc_files("latents.parquet"),
    output:
        f"{RESULTS}/tables/latents.parquet",
    log:
        f"{LOGS}/latents_table.log",
    benchmark:
        f"{BENCHMARKS}/latents_table.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        table="latents",
        sort_by=["protocol", "rat", "dim", "seed", "model", "k", "sae_seed", "latent"],
    script:
        "../../scripts/aggregate_table.py"


rule tuning_curves_table:
    """The tuning curves of every latent of the first CEBRA seed (first SAE seed)."""
    input:
        expand(
            f"{RESULTS}/posthoc/{POSTHOC_CASE}/tuning_curves.parquet",
            protocol=PROTOCOLS,
            rat=RATS,
            dim=CEBRA["output_dimension"],
            seed=FIRST_SEED,
        ),
    output:
        f"{RESULTS}/tables/tuning_curves.parquet",
    log:
        f"{LOGS}/tuning_curves_table.log",
    benchmark:
        f"{BENCHMARKS}/tuning_curves_table.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        table="tuning_curves",
        sort_by=["protocol", "rat", "dim", "model", "k", "latent", "direction", "bin"],
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


rule stability:
    """CEBRA consistency between seeds per rat x dim; SAE decoder directions matched
    across SAE seeds (vs random decoders) per rat x dim x seed x k."""
    input:
        embeddings=STABILITY_EMBEDDINGS,
        checkpoints=STABILITY_CHECKPOINTS,
    output:
        f"{RESULTS}/tables/stability.parquet",
    log:
        f"{LOGS}/stability.log",
    benchmark:
        f"{BENCHMARKS}/stability.tsv"
    conda:
        "../../envs/cebra.yaml"
    params:
        cases=STABILITY_KEYS,
        seeds=CEBRA["seeds"],
        sae_seeds=SAE["seeds"],
        selection=SELECTION,
        arch=SELECTION["arch"],
        expansion=SELECTION["expansion"],
        threshold=POSTHOC["match_cosine"],
    script:
        "../../scripts/stability.py"


rule intervals:
    """Mean and hierarchical-bootstrap interval of every post-hoc metric per protocol x
    representation x k, over all dims and per dim (what Figures 4-6 draw)."""
    input:
        f"{RESULTS}/tables/posthoc.parquet",
    output:
        f"{RESULTS}/tables/intervals.parquet",
    log:
        f"{LOGS}/intervals.log",
    benchmark:
        f"{BENCHMARKS}/intervals.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        claims=config["claims"],
    script:
        "../../scripts/intervals.py"


rule effect_real:
    """The report page "Is the effect real?": per claim, in words, what survived its nulls."""
    input:
        claims=f"{RESULTS}/tables/claims.parquet",
        posthoc=f"{RESULTS}/tables/posthoc.parquet",
        stability=f"{RESULTS}/tables/stability.parquet",
    output:
        report(
            f"{RESULTS}/report/effect_real.html",
            caption="../report/effect_real.rst",
            category="Is the effect real?",
            labels={"page": "Is the effect real?"},
        ),
    log:
        f"{LOGS}/effect_real.log",
    benchmark:
        f"{BENCHMARKS}/effect_real.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/effect_real.py"


rule latent_meaning:
    """The report page "What a latent means": place fields, attribution, recovery."""
    input:
        posthoc=f"{RESULTS}/tables/posthoc.parquet",
    output:
        report(
            f"{RESULTS}/report/latent_meaning.html",
            caption="../report/latent_meaning.rst",
            category="What a latent means",
            labels={"page": "What a latent means"},
        ),
    log:
        f"{LOGS}/latent_meaning.log",
    benchmark:
        f"{BENCHMARKS}/latent_meaning.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/latent_meaning.py"

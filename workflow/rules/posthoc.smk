"""Post-hoc stage: CEBRA vs the selected SAEs and their nulls per case, and stability."""

#: posthoc settings only the stability rule reads (its params), not the post-hoc jobs.
STABILITY_ONLY = ("match_cosine", "chance_draws")


rule posthoc:
    """Decoding, neuron and behaviour scores (with time-shift nulls) of CEBRA, each selected
    SAE and the null representations of one rat x dim x seed; latents; what each latent
    means (tuning curves, spatial information, best neuron, CEBRA attribution, recovery of
    a simulated rat's true factors).

    CEBRA's decoding is read from its cebra_sweep row, each SAE's id, width and nonzero
    ratio from its sae_sweep row (and checked against re-encoding).
    """
    input:
        data=RECORDING,
        embedding=final_cebra("embedding"),
        decoding=final_cebra("decoding"),
        sweep=selected_block("metrics"),
        checkpoint=selected_block("checkpoint"),
        shuffled=shuffled_cebra_input,
        factors=factors_input,
        model=attribution_input,
        xcebra=xcebra_input("embedding"),
        xcebra_model=xcebra_input("model"),
    output:
        scores=POSTHOC_FILES["scores"],
        latents=POSTHOC_FILES["latents"],
        latent_table=POSTHOC_FILES["latent_table"],
        curves=POSTHOC_FILES["curves"],
    log:
        log("posthoc", CASE),
    benchmark:
        benchmark("posthoc", CASE)
    conda:
        "../../envs/cebra.yaml"
    resources:
        mem_mb=grows(3000),
        runtime=30,
    params:
        selection=SELECTION,
        sae_seeds=SAE["seeds"],
        settings=lambda w: train_settings(SAE, w.protocol),
        # posthoc's settings; the selection is its own param, and the stability-only keys are
        # left out so that changing them reruns stability alone
        scoring={
            key: value
            for key, value in POSTHOC.items()
            if key not in ("selection", *STABILITY_ONLY)
        },
        decoding=config["decoding"],
        curves=lambda w: int(w.seed) == FIRST_SEED,
        curve_sae_seed=SAE["seeds"][0],
    script:
        "../../scripts/posthoc.py"


# The per-case files of each post-hoc table, aggregated by one rule each (below).
POSTHOC_TABLES = {
    "posthoc": [POSTHOC_FILES["scores"].format(**c) for c in posthoc_cases()],
    "latents": [POSTHOC_FILES["latent_table"].format(**c) for c in posthoc_cases()],
    # kept for the first CEBRA seed only
    "tuning_curves": [POSTHOC_FILES["curves"].format(**c) for c in posthoc_cases([FIRST_SEED])],
}

for name, files in POSTHOC_TABLES.items():

    rule:
        name:
            f"{name}_table"
        input:
            files,
        output:
            table(name),
        log:
            log(f"{name}_table"),
        benchmark:
            benchmark(f"{name}_table")
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            table=name,
        script:
            "../../scripts/aggregate_table.py"


rule stability:
    """CEBRA consistency between seeds per rat x dim; latents matched across SAE seeds (vs
    random) per rat x dim x seed x k, at each posthoc.match_cosine and as active subspaces:
    the selected SAEs, the classical dictionary and sae_on_spikes, and (first seed) the L1
    twins at the TopK's sparsity."""
    input:
        embeddings=[final_file("embedding", **c) for c in posthoc_cases()],
        checkpoints=[selected_file("checkpoint", **c) for c in posthoc_cases()],
        latents=[POSTHOC_FILES["latents"].format(**c) for c in posthoc_cases()],
        scores=[POSTHOC_FILES["scores"].format(**c) for c in posthoc_cases()],
        l1_checkpoints=[l1_twin_file(**c) for c in l1_twin_cases()],
        sweep=table("sae_sweep") if l1_twin_cases() else [],
    output:
        table("stability"),
    log:
        log("stability"),
    benchmark:
        benchmark("stability")
    localrule: True
    conda:
        "../../envs/cebra.yaml"
    params:
        cases=[(c["protocol"], c["rat"], c["dim"], c["seed"]) for c in posthoc_cases()],
        l1_cases=[(c["protocol"], c["rat"], c["dim"], c["seed"]) for c in l1_twin_cases()],
        seeds=SEEDS,
        sae_seeds=SAE["seeds"],
        selection=SELECTION,
        thresholds=POSTHOC["match_cosine"],
        chance_draws=POSTHOC["chance_draws"],
        null_seed=POSTHOC["null_seed"],
    script:
        "../../scripts/stability.py"

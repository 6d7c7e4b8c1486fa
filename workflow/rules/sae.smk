"""SAE stage: one batched job per protocol x rat x dim x seed x architecture x expansion."""


rule train_sae:
    """Train a block's SAEs together (the lr x penalty grid on the first seed's embedding,
    the selected SAEs at every SAE seed, the L1 twins of posthoc.l1_stability); checkpoint
    and sweep metrics."""
    input:
        embedding=final_cebra("embedding"),
        factors=factors_input,
    output:
        checkpoint=SAE_FILES["checkpoint"],
        metrics=SAE_FILES["metrics"],
    log:
        log("train_sae", SAE_BLOCK),
    benchmark:
        benchmark("train_sae", SAE_BLOCK)
    group:
        "sae"
    conda:
        "../../envs/cebra.yaml"
    threads: SAE["threads"]
    resources:
        mem_mb=grows(SAE["mem_mb"]),
        runtime=SAE["runtime"],
        gpu=gpu_count(SAE["device"]),
    params:
        grid=lambda w: block_grid_lists(SAE, w.arch, int(w.seed) == FIRST_SEED),
        selection=lambda w: block_selection(SELECTION, SAE, w.arch, w.expansion)
        or l1_twin_lists(POSTHOC, SAE, w.arch, w.expansion, int(w.seed) == FIRST_SEED),
        settings=lambda w: train_settings(SAE, w.protocol),
        device=SAE["device"],
        log_every=SAE["log_every"],
    script:
        "../../scripts/train_sae.py"


rule sae_sweep:
    """Every SAE of the study in one table: hyperparameters and sweep metrics."""
    input:
        [SAE_FILES["metrics"].format(**block) for block in sae_blocks()],
    output:
        table("sae_sweep"),
    log:
        log("sae_sweep"),
    benchmark:
        benchmark("sae_sweep")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        table="sae_sweep",
    script:
        "../../scripts/aggregate_table.py"


rule sae_pareto:
    """Per protocol x rat x dim x architecture: the SAEs on the EV vs sparsity front."""
    input:
        table("sae_sweep"),
    output:
        table("sae_pareto"),
    log:
        log("sae_pareto"),
    benchmark:
        benchmark("sae_pareto")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    script:
        "../../scripts/sae_pareto.py"

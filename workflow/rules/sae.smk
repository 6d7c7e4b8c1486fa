"""SAE stage: one batched job per protocol x rat x dim x seed x architecture x expansion."""


rule train_sae:
    """Train a block's SAEs together (the lr x penalty grid on the first seed's embedding,
    the selected SAEs at every SAE seed); checkpoint and sweep metrics."""
    input:
        embedding=final_cebra_file("embedding.npz"),
        factors=factors_input,
    output:
        checkpoint=f"{RESULTS}/sae/{SAE_BLOCK}/checkpoint.npz",
        metrics=f"{RESULTS}/sae/{SAE_BLOCK}/metrics.parquet",
    log:
        f"{LOGS}/train_sae/{SAE_BLOCK}.log",
    benchmark:
        f"{BENCHMARKS}/train_sae/{SAE_BLOCK}.tsv"
    group:
        "sae"
    conda:
        "../../envs/cebra.yaml"
    threads: SAE["threads"]
    resources:
        mem_mb=SAE["mem_mb"],
        runtime=SAE["runtime"],
        gpu=gpu_count(SAE["device"]),
    params:
        grid=sae_grid,
        selection=sae_selection,
        epochs=SAE["epochs"],
        batch_size=sae_batch_size,
        arch_settings=train_settings(SAE),
        device=SAE["device"],
        log_every=SAE["log_every"],
    script:
        "../../scripts/train_sae.py"


rule sae_sweep:
    """Every SAE of the study in one table: hyperparameters and sweep metrics."""
    input:
        sae_files("metrics.parquet"),
    output:
        f"{RESULTS}/tables/sae_sweep.parquet",
    log:
        f"{LOGS}/sae_sweep.log",
    benchmark:
        f"{BENCHMARKS}/sae_sweep.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        table="sae_sweep",
        sort_by=[
            "protocol",
            "rat",
            "dim",
            "seed",
            "arch",
            "expansion",
            "sae_seed",
            "lr",
            "l1",
            "k",
            "bandwidth",
        ],
    script:
        "../../scripts/aggregate_table.py"

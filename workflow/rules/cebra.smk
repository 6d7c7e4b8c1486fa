"""CEBRA stage: one fit per protocol x rat x dim x hidden x lr x seed, then decoding."""


rule train_cebra:
    """Fit CEBRA on the train split; embed train and validation; keep model and loss."""
    input:
        data=f"{RESULTS}/data/{{rat}}.npz",
    output:
        model=f"{RESULTS}/cebra/{CEBRA_MODEL}/model.pt",
        embedding=f"{RESULTS}/cebra/{CEBRA_MODEL}/embedding.npz",
        loss=f"{RESULTS}/cebra/{CEBRA_MODEL}/loss.parquet",
        info=f"{RESULTS}/cebra/{CEBRA_MODEL}/info.json",
    log:
        f"{LOGS}/train_cebra/{CEBRA_MODEL}.log",
    benchmark:
        f"{BENCHMARKS}/train_cebra/{CEBRA_MODEL}.tsv"
    conda:
        "../../envs/cebra.yaml"
    threads: CEBRA["threads"]
    resources:
        mem_mb=CEBRA["mem_mb"],
        runtime=CEBRA["runtime"],
        gpu=gpu_count(CEBRA["device"]),
    params:
        cebra=cebra_params,
        final=is_final,
        device=CEBRA["device"],
        log_every=CEBRA["log_every"],
        shuffled=False,
    script:
        "../../scripts/train_cebra.py"


rule train_cebra_shuffled:
    """The shuffled-spikes null: CEBRA at the final settings fit on train spikes whose time
    bins are permuted (labels intact); embeds the permuted train and the real validation
    spikes."""
    input:
        data=f"{RESULTS}/data/{{rat}}.npz",
    output:
        model=f"{RESULTS}/cebra_shuffled/{CEBRA_MODEL}/model.pt",
        embedding=f"{RESULTS}/cebra_shuffled/{CEBRA_MODEL}/embedding.npz",
        loss=f"{RESULTS}/cebra_shuffled/{CEBRA_MODEL}/loss.parquet",
        info=f"{RESULTS}/cebra_shuffled/{CEBRA_MODEL}/info.json",
    log:
        f"{LOGS}/train_cebra_shuffled/{CEBRA_MODEL}.log",
    benchmark:
        f"{BENCHMARKS}/train_cebra_shuffled/{CEBRA_MODEL}.tsv"
    conda:
        "../../envs/cebra.yaml"
    threads: CEBRA["threads"]
    resources:
        mem_mb=CEBRA["mem_mb"],
        runtime=CEBRA["runtime"],
        gpu=gpu_count(CEBRA["device"]),
    params:
        cebra=cebra_params,
        final=True,
        device=CEBRA["device"],
        log_every=CEBRA["log_every"],
        shuffled=True,
    script:
        "../../scripts/train_cebra.py"


rule decode_cebra:
    """Position R² and direction accuracy of one embedding, under both protocols."""
    input:
        data=f"{RESULTS}/data/{{rat}}.npz",
        embedding=f"{RESULTS}/cebra/{CEBRA_MODEL}/embedding.npz",
        info=f"{RESULTS}/cebra/{CEBRA_MODEL}/info.json",
    output:
        f"{RESULTS}/cebra/{CEBRA_MODEL}/decoding.parquet",
    log:
        f"{LOGS}/decode_cebra/{CEBRA_MODEL}.log",
    benchmark:
        f"{BENCHMARKS}/decode_cebra/{CEBRA_MODEL}.tsv"
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        decoding=config["decoding"],
    script:
        "../../scripts/decode_cebra.py"


rule cebra_sweep:
    """All CEBRA models in one table: hyperparameters and decoding scores."""
    input:
        cebra_files("decoding.parquet"),
    output:
        f"{RESULTS}/tables/cebra_sweep.parquet",
    log:
        f"{LOGS}/cebra_sweep.log",
    benchmark:
        f"{BENCHMARKS}/cebra_sweep.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        table="cebra_sweep",
        sort_by=["protocol", "rat", "dim", "hidden", "lr", "seed"],
    script:
        "../../scripts/aggregate_table.py"

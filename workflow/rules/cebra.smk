"""CEBRA stage: one fit per protocol x rat x dim x hidden x lr x seed, then its decoding.

The shuffled-spikes null (``fit: shuffled_cebra``) and xCEBRA (``fit: xcebra``, the same fit
with cebra's Jacobian-regularised solver) are the same rule. On a cluster a fit and its
decoding are one job (group ``cebra``).
"""


rule train_cebra:
    """Fit CEBRA on the train split (its time bins permuted for the shuffled-spikes null,
    labels intact; Jacobian-regularised for xCEBRA); embed train and validation; keep model
    and loss."""
    input:
        data=RECORDING,
    output:
        model=CEBRA_FILES["model"],
        embedding=CEBRA_FILES["embedding"],
        loss=CEBRA_FILES["loss"],
        info=CEBRA_FILES["info"],
    log:
        log("train_cebra", f"{{fit}}/{CEBRA_MODEL}"),
    benchmark:
        benchmark("train_cebra", f"{{fit}}/{CEBRA_MODEL}")
    group:
        "cebra"
    conda:
        "../../envs/cebra.yaml"
    threads: CEBRA["threads"]
    resources:
        mem_mb=grows(CEBRA["mem_mb"]),
        runtime=CEBRA["runtime"],
        gpu=gpu_count(CEBRA["device"]),
    params:
        cebra=lambda w: cebra_params(CEBRA, w.dim, w.hidden, w.lr),
        shuffled=lambda w: w.fit == SHUFFLED_FIT,
        final=lambda w: w.fit != FIT or is_final(CEBRA, w.hidden, w.lr),
        jacobian_weight=lambda w: (CEBRA["xcebra_jacobian_weight"] if w.fit == XCEBRA_FIT else None),
        supervised=lambda w: PROTOCOL_REGISTRY[w.protocol].cebra_supervised,
        device=CEBRA["device"],
        log_every=CEBRA["log_every"],
        fast_search=CEBRA["fast_search"],
    script:
        "../../scripts/train_cebra.py"


rule decode_cebra:
    """Position R² and direction accuracy of one embedding, under every protocol."""
    input:
        data=RECORDING,
        embedding=CEBRA_FILES["embedding"],
        info=CEBRA_FILES["info"],
    output:
        CEBRA_FILES["decoding"],
    log:
        log("decode_cebra", f"{{fit}}/{CEBRA_MODEL}"),
    benchmark:
        benchmark("decode_cebra", f"{{fit}}/{CEBRA_MODEL}")
    wildcard_constraints:
        fit=FIT,
    group:
        "cebra"
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=grows(1000),
        runtime=10,
    params:
        decoding=config["decoding"],
    script:
        "../../scripts/decode_cebra.py"


rule cebra_sweep:
    """All CEBRA models in one table: hyperparameters and decoding scores."""
    input:
        [CEBRA_FILES["decoding"].format(fit=FIT, **wildcards) for wildcards in cebra_fits()],
    output:
        table("cebra_sweep"),
    log:
        log("cebra_sweep"),
    benchmark:
        benchmark("cebra_sweep")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        table="cebra_sweep",
    script:
        "../../scripts/aggregate_table.py"

"""Data stage: get each recording, split it chronologically, summarise it."""


localrules:
    fetch_cebra_recording,


rule fetch_cebra_recording:
    """Download a missing CEBRA recording (md5-checked); local, so nodes need no internet."""
    output:
        f"{DATA_DIR}/rat_hippocampus/{{rat}}.jl",
    log:
        f"{LOGS}/fetch_cebra_recording/{{rat}}.log",
    benchmark:
        f"{BENCHMARKS}/fetch_cebra_recording/{{rat}}.tsv"
    wildcard_constraints:
        rat=name_regex(missing_cebra_rats()),
    conda:
        "../../envs/cebra.yaml"
    script:
        "../../scripts/fetch_cebra_recording.py"


rule prepare_recording:
    """Load a CEBRA or user recording, validate it, split it in time (split.train_fraction)."""
    input:
        recording_input,
    output:
        data=f"{RESULTS}/data/{{rat}}.npz",
        summary=f"{RESULTS}/data/{{rat}}.summary.parquet",
    log:
        f"{LOGS}/prepare_recording/{{rat}}.log",
    benchmark:
        f"{BENCHMARKS}/prepare_recording/{{rat}}.tsv"
    wildcard_constraints:
        rat=name_regex(rats_with_source("cebra", "file")),
    conda:
        "../../envs/cebra.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        source=lambda w: RATS[w.rat]["source"],
        train_fraction=config["split"]["train_fraction"],
    script:
        "../../scripts/prepare_recording.py"


rule simulate_recording:
    """Simulate place cells (seeded), split it in time, keep the ground truth and the true
    factor activations (split like the spikes)."""
    output:
        data=f"{RESULTS}/data/{{rat}}.npz",
        summary=f"{RESULTS}/data/{{rat}}.summary.parquet",
        ground_truth=f"{RESULTS}/data/{{rat}}.ground_truth.parquet",
        factors=f"{RESULTS}/data/{{rat}}.factors.npz",
    log:
        f"{LOGS}/simulate_recording/{{rat}}.log",
    benchmark:
        f"{BENCHMARKS}/simulate_recording/{{rat}}.tsv"
    wildcard_constraints:
        rat=name_regex(rats_with_source("synthetic")),
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        simulation=lambda w: {k: v for k, v in RATS[w.rat].items() if k != "source"},
        train_fraction=config["split"]["train_fraction"],
    script:
        "../../scripts/simulate_recording.py"


rule data_summary:
    """One row per recording: source, size, split, firing, warnings."""
    input:
        expand(f"{RESULTS}/data/{{rat}}.summary.parquet", rat=RATS),
    output:
        f"{RESULTS}/tables/data_summary.parquet",
    log:
        f"{LOGS}/data_summary.log",
    benchmark:
        f"{BENCHMARKS}/data_summary.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        top_neurons=config["posthoc"]["top_neurons"],
    script:
        "../../scripts/data_summary.py"

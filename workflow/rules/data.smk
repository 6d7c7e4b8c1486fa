"""Data stage: get each recording, split it chronologically, summarise it."""


rule fetch_cebra_recording:
    """Download a missing CEBRA recording (md5-checked); local, so nodes need no internet."""
    output:
        str(cebra_recording_path(DATA_DIR, "{rat}")),
    log:
        log("fetch_cebra_recording", "{rat}"),
    benchmark:
        benchmark("fetch_cebra_recording", "{rat}")
    wildcard_constraints:
        rat=name_regex(rats_to_fetch(RATS, DATA_DIR)),
    localrule: True
    conda:
        "../../envs/cebra.yaml"
    script:
        "../../scripts/fetch_cebra_recording.py"


rule prepare_recording:
    """Load a recording through its source, validate it, split it in time."""
    input:
        recording_input,
    output:
        data=RECORDING,
        summary=RECORDING_SUMMARY,
    log:
        log("prepare_recording", "{rat}"),
    benchmark:
        benchmark("prepare_recording", "{rat}")
    wildcard_constraints:
        rat=name_regex(set(RATS) - set(SIMULATED)),
    conda:
        "../../envs/cebra.yaml"
    resources:
        mem_mb=grows(2000),
        runtime=10,
    params:
        # the rat's whole entry (source, path, every option): changing any key reruns it
        rat=lambda w: RATS[w.rat],
        train_fraction=config["split"]["train_fraction"],
    script:
        "../../scripts/prepare_recording.py"


rule simulate_recording:
    """Simulate place cells (seeded), split it in time, keep the ground truth and the true
    factor activations (split like the spikes)."""
    output:
        data=RECORDING,
        summary=RECORDING_SUMMARY,
        ground_truth=table("ground_truth"),
        factors=FACTORS,
    log:
        log("simulate_recording", "{rat}"),
    benchmark:
        benchmark("simulate_recording", "{rat}")
    wildcard_constraints:
        rat=name_regex(SIMULATED),
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=grows(2000),
        runtime=10,
    params:
        rat=lambda w: RATS[w.rat],
        train_fraction=config["split"]["train_fraction"],
    script:
        "../../scripts/simulate_recording.py"


rule data_summary:
    """One row per recording: source, size, split, firing, warnings."""
    input:
        expand(RECORDING_SUMMARY, rat=RATS),
    output:
        table("data_summary"),
    log:
        log("data_summary"),
    benchmark:
        benchmark("data_summary")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        top_neurons=POSTHOC["top_neurons"],
    script:
        "../../scripts/data_summary.py"

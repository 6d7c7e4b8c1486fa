"""Rule prepare_recording: load a recording through its source, validate, split, summarise."""

import pandas as pd
from common import log, run_rule, warn

from cebra_sae.data.recording import chronological_split, save_prepared
from cebra_sae.data.sources import position_unit, read_recording, summary_fields
from cebra_sae.data.summary import recording_warnings, summary_row
from cebra_sae.tables import DATA_SUMMARY_SCHEMA, write_table


def main(snakemake):
    rat, p = snakemake.wildcards.rat, snakemake.params
    spec = p.rat  # the rat's whole config entry: a param, so changing any key reruns this job
    recording = read_recording(rat, spec, snakemake.input[0])
    spikes, labels = recording.spikes, recording.labels
    log.info("%s (%s): spikes %s, labels %s", rat, spec["source"], spikes.shape, labels.shape)
    for key, value in recording.choices.items():  # what an nwb source chose, for the record
        log.info("%s: %s", key, value)
    split = chronological_split(spikes, labels, p.train_fraction)
    log.info("split: %d train / %d validation bins", split.n_train, split.n_valid)
    warnings = [*recording_warnings(split), *recording.choices.get("warnings", [])]
    for line in warnings:
        warn(f"{rat}: {line}")
    fields = summary_fields(recording.choices, position_unit(spec, recording.choices))
    save_prepared(snakemake.output.data, split, rat, spec["source"], p.train_fraction,
                  recording, fields["bin_seconds"], fields["position_unit"])  # fmt: skip
    row = {**summary_row(split, rat, spec["source"], warnings), **fields}
    row["duration_s"] = row["n_timesteps"] * fields["bin_seconds"]
    write_table(pd.DataFrame([row]), snakemake.output.summary, DATA_SUMMARY_SCHEMA)


run_rule(main, snakemake)

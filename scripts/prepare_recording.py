"""Rule prepare_recording: load a CEBRA or user recording, validate, split, summarise."""

from pathlib import Path

import pandas as pd
from common import log, run_rule, warn

from cebra_sae.data import (
    chronological_split,
    load_cebra_recording,
    load_file_recording,
    recording_warnings,
    save_prepared,
    summary_row,
)
from cebra_sae.tables import DATA_SUMMARY, write_table


def main(snakemake):
    rat, source = snakemake.wildcards.rat, snakemake.params.source
    if source == "cebra":
        data_dir = Path(snakemake.input[0]).parent.parent  # {data_dir}/rat_hippocampus/{rat}.jl
        spikes, labels = load_cebra_recording(rat, data_dir, download=False)
    else:
        spikes, labels = load_file_recording(snakemake.input[0])
    log.info("%s (%s): spikes %s, labels %s", rat, source, spikes.shape, labels.shape)
    split = chronological_split(spikes, labels, snakemake.params.train_fraction)
    log.info("split: %d train / %d validation bins", split.n_train, split.n_valid)
    warnings = recording_warnings(split)
    for line in warnings:
        warn(f"{rat}: {line}")
    save_prepared(snakemake.output.data, split, rat, source, snakemake.params.train_fraction)
    write_table(
        pd.DataFrame([summary_row(split, rat, source, warnings)]),
        snakemake.output.summary,
        DATA_SUMMARY,
    )


run_rule(main, snakemake)

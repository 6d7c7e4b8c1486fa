"""Rule prepare_recording: load a recording through its source, validate, split, summarise."""

import pandas as pd
from common import log, run_rule, warn

from cebra_sae.data.recording import chronological_split, save_prepared
from cebra_sae.data.sources import SOURCES
from cebra_sae.data.summary import recording_warnings, summary_row
from cebra_sae.tables import DATA_SUMMARY_SCHEMA, write_table


def main(snakemake):
    rat, p = snakemake.wildcards.rat, snakemake.params
    source = p.source
    spikes, labels = SOURCES[source].load(rat, snakemake.input[0])
    log.info("%s (%s): spikes %s, labels %s", rat, source, spikes.shape, labels.shape)
    split = chronological_split(spikes, labels, p.train_fraction)
    log.info("split: %d train / %d validation bins", split.n_train, split.n_valid)
    warnings = recording_warnings(split)
    for line in warnings:
        warn(f"{rat}: {line}")
    save_prepared(snakemake.output.data, split, rat, source, p.train_fraction)
    write_table(
        pd.DataFrame([summary_row(split, rat, source, warnings)]),
        snakemake.output.summary,
        DATA_SUMMARY_SCHEMA,
    )


run_rule(main, snakemake)

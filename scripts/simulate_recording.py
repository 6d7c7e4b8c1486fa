"""Rule simulate_recording: seeded place-cell simulation, split, summary, ground truth,
true factors."""

import pandas as pd
from common import log, run_rule, warn

from cebra_sae.data.recording import (
    Recording,
    chronological_split,
    save_prepared,
    validate_recording,
)
from cebra_sae.data.simulate import simulate_place_cells
from cebra_sae.data.sources import position_unit, simulation_args, summary_fields
from cebra_sae.data.summary import recording_warnings, summary_row
from cebra_sae.io import atomic_savez
from cebra_sae.tables import DATA_SUMMARY_SCHEMA, GROUND_TRUTH_SCHEMA, write_table


def main(snakemake):
    rat, spec = snakemake.wildcards.rat, snakemake.params.rat  # the whole entry: a param
    settings = simulation_args(spec)
    log.info("simulating %s with %s", rat, settings or "defaults")
    recording = simulate_place_cells(**settings)
    spikes, labels = validate_recording(recording.spikes, recording.labels, name=rat)
    split = chronological_split(spikes, labels, snakemake.params.train_fraction)
    log.info("spikes %s; split %d / %d", spikes.shape, split.n_train, split.n_valid)
    warnings = recording_warnings(split)
    for line in warnings:
        warn(f"{rat}: {line}")
    source, fields = spec["source"], summary_fields({}, position_unit(spec, {}))
    save_prepared(snakemake.output.data, split, rat, source, snakemake.params.train_fraction,
                  Recording.of_rows(spikes, labels), fields["bin_seconds"],
                  fields["position_unit"])  # fmt: skip
    write_table(
        pd.DataFrame([{**summary_row(split, rat, source, warnings), **fields}]),
        snakemake.output.summary,
        DATA_SUMMARY_SCHEMA,
    )
    write_table(recording.ground_truth, snakemake.output.ground_truth, GROUND_TRUTH_SCHEMA)
    factors = recording.factors
    mixing = {} if recording.mixing is None else {"mixing": recording.mixing}
    atomic_savez(snakemake.output.factors, train=factors[: split.n_train],
                 valid=factors[split.n_train :], **mixing)  # fmt: skip


run_rule(main, snakemake)

"""Rule data_summary: one row per recording, and what will give little (also on the console).

The neuron count is compared with ``posthoc.top_neurons`` here, not in the data jobs, so
that changing a post-hoc setting never re-prepares a recording (and retrains what follows).
"""

from common import log, run_rule, warn

from cebra_sae.data.summary import add_neuron_count_warnings
from cebra_sae.tables import DATA_SUMMARY_SCHEMA, concat_tables, write_table


def main(snakemake):
    summary = concat_tables(snakemake.input, DATA_SUMMARY_SCHEMA)
    summary, added = add_neuron_count_warnings(summary, snakemake.params.top_neurons)
    for rat, warning in added.items():
        warn(f"{rat}: {warning}")
    write_table(summary, snakemake.output[0], DATA_SUMMARY_SCHEMA)
    log.info("data_summary: %d recordings", len(summary))


run_rule(main, snakemake)

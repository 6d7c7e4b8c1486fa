"""Table rules (cebra_sweep, sae_sweep, posthoc_table, ...): per-job rows into one typed table,
in its schema's sort order."""

from common import log, run_rule

from cebra_sae.tables import SCHEMAS, concat_tables, write_table


def main(snakemake):
    schema = SCHEMAS[snakemake.params.table]
    df = concat_tables(snakemake.input, schema)
    write_table(df, snakemake.output[0], schema)
    log.info("%s: %d rows from %d files", schema.name, len(df), len(snakemake.input))


run_rule(main, snakemake)

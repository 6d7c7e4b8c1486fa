"""Rules cebra_sweep, sae_sweep, posthoc_table: concatenate per-job rows into one typed table."""

from common import log, run_rule

from cebra_sae.tables import TABLES, concat_tables, write_table


def main(snakemake):
    schema = TABLES[snakemake.params.table]
    df = concat_tables(snakemake.input, schema, sort_by=snakemake.params.sort_by)
    write_table(df, snakemake.output[0], schema)
    log.info("%s: %d rows from %d files", snakemake.params.table, len(df), len(snakemake.input))


run_rule(main, snakemake)

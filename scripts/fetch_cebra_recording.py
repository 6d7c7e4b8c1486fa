"""Rule fetch_cebra_recording: let CEBRA download (and md5-check) one recording."""

from common import log, run_rule

from cebra_sae.data.sources import cebra_data_dir, load_cebra_recording


def main(snakemake):
    rat = snakemake.wildcards.rat
    data_dir = cebra_data_dir(snakemake.output[0])
    log.info("downloading CEBRA recording %s into %s", rat, data_dir)
    spikes, _ = load_cebra_recording(rat, data_dir, download=True)
    log.info("loaded %s: spikes %s", rat, spikes.shape)


run_rule(main, snakemake)

"""Rule posthoc: CEBRA vs each selected SAE on one rat x dim (decoding, scores, latents)."""

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.data import load_prepared
from cebra_sae.io import atomic_savez
from cebra_sae.posthoc import posthoc_case, selected_models
from cebra_sae.tables import POSTHOC, write_table


def main(snakemake):
    w, p = snakemake.wildcards, snakemake.params
    split = load_prepared(snakemake.input.data)
    with np.load(snakemake.input.embedding) as npz:
        embedding = npz["train"], npz["valid"]
    cebra_row = pd.read_parquet(snakemake.input.decoding).iloc[0]
    sae_rows = selected_models(pd.read_parquet(snakemake.input.sweep), p.selection, p.seed)
    rows, latents = posthoc_case(
        w.protocol, split, embedding, cebra_row, sae_rows, snakemake.input.checkpoint,
        decoding=p.decoding, scoring=p.scoring,
    )  # fmt: skip
    for row in rows:
        log.info("%s: neuron %.3f behaviour %.3f pos R2 %.3f", row["model_id"],
                 row["neuron_score"], row["behavior_score"], row["pos_r2_valid"])  # fmt: skip
    atomic_savez(snakemake.output.latents, **latents)
    case = dict(protocol=w.protocol, rat=w.rat, dim=int(w.dim))
    write_table(pd.DataFrame([{**case, **row} for row in rows]), snakemake.output.scores, POSTHOC)


run_rule(main, snakemake)

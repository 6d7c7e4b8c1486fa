"""Rule decode_cebra: decode position and direction from one embedding (both protocols)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.data import load_prepared
from cebra_sae.metrics import decode_paper, decode_seed_code
from cebra_sae.tables import write_table


def main(snakemake):
    info = json.loads(Path(snakemake.input.info).read_text())
    split = load_prepared(snakemake.input.data)
    with np.load(snakemake.input.embedding) as npz:
        z_train, z_valid = npz["train"], npz["valid"]
    cfg = snakemake.params.decoding
    scores = decode_paper(
        z_train,
        split.labels_train,
        z_valid,
        split.labels_valid,
        alphas=cfg["ridge_alphas"],
        logistic_max_iter=cfg["logistic_max_iter"],
    )
    scores.update(
        decode_seed_code(
            z_train,
            split.labels_train,
            z_valid,
            split.labels_valid,
            alphas=cfg["ridge_alphas"],
            classifier_alpha=cfg["ridge_classifier_alpha"],
        )
    )
    log.info("scores: %s", {k: round(v, 4) for k, v in scores.items()})
    row = {k: v for k, v in info.items() if not isinstance(v, dict)}
    write_table(pd.DataFrame([{**row, **scores}]), snakemake.output[0])


run_rule(main, snakemake)

"""Rule decode_cebra: decode position and direction from one embedding (every protocol)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.data.recording import load_prepared
from cebra_sae.measures.decoding import not_testable
from cebra_sae.protocols import decode_all
from cebra_sae.tables import CEBRA_SWEEP_SCHEMA, write_table


def main(snakemake):
    info = json.loads(Path(snakemake.input.info).read_text())
    split = load_prepared(snakemake.input.data)
    with np.load(snakemake.input.embedding) as npz:
        z_train, z_valid = npz["train"], npz["valid"]
    scores = decode_all(
        z_train, split.labels_train, z_valid, split.labels_valid, snakemake.params.decoding
    )
    log.info("scores: %s", {k: round(v, 4) for k, v in scores.items()})
    # info.json records more than the table holds (CEBRA's own argument names, versions)
    row = {key: info[key] for key in CEBRA_SWEEP_SCHEMA.columns if key in info}
    gaps = not_testable(split.labels_train, split.labels_valid)
    if gaps:
        log.warning("not testable (NaN): %s", gaps)
    row.update(scores, not_testable=gaps)
    write_table(pd.DataFrame([row]), snakemake.output[0], CEBRA_SWEEP_SCHEMA)


run_rule(main, snakemake)

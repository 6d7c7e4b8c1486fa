"""Rule stability: CEBRA consistency across seeds and SAE latent matching across SAE seeds."""

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.posthoc.stability import cebra_consistency, pairwise_matched_share
from cebra_sae.sae.checkpoint import load_model
from cebra_sae.sae.grid import selection_grid
from cebra_sae.tables import STABILITY_SCHEMA, write_table


def main(snakemake):
    p = snakemake.params
    cases = [tuple(case) for case in p.cases]
    embeddings = dict(zip(cases, snakemake.input.embeddings, strict=True))
    checkpoints = dict(zip(cases, snakemake.input.checkpoints, strict=True))
    rows = []
    for protocol, rat, dim in sorted({key[:3] for key in embeddings}):
        runs = []
        for seed in p.seeds:
            with np.load(embeddings[(protocol, rat, dim, seed)]) as npz:
                runs.append(npz["valid"])
        value, n_pairs = cebra_consistency(runs)
        log.info("%s %s dim %s: CEBRA consistency %.3f (%d pairs)", protocol, rat, dim, value,
                 n_pairs)  # fmt: skip
        rows.append(dict(protocol=protocol, rat=rat, dim=dim, seed=None,
                         representation="cebra", k=None, measure="consistency", value=value,
                         random_value=np.nan, n_pairs=n_pairs))  # fmt: skip
        for seed in p.seeds:
            checkpoint = checkpoints[(protocol, rat, dim, seed)]
            specs = selection_grid(p.selection["arch"], p.selection["expansion"], p.selection,
                                   p.sae_seeds)  # fmt: skip
            for k in p.selection["k"]:
                decoders = [load_model(checkpoint, s.model_id)[1]["decoder.weight"]
                            for s in specs if s.k == k]  # fmt: skip
                value, chance, n = pairwise_matched_share(decoders, p.threshold)
                rows.append(dict(protocol=protocol, rat=rat, dim=dim, seed=seed,
                                 representation="sae", k=k, measure="matched_share",
                                 value=value, random_value=chance, n_pairs=n))  # fmt: skip
    write_table(pd.DataFrame(rows), snakemake.output[0], STABILITY_SCHEMA)


run_rule(main, snakemake)

"""Rule explorer: the latent explorer page of one rat x dim (first CEBRA seed)."""

from pathlib import Path

import numpy as np
import pandas as pd
from common import run_rule

from cebra_sae.data.recording import load_prepared
from cebra_sae.io import atomic_write
from cebra_sae.posthoc.stability import closest, initial_decoder
from cebra_sae.report.explorer import explorer_data, explorer_html
from cebra_sae.sae.checkpoint import list_models, load_model


def sae_directions(checkpoint, model_ids, sae_seeds) -> dict:
    """Per selected SAE shown (first SAE seed): its match among the next SAE seed's
    directions (Hungarian, as stability) and its untrained twin's closest direction."""
    available = set(list_models(checkpoint))
    out = {}
    for model_id in model_ids:
        if model_id not in available:
            continue
        spec, weights = load_model(checkpoint, model_id)
        decoder = weights["decoder.weight"]
        found = {"twin": closest(decoder, initial_decoder(spec, decoder), one_to_one=False)}
        others = [s for s in sae_seeds if s != spec.sae_seed]
        suffix = f"-seed{spec.sae_seed}"
        twin_id = (model_id.removesuffix(suffix) + f"-seed{others[0]}"
                   if others and model_id.endswith(suffix) else "")  # fmt: skip
        if twin_id in available:
            other = load_model(checkpoint, twin_id)[1]["decoder.weight"]
            found["match"] = (*closest(decoder, other, one_to_one=True), others[0])
        out[model_id] = found
    return out


def main(snakemake):
    inp, w = snakemake.input, snakemake.wildcards
    split = load_prepared(inp.data)
    curves = pd.read_parquet(inp.curves)
    with np.load(inp.latents) as npz:
        latents = {key: npz[key] for key in npz.files if key.endswith("_valid")}
    summary = pd.read_parquet(inp.summary)
    unit = summary.position_unit.dropna()
    data = explorer_data(
        split.labels_valid, split.spikes_valid,
        np.concatenate([split.labels_train[:, 0], split.labels_valid[:, 0]]),
        latents, pd.read_parquet(inp.latent_table), curves,
        sae_directions(inp.checkpoint, curves.model_id.unique(), snakemake.params.sae_seeds),
        title=f"Latent explorer: {w.rat}, dim {w.dim} ({w.protocol}), "
        f"CEBRA seed {snakemake.params.seed}",
        unit=unit.iloc[0] if len(unit) else "m",
    )  # fmt: skip
    with atomic_write(snakemake.output[0]) as tmp:
        Path(tmp).write_text(explorer_html(data), encoding="utf-8")


run_rule(main, snakemake)

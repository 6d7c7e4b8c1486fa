"""Rule posthoc: CEBRA vs each selected SAE on one rat x dim (decoding, scores, latents)."""

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.data import atomic_savez, load_prepared
from cebra_sae.posthoc import evaluate_representation
from cebra_sae.sae import SAESpec, encode
from cebra_sae.sae.checkpoint import load_model
from cebra_sae.tables import write_table


def main(snakemake):
    w, p = snakemake.wildcards, snakemake.params
    split = load_prepared(snakemake.input.data)
    with np.load(snakemake.input.embedding) as npz:
        z_train, z_valid = npz["train"], npz["valid"]
    options = dict(
        alphas=p.decoding["ridge_alphas"],
        logistic_max_iter=p.decoding["logistic_max_iter"],
        classifier_alpha=p.decoding["ridge_classifier_alpha"],
        top_neurons=p.posthoc["top_neurons"],
        top_behaviours=p.posthoc["top_behaviours"],
        behaviour_alpha=p.posthoc["behaviour_ridge_alpha"],
    )
    unit = dict(protocol=w.protocol, rat=w.rat, dim=int(w.dim))
    rows = [
        {**unit, "model": "cebra", "k": None, "model_id": "cebra",
         **evaluate_representation(w.protocol, split, z_train, z_valid, **options)}
    ]  # fmt: skip
    latents = {"cebra_train": z_train, "cebra_valid": z_valid}
    sel = p.selection
    for k in sel["k"]:
        model_id = SAESpec(sel["arch"], sel["expansion"], sel["learning_rate"], k=k,
                           seed=p.seed).model_id  # fmt: skip
        spec, weights = load_model(snakemake.input.checkpoint, model_id)
        h_train, _ = encode(z_train, weights, spec, w.protocol)
        h_valid, _ = encode(z_valid, weights, spec, w.protocol)
        row = evaluate_representation(w.protocol, split, h_train, h_valid, **options)
        rows.append({**unit, "model": "sae", "k": k, "model_id": model_id, **row})
        latents[f"sae_k{k}_train"] = h_train.astype(np.float32)
        latents[f"sae_k{k}_valid"] = h_valid.astype(np.float32)
        log.info("%s: neuron %.3f behaviour %.3f pos R2 %.3f", model_id, row["neuron_score"],
                 row["behavior_score"], row["pos_r2_valid"])  # fmt: skip
    atomic_savez(snakemake.output.latents, **latents)
    write_table(pd.DataFrame(rows), snakemake.output.scores)


run_rule(main, snakemake)

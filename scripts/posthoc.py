"""Rule posthoc: CEBRA, its selected SAEs and their nulls on one rat x dim x seed, and
what each of their latents means."""

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.data.recording import load_prepared
from cebra_sae.io import atomic_savez
from cebra_sae.posthoc.attribution import cebra_jacobian
from cebra_sae.posthoc.evaluate import load_selected, posthoc_case, selected_models
from cebra_sae.posthoc.representations import Case
from cebra_sae.tables import (
    LATENTS_SCHEMA,
    POSTHOC_SCHEMA,
    TUNING_CURVES_SCHEMA,
    empty_table,
    write_table,
)


def embedding(path):
    with np.load(path) as npz:
        return npz["train"], npz["valid"]


def known_answer(path):
    """A simulated rat's ``(factors, members)``: its true factors ``(train, valid)`` and which
    neurons each drives (with assemblies; else None); ``(None, None)`` for a real rat."""
    if not path:
        return None, None
    with np.load(path) as npz:
        members = npz["mixing"] > 0 if "mixing" in npz.files else None
        return (npz["train"], npz["valid"]), members


def main(snakemake):
    w, p, inp = snakemake.wildcards, snakemake.params, snakemake.input
    rows = selected_models(pd.read_parquet(inp.sweep), p.selection, p.sae_seeds)
    factors, members = known_answer(inp.factors)
    case = Case(
        protocol=w.protocol,
        split=load_prepared(inp.data),
        embedding=embedding(inp.embedding),
        seed=int(w.seed),
        cebra_row=pd.read_parquet(inp.decoding).iloc[0],
        sae_models=load_selected(inp.checkpoint, rows),
        checkpoint=inp.checkpoint,
        shuffled=embedding(inp.shuffled) if inp.shuffled else None,
        factors=factors,
        members=members,
        xcebra=embedding(inp.xcebra) if inp.xcebra else None,
        curves=bool(p.curves),
        curve_sae_seed=p.curve_sae_seed,
        train_settings=p.settings,
        classical=p.scoring,
    )
    for name, model in (("cebra", inp.model), ("xcebra", inp.xcebra_model)):
        if model:
            case.jacobians[name] = cebra_jacobian(model, case.split.spikes_valid)
            log.info("%s Jacobian attribution: %s", name, case.jacobians[name].gxi.shape)
    # a case without a shuffled-spikes fit has no shuffled_cebra row (its build is empty)
    out, latents, table, curves = posthoc_case(case, decoding=p.decoding, scoring=p.scoring)
    for row in out:
        log.info("%s: neuron %.3f (shift null p95 %.3f) behaviour %.3f (p95 %.3f) "
                 "pos R2 train %.3f valid %.3f", row["model_id"], row["neuron_score"],
                 row["neuron_null_p95"], row["behavior_score"], row["behavior_null_p95"],
                 row["pos_r2_train"], row["pos_r2_valid"])  # fmt: skip
    atomic_savez(snakemake.output.latents, **latents)
    ids = dict(protocol=w.protocol, rat=w.rat, dim=int(w.dim), seed=int(w.seed))
    for row in out:
        log.info("%s: %d place-field-like latents of %d, track coverage %.2f, recovery %.3f, "
                 "attribution agreement %.2f, membership AUC by correlation %.3f, gradient "
                 "%.3f, inverse Jacobian %.3f, weights %.3f", row["model_id"],
                 row["place_fields"], row["width"], row["track_coverage"],
                 row["recovery_hungarian"], row["attribution_agreement"],
                 row["membership_auc_correlation"], row["membership_auc_gradient"],
                 row["membership_auc_inverse"], row["membership_auc_weights"])  # fmt: skip
    write_table(table.assign(**ids), snakemake.output.latent_table, LATENTS_SCHEMA)
    write_table(curves.assign(**ids) if len(curves) else empty_table(TUNING_CURVES_SCHEMA),
                snakemake.output.curves, TUNING_CURVES_SCHEMA)  # fmt: skip
    write_table(pd.DataFrame([{**ids, **row} for row in out]), snakemake.output.scores,
                POSTHOC_SCHEMA)  # fmt: skip


run_rule(main, snakemake)

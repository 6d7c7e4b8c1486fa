"""Rule stability: CEBRA consistency across seeds; latents matched across SAE seeds (the
selected SAEs, their L1 twins at matched sparsity, the classical dictionary and
sae_on_spikes), at each threshold and as active subspaces, against random."""

import numpy as np
import pandas as pd
from common import log, run_rule

from cebra_sae.posthoc.stability import (
    case_seed,
    cebra_consistency,
    initial_decoder,
    matched_l1,
    seed_stability,
)
from cebra_sae.sae.checkpoint import load_model
from cebra_sae.sae.grid import block_grid, selection_grid
from cebra_sae.sae.trainer import encode
from cebra_sae.sae_sweep import L1_ARCH
from cebra_sae.tables import STABILITY_SCHEMA, write_table


def valid_split(path):
    with np.load(path) as npz:
        return npz["valid"]


def selected_rows(checkpoint, latents, sel, sae_seeds, chance):
    """The selected SAEs across SAE seeds, per k."""
    specs = selection_grid(sel["arch"], sel["expansion"], sel, sae_seeds)
    for k in sel["k"]:
        mine = [s for s in specs if s.k == k]
        decoders = [load_model(checkpoint, s.model_id)[1]["decoder.weight"] for s in mine]
        activity = [latents[f"{s.model_id}_valid"] for s in mine]
        initial = [initial_decoder(s, d) for s, d in zip(mine, decoders, strict=True)]
        ids = dict(representation="sae", arch=sel["arch"], k=k, l1=None)
        yield ids, seed_stability(decoders, activity, initial=initial, **chance(ids))


def classical_rows(scores, latents, chance):
    """Classical representations with their own directions (dictionary, sae_on_spikes)
    across their seeds, per k (no initial decoders: no paired null)."""
    own = scores[scores.model_id.map(lambda m: f"{m}_decoder" in latents)]
    for (name, k), group in own.groupby(["representation", "k"], sort=True):
        ids = group.sort_values("sae_seed").model_id
        decoders = [latents[f"{m}_decoder"] for m in ids]
        activity = [latents[f"{m}_valid"] for m in ids]
        keys = dict(representation=name, arch=None, k=int(k), l1=None)
        yield keys, seed_stability(decoders, activity, **chance(keys))


def l1_rows(block, checkpoint, z_valid, sel, sae_seeds, chance):
    """Per selected k: the L1 twins at the penalty closest to the TopK's nonzero ratio."""
    with np.load(checkpoint) as npz:
        arch = str(npz["architecture"])
    lr, expansion = sel["learning_rate"], sel["expansion"]
    block = block[block.expansion == expansion]
    for k in sel["k"]:
        topk = block[(block.arch == sel["arch"]) & np.isclose(block.lr, lr) & (block.k == k)]
        l1 = matched_l1(block, float(topk.nonzero_ratio_valid.mean()), lr)
        if l1 is None:
            continue
        twins = block_grid(L1_ARCH, expansion, {"learning_rate": [lr], "l1": [l1],
                                                "seeds": sae_seeds})  # fmt: skip
        models = [load_model(checkpoint, s.model_id) for s in twins]
        activity = [encode(z_valid, w, s, arch)[0] for s, w in models]
        decoders = [w["decoder.weight"] for _, w in models]
        initial = [initial_decoder(s, w["decoder.weight"]) for s, w in models]
        ids = dict(representation="sae", arch=L1_ARCH, k=k, l1=l1)
        yield ids, seed_stability(decoders, activity, initial=initial, **chance(ids))


def main(snakemake):
    p, inp = snakemake.params, snakemake.input
    cases = [tuple(case) for case in p.cases]
    embeddings = dict(zip(cases, inp.embeddings, strict=True))
    checkpoints = dict(zip(cases, inp.checkpoints, strict=True))
    latent_files = dict(zip(cases, inp.latents, strict=True))
    score_files = dict(zip(cases, inp.scores, strict=True))
    l1_checkpoints = dict(zip([tuple(c) for c in p.l1_cases], inp.l1_checkpoints, strict=True))
    sweep = pd.read_parquet(inp.sweep) if inp.sweep else None
    rows = []
    for protocol, rat, dim in sorted({key[:3] for key in embeddings}):
        runs = [valid_split(embeddings[(protocol, rat, dim, seed)]) for seed in p.seeds]
        value, n_pairs = cebra_consistency(runs)
        log.info("%s %s dim %s: CEBRA consistency %.3f (%d pairs)", protocol, rat, dim, value,
                 n_pairs)  # fmt: skip
        rows.append(dict(protocol=protocol, rat=rat, dim=dim, seed=None,
                         representation="cebra", arch=None, k=None, l1=None,
                         measure="consistency", threshold=None, value=value,
                         value_all=value, n_live=np.nan, width=int(dim),
                         random_value=np.nan, random_sd=np.nan, random_draws=0,
                         paired_value=np.nan, n_pairs=n_pairs))  # fmt: skip
        for seed in p.seeds:
            case = (protocol, rat, dim, seed)

            def chance(ids, case=case):  # the case's own draws of chance, seeded
                keys = (ids["representation"], ids["arch"] or "", ids["k"])
                return dict(thresholds=p.thresholds, draws=p.chance_draws,
                            seed=case_seed(p.null_seed, *case, *keys))  # fmt: skip

            with np.load(latent_files[case]) as npz:
                latents = {k: npz[k] for k in npz.files if k.endswith(("_valid", "_decoder"))}
            found = [
                *selected_rows(checkpoints[case], latents, p.selection, p.sae_seeds, chance),
                *classical_rows(pd.read_parquet(score_files[case]), latents, chance),
            ]  # fmt: skip
            if case in l1_checkpoints:  # L1 twins at the TopK's sparsity (first CEBRA seed)
                block = sweep[(sweep.protocol == protocol) & (sweep.rat == rat)
                              & (sweep.dim == dim) & (sweep.seed == seed)]  # fmt: skip
                found += l1_rows(block, l1_checkpoints[case], valid_split(embeddings[case]),
                                 p.selection, p.sae_seeds, chance)  # fmt: skip
            for ids, measures in found:
                for m in measures:
                    rows.append(dict(protocol=protocol, rat=rat, dim=dim, seed=seed, **ids, **m))
                    log.info("%s dim %s seed %s %s %s k %s: %s %s %.3f (random %.3f sd %.3f, "
                             "initial decoders %.3f; %.1f of %d latents live)", rat, dim, seed,
                             ids["representation"], ids["arch"] or "", ids["k"], m["measure"],
                             m["threshold"] or "", m["value"], m["random_value"],
                             m["random_sd"], m["paired_value"], m["n_live"],
                             m["width"])  # fmt: skip
    write_table(pd.DataFrame(rows), snakemake.output[0], STABILITY_SCHEMA)


run_rule(main, snakemake)

"""Rule train_cebra: fit one CEBRA model (or the shuffled-spikes null) and save model,
embeddings, loss curve, info."""

import json
from importlib.metadata import version
from pathlib import Path

import pandas as pd
from common import log, run_rule

from cebra_sae.data.recording import load_prepared
from cebra_sae.devices import resolve_device
from cebra_sae.embedding import fit_cebra, permute_time
from cebra_sae.io import atomic_savez, atomic_write
from cebra_sae.tables import write_table


def main(snakemake):
    w, out = snakemake.wildcards, snakemake.output
    split = load_prepared(snakemake.input.data)
    log.info(
        "train_cebra %s/%s dim=%s hidden=%s lr=%s seed=%s on %d train bins",
        w.protocol,
        w.rat,
        w.dim,
        w.hidden,
        w.lr,
        w.seed,
        split.n_train,
    )
    spikes_train = split.spikes_train
    if snakemake.params.jacobian_weight is not None:
        log.info("xCEBRA: Jacobian-regularised solver, weight %g",
                 snakemake.params.jacobian_weight)  # fmt: skip
    if snakemake.params.shuffled:  # the null: time bins permuted, labels intact
        spikes_train = permute_time(spikes_train, int(w.seed))
        log.info("train spikes' time bins permuted (seed %s); labels intact", w.seed)
    fit = fit_cebra(
        spikes_train,
        split.spikes_valid,
        split.labels_train,
        snakemake.params.cebra,
        supervised=snakemake.params.supervised,
        seed=int(w.seed),
        device=resolve_device(snakemake.params.device, "cebra.device"),
        threads=snakemake.threads,
        progress=lambda step, loss: log.info("iteration %d loss %.4f", step, loss),
        progress_every=snakemake.params.log_every,
        fast_search=snakemake.params.fast_search,
        jacobian_weight=snakemake.params.jacobian_weight,
    )
    log.info("fit on %s in %.1f s, final loss %.4f", fit.device, fit.train_seconds, fit.loss[-1])

    with atomic_write(out.model) as tmp:
        fit.model.save(str(tmp))
    atomic_savez(out.embedding, train=fit.embedding_train, valid=fit.embedding_valid)
    write_table(pd.DataFrame({"iteration": range(len(fit.loss)), "loss": fit.loss}), out.loss)
    tail = max(1, len(fit.loss) // 10)
    info = dict(
        rat=w.rat,
        protocol=w.protocol,
        dim=int(w.dim),
        hidden=int(w.hidden),
        lr=float(w.lr),
        seed=int(w.seed),
        final=bool(snakemake.params.final),
        shuffled=bool(snakemake.params.shuffled),
        xcebra=snakemake.params.jacobian_weight is not None,
        **{k: v for k, v in fit.info.items() if k != "seed"},
        train_seconds=fit.train_seconds,
        final_loss=float(fit.loss[-tail:].mean()),
        n_train=split.n_train,
        n_valid=split.n_valid,
        versions={pkg: version(pkg) for pkg in ("cebra", "torch", "numpy")},
    )
    Path(out.info).write_text(json.dumps(info, indent=2))


run_rule(main, snakemake)

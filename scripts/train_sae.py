"""Rule train_sae: train one block (rat x dim x arch x expansion) of SAEs, batched."""

import numpy as np
import pandas as pd
import torch
from common import log, run_rule

from cebra_sae.devices import resolve_device
from cebra_sae.sae import TrainSettings, train_block
from cebra_sae.sae.checkpoint import save_block
from cebra_sae.sae.grid import block_grid, block_specs, selection_grid
from cebra_sae.sae_sweep import sweep_rows
from cebra_sae.tables import SAE_SWEEP_SCHEMA, write_table


def main(snakemake):
    w, p = snakemake.wildcards, snakemake.params
    torch.set_num_threads(snakemake.threads)
    with np.load(snakemake.input.embedding) as npz:
        z_train, z_valid = npz["train"], npz["valid"]
    expansion = int(w.expansion)
    extra = p.selection or {}
    selected = ("k" in extra and selection_grid(w.arch, expansion, extra, extra["seeds"])) or []
    # the L1 twins of posthoc.l1_stability (not in the paper's grid)
    twins = block_grid(w.arch, expansion, extra["twins"]) if "twins" in extra else []
    specs = block_specs(w.arch, expansion, p.grid, selected + twins)
    in_grid = {s.model_id for s in block_grid(w.arch, expansion, p.grid)} if p.grid else set()
    settings = TrainSettings(**p.settings, device=resolve_device(p.device, "sae.device"))
    log.info(
        "%s/%s dim %s seed %s %s x%s: %d models on %s, %d train samples, batch %d, %d epochs",
        w.protocol,
        w.rat,
        w.dim,
        w.seed,
        w.arch,
        w.expansion,
        len(specs),
        settings.device,
        len(z_train),
        settings.batch_size,
        settings.epochs,
    )

    def progress(epoch, loss):
        if (epoch + 1) % p.log_every == 0 or epoch + 1 == settings.epochs:
            log.info(
                "epoch %d: loss min %.5f median %.5f max %.5f",
                epoch + 1,
                np.nanmin(loss),
                np.nanmedian(loss),
                np.nanmax(loss),
            )

    block = train_block(z_train, specs, settings, progress=progress)
    log.info(
        "trained %d models in %.1f s (%.3f s per model)",
        len(specs),
        block.seconds,
        block.seconds / len(specs),
    )
    save_block(snakemake.output.checkpoint, block)
    factors = None
    if snakemake.input.factors:  # a simulated rat: recovery of its true factors
        with np.load(snakemake.input.factors) as npz:
            factors = npz["valid"]
    rows = pd.DataFrame(sweep_rows(block, z_train, z_valid, factors))
    rows = rows.assign(
        protocol=w.protocol,
        rat=w.rat,
        dim=int(w.dim),
        seed=int(w.seed),
        grid=rows.model_id.isin(in_grid),
        checkpoint=snakemake.output.checkpoint,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        device=block.device,
        block_models=len(specs),
        block_seconds=block.seconds,
    )
    dense = rows[rows.k.notna() & (rows.k >= rows.width)]
    for k in sorted(set(dense.k)):
        log.info("k %d >= width %d: TopK keeps every latent (k_effective %d)", k,
                 rows.width.iloc[0], rows.width.iloc[0])  # fmt: skip
    for flag in ("diverged", "all_dead"):
        if rows[flag].any():
            log.info("%s: %s", flag, ", ".join(rows.model_id[rows[flag]]))
    write_table(rows, snakemake.output.metrics, SAE_SWEEP_SCHEMA)


run_rule(main, snakemake)

"""Sweep metrics of a trained block (STUDY.md §4), one row per model, and Pareto fronts.

Example:
    >>> import numpy as np
    >>> from cebra_sae.sae import SAESpec, TrainSettings, train_block
    >>> z = np.random.default_rng(0).normal(size=(200, 4))
    >>> block = train_block(z, [SAESpec("topk", 2, 1e-3, k=3)], TrainSettings(epochs=1))
    >>> row = sweep_rows(block, z[:150], z[150:])[0]
    >>> row["l0_train"] <= 3, row["nonzero_ratio_train"] <= 3 / 8
    (True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cebra_sae.metrics import dead_fraction, explained_variance, l0, nonzero_ratio
from cebra_sae.sae.trainer import BlockResult, encode


def model_weights(block: BlockResult, index: int) -> dict[str, np.ndarray]:
    """One model's weights out of a block (the model axis removed)."""
    return {name: w[index] for name, w in block.weights.items()}


def split_metrics(z: np.ndarray, h: np.ndarray, z_hat: np.ndarray, split: str) -> dict:
    return {
        f"explained_variance_{split}": explained_variance(z, z_hat),
        f"nonzero_ratio_{split}": nonzero_ratio(h),
        f"l0_{split}": l0(h),
        f"dead_fraction_{split}": dead_fraction(h),
    }


def sweep_rows(block: BlockResult, z_train: np.ndarray, z_valid: np.ndarray,
               factors: np.ndarray | None = None) -> list[dict]:  # fmt: skip
    """Hyperparameters and sweep metrics on both splits for every model of ``block``.

    ``diverged`` flags models whose weights or final loss are not finite; ``all_dead``
    flags models with no latent ever active on the train split. With ``factors`` (the
    true factors of a simulated recording on the validation split), each model's recovery
    of them (:func:`cebra_sae.recovery.recovery`); NaN otherwise.
    """
    from cebra_sae.recovery import recovery

    rows = []
    for i, spec in enumerate(block.specs):
        weights = model_weights(block, i)
        final_loss = float(block.loss_history[i, -1])
        finite = all(np.isfinite(w).all() for w in weights.values())
        diverged = not (np.isfinite(final_loss) and finite)
        params = spec.as_dict()
        params["sae_seed"] = params.pop("seed")  # "seed" in the tables: the embedding's
        row = {**params, "model_id": spec.model_id, "final_loss": final_loss}
        for split, z in (("train", z_train), ("valid", z_valid)):
            if diverged:
                row.update({k: np.nan for k in split_metrics(z[:1], z[:1], z[:1], split)})
                continue
            h, z_hat = encode(z, weights, spec, block.protocol)
            row.update(split_metrics(z, h, z_hat, split))
        row.update(recovery_best=np.nan, recovery_hungarian=np.nan)
        if factors is not None and not diverged:
            row.update(recovery(factors, h))  # h: the validation latents
        row["diverged"] = diverged
        row["all_dead"] = bool(not diverged and row["dead_fraction_train"] == 1.0)
        row["width"] = int(weights["encoder.weight"].shape[0])
        # k at least the width keeps every latent (STUDY.md §4): say so in the table
        row["k_effective"] = None if spec.k is None else min(int(spec.k), row["width"])
        rows.append(row)
    return rows


def pareto_front(
    sweep: pd.DataFrame,
    by=("protocol", "rat", "dim", "arch"),
    x: str = "nonzero_ratio_valid",
    y: str = "explained_variance_valid",
) -> pd.DataFrame:
    """Rows of ``sweep`` not dominated within their group: no other model is at least as
    sparse (``x`` ≤) and at least as faithful (``y`` ≥) and better in one of the two.

    Example:
        >>> df = pd.DataFrame({"g": [1, 1, 1, 1], "x": [0.1, 0.2, 0.3, 0.2],
        ...                    "y": [0.5, 0.9, 0.8, 0.4]})
        >>> pareto_front(df, by=["g"], x="x", y="y").index.tolist()
        [0, 1]
    """
    kept = []
    valid = sweep.dropna(subset=[x, y])
    for _, group in valid.groupby(list(by), sort=False):
        best = -np.inf
        for index, row in group.sort_values([x, y], ascending=[True, False]).iterrows():
            if row[y] > best:
                kept.append(index)
                best = row[y]
    return sweep.loc[sorted(kept)]

"""Stage 3 of the study: the SAE sweep on the final CEBRA embeddings, with the SAE core.

What the study decides around the core (:mod:`cebra_sae.sae`): which models a block trains
(the paper's grid on the first CEBRA seed's embedding, the selected SAEs at every SAE seed),
the training settings of a protocol (its batch size, penalty reduction and JumpReLU variant,
the ``sae`` section's architecture settings), one ``sae_sweep`` row per model (with its
recovery of a simulated recording's true factors), the paper's grid out of the table and
the Pareto fronts.

Example:
    >>> import numpy as np
    >>> from cebra_sae.sae import SAESpec, TrainSettings, train_block
    >>> settings = train_settings({"epochs": 1}, "seed_code")
    >>> settings["batch_size"], settings["penalty_reduction"], settings["variants"]
    (512, 'sum', {'jumprelu': 'jumprelu_seed_code'})
    >>> z = np.random.default_rng(0).normal(size=(200, 4))
    >>> block = train_block(z, [SAESpec("topk", 2, 1e-3, k=3)], TrainSettings(**settings))
    >>> row = sweep_rows(block, z[:150], z[150:])[0]
    >>> row["l0_train"] <= 3, row["nonzero_ratio_train"] <= 3 / 8
    (True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cebra_sae.config import defaults
from cebra_sae.measures.recovery import recovery
from cebra_sae.protocols import PROTOCOLS
from cebra_sae.sae.grid import grid_keys

#: The ``sae`` config keys that reach training, and the
#: :class:`~cebra_sae.sae.trainer.TrainSettings` field each one sets (the rest of a
#: block's settings come from its protocol, see :func:`train_settings`).
CONFIG_SETTINGS = {
    "epochs": "epochs",
    "jumprelu_init_threshold": "init_threshold",
    "jumprelu_init_quantile": "init_quantile",
    "batchtopk_threshold_decay": "batchtopk_threshold_decay",
    "auxk_dead_after": "auxk_dead_after",
    "auxk_k_fraction": "auxk_k_fraction",
    "auxk_coefficient": "auxk_coefficient",
}


def protocol_settings(protocol: str) -> dict:
    """What ``protocol`` decides of a block's training: its penalty reduction and its
    architecture variants (``TrainSettings`` keyword arguments).

    Example:
        >>> protocol_settings("paper")
        {'penalty_reduction': 'mean', 'variants': {}}
    """
    p = PROTOCOLS[protocol]
    return {"penalty_reduction": p.penalty_reduction, "variants": dict(p.architecture_variants)}


def train_settings(sae: dict, protocol: str) -> dict:
    """The ``TrainSettings`` keyword arguments of a block under ``protocol`` (all but the
    device): the ``sae`` config section's settings (the schema's defaults where it sets
    none) and the protocol's batch size, penalty reduction and architecture variants.

    Plain values only (the workflow passes them as a rule's params; building
    ``TrainSettings`` from them imports PyTorch).
    """
    sae = {**defaults("sae"), **sae}
    return {
        **{field: sae[key] for key, field in CONFIG_SETTINGS.items()},
        "batch_size": sae[PROTOCOLS[protocol].sae_batch_size_key],
        **protocol_settings(protocol),
    }


def is_selected_block(selection: dict, arch: str, expansion) -> bool:
    """Whether a block (arch x expansion) holds the selected SAEs of ``posthoc.selection``."""
    return arch == selection["arch"] and int(expansion) == selection["expansion"]


def block_grid_lists(sae: dict, arch: str, first_seed: bool) -> dict | None:
    """The ``sae`` lists of the paper's sweep grid a block trains (its learning rates, its
    architecture's own lists, the first SAE seed), or None off the first CEBRA seed."""
    if not first_seed:
        return None
    return {**{key: sae[key] for key in grid_keys(arch)}, "seeds": sae["seeds"][:1]}


def block_selection(selection: dict, sae: dict, arch: str, expansion) -> dict | None:
    """The selected SAEs a block also trains (lr, k, every SAE seed), or None."""
    if not is_selected_block(selection, arch, expansion):
        return None
    return dict(learning_rate=selection["learning_rate"], k=selection["k"], seeds=sae["seeds"])


#: The architecture whose twins at other SAE seeds let stability compare L1 with TopK.
L1_ARCH = "standard"


def l1_twin_lists(posthoc: dict, sae: dict, arch: str, expansion, first_seed: bool) -> dict | None:
    """The L1 twins (``{"twins": grid lists}``, a block's ``selection`` param where it
    holds no selected SAEs) a block also trains for stability at matched sparsity
    (docs/study.md §12), or None: on the first CEBRA seed's standard block at the selected
    expansion (with ``posthoc.l1_stability`` and at least two SAE seeds), the penalty grid
    at the selected learning rate at every SAE seed after the first (the first is the
    paper's grid).

    Example:
        >>> posthoc = {"l1_stability": True,
        ...            "selection": {"arch": "topk", "expansion": 8, "learning_rate": 1e-3}}
        >>> l1_twin_lists(posthoc, {"l1": [0.1, 1.0], "seeds": [0, 1]}, "standard", 8, True)
        {'twins': {'learning_rate': [0.001], 'l1': [0.1, 1.0], 'seeds': [1]}}
        >>> l1_twin_lists(posthoc, {"l1": [0.1], "seeds": [0]}, "standard", 8, True) is None
        True
    """
    selection = posthoc["selection"]
    if not (posthoc.get("l1_stability") and first_seed and arch == L1_ARCH
            and int(expansion) == selection["expansion"] and len(sae["seeds"]) > 1):  # fmt: skip
        return None
    return {"twins": {"learning_rate": [selection["learning_rate"]], "l1": list(sae["l1"]),
                      "seeds": list(sae["seeds"][1:])}}  # fmt: skip


def model_weights(block, index: int) -> dict[str, np.ndarray]:
    """One model's weights out of a block (the model axis removed)."""
    return {name: w[index] for name, w in block.weights.items()}


def sweep_rows(block, z_train: np.ndarray, z_valid: np.ndarray,
               factors: np.ndarray | None = None) -> list[dict]:  # fmt: skip
    """Hyperparameters and sweep metrics on both splits for every model of ``block``.

    ``diverged`` flags models whose weights or final loss are not finite; ``all_dead``
    flags models with no latent ever active on the train split. With ``factors`` (the
    true factors of a simulated recording on the validation split), each model's recovery
    of them (:func:`cebra_sae.measures.recovery.recovery`); NaN otherwise.
    """
    from cebra_sae.sae.metrics import split_metrics
    from cebra_sae.sae.trainer import encode

    rows = []
    for i, spec in enumerate(block.specs):
        weights = model_weights(block, i)
        final_loss = float(block.loss_history[i, -1])
        finite = all(np.isfinite(w).all() for w in weights.values())
        diverged = not (np.isfinite(final_loss) and finite)
        row = {**spec.as_dict(), "model_id": spec.model_id, "final_loss": final_loss}
        for split, z in (("train", z_train), ("valid", z_valid)):
            if diverged:
                row.update({k: np.nan for k in split_metrics(z[:1], z[:1], z[:1], split)})
                continue
            h, z_hat = encode(z, weights, spec, block.architecture)
            row.update(split_metrics(z, h, z_hat, split))
        row.update(recovery_best=np.nan, recovery_hungarian=np.nan)
        if factors is not None and not diverged:
            row.update(recovery(factors, h))  # h: the validation latents
        row["diverged"] = diverged
        row["all_dead"] = bool(not diverged and row["dead_fraction_train"] == 1.0)
        row["width"] = int(weights["encoder.weight"].shape[0])
        # k at least the width keeps every latent (docs/study.md §4): say so in the table
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


def paper_grid(sweep: pd.DataFrame) -> pd.DataFrame:
    """The paper's sweep grid (first CEBRA seed, first SAE seed) out of ``sae_sweep``."""
    return sweep[sweep["grid"]] if "grid" in sweep else sweep

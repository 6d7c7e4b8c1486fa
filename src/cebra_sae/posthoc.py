"""Post-hoc evaluation of CEBRA embeddings and their selected SAEs (STUDY.md §5).

For one rat x dim and protocol, every representation (the CEBRA embedding, each selected
SAE's latents) gets decoding scores (§3 on the representation instead of z),
interpretability scores under both formulas, and its nonzero ratio. What differs between
protocols is read from the protocol's entry (:mod:`cebra_sae.protocols`): how it decodes,
the split the scores are computed on (``score_split``) and which formula is its own
(``score_formula``). Under ``paper``: decoders fit on train, scores on the validation split,
the text's formulas; under ``seed_code``: in-sample decoding, scores on the train split, the
published code's formulas.

The text formula of the behaviour score fits each one-variable Ridge on the train split
and scores it on the score split (on train under ``seed_code``, i.e. in-sample).

Each number is computed once: the CEBRA embedding's decoding is read from its
``cebra_sweep`` row (:func:`~cebra_sae.protocols.decoding_of`), and a selected SAE's model
id, width and nonzero ratio from its ``sae_sweep`` row; re-encoding the SAE (its latents
are needed for the scores) must give the sweep's nonzero ratio, or the run stops naming the
block to delete and rerun.

Example:
    >>> import numpy as np
    >>> from cebra_sae.data import Split
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.poisson(1.0, size=(100, 5)).astype(float)
    >>> labels = np.column_stack([rng.uniform(0, 1.6, 100), np.tile([1.0, 0.0], 50),
    ...                           np.tile([0.0, 1.0], 50)])
    >>> split = Split(spikes[:80], spikes[80:], labels[:80], labels[80:])
    >>> row = evaluate_representation("paper", split, spikes[:80], spikes[80:])
    >>> row["score_split"], round(row["neuron_score"], 6), round(row["nonzero_ratio"], 3)
    ('valid', 1.0, 0.68)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cebra_sae.config import defaults
from cebra_sae.data import Split
from cebra_sae.errors import StudyError
from cebra_sae.metrics import (
    behavior_score_code,
    behavior_score_text,
    neuron_score_code,
    neuron_score_text,
    nonzero_ratio,
)
from cebra_sae.protocols import decode, decoding_of, get_protocol
from cebra_sae.sae.checkpoint import load_model
from cebra_sae.sae.trainer import encode


def score_split(protocol: str, split: Split, latents_train, latents_valid):
    """``(split name, latents, spikes, labels)`` of the split ``protocol`` scores on."""
    where = get_protocol(protocol).score_split
    if where == "valid":
        return where, latents_valid, split.spikes_valid, split.labels_valid
    return where, latents_train, split.spikes_train, split.labels_train


def interpretability_scores(
    protocol: str, split: Split, latents_train, latents_valid, scoring: Mapping | None = None
) -> dict:
    """Neuron and behaviour scores under both formulas, and the protocol's own.

    Args:
        scoring: the config's ``posthoc`` section (``top_neurons``, ``top_behaviors``,
            ``behavior_ridge_alpha``; default: the schema's).
    """
    scoring = {**defaults("posthoc"), **(scoring or {})}
    where, latents, spikes, labels = score_split(protocol, split, latents_train, latents_valid)
    top_n, top_b = scoring["top_neurons"], scoring["top_behaviors"]
    scores = {
        "neuron_score_text": neuron_score_text(spikes, latents, top_n),
        "neuron_score_code": neuron_score_code(spikes, latents, top_n),
        "behavior_score_text": behavior_score_text(
            latents_train, split.labels_train, latents, labels, top_b,
            scoring["behavior_ridge_alpha"],
        ),
        "behavior_score_code": behavior_score_code(latents, labels, top_b),
    }  # fmt: skip
    own = get_protocol(protocol).score_formula
    return {
        **scores,
        "neuron_score": scores[f"neuron_score_{own}"],
        "behavior_score": scores[f"behavior_score_{own}"],
        "score_split": where,
    }


def evaluate_representation(
    protocol: str,
    split: Split,
    latents_train: np.ndarray,
    latents_valid: np.ndarray,
    decoding: Mapping | None = None,
    scoring: Mapping | None = None,
    decoded: Mapping | None = None,
) -> dict:
    """Decoding, neuron and behaviour scores (both formulas), nonzero ratio and width.

    Args:
        decoding: the config's ``decoding`` section (default: the schema's).
        scoring: the config's ``posthoc`` section (default: the schema's).
        decoded: decoding scores already computed for this representation under
            ``protocol`` (e.g. a CEBRA embedding's, from ``cebra_sweep``); decoded here
            when not given.
    """
    if decoded is None:
        decoded = decode(protocol, latents_train, split.labels_train, latents_valid,
                         split.labels_valid, decoding)  # fmt: skip
    scores = interpretability_scores(protocol, split, latents_train, latents_valid, scoring)
    _, latents, _, _ = score_split(protocol, split, latents_train, latents_valid)
    return {
        **decoded,
        **scores,
        "nonzero_ratio": nonzero_ratio(latents),
        "width": int(np.asarray(latents).shape[1]),
    }


def selected_models(block_rows: pd.DataFrame, selection: Mapping, seed: int) -> pd.DataFrame:
    """The ``sae_sweep`` rows of the selected SAEs of one block, one per selected k.

    Args:
        block_rows: the sweep rows of the selected block (arch x expansion).
        selection: the config's ``posthoc.selection`` (``learning_rate``, ``k``).
        seed: the SAE seed compared.

    Raises:
        StudyError: a selected k has no (or more than one) row.

    Example:
        >>> rows = pd.DataFrame({"lr": [1e-3, 1e-3, 1e-4], "k": [8, 16, 8], "seed": 0,
        ...                      "model_id": ["a", "b", "c"]})
        >>> selected_models(rows, {"learning_rate": 1e-3, "k": [16, 8]}, 0).model_id.tolist()
        ['b', 'a']
    """
    chosen = []
    for k in selection["k"]:
        match = block_rows[
            np.isclose(block_rows.lr, selection["learning_rate"], rtol=1e-9, atol=0)
            & (block_rows.k == k)
            & (block_rows.seed == seed)
        ]
        if len(match) != 1:
            raise StudyError(
                f"posthoc.selection: {len(match)} SAEs of the sweep have lr "
                f"{selection['learning_rate']:g}, k {k} and seed {seed} (expected 1). Fix: "
                "select values that are in the sae grid."
            )
        chosen.append(match.iloc[0])
    return pd.DataFrame(chosen).reset_index(drop=True)


def check_same(name: str, model_id: str, swept: float, recomputed: float, checkpoint) -> None:
    """Stop when a number the sweep recorded and its recomputation disagree."""
    if not np.isclose(swept, recomputed, rtol=1e-9, atol=1e-12):
        block = Path(checkpoint).parent
        raise StudyError(
            f"{model_id}: the sweep's {name} {swept!r} differs from re-encoding its checkpoint "
            f"({recomputed!r}): {block}/checkpoint.npz and its metrics.parquet are out of sync. "
            f"Fix: delete both and rerun (train_sae then trains that block again)."
        )


def posthoc_case(
    protocol: str,
    split: Split,
    embedding: tuple[np.ndarray, np.ndarray],
    cebra_row: Mapping,
    sae_rows: pd.DataFrame,
    checkpoint,
    decoding: Mapping | None = None,
    scoring: Mapping | None = None,
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """CEBRA and each selected SAE of one protocol x rat x dim: ``posthoc`` rows and latents.

    Args:
        protocol: the protocol evaluated.
        split: the prepared recording.
        embedding: ``(z_train, z_valid)``, the final CEBRA embedding.
        cebra_row: the embedding's ``cebra_sweep`` row (its decoding is reused).
        sae_rows: :func:`selected_models` rows of the SAE sweep.
        checkpoint: the block checkpoint holding the selected models.

    Returns:
        ``(rows, latents)``: rows with ``model``, ``k``, ``model_id`` and the columns of
        :func:`evaluate_representation`; latents ``cebra_{split}`` and ``sae_k{k}_{split}``.
    """
    z_train, z_valid = embedding
    rows = [{
        "model": "cebra", "k": None, "model_id": "cebra",
        **evaluate_representation(protocol, split, z_train, z_valid, decoding, scoring,
                                  decoded=decoding_of(cebra_row, protocol)),
    }]  # fmt: skip
    latents = {"cebra_train": z_train, "cebra_valid": z_valid}
    where = get_protocol(protocol).score_split
    for sweep_row in sae_rows.itertuples(index=False):
        spec, weights = load_model(checkpoint, sweep_row.model_id)
        h_train, _ = encode(z_train, weights, spec, protocol)
        h_valid, _ = encode(z_valid, weights, spec, protocol)
        row = evaluate_representation(protocol, split, h_train, h_valid, decoding, scoring)
        swept = getattr(sweep_row, f"nonzero_ratio_{where}")
        check_same(f"nonzero_ratio_{where}", spec.model_id, swept, row["nonzero_ratio"],
                   checkpoint)  # fmt: skip
        check_same("width", spec.model_id, sweep_row.width, row["width"], checkpoint)
        row.update(nonzero_ratio=float(swept), width=int(sweep_row.width))
        rows.append({"model": "sae", "k": int(spec.k), "model_id": spec.model_id, **row})
        latents[f"sae_k{spec.k}_train"] = h_train.astype(np.float32)
        latents[f"sae_k{spec.k}_valid"] = h_valid.astype(np.float32)
    return rows, latents

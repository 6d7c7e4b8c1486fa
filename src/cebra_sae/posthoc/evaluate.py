"""Post-hoc evaluation of CEBRA embeddings and their selected SAEs (docs/study.md §5).

For one protocol x rat x dim x seed (a *case*), every representation of the registry
:mod:`cebra_sae.posthoc.representations` (the CEBRA embedding, each selected SAE's latents, and
the nulls: untrained SAE, PCA/ICA rotations, shuffled-spikes CEBRA) gets decoding scores
(§3 on the representation instead of z), interpretability scores under both formulas, its
nonzero ratio, and the time-shift null of its own scores (:func:`shift_nulls`, §9). What
differs between protocols is read from the protocol's entry (:mod:`cebra_sae.protocols`):
how it decodes, the split the scores are computed on (``score_split``) and which formula is
its own (``score_formula``). Under ``paper``: decoders fit on train, scores on the
validation split, the text's formulas; under ``seed_code``: in-sample decoding, scores on
the train split, the published code's formulas.

The text formula of the behaviour score fits each one-variable Ridge on the train split
and scores it on the score split (on train under ``seed_code``, i.e. in-sample).

Each number is computed once: the CEBRA embedding's decoding is read from its
``cebra_sweep`` row (:func:`~cebra_sae.protocols.decoding_of`), and a selected SAE's model
id, width and nonzero ratio from its ``sae_sweep`` row; re-encoding the SAE (its latents
are needed for the scores) must give the sweep's nonzero ratio, or the run stops naming the
block to delete and rerun.

Example:
    >>> import numpy as np
    >>> from cebra_sae.data.recording import Split
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
from cebra_sae.data.recording import Split
from cebra_sae.errors import StudyError
from cebra_sae.measures.decoding import not_testable
from cebra_sae.measures.membership import (
    MEMBERSHIP_COLUMNS,
    correlation_attribution,
    matched_factors,
    membership_auc,
)
from cebra_sae.measures.recovery import recovery
from cebra_sae.posthoc.attribution import attribution_columns, latent_attribution
from cebra_sae.posthoc.classical import ASSEMBLY_COLUMNS
from cebra_sae.posthoc.nulls import behavior_null_scores, neuron_null_scores, null_summary
from cebra_sae.posthoc.representations import REPRESENTATIONS, Case, case_representations
from cebra_sae.posthoc.scores import (
    behavior_score_paper,
    behavior_score_seed_code,
    behaviors,
    neuron_score_paper,
    neuron_score_seed_code,
)
from cebra_sae.posthoc.tuning import DIRECTIONS, describe_latents, tiling_summary, track_edges
from cebra_sae.protocols import PROTOCOLS, decode
from cebra_sae.sae.metrics import nonzero_ratio


def score_split(protocol: str, split: Split, latents_train, latents_valid):
    """``(split name, latents, spikes, labels)`` of the split ``protocol`` scores on."""
    where = PROTOCOLS[protocol].score_split
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
        "neuron_score_paper": neuron_score_paper(spikes, latents, top_n),
        "neuron_score_seed_code": neuron_score_seed_code(spikes, latents, top_n),
        "behavior_score_paper": behavior_score_paper(
            latents_train, split.labels_train, latents, labels, top_b,
            scoring["behavior_ridge_alpha"],
        ),
        "behavior_score_seed_code": behavior_score_seed_code(latents, labels, top_b),
    }  # fmt: skip
    own = PROTOCOLS[protocol].score_formula
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
        "not_testable": not_testable(split.labels_train, split.labels_valid),
        "nonzero_ratio": nonzero_ratio(latents),
        "width": int(np.asarray(latents).shape[1]),
    }


def selected_models(block_rows: pd.DataFrame, selection: Mapping, sae_seeds) -> pd.DataFrame:
    """The ``sae_sweep`` rows of the selected SAEs of one block: per SAE seed, per selected k.

    Args:
        block_rows: the sweep rows of the selected block (arch x expansion, one embedding).
        selection: the config's ``posthoc.selection`` (``learning_rate``, ``k``).
        sae_seeds: the SAE seeds compared (``sae.seeds``).

    Raises:
        StudyError: a selected k and seed has no (or more than one) row.

    Example:
        >>> rows = pd.DataFrame({"lr": [1e-3, 1e-3, 1e-4], "k": [8, 16, 8], "sae_seed": 0,
        ...                      "model_id": ["a", "b", "c"]})
        >>> selected_models(rows, {"learning_rate": 1e-3, "k": [16, 8]}, [0]).model_id.tolist()
        ['b', 'a']
    """
    chosen = []
    for seed in sae_seeds:
        for k in selection["k"]:
            match = block_rows[
                np.isclose(block_rows.lr, selection["learning_rate"], rtol=1e-9, atol=0)
                & (block_rows.k == k)
                & (block_rows.sae_seed == seed)
            ]
            if len(match) != 1:
                raise StudyError(
                    f"posthoc.selection: {len(match)} SAEs of the sweep have lr "
                    f"{selection['learning_rate']:g}, k {k} and SAE seed {seed} (expected 1). "
                    "Fix: select values that are in the sae grid."
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


def load_selected(checkpoint, rows: pd.DataFrame) -> list:
    """``(spec, weights, sweep_row)`` of each selected SAE (rows of :func:`selected_models`)."""
    from cebra_sae.sae.checkpoint import load_model

    return [(*load_model(checkpoint, row.model_id), row) for _, row in rows.iterrows()]


def shift_nulls(
    protocol: str,
    split: Split,
    latents_train,
    latents_valid,
    scoring: Mapping | None = None,
    draws: int | None = None,
    seed=0,
) -> dict[str, float]:
    """Time-shift nulls of the protocol's own neuron and behaviour scores (docs/study.md §9).

    Each neuron (behaviour column) of the scored split is rolled by its own offset in
    ``[T/10, 9T/10]``; ``draws`` such draws (``posthoc.shift_draws``), seeded with
    ``seed`` (the same seed gives every representation of a case the same offsets).

    Returns:
        ``neuron_null_mean``, ``neuron_null_p95``, ``behavior_null_mean``,
        ``behavior_null_p95``.
    """
    scoring = {**defaults("posthoc"), **(scoring or {})}
    draws = draws or scoring["shift_draws"]
    formula = PROTOCOLS[protocol].score_formula
    _, latents, spikes, labels = score_split(protocol, split, latents_train, latents_valid)
    rng = np.random.default_rng(seed)
    neuron = neuron_null_scores(spikes, latents, formula, draws, rng, scoring["top_neurons"])
    behavior = behavior_null_scores(
        latents_train, behaviors(split.labels_train), latents, behaviors(labels), formula,
        draws, rng, scoring["top_behaviors"], scoring["behavior_ridge_alpha"],
    )  # fmt: skip
    return {**null_summary(neuron, "neuron"), **null_summary(behavior, "behavior")}


#: Per-representation summary of its latents (columns of ``posthoc``), NaN where unknown.
MEANING_SUMMARY = ("place_fields", "place_field_share", "track_coverage", "peak_evenness",
                   "n_factors", "recovery_best", "recovery_hungarian",
                   "attribution_agreement",
                   *MEMBERSHIP_COLUMNS.values())  # fmt: skip


def describe_representation(case: Case, rep, scoring: Mapping | None = None):
    """What the latents of ``rep`` mean (docs/study.md §10), on the validation split.

    Returns:
        ``(summary, table, curves)``: the :data:`MEANING_SUMMARY` values; one row per
        latent (:func:`cebra_sae.posthoc.tuning.describe_latents`, plus
        ``attribution_neuron`` and ``attribution_rank`` when the case has the Jacobian of
        ``rep``'s embedding and ``rep`` a linear encoder); the tuning curves as long rows
        (``latent``, ``direction``, ``bin``, ``position_m``, ``activation``) when
        ``case.curves`` keeps this representation's (else None).
    """
    scoring = {**defaults("posthoc"), **(scoring or {})}
    split = case.split
    positions = np.concatenate([split.labels_train[:, 0], split.labels_valid[:, 0]])
    edges = track_edges(positions, scoring["position_bins"])
    labels = split.labels_valid
    rng = np.random.default_rng([scoring["null_seed"], case.seed, 10])  # same for every rep
    table, curves, fields = describe_latents(
        rep.valid, labels[:, 0], labels[:, 1], edges, split.spikes_valid,
        draws=scoring["shift_draws"], rng=rng, min_samples=scoring["min_bin_samples"],
        curves=True,
    )  # fmt: skip
    summary = dict.fromkeys(MEANING_SUMMARY, np.nan)
    summary.update(tiling_summary(table, fields, edges))
    if case.factors is not None:
        summary.update(recovery(case.factors[1], rep.valid),
                       n_factors=int(case.factors[1].shape[1]))  # fmt: skip
    table["attribution_neuron"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table["attribution_rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    attributions = {"weights": rep.weights}
    jacobian = case.jacobians.get(rep.embedding)
    if jacobian is not None and rep.encoder is not None:
        jf, first = jacobian.gxi, jacobian.first
        valid = np.asarray(rep.valid)[first : first + len(jf)]
        active = valid > 0 if rep.rectified else np.ones(valid.shape, dtype=bool)
        attributions["gradient"] = latent_attribution(jf, rep.encoder, active)
        if not rep.rectified and np.array_equal(rep.encoder, np.eye(len(rep.encoder))):
            attributions["inverse"] = jacobian.inverse  # the embedding's own dims
        columns = attribution_columns(attributions["gradient"],
                                      table.best_neuron.to_numpy())  # fmt: skip
        for name, values in columns.items():
            table[name] = pd.array(np.where(values < 0, pd.NA, values), dtype="Int64")
        has = table.attribution_rank.notna()
        summary["attribution_agreement"] = (
            float((table.attribution_rank[has] == 1).mean()) if has.any() else np.nan
        )
    if case.factors is not None and case.members is not None:  # a known answer: membership
        attributions["correlation"] = correlation_attribution(rep.valid, split.spikes_valid)
        matching = matched_factors(case.factors[1], rep.valid)  # one for every kind
        for kind, column in MEMBERSHIP_COLUMNS.items():
            if attributions.get(kind) is not None:
                summary[column] = membership_auc(case.factors[1], rep.valid, attributions[kind],
                                                 case.members, matching)  # fmt: skip
    long = None
    if case.curves and (rep.sae_seed is None or rep.sae_seed == case.curve_sae_seed):
        n_latents, _, n_bins = curves.shape
        centres = (edges[:-1] + edges[1:]) / 2
        long = pd.DataFrame(
            {
                "latent": np.repeat(np.arange(n_latents), 2 * n_bins),
                "direction": np.tile(np.repeat(DIRECTIONS, n_bins), n_latents),
                "bin": np.tile(np.arange(n_bins), 2 * n_latents),
                "position_m": np.tile(centres, 2 * n_latents),
                "activation": curves.reshape(-1).astype(np.float32),
            }
        )
    return summary, table, long


def posthoc_case(
    case: Case,
    representations=None,
    decoding: Mapping | None = None,
    scoring: Mapping | None = None,
):
    """Every representation of one protocol x rat x dim x seed: ``posthoc`` rows and latents.

    Args:
        case: the embedding, selected SAEs and (optionally) shuffled embedding of the case.
        representations: the representations evaluated (default: ``cebra``, ``sae`` and
            every configured null, :func:`~cebra_sae.posthoc.representations.case_representations`).
        decoding: the config's ``decoding`` section.
        scoring: the config's ``posthoc`` section (scores and ``shift_draws``,
            ``null_seed``).

    Returns:
        ``(rows, latents, latent_table, curves)``: rows with ``representation``, ``k``,
        ``sae_seed``, ``model_id``, the columns of :func:`evaluate_representation`, of
        :func:`shift_nulls` and :data:`MEANING_SUMMARY`; latents ``{model_id}_{split}``
        (and ``{model_id}_decoder`` for a representation with its own directions);
        one row per latent of every representation (:func:`describe_representation`) and
        the kept tuning curves (DataFrames with ``representation``, ``k``, ``sae_seed``,
        ``model_id``).
    """
    scoring = {**defaults("posthoc"), **(scoring or {})}
    if representations is None:
        representations = case_representations(scoring["nulls"], scoring["classical"])
    where = PROTOCOLS[case.protocol].score_split
    null_seed = [scoring["null_seed"], case.seed]
    rows, latents, tables, curves = [], {}, [], []
    for name in representations:
        for rep in REPRESENTATIONS[name].build(case):
            row = evaluate_representation(case.protocol, case.split, rep.train, rep.valid,
                                          decoding, scoring, decoded=rep.decoded)  # fmt: skip
            if rep.swept is not None:  # a trained SAE: its sweep numbers are the record
                swept = rep.swept[f"nonzero_ratio_{where}"]
                check_same(f"nonzero_ratio_{where}", rep.model_id, swept,
                           row["nonzero_ratio"], case.checkpoint)  # fmt: skip
                check_same("width", rep.model_id, rep.swept["width"], row["width"],
                           case.checkpoint)  # fmt: skip
                row.update(nonzero_ratio=float(swept), width=int(rep.swept["width"]))
            row.update(shift_nulls(case.protocol, case.split, rep.train, rep.valid, scoring,
                                   seed=null_seed))  # fmt: skip
            ids = {"representation": name, "k": rep.k, "sae_seed": rep.sae_seed,
                   "model_id": rep.model_id}  # fmt: skip
            summary, table, long = describe_representation(case, rep, scoring)
            row.update(dict.fromkeys(ASSEMBLY_COLUMNS, np.nan), **summary, **rep.notes)
            tables.append(table.assign(**ids))
            if long is not None:
                curves.append(long.assign(**ids))
            rows.append({**ids, **row})
            latents[f"{rep.model_id}_train"] = np.asarray(rep.train, dtype=np.float32)
            latents[f"{rep.model_id}_valid"] = np.asarray(rep.valid, dtype=np.float32)
            if rep.decoder is not None:  # a classical method's directions (stability)
                latents[f"{rep.model_id}_decoder"] = np.asarray(rep.decoder, dtype=np.float32)
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return rows, latents, pd.concat(tables, ignore_index=True), curves

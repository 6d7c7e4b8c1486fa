"""Stability across seeds (docs/study.md §9): do the embedding and the SAE latents come back?

* CEBRA: CEBRA's own ``consistency_score`` between the embeddings of different seeds (the
  R² of a linear map between two runs' embeddings, mean over pairs of runs).
* SAEs (and the classical ``dictionary`` and ``sae_on_spikes``): for two SAE seeds trained
  on the same embedding, decoder directions (columns of ``decoder.weight``, d x width) are
  paired one-to-one by Hungarian assignment on ``|cosine|`` (scipy's
  ``linear_sum_assignment``); the share of pairs at or above a threshold
  (``posthoc.match_cosine``: 0.7 and 0.9) is the matched share. *Live* latents only (active
  at least once on the validation split): a dead latent's decoder column barely moves from
  its initial weights, so it says nothing about what training found; the share over all
  latents is kept beside it (``value_all``), with the live count (``n_live``).
* Chance is a distribution, drawn per case (``posthoc.chance_draws`` times, from a
  generator seeded by the case): direction-uniform random decoders (Gaussian columns) with
  the same live counts give ``random_value`` (the mean of the draws) and ``random_sd``
  (their spread); the pair's own initial decoders (the untrained twins at the same SAE
  seeds, the same live latents) give ``paired_value``, a paired null.
* Subspaces: latents that do not recur one by one may still span the same subspace. Each
  seed's *active subspace* is the span of the decoder directions of its ``dim // 2``
  latents most often active on the validation split (all ``width`` directions span the
  whole embedding space, since width > dim); the similarity of two seeds' subspaces is
  the mean cosine of their principal angles (scipy's ``subspace_angles``), against the
  same for uniformly random subspaces of that size (drawn as above) and for the initial
  decoders' directions of the same latents.

Example:
    >>> import numpy as np
    >>> d = np.random.default_rng(0).normal(size=(4, 16))
    >>> matched_share(d, d[:, ::-1]), matched_share(d, -d)
    (1.0, 1.0)
    >>> a = np.eye(6)[:, :3]
    >>> same, orthogonal = a[:, ::-1] * 2, np.eye(6)[:, 3:]
    >>> round(subspace_similarity(a, same), 6), round(subspace_similarity(a, orthogonal), 6)
    (1.0, 0.0)
"""

from __future__ import annotations

import zlib
from itertools import combinations

import numpy as np
import pandas as pd

from cebra_sae.config import defaults

_THRESHOLDS = tuple(defaults("posthoc")["match_cosine"])
_THRESHOLD = max(_THRESHOLDS)
_DRAWS = defaults("posthoc")["chance_draws"]


def _unit(d) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    norm = np.linalg.norm(d, axis=0, keepdims=True)
    return np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)


def initial_decoder(spec, decoder) -> np.ndarray:
    """The decoder an SAE (``spec``, trained ``decoder`` of shape dim x width) started
    from: its untrained twin's (the paired null; the explorer's twin)."""
    from cebra_sae.sae.trainer import init_weights

    dim, width = np.shape(decoder)
    return init_weights(dim, width, spec.sae_seed)["decoder.weight"].numpy()


def closest(decoder: np.ndarray, others: np.ndarray, one_to_one: bool) -> tuple[np.ndarray, ...]:
    """Per direction (column) of ``decoder``: its partner among ``others``' columns and
    ``|cosine|``, by the Hungarian matching (``one_to_one``, as stability matches two SAE
    seeds) or the closest column.

    Example:
        >>> a = np.eye(3)
        >>> partner, cos = closest(a, a[:, ::-1], one_to_one=True)
        >>> partner.tolist(), cos.round(2).tolist()
        ([2, 1, 0], [1.0, 1.0, 1.0])
    """
    from scipy.optimize import linear_sum_assignment

    similarity = np.abs(_unit(decoder).T @ _unit(others))
    if not one_to_one:
        partner = similarity.argmax(axis=1)
        return partner, similarity[np.arange(len(partner)), partner]
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    partner = np.full(similarity.shape[0], -1)
    partner[rows] = cols
    cos = np.where(partner >= 0, similarity[np.arange(len(partner)), partner.clip(0)], np.nan)
    return partner, cos


def matched_cosines(decoder_a: np.ndarray, decoder_b: np.ndarray) -> np.ndarray:
    """``|cosine|`` of each pair of the best one-to-one assignment (Hungarian, scipy's
    ``linear_sum_assignment``) of ``decoder_a``'s directions (columns) to ``decoder_b``'s:
    :func:`closest`'s matched pairs, in ``decoder_a``'s order."""
    _, cos = closest(decoder_a, decoder_b, one_to_one=True)
    return cos[~np.isnan(cos)]


def matched_share(decoder_a: np.ndarray, decoder_b: np.ndarray,
                  threshold: float = _THRESHOLD) -> float:  # fmt: skip
    """Share of ``decoder_a``'s directions (columns) matched to ``decoder_b``'s at
    ``|cosine| ≥ threshold`` under the best one-to-one assignment."""
    return float(np.mean(matched_cosines(decoder_a, decoder_b) >= threshold))


def most_active(activations: np.ndarray, size: int) -> np.ndarray:
    """The indices of the ``size`` latents most often active (``activations`` ``(T, width)``
    > 0; ties by mean |activation|).

    Example:
        >>> most_active(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 1.0]]), 2).tolist()
        [2, 1]
    """
    h = np.asarray(activations, dtype=np.float64)
    return np.lexsort((-np.abs(h).mean(axis=0), -(h > 0).mean(axis=0)))[:size]


def active_subspace(decoder: np.ndarray, activations: np.ndarray, size: int) -> np.ndarray:
    """The decoder directions ``(d, size)`` of the ``size`` latents most often active
    (:func:`most_active`).

    Example:
        >>> h = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 1.0]])
        >>> active_subspace(np.eye(3), h, 2).tolist()
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    return np.asarray(decoder, dtype=np.float64)[:, most_active(activations, size)]


def subspace_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean cosine of the principal angles between the column spans of ``a`` and ``b``
    (scipy's ``subspace_angles``): 1 for the same subspace, 0 for orthogonal ones."""
    from scipy.linalg import subspace_angles

    return float(np.mean(np.cos(subspace_angles(np.asarray(a, float), np.asarray(b, float)))))


def subspace_size(dim: int) -> int:
    """The size of the active subspaces compared across seeds: ``max(1, dim // 2)``."""
    return max(1, int(dim) // 2)


def case_seed(null_seed: int, *case) -> list[int]:
    """The seed of a case's random null: ``posthoc.null_seed`` and the case's keys (names by
    their CRC-32), so every case draws its own chance, the same on every run.

    Example:
        >>> case_seed(0, "paper", "buddy", 8, 0, "sae", "topk", 16)
        [0, 1310351382, 514295641, 8, 0, 3905470506, 1942857196, 16]
    """
    return [int(null_seed), *(zlib.crc32(str(key).encode()) if isinstance(key, str)
                              else int(key) for key in case)]  # fmt: skip


def live_latents(activations) -> np.ndarray:
    """Which latents are active (> 0) at least once in ``activations`` ``(T, width)``.

    Example:
        >>> live_latents(np.array([[0.0, 1.0, 0.0], [0.0, 0.5, -2.0]])).tolist()
        [False, True, False]
    """
    return (np.asarray(activations) > 0).any(axis=0)


def _chance(draws: np.ndarray) -> dict:
    """The random null's ``random_value`` (mean of its draws) and ``random_sd`` (their
    standard deviation; NaN with one draw)."""
    draws = np.asarray(draws, dtype=np.float64)
    sd = float(np.std(draws, ddof=1)) if len(draws) > 1 else np.nan
    return dict(random_value=float(np.mean(draws)), random_sd=sd)


def _gaussian(rng, dim: int, width: int) -> np.ndarray:
    """``width`` direction-uniform random directions in ``dim`` dimensions (Gaussian)."""
    return rng.standard_normal((dim, width))


def seed_stability(decoders: list[np.ndarray], activations: list[np.ndarray] | None = None,
                   thresholds=_THRESHOLDS, draws: int = _DRAWS, seed=0,
                   initial: list[np.ndarray] | None = None) -> list[dict]:  # fmt: skip
    """Every stability measure of one representation across seeds (pairs of ``decoders``,
    each ``(d, width)``), against chance drawn ``draws`` times and the paired null.

    Args:
        decoders: per seed, the decoder ``(d, width)``.
        activations: per seed, its validation activations ``(T, width)``: which latents are
            live, and the active subspaces (None: every latent live, no subspace rows).
        thresholds: the ``|cosine|`` thresholds of the matched share.
        draws: draws of the random null per case (``posthoc.chance_draws``).
        seed: seeds the random null's generator (anything ``numpy.random.default_rng``
            takes; the workflow passes the case's own, so cases draw independently).
        initial: per seed, the decoder it started from (the untrained twin): the paired
            null (None: ``paired_value`` NaN).

    Returns:
        One dict per measure: ``measure`` (``matched_share`` per ``threshold``; with
        ``activations``, ``subspace`` with ``threshold`` None), ``value`` (live latents,
        mean over pairs), ``value_all`` (every latent), ``n_live`` (live latents per seed,
        mean), ``width``, ``random_value`` / ``random_sd`` (mean and standard deviation over
        the draws of the pair-mean of random decoders / subspaces), ``random_draws``,
        ``paired_value`` and ``n_pairs``; no rows with fewer than two decoders.

    Example:
        >>> truth = np.random.default_rng(1).normal(size=(8, 32))
        >>> order = np.random.default_rng(2).permutation(32)
        >>> rows = seed_stability([truth, truth[:, order]], thresholds=[0.9], draws=20)
        >>> row = rows[0]
        >>> row["measure"], row["value"], row["random_draws"], row["random_value"] < 0.2
        ('matched_share', 1.0, 20, True)
    """
    pairs = list(combinations(range(len(decoders)), 2))
    if not pairs:
        return []
    decoders = [np.asarray(d, dtype=np.float64) for d in decoders]
    dim, width = decoders[0].shape
    live = ([live_latents(h) for h in activations] if activations is not None
            else [np.ones(width, dtype=bool)] * len(decoders))  # fmt: skip
    rng = np.random.default_rng(seed)
    thresholds = sorted(float(t) for t in thresholds)

    def shares(cosines) -> np.ndarray:  # per threshold: the share matched, mean over pairs
        return np.array([np.mean([np.mean(c >= t) if c.size else np.nan for c in cosines])
                         for t in thresholds])  # fmt: skip

    def matched(decs) -> np.ndarray:
        return shares([matched_cosines(decs[i][:, live[i]], decs[j][:, live[j]])
                       for i, j in pairs])  # fmt: skip

    value = matched(decoders)
    value_all = shares([matched_cosines(decoders[i], decoders[j]) for i, j in pairs])
    chance = np.array([shares([matched_cosines(_gaussian(rng, dim, live[i].sum()),
                                               _gaussian(rng, dim, live[j].sum()))
                               for i, j in pairs]) for _ in range(draws)])  # fmt: skip
    paired = matched(initial) if initial is not None else np.full(len(thresholds), np.nan)
    n_live = float(np.mean([m.sum() for m in live]))
    common = dict(n_live=n_live, width=int(width), random_draws=int(draws), n_pairs=len(pairs))
    rows = [dict(measure="matched_share", threshold=t, value=float(value[n]),
                 value_all=float(value_all[n]), **_chance(chance[:, n]),
                 paired_value=float(paired[n]), **common)
            for n, t in enumerate(thresholds)]  # fmt: skip
    if activations is not None:
        size = min(subspace_size(dim), max(1, min(int(m.sum()) for m in live)))
        order = [most_active(h, size) for h in activations]
        spans = [d[:, o] for d, o in zip(decoders, order, strict=True)]
        similarity = float(np.mean([subspace_similarity(spans[i], spans[j]) for i, j in pairs]))
        random = np.array([np.mean([subspace_similarity(_gaussian(rng, dim, size),
                                                        _gaussian(rng, dim, size))
                                    for _ in pairs]) for _ in range(draws)])  # fmt: skip
        twin = (np.mean([subspace_similarity(np.asarray(initial[i])[:, order[i]],
                                             np.asarray(initial[j])[:, order[j]])
                         for i, j in pairs]) if initial is not None else np.nan)  # fmt: skip
        rows.append(dict(measure="subspace", threshold=None, value=similarity,
                         value_all=similarity, **_chance(random), paired_value=float(twin),
                         **common))  # fmt: skip
    return rows


def matched_l1(sweep: pd.DataFrame, nonzero_ratio: float, lr: float) -> float | None:
    """The penalty of the standard (L1) SAE, at learning rate ``lr`` and the first SAE seed,
    whose validation nonzero ratio is closest to ``nonzero_ratio`` (rows of one block of
    ``sae_sweep``); None without such a model.

    Example:
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"arch": "standard", "lr": 1e-3, "l1": [0.1, 1.0, 10.0],
        ...                      "sae_seed": 0, "nonzero_ratio_valid": [0.6, 0.2, 0.01],
        ...                      "diverged": False})
        >>> matched_l1(rows, 0.06, 1e-3)
        10.0
    """
    first = sweep.sae_seed.min() if len(sweep) else 0
    rows = sweep[(sweep.arch == "standard") & np.isclose(sweep.lr, lr, rtol=1e-9, atol=0)
                 & (sweep.sae_seed == first) & ~sweep.diverged.astype(bool)]  # fmt: skip
    if rows.empty:
        return None
    return float(rows.l1.iloc[int(np.argmin(np.abs(rows.nonzero_ratio_valid - nonzero_ratio)))])


def cebra_consistency(embeddings: list[np.ndarray]) -> tuple[float, int]:
    """CEBRA's ``consistency_score`` between runs: ``(mean over pairs, n_pairs)``."""
    if len(embeddings) < 2:
        return float("nan"), 0
    from cebra.integrations.sklearn.metrics import consistency_score

    scores, _, _ = consistency_score([np.asarray(e) for e in embeddings], between="runs")
    return float(np.mean(scores)), int(len(scores))

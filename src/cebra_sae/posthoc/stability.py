"""Stability across seeds (docs/study.md §9): do the embedding and the SAE latents come back?

* CEBRA: CEBRA's own ``consistency_score`` between the embeddings of different seeds (the
  R² of a linear map between two runs' embeddings, mean over pairs of runs).
* SAEs (and the classical ``dictionary`` and ``sae_on_spikes``): for two SAE seeds trained
  on the same embedding, decoder directions (columns of ``decoder.weight``, d x width) are
  paired one-to-one by Hungarian assignment on ``|cosine|`` (scipy's
  ``linear_sum_assignment``); the share of pairs at or above a threshold
  (``posthoc.match_cosine``: 0.7 and 0.9) is the matched share. The same for random
  decoders of the same shape (the ``nn.Linear`` initialisation, seeded) says what chance
  alone matches.
* Subspaces: latents that do not recur one by one may still span the same subspace. Each
  seed's *active subspace* is the span of the decoder directions of its ``dim // 2``
  latents most often active on the validation split (all ``width`` directions span the
  whole embedding space, since width > dim); the similarity of two seeds' subspaces is
  the mean cosine of their principal angles (scipy's ``subspace_angles``), against the
  same for uniformly random subspaces of that size.

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

from itertools import combinations

import numpy as np
import pandas as pd

from cebra_sae.config import defaults

_THRESHOLDS = tuple(defaults("posthoc")["match_cosine"])
_THRESHOLD = max(_THRESHOLDS)


def _unit(d) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    norm = np.linalg.norm(d, axis=0, keepdims=True)
    return np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)


def matched_cosines(decoder_a: np.ndarray, decoder_b: np.ndarray) -> np.ndarray:
    """``|cosine|`` of each pair of the best one-to-one assignment (Hungarian, scipy's
    ``linear_sum_assignment``) of ``decoder_a``'s directions (columns) to ``decoder_b``'s."""
    from scipy.optimize import linear_sum_assignment

    similarity = np.abs(_unit(decoder_a).T @ _unit(decoder_b))
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return similarity[rows, cols]


def matched_share(decoder_a: np.ndarray, decoder_b: np.ndarray,
                  threshold: float = _THRESHOLD) -> float:  # fmt: skip
    """Share of ``decoder_a``'s directions (columns) matched to ``decoder_b``'s at
    ``|cosine| ≥ threshold`` under the best one-to-one assignment."""
    return float(np.mean(matched_cosines(decoder_a, decoder_b) >= threshold))


def active_subspace(decoder: np.ndarray, activations: np.ndarray, size: int) -> np.ndarray:
    """The decoder directions ``(d, size)`` of the ``size`` latents most often active
    (``activations`` ``(T, width)`` > 0; ties by mean |activation|).

    Example:
        >>> import numpy as np
        >>> h = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 1.0]])
        >>> active_subspace(np.eye(3), h, 2).tolist()
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    h = np.asarray(activations, dtype=np.float64)
    order = np.lexsort((-np.abs(h).mean(axis=0), -(h > 0).mean(axis=0)))
    return np.asarray(decoder, dtype=np.float64)[:, order[:size]]


def subspace_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean cosine of the principal angles between the column spans of ``a`` and ``b``
    (scipy's ``subspace_angles``): 1 for the same subspace, 0 for orthogonal ones."""
    from scipy.linalg import subspace_angles

    return float(np.mean(np.cos(subspace_angles(np.asarray(a, float), np.asarray(b, float)))))


def random_subspace(dim: int, size: int, seed: int) -> np.ndarray:
    """An orthonormal basis ``(dim, size)`` of a uniformly random subspace (QR of a seeded
    Gaussian matrix)."""
    gaussian = np.random.default_rng(seed).normal(size=(dim, size))
    return np.linalg.qr(gaussian)[0]


def subspace_size(dim: int) -> int:
    """The size of the active subspaces compared across seeds: ``max(1, dim // 2)``."""
    return max(1, int(dim) // 2)


def random_decoder(dim: int, width: int, seed: int) -> np.ndarray:
    """A decoder as an SAE starts it (``nn.Linear`` default), seeded: ``(dim, width)``."""
    from cebra_sae.sae.trainer import init_weights

    return init_weights(dim, width, seed)["decoder.weight"].numpy()


def pairwise_matched_share(decoders: list[np.ndarray], threshold: float = _THRESHOLD):
    """Mean matched share over pairs of ``decoders``, and the same for random decoders of
    their shape (seeds 1000, 1001, ...): ``(value, random_value, n_pairs)``; NaN with one
    decoder."""
    pairs = list(combinations(range(len(decoders)), 2))
    if not pairs:
        return float("nan"), float("nan"), 0
    dim, width = np.asarray(decoders[0]).shape
    randoms = [random_decoder(dim, width, 1000 + i) for i in range(len(decoders))]
    value = np.mean([matched_share(decoders[i], decoders[j], threshold) for i, j in pairs])
    chance = np.mean([matched_share(randoms[i], randoms[j], threshold) for i, j in pairs])
    return float(value), float(chance), len(pairs)


def seed_stability(decoders: list[np.ndarray], activations: list[np.ndarray] | None = None,
                   thresholds=_THRESHOLDS, random_seed: int = 1000) -> list[dict]:  # fmt: skip
    """Every stability measure of one representation across seeds (pairs of ``decoders``,
    each ``(d, width)``, with the seeds' validation ``activations`` for the subspaces).

    Returns:
        One dict per measure: ``measure`` (``matched_share`` per ``threshold``; with
        ``activations``, ``subspace`` with ``threshold`` None), ``value`` (mean over pairs),
        ``random_value`` (random decoders of the same shape / random subspaces of the same
        size) and ``n_pairs``; no rows with fewer than two decoders.

    Example:
        >>> import numpy as np
        >>> truth = np.random.default_rng(1).normal(size=(8, 32))
        >>> rows = seed_stability([truth, truth[:, np.random.default_rng(2).permutation(32)]],
        ...                       thresholds=[0.9])
        >>> rows[0]["measure"], rows[0]["value"], rows[0]["random_value"] < 0.2
        ('matched_share', 1.0, True)
    """
    pairs = list(combinations(range(len(decoders)), 2))
    if not pairs:
        return []
    dim, width = np.asarray(decoders[0]).shape
    randoms = [random_decoder(dim, width, random_seed + i) for i in range(len(decoders))]
    cosines = [matched_cosines(decoders[i], decoders[j]) for i, j in pairs]
    chance = [matched_cosines(randoms[i], randoms[j]) for i, j in pairs]
    rows = [dict(measure="matched_share", threshold=float(t),
                 value=float(np.mean([np.mean(c >= t) for c in cosines])),
                 random_value=float(np.mean([np.mean(c >= t) for c in chance])),
                 n_pairs=len(pairs)) for t in sorted(thresholds)]  # fmt: skip
    if activations is not None:
        size = subspace_size(dim)
        spans = [active_subspace(d, h, size) for d, h in zip(decoders, activations, strict=True)]
        rand = [random_subspace(dim, size, random_seed + i) for i in range(len(decoders))]
        rows.append(dict(
            measure="subspace", threshold=None,
            value=float(np.mean([subspace_similarity(spans[i], spans[j]) for i, j in pairs])),
            random_value=float(np.mean([subspace_similarity(rand[i], rand[j]) for i, j in pairs])),
            n_pairs=len(pairs),
        ))  # fmt: skip
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

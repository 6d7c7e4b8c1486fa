"""Stability across seeds (docs/study.md §9): do the embedding and the SAE latents come back?

* CEBRA: CEBRA's own ``consistency_score`` between the embeddings of different seeds (the
  R² of a linear map between two runs' embeddings, mean over pairs of runs).
* SAEs: for two SAE seeds trained on the same embedding, decoder directions (columns of
  ``decoder.weight``, d x width) are paired one-to-one by Hungarian assignment on
  ``|cosine|`` (scipy's ``linear_sum_assignment``); the share of pairs at or above the
  threshold is the matched share. The same for random decoders of the same shape (the
  ``nn.Linear`` initialisation, seeded) says what chance alone matches.

Example:
    >>> import numpy as np
    >>> d = np.random.default_rng(0).normal(size=(4, 16))
    >>> matched_share(d, d[:, ::-1]), matched_share(d, -d)
    (1.0, 1.0)
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from cebra_sae.config import defaults

_THRESHOLD = defaults("posthoc")["match_cosine"]


def matched_share(decoder_a: np.ndarray, decoder_b: np.ndarray,
                  threshold: float = _THRESHOLD) -> float:  # fmt: skip
    """Share of ``decoder_a``'s directions (columns) matched to ``decoder_b``'s at
    ``|cosine| ≥ threshold`` under the best one-to-one assignment."""
    from scipy.optimize import linear_sum_assignment

    def unit(d):
        d = np.asarray(d, dtype=np.float64)
        norm = np.linalg.norm(d, axis=0, keepdims=True)
        return np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)

    similarity = np.abs(unit(decoder_a).T @ unit(decoder_b))
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return float(np.mean(similarity[rows, cols] >= threshold))


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


def cebra_consistency(embeddings: list[np.ndarray]) -> tuple[float, int]:
    """CEBRA's ``consistency_score`` between runs: ``(mean over pairs, n_pairs)``."""
    if len(embeddings) < 2:
        return float("nan"), 0
    from cebra.integrations.sklearn.metrics import consistency_score

    scores, _, _ = consistency_score([np.asarray(e) for e in embeddings], between="runs")
    return float(np.mean(scores)), int(len(scores))

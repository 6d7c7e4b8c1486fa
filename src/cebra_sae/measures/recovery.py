"""Recovery of a known code (simulation): how well latents find the true factors.

docs/study.md §10. For true factor activations ``F`` (T x K) and latents ``L`` (T x P),
``r_kj = |corr(F_k, L_j)|``;

* best-match recovery = mean over factors of ``max_j r_kj`` (a latent may serve several
  factors);
* one-to-one recovery = the mean of ``r`` over the Hungarian matching of factors to
  latents (``scipy.optimize.linear_sum_assignment`` maximising the summed ``|r|``); with
  fewer latents than factors, an unmatched factor counts 0.

Example:
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.exponential(size=(500, 4))
    >>> round(recovery(factors, factors[:, ::-1])["recovery_hungarian"], 6)
    1.0
    >>> mixed = factors @ rng.normal(size=(4, 4))  # a random rotation mixes the factors
    >>> bool(recovery(factors, mixed)["recovery_hungarian"] < 0.9)
    True
"""

from __future__ import annotations

import numpy as np

from cebra_sae.measures.correlation import abs_correlation


def recovery(factors: np.ndarray, latents: np.ndarray) -> dict[str, float]:
    """Best-match and one-to-one (Hungarian) recovery of ``factors`` by ``latents``."""
    from scipy.optimize import linear_sum_assignment  # imported here: 0.7 s a job otherwise

    r = abs_correlation(factors, latents)  # (K, P); a constant latent has r = 0
    n_factors = r.shape[0]
    rows, cols = linear_sum_assignment(r, maximize=True)
    return {
        "recovery_best": float(r.max(axis=1).mean()),
        "recovery_hungarian": float(r[rows, cols].sum() / n_factors),
    }

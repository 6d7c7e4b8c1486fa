"""Neuron membership against a known answer (simulation): does a latent name its factor's neurons?

docs/study.md §10. A simulated rat with assemblies knows which neurons each true factor
drives (its mixing weights, ``members`` N x K). Latents are matched one-to-one to the true
factors as recovery matches them (the Hungarian matching of ``|corr(F_k, L_j)|`` on the
validation split, :mod:`cebra_sae.measures.recovery`); each matched latent's neuron
attribution (one non-negative score per neuron) is scored against its factor's members by
ROC AUC (``sklearn.metrics.roc_auc_score``; the xCEBRA paper's measure of an attribution
map against the ground truth). Membership AUC is the mean over factors; a factor left
without a latent (fewer latents than factors) counts 0.5, chance, as does a latent with no
attribution (all scores equal).

The attribution kinds (:data:`ATTRIBUTION_KINDS`) are what a method can say about a
latent's neurons: ``correlation`` (``|r|`` of the latent with each neuron: every
representation), ``gradient`` (gradient x input through the CEBRA or xCEBRA network and a
linear encoder: :mod:`cebra_sae.posthoc.attribution`), ``inverse`` (the inverted-Jacobian
map of an embedding's own dims: the xCEBRA paper's) and ``weights`` (a method's own
neuron weights: ICA assembly patterns, NMF components, an SAE on the spikes' decoder).

Example:
    >>> rng = np.random.default_rng(0)
    >>> members = np.zeros((12, 3), bool); members[np.arange(12), np.arange(12) % 3] = True
    >>> factors = rng.exponential(size=(400, 3))
    >>> membership_auc(factors, factors, members.T.astype(float), members)
    1.0
    >>> 0.3 < membership_auc(factors, factors, rng.uniform(size=(3, 12)), members) < 0.7
    True
"""

from __future__ import annotations

import numpy as np

from cebra_sae.measures.correlation import abs_correlation

#: The ways a latent is attributed to neurons (each a ``membership_auc_{kind}`` column of
#: ``posthoc.parquet``) and what each is.
ATTRIBUTION_KINDS = {
    "correlation": "|r| of the latent with each neuron (every representation)",
    "gradient": "gradient x input through the CEBRA or xCEBRA network and the linear "
    "encoder (CEBRA, xCEBRA, the SAEs on either, the untrained SAE)",
    "inverse": "the inverted-Jacobian map (cebra's jf-inv-lsq; CEBRA's and xCEBRA's own dims)",
    "weights": "the method's own neuron weights (ICA assembly patterns, NMF components, the "
    "SAE on the spikes' decoder)",
}
#: Each kind's column of ``posthoc.parquet``.
MEMBERSHIP_COLUMNS = {kind: f"membership_auc_{kind}" for kind in ATTRIBUTION_KINDS}


def correlation_attribution(latents: np.ndarray, spikes: np.ndarray) -> np.ndarray:
    """``(P, N)`` ``|r|`` of each latent with each neuron (0 for a constant one).

    Example:
        >>> x = np.arange(10.0)[:, None] * [1.0, -1.0]
        >>> correlation_attribution(x[:, :1], x).round(3)
        array([[1., 1.]])
    """
    return abs_correlation(latents, spikes)


def matched_factors(factors: np.ndarray, latents: np.ndarray):
    """``(factor, latent)`` index pairs of the one-to-one matching recovery uses."""
    from scipy.optimize import linear_sum_assignment

    r = abs_correlation(factors, latents)
    return linear_sum_assignment(r, maximize=True)


def membership_auc(
    factors: np.ndarray,
    latents: np.ndarray,
    attribution: np.ndarray,
    members: np.ndarray,
    matching: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """Mean over true factors of the ROC AUC of the matched latent's attribution.

    Args:
        factors: ``(T, K)`` true factor activations (the validation split).
        latents: ``(T, P)`` the representation's latents on the same samples.
        attribution: ``(P, N)`` each latent's score per neuron (larger: more its neuron).
        members: ``(N, K)`` whether neuron ``n`` belongs to factor ``k`` (mixing > 0).
        matching: :func:`matched_factors` of ``factors`` and ``latents``, when already
            computed (one matching serves every attribution kind of a representation).

    Returns:
        The mean AUC (1: every matched latent ranks its factor's neurons first; 0.5:
        chance); NaN when no factor has both members and non-members.
    """
    from sklearn.metrics import roc_auc_score

    members = np.asarray(members, dtype=bool)
    attribution = np.asarray(attribution, dtype=np.float64)
    scored = [k for k in range(members.shape[1]) if 0 < members[:, k].sum() < len(members)]
    if not scored:
        return float("nan")
    rows, cols = matching if matching is not None else matched_factors(factors, latents)
    latent_of = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    aucs = []
    for k in scored:
        j = latent_of.get(k)
        if j is None or np.ptp(attribution[j]) == 0:
            aucs.append(0.5)  # no latent for this factor, or no attribution: chance
        else:
            aucs.append(roc_auc_score(members[:, k], attribution[j]))
    return float(np.mean(aucs))

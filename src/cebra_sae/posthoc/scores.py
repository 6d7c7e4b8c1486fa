"""The interpretability scores of a representation (docs/study.md §5), under both formulas.

The *neuron score* says how well single latents follow single neurons, the *behaviour
score* how well single latents follow position or running direction. Each has two
formulas, named after the protocol that uses it: ``paper`` (the text's) and ``seed_code``
(what the published code computed).

Example:
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.poisson(2.0, size=(200, 5)).astype(float)
    >>> round(neuron_score_paper(spikes, spikes[:, :2], top=2), 6)  # latents copying neurons
    1.0
"""

from __future__ import annotations

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.measures.correlation import abs_correlation

_POSTHOC = defaults("posthoc")


def _mean_top(values: np.ndarray, n: int) -> float:
    """Mean of the ``n`` largest values (all of them if there are fewer)."""
    values = np.sort(np.ravel(values))[::-1]
    return float(values[:n].mean()) if values.size else float("nan")


def neuron_score_paper(
    spikes: np.ndarray, latents: np.ndarray, top: int = _POSTHOC["top_neurons"]
) -> float:
    """The paper's formula: per latent its best ``|r|`` with any neuron; mean of the ``top``."""
    return _mean_top(abs_correlation(spikes, latents).max(axis=0), top)


def neuron_score_seed_code(
    spikes: np.ndarray, latents: np.ndarray, top: int = _POSTHOC["top_neurons"]
) -> float:
    """The published code's formula: mean of the ``top`` largest entries of the flat ``|r|``."""
    return _mean_top(abs_correlation(spikes, latents), top)


def behaviors(labels: np.ndarray) -> np.ndarray:
    """The behaviour columns of the scores: position, left, right."""
    return np.column_stack([labels[:, 0], labels[:, 2], labels[:, 1]])


def one_variable_ridge_r2(x_train, y_train, x_valid, y_valid, alpha: float = 1.0) -> np.ndarray:
    """R² on validation of ``Ridge(alpha)`` fit on train, for every (x column, y column).

    Each fit has one input variable and an unpenalised intercept, so it is closed form:
    ``β = Sxy / (Sxx + α)``. Equals scikit-learn's ``Ridge(alpha).fit(x[:, [j]], y[:, b])``
    for every latent j and behaviour b (tested). Returns P x Q. ``y_valid`` may carry leading
    axes (e.g. draws of a null, ``(D, T, Q)``): the fits are made once and scored against
    each, giving ``(D, P, Q)``. A constant validation target (``left`` in a split that only
    runs right) has no variance to explain: its R² is 0 for every latent, never -inf or NaN,
    so no latent gets credit for it (scikit-learn's ``r2_score`` gives 0 too, except 1 for a
    prediction that happens to equal the constant).

    Example:
        >>> x = np.arange(10.0)[:, None]
        >>> y = np.column_stack([np.arange(10.0), np.ones(10)])  # the second is constant
        >>> one_variable_ridge_r2(x[:6], y[:6], x[6:], y[6:], alpha=0.0).round(3).tolist()
        [[1.0, 0.0]]
    """
    x_train, x_valid = np.asarray(x_train, float), np.asarray(x_valid, float)
    y_train, y_valid = np.asarray(y_train, float), np.asarray(y_valid, float)
    x_mean, y_mean = x_train.mean(axis=0), y_train.mean(axis=0)
    xc, yc = x_train - x_mean, y_train - y_mean
    beta = (xc.T @ yc) / ((xc**2).sum(axis=0)[:, None] + alpha)  # P x Q
    intercept = y_mean[None, :] - beta * x_mean[:, None]
    # SSE of prediction a + b x on validation, expanded so no T x P x Q array is built
    n = x_valid.shape[0]
    sx, sxx = x_valid.sum(axis=0), (x_valid**2).sum(axis=0)
    sy, syy = y_valid.sum(axis=-2), (y_valid**2).sum(axis=-2)  # (..., Q)
    sxy = np.swapaxes(np.swapaxes(y_valid, -1, -2) @ x_valid, -1, -2)  # (..., P, Q)
    sy, syy = sy[..., None, :], syy[..., None, :]
    sse = (
        syy
        - 2 * intercept * sy
        - 2 * beta * sxy
        + n * intercept**2
        + 2 * intercept * beta * sx[:, None]
        + beta**2 * sxx[:, None]
    )
    sst = ((y_valid - y_valid.mean(axis=-2, keepdims=True)) ** 2).sum(axis=-2)[..., None, :]
    sst, sse = np.broadcast_arrays(sst, sse)
    # a constant target (e.g. 'left' in a split that only runs right) has nothing to explain
    r2 = np.zeros_like(sse)
    varies = sst > 0
    r2[varies] = 1.0 - sse[varies] / sst[varies]
    return r2


def behavior_score_paper(
    latents_train,
    labels_train,
    latents_valid,
    labels_valid,
    top: int = _POSTHOC["top_behaviors"],
    alpha: float = _POSTHOC["behavior_ridge_alpha"],
):
    """The paper's formula: per latent the best one-variable Ridge R² (fit on train, scored
    on validation) over position, left, right; mean of the ``top`` latents."""
    r2 = one_variable_ridge_r2(
        latents_train, behaviors(labels_train), latents_valid, behaviors(labels_valid), alpha
    )
    return _mean_top(r2.max(axis=1), top)


def behavior_score_seed_code(
    latents: np.ndarray, labels: np.ndarray, top: int = _POSTHOC["top_behaviors"]
) -> float:
    """The published code's formula: mean of the ``top`` largest entries of the flat latent x
    behaviour ``|r|`` matrix."""
    return _mean_top(abs_correlation(latents, behaviors(labels)), top)

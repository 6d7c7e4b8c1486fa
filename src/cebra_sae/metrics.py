"""Decoding, reconstruction, sparsity and interpretability metrics (STUDY.md §3-5).

Decoding comes in two flavours; which one a protocol uses is a field of its entry in
:mod:`cebra_sae.protocols`:

* :func:`decode_fit_on_train`: decoders fit on the train split and scored on each split
  (the validation score is the paper's number). Position: ``RidgeCV`` over the alphas ->
  R². Direction: logistic regression -> accuracy.
* :func:`decode_in_sample`: each split decoded in-sample (fit and scored on the same rows).
  Position: ``RidgeCV`` as above. Direction: ``RidgeClassifier``.

Both return the same keys (:data:`DECODING_METRICS`). Options not given take the config
schema's defaults (``decoding.*``, ``posthoc.*``).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(200, 4))
    >>> labels = np.column_stack([z[:, 0], z[:, 1] > 0, z[:, 1] <= 0]).astype(float)
    >>> scores = decode_fit_on_train(z[:150], labels[:150], z[150:], labels[150:])
    >>> round(scores["pos_r2_valid"], 3), scores["dir_acc_valid"] > 0.9
    (1.0, True)
"""

from __future__ import annotations

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.data import direction

#: What a decoding reports, per split (the keys of both decoding functions).
DECODING_METRICS = ("pos_r2_train", "pos_r2_valid", "dir_acc_train", "dir_acc_valid")

_DECODING = defaults("decoding")
_POSTHOC = defaults("posthoc")


# scikit-learn is imported where it is used: the protocol registry (which names these
# functions) is read by the workflow's parse step, which decodes nothing.


def _ridge(alphas):
    from sklearn.linear_model import RidgeCV

    return RidgeCV(alphas=np.asarray(alphas, dtype=float))


def _constant(y) -> bool:
    return np.unique(y).size < 2


def decode_fit_on_train(
    z_train,
    labels_train,
    z_valid,
    labels_valid,
    alphas=tuple(_DECODING["ridge_alphas"]),
    logistic_max_iter: int = _DECODING["logistic_max_iter"],
) -> dict[str, float]:
    """Decoders fit on train, scored on train and validation.

    Returns:
        ``pos_r2_train``, ``pos_r2_valid`` (R² of position), ``dir_acc_train``,
        ``dir_acc_valid`` (accuracy of running direction).
    """
    position = _ridge(alphas).fit(z_train, labels_train[:, 0])
    dir_train, dir_valid = direction(labels_train), direction(labels_valid)
    scores = {
        "pos_r2_train": float(position.score(z_train, labels_train[:, 0])),
        "pos_r2_valid": float(position.score(z_valid, labels_valid[:, 0])),
    }
    if _constant(dir_train):  # one direction only: a classifier cannot be fit
        majority = dir_train[0]
        scores["dir_acc_train"] = float(np.mean(dir_train == majority))
        scores["dir_acc_valid"] = float(np.mean(dir_valid == majority))
    else:
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(max_iter=logistic_max_iter).fit(z_train, dir_train)
        scores["dir_acc_train"] = float(clf.score(z_train, dir_train))
        scores["dir_acc_valid"] = float(clf.score(z_valid, dir_valid))
    return {key: scores[key] for key in DECODING_METRICS}


def decode_split_in_sample(
    z,
    labels,
    alphas=tuple(_DECODING["ridge_alphas"]),
    classifier_alpha: float = _DECODING["ridge_classifier_alpha"],
):
    """One split decoded in-sample: ``(position R², direction accuracy)``."""
    pos_r2 = float(_ridge(alphas).fit(z, labels[:, 0]).score(z, labels[:, 0]))
    dirs = direction(labels)
    if _constant(dirs):
        return pos_r2, 1.0
    from sklearn.linear_model import RidgeClassifier

    dir_acc = float(RidgeClassifier(alpha=classifier_alpha).fit(z, dirs).score(z, dirs))
    return pos_r2, dir_acc


def decode_in_sample(
    z_train,
    labels_train,
    z_valid,
    labels_valid,
    alphas=tuple(_DECODING["ridge_alphas"]),
    classifier_alpha: float = _DECODING["ridge_classifier_alpha"],
) -> dict[str, float]:
    """Each split decoded in-sample; the keys of :func:`decode_fit_on_train`."""
    scores = {}
    for split, z, labels in (("train", z_train, labels_train), ("valid", z_valid, labels_valid)):
        pos_r2, dir_acc = decode_split_in_sample(z, labels, alphas, classifier_alpha)
        scores[f"pos_r2_{split}"] = pos_r2
        scores[f"dir_acc_{split}"] = dir_acc
    return {key: scores[key] for key in DECODING_METRICS}


# ---- reconstruction and sparsity (STUDY.md §4) ---------------------------------------


def explained_variance(z: np.ndarray, z_hat: np.ndarray) -> float:
    """Dataset-level ``1 − Σ‖z − ẑ‖² / Σ‖z − z̄‖²`` over the whole split (not per batch).

    Example:
        >>> z = np.array([[0.0, 1.0], [2.0, 3.0]])
        >>> explained_variance(z, z), explained_variance(z, np.tile(z.mean(axis=0), (2, 1)))
        (1.0, 0.0)
    """
    z, z_hat = np.asarray(z, dtype=np.float64), np.asarray(z_hat, dtype=np.float64)
    total = ((z - z.mean(axis=0)) ** 2).sum()
    return float(1.0 - ((z - z_hat) ** 2).sum() / total)


def nonzero_ratio(h: np.ndarray) -> float:
    """Mean over samples of (#nonzero latents / width); dense embeddings give ≈ 1."""
    return float((np.asarray(h) != 0).mean())


def l0(h: np.ndarray) -> float:
    """Mean number of nonzero latents per sample."""
    return float((np.asarray(h) != 0).sum(axis=1).mean())


def dead_fraction(h: np.ndarray) -> float:
    """Share of latents that are never nonzero on the split."""
    return float((~(np.asarray(h) != 0).any(axis=0)).mean())


# ---- interpretability scores (STUDY.md §5) -------------------------------------------


def standardise(x: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm (``z.T @ z'`` is then Pearson r); an exactly
    constant column becomes 0, so its r is 0, never NaN."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    varies = np.ptp(x, axis=0) > 0
    return np.divide(centred, norm, out=np.zeros_like(centred), where=varies & (norm > 0))


def abs_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|Pearson r|`` between every column of ``a`` (T x P) and of ``b`` (T x Q), P x Q.

    Computed as one matrix product of z-scored columns; a constant column (no variance)
    has r = 0, never NaN.

    Example:
        >>> x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
        >>> abs_correlation(x, x)
        array([[1., 0.],
               [0., 0.]])
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.clip(np.abs(standardise(a).T @ standardise(b)), 0.0, 1.0)


def _mean_top(values: np.ndarray, n: int) -> float:
    """Mean of the ``n`` largest values (all of them if there are fewer)."""
    values = np.sort(np.ravel(values))[::-1]
    return float(values[:n].mean()) if values.size else float("nan")


def neuron_score_text(
    spikes: np.ndarray, latents: np.ndarray, top: int = _POSTHOC["top_neurons"]
) -> float:
    """The paper's formula: per latent its best ``|r|`` with any neuron; mean of the ``top``."""
    return _mean_top(abs_correlation(spikes, latents).max(axis=0), top)


def neuron_score_code(
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
    each, giving ``(D, P, Q)``.
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
    return 1.0 - sse / sst


def behavior_score_text(
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


def behavior_score_code(
    latents: np.ndarray, labels: np.ndarray, top: int = _POSTHOC["top_behaviors"]
) -> float:
    """The published code's formula: mean of the ``top`` largest entries of the flat latent x
    behaviour ``|r|`` matrix."""
    return _mean_top(abs_correlation(latents, behaviors(labels)), top)

"""Decoding metrics under both protocols (STUDY.md §3).

* Protocol ``paper``: decoders are fit on the train split and scored on each split
  (the validation score is the paper's number). Position: ``RidgeCV`` over
  ``alphas`` -> R². Direction: logistic regression -> accuracy.
* Protocol ``seed_code``: each split is decoded in-sample (fit and scored on the same
  rows). Position: ``RidgeCV`` as above. Direction: ``RidgeClassifier(alpha=1)``.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(200, 4))
    >>> labels = np.column_stack([z[:, 0], z[:, 1] > 0, z[:, 1] <= 0]).astype(float)
    >>> scores = decode_paper(z[:150], labels[:150], z[150:], labels[150:])
    >>> round(scores["pos_r2_valid"], 3), scores["dir_acc_valid"] > 0.9
    (1.0, True)
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression, RidgeClassifier, RidgeCV

from cebra_sae.data import direction

RIDGE_ALPHAS = tuple(np.logspace(-6, 6, 13))


def _ridge(alphas) -> RidgeCV:
    return RidgeCV(alphas=np.asarray(alphas, dtype=float))


def _constant(y) -> bool:
    return np.unique(y).size < 2


def decode_paper(
    z_train,
    labels_train,
    z_valid,
    labels_valid,
    alphas=RIDGE_ALPHAS,
    logistic_max_iter: int = 1000,
) -> dict[str, float]:
    """Protocol ``paper``: fit on train, score on train and validation.

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
        clf = LogisticRegression(max_iter=logistic_max_iter).fit(z_train, dir_train)
        scores["dir_acc_train"] = float(clf.score(z_train, dir_train))
        scores["dir_acc_valid"] = float(clf.score(z_valid, dir_valid))
    return scores


def decode_in_sample(z, labels, alphas=RIDGE_ALPHAS, classifier_alpha: float = 1.0):
    """Protocol ``seed_code`` on one split: ``(position R², direction accuracy)``."""
    pos_r2 = float(_ridge(alphas).fit(z, labels[:, 0]).score(z, labels[:, 0]))
    dirs = direction(labels)
    if _constant(dirs):
        return pos_r2, 1.0
    dir_acc = float(RidgeClassifier(alpha=classifier_alpha).fit(z, dirs).score(z, dirs))
    return pos_r2, dir_acc


def decode_seed_code(
    z_train, labels_train, z_valid, labels_valid, alphas=RIDGE_ALPHAS, classifier_alpha=1.0
) -> dict[str, float]:
    """Protocol ``seed_code``: each split decoded in-sample.

    Returns:
        ``seed_code_pos_r2_train``, ``seed_code_pos_r2_valid``,
        ``seed_code_dir_acc_train``, ``seed_code_dir_acc_valid``.
    """
    scores = {}
    for split, z, labels in (("train", z_train, labels_train), ("valid", z_valid, labels_valid)):
        pos_r2, dir_acc = decode_in_sample(z, labels, alphas, classifier_alpha)
        scores[f"seed_code_pos_r2_{split}"] = pos_r2
        scores[f"seed_code_dir_acc_{split}"] = dir_acc
    return scores


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

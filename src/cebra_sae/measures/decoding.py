"""Decoding position and running direction from a representation (docs/study.md §3).

Used on every CEBRA embedding (stage 2) and every post-hoc representation (stage 4). It comes
in two flavours; which one a protocol uses is a field of its entry in
:mod:`cebra_sae.protocols`:

* :func:`decode_fit_on_train`: decoders fit on the train split and scored on each split
  (the validation score is the paper's number). Position: ``RidgeCV`` over the alphas ->
  R². Direction: logistic regression -> accuracy.
* :func:`decode_in_sample`: each split decoded in-sample (fit and scored on the same rows).
  Position: ``RidgeCV`` as above. Direction: ``RidgeClassifier``.

Both return the same keys (:data:`DECODING_METRICS`). Options not given take the config
schema's defaults (``decoding.*``).

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
from cebra_sae.data.recording import direction

#: What a decoding reports, per split (the keys of both decoding functions).
DECODING_METRICS = ("pos_r2_train", "pos_r2_valid", "dir_acc_train", "dir_acc_valid")

_DECODING = defaults("decoding")


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

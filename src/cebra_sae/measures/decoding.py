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
schema's defaults (``decoding.*``). Direction accuracy is NaN on a split with fewer than
:data:`~cebra_sae.data.recording.MIN_DIRECTION_BINS` bins of either direction (and, for a
decoder fit on train, on both splits when the train split has too few): it cannot be tested
there (one direction only: every representation scores the majority share), and
:func:`not_testable` says why, for the tables' ``not_testable`` column.

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
from cebra_sae.data.recording import direction, direction_gap

#: What a decoding reports, per split (the keys of both decoding functions).
DECODING_METRICS = ("pos_r2_train", "pos_r2_valid", "dir_acc_train", "dir_acc_valid")

_DECODING = defaults("decoding")


# scikit-learn is imported where it is used: the protocol registry (which names these
# functions) is read by the workflow's parse step, which decodes nothing.


def _ridge(alphas):
    from sklearn.linear_model import RidgeCV

    return RidgeCV(alphas=np.asarray(alphas, dtype=float))


NAN = float("nan")


def not_testable(labels_train, labels_valid) -> str:
    """Which direction metrics are NaN, and why ("" when every metric is testable).

    Example:
        >>> both = np.array([[0.1, 1, 0], [0.2, 0, 1]] * 20)
        >>> right = np.tile([0.5, 1.0, 0.0], (25, 1))
        >>> not_testable(both, both)
        ''
        >>> print(not_testable(both, right))  # doctest: +NORMALIZE_WHITESPACE
        dir_acc_valid: the validation split has 25 right and 0 left bins (each direction
        needs >= 20)
    """
    train, valid = direction_gap(labels_train, "train"), direction_gap(labels_valid, "valid")
    notes = []
    if train:
        notes.append(f"dir_acc_train, and dir_acc_valid of a decoder fit on train: {train}")
    if valid:
        notes.append(f"dir_acc_valid: {valid}")
    return "; ".join(notes)


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
    if direction_gap(labels_train, "train"):  # too few of a direction to fit a classifier
        scores["dir_acc_train"] = scores["dir_acc_valid"] = NAN
    else:
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(max_iter=logistic_max_iter).fit(z_train, dir_train)
        scores["dir_acc_train"] = float(clf.score(z_train, dir_train))
        scores["dir_acc_valid"] = (
            NAN if direction_gap(labels_valid, "valid") else float(clf.score(z_valid, dir_valid))
        )
    return {key: scores[key] for key in DECODING_METRICS}


def decode_split_in_sample(
    z,
    labels,
    alphas=tuple(_DECODING["ridge_alphas"]),
    classifier_alpha: float = _DECODING["ridge_classifier_alpha"],
    split: str = "valid",
):
    """One split (``train`` or ``valid``) decoded in-sample: ``(position R², direction
    accuracy)``, the accuracy NaN where the split has too few of a direction."""
    pos_r2 = float(_ridge(alphas).fit(z, labels[:, 0]).score(z, labels[:, 0]))
    dirs = direction(labels)
    if direction_gap(labels, split):
        return pos_r2, NAN
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
        pos_r2, dir_acc = decode_split_in_sample(z, labels, alphas, classifier_alpha, split)
        scores[f"pos_r2_{split}"] = pos_r2
        scores[f"dir_acc_{split}"] = dir_acc
    return {key: scores[key] for key in DECODING_METRICS}

"""The recording format every stage reads: arrays, checks, the chronological split, the file.

A *recording* is a pair of arrays with the layout of CEBRA's rat hippocampus datasets:

* ``spikes``: ``(T, N)`` spike counts per 25 ms bin (float),
* ``labels``: ``(T, 3)`` = ``[position (m), right, left]``.

Where a recording comes from is its *source* (:mod:`cebra_sae.data.sources`). A *prepared*
recording (``results/data/{rat}.npz``) holds the chronological split:
``spikes_train``, ``spikes_valid``, ``labels_train``, ``labels_valid`` plus
``label_names``, ``rat``, ``source`` and ``train_fraction``; see :func:`save_prepared`.

Example:
    >>> import numpy as np
    >>> spikes, labels = np.zeros((10, 2)), np.zeros((10, 3))
    >>> split = chronological_split(spikes, labels, train_fraction=0.8)
    >>> split.spikes_train.shape, split.spikes_valid.shape
    ((8, 2), (2, 2))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.errors import StudyError
from cebra_sae.io import atomic_savez

LABEL_NAMES = ("position", "right", "left")
BIN_SECONDS = 0.025


@dataclass(frozen=True)
class Split:
    """A recording split chronologically into train and validation segments."""

    spikes_train: np.ndarray
    spikes_valid: np.ndarray
    labels_train: np.ndarray
    labels_valid: np.ndarray

    @property
    def n_train(self) -> int:
        return len(self.spikes_train)

    @property
    def n_valid(self) -> int:
        return len(self.spikes_valid)


def validate_recording(spikes, labels, name: str = "recording") -> tuple[np.ndarray, np.ndarray]:
    """Check shapes and values; return float64 copies.

    Raises:
        StudyError: naming ``name``, the array and what is wrong with it.
    """
    spikes = np.asarray(spikes)
    labels = np.asarray(labels)
    if spikes.ndim != 2:
        raise StudyError(f"{name}: 'spikes' must be 2-D (T x N), got shape {spikes.shape}.")
    if labels.ndim != 2 or labels.shape[1] != 3:
        raise StudyError(
            f"{name}: 'position' must be T x 3 = [position, right, left], got shape {labels.shape}."
        )
    if len(spikes) != len(labels):
        raise StudyError(
            f"{name}: 'spikes' has {len(spikes)} time bins but 'position' has {len(labels)}; "
            "they must be aligned bin by bin."
        )
    if len(spikes) < 2 or spikes.shape[1] < 1:  # what the later stages need: checks.py
        raise StudyError(
            f"{name}: too small to split ({spikes.shape}); need >= 2 bins and >= 1 neuron."
        )
    for key, array in (("spikes", spikes), ("position", labels)):
        if not np.issubdtype(array.dtype, np.number):
            raise StudyError(f"{name}: '{key}' must be numeric, got dtype {array.dtype}.")
        bad = ~np.isfinite(array)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise StudyError(
                f"{name}: '{key}' has {int(bad.sum())} NaN/inf values (first at bin {row}). "
                "Fix: remove or interpolate those bins before running the study."
            )
    if (spikes < 0).any():
        raise StudyError(f"{name}: 'spikes' has negative values; expected spike counts >= 0.")
    check_one_hot(labels, name)
    return spikes.astype(np.float64), labels.astype(np.float64)


def check_one_hot(labels: np.ndarray, name: str = "recording") -> None:
    """The direction columns (``right``, ``left``) must be one-hot: in every bin one is 1 and
    the other 0 (a bin labelled both, neither, or 0.5 each would make direction decoding
    meaningless: with 0.5 everywhere every representation scores accuracy 1.0).

    Raises:
        StudyError: naming ``name``, how many bins are not one-hot, the first one, and the fix.

    Example:
        >>> check_one_hot(np.array([[0.3, 1, 0], [0.4, 0, 1]]))
        >>> try:  # doctest: +NORMALIZE_WHITESPACE
        ...     check_one_hot(np.array([[0.3, 1, 0], [0.4, 0.5, 0.5]]), "mine.npz")
        ... except StudyError as err:
        ...     print(str(err)[str(err).index("1 of 2"):])
        1 of 2 bins are not (first at bin 1: right=0.5, left=0.5). Fix: set right = 1 in the bins
        where the animal runs towards larger positions, left = 1 - right (CEBRA's layout), and drop
        bins where it does not run.
    """
    direction = np.asarray(labels)[:, 1:3]
    bad = ~(np.isin(direction, (0, 1)).all(axis=1) & (direction.sum(axis=1) == 1))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        right, left = (f"{v:g}" for v in direction[row])
        raise StudyError(
            f"{name}: the direction columns of 'position' (right, left) must be one-hot (one is "
            f"1, the other 0, in every bin); {int(bad.sum())} of {len(direction)} bins are not "
            f"(first at bin {row}: right={right}, left={left}). Fix: set right = 1 in the bins "
            "where the animal runs towards larger positions, left = 1 - right (CEBRA's layout), "
            "and drop bins where it does not run."
        )


def chronological_split(
    spikes, labels, train_fraction: float = defaults("split", "train_fraction")
) -> Split:
    """First ``train_fraction`` of the bins for training, the rest for validation.

    No shuffling: the validation segment is the end of the session. The boundary is
    ``floor(train_fraction * T)`` (CEBRA's buddy: 6577 bins -> 5261 / 1316). The config
    schema bounds ``split.train_fraction`` to (0, 1); here only an empty split is refused.
    """
    n_train = int(np.floor(train_fraction * len(spikes)))
    if n_train < 1 or n_train >= len(spikes):
        raise StudyError(
            f"split.train_fraction {train_fraction} leaves an empty train or validation split "
            f"of a recording of {len(spikes)} bins."
        )
    return Split(spikes[:n_train], spikes[n_train:], labels[:n_train], labels[n_train:])


def direction(labels: np.ndarray) -> np.ndarray:
    """Running direction from the label columns: ``argmax(right, left)`` (0 = right, 1 = left)."""
    return np.argmax(labels[:, 1:3], axis=1)


def save_prepared(path, split: Split, rat: str, source: str, train_fraction: float,
                  bin_seconds: float = BIN_SECONDS) -> None:  # fmt: skip
    """Write a prepared recording as ``.npz`` (atomically: no half-written file).

    Keys: ``spikes_train``, ``spikes_valid`` (float32 counts), ``labels_train``,
    ``labels_valid`` (float64, columns ``label_names``), ``label_names``, ``rat``,
    ``source``, ``train_fraction``, ``bin_seconds``.
    """
    arrays = dict(
        spikes_train=split.spikes_train.astype(np.float32),
        spikes_valid=split.spikes_valid.astype(np.float32),
        labels_train=split.labels_train,
        labels_valid=split.labels_valid,
        label_names=np.array(LABEL_NAMES),
        rat=np.array(rat),
        source=np.array(source),
        train_fraction=np.array(train_fraction),
        bin_seconds=np.array(bin_seconds),
    )
    atomic_savez(path, **arrays)


def load_prepared(path) -> Split:
    """Read a prepared recording written by :func:`save_prepared`."""
    with np.load(path, allow_pickle=False) as npz:
        return Split(
            npz["spikes_train"].astype(np.float64),
            npz["spikes_valid"].astype(np.float64),
            npz["labels_train"],
            npz["labels_valid"],
        )

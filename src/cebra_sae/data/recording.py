"""The recording format every stage reads: arrays, checks, the chronological split, the file.

A *recording* is a pair of arrays with the layout of CEBRA's rat hippocampus datasets:

* ``spikes``: ``(T, N)`` spike counts per 25 ms bin (float),
* ``labels``: ``(T, 3)`` = ``[position (m), right, left]``.

``right`` = 1 in the bins where the animal runs towards larger positions, ``left`` = 1 in
those where it runs towards smaller ones (one-hot: :func:`check_one_hot`).

Where a recording comes from is its *source* (:mod:`cebra_sae.data.sources`). A *prepared*
recording (``results/data/{rat}.npz``) holds the chronological split:
``spikes_train``, ``spikes_valid``, ``labels_train``, ``labels_valid`` plus
``label_names``, ``rat``, ``source``, ``train_fraction``, ``bin_seconds``,
``position_unit`` and where each bin and neuron came from (:class:`Provenance`); see
:func:`save_prepared`.

Example:
    >>> import numpy as np
    >>> spikes, labels = np.zeros((10, 2)), np.zeros((10, 3))
    >>> split = chronological_split(spikes, labels, train_fraction=0.8)
    >>> split.spikes_train.shape, split.spikes_valid.shape
    ((8, 2), (2, 2))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.errors import StudyError
from cebra_sae.io import atomic_savez

LABEL_NAMES = ("position", "right", "left")
BIN_SECONDS = 0.025
#: The unit of the position label when the config does not name one (CEBRA's layout: metres).
DEFAULT_POSITION_UNIT = "m"
#: How a prepared recording's bins are traced back to their source (:class:`Provenance`).
BIN_START, SOURCE_ROW = "bin_start", "source_row"


@dataclass(frozen=True)
class Recording:
    """A recording read from its source, with where each bin and neuron came from.

    Attributes:
        spikes: ``(T, N)`` spike counts.
        labels: ``(T, 3)`` = ``[position, right, left]``.
        unit_ids: ``(N,)`` the neurons' ids in the source (an NWB file's Units table ids;
            the column of ``spikes`` in a file).
        bin_start: ``(T,)`` each bin's start in the session's clock (s) where the source has
            one (NWB); None where each bin is a row of the source (``file``, ``cebra``,
            ``synthetic``: row ``i`` is bin ``i``).
        choices: what the source chose to make it (``{}`` where it chose nothing).
    """

    spikes: np.ndarray
    labels: np.ndarray
    unit_ids: np.ndarray
    bin_start: np.ndarray | None = None
    choices: dict = field(default_factory=dict)

    @classmethod
    def of_rows(cls, spikes: np.ndarray, labels: np.ndarray) -> Recording:
        """A recording whose bins are the rows of its source and neurons its columns
        (``file``, ``cebra``, ``synthetic``)."""
        return cls(spikes, labels, np.arange(np.shape(spikes)[1], dtype=np.int64))

    def origin(self) -> tuple[str, np.ndarray]:
        """``(kind, values)``: each bin's start time (``bin_start``) or source row."""
        if self.bin_start is not None:
            return BIN_START, np.asarray(self.bin_start, dtype=np.float64)
        return SOURCE_ROW, np.arange(len(self.spikes), dtype=np.int64)


@dataclass(frozen=True)
class Provenance:
    """Where a prepared recording's bins and neurons came from (:func:`load_provenance`).

    Attributes:
        kind: ``bin_start`` (``train``/``valid`` are each bin's start in the session's
            clock, s; the bin lasts ``bin_seconds``) or ``source_row`` (they are each bin's
            row in the source file).
        train, valid: one value per bin of each split.
        unit_ids: the source's id of each neuron (column of ``spikes_*``).
        bin_seconds: the bin width (s).
        position_unit: the unit of the position label.
    """

    kind: str
    train: np.ndarray
    valid: np.ndarray
    unit_ids: np.ndarray
    bin_seconds: float
    position_unit: str


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


#: A split with fewer bins than this of either running direction cannot test direction
#: decoding on it (0.5 s at 25 ms bins): its direction accuracy is NaN, not a number
#: (docs/study.md §3).
MIN_DIRECTION_BINS = 20

SPLIT_NAMES = {"train": "train split", "valid": "validation split"}


def direction_counts(labels: np.ndarray) -> dict[str, int]:
    """Bins labelled running ``right`` and ``left``.

    Example:
        >>> direction_counts(np.array([[0.1, 1, 0], [0.2, 1, 0], [0.3, 0, 1]]))
        {'right': 2, 'left': 1}
    """
    dirs = direction(np.asarray(labels)) if len(labels) else np.zeros(0, dtype=int)
    return {"right": int((dirs == 0).sum()), "left": int((dirs == 1).sum())}


def direction_gap(labels: np.ndarray, split: str, min_bins: int = MIN_DIRECTION_BINS) -> str:
    """Why direction decoding cannot be tested on one split's ``labels`` ("" when it can):
    a direction with fewer than ``min_bins`` bins.

    Example:
        >>> labels = np.tile([0.5, 1.0, 0.0], (30, 1))  # runs right only
        >>> direction_gap(labels, "valid")
        'the validation split has 30 right and 0 left bins (each direction needs >= 20)'
        >>> direction_gap(np.vstack([labels, labels[:, [0, 2, 1]]]), "valid")
        ''
    """
    counts = direction_counts(labels)
    if min(counts.values()) >= min_bins:
        return ""
    return (
        f"the {SPLIT_NAMES[split]} has {counts['right']} right and {counts['left']} left bins "
        f"(each direction needs >= {min_bins})"
    )


def save_prepared(path, split: Split, rat: str, source: str, train_fraction: float,
                  recording: Recording, bin_seconds: float = BIN_SECONDS,
                  position_unit: str = DEFAULT_POSITION_UNIT) -> None:  # fmt: skip
    """Write a prepared recording as ``.npz`` (atomically: no half-written file).

    Keys: ``spikes_train``, ``spikes_valid`` (float32 counts), ``labels_train``,
    ``labels_valid`` (float64, columns ``label_names``), ``label_names``, ``rat``,
    ``source``, ``train_fraction``, ``bin_seconds``, ``position_unit``; and the provenance
    of ``recording`` (the recording ``split`` was made from): ``unit_ids`` and either
    ``bin_start_train``/``bin_start_valid`` (NWB: each bin's start in the session's clock)
    or ``source_row_train``/``source_row_valid`` (each bin's row in the source file).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> rec = Recording(np.ones((10, 2)), np.tile([0.5, 1, 0], (10, 1)), np.array([3, 7]))
        >>> split = chronological_split(rec.spikes, rec.labels, 0.8)
        >>> path = Path(tempfile.mkdtemp()) / "r.npz"
        >>> save_prepared(path, split, "r", "file", 0.8, rec)
        >>> p = load_provenance(path)
        >>> p.kind, p.valid.tolist(), p.unit_ids.tolist(), p.position_unit
        ('source_row', [8, 9], [3, 7], 'm')
    """
    kind, origin = recording.origin()
    if (
        len(origin) != split.n_train + split.n_valid
        or len(recording.unit_ids) != (split.spikes_train.shape[1])
    ):
        raise ValueError("the recording's provenance does not match the split's bins or units")
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
        position_unit=np.array(position_unit),
        unit_ids=np.asarray(recording.unit_ids, dtype=np.int64),
        **{f"{kind}_train": origin[: split.n_train], f"{kind}_valid": origin[split.n_train :]},
    )
    atomic_savez(path, **arrays)


def load_provenance(path) -> Provenance:
    """Where the bins and neurons of a prepared recording came from (see :func:`save_prepared`).

    Validation bin ``i`` (row ``i`` of ``spikes_valid``, of the validation latents and
    embeddings) started at ``valid[i]`` s in the session's clock (kind ``bin_start``), or is
    row ``valid[i]`` of the source file (kind ``source_row``); column ``j`` of the spikes is
    the source's unit ``unit_ids[j]``.
    """
    with np.load(path, allow_pickle=False) as npz:
        kind = BIN_START if f"{BIN_START}_train" in npz.files else SOURCE_ROW
        return Provenance(kind, npz[f"{kind}_train"], npz[f"{kind}_valid"], npz["unit_ids"],
                          float(npz["bin_seconds"]), str(npz["position_unit"]))  # fmt: skip


def load_prepared(path) -> Split:
    """Read a prepared recording written by :func:`save_prepared`."""
    with np.load(path, allow_pickle=False) as npz:
        return Split(
            npz["spikes_train"].astype(np.float64),
            npz["spikes_valid"].astype(np.float64),
            npz["labels_train"],
            npz["labels_valid"],
        )

"""Recordings: the three sources, validation, the chronological split and the file format.

A *recording* is a pair of arrays with the layout of CEBRA's rat hippocampus datasets:

* ``spikes``: ``(T, N)`` spike counts per 25 ms bin (float),
* ``labels``: ``(T, 3)`` = ``[position (m), right, left]``.

Sources (``source:`` of a rat in the config):

* ``cebra``: CEBRA's ``rat-hippocampus-single-{rat}`` dataset, read from
  ``{data_dir}/rat_hippocampus/{rat}.jl`` (CEBRA checks the md5 on load).
* ``file``: a user's ``.npz`` or ``.jl`` (joblib) holding ``spikes`` and ``position``.
* ``synthetic``: :func:`cebra_sae.simulate.simulate_place_cells`.

A *prepared* recording (``results/data/{rat}.npz``) holds the chronological split:
``spikes_train``, ``spikes_valid``, ``labels_train``, ``labels_valid`` plus
``label_names``, ``rat``, ``source`` and ``train_fraction``; see
:func:`save_prepared`.

Example:
    >>> import numpy as np
    >>> spikes, labels = np.zeros((10, 2)), np.zeros((10, 3))
    >>> split = chronological_split(spikes, labels, train_fraction=0.8)
    >>> split.spikes_train.shape, split.spikes_valid.shape
    ((8, 2), (2, 2))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.errors import StudyError
from cebra_sae.io import atomic_savez

LABEL_NAMES = ("position", "right", "left")
CEBRA_RATS = ("achilles", "buddy", "cicero", "gatsby")
SOURCES = ("cebra", "file", "synthetic")
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


def cebra_recording_path(data_dir: str | os.PathLike, rat: str) -> Path:
    """Where CEBRA keeps (or downloads) rat ``rat``'s file under ``data_dir``."""
    return Path(data_dir) / "rat_hippocampus" / f"{rat}.jl"


def missing_recording_message(rat: str, data_dir: str | os.PathLike) -> str:
    """The one message a user sees when a CEBRA recording is not on disk."""
    path = cebra_recording_path(data_dir, rat)
    return (
        f"Recording '{rat}' is missing: expected the file {path} in the data folder "
        f"data_dir='{data_dir}'. Fix: point data_dir at the folder that holds "
        f"rat_hippocampus/{rat}.jl (e.g. --config data_dir=/path/to/data), or set "
        "download: true and run once on a machine with internet access."
    )


def unknown_cebra_rat_message(rat: str) -> str:
    """The one message a user sees when a ``source: cebra`` rat is not one of CEBRA's."""
    return (
        f"rats.{rat}: source 'cebra' only ships {', '.join(CEBRA_RATS)}, not '{rat}'. "
        "Fix: rename the rat, or use 'source: file' with a 'path' to your recording."
    )


def check_rat(rat: str, spec: dict, data_dir, download: bool) -> None:
    """Check one ``rats`` entry of the config before anything runs.

    Raises:
        StudyError: an unknown CEBRA rat, a CEBRA recording missing offline, a missing
            user file, or a ``path`` on a rat whose source does not read one.
    """
    source = spec["source"]
    if source == "cebra":
        if rat not in CEBRA_RATS:
            raise StudyError(unknown_cebra_rat_message(rat))
        if not download and not cebra_recording_path(data_dir, rat).exists():
            raise StudyError(missing_recording_message(rat, data_dir))
    elif source == "file" and not Path(spec["path"]).exists():
        raise StudyError(
            f"rats.{rat}.path: the file {spec['path']} does not exist (working directory "
            f"{Path.cwd()}). Fix: give the path of a .npz or .jl file with 'spikes' and "
            "'position' arrays."
        )
    elif source != "file" and "path" in spec:
        raise StudyError(
            f"rats.{rat}.path: 'path' is only used with 'source: file' (this rat has "
            f"source '{source}')."
        )


def load_cebra_recording(
    rat: str, data_dir: str | os.PathLike, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Load CEBRA's ``rat-hippocampus-single-{rat}`` dataset.

    Args:
        rat: one of ``achilles``, ``buddy``, ``cicero``, ``gatsby``.
        data_dir: CEBRA's data folder (it holds ``rat_hippocampus/{rat}.jl``).
        download: let CEBRA download a missing file (checked against its md5).

    Returns:
        ``(spikes, labels)`` as float64 arrays of shapes ``(T, N)`` and ``(T, 3)``.

    Raises:
        StudyError: unknown rat, or the file is missing and ``download`` is off.
    """
    if rat not in CEBRA_RATS:
        raise StudyError(unknown_cebra_rat_message(rat))
    if not download and not cebra_recording_path(data_dir, rat).exists():
        raise StudyError(missing_recording_message(rat, data_dir))
    import cebra.datasets  # heavy import: only when a CEBRA recording is needed

    try:
        dataset = cebra.datasets.init(
            f"rat-hippocampus-single-{rat}", root=str(data_dir), download=download
        )
    except Exception as err:  # network or checksum problems surface here
        raise StudyError(f"{missing_recording_message(rat, data_dir)} (CEBRA said: {err})") from err
    spikes = dataset.neural.numpy().astype(np.float64)
    labels = dataset.continuous_index.numpy().astype(np.float64)
    return validate_recording(spikes, labels, name=f"CEBRA recording '{rat}'")


def load_file_recording(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load a user recording from ``.npz`` or ``.jl`` with ``spikes`` and ``position``.

    ``spikes`` is ``(T, N)`` spike counts per bin; ``position`` is ``(T, 3)`` =
    ``[position, right, left]`` as in CEBRA's datasets.

    Raises:
        StudyError: missing file, unknown extension, missing keys, bad shapes or values.
    """
    path = Path(path)
    if not path.exists():
        raise StudyError(
            f"Recording file {path} does not exist. Fix: correct the rat's 'path' in the config."
        )
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    elif path.suffix == ".jl":
        import joblib

        arrays = joblib.load(path)
        if not isinstance(arrays, dict):
            raise StudyError(f"{path} holds a {type(arrays).__name__}, expected a dict of arrays.")
    else:
        raise StudyError(
            f"Recording file {path} has extension '{path.suffix}'; use .npz or .jl (joblib)."
        )
    missing = [key for key in ("spikes", "position") if key not in arrays]
    if missing:
        raise StudyError(
            f"Recording file {path} lacks {missing}; it has {sorted(arrays)}. Fix: save "
            "'spikes' (T x N spike counts) and 'position' (T x 3 = [position, right, left])."
        )
    return validate_recording(arrays["spikes"], arrays["position"], name=f"recording file {path}")


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
    if len(spikes) < 20 or spikes.shape[1] < 1:
        raise StudyError(f"{name}: too small to split ({spikes.shape}); need >= 20 bins.")
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
    return spikes.astype(np.float64), labels.astype(np.float64)


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


def save_prepared(path, split: Split, rat: str, source: str, train_fraction: float) -> None:
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
        bin_seconds=np.array(BIN_SECONDS),
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


def summary_row(split: Split, rat: str, source: str) -> dict:
    """One row of ``data_summary.parquet`` for a prepared recording."""
    spikes = np.concatenate([split.spikes_train, split.spikes_valid])
    labels = np.concatenate([split.labels_train, split.labels_valid])
    return {
        "rat": rat,
        "source": source,
        "n_timesteps": int(len(spikes)),
        "n_neurons": int(spikes.shape[1]),
        "n_train": split.n_train,
        "n_valid": split.n_valid,
        "duration_s": float(len(spikes) * BIN_SECONDS),
        "spikes_per_bin": float(spikes.sum(axis=1).mean()),
        "position_min": float(labels[:, 0].min()),
        "position_max": float(labels[:, 0].max()),
        "fraction_right": float((direction(labels) == 0).mean()),
    }

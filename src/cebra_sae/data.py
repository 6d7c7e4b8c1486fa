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

import ast
import functools
import hashlib
import importlib.util
import os
import zipfile
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


@functools.cache
def cebra_checksums() -> dict[str, str]:
    """CEBRA's own md5 of each rat's ``.jl`` (``cebra.datasets.hippocampus.rat_dataset_urls``).

    Read from CEBRA's source without importing it (importing CEBRA means importing PyTorch,
    too slow for the workflow's parse step); falls back to the import if the source cannot
    be read that way.
    """
    spec = importlib.util.find_spec("cebra")
    try:
        source = Path(spec.submodule_search_locations[0]) / "datasets" / "hippocampus.py"
        for node in ast.parse(source.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "rat_dataset_urls" for t in node.targets
            ):
                urls = ast.literal_eval(node.value)
                break
        else:
            raise LookupError("rat_dataset_urls not found")
    except (AttributeError, LookupError, OSError, SyntaxError, TypeError, ValueError):
        from cebra.datasets.hippocampus import rat_dataset_urls as urls
    return {rat: entry["checksum"] for rat, entry in urls.items()}


def md5(path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_cebra_file(rat: str, data_dir) -> None:
    """Stop when a CEBRA recording on disk is not CEBRA's file (truncated or corrupt).

    Raises:
        StudyError: naming the file, CEBRA's md5 and the file's, and the fix.
    """
    path = cebra_recording_path(data_dir, rat)
    expected, found = cebra_checksums()[rat], md5(path)
    if found != expected:
        raise StudyError(
            f"Recording file {path} is damaged (truncated or corrupt): its md5 is {found}, "
            f"CEBRA's file for '{rat}' has md5 {expected} ({path.stat().st_size} bytes on "
            "disk). Fix: replace it with an intact copy, or delete it and run with "
            "download: true on a machine with internet access."
        )


def unknown_cebra_rat_message(rat: str) -> str:
    """The one message a user sees when a ``source: cebra`` rat is not one of CEBRA's."""
    return (
        f"rats.{rat}: source 'cebra' only ships {', '.join(CEBRA_RATS)}, not '{rat}'. "
        "Fix: rename the rat, or use 'source: file' with a 'path' to your recording."
    )


def check_rat(rat: str, spec: dict, data_dir, download: bool, deep: bool = True) -> None:
    """Check one ``rats`` entry of the config before anything runs.

    With ``deep`` (the workflow's main process) a CEBRA file on disk is checked against
    CEBRA's md5 and a user file is loaded and validated, so that a bad file stops the run
    before Snakemake removes any output to rerun a job.

    Raises:
        StudyError: an unknown CEBRA rat, a CEBRA recording missing offline, a missing
            user file, or a ``path`` on a rat whose source does not read one.
    """
    source = spec["source"]
    if source != "file" and "path" in spec:
        raise StudyError(
            f"rats.{rat}.path: 'path' is only used with 'source: file' (this rat has "
            f"source '{source}')."
        )
    if source == "cebra":
        if rat not in CEBRA_RATS:
            raise StudyError(unknown_cebra_rat_message(rat))
        on_disk = cebra_recording_path(data_dir, rat).exists()
        if not download and not on_disk:
            raise StudyError(missing_recording_message(rat, data_dir))
        if on_disk and deep:
            check_cebra_file(rat, data_dir)
    elif source == "file":
        if not Path(spec["path"]).exists():
            raise StudyError(
                f"rats.{rat}.path: the file {spec['path']} does not exist (working directory "
                f"{Path.cwd()}). Fix: give the path of a .npz or .jl file with 'spikes' and "
                "'position' arrays."
            )
        if deep:
            load_file_recording(spec["path"])  # readable, the right arrays, shapes, values


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
    check_rat(rat, {"source": "cebra"}, data_dir, download)  # the workflow's own checks
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
        if not zipfile.is_zipfile(path):
            raise StudyError(
                f"Recording file {path} is not an npz file, or a truncated one (a NumPy .npz "
                "is a zip archive of arrays, as np.savez writes). Fix: save it with "
                "np.savez(path, spikes=..., position=...), or use .jl for a joblib file."
            )
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
            raise StudyError(
                f"Recording file {path} could not be read as an npz file ({err}). Fix: save "
                "it again with np.savez(path, spikes=..., position=...)."
            ) from None
    elif path.suffix == ".jl":
        import joblib

        try:
            arrays = joblib.load(path)
        except Exception as err:  # joblib/pickle raise many kinds on a bad file
            raise StudyError(
                f"Recording file {path} is not a readable joblib file "
                f"({type(err).__name__}: {err}). Fix: save it again with "
                "joblib.dump({'spikes': ..., 'position': ...}, path)."
            ) from None
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


#: Fewer bins than this (25 s) decode and score, but say little.
MIN_USEFUL_BINS = 1000


def recording_warnings(split: Split) -> list[str]:
    """What will run on this recording but give little, one sentence each (the neuron
    count against the scores' top-n is :func:`neuron_count_warning`, a post-hoc setting).

    Example:
        >>> labels = np.column_stack([np.linspace(0, 1.6, 50), np.ones(50), np.zeros(50)])
        >>> split = Split(np.ones((40, 1)), np.ones((10, 1)), labels[:40], labels[40:])
        >>> for line in recording_warnings(split):
        ...     print(line[:60])
        50 bins (1.2 s): fewer than 1000; decoding and scores will b
        The direction label 'left' is never set: running direction c
    """
    spikes = np.concatenate([split.spikes_train, split.spikes_valid])
    labels = np.concatenate([split.labels_train, split.labels_valid])
    lines = []
    if len(spikes) < MIN_USEFUL_BINS:
        lines.append(
            f"{len(spikes)} bins ({len(spikes) * BIN_SECONDS:.1f} s): fewer than "
            f"{MIN_USEFUL_BINS}; decoding and scores will be noisy."
        )
    for column, name in ((1, "right"), (2, "left")):
        if not labels[:, column].any():
            lines.append(
                f"The direction label '{name}' is never set: running direction cannot be decoded."
            )
        elif not split.labels_train[:, column].any():
            lines.append(
                f"The direction label '{name}' is never set in the train split: the direction "
                "decoder is fit on one direction only."
            )
    silent = int((spikes.sum(axis=0) == 0).sum())
    if silent:
        lines.append(f"{silent} of {spikes.shape[1]} neurons never fire: their correlations are 0.")
    return lines


def neuron_count_warning(n_neurons: int, top_neurons: int) -> str | None:
    """A warning when a recording has fewer neurons than the neuron score's top-n.

    Example:
        >>> neuron_count_warning(1, 10)[:58]
        '1 neuron, fewer than posthoc.top_neurons = 10: each latent'
        >>> neuron_count_warning(48, 10) is None
        True
    """
    if n_neurons >= top_neurons:
        return None
    noun = "neuron" if n_neurons == 1 else "neurons"
    return (
        f"{n_neurons} {noun}, fewer than posthoc.top_neurons = {top_neurons}: each latent's "
        f"neuron score is its best |r| over only {n_neurons} {noun}, and the published code's "
        "formula averages fewer distinct neurons than intended."
    )


def add_neuron_count_warnings(summary, top_neurons: int):
    """``data_summary`` rows with :func:`neuron_count_warning` appended to ``warnings``.

    Returns:
        ``(summary, added)``: the new rows and ``{rat: warning}`` of the warnings added.
    """
    summary, added = summary.copy(), {}
    for index, row in summary.iterrows():
        warning = neuron_count_warning(int(row["n_neurons"]), top_neurons)
        if warning:
            added[row["rat"]] = warning
            summary.loc[index, "warnings"] = " ".join(w for w in (row["warnings"], warning) if w)
    return summary, added


def summary_row(split: Split, rat: str, source: str, warnings=()) -> dict:
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
        "warnings": " ".join(warnings),
    }

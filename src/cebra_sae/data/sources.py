"""Where a recording comes from: the registry of recording sources.

A rat's ``source`` in the config names one entry of :data:`SOURCES`; each says which config
keys a rat of that source takes, how it is checked before any job runs, which raw file its
``prepare_recording`` job reads, and how that file becomes ``(spikes, labels)`` in the
layout of :mod:`cebra_sae.data.recording`. Registered:

* ``cebra``: CEBRA's ``rat-hippocampus-single-{rat}`` dataset, read from
  ``{data_dir}/rat_hippocampus/{rat}.jl`` (CEBRA checks the md5 on load).
* ``file``: a user's ``.npz`` or ``.jl`` (joblib) holding ``spikes`` and ``position``.
* ``synthetic``: :func:`cebra_sae.data.simulate.simulate_place_cells` (its own rule,
  ``simulate_recording``, makes it; its keys are simulator arguments).

A new source is one :meth:`~cebra_sae.registry.Registry.register` call and its name in the
config schema's ``rats.*.source`` enum (a test checks the enum against the registry).

Example:
    >>> list(SOURCES), SOURCES["file"].keys
    (['cebra', 'file', 'synthetic'], ('path',))
    >>> try:
    ...     check_rat("mine", {"source": "cebra", "path": "x.npz"}, "data", download=True)
    ... except StudyError as err:
    ...     print(err)
    rats.mine.path: 'path' is only used with 'source: file' (this rat has source 'cebra').
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cebra_sae.data.recording import validate_recording
from cebra_sae.errors import StudyError
from cebra_sae.registry import Registry

CEBRA_RATS = ("achilles", "buddy", "cicero", "gatsby")


@dataclass(frozen=True)
class Source:
    """One kind of recording source (``source:`` of a rat in the config).

    Attributes:
        name: the value of ``source`` in the config.
        summary: what it is, for docs and messages.
        keys: the config keys a rat of this source takes besides ``source``.
        check: ``check(rat, spec, data_dir, download, deep)`` raises a :class:`StudyError`
            naming the key or file and the fix; with ``deep`` (the workflow's main
            process) files are read too, so a bad file stops the run before any job.
        input_file: ``input_file(rat, spec, data_dir)`` -> the raw file the rat's
            ``prepare_recording`` job reads (None: nothing on disk, the rat is simulated).
        load: ``load(rat, path)`` -> ``(spikes, labels)`` from the file ``input_file``
            named (None for a source whose own rule makes the prepared recording,
            ``synthetic``).
    """

    name: str
    summary: str
    keys: tuple[str, ...]
    check: Callable[..., None]
    input_file: Callable[..., str | None]
    load: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None


SOURCES: Registry[Source] = Registry("recording source")


def cebra_recording_path(data_dir: str | os.PathLike, rat: str) -> Path:
    """Where CEBRA keeps (or downloads) rat ``rat``'s file under ``data_dir``."""
    return Path(data_dir) / "rat_hippocampus" / f"{rat}.jl"


def cebra_data_dir(recording_path: str | os.PathLike) -> Path:
    """The data folder of a CEBRA recording file (the inverse of :func:`cebra_recording_path`).

    Example:
        >>> cebra_data_dir(cebra_recording_path("/data", "buddy"))
        PosixPath('/data')
    """
    return Path(recording_path).parent.parent


def missing_recording_message(rat: str, data_dir: str | os.PathLike, download: bool = False) -> str:
    """The one message a user sees when a CEBRA recording is not on disk (``download``: it
    was to be downloaded, and that failed)."""
    path = cebra_recording_path(data_dir, rat)
    fix = (
        "Fix: run once on a machine with internet access (CEBRA downloads it), or copy the "
        "file there"
        if download
        else "Fix: point data_dir at the folder that holds "
        f"rat_hippocampus/{rat}.jl (e.g. --config data_dir=/path/to/data), or set "
        "download: true and run once on a machine with internet access"
    )
    return (
        f"Recording '{rat}' is missing: expected the file {path} in the data folder "
        f"data_dir='{data_dir}'. {fix}."
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


def simulated_rats(rats: dict) -> list[str]:
    """The rats of a config's ``rats`` whose source makes them by its own rule (no file)."""
    return [rat for rat, spec in rats.items() if SOURCES[spec["source"]].load is None]


def rats_to_fetch(rats: dict, data_dir) -> list[str]:
    """The ``cebra`` rats whose file is not in ``data_dir`` yet (only these are downloaded: a
    file on disk is a plain input, never re-created, i.e. overwritten)."""
    return [rat for rat, spec in rats.items() if spec["source"] == "cebra"
            and not cebra_recording_path(data_dir, rat).exists()]  # fmt: skip


def check_rat(rat: str, spec: dict, data_dir, download: bool, deep: bool = True) -> None:
    """Check one ``rats`` entry of the config before anything runs.

    A key that the rat's source does not take is an error naming it (the config schema
    lists the keys any source takes); then the source's own check.

    Raises:
        StudyError: naming the rat, the key or file, and the fix.
    """
    source = SOURCES[spec["source"]]
    for key in spec:
        if key != "source" and key not in source.keys:
            users = [s.name for s in SOURCES.values() if key in s.keys]
            where = " or ".join(f"'source: {name}'" for name in users)
            raise StudyError(
                f"rats.{rat}.{key}: '{key}' is only used with {where} (this rat has source "
                f"'{source.name}')."
            )
    source.check(rat, spec, data_dir, download, deep)


def _check_cebra(rat, spec, data_dir, download, deep):
    if rat not in CEBRA_RATS:
        raise StudyError(unknown_cebra_rat_message(rat))
    on_disk = cebra_recording_path(data_dir, rat).exists()
    if not download and not on_disk:
        raise StudyError(missing_recording_message(rat, data_dir))
    if on_disk and deep:
        check_cebra_file(rat, data_dir)


def _check_file(rat, spec, data_dir, download, deep):
    if not Path(spec["path"]).exists():
        raise StudyError(
            f"rats.{rat}.path: the file {spec['path']} does not exist (working directory "
            f"{Path.cwd()}). Fix: give the path of a .npz or .jl file with 'spikes' and "
            "'position' arrays."
        )
    if deep:
        load_file_recording(spec["path"])  # readable, the right arrays, shapes, values


def _check_nothing(rat, spec, data_dir, download, deep):
    """A simulated rat: the schema has checked its keys' types and ranges."""


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
        message = missing_recording_message(rat, data_dir, download)
        raise StudyError(f"{message} (CEBRA said: {err})") from err
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


SOURCES.register(
    Source(
        "cebra",
        "CEBRA's rat hippocampus recording {data_dir}/rat_hippocampus/{rat}.jl",
        keys=(),
        check=_check_cebra,
        input_file=lambda rat, spec, data_dir: str(cebra_recording_path(data_dir, rat)),
        load=lambda rat, path: load_cebra_recording(rat, cebra_data_dir(path)),
    )
)
SOURCES.register(
    Source(
        "file",
        "a user's .npz or .jl file with 'spikes' and 'position'",
        keys=("path",),
        check=_check_file,
        input_file=lambda rat, spec, data_dir: spec["path"],
        load=lambda rat, path: load_file_recording(path),
    )
)
SOURCES.register(
    Source(
        "synthetic",
        "a seeded place-cell simulation with saved ground truth",
        # the simulator's arguments a config may set (the schema's keys; a test checks both)
        keys=(
            "seed",
            "n_neurons",
            "n_laps",
            "speed_m_s",
            "baseline_rate_hz",
            "direction_gain",
            "n_assemblies",
            "assemblies_per_neuron",
        ),  # fmt: skip
        check=_check_nothing,
        input_file=lambda rat, spec, data_dir: None,
    )
)

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
* ``nwb``: an NWB session (spike times and raw tracking), binned, linearised and restricted
  to running by :func:`cebra_sae.data.nwb.load_nwb_recording` (its keys are its options).

A new source is one :meth:`~cebra_sae.registry.Registry.register` call and its name in the
config schema's ``rats.*.source`` enum (a test checks the enum against the registry).

Example:
    >>> list(SOURCES), SOURCES["file"].keys
    (['cebra', 'file', 'synthetic', 'nwb'], ('path', 'position_unit'))
    >>> try:  # doctest: +NORMALIZE_WHITESPACE
    ...     check_rat("mine", {"source": "cebra", "path": "x.npz"}, "data", download=True)
    ... except StudyError as err:
    ...     print(err)
    rats.mine.path: 'path' is only used with 'source: file' or 'source: nwb' (this rat has
    source 'cebra').
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

from cebra_sae.data.nwb import NWB_KEYS
from cebra_sae.data.recording import (
    BIN_SECONDS,
    DEFAULT_POSITION_UNIT,
    Recording,
    validate_recording,
)
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
            process) files are read too, so a bad file stops the run before any job, and
            it returns the recording's :class:`Size` (None where it reads nothing).
        input_file: ``input_file(rat, spec, data_dir)`` -> the raw file the rat's
            ``prepare_recording`` job reads (None: nothing on disk, the rat is simulated).
        load: ``load(rat, path, spec)`` -> a :class:`~cebra_sae.data.recording.Recording`
            (arrays, provenance and what was chosen to make it) from the file
            ``input_file`` named, ``spec`` the rat's config entry (None for a source whose
            own rule makes the prepared recording, ``synthetic``).
    """

    name: str
    summary: str
    keys: tuple[str, ...]
    check: Callable[..., Size | None]
    input_file: Callable[..., str | None]
    load: Callable[..., Recording] | None = None


@dataclass(frozen=True)
class Size:
    """What the start-up check read of a recording (for the size check and the notes).

    Attributes:
        n_bins: the recording's time bins.
        fix: what the user can do for more bins (a sentence without the final period).
        labels: the recording's labels (the direction counts of each split are checked).
        notes: what the source wants said at start-up (lost tracking, a barely linear path).
    """

    n_bins: int
    fix: str
    labels: np.ndarray | None = None
    notes: tuple[str, ...] = ()


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


def missing_recording_message(
    rat: str, data_dir: str | os.PathLike, download: bool = False, cause: str | None = None
) -> str:
    """The one message a user sees when a CEBRA recording is not on disk.

    Args:
        rat: the CEBRA rat.
        data_dir: the config's data folder.
        download: the config's ``download``: true means CEBRA tried to download the file and
            failed (no internet, say), so the fix never suggests setting it.
        cause: what CEBRA said when the download failed.

    Example:
        >>> print(missing_recording_message("buddy", "/data", download=True, cause="offline"))
        ... # doctest: +NORMALIZE_WHITESPACE
        Recording 'buddy' is missing: expected the file /data/rat_hippocampus/buddy.jl in the
        data folder data_dir='/data', and CEBRA could not download it (offline). Fix: copy
        CEBRA's buddy.jl to exactly /data/rat_hippocampus/buddy.jl; or set download: false
        and point data_dir at a folder that holds rat_hippocampus/buddy.jl (--config
        download=False data_dir=/path/to/data); or give your copy as 'source: file' with
        its 'path'; or run once on a machine with internet access (CEBRA downloads the file
        and checks its md5) and copy its data folder here.
    """
    path = cebra_recording_path(data_dir, rat)
    where = f"expected the file {path} in the data folder data_dir='{data_dir}'"
    if download:
        failed = ", and CEBRA could not download it" + (f" ({cause})" if cause else "")
        fix = (
            f"Fix: copy CEBRA's {rat}.jl to exactly {path}; or set download: false and point "
            f"data_dir at a folder that holds rat_hippocampus/{rat}.jl (--config "
            "download=False data_dir=/path/to/data); or give your copy as 'source: file' with "
            "its 'path'; or run once on a machine with internet access (CEBRA downloads the "
            "file and checks its md5) and copy its data folder here"
        )
    else:
        failed = ""
        fix = (
            f"Fix: point data_dir at the folder that holds rat_hippocampus/{rat}.jl (e.g. "
            f"--config data_dir=/path/to/data), or copy the file to exactly {path}, or set "
            "download: true and run once on a machine with internet access"
        )
    return f"Recording '{rat}' is missing: {where}{failed}. {fix}."


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


def simulation_args(spec: dict) -> dict:
    """A ``synthetic`` rat's simulator arguments: its config entry without ``source`` and
    ``position_unit`` (a label, not a simulator setting).

    Example:
        >>> simulation_args({"source": "synthetic", "seed": 3, "position_unit": "cm"})
        {'seed': 3}
    """
    return {key: value for key, value in spec.items() if key not in ("source", "position_unit")}


def simulated_rats(rats: dict) -> list[str]:
    """The rats of a config's ``rats`` whose source makes them by its own rule (no file)."""
    return [rat for rat, spec in rats.items() if SOURCES[spec["source"]].load is None]


def rats_to_fetch(rats: dict, data_dir) -> list[str]:
    """The ``cebra`` rats whose file is not in ``data_dir`` yet (only these are downloaded: a
    file on disk is a plain input, never re-created, i.e. overwritten)."""
    return [rat for rat, spec in rats.items() if spec["source"] == "cebra"
            and not cebra_recording_path(data_dir, rat).exists()]  # fmt: skip


def check_rat(rat: str, spec: dict, data_dir, download: bool, deep: bool = True) -> Size | None:
    """Check one ``rats`` entry of the config before anything runs.

    A key that the rat's source does not take is an error naming it (the config schema
    lists the keys any source takes); then the source's own check.

    Returns:
        The recording's :class:`Size` where the check read it (``deep``), else None.

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
    return source.check(rat, spec, data_dir, download, deep)


def read_recording(rat: str, spec: dict, path) -> Recording:
    """A rat's recording from the file its source's ``input_file`` named: arrays, provenance
    and what was chosen to make it (``choices``: ``{}`` for ``cebra`` and ``file``).

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "mine.npz"
        >>> labels = np.column_stack([np.linspace(0, 1, 30), np.ones(30), np.zeros(30)])
        >>> np.savez(path, spikes=np.ones((30, 2)), position=labels)
        >>> rec = read_recording("mine", {"source": "file"}, path)
        >>> rec.spikes.shape, rec.unit_ids.tolist(), rec.choices
        ((30, 2), [0, 1], {})
    """
    return SOURCES[spec["source"]].load(rat, path, spec)


def position_unit(spec: dict, choices: dict) -> str:
    """The unit of a recording's position label: the NWB file's, else the rat's
    ``position_unit`` (default :data:`~cebra_sae.data.recording.DEFAULT_POSITION_UNIT`).

    Example:
        >>> position_unit({"source": "file", "path": "x.npz", "position_unit": "cm"}, {})
        'cm'
        >>> position_unit({"source": "synthetic"}, {})
        'm'
    """
    if "position_unit" in choices:
        return choices["position_unit"]
    return spec.get("position_unit") or DEFAULT_POSITION_UNIT


def summary_fields(choices: dict, unit: str = DEFAULT_POSITION_UNIT) -> dict:
    """What :func:`read_recording` chose, as data-summary columns (NA where a source chose
    nothing: ``cebra``, ``file``; CEBRA's layout has 25 ms bins; ``unit`` is the position's
    unit, :func:`position_unit`).

    Example:
        >>> summary_fields({})["position_unit"], summary_fields({})["running_share"]
        ('m', None)
    """
    if not choices:
        return dict(bin_seconds=BIN_SECONDS, position_unit=unit, bins_tracked=None,
                    running_share=None, speed_threshold=None, units_dropped="",
                    preprocessing="")  # fmt: skip
    c = choices
    dropped = ", ".join(map(str, c["units_dropped_silent"]))
    preprocessing = (
        f"{c['epochs']}; {c['bins_running']} of {c['bins_tracked']} tracked bins run "
        f"(smoothed speed >= {c['speed_threshold']:.4g} {c['position_unit']}/s: "
        f"{c['speed_threshold_from']}); linearised onto the {c['linearisation']} (its share "
        f"of the variance {c['line_variance']:.3f}); {c['jumps']} tracking jumps (> "
        f"{c['max_speed']:.4g} {c['position_unit']}/s) cut; tracking samples dropped: "
        f"{c['samples_nan_dropped']} NaN, {c['samples_lost_at_origin']} at (0, 0), "
        f"{c['samples_stuck']} stuck at one value for > {c['max_stuck_seconds']:g} s, "
        f"{c['samples_repeated_dropped']} repeated timestamps; "
        f"{c['samples_out_of_order']} out-of-order timestamps re-sorted; {c['units_kept']} of "
        f"{c['units_in_file']} units kept" + (f" (silent: {dropped})" if dropped else "")
    )
    return dict(bin_seconds=c["bin_seconds"], position_unit=c["position_unit"],
                bins_tracked=c["bins_tracked"], running_share=c["running_share"],
                speed_threshold=c["speed_threshold"], units_dropped=dropped,
                preprocessing=preprocessing)  # fmt: skip


def jl_notice(rat: str, path) -> str | None:
    """The one-line notice for a ``file`` rat given as ``.jl``: joblib files are pickles.

    Example:
        >>> jl_notice("mine", "mine.npz") is None
        True
        >>> print(jl_notice("mine", "mine.jl"))  # doctest: +NORMALIZE_WHITESPACE
        Note: rats.mine: mine.jl is a joblib file, i.e. a Python pickle: loading it runs any
        code it carries. Load only files you trust; .npz (np.savez) holds arrays only.
    """
    if Path(path).suffix != ".jl":
        return None
    return (
        f"Note: rats.{rat}: {path} is a joblib file, i.e. a Python pickle: loading it runs any "
        "code it carries. Load only files you trust; .npz (np.savez) holds arrays only."
    )


def _check_data_dir(data_dir) -> None:
    """``data_dir`` must be a folder (or not exist yet: CEBRA makes it when downloading)."""
    path = Path(data_dir)
    for folder in (path, path / "rat_hippocampus"):
        if folder.exists() and not folder.is_dir():
            raise StudyError(
                f"data_dir: {folder} is a file, not a folder; CEBRA's recordings are read from "
                f"(and downloaded to) {path}/rat_hippocampus/{{rat}}.jl. Fix: set data_dir to a "
                "folder (created if missing), e.g. --config data_dir=data; a recording of your "
                "own is a rat with 'source: file' and its 'path'."
            )


def _check_cebra(rat, spec, data_dir, download, deep):
    if rat not in CEBRA_RATS:
        raise StudyError(unknown_cebra_rat_message(rat))
    _check_data_dir(data_dir)
    on_disk = cebra_recording_path(data_dir, rat).exists()
    if not download and not on_disk:
        raise StudyError(missing_recording_message(rat, data_dir))
    if on_disk and deep:
        check_cebra_file(rat, data_dir)


def _check_file(rat, spec, data_dir, download, deep):
    if not Path(spec["path"]).exists():
        raise StudyError(
            f"rats.{rat}.path: the file {spec['path']} does not exist (working directory "
            f"{Path.cwd()}; a relative path is relative to it). Fix: give the path of a .npz "
            "or .jl file with 'spikes' and 'position' arrays."
        )
    if deep:
        spikes, labels = load_file_recording(spec["path"])  # readable: arrays, shapes, values
        notice = jl_notice(rat, spec["path"])
        return Size(len(spikes), f"use a longer recording than {spec['path']}", labels,
                    (notice,) if notice else ())  # fmt: skip
    return None


def _check_nothing(rat, spec, data_dir, download, deep):
    """A simulated rat: the schema has checked its keys' types and ranges."""


def _nwb_options(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key not in ("source", "path")}


def _load_nwb(rat, path, spec) -> Recording:
    from cebra_sae.data.nwb import load_nwb_recording

    recording = load_nwb_recording(path, rat, **_nwb_options(spec))
    spikes, labels = validate_recording(
        recording.spikes, recording.labels, name=f"NWB recording {path}"
    )
    return Recording(spikes, labels, recording.unit_ids, recording.bin_starts,
                     recording.choices)  # fmt: skip


def _check_nwb(rat, spec, data_dir, download, deep):
    path = Path(spec["path"])
    if not path.exists():
        raise StudyError(
            f"rats.{rat}.path: the file {path} does not exist (working directory "
            f"{Path.cwd()}; a relative path is relative to it). Fix: give the path of an NWB "
            "file with a Units table and the tracked position (a SpatialSeries)."
        )
    if not deep:
        return None
    recording = _load_nwb(rat, path, spec)  # the whole path to the labels
    choices = recording.choices
    unit = choices["position_unit"]
    return Size(
        len(recording.spikes),
        f"keep more running bins of {path}: lower speed_threshold (now "
        f"{choices['speed_threshold']:.4g} {unit}/s, {choices['running_share']:.0%} of the "
        f"{choices['bins_tracked']} tracked bins run), or widen time_range / intervals",
        recording.labels,
        tuple(f"rats.{rat}: {line}" for line in choices["warnings"]),
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
    check_rat(rat, {"source": "cebra"}, data_dir, download)  # the workflow's own checks
    import cebra.datasets  # heavy import: only when a CEBRA recording is needed

    try:
        dataset = cebra.datasets.init(
            f"rat-hippocampus-single-{rat}", root=str(data_dir), download=download
        )
    except Exception as err:  # network or checksum problems surface here
        path = cebra_recording_path(data_dir, rat)
        if path.exists():  # on disk (md5 checked above), yet CEBRA could not read it
            raise StudyError(
                f"Recording file {path} could not be loaded by CEBRA ({err}). Fix: replace it "
                "with an intact copy of CEBRA's file."
            ) from err
        cause = f"CEBRA said: {err}"
        raise StudyError(missing_recording_message(rat, data_dir, download, cause)) from err
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
        load=lambda rat, path, spec=None: Recording.of_rows(
            *load_cebra_recording(rat, cebra_data_dir(path))
        ),
    )
)
SOURCES.register(
    Source(
        "file",
        "a user's .npz or .jl file with 'spikes' and 'position'",
        keys=("path", "position_unit"),
        check=_check_file,
        input_file=lambda rat, spec, data_dir: spec["path"],
        load=lambda rat, path, spec=None: Recording.of_rows(*load_file_recording(path)),
    )
)
SOURCES.register(
    Source(
        "synthetic",
        "a seeded place-cell simulation with saved ground truth",
        # the simulator's arguments a config may set, and the label's unit (the schema's
        # keys; a test checks both: simulation_args)
        keys=(
            "seed",
            "n_neurons",
            "n_laps",
            "speed_m_s",
            "baseline_rate_hz",
            "direction_gain",
            "n_assemblies",
            "assemblies_per_neuron",
            "position_unit",
        ),  # fmt: skip
        check=_check_nothing,
        input_file=lambda rat, spec, data_dir: None,
    )
)
SOURCES.register(
    Source(
        "nwb",
        "an NWB session: spike times and tracked position, binned and linearised",
        keys=NWB_KEYS,
        check=_check_nwb,
        input_file=lambda rat, spec, data_dir: spec["path"],
        load=_load_nwb,  # spec: its options
    )
)

"""A recording as labs store it: an NWB file of spike times and raw tracking (``source: nwb``).

:func:`load_nwb_recording` turns one NWB session, a Units table of spike *times* and the
animal's tracked position as a ``SpatialSeries`` (often raw 2-D camera coordinates), into the
study's recording layout (:mod:`cebra_sae.data.recording`): spike counts per bin and the
labels ``[position, right, left]``, for the bins in which the animal runs. The steps, each
with the library function that does it:

1. **Read** with pynwb (:class:`pynwb.NWBHDF5IO`): the Units table's spike times (``units``
   keeps a subset, by unit id) and the position series (``position_series``, by name; unset:
   the file's only ``SpatialSeries``), in the series' own unit
   (``TimeSeries.get_data_in_units``, ``TimeSeries.get_timestamps``). A 1-D series is a
   linear position already; a 2-D one is linearised (step 7).
2. **Restrict** with pynapple (:class:`pynapple.IntervalSet`, ``IntervalSet.intersect``) to
   ``time_range`` and to the NWB intervals table ``intervals`` (both, if both are given), and
   to the tracked span.
3. **Clean the tracking**: samples with a NaN coordinate (tracking gaps), 2-D samples at
   exactly (0, 0) (where trackers write a lost animal), samples that stay at exactly one
   value for longer than ``max_stuck_seconds`` (a parked or frozen tracker: a live one
   jitters) and repeated timestamps (within half a frame of the previous sample) are
   dropped; out-of-order timestamps are re-sorted, and a step back by more than
   :data:`CLOCK_RESET_SECONDS` (a clock reset) stops the run, naming the time. Each is
   counted, and a step that drops more than :data:`WARN_SHARE` of the samples in the epochs
   analysed is a warning. A step faster than ``max_speed`` is a *jump* (the tracker lost
   the animal, or parked), and jumps and gaps longer than ``max_gap_seconds`` cut the
   tracking into continuous pieces, each trimmed to a whole number of bins of
   ``bin_seconds`` (pieces of fewer than :data:`MIN_PIECE_BINS` bins are dropped). Piece
   starts are rounded to the nanosecond, the grid pynapple's bin edges are on, so each
   bin's saved start reproduces its edges exactly. Nothing is interpolated across a cut.
4. **Bin** with pynapple: spike counts by ``TsGroup.count(bin_seconds, ep=pieces)``, the
   position at each bin's centre by ``TsdFrame.interpolate``: the same bins for both.
5. **Speed**: positions smoothed by a Gaussian of standard deviation ``smooth_seconds``
   (``Tsd.smooth``, within each piece, divided by the smoothed indicator of the piece so that
   its ends are not pulled towards 0 by pynapple's zero padding), velocity by
   ``Tsd.derivative`` (``numpy.gradient`` per piece), speed = its length.
6. **Running bins**: smoothed speed >= ``speed_threshold`` (the file's unit per second).
   Unset, it is ``relative_speed_threshold`` x the tracked extent per second, where the
   extent is the length between ``track_endpoints``, or else the diagonal of the box holding
   the central 98 % (1st to 99th percentile) of the tracked samples; a default in the file's
   own unit, since NWB files keep positions in pixels, cm or m (0.05 extents per second is
   8 cm/s on CEBRA's 1.6 m track, within the 5-10 cm/s usual for place cells). ``max_speed``
   unset is ``relative_max_speed`` x the extent per second likewise.
7. **Linearise**: the linear position is the projection onto the line through
   ``track_endpoints`` (0 at the first), or else onto the first principal axis of the running
   bins' 2-D positions (oriented towards larger first coordinate, 0 at the smallest running
   bin). A path whose axis carries less than ``min_line_variance`` of its variance is not a
   line (a maze, an open field): refused, never projected silently; one accepted by a
   ``min_line_variance`` lowered below its default is a warning naming the share.
8. **Direction**: the sign of the smoothed velocity along the axis: ``right`` = towards larger
   linear position, ``left`` = towards smaller; one-hot.

Units without a spike in the bins kept are dropped (silent). What was chosen (bins, speed
threshold, extent, jumps, the units dropped, the unit of position) is the recording's
:attr:`NwbRecording.choices`, for the data summary and the job's log. The defaults of the
options are in the config schema (``rats.<name>``, the ``source: nwb`` branch): see
:func:`nwb_defaults`.

Example:
    >>> sorted(nwb_defaults())[:3]
    ['bin_seconds', 'max_gap_seconds', 'max_stuck_seconds']
    >>> nwb_defaults()["bin_seconds"]
    0.025
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cebra_sae.config import load_schema
from cebra_sae.errors import StudyError

#: The options of a ``source: nwb`` rat (its config keys besides ``source``).
NWB_KEYS = (
    "path",
    "position_series",
    "units",
    "time_range",
    "intervals",
    "bin_seconds",
    "speed_threshold",
    "relative_speed_threshold",
    "max_speed",
    "relative_max_speed",
    "max_gap_seconds",
    "smooth_seconds",
    "track_endpoints",
    "min_line_variance",
    "max_stuck_seconds",
)

#: A continuous tracked piece shorter than this many bins is dropped (a velocity needs two).
MIN_PIECE_BINS = 2

#: A timestamp this much earlier than the one before it (s) is a clock reset (or two
#: sessions in one series): the run stops, since bins after it would overlap those before.
#: Smaller steps back are out-of-order samples: re-sorted and counted.
CLOCK_RESET_SECONDS = 1.0

#: A cleaning step that removes more than this share of the tracking samples in the epochs
#: analysed is a warning (data_summary.warnings and the console), not only a count.
WARN_SHARE = 0.01

INSTALL_HINT = (
    "pip install -e '.[nwb]' in the clone (or pip install pynwb pynapple); a --sdm conda run gets "
    "them from envs/cebra.yaml"
)


@functools.cache
def _nwb_branch() -> dict:
    """The config schema's ``source: nwb`` branch of a rat (its defaults)."""
    rat = load_schema()["properties"]["rats"]["additionalProperties"]
    for rule in rat.get("allOf", []):
        if rule.get("if", {}).get("properties", {}).get("source", {}).get("const") == "nwb":
            return rule.get("then", {})
    return {}


def nwb_defaults() -> dict:
    """The defaults of a ``source: nwb`` rat's options, from the config schema (a copy).

    Example:
        >>> nwb_defaults()["relative_speed_threshold"], nwb_defaults()["min_line_variance"]
        (0.05, 0.9)
    """
    properties = _nwb_branch().get("properties", {})
    return {key: node["default"] for key, node in properties.items() if "default" in node}


@dataclass(frozen=True)
class NwbRecording:
    """An NWB session as the study's recording, and what was chosen to make it.

    Attributes:
        spikes: ``(T, N)`` spike counts of the running bins (float64).
        labels: ``(T, 3)`` = ``[position, right, left]``; position in the file's unit.
        bin_starts: ``(T,)`` the start of each bin kept, in the file's seconds: bin ``i``
            counts the spikes at times ``t`` with ``bin_starts[i] <= t <
            np.round(bin_starts[i] + choices["bin_seconds"], 9)`` (pynapple's edges).
        unit_ids: ``(N,)`` the Units table ids of the columns of ``spikes``.
        choices: what was chosen (plain values, for the data summary and the log).
    """

    spikes: np.ndarray
    labels: np.ndarray
    bin_starts: np.ndarray
    unit_ids: np.ndarray
    choices: dict = field(default_factory=dict)

    def log_lines(self) -> list[str]:
        """The choices, one ``key: value`` line each (for the job's log)."""
        return [f"{key}: {value}" for key, value in self.choices.items()]


def _imports():
    """pynwb and pynapple, or a StudyError saying how to install them."""
    try:
        import pynapple
        import pynwb
    except ImportError as err:
        raise StudyError(
            f"source: nwb needs pynwb and pynapple, which are not installed ({err}). "
            f"Fix: {INSTALL_HINT}."
        ) from None
    return pynwb, pynapple


def _where(path, rat: str | None) -> str:
    return f"rats.{rat}: NWB file {path}" if rat else f"NWB file {path}"


def _series_in(nwbfile, pynwb) -> dict:
    """Every ``SpatialSeries`` of the file: name -> [object, ...] (a name may repeat)."""
    found: dict = {}
    for obj in nwbfile.objects.values():
        if isinstance(obj, pynwb.behavior.SpatialSeries):
            found.setdefault(obj.name, []).append(obj)
    return found


def _where_in_file(obj) -> str:
    parts, node = [], obj
    while node is not None and getattr(node, "parent", None) is not None:
        parts.append(node.name)
        node = node.parent
    return "/".join(reversed(parts))


def _position_series(nwbfile, name, where, pynwb):
    """The position series: the one named, or the file's only SpatialSeries."""
    found = _series_in(nwbfile, pynwb)
    listed = ", ".join(f"'{n}' ({_where_in_file(objs[0])})" for n, objs in found.items())
    if name is None:
        if not found:
            others = sorted(
                o.name for o in nwbfile.objects.values() if isinstance(o, pynwb.TimeSeries)
            )
            raise StudyError(
                f"{where} has no position series (no SpatialSeries; its time series: "
                f"{others or 'none'}). Fix: add the tracked position as a SpatialSeries "
                "(pynwb.behavior.SpatialSeries in a Position container), or name a time series "
                "holding it with 'position_series'."
            )
        if len(found) > 1 or len(next(iter(found.values()))) > 1:
            raise StudyError(
                f"{where} has several position series: {listed}. Fix: name the one to use "
                "with 'position_series'."
            )
        return next(iter(found.values()))[0]
    named = found.get(name) or [
        o for o in nwbfile.objects.values() if isinstance(o, pynwb.TimeSeries) and o.name == name
    ]
    if not named:
        raise StudyError(
            f"{where} has no position series '{name}'; its position series (SpatialSeries): "
            f"{listed or 'none'}. Fix: set 'position_series' to one of them."
        )
    if len(named) > 1:
        places = ", ".join(_where_in_file(o) for o in named)
        raise StudyError(
            f"{where} has several series named '{name}' ({places}); this reader takes a "
            "unique name. Fix: rename one in the file."
        )
    return named[0]


def _units(nwbfile, wanted, where) -> dict[int, np.ndarray]:
    """Spike times by unit id (the ``units`` subset when given)."""
    table = nwbfile.units
    if table is None or len(table) == 0:
        raise StudyError(
            f"{where} has no Units table (no sorted units' spike times). Fix: add the spike "
            "times of the sorted units (NWBFile.add_unit(spike_times=...)), or use a file that "
            "has them."
        )
    if "spike_times" not in table.colnames:
        raise StudyError(
            f"{where}: its Units table has no 'spike_times' column (columns: "
            f"{list(table.colnames)}). Fix: store each unit's spike times in seconds."
        )
    ids = [int(i) for i in table.id[:]]
    times = table["spike_times"][:]
    spikes = {unit: np.asarray(t, dtype=np.float64) for unit, t in zip(ids, times, strict=True)}
    if wanted is None:
        return spikes
    missing = [int(u) for u in wanted if int(u) not in spikes]
    if missing:
        raise StudyError(
            f"{where}: 'units' names {missing}, which are not in its Units table (ids "
            f"{ids[0]}..{ids[-1]}, {len(ids)} units). Fix: list ids of the Units table, or "
            "leave 'units' unset to keep them all."
        )
    return {int(u): spikes[int(u)] for u in wanted}


def _epochs(nwbfile, options, span, where, nap):
    """The analysed epochs: the tracked span, within ``time_range`` and ``intervals``."""
    epochs = nap.IntervalSet(start=span[0], end=span[1])
    described = [f"tracked span [{span[0]:.3f}, {span[1]:.3f}] s"]
    if options.get("time_range") is not None:
        start, stop = (float(t) for t in options["time_range"])
        if not start < stop:
            raise StudyError(
                f"{where}: time_range {options['time_range']} is empty. Fix: give "
                "[start, stop] in seconds with start < stop."
            )
        epochs = epochs.intersect(nap.IntervalSet(start=start, end=stop))
        described.append(f"time_range [{start:g}, {stop:g}] s")
    name = options.get("intervals")
    if name is not None:
        tables = dict(nwbfile.intervals or {})
        if nwbfile.epochs is not None:
            tables.setdefault("epochs", nwbfile.epochs)
        if nwbfile.trials is not None:
            tables.setdefault("trials", nwbfile.trials)
        if name not in tables:
            raise StudyError(
                f"{where} has no intervals table '{name}'; its intervals tables: "
                f"{sorted(tables) or 'none'}. Fix: set 'intervals' to one of them, or use "
                "'time_range'."
            )
        table = tables[name]
        starts, stops = table["start_time"][:], table["stop_time"][:]
        epochs = epochs.intersect(nap.IntervalSet(start=starts, end=stops))
        described.append(f"intervals '{name}' ({len(starts)} intervals)")
    if len(epochs) == 0:
        raise StudyError(
            f"{where}: no tracked time is left within {', '.join(described[1:])} (the "
            f"tracking spans [{span[0]:.3f}, {span[1]:.3f}] s). Fix: choose a time_range or "
            "intervals table that overlaps the tracking."
        )
    return epochs, "; ".join(described)


def _check_clock(times: np.ndarray, name: str, where: str) -> None:
    """Stop at a clock reset: a timestamp more than :data:`CLOCK_RESET_SECONDS` before the
    one preceding it (in the file's order).

    Raises:
        StudyError: naming the sample, both times and the fix.
    """
    back = np.flatnonzero(np.diff(times) < -CLOCK_RESET_SECONDS)
    if back.size == 0:
        return
    i = int(back[0])
    before, after = times[i], times[i + 1]
    raise StudyError(
        f"{where}: the timestamps of position series '{name}' jump back by "
        f"{before - after:.3f} s at sample {i + 1} (from {before:.3f} s to {after:.3f} s): a "
        "clock reset, or two sessions in one series; binning across it would mix two stretches "
        f"of time. Fix: restrict to one clock with time_range (e.g. [{times[0]:.3f}, "
        f"{before:.3f}]) or an intervals table, or correct the file's timestamps."
    )


def _cleaning_warnings(dropped: dict, n_samples: int, options: dict) -> list[str]:
    """A warning per cleaning step that removed more than :data:`WARN_SHARE` of the
    ``n_samples`` tracking samples in the epochs analysed (``dropped``: its samples' times,
    already restricted to those epochs)."""
    what = {
        "samples_nan_dropped": "have a NaN coordinate (tracking gaps)",
        "samples_lost_at_origin": "are at exactly (0, 0), where trackers write a lost animal",
        "samples_stuck": (f"stay at exactly one value for longer than max_stuck_seconds "
                          f"{options['max_stuck_seconds']:g} s (a parked or frozen tracker)"),
        "samples_repeated_dropped": "repeat the previous timestamp (within half a frame)",
        "samples_out_of_order": "come before the sample preceding them (re-sorted, kept)",
    }  # fmt: skip
    lines = []
    for key, count in dropped.items():
        if n_samples and count / n_samples > WARN_SHARE:
            verb = "" if key == "samples_out_of_order" else ": cut out like NaN gaps"
            lines.append(f"{count} of {n_samples} tracking samples ({count / n_samples:.1%}) "
                         f"{what[key]}{verb}.")  # fmt: skip
    return lines


def _extent(xy: np.ndarray, endpoints) -> float:
    """The tracked extent: between the endpoints, or the 1st-99th percentile box's diagonal."""
    if endpoints is not None:
        return float(np.linalg.norm(np.subtract(endpoints[1], endpoints[0])))
    low, high = np.percentile(xy, [1, 99], axis=0)
    return float(np.linalg.norm(high - low))


def _pieces(t, xy, epochs, max_speed, max_gap, bin_seconds, nap):
    """Continuous tracked pieces within ``epochs``, trimmed to whole bins; and the jumps.

    A step faster than ``max_speed`` or a gap longer than ``max_gap`` ends a piece.
    """
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    dt = np.diff(t)
    jump = step > max_speed * dt
    cut = jump | (dt > max_gap)
    first = np.r_[0, np.flatnonzero(cut) + 1]
    last = np.r_[np.flatnonzero(cut), len(t) - 1]
    lasting = t[last] > t[first]  # a piece of one sample (a glitch between jumps) has no time
    pieces = nap.IntervalSet(start=t[first][lasting], end=t[last][lasting]).intersect(epochs)
    # starts on the nanosecond grid pynapple rounds its bin edges to (jitcount), so that every
    # edge is np.round(start + j * bin_seconds, 9) and a bin's start is recovered exactly
    starts = np.ceil(np.round(pieces.start * 1e9, 3)) / 1e9
    n_bins = np.floor((pieces.end - starts) / bin_seconds + 1e-9).astype(int)
    keep = n_bins >= MIN_PIECE_BINS
    starts = starts[keep]
    ends = np.round(starts + n_bins[keep] * bin_seconds, 9)
    return nap.IntervalSet(start=starts, end=ends), int(jump.sum())


def _within(t: np.ndarray, epochs) -> np.ndarray:
    """Which times fall in one of ``epochs`` (a pynapple IntervalSet, sorted, disjoint)."""
    i = np.searchsorted(epochs.start, t, side="right") - 1
    inside = i >= 0
    inside[inside] = t[inside] <= epochs.end[i[inside]]
    return inside


def _stuck(t: np.ndarray, xy: np.ndarray, max_seconds: float) -> np.ndarray:
    """Samples in a run of exactly equal positions lasting longer than ``max_seconds``.

    Example:
        >>> t = np.arange(10.0)
        >>> xy = np.array([[1, 1]] * 7 + [[2, 1], [3, 1], [3, 1]], dtype=float)
        >>> _stuck(t, xy, 5.0).astype(int).tolist()
        [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    """
    if len(t) == 0:
        return np.zeros(0, dtype=bool)
    new = np.r_[True, (np.diff(xy, axis=0) != 0).any(axis=1)]
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(t) - 1]
    long_run = (t[last] - t[first]) > max_seconds
    return long_run[np.cumsum(new) - 1]


def _smoothed(tsd, sigma: float, nap):
    """Gaussian smoothing within each piece, normalised at the pieces' ends."""
    with warnings.catch_warnings():  # short pieces: the normalisation handles the padding
        warnings.simplefilter("ignore", UserWarning)
        smooth = tsd.smooth(std=sigma, windowsize=8 * sigma)
        ones = nap.Tsd(t=tsd.t, d=np.ones(len(tsd)), time_support=tsd.time_support)
        weight = ones.smooth(std=sigma, windowsize=8 * sigma).values
    values = smooth.values / (weight[:, None] if smooth.values.ndim == 2 else weight)
    return nap.TsdFrame(t=tsd.t, d=values.reshape(len(tsd), -1), time_support=tsd.time_support)


def _axis(xy: np.ndarray, endpoints):
    """A unit axis, its origin, and the share of the variance of ``xy`` along it."""
    centred = xy - xy.mean(axis=0)
    total = float((centred**2).sum())
    if endpoints is not None:
        origin = np.asarray(endpoints[0], dtype=float)
        axis = np.subtract(endpoints[1], endpoints[0]) / np.linalg.norm(
            np.subtract(endpoints[1], endpoints[0])
        )
    else:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        axis = vt[0]
        if axis[np.argmax(np.abs(axis) > 1e-12)] < 0:  # towards larger first coordinate
            axis = -axis
        origin = None
    share = float(((centred @ axis) ** 2).sum() / total) if total > 0 else 1.0
    return axis, origin, share


def load_nwb_recording(path: str | os.PathLike, rat: str | None = None, **options) -> NwbRecording:
    """Read an NWB session and make the study's recording of its running bins.

    Args:
        path: the NWB file.
        rat: the rat's name in the config (for messages).
        **options: the rat's config keys (see the module's steps); unset ones take the
            config schema's defaults (:func:`nwb_defaults`).

    Returns:
        An :class:`NwbRecording`.

    Raises:
        StudyError: an unreadable file, no Units table, no (or an ambiguous) position
            series, a series that is not 1-D or 2-D, too few running bins, a 2-D path that
            is not a line, or options that do not fit the file; each naming the file, the
            object and the fix.

    Example: see :func:`write_nwb`.
    """
    pynwb, nap = _imports()
    options = {**nwb_defaults(), **{k: v for k, v in options.items() if v is not None}}
    unknown = sorted(set(options) - set(NWB_KEYS) - {"source"})
    if unknown:
        raise StudyError(f"load_nwb_recording: unknown options {unknown} (known: {NWB_KEYS}).")
    path = Path(path)
    where = _where(path, rat)
    if not path.exists():
        raise StudyError(
            f"{where} does not exist (working directory {Path.cwd()}). Fix: correct the rat's "
            "'path'."
        )
    bin_seconds = float(options["bin_seconds"])
    io = None
    try:
        io = pynwb.NWBHDF5IO(str(path), mode="r", load_namespaces=True)
        nwbfile = io.read()
    except Exception as err:  # h5py, hdmf and pynwb raise many kinds on a bad file
        if io is not None:
            io.close()
        raise StudyError(
            f"{where} could not be read as NWB ({type(err).__name__}: {err}). Fix: check that "
            "it is an NWB 2 (HDF5) file, e.g. with python -m pynwb.validate FILE, and not "
            "truncated."
        ) from None
    try:
        spikes_by_unit = _units(nwbfile, options.get("units"), where)
        series = _position_series(nwbfile, options.get("position_series"), where, pynwb)
        name = series.name
        data = np.asarray(series.get_data_in_units(), dtype=np.float64)
        times = np.asarray(series.get_timestamps(), dtype=np.float64)
        unit = str(series.unit)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] not in (1, 2) or len(times) != len(data):
            raise StudyError(
                f"{where}: position series '{name}' has shape {series.data.shape}, not 1-D "
                "(T,) or (T, 1) or 2-D (T, 2) positions with one timestamp each. Fix: name "
                "a 1-D or 2-D series with 'position_series' (for 3-D tracking, store its "
                "horizontal plane as a 2-D SpatialSeries)."
            )
        valid = np.isfinite(data).all(axis=1) & np.isfinite(times)
        _check_clock(times[valid], name, where)
        at_origin = valid & (data == 0).all(axis=1) if data.shape[1] == 2 else np.zeros_like(valid)
        t, xy = times[valid & ~at_origin], data[valid & ~at_origin]
        out_of_order = int((np.diff(t) < 0).sum())
        order = np.argsort(t, kind="stable")
        t, xy = t[order], xy[order]
        # a repeated timestamp (or one within half a frame of the last): keep the first sample
        fresh = np.r_[True, np.diff(t) > 0.5 * np.median(np.diff(t))] if len(t) > 1 else [True]
        repeated = ~np.asarray(fresh)
        stuck = _stuck(t[fresh], xy[fresh], float(options["max_stuck_seconds"]))
        dropped = {  # removed sample times, per cleaning step
            "samples_nan_dropped": times[~valid],
            "samples_lost_at_origin": times[at_origin],
            "samples_repeated_dropped": t[repeated],
            "samples_stuck": t[fresh][stuck],
        }
        t, xy = t[fresh][~stuck], xy[fresh][~stuck]
        if len(t) < 2:
            raise StudyError(
                f"{where}: position series '{name}' has {len(t)} tracked samples (NaN, at "
                "(0, 0) or stuck at one value elsewhere). Fix: name the series that holds the "
                "tracking."
            )
        span = (float(times[valid].min()), float(times[valid].max()))
        epochs, epoch_text = _epochs(nwbfile, options, span, where, nap)
    finally:
        io.close()

    endpoints = options.get("track_endpoints")
    if endpoints is not None and xy.shape[1] != 2:
        raise StudyError(
            f"{where}: track_endpoints is for a 2-D position series; '{name}' is 1-D (already "
            "linear). Fix: remove track_endpoints."
        )
    extent = (
        float(np.subtract(*np.percentile(xy[:, 0], [99, 1])))
        if xy.shape[1] == 1
        else _extent(xy, endpoints)
    )
    max_speed = options.get("max_speed") or options["relative_max_speed"] * extent
    threshold = options.get("speed_threshold")
    threshold_from = "set in the config"
    if threshold is None:
        threshold = options["relative_speed_threshold"] * extent
        threshold_from = (
            f"relative_speed_threshold {options['relative_speed_threshold']:g} x tracked "
            f"extent {extent:.4g} {unit}"
        )
    pieces, jumps = _pieces(
        t, xy, epochs, max_speed, float(options["max_gap_seconds"]), bin_seconds, nap
    )
    n_tracked = int(np.round((pieces.end - pieces.start) / bin_seconds).sum())
    if n_tracked == 0:
        raise StudyError(
            f"{where}: no continuous tracking of {MIN_PIECE_BINS} bins or more in {epoch_text} "
            f"(max_speed {max_speed:.4g} {unit}/s, max_gap_seconds "
            f"{options['max_gap_seconds']:g}). Fix: check the series '{name}', or raise "
            "max_speed / max_gap_seconds."
        )

    # bins: spike counts and positions on the same bins (pynapple)
    ids = np.array(sorted(spikes_by_unit), dtype=np.int64)
    span = nap.IntervalSet(start=pieces.start[0], end=pieces.end[-1])
    group = nap.TsGroup(
        {int(u): nap.Ts(t=spikes_by_unit[int(u)], time_support=span) for u in ids},
        time_support=span,
    )
    counts = group.count(bin_seconds, ep=pieces)
    centres = counts.t
    position = nap.TsdFrame(t=t, d=xy).interpolate(counts, ep=pieces)
    if len(position) != len(centres):
        raise RuntimeError("pynapple's bins of counts and positions differ")  # a library bug

    smooth = _smoothed(
        nap.TsdFrame(t=centres, d=position.values, time_support=pieces),
        float(options["smooth_seconds"]),
        nap,
    )
    velocity = smooth.derivative().values
    speed = np.linalg.norm(velocity, axis=1)
    running = speed >= threshold
    n_running = int(running.sum())
    if n_running < MIN_PIECE_BINS:
        raise StudyError(
            f"{where}: only {n_running} running bins (smoothed speed >= {threshold:.4g} "
            f"{unit}/s, {threshold_from}) of {n_tracked} tracked bins in {epoch_text}. Fix: "
            "lower speed_threshold, or choose a time_range / intervals where the animal runs."
        )

    xy_bins = position.values
    if xy.shape[1] == 1:
        axis, origin, share = np.ones(1), np.zeros(1), 1.0
    else:
        axis, origin, share = _axis(xy_bins[running], endpoints)
        if share < options["min_line_variance"]:
            how = "the line through track_endpoints" if endpoints else "its first principal axis"
            raise StudyError(
                f"{where}: the running path of '{name}' is not a line: {how} carries only "
                f"{share:.0%} of the variance of its 2-D positions (min_line_variance "
                f"{options['min_line_variance']:g}). A maze or an open field is not projected "
                "onto a line. Fix: linearise it yourself and store a 1-D position series, or "
                "restrict to a linear part with time_range / intervals, or, if it is a line, "
                "lower min_line_variance."
            )
    warned = _cleaning_warnings(
        {**{key: int(_within(np.sort(v), epochs).sum()) for key, v in dropped.items()},
         "samples_out_of_order": out_of_order},
        int(_within(np.sort(times[np.isfinite(times)]), epochs).sum()), options,
    )  # fmt: skip
    line_default = nwb_defaults()["min_line_variance"]
    if share < line_default and xy.shape[1] == 2:
        warned.append(
            f"the running path of '{name}' is barely a line: its linear axis carries only "
            f"{share:.1%} of the variance of its 2-D positions, accepted because "
            f"min_line_variance is lowered to {options['min_line_variance']:g} (default "
            f"{line_default:g}). A maze or an open field projected onto one axis mixes places; "
            "check the path before reading place fields."
        )
    linear = xy_bins @ axis
    if origin is None:
        linear = linear - linear[running].min()
    else:
        linear = linear - origin @ axis
    right = (velocity @ axis >= 0).astype(np.float64)

    counts_kept = counts.values[running].astype(np.float64)
    silent = counts_kept.sum(axis=0) == 0
    labels = np.column_stack([linear[running], right[running], 1.0 - right[running]])
    choices = {
        "position_series": _where_in_file(series) or name,
        "position_unit": unit,
        "position_dims": int(xy.shape[1]),
        "epochs": epoch_text,
        "bin_seconds": bin_seconds,
        "bins_tracked": n_tracked,
        "bins_running": n_running,
        "running_share": round(n_running / n_tracked, 4),
        "speed_threshold": round(float(threshold), 6),
        "speed_threshold_from": threshold_from,
        "max_speed": round(float(max_speed), 6),
        "tracked_extent": round(extent, 6),
        "smooth_seconds": float(options["smooth_seconds"]),
        "samples_nan_dropped": int((~valid).sum()),
        "samples_lost_at_origin": int(at_origin.sum()),
        "samples_stuck": len(dropped["samples_stuck"]),
        "max_stuck_seconds": float(options["max_stuck_seconds"]),
        "samples_repeated_dropped": len(dropped["samples_repeated_dropped"]),
        "samples_out_of_order": out_of_order,
        "jumps": jumps,
        "pieces": len(pieces),
        "linearisation": (
            "1-D series"
            if xy.shape[1] == 1
            else "track_endpoints"
            if endpoints is not None
            else "first principal axis of the running bins"
        ),
        "line_variance": round(share, 4),
        "axis": [round(float(a), 6) for a in axis],
        "position_range": [round(float(v), 4) for v in (labels[:, 0].min(), labels[:, 0].max())],
        "fraction_right": round(float(labels[:, 1].mean()), 4),
        "units_in_file": len(ids),
        "units_kept": int((~silent).sum()),
        "units_dropped_silent": [int(u) for u in ids[silent]],
        "warnings": warned,
    }
    return NwbRecording(
        spikes=counts_kept[:, ~silent],
        labels=labels,
        # the bins' left edges, exactly: on pynapple's nanosecond grid (see _pieces)
        bin_starts=np.round(np.asarray(centres[running]) - bin_seconds / 2, 9),
        unit_ids=ids[~silent],
        choices=choices,
    )


def write_nwb(
    path,
    spike_times,
    position,
    timestamps,
    unit: str = "pixels",
    series_name: str = "led",
    intervals: dict | None = None,
):
    """Write a session as NWB: units' spike times and one tracked position series.

    The layout :func:`load_nwb_recording` reads (and most labs write): a Units table, and a
    ``SpatialSeries`` in a ``Position`` container of the processing module ``behavior``.

    Args:
        path: the file to write.
        spike_times: one array of spike times (s) per unit.
        position: ``(T,)``, ``(T, 1)`` or ``(T, 2)`` positions in ``unit``.
        timestamps: ``(T,)`` sample times (s).
        unit: the positions' unit (``SpatialSeries.unit``).
        series_name: the SpatialSeries' name.
        intervals: ``{name: [(start, stop), ...]}`` intervals tables to add.

    Returns:
        ``path``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> t = np.arange(0, 20, 1 / 60)
        >>> x = 200 + 150 * np.sin(2 * np.pi * t / 8)  # back and forth along x, in pixels
        >>> xy = np.column_stack([x, 0.5 * x])
        >>> spikes = [np.sort(np.random.default_rng(u).uniform(0, 20, 200)) for u in range(3)]
        >>> path = write_nwb(Path(tempfile.mkdtemp()) / "toy.nwb", spikes, xy, t)
        >>> rec = load_nwb_recording(path)
        >>> rec.spikes.shape[1], rec.labels.shape[1], rec.choices["position_unit"]
        (3, 3, 'pixels')
    """
    from datetime import datetime, timezone

    pynwb, _ = _imports()
    from pynwb.behavior import Position, SpatialSeries

    nwb = pynwb.NWBFile(
        session_description="written by cebra_sae.data.nwb.write_nwb",
        identifier=str(Path(path).name),
        session_start_time=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    for times in spike_times:
        nwb.add_unit(spike_times=np.asarray(times, dtype=np.float64))
    series = SpatialSeries(
        name=series_name,
        data=np.asarray(position, dtype=np.float64),
        timestamps=np.asarray(timestamps, dtype=np.float64),
        reference_frame="as written",
        unit=unit,
    )
    nwb.create_processing_module("behavior", "tracking").add(Position(spatial_series=series))
    for name, rows in (intervals or {}).items():
        table = pynwb.epoch.TimeIntervals(name=name, description=name)
        for start, stop in rows:
            table.add_interval(start_time=float(start), stop_time=float(stop))
        nwb.add_time_intervals(table)
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path

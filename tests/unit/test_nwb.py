"""The ``nwb`` source: small NWB sessions written from the simulator, read back exactly."""

import sys

import numpy as np
import pytest

from cebra_sae.data.nwb import load_nwb_recording, nwb_defaults, write_nwb
from cebra_sae.data.recording import BIN_SECONDS
from cebra_sae.data.simulate import simulate_place_cells
from cebra_sae.errors import StudyError

pytest.importorskip("pynwb", reason="source: nwb needs pynwb: pip install 'cebra-sae[nwb]'")
pytest.importorskip("pynapple", reason="source: nwb needs pynapple: pip install 'cebra-sae[nwb]'")

T0 = 100.0  # the session's first bin starts here (s)
RATE_HZ = 60.0  # camera frame rate
CORNER = np.array([100.0, 400.0])  # the track's start in the image (pixels)
ALONG = np.array([300.0, -200.0])  # start -> end of the track (pixels): a diagonal
TRACK_M = 1.6  # the simulator's track length


def _session(seed=0, n_laps=6, n_neurons=8):
    """A simulated session as a lab stores it: spike times, 60 Hz tracking in pixels.

    The simulator's spike counts per 25 ms bin become spike times (each spike uniform in its
    bin); its positions (m, at the bins' centres) become a diagonal track in pixels, sampled
    at 60 Hz with 0.3 px of camera noise.
    """
    rec = simulate_place_cells(n_neurons=n_neurons, n_laps=n_laps, seed=seed)
    rng = np.random.default_rng(seed + 100)
    starts = T0 + np.arange(len(rec.spikes)) * BIN_SECONDS
    spike_times = []
    for counts in rec.spikes.T.astype(int):
        times = np.repeat(starts, counts) + rng.uniform(0, BIN_SECONDS, counts.sum())
        spike_times.append(np.sort(times))
    centres = starts + BIN_SECONDS / 2
    frames = np.arange(T0, starts[-1], 1 / RATE_HZ)  # the reader's bins: the simulator's
    s = np.interp(frames, centres, rec.labels[:, 0]) / TRACK_M  # 0..1 along the track
    xy = CORNER + s[:, None] * ALONG + rng.normal(0, 0.3, (len(frames), 2))
    truth = {"centres": centres, "position_m": rec.labels[:, 0], "right": rec.labels[:, 1]}
    return spike_times, xy, frames, truth


def _write(tmp_path, name="s.nwb", **kwargs):
    spike_times, xy, frames, truth = _session()
    path = write_nwb(tmp_path / name, spike_times, xy, frames, **kwargs)
    return path, spike_times, xy, frames, truth


def _truth_at(truth, bin_starts):
    """The simulator's position (m) and right label at the reader's bins (the tracking starts
    at T0, so the reader's bins are the simulator's)."""
    index = np.round((bin_starts - T0) / BIN_SECONDS).astype(int)
    return truth["position_m"][index], truth["right"][index]


def test_counts_are_the_spike_times_counted_on_the_same_bins(tmp_path):
    path, spike_times, *_ = _write(tmp_path)
    rec = load_nwb_recording(path)
    assert rec.spikes.shape == (len(rec.bin_starts), len(spike_times))
    edges = np.column_stack([rec.bin_starts, rec.bin_starts + BIN_SECONDS])
    for column, unit in enumerate(rec.unit_ids):
        times = spike_times[unit]
        by_hand = np.searchsorted(times, edges[:, 1]) - np.searchsorted(times, edges[:, 0])
        np.testing.assert_array_equal(rec.spikes[:, column], by_hand)
    assert rec.spikes.sum() > 200
    # bins are whole 25 ms bins on one grid per tracked piece, and never overlap
    assert np.all(np.diff(rec.bin_starts) >= BIN_SECONDS - 1e-9)


def test_position_and_direction_are_recovered(tmp_path):
    path, *_, truth = _write(tmp_path)
    rec = load_nwb_recording(path)
    position_m, right = _truth_at(truth, rec.bin_starts)
    r = np.corrcoef(rec.labels[:, 0], position_m)[0, 1]
    assert abs(r) > 0.99  # linear up to sign and offset: here the sign is +
    assert r > 0  # the axis points towards larger x: from the track's start to its end
    pixels_per_m = np.linalg.norm(ALONG) / TRACK_M
    slope = np.polyfit(position_m, rec.labels[:, 0], 1)[0]
    assert slope == pytest.approx(pixels_per_m, rel=0.02)  # the file's unit: pixels
    assert np.mean(rec.labels[:, 1] == right) > 0.97
    np.testing.assert_array_equal(rec.labels[:, 1] + rec.labels[:, 2], 1.0)  # one-hot
    choices = rec.choices
    assert choices["position_unit"] == "pixels" and choices["bin_seconds"] == BIN_SECONDS
    assert choices["linearisation"] == "first principal axis of the running bins"
    assert choices["line_variance"] > 0.99
    assert 0.3 < choices["running_share"] < 0.9
    assert choices["bins_running"] == len(rec.labels)
    extent = choices["tracked_extent"]
    assert choices["speed_threshold"] == pytest.approx(
        nwb_defaults()["relative_speed_threshold"] * extent
    )


def test_the_pauses_are_not_running(tmp_path):
    path, *_, truth = _write(tmp_path)
    rec = load_nwb_recording(path)
    kept = np.zeros(len(truth["centres"]), bool)
    kept[np.round((rec.bin_starts - T0) / BIN_SECONDS).astype(int)] = True
    speed = np.abs(np.gradient(truth["position_m"], BIN_SECONDS))
    assert np.mean(kept[speed < 0.02]) < 0.1  # the simulator's pauses (noise only)
    assert np.mean(kept[speed > 0.3]) > 0.95  # mid-run


def test_track_endpoints_put_zero_at_the_first(tmp_path):
    path, *_, truth = _write(tmp_path)
    endpoints = [CORNER.tolist(), (CORNER + ALONG).tolist()]
    rec = load_nwb_recording(path, track_endpoints=endpoints)
    position_m, _ = _truth_at(truth, rec.bin_starts)
    expected = position_m * np.linalg.norm(ALONG) / TRACK_M
    assert np.abs(rec.labels[:, 0] - expected).max() < 10  # pixels
    assert rec.choices["linearisation"] == "track_endpoints"
    assert rec.choices["tracked_extent"] == pytest.approx(np.linalg.norm(ALONG))


def test_a_1d_series_is_the_linear_position(tmp_path):
    spike_times, xy, frames, truth = _session()
    s = (xy - CORNER) @ ALONG / np.linalg.norm(ALONG)
    path = write_nwb(tmp_path / "linear.nwb", spike_times, s, frames, unit="cm")
    rec = load_nwb_recording(path)
    position_m, right = _truth_at(truth, rec.bin_starts)
    assert np.corrcoef(rec.labels[:, 0], position_m)[0, 1] > 0.99
    assert np.mean(rec.labels[:, 1] == right) > 0.97
    assert rec.choices["position_unit"] == "cm" and rec.choices["linearisation"] == "1-D series"


def test_gaps_and_jumps_are_cut_out(tmp_path):
    spike_times, xy, frames, _ = _session()
    xy = xy.copy()
    gap = (frames > 120) & (frames < 123)
    xy[gap] = np.nan
    xy[500] = [600.0, 50.0]  # a one-frame tracking glitch far off the track
    path = write_nwb(tmp_path / "gaps.nwb", spike_times, xy, frames)
    rec = load_nwb_recording(path)
    assert rec.choices["samples_nan_dropped"] == gap.sum()
    assert rec.choices["jumps"] == 2  # out to the glitch and back
    ends = rec.bin_starts + BIN_SECONDS
    assert not np.any((ends > frames[gap][0]) & (rec.bin_starts < frames[gap][-1]))
    assert rec.labels[:, 0].max() < np.linalg.norm(ALONG) + 10  # no glitch in the positions
    glitch = (rec.bin_starts < frames[501]) & (ends > frames[499])
    assert not glitch.any()  # the tracking is cut on both sides of the glitch


def test_units_time_range_and_intervals_restrict(tmp_path):
    path, spike_times, _, frames, _ = _write(tmp_path, intervals={"laps": [(110.0, 130.0)]})
    rec = load_nwb_recording(path, units=[5, 2], time_range=[105.0, 200.0])
    assert list(rec.unit_ids) == [2, 5]
    assert rec.bin_starts.min() >= 105.0 and rec.bin_starts.max() + BIN_SECONDS <= 200.0
    rec = load_nwb_recording(path, intervals="laps")
    assert rec.bin_starts.min() >= 110.0 and rec.bin_starts.max() + BIN_SECONDS <= 130.0
    assert "intervals 'laps' (1 intervals)" in rec.choices["epochs"]


def test_a_silent_unit_is_dropped_and_said(tmp_path):
    spike_times, xy, frames, _ = _session()
    silent = [np.array([frames[-1] + 10.0])]  # fires only after the tracking ends
    path = write_nwb(tmp_path / "silent.nwb", spike_times + silent, xy, frames)
    rec = load_nwb_recording(path)
    assert rec.choices["units_dropped_silent"] == [len(spike_times)]
    assert rec.choices["units_in_file"] == len(spike_times) + 1
    assert len(rec.unit_ids) == rec.choices["units_kept"] == len(spike_times)


# ---- errors: each names the file, the object and the fix ------------------


def test_an_unreadable_file_says_so(tmp_path):
    path = tmp_path / "broken.nwb"
    path.write_text("not an HDF5 file")
    with pytest.raises(StudyError, match=r"NWB file .*broken.nwb could not be read as NWB"):
        load_nwb_recording(path)
    with pytest.raises(StudyError, match=r"rats.lt: NWB file .*nope.nwb does not exist"):
        load_nwb_recording(tmp_path / "nope.nwb", "lt")


def test_no_units_table(tmp_path):
    spike_times, xy, frames, _ = _session()
    path = write_nwb(tmp_path / "nounits.nwb", [], xy, frames)
    with pytest.raises(StudyError, match=r"nounits.nwb has no Units table .* Fix: add the spike"):
        load_nwb_recording(path)


def test_no_position_series_lists_what_exists(tmp_path):
    path, *_ = _write(tmp_path, series_name="led")
    with pytest.raises(StudyError) as err:
        load_nwb_recording(path, position_series="head")
    assert "has no position series 'head'; its position series (SpatialSeries): 'led' " in str(
        err.value
    )
    assert "(behavior/Position/led). Fix: set 'position_series' to one of them." in str(err.value)
    import pynwb

    nwb = pynwb.NWBFile("no tracking", "x", __import__("datetime").datetime.now().astimezone())
    nwb.add_unit(spike_times=[1.0, 2.0])
    with pynwb.NWBHDF5IO(str(tmp_path / "notrack.nwb"), "w") as io:
        io.write(nwb)
    with pytest.raises(StudyError, match=r"notrack.nwb has no position series \(no SpatialSeries"):
        load_nwb_recording(tmp_path / "notrack.nwb")


def test_a_series_that_is_not_1d_or_2d(tmp_path):
    spike_times, xy, frames, _ = _session()
    xyz = np.column_stack([xy, np.zeros(len(xy))])
    path = write_nwb(tmp_path / "3d.nwb", spike_times, xyz, frames)
    with pytest.raises(StudyError, match=r"position series 'led' has shape \(\d+, 3\), not 1-D"):
        load_nwb_recording(path)


def test_too_few_running_bins(tmp_path):
    path, *_ = _write(tmp_path)
    with pytest.raises(StudyError, match=r"only 0 running bins \(smoothed speed >= 1e\+06 pixels"):
        load_nwb_recording(path, speed_threshold=1e6)


def test_a_path_that_is_not_a_line_is_refused(tmp_path):
    spike_times, _, frames, _ = _session()
    angle = 2 * np.pi * (frames - frames[0]) / 20.0  # laps around a circle, 20 s each
    circle = 200 + 100 * np.column_stack([np.cos(angle), np.sin(angle)])
    path = write_nwb(tmp_path / "circle.nwb", spike_times, circle, frames)
    with pytest.raises(StudyError) as err:
        load_nwb_recording(path)
    message = str(err.value)
    assert "the running path of 'led' is not a line: its first principal axis carries only" in (
        message
    )
    assert "A maze or an open field is not projected onto a line. Fix: linearise it" in message


def test_options_that_do_not_fit_the_file(tmp_path):
    path, *_ = _write(tmp_path)
    with pytest.raises(StudyError, match=r"'units' names \[99\], which are not in its Units"):
        load_nwb_recording(path, units=[99])
    with pytest.raises(StudyError, match=r"no tracked time is left within time_range \[0, 50\]"):
        load_nwb_recording(path, time_range=[0, 50])
    with pytest.raises(StudyError, match=r"has no intervals table 'laps'; its intervals tables"):
        load_nwb_recording(path, intervals="laps")


def test_missing_packages_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pynwb", None)
    needs = r"source: nwb needs pynwb and pynapple.*pip install -e '\.\[nwb\]'"
    with pytest.raises(StudyError, match=needs):
        load_nwb_recording(tmp_path / "x.nwb")


# ---- the real session -----------------------------------------------------


def test_the_real_linear_track_session(linear_track):
    rec = load_nwb_recording(linear_track, "linear-track")
    c = rec.choices
    assert c["units_in_file"] == 31 and c["position_unit"] == "pixels"
    assert c["position_series"] == "behavior/Position/led" and c["position_dims"] == 2
    # the tracker sits parked for the first 26 s and the last 997 s (lost tracking: cut, and
    # said), leaving ~16 min of laps and pauses tracked
    assert c["samples_stuck"] == 61383 and c["max_stuck_seconds"] == 5
    assert c["warnings"] == [
        "61383 of 118965 tracking samples (51.6%) stay at exactly one value for longer than "
        "max_stuck_seconds 5 s (a parked or frozen tracker): cut out like NaN gaps."
    ]
    assert 38000 < c["bins_tracked"] < 38700
    assert 0.3 < c["running_share"] < 0.5
    assert 14000 < len(rec.labels) < 17000 and c["bins_running"] == len(rec.labels)
    assert c["line_variance"] > 0.9  # a linear track, diagonal in the image
    assert 0.35 < c["fraction_right"] < 0.65  # laps both ways
    assert 380 < c["position_range"][1] - c["position_range"][0] < 480  # pixels
    assert rec.spikes.shape[1] == c["units_kept"] >= 25


# ---- nothing silently wrong (issue 27): tracking decided, counted and said -----------------


def _rebinned(spike_times: dict, unit_ids, bin_starts, bin_seconds=BIN_SECONDS):
    """Spike counts rebinned by hand from the saved bin starts: bin i counts the spikes at
    bin_starts[i] <= t < round(bin_starts[i] + bin_seconds, 9) (the documented edges)."""
    left, right = bin_starts, np.round(bin_starts + bin_seconds, 9)
    return np.column_stack([
        np.searchsorted(spike_times[u], right) - np.searchsorted(spike_times[u], left)
        for u in unit_ids
    ])  # fmt: skip


def test_the_saved_bin_starts_rebin_the_real_session_exactly(linear_track):
    import pynwb

    rec = load_nwb_recording(linear_track, "linear-track")
    with pynwb.NWBHDF5IO(str(linear_track), "r") as io:
        units = io.read().units
        spikes = {
            int(u): np.asarray(t) for u, t in zip(units.id[:], units["spike_times"][:], strict=True)
        }
    counts = _rebinned(spikes, rec.unit_ids, rec.bin_starts)
    assert counts.sum() > 8000
    np.testing.assert_array_equal(counts, rec.spikes)  # every bin, every unit, exactly
    # the bins are on the nanosecond grid, whole bins apart within a piece
    np.testing.assert_array_equal(rec.bin_starts, np.round(rec.bin_starts, 9))


def test_tracking_lost_at_the_origin_is_cut_and_changes_nothing_else(tmp_path):
    spike_times, xy, frames, _ = _session()
    clean = load_nwb_recording(write_nwb(tmp_path / "clean.nwb", spike_times, xy, frames))
    lost = xy.copy()
    gone = (frames > 120) & (frames < 130)  # 10 s written as (0, 0)
    lost[gone] = 0.0
    rec = load_nwb_recording(write_nwb(tmp_path / "lost.nwb", spike_times, lost, frames))
    c = rec.choices
    assert c["samples_lost_at_origin"] == gone.sum() == 600
    # not a place: the tracked extent, hence the speed threshold, are those of the clean file
    assert c["tracked_extent"] == pytest.approx(clean.choices["tracked_extent"], rel=1e-3)
    assert c["speed_threshold"] == pytest.approx(clean.choices["speed_threshold"], rel=1e-3)
    assert not np.any((rec.bin_starts + BIN_SECONDS > 120) & (rec.bin_starts < 130))
    # before the cut the running bins are the clean file's (speed is smoothed within a piece,
    # so the last bins before the cut may differ); after it, as many within a few bins
    assert set(rec.bin_starts[rec.bin_starts < 119]) == set(
        clean.bin_starts[clean.bin_starts < 119]
    )
    late = [np.sum(r.bin_starts > 131) for r in (rec, clean)]
    assert abs(late[0] - late[1]) <= 10 and late[0] > 300
    share = 600 / len(frames)
    assert c["warnings"] == [
        f"600 of {len(frames)} tracking samples ({share:.1%}) are at exactly (0, 0), where "
        "trackers write a lost animal: cut out like NaN gaps."
    ]


def test_a_parked_tracker_is_cut_and_a_resting_animal_is_not(tmp_path):
    spike_times, xy, frames, _ = _session()
    parked = xy.copy()
    still = (frames > 120) & (frames < 128)  # 8 s at exactly one value: > 5 s
    parked[still] = parked[still][0]
    rest = (frames > 140) & (frames < 143)  # 3 s at one value: a rat resting, kept
    parked[rest] = parked[rest][0]
    rec = load_nwb_recording(write_nwb(tmp_path / "parked.nwb", spike_times, parked, frames))
    assert rec.choices["samples_stuck"] == still.sum()
    assert (
        "stay at exactly one value for longer than max_stuck_seconds 5 s"
        in (rec.choices["warnings"][0])
    )
    longer = load_nwb_recording(tmp_path / "parked.nwb", max_stuck_seconds=10)
    assert longer.choices["samples_stuck"] == 0 and longer.choices["warnings"] == []


def test_a_clock_reset_stops_naming_the_time_and_the_fix(tmp_path):
    spike_times, xy, frames, _ = _session()
    half = len(frames) // 2
    reset = frames.copy()
    reset[half:] = frames[half:] - (frames[half] - frames[0]) + 0.5  # restarts near the start
    path = write_nwb(tmp_path / "reset.nwb", spike_times, xy, reset)
    with pytest.raises(StudyError) as err:
        load_nwb_recording(path, "r")
    before, after = reset[half - 1], reset[half]
    assert str(err.value) == (
        f"rats.r: NWB file {path}: the timestamps of position series 'led' jump back by "
        f"{before - after:.3f} s at sample {half} (from {before:.3f} s to {after:.3f} s): a "
        "clock reset, or two sessions in one series; binning across it would mix two "
        f"stretches of time. Fix: restrict to one clock with time_range (e.g. "
        f"[{frames[0]:.3f}, {before:.3f}]) or an intervals table, or correct the file's "
        "timestamps."
    )


def test_swapped_and_repeated_timestamps_are_counted(tmp_path):
    spike_times, xy, frames, _ = _session()
    clean = load_nwb_recording(write_nwb(tmp_path / "clean.nwb", spike_times, xy, frames))
    swapped = frames.copy()
    for i in (1000, 2000, 3000):  # three pairs of neighbouring samples written in swapped order
        swapped[[i, i + 1]] = swapped[[i + 1, i]]
    positions = xy.copy()
    for i in (1000, 2000, 3000):
        positions[[i, i + 1]] = positions[[i + 1, i]]
    rec = load_nwb_recording(write_nwb(tmp_path / "swap.nwb", spike_times, positions, swapped))
    assert rec.choices["samples_out_of_order"] == 3
    np.testing.assert_array_equal(rec.spikes, clean.spikes)  # re-sorted: the same session
    twice = np.sort(np.r_[frames, frames[::20]])  # every 20th sample written twice: 5 %
    doubled = np.repeat(xy, [2 if i % 20 == 0 else 1 for i in range(len(xy))], axis=0)
    rec = load_nwb_recording(write_nwb(tmp_path / "dup.nwb", spike_times, doubled, twice))
    n = len(frames[::20])
    assert rec.choices["samples_repeated_dropped"] == n
    assert rec.choices["warnings"] == [
        f"{n} of {len(twice)} tracking samples ({n / len(twice):.1%}) repeat the previous "
        "timestamp (within half a frame): cut out like NaN gaps."
    ]


def test_a_lowered_min_line_variance_warns_with_the_share(tmp_path):
    spike_times, _, frames, _ = _session()
    s = np.abs(((frames - frames[0]) / 10.0) % 2 - 1)  # back and forth, 0..1
    arm = (s * 3).astype(int).clip(0, 2)  # a zig-zag (W-like) path: three arms
    x = 100 + 300 * s
    y = 200 + np.where(arm == 1, 150 * (s * 3 - 1), np.where(arm == 2, 150 - 150 * (s * 3 - 2),
                                                              0))  # fmt: skip
    path = write_nwb(tmp_path / "w.nwb", spike_times, np.column_stack([x, y]), frames)
    with pytest.raises(StudyError, match="is not a line"):
        load_nwb_recording(path)
    rec = load_nwb_recording(path, min_line_variance=0.5)
    share = rec.choices["line_variance"]
    assert 0.5 < share < 0.9
    assert rec.choices["warnings"] == [
        f"the running path of 'led' is barely a line: its linear axis carries only "
        f"{share:.1%} of the variance of its 2-D positions, accepted because min_line_variance "
        "is lowered to 0.5 (default 0.9). A maze or an open field projected onto one axis "
        "mixes places; check the path before reading place fields."
    ]

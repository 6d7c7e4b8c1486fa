"""A seeded place-cell simulator with the layout of CEBRA's rat hippocampus recordings.

A rat runs laps on a linear track (0 -> ``track_length`` -> 0 m) in 25 ms bins, pausing at
each end. Each neuron has a Gaussian place field (centre, width, peak rate), a baseline
rate and a preferred running direction (``right`` = towards larger positions, ``left``
or ``both``); outside its preferred direction its field is scaled by ``direction_gain``.
Spike counts are Poisson. Labels are ``[position, right, left]`` like CEBRA's datasets,
and the ground truth of every neuron is returned as a table, so interpretability scores
can be checked against known structure.

Example:
    >>> rec = simulate_place_cells(n_neurons=5, n_laps=2, seed=1)
    >>> rec.spikes.shape[1], rec.labels.shape[1]
    (5, 3)
    >>> sorted(rec.ground_truth.columns)[:3]
    ['baseline_rate_hz', 'direction_gain', 'field_centre_m']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.data import BIN_SECONDS

DIRECTIONS = ("right", "left", "both")


@dataclass(frozen=True)
class SimulatedRecording:
    spikes: np.ndarray  # (T, N) spike counts
    labels: np.ndarray  # (T, 3) [position, right, left]
    ground_truth: pd.DataFrame  # one row per neuron


def simulate_trajectory(
    n_laps: int,
    rng: np.random.Generator,
    track_length: float = 1.6,
    speed_m_s: float = 0.5,
    pause_s: float = 1.0,
    bin_s: float = BIN_SECONDS,
) -> np.ndarray:
    """Positions and one-hot directions for ``n_laps`` round trips, ``(T, 3)``.

    Each run lasts ``track_length / speed`` with the speed drawn per run (log-normal
    around ``speed_m_s``) and a smooth (cosine) profile: slow at the ends, fast in the
    middle. The rat then pauses ``pause_s`` at the end, keeping its last direction label.
    """
    segments = []
    for _ in range(n_laps):
        for outbound in (True, False):
            speed = speed_m_s * rng.lognormal(0.0, 0.2)
            n_run = max(2, int(round(track_length / speed / bin_s)))
            phase = np.linspace(0.0, 1.0, n_run)
            x = track_length * (1 - np.cos(np.pi * phase)) / 2
            if not outbound:
                x = track_length - x
            n_pause = int(round(pause_s * rng.uniform(0.5, 1.5) / bin_s))
            x = np.concatenate([x, np.full(n_pause, x[-1])])
            x = np.clip(x + rng.normal(0.0, 0.005, size=x.shape), 0.0, track_length)
            right = np.full(len(x), 1.0 if outbound else 0.0)
            segments.append(np.column_stack([x, right, 1.0 - right]))
    return np.concatenate(segments)


def simulate_place_cells(
    n_neurons: int = 40,
    n_laps: int = 20,
    seed: int = 0,
    track_length: float = 1.6,
    speed_m_s: float = 0.5,
    field_width_m: tuple[float, float] = (0.05, 0.15),
    peak_rate_hz: tuple[float, float] = (5.0, 25.0),
    baseline_rate_hz: float = 0.2,
    direction_gain: float = 0.1,
    bin_s: float = BIN_SECONDS,
) -> SimulatedRecording:
    """Simulate a place-cell recording; the same arguments give the same arrays.

    Args:
        n_neurons: number of simulated cells.
        n_laps: number of round trips (each about ``2 * (track_length / speed + 1 s)``).
        seed: seeds every random draw (trajectory, fields, spikes).
        track_length: track length in metres (CEBRA's track: 1.6 m).
        speed_m_s: typical running speed.
        field_width_m: range of the fields' Gaussian widths (standard deviation).
        peak_rate_hz: range of the fields' peak rates above baseline.
        baseline_rate_hz: out-of-field firing rate.
        direction_gain: field scale when running against the preferred direction.
        bin_s: bin width in seconds.

    Returns:
        A :class:`SimulatedRecording` with spikes ``(T, N)``, labels ``(T, 3)`` and a
        ground-truth table with columns ``neuron``, ``field_centre_m``,
        ``field_width_m``, ``peak_rate_hz``, ``baseline_rate_hz``,
        ``preferred_direction`` and ``direction_gain``.
    """
    rng = np.random.default_rng(seed)
    labels = simulate_trajectory(n_laps, rng, track_length, speed_m_s, bin_s=bin_s)
    centre = rng.uniform(0.0, track_length, n_neurons)
    width = rng.uniform(*field_width_m, n_neurons)
    peak = rng.uniform(*peak_rate_hz, n_neurons)
    preferred = rng.choice(len(DIRECTIONS), size=n_neurons, p=[0.4, 0.4, 0.2])

    position, right = labels[:, :1], labels[:, 1:2]
    field = np.exp(-0.5 * ((position - centre) / width) ** 2)  # (T, N)
    gain_right = np.where(preferred == 1, direction_gain, 1.0)  # left-preferring cells
    gain_left = np.where(preferred == 0, direction_gain, 1.0)  # right-preferring cells
    gain = right * gain_right + (1 - right) * gain_left
    rate = baseline_rate_hz + peak * field * gain
    spikes = rng.poisson(rate * bin_s).astype(np.float64)

    ground_truth = pd.DataFrame(
        {
            "neuron": np.arange(n_neurons, dtype=np.int64),
            "field_centre_m": centre,
            "field_width_m": width,
            "peak_rate_hz": peak,
            "baseline_rate_hz": np.full(n_neurons, baseline_rate_hz),
            "preferred_direction": pd.Categorical(
                [DIRECTIONS[i] for i in preferred], categories=DIRECTIONS
            ),
            "direction_gain": np.full(n_neurons, direction_gain),
        }
    )
    return SimulatedRecording(spikes=spikes, labels=labels, ground_truth=ground_truth)

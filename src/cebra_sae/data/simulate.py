"""A seeded place-cell simulator with the layout of CEBRA's rat hippocampus recordings.

A rat runs laps on a linear track (0 -> ``track_length`` -> 0 m) in 25 ms bins, pausing at
each end. Each neuron has a Gaussian place field (centre, width, peak rate), a baseline
rate and a preferred running direction (``right`` = towards larger positions, ``left``
or ``both``); outside its preferred direction its field is scaled by ``direction_gain``.
Spike counts are Poisson. Labels are ``[position, right, left]`` like CEBRA's datasets,
and the ground truth of every neuron is returned as a table, so interpretability scores
can be checked against known structure.

With ``n_assemblies`` the code is a known *sparse* one (docs/study.md §10): ``K`` place-field
assemblies (each a Gaussian field with a preferred direction, like a cell above) are the
true factors, and every neuron is a sparse non-negative mixture of
``assemblies_per_neuron`` of them (weights uniform in [0.5, 1], normalised to sum 1),
``rate = baseline + peak · Σ_k w_k F_k(t)``, plus Poisson noise. Without assemblies the
true factors are the neurons' own fields (one per neuron). Either way ``factors`` holds
the true factor activations ``F`` (T x K, in [0, 1]): what a latent should recover.

Example:
    >>> rec = simulate_place_cells(n_neurons=5, n_laps=2, seed=1)
    >>> rec.spikes.shape[1], rec.labels.shape[1]
    (5, 3)
    >>> sorted(rec.ground_truth.columns)[:3]
    ['assemblies', 'baseline_rate_hz', 'direction_gain']
    >>> mixed = simulate_place_cells(n_neurons=6, n_laps=2, seed=1, n_assemblies=3)
    >>> mixed.factors.shape[1], mixed.ground_truth.assemblies.str.count(":").tolist()
    (3, [2, 2, 2, 2, 2, 2])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.data.recording import BIN_SECONDS

DIRECTIONS = ("right", "left", "both")


@dataclass(frozen=True)
class SimulatedRecording:
    spikes: np.ndarray  # (T, N) spike counts
    labels: np.ndarray  # (T, 3) [position, right, left]
    ground_truth: pd.DataFrame  # one row per neuron
    factors: np.ndarray  # (T, K) true factor activations: assemblies, or each neuron's field
    mixing: np.ndarray | None = None  # (N, K) each neuron's assembly weights (with assemblies)


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
    n_assemblies: int | None = None,
    assemblies_per_neuron: int = 2,
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
        n_assemblies: the number of true factors K (place-field assemblies) driving the
            neurons; ``None``: each neuron has its own field (independent place cells).
        assemblies_per_neuron: assemblies mixed into each neuron (the mixing sparsity).

    Returns:
        A :class:`SimulatedRecording` with spikes ``(T, N)``, labels ``(T, 3)``, the true
        factors ``(T, K)`` and a ground-truth table with columns ``neuron``,
        ``field_centre_m``, ``field_width_m`` (of its strongest factor), ``peak_rate_hz``,
        ``baseline_rate_hz``, ``preferred_direction``, ``direction_gain`` and
        ``assemblies`` (``"k:weight,..."``; empty without assemblies).
    """
    rng = np.random.default_rng(seed)
    labels = simulate_trajectory(n_laps, rng, track_length, speed_m_s, bin_s=bin_s)
    n_fields = n_neurons if n_assemblies is None else int(n_assemblies)
    centre = rng.uniform(0.0, track_length, n_fields)
    width = rng.uniform(*field_width_m, n_fields)
    peak = rng.uniform(*peak_rate_hz, n_neurons)
    preferred = rng.choice(len(DIRECTIONS), size=n_fields, p=[0.4, 0.4, 0.2])

    position, right = labels[:, :1], labels[:, 1:2]
    field = np.exp(-0.5 * ((position - centre) / width) ** 2)  # (T, K)
    gain_right = np.where(preferred == 1, direction_gain, 1.0)  # left-preferring fields
    gain_left = np.where(preferred == 0, direction_gain, 1.0)  # right-preferring fields
    factors = field * (right * gain_right + (1 - right) * gain_left)  # (T, K)
    if n_assemblies is None:
        mixing = np.eye(n_neurons)
        assemblies = [""] * n_neurons
    else:
        mixing = np.zeros((n_neurons, n_fields))
        per = min(int(assemblies_per_neuron), n_fields)
        for n in range(n_neurons):
            chosen = rng.choice(n_fields, size=per, replace=False)
            mixing[n, chosen] = rng.uniform(0.5, 1.0, per)
        mixing /= mixing.sum(axis=1, keepdims=True)
        assemblies = [
            ",".join(f"{k}:{mixing[n, k]:.3f}" for k in np.flatnonzero(mixing[n]))
            for n in range(n_neurons)
        ]
    rate = baseline_rate_hz + peak * (factors @ mixing.T)
    spikes = rng.poisson(rate * bin_s).astype(np.float64)
    strongest = mixing.argmax(axis=1)
    centre, width, preferred = centre[strongest], width[strongest], preferred[strongest]

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
            "assemblies": assemblies,
        }
    )
    return SimulatedRecording(spikes, labels, ground_truth, factors,
                              None if n_assemblies is None else mixing)  # fmt: skip

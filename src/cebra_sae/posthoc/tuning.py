"""What a latent means on the track: tuning curves, spatial information, place fields.

docs/study.md §10. A latent's *tuning curve* is its mean activation per position bin
(``n_bins`` equal bins over the track, the validation split), separately for right and
left runs; a bin with fewer than ``min_samples`` samples is NaN. The *pooled* curve (both
directions together) carries the latent's spatial information (Skaggs et al. 1993)

    SI = Σ_x p(x) · (a(x)/ā) · log2(a(x)/ā),   p(x) = occupancy share of bin x,

for a non-negative activation ``a`` with occupancy-weighted mean ``ā`` (0 when ā = 0).
SAE latents are non-negative; a signed latent (a CEBRA dim, a PCA/ICA component) is made
non-negative by subtracting its minimum on the split first. A latent is *place-field-like*
when its SI is above the 95th percentile of its own time-shift null: the activation
rolled against the track by an offset uniform in ``[T/10, 9T/10]`` (``draws`` offsets,
:func:`~cebra_sae.posthoc.nulls.shift_offsets`, seeded; every latent of a representation
sees the same offsets).

Example:
    >>> rng = np.random.default_rng(0)
    >>> position = np.tile(np.r_[np.linspace(0, 1.6, 50), np.linspace(1.6, 0, 50)], 20)
    >>> right = np.tile(np.r_[np.ones(50), np.zeros(50)], 20)
    >>> cell = np.exp(-0.5 * ((position - 0.5) / 0.05) ** 2)  # a place field at 0.5 m
    >>> flat = np.ones_like(position)
    >>> t = describe_latents(np.column_stack([cell, flat]), position, right,
    ...                      edges=track_edges(position), draws=50, rng=rng)
    >>> t.peak_position_m.round(2).tolist()[0], t.place_field_like.tolist()
    (0.5, [True, False])
    >>> float(t.spatial_information.iloc[1])
    0.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cebra_sae.config import defaults
from cebra_sae.measures.correlation import abs_correlation
from cebra_sae.posthoc.nulls import shift_offsets

_POSTHOC = defaults("posthoc")
DIRECTIONS = ("right", "left")


def track_edges(position: np.ndarray, n_bins: int = _POSTHOC["position_bins"]) -> np.ndarray:
    """``n_bins + 1`` equal bin edges from the lowest to the highest position."""
    position = np.asarray(position, dtype=np.float64)
    return np.linspace(position.min(), position.max(), n_bins + 1)


def position_bins(position: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin (0 .. n_bins - 1) of every sample; the last edge belongs to the last bin."""
    return np.clip(np.searchsorted(edges, position, side="right") - 1, 0, len(edges) - 2)


def non_negative(activations: np.ndarray) -> np.ndarray:
    """Each column minus its minimum where the column has negative values (signed latents)."""
    a = np.asarray(activations, dtype=np.float64)
    low = a.min(axis=0, initial=0.0)
    return a - np.minimum(low, 0.0)


def binned_means(activations, bins, n_bins, min_samples=_POSTHOC["min_bin_samples"]):
    """Mean activation per bin, ``(n_bins, P)``, NaN where a bin has < ``min_samples``;
    and the bin counts."""
    counts = np.bincount(bins, minlength=n_bins).astype(np.float64)
    onehot = np.zeros((len(bins), n_bins), dtype=activations.dtype)  # float32 in: float32 GEMM
    onehot[np.arange(len(bins)), bins] = 1.0
    sums = onehot.T @ activations
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts[:, None]
    means[counts < min_samples] = np.nan
    return means, counts


def spatial_information(curves: np.ndarray, occupancy: np.ndarray) -> np.ndarray:
    """Skaggs spatial information (bits) of each column of ``curves`` (bins x P).

    NaN bins are left out and the occupancy renormalised over the rest; 0 where the
    mean activation is 0.

    Example:
        >>> spatial_information(np.array([[1.0, 2.0], [1.0, 0.0]]), np.array([5.0, 5.0]))
        array([0., 1.])
    """
    curves = np.asarray(curves, dtype=np.float64)
    valid = ~np.isnan(curves)
    p = np.where(valid, np.asarray(occupancy, dtype=np.float64)[:, None], 0.0)
    total = p.sum(axis=0)
    p = np.divide(p, total, out=np.zeros_like(p), where=total > 0)
    a = np.where(valid, curves, 0.0)
    mean = (p * a).sum(axis=0)
    ratio = np.divide(a, mean, out=np.zeros_like(a), where=mean > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, p * ratio * np.log2(ratio), 0.0)
    flat = np.nanmax(np.where(valid, curves, -np.inf), axis=0) <= np.nanmin(
        np.where(valid, curves, np.inf), axis=0
    )  # a flat curve carries exactly 0 bits (not ±1e-16 of rounding)
    return np.where(flat, 0.0, np.maximum(terms.sum(axis=0), 0.0))  # >= 0 (Jensen)


def shift_null_information(activations, bins, n_bins, draws, rng, min_samples):
    """Spatial information of every latent under ``draws`` time shifts, ``(draws, P)``.

    Rolling the bin sequence by ``s`` is rolling the activation by ``-s``: occupancy is
    unchanged, so only the bin sums are recomputed (one matrix product per draw).
    """
    offsets = shift_offsets(len(bins), 1, draws, rng)[:, 0]
    a = np.asarray(activations, dtype=np.float32)
    out = np.empty((draws, a.shape[1]))
    for i, offset in enumerate(offsets):
        out[i] = spatial_information(*binned_means(a, np.roll(bins, offset), n_bins, min_samples))
    return out


def _field_mask(curve: np.ndarray) -> np.ndarray:
    """Bins of the contiguous field around the peak: at or above half-way from the curve's
    minimum to its peak (bins x P, boolean)."""
    mask = np.zeros(curve.shape, dtype=bool)
    for j in range(curve.shape[1]):
        c = curve[:, j]
        if np.all(np.isnan(c)) or np.nanmax(c) <= np.nanmin(c):
            continue
        peak = int(np.nanargmax(c))
        half = np.nanmin(c) + 0.5 * (np.nanmax(c) - np.nanmin(c))
        above = np.nan_to_num(c, nan=-np.inf) >= half
        lo = hi = peak
        while lo > 0 and above[lo - 1]:
            lo -= 1
        while hi < len(c) - 1 and above[hi + 1]:
            hi += 1
        mask[lo : hi + 1, j] = True
    return mask


def describe_latents(
    activations: np.ndarray,
    position: np.ndarray,
    right: np.ndarray,
    edges: np.ndarray,
    spikes: np.ndarray | None = None,
    draws: int = _POSTHOC["shift_draws"],
    rng: np.random.Generator | None = None,
    min_samples: int = _POSTHOC["min_bin_samples"],
    curves: bool = False,
):
    """One row per latent: peak, field width, direction selectivity, SI and its null, ...

    Args:
        activations: ``(T, P)`` latents on the split (validation in the study).
        position, right: the split's position (m) and right-run indicator (``labels[:, :2]``).
        edges: position bin edges (:func:`track_edges` of the whole recording).
        spikes: ``(T, N)`` spike counts of the split: adds each latent's best-correlated
            neuron and its ``|r|``.
        draws, rng: the time-shift null of SI.
        curves: also return the tuning curves ``(P, 2, n_bins)`` (right, left).

    Returns:
        A DataFrame (``latent``, ``peak_position_m``, ``field_width_m``,
        ``direction_selectivity``, ``spatial_information``, ``si_null_p95``,
        ``place_field_like``, ``active_bin_share``, ``mean_activation``, ``best_neuron``,
        ``best_neuron_r``), and with ``curves`` the curves and the field mask
        ``(n_bins, P)``.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    a = non_negative(activations)
    n_bins = len(edges) - 1
    centres = (edges[:-1] + edges[1:]) / 2
    bins = position_bins(np.asarray(position, dtype=np.float64), edges)
    is_right = np.asarray(right) > 0.5
    pooled, occupancy = binned_means(a, bins, n_bins, min_samples)
    by_direction = np.stack(
        [
            binned_means(a[mask], bins[mask], n_bins, min_samples)[0]
            for mask in (is_right, ~is_right)
        ]
    )  # (2, bins, P)
    si = spatial_information(pooled, occupancy)
    null = shift_null_information(a, bins, n_bins, draws, rng, min_samples)
    p95 = np.percentile(null, 95, axis=0) if draws else np.full(a.shape[1], np.nan)
    fields = _field_mask(pooled)
    defined = ~np.all(np.isnan(pooled), axis=0) & (np.nan_to_num(pooled).max(axis=0) > 0)
    peak_bin = np.where(defined, np.nanargmax(np.where(np.isnan(pooled), -np.inf, pooled), 0), 0)
    with np.errstate(invalid="ignore", all="ignore"):
        peaks = np.nan_to_num(np.nanmax(np.where(np.isnan(by_direction), -np.inf, by_direction),
                                        axis=1), neginf=np.nan)  # fmt: skip
        total = peaks[0] + peaks[1]
        selectivity = np.where(total > 0, (peaks[0] - peaks[1]) / total, np.nan)
        valid_bins = ~np.isnan(pooled)
        active = (np.nan_to_num(pooled) > 0).sum(0) / np.maximum(valid_bins.sum(0), 1)
    table = pd.DataFrame(
        {
            "latent": np.arange(a.shape[1], dtype=np.int64),
            "peak_position_m": np.where(defined, centres[peak_bin], np.nan),
            "field_width_m": np.where(defined, fields.sum(0) * (edges[1] - edges[0]), np.nan),
            "direction_selectivity": selectivity,
            "spatial_information": si,
            "si_null_p95": p95,
            "place_field_like": defined & (si > 0) & (si > p95),
            "active_bin_share": active,
            "mean_activation": np.asarray(activations, dtype=np.float64).mean(axis=0),
        }
    )
    if spikes is not None:
        r = abs_correlation(spikes, activations)  # (N, P)
        table["best_neuron"] = np.argmax(r, axis=0).astype(np.int64)
        table["best_neuron_r"] = r.max(axis=0)
    if curves:
        return table, np.moveaxis(by_direction, -1, 0), fields
    return table


def tiling_summary(table: pd.DataFrame, fields: np.ndarray, edges: np.ndarray) -> dict:
    """How many latents are place-field-like and how they tile the track.

    Returns:
        ``place_fields`` (count), ``place_field_share`` (of the latents),
        ``track_coverage`` (share of position bins inside at least one place-field-like
        latent's field), ``peak_evenness`` (1 − the Kolmogorov-Smirnov distance of their
        peak positions from uniform over the track; NaN below two fields).
    """
    from scipy.stats import kstest

    like = table.place_field_like.to_numpy(dtype=bool)
    peaks = table.peak_position_m.to_numpy()[like]
    low, high = float(edges[0]), float(edges[-1])
    evenness = (
        1.0 - kstest(peaks, "uniform", args=(low, high - low)).statistic
        if len(peaks) >= 2
        else np.nan
    )
    return {
        "place_fields": int(like.sum()),
        "place_field_share": float(like.mean()) if len(like) else np.nan,
        "track_coverage": float(fields[:, like].any(axis=1).mean()) if like.any() else 0.0,
        "peak_evenness": float(evenness),
    }

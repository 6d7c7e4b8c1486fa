"""Time-shift nulls of the neuron and behaviour scores (docs/study.md §9).

Every neuron (behaviour column) is rolled in time by its own random offset in
``[T/10, 9T/10]`` (:func:`shift_offsets`, also the offsets of the spatial-information null
of :mod:`cebra_sae.posthoc.tuning`), which keeps each signal's statistics and destroys its
alignment with the latents; the score against the rolled signals, over many draws, is what
chance alignment gives.

Example:
    >>> rng = np.random.default_rng(0)
    >>> offsets = shift_offsets(100, 3, draws=4, rng=rng)
    >>> offsets.shape, bool(offsets.min() >= 10 and offsets.max() <= 90)
    ((4, 3), True)
"""

from __future__ import annotations

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.measures.correlation import standardise

_POSTHOC = defaults("posthoc")

#: each score's time-shift null column in ``posthoc`` (its 95th percentile)
SHIFT_NULL = {"neuron_score": "neuron_null_p95", "behavior_score": "behavior_null_p95"}


def shift_offsets(n_time: int, n_signals: int, draws: int, rng) -> np.ndarray:
    """``(draws, n_signals)`` circular offsets, uniform in ``[T/10, 9T/10]`` (docs/study.md §9)."""
    low, high = int(np.ceil(n_time / 10)), int(np.floor(9 * n_time / 10))
    return rng.integers(low, max(low, high) + 1, size=(draws, n_signals))


def rolled(signals: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``signals`` (T x S) with column s rolled by ``offsets[d, s]``, per draw: (D, T, S)."""
    n_time, n_signals = signals.shape
    rows = (np.arange(n_time)[None, :, None] - offsets[:, None, :]) % n_time
    return signals[rows, np.arange(n_signals)[None, None, :]]


def shifted_abs_correlation(signals, latents, offsets, chunk: int = 25):
    """``|r|`` between every rolled signal and every latent, per draw: ``(draws, S, P)``.

    Rolling a signal circularly keeps its mean and variance, so the z-scored signals are
    rolled per draw and multiplied with the z-scored latents: one float32 matrix product for
    ``chunk`` draws at a time (a null needs no more precision).
    """
    s = standardise(signals).astype(np.float32)
    lat = standardise(latents).astype(np.float32)
    n_time, n_signals = s.shape
    out = np.empty((len(offsets), n_signals, lat.shape[1]), dtype=np.float32)
    for begin in range(0, len(offsets), chunk):
        block = rolled(s, offsets[begin : begin + chunk])  # (d, T, S)
        product = block.transpose(0, 2, 1).reshape(-1, n_time) @ lat  # (d*S, P)
        out[begin : begin + len(block)] = np.abs(product).reshape(len(block), n_signals, -1)
    return np.clip(out, 0.0, 1.0)


def _mean_top_rows(values: np.ndarray, top: int) -> np.ndarray:
    """Per row of ``(draws, m)``: the mean of the ``top`` largest entries."""
    top = min(top, values.shape[1])
    return -np.sort(-values, axis=1)[:, :top].mean(axis=1)


def neuron_null_scores(spikes, latents, formula: str, draws: int, rng,
                       top: int = _POSTHOC["top_neurons"]) -> np.ndarray:  # fmt: skip
    """The neuron score (``paper`` or ``seed_code`` formula) of ``latents`` against
    time-shifted neurons, one value per draw (each neuron rolled by its own offset)."""
    offsets = shift_offsets(len(spikes), np.asarray(spikes).shape[1], draws, rng)
    r = shifted_abs_correlation(spikes, latents, offsets)  # (draws, N, P)
    if formula == "paper":
        return _mean_top_rows(r.max(axis=1), top)
    return _mean_top_rows(r.reshape(len(r), -1), top)


def behavior_null_scores(latents_train, behaviors_train, latents, behaviors_scored,
                         formula: str, draws: int, rng, top: int = _POSTHOC["top_behaviors"],
                         alpha: float = _POSTHOC["behavior_ridge_alpha"]
                         ) -> np.ndarray:  # fmt: skip
    """The behaviour score of ``latents`` against time-shifted behaviour columns of the
    scored split, one value per draw.

    ``seed_code``: top entries of latent x rolled-behaviour ``|r|``. ``paper``: each
    one-variable Ridge is fit on the (unshifted) train split, as for the real score, and
    scored against the rolled behaviours of the scored split.
    """
    behaviors_scored = np.asarray(behaviors_scored, dtype=float)
    offsets = shift_offsets(len(behaviors_scored), behaviors_scored.shape[1], draws, rng)
    if formula == "seed_code":
        r = shifted_abs_correlation(behaviors_scored, latents, offsets)  # (draws, B, P)
        return _mean_top_rows(r.reshape(len(r), -1), top)
    from cebra_sae.posthoc.scores import one_variable_ridge_r2

    r2 = one_variable_ridge_r2(latents_train, behaviors_train, latents,
                               rolled(behaviors_scored, offsets), alpha)  # fmt: skip
    return _mean_top_rows(r2.max(axis=-1), top)


def null_summary(values: np.ndarray, name: str) -> dict[str, float]:
    """``{name}_null_mean`` and ``{name}_null_p95`` of a null distribution."""
    return {
        f"{name}_null_mean": float(np.mean(values)),
        f"{name}_null_p95": float(np.quantile(values, 0.95)),
    }

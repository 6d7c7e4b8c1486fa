"""Is an effect real? Hierarchical bootstrap intervals, paired tests and time-shift nulls.

STUDY.md §9. Rats are the independent units; dims and seeds are repeated measures within a
rat. :func:`hierarchical_bootstrap` resamples rats with replacement, then each drawn rat's
cases with replacement, and takes the mean effect; the interval is the percentile
interval of those means. :func:`wilcoxon_p` is scipy's paired signed-rank test over the
cases. :func:`shift_null_scores` is the time-shift null of a neuron or behaviour score:
every neuron (behaviour column) rolled in time by its own random offset, which keeps each
signal's statistics and destroys its alignment with the latents.

Example:
    >>> import numpy as np, pandas as pd
    >>> cases = pd.DataFrame({"rat": ["a"] * 4 + ["b"] * 4, "effect": [1.0, 1.2, 0.8, 1.0] * 2})
    >>> low, high = hierarchical_bootstrap(cases, "effect", resamples=500, seed=0)
    >>> bool(0.8 <= low <= 1.0 <= high <= 1.2)
    True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cebra_sae.config import defaults
from cebra_sae.metrics import standardise

_CLAIMS = defaults("claims")
_POSTHOC = defaults("posthoc")


def hierarchical_bootstrap(
    cases: pd.DataFrame,
    column: str,
    unit: str = "rat",
    resamples: int = _CLAIMS["bootstrap_resamples"],
    confidence: float = _CLAIMS["confidence"],
    seed: int = _CLAIMS["bootstrap_seed"],
) -> tuple[float, float]:
    """Percentile interval of the mean of ``column`` under a two-level bootstrap.

    Each resample draws ``unit`` values (rats) with replacement, then, within each drawn
    unit (afresh each time it is drawn), as many of its rows (cases) as it has, with
    replacement; the statistic is the mean over all drawn rows (a rat weighs by its number
    of cases). Vectorised: one ``(resamples, n_units, n_cases)`` index draw per unit.

    Args:
        cases: one row per case, with ``unit`` and ``column``; NaN rows are dropped.
        resamples: number of bootstrap resamples (≥ 2,000 in the study).
        confidence: coverage of the interval (0.95).
        seed: seed of the generator (the same cases give the same interval).

    Returns:
        ``(low, high)``; NaN when there is no case.
    """
    data = cases[[unit, column]].dropna()
    if data.empty:
        return float("nan"), float("nan")
    groups = [g[column].to_numpy(float) for _, g in data.groupby(unit, sort=True)]
    rng = np.random.default_rng(seed)
    n_units = len(groups)
    picked = rng.integers(0, n_units, size=(resamples, n_units))  # which rats
    sums = np.zeros(resamples)
    counts = np.zeros(resamples)
    for u, values in enumerate(groups):
        # a resample of the rat's cases for every slot it could be drawn into
        draws = rng.integers(0, len(values), size=(resamples, n_units, len(values)))
        totals = values[draws].sum(axis=2)  # (resamples, n_units)
        slots = picked == u
        sums += (totals * slots).sum(axis=1)
        counts += slots.sum(axis=1) * len(values)
    means = sums / counts
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def wilcoxon_p(effects) -> float:
    """Two-sided p-value of scipy's Wilcoxon signed-rank test of paired differences.

    NaN when fewer than two non-zero differences are left (the test is undefined).

    Example:
        >>> round(wilcoxon_p([0.1, 0.2, 0.3, 0.15, 0.25, 0.05]), 4)
        0.0312
    """
    from scipy.stats import wilcoxon

    values = np.asarray(pd.Series(effects, dtype=float).dropna())
    if np.count_nonzero(values) < 2:
        return float("nan")
    return float(wilcoxon(values).pvalue)


def shift_offsets(n_time: int, n_signals: int, draws: int, rng) -> np.ndarray:
    """``(draws, n_signals)`` circular offsets, uniform in ``[T/10, 9T/10]`` (STUDY.md §9)."""
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
    """The neuron score (``text`` or ``code`` formula) of ``latents`` against time-shifted
    neurons, one value per draw (each neuron rolled by its own offset)."""
    offsets = shift_offsets(len(spikes), np.asarray(spikes).shape[1], draws, rng)
    r = shifted_abs_correlation(spikes, latents, offsets)  # (draws, N, P)
    if formula == "text":
        return _mean_top_rows(r.max(axis=1), top)
    return _mean_top_rows(r.reshape(len(r), -1), top)


def behavior_null_scores(latents_train, behaviors_train, latents, behaviors_scored,
                         formula: str, draws: int, rng, top: int = _POSTHOC["top_behaviors"],
                         alpha: float = _POSTHOC["behavior_ridge_alpha"]
                         ) -> np.ndarray:  # fmt: skip
    """The behaviour score of ``latents`` against time-shifted behaviour columns of the
    scored split, one value per draw.

    ``code``: top entries of latent x rolled-behaviour ``|r|``. ``text``: each one-variable
    Ridge is fit on the (unshifted) train split, as for the real score, and scored against
    the rolled behaviours of the scored split.
    """
    behaviors_scored = np.asarray(behaviors_scored, dtype=float)
    offsets = shift_offsets(len(behaviors_scored), behaviors_scored.shape[1], draws, rng)
    if formula == "code":
        r = shifted_abs_correlation(behaviors_scored, latents, offsets)  # (draws, B, P)
        return _mean_top_rows(r.reshape(len(r), -1), top)
    from cebra_sae.metrics import one_variable_ridge_r2

    r2 = one_variable_ridge_r2(latents_train, behaviors_train, latents,
                               rolled(behaviors_scored, offsets), alpha)  # fmt: skip
    return _mean_top_rows(r2.max(axis=-1), top)


def null_summary(values: np.ndarray, name: str) -> dict[str, float]:
    """``{name}_null_mean`` and ``{name}_null_p95`` of a null distribution."""
    return {
        f"{name}_null_mean": float(np.mean(values)),
        f"{name}_null_p95": float(np.quantile(values, 0.95)),
    }

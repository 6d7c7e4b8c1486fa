"""Intervals and tests over cases, with rats as the independent units (docs/study.md §9).

Dims and seeds are repeated measures within a rat. :func:`hierarchical_bootstrap` resamples
rats with replacement, then each drawn rat's cases with replacement, and takes the mean
effect; the interval is the percentile interval of those means. :func:`wilcoxon_p` is
scipy's paired signed-rank test over the cases.

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

_CLAIMS = defaults("claims")


def hierarchical_bootstrap(
    cases: pd.DataFrame,
    column: str,
    unit: str = "rat",
    resamples: int = _CLAIMS["bootstrap_resamples"],
    confidence: float = _CLAIMS["confidence"],
    seed: int = _CLAIMS["bootstrap_seed"],
    spread: str | None = None,
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
        spread: a column of per-case standard errors of the effect's own estimate (e.g. of
            a null's mean over its draws): each drawn case gets, in each resample, a normal
            perturbation of that standard deviation, so that uncertainty widens the
            interval too.

    Returns:
        ``(low, high)``; NaN when there is no case.

    Example:
        >>> cases = pd.DataFrame({"rat": list("aabb"), "effect": [0.1] * 4, "se": [0.05] * 4})
        >>> hierarchical_bootstrap(cases, "effect", resamples=200)
        (0.1, 0.1)
        >>> low, high = hierarchical_bootstrap(cases, "effect", resamples=200, spread="se")
        >>> bool(low < 0.07 and high > 0.13)
        True
    """
    data = cases[[unit, column, *([spread] if spread else [])]].dropna(subset=[unit, column])
    if data.empty:
        return float("nan"), float("nan")
    groups = [g for _, g in data.groupby(unit, sort=True)]
    rng = np.random.default_rng(seed)
    n_units = len(groups)
    picked = rng.integers(0, n_units, size=(resamples, n_units))  # which rats
    sums = np.zeros(resamples)
    counts = np.zeros(resamples)
    for u, group in enumerate(groups):
        values = group[column].to_numpy(float)
        # a resample of the rat's cases for every slot it could be drawn into
        draws = rng.integers(0, len(values), size=(resamples, n_units, len(values)))
        drawn = values[draws]
        if spread:
            drawn = (
                drawn
                + rng.normal(size=draws.shape) * group[spread].fillna(0).to_numpy(float)[draws]
            )
        totals = drawn.sum(axis=2)  # (resamples, n_units)
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

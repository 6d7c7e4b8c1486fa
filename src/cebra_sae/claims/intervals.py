"""Mean and bootstrap interval of every post-hoc metric per representation: what Figures
4-6 draw (a figure never recomputes them).

Example:
    >>> import pandas as pd
    >>> posthoc = pd.DataFrame({"protocol": "paper", "representation": "cebra", "k": None,
    ...     "rat": ["a", "a", "b", "b"], "dim": [8, 16, 8, 16], "seed": 0,
    ...     "neuron_score": [0.5, 0.6, 0.55, 0.65], "behavior_score": 0.3,
    ...     "pos_r2_valid": 0.7, "dir_acc_valid": 0.9, "neuron_null_p95": 0.2,
    ...     "behavior_null_p95": 0.1})
    >>> table = intervals_table(posthoc, ClaimSettings(bootstrap_resamples=200))
    >>> row = table[(table.metric == "neuron_score") & table.dim.isna()].iloc[0]
    >>> round(float(row["mean"]), 3), int(row["n_rats"]), int(row["n_cases"])
    (0.575, 2, 4)
"""

from __future__ import annotations

import pandas as pd

from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.claims.statistics import hierarchical_bootstrap
from cebra_sae.posthoc.nulls import SHIFT_NULL
from cebra_sae.posthoc.representations import CASE_KEYS

#: the posthoc columns given intervals (the scores, decoding and the scores' shift nulls)
INTERVAL_METRICS = ("neuron_score", "behavior_score", "pos_r2_valid", "dir_acc_valid",
                    *SHIFT_NULL.values())  # fmt: skip


def intervals_table(posthoc: pd.DataFrame, settings: ClaimSettings | None = None):
    """Mean and hierarchical-bootstrap interval of each metric per protocol x
    representation x k, over all dims (``dim`` null) and per dim.

    SAE seeds are averaged within a case first (a case is rat x dim x seed).
    """
    s = settings or ClaimSettings()
    posthoc = posthoc.astype({"k": "Int64"})
    keys = ["protocol", "representation", "k"]
    cases = posthoc.groupby([*keys, *CASE_KEYS], dropna=False, as_index=False)[
        list(INTERVAL_METRICS)].mean()  # fmt: skip
    rows = []
    for (protocol, representation, k), group in cases.groupby(keys, dropna=False):
        for dim in [None, *sorted(group.dim.unique())]:
            subset = group if dim is None else group[group.dim == dim]
            for metric in INTERVAL_METRICS:
                low, high = hierarchical_bootstrap(subset, metric, "rat", s.bootstrap_resamples,
                                                   s.confidence, s.bootstrap_seed)  # fmt: skip
                rows.append(dict(protocol=protocol, representation=representation, k=k,
                                 dim=dim, metric=metric, mean=float(subset[metric].mean()),
                                 ci_low=low, ci_high=high, n_rats=int(subset.rat.nunique()),
                                 n_cases=len(subset)))  # fmt: skip
    return pd.DataFrame(rows)

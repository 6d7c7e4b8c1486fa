"""How a claim is judged: its settings, the verdict rule, the caveat of few rats, one part.

Each claim is split into *parts*, each a direction that should hold. A part's effect is
measured per *case* (rat x dim x seed, or as the claim says) and oriented so that the part
holds when the effect is above its ``bound`` (0, or a tolerance). :func:`measure_part`
turns the per-case effects into one row of ``claims.parquet``: the mean effect, its
hierarchical bootstrap interval (:mod:`cebra_sae.claims.statistics`), the Wilcoxon p, the
per-rat effects and the verdict (:data:`VERDICT_RULE`).

Example:
    >>> import pandas as pd
    >>> effects = pd.Series([0.1, 0.2, 0.15, 0.12],
    ...                     index=pd.Index(["a", "a", "b", "b"], name="rat"))
    >>> row = measure_part("C9", "a statement", "k8", "SAE - CEBRA", effects, ClaimSettings())
    >>> row["verdict"], row["n_rats"], row["caveat"][:10]
    ('supported', 2, 'only 2 rat')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.claims.statistics import hierarchical_bootstrap, wilcoxon_p
from cebra_sae.config import defaults

#: Fewer rats than this: an interval describes these rats only (``caveat``).
MIN_RATS = 3

#: The verdict rule, as the report states it.
VERDICT_RULE = (
    "A part is supported when its whole interval (of coverage claims.confidence) lies above "
    "its bound, not supported when the whole interval lies below it, inconclusive when the "
    "interval contains it, and not testable without cases. A claim is supported when all "
    "its parts are, not supported when all are not, inconclusive when all are inconclusive, "
    f"not testable when a part is, else mixed. With fewer than {MIN_RATS} rats, the caveat "
    "says that the interval describes these rats only: too few to generalise to rats at "
    "large. A comparison with a null survives when the interval of (winner - null) lies "
    "above 0, and does not survive otherwise."
)

_DEFAULTS = defaults("claims")


@dataclass(frozen=True)
class ClaimSettings:
    """How claims are judged: the config's ``claims`` section (defaults: the schema's)."""

    max_nonzero_ratio: float = _DEFAULTS["max_nonzero_ratio"]
    decoding_tolerance: float = _DEFAULTS["decoding_tolerance"]
    flat_tolerance: float = _DEFAULTS["flat_tolerance"]
    bootstrap_resamples: int = _DEFAULTS["bootstrap_resamples"]
    bootstrap_seed: int = _DEFAULTS["bootstrap_seed"]
    confidence: float = _DEFAULTS["confidence"]


def judge_interval(low: float, high: float, bound: float = 0.0) -> str:
    """The verdict of a part from its interval (:data:`VERDICT_RULE`).

    Example:
        >>> judge_interval(0.01, 0.2), judge_interval(-0.01, 0.2), judge_interval(-0.3, -0.1)
        ('supported', 'inconclusive', 'not supported')
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not testable"
    if low > bound:
        return "supported"
    if high < bound:
        return "not supported"
    return "inconclusive"


def overall(verdicts: list[str]) -> str:
    """A claim's verdict from its parts' (a part that cannot be tested taints the claim).

    Example:
        >>> overall(["supported", "inconclusive"]), overall(["inconclusive"])
        ('mixed', 'inconclusive')
    """
    if not verdicts or "not testable" in verdicts:
        return "not testable"
    for same in ("supported", "not supported", "inconclusive"):
        if all(v == same for v in verdicts):
            return same
    return "mixed"


def caveat(n_rats: int) -> str:
    """The caveat of an interval over ``n_rats`` rats: empty from :data:`MIN_RATS` on.

    Example:
        >>> caveat(3), caveat(2)[:36]
        ('', 'only 2 rats: the interval describes ')
    """
    if n_rats >= MIN_RATS:
        return ""
    return (
        f"only {n_rats} rat{'s' if n_rats != 1 else ''}: the interval describes "
        f"{'these rats' if n_rats != 1 else 'this rat'}; too few to generalise to rats at large"
    )


#: How a claim row's ``detail`` starts the note of the cases it leaves out (:func:`left_out`).
LEFT_OUT = "not testable, left out"


def left_out(effects: pd.Series) -> str:
    """The note of a part's cases without a value (a NaN effect: a measure the recording
    cannot test, e.g. direction accuracy on a split that runs one way; ``not_testable`` in
    the tables says why), per rat; "" when every case has one.

    Example:
        >>> index = pd.MultiIndex.from_tuples([("a", 8), ("b", 8), ("b", 16)], names=["rat", "dim"])
        >>> left_out(pd.Series([0.1, float("nan"), float("nan")], index=index))
        'not testable, left out: 2 of 3 cases (b: 2; see not_testable in posthoc.parquet)'
    """
    missing = effects[effects.isna()]
    if missing.empty:
        return ""
    rats = (missing.index.get_level_values("rat") if "rat" in (missing.index.names or [])
            else pd.Index(["?"] * len(missing)))  # fmt: skip
    per_rat = "; ".join(f"{rat}: {n}" for rat, n in rats.value_counts().sort_index().items())
    return (f"{LEFT_OUT}: {len(missing)} of {len(effects)} cases ({per_rat}; see not_testable "
            "in posthoc.parquet)")  # fmt: skip


def left_out_notes(rows: pd.DataFrame) -> list[str]:
    """The distinct notes (:func:`left_out`) of the cases that claim rows left out."""
    details = [str(d) for d in rows.get("detail", []) if LEFT_OUT in str(d)]
    return sorted({d[d.index(LEFT_OUT) :] for d in details})


def measure_part(claim, statement, part, measure, effects, s: ClaimSettings, bound=0.0,
                 detail="", baseline="claim", spread=None) -> dict:  # fmt: skip
    """One row of ``claims.parquet``: ``effects`` is a Series of per-case effects whose index
    has a ``rat`` level; ``baseline`` is ``claim`` for the claim itself, else the null the
    winner is measured against (its verdict is then ``survives`` / ``does not survive``);
    ``spread``, aligned with ``effects``, the per-case standard error of the effect's own
    estimate (a null's mean over its draws), drawn into the bootstrap."""
    effects = pd.Series(effects, dtype=float)
    detail = "; ".join(filter(None, [detail, left_out(effects)]))
    keep = effects.notna()
    effects = effects[keep]
    cases = effects.rename("effect").reset_index()
    if spread is not None:
        cases["spread"] = pd.Series(spread, dtype=float)[keep].to_numpy()
    n_rats = int(cases["rat"].nunique()) if len(cases) else 0
    low, high = hierarchical_bootstrap(cases, "effect", "rat", s.bootstrap_resamples,
                                       s.confidence, s.bootstrap_seed,
                                       "spread" if spread is not None else None) if len(
                                           cases) else (float("nan"), float("nan"))  # fmt: skip
    verdict = judge_interval(low, high, bound)
    if baseline != "claim" and verdict != "not testable":
        verdict = "survives" if verdict == "supported" else "does not survive"
    per_rat = cases.groupby("rat").effect.agg(["mean", "size"]) if len(cases) else None
    return {
        "claim": claim,
        "part": part,
        "baseline": baseline,
        "statement": statement,
        "measure": measure,
        "bound": float(bound),
        "effect": float(effects.mean()) if len(effects) else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "p_wilcoxon": wilcoxon_p(effects - bound),
        "spread": float(effects.std(ddof=0)) if len(effects) else float("nan"),
        "n_rats": n_rats,
        "n_cases": int(len(effects)),
        "per_rat": ""
        if per_rat is None
        else "; ".join(
            f"{rat} {row['mean']:+.3f} (n={int(row['size'])})" for rat, row in per_rat.iterrows()
        ),
        "agreement": float((effects > bound).mean()) if len(effects) else float("nan"),
        "verdict": verdict,
        "caveat": caveat(n_rats) if len(effects) else "",
        "detail": detail,
    }

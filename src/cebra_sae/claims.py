"""The paper's claims C1-C6 (STUDY.md §7), measured and judged from the study's tables.

Each claim is split into *parts*, each a direction that should hold in every rat x dim
(the *cases*; a few parts are measured per rat x k): its effect per case (e.g. SAE −
CEBRA), their mean (``effect``) and standard deviation (``spread``), and the share of cases
where the direction holds (``agreement``). A part is ``supported`` when the share is at
least ``agreement`` (``claims.agreement``), ``not supported`` when at most
``1 − agreement``, else ``mixed``; a claim is supported when all its parts are, not
supported when none is, mixed otherwise, and not testable when a part lacks the data (e.g.
a single k or dim).

Operational definitions (the paper states its claims qualitatively):

* C1 TopK best EV at a given nonzero ratio: per case, best validation explained variance
  among models with nonzero ratio ≤ ``max_nonzero_ratio``, TopK minus the best other
  architecture (cases where TopK or no other architecture reaches that sparsity are
  left out and counted in ``detail``); split by dim ≤ 16 and ≥ 32 in ``detail``.
* C2 expansion 8 best for TopK: per case, the TopK model closest to the top-left corner,
  distance ``√((1 − EV)² + ratio²)``; effect = best distance of other expansions − of x8.
* C3 neuron score rises after sparsification, per k: SAE_k − CEBRA > 0.
* C4 behaviour score: CEBRA − SAE_8 > 0, CEBRA − SAE_16 > 0, SAE_32 − CEBRA > 0.
* C5 decoding preserved or improved, per k and per position R² / direction accuracy
  (validation): SAE_k − CEBRA ≥ −``decoding_tolerance``.
* C6 among SAEs: neuron score rises with dim (Spearman ρ over dims per rat x k > 0) and is
  flat in k (relative range over k ≤ ``flat_tolerance`` per rat x dim); behaviour score
  rises with k (ρ over k > 0) and falls with dim (ρ over dims < 0).

Scores are each protocol's own formula (``neuron_score``, ``behavior_score`` in
``posthoc.parquet``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.config import defaults

STATEMENTS = {
    "C1": "TopK gives the best explained variance at a given nonzero ratio, clearest at 32-64",
    "C2": "Expansion 8 is best for TopK",
    "C3": "Neuron score rises after SAE sparsification, for every k",
    "C4": "Behaviour score: CEBRA beats k = 8 and 16; k = 32 beats CEBRA",
    "C5": "Decoding is preserved or slightly improved after sparsification",
    "C6": "Neuron score rises with dim, flat in k; behaviour score rises with k, falls with dim",
}


_DEFAULTS = defaults("claims")


@dataclass(frozen=True)
class ClaimSettings:
    """How claims are judged: the config's ``claims`` section (defaults: the schema's)."""

    max_nonzero_ratio: float = _DEFAULTS["max_nonzero_ratio"]
    decoding_tolerance: float = _DEFAULTS["decoding_tolerance"]
    flat_tolerance: float = _DEFAULTS["flat_tolerance"]
    agreement: float = _DEFAULTS["agreement"]


def judge(share: float, agreement: float) -> str:
    if not np.isfinite(share):
        return "not testable"
    if share >= agreement:
        return "supported"
    if share <= 1 - agreement:
        return "not supported"
    return "mixed"


def overall(verdicts: list[str]) -> str:
    """A claim's verdict from its parts' (a part that cannot be tested taints the claim)."""
    if not verdicts or "not testable" in verdicts:
        return "not testable"
    if all(v == "supported" for v in verdicts):
        return "supported"
    if all(v == "not supported" for v in verdicts):
        return "not supported"
    return "mixed"


def _part(claim, part, measure, effects, holds, settings, detail=""):
    effects = pd.Series(effects, dtype=float).dropna()
    holds = pd.Series(holds, dtype=bool).loc[effects.index] if len(effects) else pd.Series([])
    share = float(holds.mean()) if len(holds) else float("nan")
    return {
        "claim": claim,
        "part": part,
        "statement": STATEMENTS[claim],
        "measure": measure,
        "effect": float(effects.mean()) if len(effects) else float("nan"),
        "spread": float(effects.std(ddof=0)) if len(effects) else float("nan"),
        "n_cases": int(len(effects)),
        "agreement": share,
        "verdict": judge(share, settings.agreement),
        "detail": detail,
    }


def claim_c1(sweep: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    sparse = sweep[(sweep.nonzero_ratio_valid <= s.max_nonzero_ratio) & ~sweep.diverged]
    best = sparse.groupby(["rat", "dim", "arch"]).explained_variance_valid.max().unstack("arch")
    cases = sweep.groupby(["rat", "dim"]).size().index
    best = best.reindex(cases)
    others = best.drop(columns=["topk"], errors="ignore").max(axis=1)
    topk = best["topk"] if "topk" in best else pd.Series(np.nan, index=best.index)
    effect = (topk - others).dropna()
    dims = effect.index.get_level_values("dim")
    low, high = effect[dims <= 16], effect[dims >= 32]
    detail = (
        f"TopK - best other at nonzero ratio <= {s.max_nonzero_ratio:g}: "
        f"dims <= 16 mean {low.mean():+.3f} (n={len(low)}), dims >= 32 mean {high.mean():+.3f} "
        f"(n={len(high)}); {len(cases) - len(effect)} of {len(cases)} rat x dim cases left out "
        "(TopK or no other architecture that sparse)"
    )
    return [_part("C1", "topk_best", "delta explained variance (valid)", effect, effect > 0, s,
                  detail)]  # fmt: skip


def claim_c2(sweep: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    topk = sweep[(sweep.arch == "topk") & ~sweep.diverged].copy()
    if topk.empty or 8 not in set(topk.expansion) or topk.expansion.nunique() < 2:
        return [_part("C2", "x8_closest", "distance to top left", [], [], s, "needs TopK x8 and "
                      "another expansion")]  # fmt: skip
    topk["distance"] = np.hypot(1 - topk.explained_variance_valid, topk.nonzero_ratio_valid)
    best = topk.groupby(["rat", "dim", "expansion"]).distance.min().unstack("expansion")
    effect = best.drop(columns=[8]).min(axis=1) - best[8]
    return [_part("C2", "x8_closest", "other expansions' best distance - x8's", effect,
                  effect > 0, s)]  # fmt: skip


def _paired(posthoc: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per rat x dim: the column for CEBRA and for each SAE k (columns 'cebra', 8, 16, ...)."""
    cebra = posthoc[posthoc.model == "cebra"].set_index(["rat", "dim"])[column].rename("cebra")
    sae = posthoc[posthoc.model == "sae"].pivot_table(index=["rat", "dim"], columns="k",
                                                      values=column)  # fmt: skip
    return sae.join(cebra, how="inner")


def claim_c3(posthoc: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    paired = _paired(posthoc, "neuron_score")
    return [
        _part("C3", f"k{k}", "SAE - CEBRA neuron score", paired[k] - paired.cebra,
              paired[k] - paired.cebra > 0, s)
        for k in sorted(c for c in paired.columns if c != "cebra")
    ]  # fmt: skip


def claim_c4(posthoc: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    paired = _paired(posthoc, "behavior_score")
    parts = []
    for k, cebra_wins in ((8, True), (16, True), (32, False)):
        if k not in paired:
            continue
        effect = (paired.cebra - paired[k]) if cebra_wins else (paired[k] - paired.cebra)
        name = f"cebra_beats_k{k}" if cebra_wins else f"k{k}_beats_cebra"
        measure = f"CEBRA - SAE k{k}" if cebra_wins else f"SAE k{k} - CEBRA"
        parts.append(_part("C4", name, f"{measure} behaviour score", effect, effect > 0, s))
    return parts


def claim_c5(posthoc: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    parts = []
    for column in ("pos_r2_valid", "dir_acc_valid"):
        paired = _paired(posthoc, column)
        for k in sorted(c for c in paired.columns if c != "cebra"):
            effect = paired[k] - paired.cebra
            detail = f"preserved = drop of at most {s.decoding_tolerance:g}"
            holds = effect >= -s.decoding_tolerance
            name, measure = f"{column}_k{k}", f"SAE - CEBRA {column}"
            parts.append(_part("C5", name, measure, effect, holds, s, detail))
    return parts


def _spearman_per(group: pd.DataFrame, by: list[str], x: str, y: str) -> pd.Series:
    def rho(g):
        if g[x].nunique() < 2:
            return np.nan
        return g[x].rank().corr(g[y].rank())

    return group.groupby(by).apply(rho, include_groups=False)


def claim_c6(posthoc: pd.DataFrame, s: ClaimSettings) -> list[dict]:
    sae = posthoc[posthoc.model == "sae"].astype({"k": float})
    neuron_dim = _spearman_per(sae, ["rat", "k"], "dim", "neuron_score")
    rel = sae.groupby(["rat", "dim"]).neuron_score.agg(
        lambda v: (v.max() - v.min()) / v.mean() if len(v) > 1 else np.nan
    )
    behavior_k = _spearman_per(sae, ["rat", "dim"], "k", "behavior_score")
    behavior_dim = _spearman_per(sae, ["rat", "k"], "dim", "behavior_score")
    return [
        _part("C6", "neuron_rises_with_dim", "Spearman rho(dim, neuron score) per rat x k",
              neuron_dim, neuron_dim > 0, s),
        _part("C6", "neuron_flat_in_k", "relative range of neuron score over k per rat x dim",
              rel, rel <= s.flat_tolerance, s, f"flat = range <= {s.flat_tolerance:g} x mean"),
        _part("C6", "behavior_rises_with_k", "Spearman rho(k, behaviour score) per rat x dim",
              behavior_k, behavior_k > 0, s),
        _part("C6", "behavior_falls_with_dim", "Spearman rho(dim, behaviour score) per rat x k",
              behavior_dim, behavior_dim < 0, s),
    ]  # fmt: skip


def claims_table(
    sweep: pd.DataFrame, posthoc: pd.DataFrame, settings: ClaimSettings
) -> pd.DataFrame:
    """Every part of every claim, per protocol, with the claim's overall verdict."""
    rows = []
    for protocol in sorted(set(posthoc.protocol) | set(sweep.protocol)):
        sw = sweep[sweep.protocol == protocol]
        ph = posthoc[posthoc.protocol == protocol]
        parts = claim_c1(sw, settings) + claim_c2(sw, settings)
        for claim in (claim_c3, claim_c4, claim_c5, claim_c6):
            parts += claim(ph, settings)
        for part in parts:
            part["protocol"] = protocol
        for claim in STATEMENTS:
            mine = [p for p in parts if p["claim"] == claim]
            if not mine:  # e.g. C4 without SAEs of k = 8, 16 or 32
                mine = [_part(claim, "all", "", [], [], settings, "no data for this claim")]
                mine[0]["protocol"] = protocol
                parts.append(mine[0])
            verdict = overall([p["verdict"] for p in mine])
            for p in mine:
                p["claim_verdict"] = verdict
        rows += parts
    return pd.DataFrame(rows)

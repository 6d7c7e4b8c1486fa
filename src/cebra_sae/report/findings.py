"""What a run found, in a few sentences, and the claims view a reader can scan.

Both are read from the run's tables only (``claims.parquet``, ``posthoc.parquet``,
``stability.parquet``); nothing here fits or decodes. :func:`study_findings` gives the
four or five things the study found, each one sentence with its number, its interval and the
figure that shows it; the report's first screen (``results/report/landing.rst``), the page
"Findings" and the README's copy (``cebra-sae findings``) are written from it.
:func:`claims_view` is one row per claim part: a short statement, its own verdict, the
effect with its interval and the tightest null.

The two findings that are not claims of the paper (place-field-like latents of a trained vs
an untrained SAE, and SAE latents matched across SAE seeds) get their interval the way a
claim part does (:func:`cebra_sae.claims.judge.measure_part`: hierarchical bootstrap over
rats, then cases within a rat).

Example:
    >>> import pandas as pd
    >>> row = dict(protocol="paper", claim="C3", part="k8", baseline="claim", effect=0.1,
    ...            ci_low=0.05, ci_high=0.15, verdict="supported", detail="", n_cases=4,
    ...            bound=0.0)
    >>> null = {**row, "baseline": "random_sae", "effect": 0.02, "ci_low": -0.01,
    ...         "ci_high": 0.04, "verdict": "does not survive"}
    >>> view = claims_view(pd.DataFrame([row, null]))
    >>> view.loc[0, "effect [95 % CI]"], view.loc[0, "tightest null"]
    ('+0.100 [+0.050, +0.150]', 'random_sae: +0.020 [-0.010, +0.040], does not survive')
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.claims.judge import ClaimSettings, caveat, left_out_notes, measure_part
from cebra_sae.claims.paper import STATEMENTS, WITHOUT_NULLS, part_label
from cebra_sae.posthoc.representations import CASE_KEYS
from cebra_sae.report.figures import FIGURES
from cebra_sae.report.text import markdown_row, rst_literal


@dataclass(frozen=True)
class Finding:
    """One thing the study found.

    Attributes:
        title: a few words (the finding's heading).
        text: one or two sentences with the number and its interval.
        figure: the figure that shows it (a name of
            :data:`cebra_sae.report.figures.FIGURES`), or ``""``.
        source: where the number comes from (claim parts or a table).
    """

    title: str
    text: str
    figure: str
    source: str


def interval(effect: float, low: float, high: float) -> str:
    """``+0.100 [+0.050, +0.150]``; ``n/a`` when the effect is not a number.

    Example:
        >>> interval(0.1, 0.05, 0.15), interval(float("nan"), 0, 0)
        ('+0.100 [+0.050, +0.150]', 'n/a')
    """
    if not np.isfinite(effect):
        return "n/a"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{effect:+.3f}"
    return f"{effect:+.3f} [{low:+.3f}, {high:+.3f}]"


def _row_interval(row) -> str:
    return interval(row.effect, row.ci_low, row.ci_high)


#: Why a part of a trend cannot be tested when no case has what it needs.
_TREND_NEEDS = {"with_dim": "two or more dims (cebra.output_dimension)",
                "in_k": "two or more k (posthoc.selection.k)",
                "with_k": "two or more k (posthoc.selection.k)"}  # fmt: skip


def untestable_reason(row) -> str:
    """Why a part has no interval, in words (its ``detail``, or what its claim needs)."""
    detail = str(getattr(row, "detail", "") or "")
    if getattr(row, "n_cases", 0) == 0:
        for ending, needs in _TREND_NEEDS.items():
            if row.part.endswith(ending):
                return f"a trend needs {needs}"
        if row.claim == "C4" and row.part == "all":
            return "needs SAEs at k = 8, 16 and 32 (posthoc.selection.k)"
        return detail or "no case has the data this part needs"
    return detail or "too few cases for an interval"


def claim_rank(claim: str) -> int:
    """A claim's place in the study's order (C1, C2, ...); unknown claims go last."""
    order = list(STATEMENTS)
    return order.index(claim) if claim in order else len(order)


def measured_nulls(
    claims: pd.DataFrame, protocol: str, claim: str, part: str | None = None
) -> pd.DataFrame:
    """A claim's (or one part's) null comparisons that have an interval."""
    rows = claims[(claims.protocol == protocol) & (claims.claim == claim)
                  & (claims.baseline != "claim") & claims.ci_low.notna()]  # fmt: skip
    return rows if part is None else rows[rows.part == part]


def tightest_null(nulls: pd.DataFrame):
    """The null comparison closest to overturning the claim: the lowest interval end."""
    return nulls.loc[nulls.ci_low.idxmin()]


def claims_view(claims: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per protocol x claim part: what it says, its verdict, its effect and interval,
    and the tightest of its nulls (the comparison with the lowest interval end).

    A null row never lends the claim's verdict to itself: the null column says its own
    (``survives`` / ``does not survive``). A part that cannot be tested says why in words.
    """
    label = f"effect [{confidence:.0%} CI]".replace("%", " %")
    columns = ["protocol", "claim", "part", "statement", "verdict", label, "tightest null"]
    if claims.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    own = claims[claims.baseline == "claim"]
    for r in own.itertuples():
        nulls = measured_nulls(claims, r.protocol, r.claim, r.part)
        if nulls.empty:
            tightest = "no null applies" if r.claim in WITHOUT_NULLS else "none measured"
        else:
            t = tightest_null(nulls)
            tightest = f"{t.baseline}: {_row_interval(t)}, {t.verdict}"
        testable = np.isfinite(r.effect) and np.isfinite(r.ci_low)
        rows.append({
            "protocol": r.protocol, "claim": r.claim, "part": r.part,
            "statement": part_label(r.part), "verdict": r.verdict,
            label: _row_interval(r) if testable else f"not testable: {untestable_reason(r)}",
            "tightest null": tightest,
        })  # fmt: skip
    view = pd.DataFrame(rows, columns=columns)
    view = view.assign(_rank=view.claim.map(claim_rank))
    view = view.sort_values(["protocol", "_rank"], kind="stable").drop(columns="_rank")
    return view.reset_index(drop=True)


def _protocol(claims: pd.DataFrame, posthoc: pd.DataFrame) -> str | None:
    present = set(claims.get("protocol", [])) | set(posthoc.get("protocol", []))
    if not present:
        return None
    return "paper" if "paper" in present else sorted(present)[0]


def _parts(claims, protocol, claim, baseline="claim") -> pd.DataFrame:
    if not {"protocol", "claim", "part", "baseline", "effect", "ci_low"} <= set(claims.columns):
        return claims.iloc[0:0]
    rows = claims[(claims.protocol == protocol) & (claims.claim == claim)
                  & (claims.baseline == baseline)]  # fmt: skip
    return rows[rows.effect.notna() & rows.ci_low.notna()]


#: How a part measured at one k ends its name (``neuron_k8``, ``place_fields_k16``).
_K_SUFFIX = r"_k(\d+)$"


def _span(rows: pd.DataFrame, name_k: bool = False) -> str:
    """The parts' intervals, lowest and highest effect: ``a to b`` (one: ``a``); with
    ``name_k``, each end says its part's k when the part's name ends in one (``(k8)``)."""
    rows = rows.sort_values("effect")

    def end(row) -> str:
        k = re.search(_K_SUFFIX, str(row.part)) if name_k else None
        return _row_interval(row) + (f" (k{k.group(1)})" if k else "")

    if len(rows) == 1:
        return end(rows.iloc[0])
    return f"{end(rows.iloc[0])} to {end(rows.iloc[-1])}"


def _ks(rows: pd.DataFrame) -> str:
    ks = [p.removeprefix("k") for p in rows.part if p.removeprefix("k").isdigit()]
    return f"k = {', '.join(ks)}" if ks else "every k"


def _direction(verdicts: set[str]) -> str:
    """``holds`` (every part supported), ``fails`` (every part not supported), else
    ``open``."""
    if verdicts == {"supported"}:
        return "holds"
    if verdicts == {"not supported"}:
        return "fails"
    return "open"


def _verdict_words(rows: pd.DataFrame) -> str:
    counts = rows.verdict.value_counts()
    return ", ".join(f"{n} {v}" for v, n in counts.items())


def _finding_rise(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C3")
    if own.empty:
        return None
    nulls = measured_nulls(claims, protocol, "C3")
    failed = nulls[nulls.verdict != "survives"]
    direction = _direction(set(own.verdict))
    title = {
        "holds": "The neuron score rises after sparsification"
        + (", against every null" if len(nulls) and failed.empty else ""),
        "fails": "The neuron score does not rise after sparsification",
        "open": "The neuron-score rise is not established",
    }[direction]
    text = (f"TopK SAE − CEBRA neuron score {_span(own)} over {_ks(own)} (C3: "
            f"{_verdict_words(own)}).")  # fmt: skip
    if direction == "holds" and len(nulls):
        t = tightest_null(nulls)
        text += (
            f" It survives all {len(nulls)} null comparisons (tightest: SAE − {t.baseline} "
            f"at {t.part}, {_row_interval(t)})." if failed.empty else
            f" It does not survive {len(failed)} of {len(nulls)} null comparisons ("
            + "; ".join(f"SAE − {f.baseline} at {f.part}: {_row_interval(f)}"
                        for f in failed.itertuples()) + ")."
        )  # fmt: skip
    return Finding(title, text, "fig4_scores", "claims C3")


def _finding_untrained(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C3")
    null = _parts(claims, protocol, "C3", "random_sae")
    if own.empty or null.empty:
        return None
    own, null = own.set_index("part"), null.set_index("part")
    both = own.index.intersection(null.index)
    rises = own.loc[both, "effect"] > 0
    both = both[rises.to_numpy()]
    if both.empty:  # no rise to explain
        return None
    share = 1 - null.loc[both, "effect"] / own.loc[both, "effect"]
    low, high = share.min(), share.max()
    shares = f"{low:.0%}" if np.isclose(low, high, atol=0.005) else f"{low:.0%} to {high:.0%}"
    mostly = share.mean() >= 0.5
    title = ("Most of the rise comes with width and sparsity, not training" if mostly else
             "Most of the rise comes from training")  # fmt: skip
    text = (f"An untrained SAE of the same width and k gets {shares} of that rise: trained − "
            f"untrained is {_span(null.loc[both])} (C3 against random_sae).")  # fmt: skip
    return Finding(title, text, "nulls", "claims C3 vs random_sae")


def _finding_decoding(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C5")
    if own.empty:
        return None
    pos = own[own.part.str.startswith("pos_r2")]
    direction = own[own.part.str.startswith("dir_acc")]
    bits = []
    if len(pos):
        bits.append(f"position R² changes by {_span(pos)}")
    if len(direction):
        bits.append(f"direction accuracy by {_span(direction)}")
    title = {"holds": "Decoding is preserved", "fails": "Decoding drops after sparsification",
             "open": "Whether decoding is preserved is not established"}[
                 _direction(set(own.verdict))]  # fmt: skip
    text = (f"After sparsification {' and '.join(bits)} (SAE − CEBRA on the validation split; "
            f"C5, which allows a drop of {-float(own.bound.iloc[0]):g}: "
            f"{_verdict_words(own)}).")  # fmt: skip
    text += "".join(f" Direction accuracy {note}." for note in left_out_notes(own))
    return Finding(title, text, "fig5_decoding", "claims C5")


def _cases_effect(posthoc, protocol, column, subject, null) -> pd.Series:
    """Per case x k: ``subject − null`` of ``column`` (SAE seeds averaged within a case)."""
    if not {"protocol", "representation", "k", column, *CASE_KEYS} <= set(posthoc.columns):
        return pd.Series(dtype=float)
    data = posthoc[(posthoc.protocol == protocol) & posthoc.representation.isin([subject, null])]
    if data.empty or column not in data:
        return pd.Series(dtype=float)
    keys = [*CASE_KEYS, "k"]
    means = data.astype({"k": float}).groupby([*keys, "representation"])[column].mean()
    table = means.unstack("representation")
    if subject not in table or null not in table:
        return pd.Series(dtype=float)
    return (table[subject] - table[null]).dropna()


def _finding_place_fields(posthoc, protocol, settings) -> Finding | None:
    effects = _cases_effect(posthoc, protocol, "place_field_share", "sae", "random_sae")
    if effects.empty:
        return None
    ph = posthoc[posthoc.protocol == protocol]
    trained = ph[ph.representation == "sae"].place_field_share.mean()
    untrained = ph[ph.representation == "random_sae"].place_field_share.mean()
    row = measure_part("", "", "", "", effects, settings)
    if row["ci_low"] > 0:
        title = "Training adds place-field-like latents"
    elif row["ci_high"] < 0:
        title = "An untrained SAE has more place-field-like latents than a trained one"
    else:
        title = "An untrained SAE has as many place-field-like latents as a trained one"
    text = (f"Place-field-like latents: {trained:.0%} of a trained SAE's, {untrained:.0%} of an "
            f"untrained SAE's of the same width and k; trained − untrained "
            f"{interval(row['effect'], row['ci_low'], row['ci_high'])} (share of latents, per "
            "case).")  # fmt: skip
    return Finding(title, text, "place_fields", "posthoc place_field_share")


def _percent(share: float) -> str:
    """A share as a percentage, with two decimals below 1 %."""
    return f"{share:.2%}" if share < 0.01 else f"{share:.1%}"


def _finding_stability(stability, protocol, settings) -> Finding:
    if {"protocol", "representation", "value"} <= set(stability.columns):
        sae = stability[(stability.protocol == protocol) & (stability.representation == "sae")
                        & (stability.measure == "matched_share")]  # fmt: skip
        if "arch" in sae:
            sae = sae[sae.arch.isna() | (sae.arch != "standard")]
        if "threshold" in sae and sae.threshold.notna().any():
            sae = sae[sae.threshold == sae.threshold.max()]
        sae = sae[sae.value.notna()]
    else:
        sae = stability.iloc[0:0]
    if sae.empty:
        return Finding("Latents across SAE seeds: not measured",
                       "Stability needs at least two SAE seeds (sae.seeds); this run has one.",
                       "", "stability")  # fmt: skip
    effects = (sae.value - sae.random_value).set_axis(pd.Index(sae.rat, name="rat"))
    row = measure_part("", "", "", "", effects, settings)
    share = sae.value.mean()
    if row["ci_low"] > 0:
        title = ("Most SAE latents reproduce across SAE seeds" if share >= 0.5 else
                 "Few SAE latents reproduce across SAE seeds, if more than chance")  # fmt: skip
    else:
        title = "SAE latents do not reproduce across SAE seeds"
    strict = sae.threshold.max() if "threshold" in sae else float("nan")
    at = f"{strict:g}" if np.isfinite(strict) else "posthoc.match_cosine"
    text = (f"{_percent(share)} of the selected SAEs' decoder directions match between two SAE "
            f"seeds (|cosine| ≥ {at}), against "
            f"{_percent(sae.random_value.mean())} for random "
            f"decoders: trained − random "
            f"{interval(row['effect'], row['ci_low'], row['ci_high'])}.")  # fmt: skip
    return Finding(title, text, "stability", "stability matched_share")


#: C7's and C9's measures, by the prefix of their parts' names, in words.
_MEASURE_WORDS = {"neuron": "the neuron score", "place_fields": "place-field-like latents",
                  "recovery": "recovery of the known code",
                  "membership": "each factor's neurons (membership AUC)"}  # fmt: skip


def _by_measure(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Parts grouped by the measure their name starts with (``neuron_k8`` -> ``neuron``)."""
    prefix = rows.part.str.replace(_K_SUFFIX, "", regex=True)
    return {m: rows[prefix == m] for m in _MEASURE_WORDS if (prefix == m).any()}


def _listing(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _finding_training(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C7")
    if own.empty:
        return None
    groups = _by_measure(own)
    adds = [_MEASURE_WORDS[m] for m, g in groups.items() if set(g.verdict) == {"supported"}]
    some = [_MEASURE_WORDS[m] for m, g in groups.items()
            if "supported" in set(g.verdict) and set(g.verdict) != {"supported"}]  # fmt: skip
    rest = [_MEASURE_WORDS[m] for m, g in groups.items() if "supported" not in set(g.verdict)]
    if adds and not some and not rest:
        title = "Training adds interpretability beyond width and sparsity"
    elif not adds and not some:
        title = "Training adds no interpretability beyond width and sparsity"
    else:
        said = ([f"to {_listing(adds)}"] if adds else []) + (
            [f"to {_listing(some)} at some k"] if some else [])  # fmt: skip
        title = f"Training adds {'; '.join(said)}" + (f", not to {_listing(rest)}" if rest else "")
    bits = [f"{_MEASURE_WORDS[m]} {_span(g, name_k=True)}" for m, g in groups.items()]
    text = (f"Trained SAE − its untrained twin (same width, k and initial weights): "
            f"{'; '.join(bits)} (C7: {_verdict_words(own)}).")  # fmt: skip
    return Finding(title, text, "place_fields", "claims C7")


def _finding_reproduce(claims, stability, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C8")
    if own.empty or not {"arch", "threshold"} <= set(stability.columns):
        return None
    st = stability[(stability.protocol == protocol) & (stability.representation == "sae")
                   & stability.value.notna()]  # fmt: skip

    def share(arch, measure, threshold=None):
        rows = st[(st.arch == arch) & (st.measure == measure)]
        if threshold is not None:
            rows = rows[np.isclose(rows.threshold, threshold)]
        return rows.value.mean(), rows.random_value.mean()

    topk = own[own.part.str.startswith("topk_")]
    bits = []
    for r in topk.itertuples():
        if "_matched_" in r.part:
            t = float(r.part.rsplit("_", 1)[1])
            value, chance = share("topk", "matched_share", t)
            bits.append(f"{_percent(value)} match at |cosine| ≥ {t:g} (chance "
                        f"{_percent(chance)}; {_row_interval(r)})")  # fmt: skip
        else:
            value, chance = share("topk", "subspace")
            bits.append(f"active subspaces agree {value:.2f} (chance {chance:.2f}; "
                        f"{_row_interval(r)})")  # fmt: skip
    text = ("Selected TopK SAEs across SAE seeds, live latents only: " + "; ".join(bits)
            + ". Chance is the mean of many random draws per case, its spread in the "
            "interval.")  # fmt: skip
    twins = _parts(claims, protocol, "C8", "initial_decoders")
    twins = twins[twins.part.str.startswith("topk_")]
    if len(twins):
        beaten = int((twins.verdict == "survives").sum())
        text += (f" Against the pair's own initial decoders (the untrained twins) it survives "
                 f"{beaten} of {len(twins)} comparisons.")  # fmt: skip
    l1 = own[own.part.str.startswith("standard_")]
    if len(l1):
        strict = l1[l1.part.str.contains("_matched_")]
        if len(strict):
            r = strict.iloc[-1]
            t = float(r.part.rsplit("_", 1)[1])
            value, chance = share("standard", "matched_share", t)
            text += (f" L1 SAEs at the same sparsity: {_percent(value)} at ≥ {t:g} (chance "
                     f"{_percent(chance)}; {_row_interval(r)}).")  # fmt: skip
    verdicts = set(topk.verdict)
    strict_share = share("topk", "matched_share", st.threshold.max())[0]
    if verdicts == {"supported"}:
        title = ("Most SAE latents reproduce across SAE seeds" if strict_share >= 0.5 else
                 "Few SAE latents reproduce across SAE seeds, if more than chance")  # fmt: skip
    elif "supported" not in verdicts:
        title = "TopK SAE latents do not reproduce across SAE seeds beyond chance"
    else:
        title = "TopK SAE latents reproduce beyond chance by some measures only"
    l1_verdicts = set(l1.verdict)
    if l1_verdicts and l1_verdicts != verdicts:  # L1 at the same sparsity reads differently
        title += ("; L1 ones at the same sparsity do, a little" if l1_verdicts == {"supported"}
                  else "; L1 ones at the same sparsity by some measures" if "supported" in
                  l1_verdicts else "; nor do L1 ones at the same sparsity")  # fmt: skip
    return Finding(title, f"{text} (C8: {_verdict_words(own)}).", "stability", "claims C8")


def _finding_classics(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C9")
    groups = {} if own.empty else _by_measure(own)
    if not groups:
        return None
    # a measure is won where some k is supported and none is not (and lost the other way)
    wins = [
        _MEASURE_WORDS[m]
        for m, g in groups.items()
        if "supported" in set(g.verdict) and "not supported" not in set(g.verdict)
    ]
    loses = [
        _MEASURE_WORDS[m]
        for m, g in groups.items()
        if "not supported" in set(g.verdict) and "supported" not in set(g.verdict)
    ]
    if wins and len(wins) == len(groups):
        title = "Sparsifying CEBRA beats the classical methods on the known answer"
    elif loses and len(loses) == len(groups):
        title = "A classical method beats sparsifying CEBRA"
    else:
        title = ("Sparsifying CEBRA beats the classics on " + _listing(wins) if wins
                 else "Sparsifying CEBRA does not beat the classics") + (
                     f"; a classic wins on {_listing(loses)}" if loses else "")  # fmt: skip

    bits = []
    for m, g in groups.items():
        best = g.detail.str.extract(r"best per case: (\w+)")[0].dropna()
        who = best.mode().iloc[0] if len(best) else ""
        bits.append(
            f"{_MEASURE_WORDS[m]} {_span(g, name_k=True)}" + (f" (best: {who})" if who else "")
        )
    text = (f"On simulated rats, whose answer is known: SAE − the best classical method "
            f"(dictionary, assemblies, NMF, SAE on spikes, as configured): {'; '.join(bits)} "
            f"(C9: {_verdict_words(own)}). Not judged on the neuron score, which a method "
            f"built on the spikes wins by construction.")  # fmt: skip
    return Finding(title, text, "ground_truth", "claims C9")


#: C10's rivals, by the suffix of its parts' names, in words.
_RIVAL_WORDS = {"cebra": "CEBRA's attribution maps", "xcebra": "xCEBRA's attribution maps",
                "classic": "the best classic"}  # fmt: skip


def _finding_neurons(claims, protocol) -> Finding | None:
    own = _parts(claims, protocol, "C10")
    if own.empty:
        return None
    rival = own.part.str.extract(r"_vs_(\w+)$")[0]
    bits, wins, loses = [], [], []
    for short, words in _RIVAL_WORDS.items():
        g = own[rival == short]
        if g.empty:
            continue
        bits.append(f"minus {words} {_span(g, name_k=True)}")
        verdicts = set(g.verdict)
        if "supported" in verdicts and "not supported" not in verdicts:
            wins.append(words)
        elif "not supported" in verdicts and "supported" not in verdicts:
            loses.append(words)
    if wins and len(wins) == len(bits):
        title = "To find each factor's neurons, sparsify CEBRA: its SAE beats every rival"
    elif wins:
        title = f"Sparsified CEBRA finds each factor's neurons better than {_listing(wins)}"
        if loses:
            title += f", not better than {_listing(loses)}"
    elif loses:
        title = ("Sparsified CEBRA does not find each factor's neurons better than "
                 + _listing(loses))  # fmt: skip
    else:
        title = "No clear winner at finding each factor's neurons"
    text = (f"On simulated rats, membership AUC of each true factor's member neurons (0.5: "
            f"chance): the SAE's gradient attribution {'; '.join(bits)} (C10: "
            f"{_verdict_words(own)}).")  # fmt: skip
    return Finding(title, text, "ground_truth", "claims C10")


def study_findings(claims: pd.DataFrame, posthoc: pd.DataFrame, stability: pd.DataFrame,
                   settings: ClaimSettings | None = None) -> list[Finding]:  # fmt: skip
    """The things the run found, in reading order (one protocol: ``paper`` when it ran)."""
    settings = settings or ClaimSettings()
    protocol = _protocol(claims, posthoc)
    if protocol is None:
        return []
    found = [
        _finding_rise(claims, protocol),
        _finding_untrained(claims, protocol),
        _finding_decoding(claims, protocol),
        _finding_training(claims, protocol) or _finding_place_fields(posthoc, protocol, settings),
        _finding_reproduce(claims, stability, protocol)
        or _finding_stability(stability, protocol, settings),
        _finding_classics(claims, protocol),
        _finding_neurons(claims, protocol),
    ]
    return [f for f in found if f is not None]


def scope(claims: pd.DataFrame, posthoc: pd.DataFrame) -> str:
    """What the findings rest on: protocol, rats, dims, seeds, and the caveat of few rats."""
    protocol = _protocol(claims, posthoc)
    if protocol is None:
        return "no claims were measured"
    if not {"protocol", "rat", "dim", "seed"} <= set(posthoc.columns):
        n_rats = int(claims.n_rats.max()) if "n_rats" in claims and len(claims) else 0
        words = f"protocol {protocol}; {n_rats} rat{'s' if n_rats != 1 else ''}"
        warning = caveat(n_rats)
        return words + (f". Caveat: {warning}" if warning else "")
    ph = posthoc[posthoc.protocol == protocol]
    rats = sorted(set(ph.rat))
    dims = sorted(int(d) for d in set(ph.dim))
    seeds = sorted(int(s) for s in set(ph.seed))
    words = (f"protocol {protocol}; {len(rats)} rat{'s' if len(rats) != 1 else ''} "
             f"({', '.join(rats)}) x dims {', '.join(map(str, dims))} x "
             f"{len(seeds)} CEBRA seed{'s' if len(seeds) != 1 else ''}")  # fmt: skip
    warning = caveat(len(rats))
    return words + (f". Caveat: {warning}" if warning else "")


def as_rst(findings: list[Finding], header: str, figure_titles: dict | None = None) -> str:
    """The findings as reStructuredText (the report's first screen); ``figure_titles``: per
    figure name, how to point at it (a figure without one is not named)."""
    lines = [header, "", ""]
    for n, f in enumerate(findings, 1):
        text = rst_literal(f.text)
        shown = (figure_titles or {}).get(f.figure, "")
        where = f" (see {shown})" if shown else ""
        lines += [f"{n}. **{rst_literal(f.title)}.** {text}{where}", ""]
    return "\n".join(lines)


def as_markdown(findings: list[Finding], header: str, numbers: bool = True) -> str:
    """The findings as Markdown (the README's copy); ``numbers`` False: each finding's title
    and figure only (its numbers are in the claims table above it)."""
    lines = [header, ""]
    for n, f in enumerate(findings, 1):
        where = f" (`figures/{FIGURES[f.figure].output}`)" if f.figure in FIGURES else ""
        text = f" {f.text}" if numbers else f" ({f.source})"
        lines.append(f"{n}. **{f.title}.**{text}{where}")
    return "\n".join(lines) + "\n"


def as_html(findings: list[Finding]) -> str:
    """The findings as an HTML ordered list."""
    items = "".join(f"<li><b>{html.escape(f.title)}.</b> {html.escape(f.text)}"
                    + (f" <i>(figure {html.escape(f.figure)})</i>" if f.figure else "")
                    + "</li>" for f in findings)  # fmt: skip
    return f"<ol>{items}</ol>"


def landing_rst(claims: pd.DataFrame, posthoc: pd.DataFrame, stability: pd.DataFrame,
                description: str, run: str, links: dict[str, str],
                answers: pd.DataFrame | None = None) -> str:  # fmt: skip
    """The report's first screen: what the run found, then the study's description.

    Args:
        description: the study's description (``workflow/report/workflow.rst``, a Jinja
            template Snakemake renders with the config).
        run: the run's config files and date, for the header.
        links: per figure name, its reStructuredText reference in the report (a result's
            file name or a category, e.g. ```fig4_scores.png`_``); figures not drawn in
            this run are left out.
        answers: the answer table (:func:`cebra_sae.report.answers.answer_table`), shown
            first.
    """
    from cebra_sae.report import answers as answer

    found = study_findings(claims, posthoc, stability)
    header = ["What this run found", "===================", "",
              f"*{rst_literal(scope(claims, posthoc))}. Run: {rst_literal(run)}.*"]  # fmt: skip
    if not found:
        header += ["", "No claim could be measured in this run (see the table claims)."]
    if answers is not None and len(answers):
        header += ["", "**If you want …, use …** (the best of what this run measured, its margin "
                   "over the runner-up with the 95 % interval; table answers):", "",
                   answer.as_rst(answers), "The findings behind it:"]  # fmt: skip
    body = as_rst(found, "\n".join(header), links)
    more = ("Every claim part with its interval and tightest null: *Claims at a glance* "
            "(category `Claims`_); in words, claim by claim: `Is the effect real?`_. The rule "
            "graph is further down this page, and under *Workflow* in the menu.")  # fmt: skip
    return f"{body}\n{more}\n\nThe study\n---------\n\n{description}"


def claims_markdown(claims: pd.DataFrame, protocol: str | None = None) -> str:
    """Every claim in one short table (the README's first screen): what it says, its
    verdict, and per unit its parts' effects (lowest and highest) with their intervals.

    Example:
        >>> claims = pd.DataFrame({"protocol": "paper", "claim": ["C3", "C3"],
        ...     "statement": "Neuron score rises", "part": ["k8", "k16"], "baseline": "claim",
        ...     "effect": [0.1, 0.2], "ci_low": [0.05, 0.1], "ci_high": [0.15, 0.3],
        ...     "claim_verdict": "supported"})
        >>> print(claims_markdown(claims).splitlines()[2].replace("] ", "]\\n"))
        | C3 | Neuron score rises | supported | score: +0.100 [+0.050, +0.150]
        to +0.200 [+0.100, +0.300]
        |
    """
    from cebra_sae.claims.paper import STATEMENTS
    from cebra_sae.report.figures import forest_unit

    if protocol is None:
        present = set(claims.protocol)
        protocol = "paper" if "paper" in present else sorted(present)[0]
    lines = ["| claim | what it says | verdict | effect [95 % interval], per unit |",
             "|---|---|---|---|"]  # fmt: skip
    for claim in sorted(STATEMENTS, key=claim_rank):
        mine = claims[(claims.protocol == protocol) & (claims.claim == claim)]
        if mine.empty:
            continue
        verdict = mine.claim_verdict.iloc[0]
        own = _parts(claims, protocol, claim)
        # one span per unit and kind of part (the part's name without its k: C10's rivals,
        # C8's thresholds), named by the kind where a unit has several
        kind = own.part.str.replace(r"_?k\d+", "", regex=True).str.strip("_")
        groups = pd.DataFrame({"unit": own.part.map(forest_unit), "kind": kind}, index=own.index)
        spans = []
        for unit, of_unit in groups.groupby("unit", sort=False):
            for name, part in of_unit.groupby("kind", sort=False):
                label = unit if of_unit.kind.nunique() == 1 else f"{unit}, {name}"
                spans.append(f"{label}: {_span(own.loc[part.index], name_k=True)}")
        effects = "; ".join(spans)
        if not effects:
            reasons = mine.detail.dropna() if "detail" in mine else pd.Series(dtype=str)
            effects = reasons.iloc[0] if len(reasons) and reasons.iloc[0] else "—"
        cells = [claim, mine.statement.iloc[0], verdict, effects]
        lines.append(markdown_row(cells))
    return "\n".join(lines) + "\n"


def findings_markdown(tables: str, run: str) -> str:
    """The findings of the run whose tables are in the folder ``tables`` (``results/tables``)
    as Markdown, labelled with ``run`` (its config and date): the README's copy.

    Raises:
        FileNotFoundError: naming the table that is missing (run the study first).
    """
    from pathlib import Path

    folder = Path(tables)
    frames = []
    for name in ("claims", "posthoc", "stability"):
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no {name} table; run the study first "
                                    "(snakemake --cores N --configfile ...)")  # fmt: skip
        frames.append(pd.read_parquet(path))
    claims, posthoc, stability = frames
    header = f"*{scope(claims, posthoc)}. Run: {run}.*"
    answers = folder / "answers.parquet"
    if answers.exists():
        from cebra_sae.report.answers import as_markdown as answers_markdown

        header += ("\n\n**If you want …, use …** (the best of what the run measured; its "
                   "margin over the runner-up with the 95 % interval):\n\n"
                   + answers_markdown(pd.read_parquet(answers))
                   + "\nThe findings behind it:")  # fmt: skip
    header += "\n\n**Every claim** (C1-C6 the paper's, C7-C10 beyond it):\n\n" + claims_markdown(
        claims) + "\nIn words (the numbers are in the tables above):"  # fmt: skip
    return as_markdown(study_findings(claims, posthoc, stability), header, numbers=False)

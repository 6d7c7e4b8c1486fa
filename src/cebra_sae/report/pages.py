"""The report's pages of prose and summary tables, written from the tables only.

``PAGES`` is the registry the workflow writes them from (one rule each,
``workflow/rules/report.smk``): "Is the effect real?" (STUDY.md §9) and "What a latent
means" (§10). A page names the tables it reads (in order, as its builder's arguments), its
title and its report category; its caption is ``workflow/report/{name}.rst``.

Example:
    >>> import pandas as pd
    >>> claims = pd.DataFrame([dict(protocol="paper", claim="C3", statement="s", part="k8",
    ...     claim_verdict="supported", baseline="claim", effect=0.1, ci_low=0.05, ci_high=0.2,
    ...     verdict="supported", caveat="", n_rats=2)])
    >>> "C3 (s): supported" in effect_real_page(claims, pd.DataFrame(), pd.DataFrame())
    True
    >>> PAGES["effect_real"].tables
    ('claims', 'posthoc', 'stability')
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.claims.judge import VERDICT_RULE
from cebra_sae.claims.paper import NULLS_RULE, WITHOUT_NULLS
from cebra_sae.posthoc.representations import CASE_KEYS, REPRESENTATIONS
from cebra_sae.registry import Registry
from cebra_sae.report import categories
from cebra_sae.report.html import page, table_body
from cebra_sae.report.labels import representation_label

_STYLE = (
    "body{font-family:sans-serif;font-size:14px;max-width:60em}table{border-collapse:collapse}"
    "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
)


@dataclass(frozen=True)
class Page:
    """One report page: ``build(*tables)`` -> self-contained HTML.

    Attributes:
        name: output ``results/report/{name}.html``, rule ``{name}``, caption
            ``workflow/report/{name}.rst``.
        title: the page's title (its label in the report).
        build: the page's builder; gets the ``tables`` as DataFrames, in order.
        tables: names of the tables read (``results/tables/{table}.parquet``).
        category: the report category.
    """

    name: str
    title: str
    build: Callable[..., str]
    tables: tuple[str, ...]
    category: str


#: Every report page of prose and summaries.
PAGES: Registry[Page] = Registry("report page")


def _interval(row) -> str:
    return f"{row.effect:+.3f} [{row.ci_low:+.3f}, {row.ci_high:+.3f}]"


def plain_words(claims: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Per protocol x claim, a sentence on what survived its nulls:
    ``(protocol, claim, sentence)``.

    Example:
        >>> row = dict(protocol="paper", claim="C3", statement="s", claim_verdict="supported",
        ...            part="k8", baseline="claim", effect=0.1, ci_low=0.05, ci_high=0.15,
        ...            verdict="supported", caveat="", n_rats=4)
        >>> null = {**row, "baseline": "random_sae", "verdict": "does not survive",
        ...         "effect": 0.01, "ci_low": -0.02, "ci_high": 0.03}
        >>> plain_words(pd.DataFrame([row, null]))[0][2][:60]
        'C3 (s): supported. k8: +0.100 [+0.050, +0.150]. Against the '
    """
    out = []
    for (protocol, claim), rows in claims.groupby(["protocol", "claim"], sort=False):
        own = rows[rows.baseline == "claim"]
        first = own.iloc[0] if len(own) else rows.iloc[0]
        words = [f"{claim} ({first.statement}): {first.claim_verdict}."]
        words += [f"{r.part}: {_interval(r)} ({r.verdict})." if r.verdict != "supported"
                  else f"{r.part}: {_interval(r)}." for r in own.itertuples()]  # fmt: skip
        nulls = rows[rows.baseline != "claim"]
        if len(nulls):
            survived = sorted(set(nulls.baseline[nulls.verdict == "survives"]))
            failed = nulls[nulls.verdict == "does not survive"]
            closest = nulls.loc[nulls.ci_low.idxmin()] if nulls.ci_low.notna().any() else None
            margin = (
                ""
                if closest is None
                else (
                    f" (smallest margin: {closest.baseline}, {closest.part}, {_interval(closest)})"
                )
            )
            words.append("Against the nulls: " + (
                f"survives {', '.join(survived)} in every part{margin}" if failed.empty else
                f"survives {len(nulls) - len(failed)} of {len(nulls)} comparisons; does not "
                "survive " + ", ".join(f"{r.baseline} ({r.part}, {_interval(r)})"
                                       for r in failed.itertuples())
            ) + ".")  # fmt: skip
        elif claim in WITHOUT_NULLS:
            words.append("No null applies (a comparison within the sweep or among SAEs).")
        if first.caveat:
            words.append(f"Caveat: {first.caveat}.")
        out.append((protocol, claim, " ".join(words)))
    return out


def shuffled_decoding(posthoc: pd.DataFrame) -> pd.DataFrame:
    """The real embedding's decoding beside the shuffled-spikes CEBRA's, per case with both:
    in-sample (train) and held-out (valid)."""
    if posthoc.empty or "shuffled_cebra" not in set(posthoc.representation):
        return pd.DataFrame()
    columns = ["pos_r2_train", "pos_r2_valid", "dir_acc_train", "dir_acc_valid"]
    keys = ["protocol", *CASE_KEYS]
    shuffled = posthoc[posthoc.representation == "shuffled_cebra"].set_index(keys)[columns]
    real = posthoc[posthoc.representation == "cebra"].set_index(keys)[columns]
    table = real.join(shuffled, lsuffix="_cebra", rsuffix="_shuffled", how="inner")
    return table.reset_index()


def effect_real_page(claims: pd.DataFrame, posthoc: pd.DataFrame,
                     stability: pd.DataFrame) -> str:  # fmt: skip
    """The whole page as self-contained HTML."""
    parts = [
        f"<h2>{categories.EFFECT_REAL}</h2>",
        f"<p><b>How a claim is judged.</b> {html.escape(VERDICT_RULE)}</p>",
        f"<p><b>Nulls.</b> {html.escape(NULLS_RULE)}</p>",
    ]
    for protocol, rows in pd.DataFrame(plain_words(claims), columns=["protocol", "claim", "text"]
                                       ).groupby("protocol", sort=False):  # fmt: skip
        parts.append(f"<h3>Protocol {html.escape(protocol)}</h3><ul>")
        parts += [f"<li>{html.escape(text)}</li>" for text in rows.text]
        parts.append("</ul>")
    shuffled = shuffled_decoding(posthoc)
    if not shuffled.empty:
        gap = (shuffled.pos_r2_train_shuffled - shuffled.pos_r2_valid_shuffled).mean()
        parts.append(
            "<h3>Does supervision leak? CEBRA on time-permuted spikes</h3><p>Supervised CEBRA "
            "fit on train spikes whose time bins were permuted (labels intact). In-sample "
            "(train) position R² of the shuffled model: "
            f"{shuffled.pos_r2_train_shuffled.mean():.3f}"
            f"; held out (valid): {shuffled.pos_r2_valid_shuffled.mean():.3f} (real embedding: "
            f"{shuffled.pos_r2_train_cebra.mean():.3f} / {shuffled.pos_r2_valid_cebra.mean():.3f}"
            f"). The in-sample minus held-out gap of the null, {gap:+.3f}, is how far in-sample "
            "decoding (protocol seed_code's) can be fooled.</p>"
        )
        parts.append(table_body(shuffled))
    if not stability.empty:
        summary = stability.groupby(["protocol", "representation", "measure"], as_index=False)[
            ["value", "random_value"]].mean()  # fmt: skip
        parts.append("<h3>Stability across seeds</h3>")
        parts.append(table_body(summary))
    return page(categories.EFFECT_REAL, "".join(parts), _STYLE)


#: posthoc columns summarised on the page "What a latent means", in its order.
MEANING_COLUMNS = ["width", "place_fields", "place_field_share", "track_coverage",
                   "peak_evenness", "attribution_agreement", "recovery_best",
                   "recovery_hungarian"]  # fmt: skip


def meaning_summary(posthoc: pd.DataFrame, by=("protocol", "representation", "k")) -> pd.DataFrame:
    """Means of :data:`MEANING_COLUMNS` per representation over rats, dims and seeds."""
    keys = list(by)
    table = posthoc.groupby(keys, dropna=False, sort=False)[MEANING_COLUMNS].mean()
    table = table.assign(cases=posthoc.groupby(keys, dropna=False, sort=False).size())
    table = table.reset_index()
    rank = {name: i for i, name in enumerate(REPRESENTATIONS)}
    order = [table[key].map(rank) if key == "representation" else table[key] for key in keys]
    return table.iloc[np.lexsort([o.fillna(-1).to_numpy() for o in reversed(order)])]


_MEANING_INTRO = (
    "Every latent of every post-hoc representation (CEBRA dims, each selected SAE, the nulls) "
    "on the validation split. Tuning curve: mean activation per position bin over the track, "
    "right and left runs separately (a signed latent shifted by its minimum). Place-field-like: "
    "its Skaggs spatial information is above the 95th percentile of its own time-shift null. "
    "Track coverage: share of the track inside the field of some place-field-like latent; peak "
    "evenness: 1 minus the Kolmogorov-Smirnov distance of their peaks from uniform. Attribution "
    "agreement: share of latents whose best-correlated neuron is also the neuron with their "
    "largest CEBRA attribution (cebra.attribution: Jacobian x spikes, through the SAE encoder "
    "for SAE latents). Recovery (simulated recordings only): mean over the true factors of the "
    "best |r| with any latent (best match) or of the one-to-one Hungarian matching (an "
    "unmatched factor counts 0)."
)


def latent_meaning_page(posthoc: pd.DataFrame) -> str:
    """The page "What a latent means" as self-contained HTML."""
    real = posthoc[posthoc.recovery_hungarian.isna()]
    simulated = posthoc[posthoc.recovery_hungarian.notna()]
    parts = [f"<h2>{categories.LATENT_MEANING}</h2>", f"<p>{html.escape(_MEANING_INTRO)}</p>"]
    for title, data in (("Recordings", real), ("Simulated recordings", simulated)):
        if data.empty:
            continue
        parts.append(f"<h3>{title}: per representation, mean over rats, dims and seeds</h3>")
        parts.append(table_body(_readable(meaning_summary(data))))
    agree = posthoc.dropna(subset=["attribution_agreement"])
    if not agree.empty:
        line = "; ".join(
            f"{representation_label(row.representation, row.k)} {row.attribution_agreement:.0%}"
            for row in meaning_summary(agree).itertuples()
        )
        parts.append(
            "<p><b>CEBRA attribution.</b> Share of latents whose best-correlated neuron also "
            "carries their largest attribution (cebra.attribution: Jacobian x spikes), all "
            f"recordings: {html.escape(line)}.</p>"
        )
    if not simulated.empty:
        by_k = meaning_summary(simulated, ("n_factors", "representation", "k"))
        parts.append("<h3>Recovery of the true code by number of factors K</h3>")
        columns = ["n_factors", "representation", "k", "recovery_best", "recovery_hungarian",
                   "cases"]  # fmt: skip
        parts.append(table_body(_readable(by_k[columns])))
    return page(categories.LATENT_MEANING, "".join(parts), _STYLE)


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded to 3 digits, a missing k shown as blank."""
    table = table.round(3)
    if "k" in table:
        table["k"] = table["k"].astype("string").fillna("")
    return table


PAGES.register(
    Page("effect_real", categories.EFFECT_REAL, effect_real_page,
         ("claims", "posthoc", "stability"), categories.EFFECT_REAL)
)  # fmt: skip
PAGES.register(
    Page("latent_meaning", categories.LATENT_MEANING, latent_meaning_page, ("posthoc",),
         categories.LATENT_MEANING)
)  # fmt: skip

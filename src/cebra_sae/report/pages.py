"""The report's pages of prose and summary tables, written from the tables only.

``PAGES`` is the registry the workflow writes them from (one rule each,
``workflow/rules/report.smk``): "Is the effect real?" (docs/study.md §9) and "What a latent
means" (§10). A page names the tables it reads (in order, as its builder's arguments), its
title and its report category; its caption is ``workflow/report/{name}.rst``.

Example:
    >>> import pandas as pd
    >>> claims = pd.DataFrame([dict(protocol="paper", claim="C3", statement="s", part="k8",
    ...     claim_verdict="supported", baseline="claim", effect=0.1, ci_low=0.05, ci_high=0.2,
    ...     verdict="supported", caveat="", n_rats=2, n_cases=4, detail="", bound=0.0)])
    >>> "C3. " in effect_real_page(claims, pd.DataFrame(), pd.DataFrame(columns=["value"]))
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

from cebra_sae.claims.judge import VERDICT_RULE, left_out_notes
from cebra_sae.claims.paper import NULLS_RULE, STATEMENTS, WITHOUT_NULLS, part_label
from cebra_sae.posthoc.representations import CASE_KEYS, REPRESENTATIONS
from cebra_sae.registry import Registry
from cebra_sae.report import categories
from cebra_sae.report.findings import (
    as_html,
    claim_rank,
    claims_view,
    interval,
    measured_nulls,
    scope,
    study_findings,
    tightest_null,
    untestable_reason,
)
from cebra_sae.report.html import page, table_body
from cebra_sae.report.labels import representation_label

_STYLE = (
    "body{font-family:sans-serif;font-size:14px;max-width:80em}table{border-collapse:collapse}"
    "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}th{text-align:left}"
    "p,li{max-width:60em;line-height:1.4}"
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


_VERDICT_CSS = (
    ".v-supported,.v-survives{color:#007a5a;font-weight:bold}"
    ".v-not-supported,.v-does-not-survive{color:#b34700;font-weight:bold}"
    ".v-inconclusive,.v-mixed{color:#555}.v-not-testable{color:#888;font-style:italic}"
    "td{text-align:left;vertical-align:top}"
)


def _verdict(word: str) -> str:
    """A verdict in its colour (the class names are in ``_VERDICT_CSS``)."""
    return f"<span class='v-{word.replace(' ', '-')}'>{html.escape(word)}</span>"


def claim_paragraphs(claims: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """Per protocol x claim: ``(protocol, claim, verdict, paragraph)``, in words: what each
    part measured, and what its nulls did to it.

    Example:
        >>> row = dict(protocol="paper", claim="C3", claim_verdict="supported", part="k8",
        ...            baseline="claim", effect=0.1, ci_low=0.05, ci_high=0.15, bound=0.0,
        ...            verdict="supported", caveat="", n_rats=4, n_cases=8, detail="")
        >>> null = {**row, "baseline": "random_sae", "verdict": "does not survive",
        ...         "claim_verdict": "", "effect": 0.01, "ci_low": -0.02, "ci_high": 0.03}
        >>> text = claim_paragraphs(pd.DataFrame([row, null]))[0][3]
        >>> text[:60]
        'Supported in every part: neuron score: SAE k=8 above CEBRA +'
        >>> text[text.index("Against"):][:60]
        'Against its nulls it does not survive 1 of 1 comparisons: ra'
    """
    out = []
    groups = sorted(claims.groupby(["protocol", "claim"], sort=False),
                    key=lambda g: (g[0][0], claim_rank(g[0][1])))  # fmt: skip
    for (protocol, claim), rows in groups:
        own = rows[rows.baseline == "claim"]
        verdict = own.claim_verdict.iloc[0] if len(own) else "not testable"
        parts = []
        for r in own.itertuples():
            if not (np.isfinite(r.effect) and np.isfinite(r.ci_low)):
                parts.append(f"{part_label(r.part)} could not be tested "
                             f"({untestable_reason(r)})")  # fmt: skip
            else:
                tail = "" if r.verdict == "supported" else f", {r.verdict}"
                parts.append(f"{part_label(r.part)} {interval(r.effect, r.ci_low, r.ci_high)}"
                             f"{tail}")  # fmt: skip
        lead = "Supported in every part" if verdict == "supported" else verdict.capitalize()
        words = [f"{lead}: " + "; ".join(parts) + "."]
        words += [f"{note[0].upper()}{note[1:]}." for note in left_out_notes(own)]
        nulls = measured_nulls(rows, protocol, claim)
        if len(nulls):
            failed = nulls[nulls.verdict != "survives"]
            tight = tightest_null(nulls)
            if failed.empty:
                words.append(
                    f"Against its nulls it survives all {len(nulls)} comparisons; the tightest "
                    f"is {tight.baseline} at {tight.part}, "
                    f"{interval(tight.effect, tight.ci_low, tight.ci_high)}."
                )
            else:
                listed = "; ".join(f"{f.baseline} at {f.part}, "
                                   f"{interval(f.effect, f.ci_low, f.ci_high)}"
                                   for f in failed.itertuples())  # fmt: skip
                words.append(f"Against its nulls it does not survive {len(failed)} of "
                             f"{len(nulls)} comparisons: {listed}.")  # fmt: skip
        elif claim in WITHOUT_NULLS:
            words.append("No null applies: it compares models within the sweep, or SAEs "
                         "among themselves.")  # fmt: skip
        out.append((protocol, claim, verdict, " ".join(words)))
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


def _shuffled_summary(shuffled: pd.DataFrame) -> pd.DataFrame:
    """Position R² of the real and the shuffled-spikes CEBRA per protocol x rat."""
    table = shuffled.groupby(["protocol", "rat"], as_index=False)[
        ["pos_r2_train_cebra", "pos_r2_valid_cebra", "pos_r2_train_shuffled",
         "pos_r2_valid_shuffled"]].mean().round(3)  # fmt: skip
    return table.rename(columns={
        "pos_r2_train_cebra": "CEBRA, in-sample", "pos_r2_valid_cebra": "CEBRA, held out",
        "pos_r2_train_shuffled": "shuffled, in-sample",
        "pos_r2_valid_shuffled": "shuffled, held out"})  # fmt: skip


def stability_summary(stability: pd.DataFrame) -> pd.DataFrame:
    """Mean stability per protocol x representation x dim, as shares a reader can scan."""
    data = stability[stability.value.notna()]
    if data.empty:
        return pd.DataFrame()
    data = data.assign(
        representation=[r if not isinstance(a, str) else f"{r} ({a})" for r, a in
                        zip(data.representation, data.get("arch", [None] * len(data)),
                            strict=True)],
        measure=[m if m != "matched_share" or pd.isna(t) else f"matched at |cos| ≥ {t:g}"
                 for m, t in zip(data.measure, data.get("threshold", [np.nan] * len(data)),
                                 strict=True)],
    )  # fmt: skip
    table = data.groupby(["protocol", "representation", "measure", "dim"], as_index=False)[
        ["value", "random_value"]].mean()  # fmt: skip
    table["dim"] = table["dim"].astype(int)
    table["value"] = table["value"].map(lambda v: f"{v:.3f}")
    table["random_value"] = table["random_value"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return table.rename(columns={"value": "trained / between seeds",
                                 "random_value": "random decoders"})  # fmt: skip


def effect_real_page(claims: pd.DataFrame, posthoc: pd.DataFrame,
                     stability: pd.DataFrame) -> str:  # fmt: skip
    """The whole page as self-contained HTML."""
    parts = [f"<h2>{categories.EFFECT_REAL}</h2>",
             f"<p><i>{html.escape(scope(claims, posthoc))}.</i></p>"]  # fmt: skip
    found = study_findings(claims, posthoc, stability)
    if found:
        parts += ["<h3>What this run found</h3>", as_html(found)]
    for protocol, rows in pd.DataFrame(
        claim_paragraphs(claims), columns=["protocol", "claim", "verdict", "text"]
    ).groupby("protocol", sort=False):
        parts.append(f"<h3>Claim by claim, protocol {html.escape(protocol)}</h3>")
        for r in rows.itertuples():
            parts.append(f"<h4>{r.claim}. {html.escape(STATEMENTS.get(r.claim, ''))}: "
                         f"{_verdict(r.verdict)}</h4><p>{html.escape(r.text)}</p>")  # fmt: skip
    shuffled = shuffled_decoding(posthoc)
    parts.append("<h3>Does supervision leak? CEBRA on time-permuted spikes</h3>")
    if shuffled.empty:
        parts.append(
            "<p>Not measured in this run: the shuffled-spikes CEBRA null is off "
            "(posthoc.nulls has no shuffled_cebra) or protocol paper did not run.</p>"
        )
    else:
        gap = (shuffled.pos_r2_train_shuffled - shuffled.pos_r2_valid_shuffled).mean()
        parts.append(
            "<p>Supervised CEBRA fit on train spikes whose time bins were permuted (labels "
            "intact). Its position R² in-sample is "
            f"{shuffled.pos_r2_train_shuffled.mean():.3f} and held out "
            f"{shuffled.pos_r2_valid_shuffled.mean():.3f} (the real embedding: "
            f"{shuffled.pos_r2_train_cebra.mean():.3f} and "
            f"{shuffled.pos_r2_valid_cebra.mean():.3f}). The gap, {gap:+.3f}, is how far "
            "in-sample decoding (protocol seed_code's) can be fooled. Mean per rat:</p>"
        )
        parts.append(table_body(_shuffled_summary(shuffled)))
    parts.append("<h3>Stability across seeds</h3>")
    summary = stability_summary(stability)
    if summary.empty:
        parts.append("<p>Stability needs at least two seeds: two CEBRA seeds (cebra.seeds) for "
                     "CEBRA's consistency, two SAE seeds (sae.seeds) for SAE latents matched "
                     "across seeds. This run has one of each.</p>")  # fmt: skip
    else:
        parts.append("<p>CEBRA: consistency_score (R²) between the seeds' validation "
                     "embeddings. SAE (TopK, and L1 at the TopK's sparsity) and the classical "
                     "dictionary / SAE on spikes: share of latent directions matched between "
                     "two seeds at each |cosine| threshold, and the similarity of their active "
                     "subspaces (mean cosine of principal angles), against random decoders / "
                     "subspaces of the same size (docs/study.md §12).</p>")  # fmt: skip
        parts.append(table_body(summary))
    parts.append(
        "<h3>How a claim is judged</h3>"
        f"<p>{html.escape(VERDICT_RULE)}</p><p><b>Nulls.</b> {html.escape(NULLS_RULE)}</p>"
    )
    return page(categories.EFFECT_REAL, "".join(parts), _STYLE + _VERDICT_CSS)


def claims_view_page(claims: pd.DataFrame) -> str:
    """ "Claims at a glance": one row per claim part, its own verdict, its effect and the
    tightest null (:func:`cebra_sae.report.findings.claims_view`)."""
    parts = [f"<h2>{CLAIMS_VIEW_TITLE}</h2>",
             "<p>One row per part of each of the paper's claims: its own verdict, its effect "
             "with its interval, and the tightest of its nulls (the comparison whose interval "
             "comes closest to 0: its effect, interval and whether the claim survives it). "
             "The full table, every null row included, is the table claims.</p>"]  # fmt: skip
    view = claims_view(claims)
    for protocol, rows in view.groupby("protocol", sort=False):
        parts.append(f"<h3>Protocol {html.escape(protocol)}</h3><table><tr>"
                     + "".join(f"<th>{html.escape(c)}</th>" for c in rows.columns[1:])
                     + "</tr>")  # fmt: skip
        for r in rows.itertuples(index=False):
            cells = [r.claim, r.part, r.statement]
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                         + f"<td>{_verdict(r.verdict)}</td>"
                         + "".join(f"<td>{html.escape(str(c))}</td>" for c in r[5:])
                         + "</tr>")  # fmt: skip
        parts.append("</table>")
    statements = "".join(f"<li><b>{c}</b> {html.escape(t)}</li>" for c, t in STATEMENTS.items())
    parts.append(f"<h3>The claims</h3><ul>{statements}</ul>")
    return page(CLAIMS_VIEW_TITLE, "".join(parts), _STYLE + _VERDICT_CSS)


#: The title of the claims view page.
CLAIMS_VIEW_TITLE = "Claims at a glance"


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


#: The page's column headers for :data:`MEANING_COLUMNS` and the rest, in words.
MEANING_HEADERS = {
    "width": "latents", "place_fields": "place-field-like", "place_field_share": "share",
    "track_coverage": "track covered", "peak_evenness": "peak evenness",
    "attribution_agreement": "attribution agrees", "recovery_best": "recovery (best match)",
    "recovery_hungarian": "recovery (one-to-one)", "cases": "cases", "n_factors": "true K",
}  # fmt: skip


def _meaning_table(summary: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A summary with one ``representation`` label column, shares as percentages, the
    columns in words; columns without any value left out."""
    table = summary.copy()
    table.insert(0, "representation", [representation_label(r, k) for r, k in
                                       zip(table.pop("representation"), table.pop("k"),
                                           strict=True)])  # fmt: skip
    keep = ["protocol", "representation", *[c for c in columns if table[c].notna().any()]]
    table = table[[c for c in keep if c in table]]
    for column in ("place_field_share", "track_coverage", "attribution_agreement"):
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    for column in ("place_fields", "peak_evenness", "recovery_best", "recovery_hungarian"):
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    return table.rename(columns=MEANING_HEADERS)


def latent_meaning_page(posthoc: pd.DataFrame) -> str:
    """The page "What a latent means" as self-contained HTML."""
    real = posthoc[posthoc.recovery_hungarian.isna()]
    simulated = posthoc[posthoc.recovery_hungarian.notna()]
    parts = [f"<h2>{categories.LATENT_MEANING}</h2>", f"<p>{html.escape(_MEANING_INTRO)}</p>",
             f"<p>{html.escape(_READING_COUNTS)}</p>"]  # fmt: skip
    columns = ["width", "place_fields", "place_field_share", "track_coverage",
               "peak_evenness", "attribution_agreement", "cases"]  # fmt: skip
    for title, data in (("Recordings", real), ("Simulated recordings", simulated)):
        if data.empty:
            continue
        parts.append(f"<h3>{title}: per representation, mean over rats, dims and seeds</h3>")
        parts.append(table_body(_meaning_table(meaning_summary(data), columns)))
    if not simulated.empty:
        by_k = meaning_summary(simulated, ("protocol", "n_factors", "representation", "k"))
        by_k["n_factors"] = by_k["n_factors"].astype(int)
        parts.append("<h3>Recovery of the true code by number of factors K</h3>")
        parts.append(table_body(_meaning_table(
            by_k, ["n_factors", "recovery_hungarian", "recovery_best", "cases"])))  # fmt: skip
    return page(categories.LATENT_MEANING, "".join(parts), _STYLE)


#: How to read the counts of place-field-like latents (a dense latent passes easily).
_READING_COUNTS = (
    "How to read the counts: the test asks only whether a latent's tuning to position is "
    "stronger than with its time course shifted against the track, so any latent that varies "
    "with position at all passes, however weakly: a dense CEBRA dim almost always does, and so "
    "may a shuffled-spikes CEBRA dim on a recording where position drifts slowly. Compare an "
    "SAE with its untrained twin (random_sae, same width and k), and read the share and the "
    "median spatial information in the place-field figure, not the count alone."
)


PAGES.register(
    Page("effect_real", categories.EFFECT_REAL, effect_real_page,
         ("claims", "posthoc", "stability"), categories.EFFECT_REAL)
)  # fmt: skip
PAGES.register(
    Page("claims_view", CLAIMS_VIEW_TITLE, claims_view_page, ("claims",), categories.CLAIMS)
)  # fmt: skip
PAGES.register(
    Page("latent_meaning", categories.LATENT_MEANING, latent_meaning_page, ("posthoc",),
         categories.LATENT_MEANING)
)  # fmt: skip

"""The report pages "Is the effect real?" (STUDY.md §9) and "What a latent means" (§10),
written from the tables only.

Example:
    >>> import pandas as pd
    >>> claims = pd.DataFrame([dict(protocol="paper", claim="C3", statement="s", part="k8",
    ...     claim_verdict="supported", baseline="claim", effect=0.1, ci_low=0.05, ci_high=0.2,
    ...     verdict="supported", caveat="", n_rats=2)])
    >>> "C3 (s): supported" in effect_real_page(claims, pd.DataFrame(), pd.DataFrame())
    True
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from cebra_sae.claims import __doc__ as CLAIMS_DOC
from cebra_sae.claims import plain_words
from cebra_sae.tables import table_html

_STYLE = (
    "body{font-family:sans-serif;font-size:14px;max-width:60em}table{border-collapse:collapse}"
    "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
)


def _section(text: str) -> str:
    start = CLAIMS_DOC.index(f"**{text}**")
    section = CLAIMS_DOC[start:].split("\n\n")[0].replace(f"**{text}**", "").strip()
    return section.replace("``", "")


def shuffled_decoding(posthoc: pd.DataFrame) -> pd.DataFrame:
    """The real embedding's decoding beside the shuffled-spikes CEBRA's, per case with both:
    in-sample (train) and held-out (valid)."""
    if posthoc.empty or "shuffled_cebra" not in set(posthoc.model):
        return pd.DataFrame()
    columns = ["pos_r2_train", "pos_r2_valid", "dir_acc_train", "dir_acc_valid"]
    keys = ["protocol", "rat", "dim", "seed"]
    shuffled = posthoc[posthoc.model == "shuffled_cebra"].set_index(keys)[columns]
    real = posthoc[posthoc.model == "cebra"].set_index(keys)[columns]
    table = real.join(shuffled, lsuffix="_cebra", rsuffix="_shuffled", how="inner")
    return table.reset_index()


def effect_real_page(claims: pd.DataFrame, posthoc: pd.DataFrame,
                     stability: pd.DataFrame) -> str:  # fmt: skip
    """The whole page as self-contained HTML."""
    parts = [
        "<h2>Is the effect real?</h2>",
        f"<p><b>How a claim is judged.</b> {html.escape(_section('Verdict rule.'))}</p>",
        f"<p><b>Nulls.</b> {html.escape(_section('Nulls'))}</p>",
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
        parts.append(_body(table_html(shuffled, "")))
    if not stability.empty:
        summary = stability.groupby(["protocol", "model", "measure"], as_index=False)[
            ["value", "random_value"]].mean()  # fmt: skip
        parts.append("<h3>Stability across seeds</h3>")
        parts.append(_body(table_html(summary, "")))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Is the effect real?</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def _body(page: str) -> str:
    return page[page.index("<table") : page.index("</table>") + len("</table>")]


#: posthoc columns summarised on the page "What a latent means", in its order.
MEANING_COLUMNS = ["width", "place_fields", "place_field_share", "track_coverage",
                   "peak_evenness", "attribution_agreement", "recovery_best",
                   "recovery_hungarian"]  # fmt: skip


def meaning_summary(posthoc: pd.DataFrame, by=("protocol", "model", "k")) -> pd.DataFrame:
    """Means of :data:`MEANING_COLUMNS` per representation over rats, dims and seeds."""
    from cebra_sae.representations import REPRESENTATIONS

    keys = list(by)
    table = posthoc.groupby(keys, dropna=False, sort=False)[MEANING_COLUMNS].mean()
    table = table.assign(cases=posthoc.groupby(keys, dropna=False, sort=False).size())
    table = table.reset_index()
    rank = {name: i for i, name in enumerate(REPRESENTATIONS)}
    order = [table[key].map(rank) if key == "model" else table[key] for key in keys]
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
    parts = ["<h2>What a latent means</h2>", f"<p>{html.escape(_MEANING_INTRO)}</p>"]
    for title, data in (("Recordings", real), ("Simulated recordings", simulated)):
        if data.empty:
            continue
        parts.append(f"<h3>{title}: per representation, mean over rats, dims and seeds</h3>")
        parts.append(_body(table_html(_readable(meaning_summary(data)), "")))
    agree = posthoc.dropna(subset=["attribution_agreement"])
    if not agree.empty:
        from cebra_sae.figures import representation_label

        line = "; ".join(
            f"{representation_label(row.model, row.k)} {row.attribution_agreement:.0%}"
            for row in meaning_summary(agree).itertuples()
        )
        parts.append(
            "<p><b>CEBRA attribution.</b> Share of latents whose best-correlated neuron also "
            "carries their largest attribution (cebra.attribution: Jacobian x spikes), all "
            f"recordings: {html.escape(line)}.</p>"
        )
    if not simulated.empty:
        by_k = meaning_summary(simulated, ("n_factors", "model", "k"))
        parts.append("<h3>Recovery of the true code by number of factors K</h3>")
        columns = ["n_factors", "model", "k", "recovery_best", "recovery_hungarian", "cases"]
        parts.append(_body(table_html(_readable(by_k[columns]), "")))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>What a latent means</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded to 3 digits, a missing k shown as blank."""
    table = table.round(3)
    if "k" in table:
        table["k"] = table["k"].astype("string").fillna("")
    return table

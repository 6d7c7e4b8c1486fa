"""The answer on the first screen: *if you want ..., use ...*, computed from the tables.

Each :data:`QUESTIONS` entry names what a lab wants and how it is measured, per case
(protocol ``paper`` when it ran; rat x dim x CEBRA seed, an SAE's SAE seeds averaged) and
per *candidate* (a representation at one k, with one attribution kind where the measure
has kinds). The candidate with the best mean over its cases is named; the runner-up is the
best candidate of *another* method (not the same method at another k or kind), and the margin
is their paired per-case difference (cases both have), oriented so that a positive
margin favours the named one, with the study's two-level bootstrap interval over rats
(:func:`cebra_sae.claims.statistics.hierarchical_bootstrap`). An interval that includes 0
reads "no clear winner". The candidates are the methods the run measured (not the nulls,
which stand in for chance): which is best is chosen after looking, so a clear margin is over
the runner-up alone, not a test of every pair.

Example:
    >>> posthoc = pd.DataFrame({
    ...     "protocol": "paper", "rat": list("aabbaabb"), "dim": 8, "seed": [0, 1] * 4,
    ...     "representation": ["cebra"] * 4 + ["nmf"] * 4, "k": None, "sae_seed": None,
    ...     "pos_r2_valid": [0.8, 0.82, 0.79, 0.81, 0.5, 0.52, 0.49, 0.5]})
    >>> row = answer_table(posthoc).iloc[0]
    >>> row.want, row.use, row.runner_up, round(float(row.margin), 3)
    ('decode behaviour on held-out data', 'CEBRA', 'NMF', 0.302)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cebra_sae.claims.statistics import hierarchical_bootstrap
from cebra_sae.measures.membership import MEMBERSHIP_COLUMNS
from cebra_sae.report.labels import representation_label
from cebra_sae.report.text import markdown_row, rst_literal
from cebra_sae.tables import ANSWERS_SCHEMA

CASE = ["rat", "dim", "seed"]


@dataclass(frozen=True)
class Question:
    """One row of the answer table.

    Attributes:
        want: what a lab wants, as the row says it ("decode behaviour on held-out data").
        measure: how it is measured, in words, with its unit.
        values: ``values(posthoc, stability, runtime)`` -> long rows ``rat``, ``dim``,
            ``seed``, ``candidate``, ``method`` (its representation), ``value`` (one
            protocol's).
        higher_is_better: False for a cost.
    """

    want: str
    measure: str
    values: Callable[..., pd.DataFrame]
    higher_is_better: bool = True


def _methods(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the methods a lab could use: not the nulls (an untrained SAE, a rotation,
    CEBRA on shuffled spikes stand in for chance, and a rotation decodes exactly as the
    embedding it rotates)."""
    from cebra_sae.posthoc.representations import null_names

    return table[~table.representation.isin(null_names())]


def _candidates(posthoc: pd.DataFrame, column: str, suffix: str = "") -> pd.DataFrame:
    if column not in posthoc:
        return pd.DataFrame(columns=[*CASE, "candidate", "method", "value"])
    rows = _methods(posthoc).dropna(subset=[column]).copy()
    rows["candidate"] = [representation_label(r, k) + suffix
                         for r, k in zip(rows.representation, rows.k, strict=True)]  # fmt: skip
    rows["method"] = rows.representation.map(representation_label)
    return rows.groupby([*CASE, "candidate", "method"], as_index=False)[column].mean().rename(
        columns={column: "value"})  # fmt: skip


def _decoding(posthoc, stability, runtime):
    return _candidates(posthoc, "pos_r2_valid")


def _recovery(posthoc, stability, runtime):
    return _candidates(posthoc, "recovery_hungarian")


def _membership(posthoc, stability, runtime):
    parts = [_candidates(posthoc, column, f" ({kind})")
             for kind, column in MEMBERSHIP_COLUMNS.items()]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def _reproduce(posthoc, stability, runtime):
    if stability is None or stability.empty or "measure" not in stability:
        return pd.DataFrame(columns=[*CASE, "candidate", "value"])
    rows = _methods(stability[stability.measure == "matched_share"])
    rows = rows[rows.threshold == rows.threshold.max()].dropna(subset=["value", "random_value"])
    arch = [f" ({a})" if isinstance(a, str) else "" for a in rows.arch]
    rows = rows.assign(
        value=rows.value - rows.random_value,
        candidate=[representation_label(r, k) + a
                   for r, k, a in zip(rows.representation, rows.k, arch, strict=True)],
        method=[representation_label(r) + a
                for r, a in zip(rows.representation, arch, strict=True)],
    )  # fmt: skip
    return rows.groupby([*CASE, "candidate", "method"], as_index=False).value.mean()


def _fit_cost(posthoc, stability, runtime):
    """CPU seconds of each final embedding's fit, CEBRA against xCEBRA (paired by rat, dim
    and seed; the SAEs and the classics then add their own, smaller, costs)."""
    if runtime is None or runtime.empty:
        return pd.DataFrame(columns=[*CASE, "candidate", "value"])
    fits = runtime[runtime.rule == "train_cebra"].copy()
    parts = fits.wildcards.str.extract(
        r"^(?P<fit>\w+)/(?P<protocol>\w+)/(?P<rat>[^/]+)/dim(?P<dim>\d+)-hidden\d+-lr[^-]+-"
        r"seed(?P<seed>\d+)$")  # fmt: skip
    fits = pd.concat([fits, parts], axis=1).dropna(subset=["fit"])
    fits = fits[fits.fit.isin(["cebra", "xcebra"]) & (fits.protocol == "paper")]
    # the fits xCEBRA is paired with (the final settings: the cases with an xCEBRA fit)
    fits = fits[fits.groupby(["rat", "dim", "seed"]).fit.transform("nunique") == 2]
    label = fits.fit.map(representation_label)
    return pd.DataFrame({"rat": fits.rat, "dim": fits.dim.astype(int),
                         "seed": fits.seed.astype(int), "candidate": label, "method": label,
                         "value": fits.cpu_seconds.astype(float)})  # fmt: skip


#: The answer table's rows, in order.
QUESTIONS = (
    Question("decode behaviour on held-out data", "position R² on the validation split",
             _decoding),
    Question("recover the true factors", "recovery of a simulated rat's factors (mean |r|, "
             "one-to-one matching)", _recovery),
    Question("find each factor's neurons", "membership AUC of a simulated rat's member "
             "neurons (0.5: chance), per attribution kind", _membership),
    Question("latents that come back across seeds", "share of live latents matched between "
             "two SAE seeds at the strictest |cosine|, minus chance", _reproduce),
    Question("the cheapest embedding", "CPU seconds per final embedding fit", _fit_cost,
             higher_is_better=False),
)  # fmt: skip

COLUMNS = list(ANSWERS_SCHEMA.columns)


def _answer(question: Question, values: pd.DataFrame) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(want=question.want, measure=question.measure, use="", runner_up="",
               verdict="not measured in this run", n_cases=0, n_rats=0)  # fmt: skip
    if values.empty:
        return row
    if "method" not in values:
        values = values.assign(method=values.candidate)
    sign = 1 if question.higher_is_better else -1
    means = values.groupby("candidate").value.mean().sort_values(ascending=not sign > 0)
    method = values.drop_duplicates("candidate").set_index("candidate").method
    best = means.index[0]
    row.update(use=best, value=float(means.iloc[0]))
    others = means[method.reindex(means.index) != method[best]]  # the best other method
    if others.empty:
        row["verdict"] = f"{best} (the only method measured)"
        return row
    second = others.index[0]
    wide = values.pivot_table(index=CASE, columns="candidate", values="value")
    paired = (sign * (wide[best] - wide[second])).dropna().rename("margin").reset_index()
    low, high = hierarchical_bootstrap(paired, "margin", "rat")
    row.update(runner_up=second, runner_up_value=float(others.iloc[0]),
               margin=float(paired.margin.mean()) if len(paired) else np.nan, ci_low=low,
               ci_high=high, n_cases=len(paired), n_rats=int(paired.rat.nunique()))  # fmt: skip
    row["verdict"] = best if low > 0 else "no clear winner"
    return row


def answer_table(posthoc: pd.DataFrame, stability: pd.DataFrame | None = None,
                 runtime: pd.DataFrame | None = None, protocol: str | None = None
                 ) -> pd.DataFrame:  # fmt: skip
    """One row per :data:`QUESTIONS` entry: who to use, its margin over the runner-up with
    the interval, or "no clear winner" (protocol ``paper`` when it ran, else the first)."""
    if protocol is None:
        protocols = sorted(set(posthoc.protocol)) if "protocol" in posthoc else []
        protocol = "paper" if "paper" in protocols else (protocols[0] if protocols else None)

    def own(table):
        if table is None or "protocol" not in table:
            return table
        return table[table.protocol == protocol]

    rows = [_answer(q, q.values(own(posthoc), own(stability), runtime)) for q in QUESTIONS]
    return pd.DataFrame(rows, columns=COLUMNS)


def _num(value: float) -> str:
    """A signed number with as many decimals as its size needs (0.012, 1.23, 45)."""
    size = abs(value)
    return f"{value:+.0f}" if size >= 100 else f"{value:+.2f}" if size >= 1 else f"{value:+.3f}"


def _cell(row) -> tuple[str, str]:
    if not row.use:
        return "—", row.verdict
    if not row.runner_up:
        return row.use, row.verdict
    margin = f"{_num(row.margin)} [{_num(row.ci_low)}, {_num(row.ci_high)}]"
    if row.verdict == "no clear winner":
        return f"no clear winner ({row.use} ahead of {row.runner_up})", margin
    return row.use, f"{margin} over {row.runner_up}"


def as_markdown(table: pd.DataFrame) -> str:
    """The answer table as Markdown (the README's first screen)."""
    lines = ["| If you want to … | use | margin over the runner-up [95 % interval] | measured as |",
             "|---|---|---|---|"]  # fmt: skip
    for row in table.itertuples():
        cells = [row.want, *_cell(row), row.measure]
        lines.append(markdown_row(cells))
    return "\n".join(lines) + "\n"


def as_rst(table: pd.DataFrame) -> str:
    """The answer table as a reStructuredText list table (the report's first screen)."""

    lines = [".. list-table::", "   :header-rows: 1", "",
             "   * - If you want to …", "     - use", "     - margin over the runner-up "
             "[95 % interval]", "     - measured as"]  # fmt: skip
    for row in table.itertuples():
        use, margin = _cell(row)
        first, *rest = (rst_literal(cell) for cell in (row.want, use, margin, row.measure))
        lines += [f"   * - {first}", *(f"     - {cell}" for cell in rest)]
    return "\n".join(lines) + "\n"

"""The paper's figures, one function per figure, drawn from the study's tables only.

A figure never recomputes a metric: it reads columns of a table written by an
aggregate rule. ``FIGURES`` is the registry the workflow draws from: each
:class:`Figure` names its drawing function, the tables it reads, its report category
(:mod:`cebra_sae.report.categories`) and
(for a figure per protocol x rat x dim) its wildcards; its caption is
``workflow/report/{name}.rst``. One rule pattern (``workflow/rules/report.smk``) draws
them all; a new figure is one ``FIGURES.register`` call and its caption.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rat": ["a", "a"], "protocol": ["paper"] * 2, "dim": [8, 16],
    ...     "hidden": [32, 64], "lr": [1e-3, 5e-3], "pos_r2_valid": [0.5, 0.6],
    ...     "dir_acc_valid": [0.8, 0.9], "seed_code_pos_r2_valid": [0.5, 0.6],
    ...     "seed_code_dir_acc_valid": [0.8, 0.9]})
    >>> fig = figure_cebra_sweep(df)
    >>> len(fig.axes)
    3
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cebra_sae.claims.judge import caveat
from cebra_sae.data.sources import simulated_rats
from cebra_sae.posthoc.nulls import SHIFT_NULL
from cebra_sae.posthoc.representations import REPRESENTATIONS
from cebra_sae.protocols import PROTOCOLS
from cebra_sae.registry import Registry
from cebra_sae.report import categories
from cebra_sae.report.labels import SCORE_LABELS, architecture_colour, representation_label
from cebra_sae.sae.architectures import ARCHITECTURES
from cebra_sae.sae_sweep import paper_grid

if TYPE_CHECKING:
    import matplotlib.pyplot as plt


def _plotting():
    """``(pyplot, seaborn)`` with the file-only Agg backend, imported on first use (the
    registry is read by the workflow's parse step, which draws nothing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


@dataclass(frozen=True)
class Figure:
    """One figure of the study: ``draw(*tables, **wildcards)`` -> ``plt.Figure``.

    Attributes:
        name: output name (``results/figures/{name}.png`` unless ``path``), rule
            ``figure_{name}`` and caption ``workflow/report/{name}.rst``.
        draw: the drawing function; gets the ``tables`` as DataFrames, in order, and the
            wildcards as strings.
        tables: names of the tables read (``results/tables/{table}.parquet``).
        category: the report category (one of :data:`~cebra_sae.report.categories.CATEGORIES`).
        wildcards: a figure per combination of these (``protocol``, ``rat``, ``dim``).
        path: output path under ``results/figures`` with the wildcards in braces.
        needs: ``needs(config) -> str``: empty when the config gives the figure content,
            else why it has none (the workflow then does not plan it, and says why).
    """

    name: str
    draw: Callable[..., plt.Figure]
    tables: tuple[str, ...]
    category: str
    wildcards: tuple[str, ...] = ()
    path: str | None = None
    needs: Callable[[dict], str] | None = None

    def missing(self, config: dict) -> str:
        """Why ``config`` gives this figure no content (empty: it has content)."""
        return self.needs(config) if self.needs else ""

    @property
    def output(self) -> str:
        return self.path or f"{self.name}.png"


#: Every figure of the study (one rule each, ``workflow/rules/report.smk``).
FIGURES: Registry[Figure] = Registry("figure")


def _protocols_in(data: pd.DataFrame) -> list[str]:
    """The registered protocols present in ``data``, in registry order."""
    present = set(data["protocol"])
    return [name for name in PROTOCOLS if name in present]


def _valid_decoding(protocol: str) -> tuple[str, str]:
    """The ``cebra_sweep`` columns of ``protocol``'s validation decoding (docs/study.md §3)."""
    p = PROTOCOLS[protocol]
    return p.decoding_column("pos_r2_valid"), p.decoding_column("dir_acc_valid")


SWEEP_PARAMETERS = {"dim": "output dimension", "hidden": "hidden units", "lr": "learning rate"}


def figure_cebra_sweep(sweep: pd.DataFrame) -> plt.Figure:
    """Figure 1: validation position R² vs direction accuracy of every CEBRA model.

    One row of panels per protocol (each decoded with its own protocol's definition),
    one panel per swept hyperparameter (colour), marker = rat.

    Args:
        sweep: ``cebra_sweep.parquet`` as a DataFrame.
    """
    plt, sns = _plotting()
    protocols = _protocols_in(sweep)
    n_rows, n_cols = len(protocols), len(SWEEP_PARAMETERS)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, 3.8 * n_rows), squeeze=False, sharex="row"
    )
    for row, protocol in enumerate(protocols):
        data = sweep[sweep["protocol"] == protocol].copy()
        x, y = _valid_decoding(protocol)
        for col, (param, label) in enumerate(SWEEP_PARAMETERS.items()):
            ax = axes[row, col]
            data[label] = data[param].map(lambda v: f"{v:g}")
            order = sorted(data[label].unique(), key=float)
            sns.scatterplot(
                data=data,
                x=x,
                y=y,
                hue=label,
                hue_order=order,
                style="rat",
                palette="viridis",
                s=60,
                ax=ax,
            )
            ax.set_xlabel("position R² (validation)")
            ax.set_ylabel("direction accuracy (validation)" if col == 0 else "")
            ax.set_title(f"{protocol}: colour = {label}")
            ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("CEBRA sweep: decoding on the validation split", y=1.0)
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, path, dpi: int = 150) -> None:
    """Save ``fig`` (format from the file extension) and close it."""
    plt, _ = _plotting()
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


EXPANSION_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _sae_scatter(ax, data: pd.DataFrame, legend: bool) -> None:
    plt, sns = _plotting()
    expansions = sorted(data["expansion"].unique())
    sns.scatterplot(
        data=data.assign(expansion=data["expansion"].astype(str)),
        x="nonzero_ratio_valid",
        y="explained_variance_valid",
        hue="arch",
        hue_order=[a for a in ARCHITECTURES if a in set(data["arch"])],
        palette={name: architecture_colour(name) for name in ARCHITECTURES},
        style="expansion",
        style_order=[str(e) for e in expansions],
        markers=dict(zip(map(str, expansions), EXPANSION_MARKERS, strict=False)),
        s=45,
        alpha=0.8,
        legend=legend,
        ax=ax,
    )
    ax.set_xlabel("nonzero ratio (validation)")
    ax.set_ylabel("explained variance (validation)")


def figure_sae_sweep_panel(sweep: pd.DataFrame, protocol: str, rat: str, dim) -> plt.Figure:
    """Figures 2-3: explained variance vs nonzero ratio of one rat x dim's SAEs.

    Colour = architecture, marker = expansion; validation split; diverged models
    (NaN metrics) are left out.
    """
    plt, _ = _plotting()
    dim = int(dim)
    sweep = paper_grid(sweep)
    data = sweep[(sweep.protocol == protocol) & (sweep.rat == rat) & (sweep.dim == dim)]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    _sae_scatter(ax, data.dropna(subset=["explained_variance_valid"]), legend=True)
    ax.set_title(f"{rat}, dim {dim} ({protocol})")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def figure_sae_sweep_grid(sweep: pd.DataFrame) -> plt.Figure:
    """All rat x dim panels of Figures 2-3: rows = protocol x rat, columns = dim."""
    plt, _ = _plotting()
    sweep = paper_grid(sweep)
    data = sweep.dropna(subset=["explained_variance_valid"])
    rows = sorted({(p, r) for p, r in zip(sweep.protocol, sweep.rat, strict=True)})
    dims = sorted(sweep["dim"].unique())
    fig, axes = plt.subplots(
        len(rows), len(dims), figsize=(3.6 * len(dims), 3.0 * len(rows)), squeeze=False
    )
    for i, (protocol, rat) in enumerate(rows):
        for j, dim in enumerate(dims):
            ax = axes[i, j]
            panel = data[(data.protocol == protocol) & (data.rat == rat) & (data.dim == dim)]
            _sae_scatter(ax, panel, legend=(i == 0 and j == len(dims) - 1))
            ax.set_title(f"{rat}, dim {dim} ({protocol})", fontsize=9)
            if j:
                ax.set_ylabel("")
            if i < len(rows) - 1:
                ax.set_xlabel("")
    handles = axes[0, -1].get_legend()
    if handles is not None:
        axes[0, -1].legend(fontsize=7, loc="lower right")
    fig.suptitle("SAE sweep: explained variance vs nonzero ratio (validation)", y=1.0)
    fig.tight_layout()
    return fig


def _with_label(data: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Add a ``label`` per representation x k; the labels in registry order, then by k."""
    data = data.copy()
    data["label"] = [representation_label(r, k) for r, k in
                     zip(data["representation"], data["k"], strict=True)]  # fmt: skip
    rank = {name: i for i, name in enumerate(REPRESENTATIONS)}
    keys = data[["representation", "k", "label"]].drop_duplicates()
    keys = keys.assign(rank=keys.representation.map(rank), kk=pd.to_numeric(keys.k).fillna(-1))
    return data, keys.sort_values(["rank", "kk"]).label.tolist()


@contextlib.contextmanager
def _seeded_jitter(seed: int = 0):
    """Seaborn's strip-plot jitter draws from NumPy's global generator: seed it for the
    plot (the same table gives the same figure) and restore the caller's state after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _representation_palette(data: pd.DataFrame, order: list[str]) -> dict:
    """Each label in its representation's registered colour."""
    colours = dict(zip(data["label"], data["representation"], strict=True))
    return {label: REPRESENTATIONS[colours[label]].colour for label in order}


def _caveat(intervals: pd.DataFrame) -> str:
    """A line under a title when the intervals rest on too few rats (its caveat)."""
    n_rats = int(intervals["n_rats"].max()) if len(intervals) else 0
    return f"\n({caveat(n_rats)})" if n_rats and caveat(n_rats) else ""


def _interval_figure(posthoc: pd.DataFrame, intervals: pd.DataFrame, columns: list[str],
                     title: str) -> plt.Figure:  # fmt: skip
    """Per protocol x column: every case (points), the mean with its bootstrap interval
    (black), and for scores the shift-null 95th percentile of each representation (grey
    band: its interval)."""
    plt, sns = _plotting()
    data, order = _with_label(posthoc)
    iv, _ = _with_label(intervals[intervals["dim"].isna()])
    protocols = _protocols_in(data)
    fig, axes = plt.subplots(
        len(protocols), len(columns), figsize=(0.75 * len(order) * len(columns) + 2,
                                               3.9 * len(protocols)), squeeze=False,
    )  # fmt: skip
    palette = _representation_palette(data, order)
    x_of = {label: i for i, label in enumerate(order)}
    for i, protocol in enumerate(protocols):
        subset = data[data["protocol"] == protocol]
        for j, column in enumerate(columns):
            ax = axes[i, j]
            null = SHIFT_NULL.get(column)
            if null:
                bands = iv[(iv.protocol == protocol) & (iv.metric == null)]
                for band in bands.itertuples():
                    x = x_of[band.label]
                    ax.fill_between([x - 0.4, x + 0.4], band.ci_low, band.ci_high,
                                    color="0.85", zorder=0, lw=0)  # fmt: skip
                    ax.hlines(band.mean, x - 0.4, x + 0.4, color="0.6", lw=1, zorder=0)
            with _seeded_jitter():
                sns.stripplot(data=subset, x="label", y=column, order=order,
                              hue="label", palette=palette, size=3, alpha=0.5,
                              ax=ax, legend=False, zorder=1)  # fmt: skip
            means = iv[(iv.protocol == protocol) & (iv.metric == column)]
            xs = [x_of[r] for r in means.label]
            ax.errorbar(xs, means["mean"], yerr=[means["mean"] - means.ci_low,
                        means.ci_high - means["mean"]], fmt="o", color="black", ms=4,
                        capsize=3, lw=1.2, zorder=3)  # fmt: skip
            ax.set_xlabel("")
            ax.set_ylabel(SCORE_LABELS.get(column, column))
            ax.tick_params(axis="x", rotation=60, labelsize=7)
            for tick in ax.get_xticklabels():  # the tick label in its points' colour
                tick.set_color(palette.get(tick.get_text(), "black"))
            scored_on = subset["score_split"].iloc[0] if "score" in column else "valid"
            ax.set_title(f"{protocol} ({scored_on} split)")
    fig.suptitle(title + _caveat(intervals), y=1.0)
    fig.legend(handles=_interval_legend(plt, palette), loc="upper left", fontsize=7,
               bbox_to_anchor=(1.0, 0.95), title="representation", title_fontsize=7)  # fmt: skip
    fig.tight_layout()
    return fig


def _interval_legend(plt, palette: dict) -> list:
    """Legend of the interval figures: each representation's colour, the mean and its
    interval, the time-shift null band."""
    from matplotlib.patches import Patch

    handles = [plt.Line2D([], [], color=colour, marker="o", ls="", alpha=0.6, label=label)
               for label, colour in palette.items()]  # fmt: skip
    handles.append(plt.Line2D([], [], color="black", marker="o", ms=4, label="mean, interval"))
    handles.append(Patch(color="0.85", label="time-shift null p95 (interval)"))
    handles.append(plt.Line2D([], [], color="0.6", label="time-shift null p95 (mean)"))
    handles.append(plt.Line2D([], [], ls="", label="points: rat x dim x seed (x SAE seed)"))
    return handles


def figure_scores(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """Figure 4: neuron and behaviour scores of CEBRA, the SAEs and the nulls."""
    return _interval_figure(
        posthoc,
        intervals,
        ["neuron_score", "behavior_score"],
        "Interpretability before and after sparsification, against nulls",
    )


def figure_decoding(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """Figure 5: position R² and direction accuracy on validation, CEBRA vs SAEs vs nulls."""
    return _interval_figure(
        posthoc,
        intervals,
        ["pos_r2_valid", "dir_acc_valid"],
        "Decoding before and after sparsification, against nulls",
    )


def figure_scores_by_dim(intervals: pd.DataFrame) -> plt.Figure:
    """Figure 6: neuron and behaviour scores by embedding dim and k: mean and bootstrap
    interval per dim (CEBRA and the SAEs), the SAEs' shift nulls dashed."""
    plt, sns = _plotting()
    data, order = _with_label(intervals[intervals["dim"].notna()])
    data = data[data.representation.isin(["cebra", "sae"])]
    order = [o for o in order if o in set(data.label)]
    protocols = _protocols_in(data)
    fig, axes = plt.subplots(len(protocols), 2, figsize=(10, 3.8 * len(protocols)), squeeze=False)
    palette = dict(zip(order, sns.color_palette("crest", len(order)), strict=True))
    palette["CEBRA"] = (0.55, 0.55, 0.55)
    for i, protocol in enumerate(protocols):
        for j, column in enumerate(["neuron_score", "behavior_score"]):
            ax = axes[i, j]
            dims = sorted(data.dim.dropna().unique())
            position = {dim: i for i, dim in enumerate(dims)}
            for n, label in enumerate(order):
                rows = data[(data.protocol == protocol) & (data.label == label)]
                line = rows[rows.metric == column].sort_values("dim")
                x = line.dim.map(position).to_numpy(float) + (n - len(order) / 2) * 0.06
                ax.errorbar(x, line["mean"], yerr=[line["mean"] - line.ci_low,
                            line.ci_high - line["mean"]], marker="o", ms=4, capsize=2,
                            color=palette[label], label=label)  # fmt: skip
                null = rows[rows.metric == SHIFT_NULL[column]].sort_values("dim")
                if label != "CEBRA" and len(null):
                    ax.plot(null.dim.map(position).to_numpy(float) + (n - len(order) / 2) * 0.06,
                            null["mean"], ls="--", marker="_", ms=8, lw=0.8,
                            color=palette[label])  # fmt: skip
            ax.set_xticks(range(len(dims)), [str(int(d)) for d in dims])
            ax.set_xlim(-0.5, len(dims) - 0.5)
            ax.set_xlabel("CEBRA output dimension")
            ax.set_ylabel(SCORE_LABELS[column])
            ax.set_title(protocol)
            ax.legend(fontsize=7, title=None)
    fig.suptitle("Interpretability by embedding dimension and k (mean, bootstrap interval;"
                 " dashed: SAE time-shift null p95)" + _caveat(intervals), y=1.0,
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    return fig


#: Each verdict's colour and marker in the forest plot: a claim's verdicts filled, a null
#: comparison's open, so that no two verdicts look alike.
VERDICT_STYLES = {
    "supported": ("#009e73", "o"),
    "inconclusive": ("#7f7f7f", "D"),
    "not supported": ("#d55e00", "X"),
    "survives": ("#0072b2", "^"),
    "does not survive": ("#cc79a7", "v"),
    "not testable": ("#bbbbbb", "s"),
}


def figure_forest(claims: pd.DataFrame) -> plt.Figure:
    """Every claim part's effect ± interval against its bound, and against each null."""
    plt, _ = _plotting()
    protocols = _protocols_in(claims)
    n = max(len(claims[claims.protocol == p]) for p in protocols)
    fig, axes = plt.subplots(1, len(protocols), figsize=(6.5 * len(protocols), 0.2 * n + 1.5),
                             squeeze=False)  # fmt: skip
    for ax, protocol in zip(axes[0], protocols, strict=True):
        rows = claims[(claims.protocol == protocol) & claims.effect.notna()].reset_index()
        y = np.arange(len(rows))[::-1]
        colours = [VERDICT_STYLES.get(v, ("black", "o"))[0] for v in rows.verdict]
        ax.errorbar(rows.effect - rows.bound, y, xerr=[rows.effect - rows.ci_low,
                    rows.ci_high - rows.effect], fmt="none", ecolor=colours, lw=1.3)  # fmt: skip
        for verdict, (colour, marker) in VERDICT_STYLES.items():
            mine = (rows.verdict == verdict).to_numpy()
            ax.scatter((rows.effect - rows.bound)[mine], y[mine], color=colour, marker=marker,
                       s=22, zorder=3)  # fmt: skip
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(
            y,
            [
                f"{r.claim} {r.part}" + ("" if r.baseline == "claim" else f"  vs {r.baseline}")
                for r in rows.itertuples()
            ],
            fontsize=6,
        )
        ax.set_xlabel("effect − bound (hierarchical bootstrap interval)")
        caveat = rows.caveat[rows.caveat != ""]
        ax.set_title(protocol + (f"\n({caveat.iloc[0]})" if len(caveat) else ""), fontsize=8)
    handles = [plt.Line2D([], [], color=c, marker=m, ls="", label=v)
               for v, (c, m) in VERDICT_STYLES.items()]  # fmt: skip
    fig.legend(handles=handles, fontsize=7, loc="lower center", ncol=3,
               bbox_to_anchor=(0.5, -0.1))  # fmt: skip
    fig.suptitle("Is the effect real? Each claim part against zero and against each null", y=1.0)
    fig.tight_layout()
    return fig


#: The series of the stability figure: (representation, arch) -> label and colour.
STABILITY_SERIES = {
    ("sae", "topk"): ("TopK (selected)", "#de8f05"),
    ("sae", "standard"): ("L1 at TopK's sparsity", "#029e73"),
    ("dictionary", None): ("dictionary (OMP)", "#fbafe4"),
    ("sae_on_spikes", None): ("SAE on spikes", "#ece133"),
}


def _stability_series(data: pd.DataFrame) -> pd.DataFrame:
    """Stability rows with a ``series`` label and a ``panel`` (measure and threshold); old
    tables (one threshold, no ``arch``) read as the selected TopK at |cos| >= 0.9."""
    data = data.copy()
    if "arch" not in data:
        data["arch"] = np.where(data.representation == "sae", "topk", None)
    if "threshold" not in data:
        data["threshold"] = np.where(data.measure == "matched_share", 0.9, np.nan)
    arch = [a if r == "sae" and isinstance(a, str) else None
            for r, a in zip(data.representation, data.arch, strict=True)]  # fmt: skip
    data["series"] = [STABILITY_SERIES.get((r, a), (r, None))[0]
                      for r, a in zip(data.representation, arch, strict=True)]  # fmt: skip
    data["panel"] = [f"matched at |cos| ≥ {t:g}" if m == "matched_share" else
                     "active subspaces (mean cos of principal angles)"
                     for m, t in zip(data.measure, data.threshold, strict=True)]  # fmt: skip
    return data


def figure_stability(stability: pd.DataFrame) -> plt.Figure:
    """Per protocol: CEBRA consistency across seeds (per rat x dim); then per measure
    (matched share at each threshold, active-subspace similarity): each representation's
    latents across its seeds (bars: mean over rats, seeds and k) and the same for random
    decoders / subspaces (black ticks: chance, the mean of each case's random draws): the
    selected TopK, its L1 twins at matched sparsity,
    and the classical dictionary and SAE on spikes where configured."""
    plt, sns = _plotting()
    protocols = _protocols_in(stability)
    data = _stability_series(stability[stability.representation != "cebra"])
    panels = sorted(set(data.panel[data.value.notna()]), key=lambda p: (p.startswith("active"), p))
    n_cols = 1 + max(1, len(panels))
    fig, axes = plt.subplots(len(protocols or [0]), n_cols, figsize=(4.2 * n_cols,
                             3.8 * len(protocols or [0])), squeeze=False)  # fmt: skip
    colours = {label: colour for label, colour in STABILITY_SERIES.values()}
    for i, protocol in enumerate(protocols or ["(none)"]):
        cebra = stability[(stability.protocol == protocol) & (stability.representation == "cebra")
                          & stability.value.notna()]  # fmt: skip
        left = axes[i, 0]
        left.set_title(f"{protocol}: CEBRA embeddings across seeds", fontsize=9)
        if cebra.empty:
            _no_content(left, "CEBRA consistency needs\nat least two CEBRA seeds\n(cebra.seeds)")
        else:
            sns.barplot(data=cebra, x="dim", y="value", hue="rat", ax=left, errorbar=None)
            left.set_ylabel("CEBRA consistency between seeds (R²)")
        mine = data[(data.protocol == protocol) & data.value.notna()]
        if mine.empty:
            _no_content(axes[i, 1], "latent matching needs at least two SAE seeds (sae.seeds)")
            for ax in axes[i, 2:]:
                ax.set_axis_off()
            continue
        series = [label for label, _ in STABILITY_SERIES.values() if label in set(mine.series)]
        series += sorted(set(mine.series) - set(series))
        dims = sorted(mine.dim.unique())
        width = 0.8 / len(series)
        for ax, panel in zip(axes[i, 1:], panels, strict=False):
            part = mine[mine.panel == panel].groupby(["series", "dim"])[
                ["value", "random_value"]].mean()  # fmt: skip
            for j, label in enumerate(series):
                x = np.arange(len(dims)) - 0.4 + width * (j + 0.5)
                rows = part.reindex([(label, d) for d in dims])
                ax.bar(x, rows.value, width * 0.95, color=colours.get(label, "0.6"),
                       label=label)  # fmt: skip
                ax.hlines(rows.random_value, x - width / 2, x + width / 2, color="black",
                          linewidth=1.6, label="chance" if j == 0 else None)  # fmt: skip
            ax.set_xticks(np.arange(len(dims)), [str(d) for d in dims])
            ax.set(xlabel="dim", ylim=(0, 1.02), ylabel="share matched" if panel.startswith(
                "matched") else "similarity")  # fmt: skip
            ax.set_title(f"{protocol}: {panel}", fontsize=9)
        axes[i, -1].legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.suptitle("Do latents come back across seeds? Bars: trained, live latents (mean over "
                 "rats, seeds, k); black ticks: chance (mean of random draws per case)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    return fig


def _no_content(ax, why: str) -> None:
    """An empty panel that says why it is empty."""
    ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True, fontsize=9,
            transform=ax.transAxes)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])


def stability_needs(config: dict) -> str:
    """Why a config's stability figure would be empty (one CEBRA seed and one SAE seed)."""
    if len(config["cebra"]["seeds"]) >= 2 or len(config["sae"]["seeds"]) >= 2:
        return ""
    return "stability needs at least two seeds (cebra.seeds or sae.seeds)"


def ground_truth_needs(config: dict) -> str:
    """Why a config's ground-truth figure would be empty (no simulated recording)."""
    if simulated_rats(config["rats"]):
        return ""
    return "recovery of a known code needs a simulated recording (a rat with source: synthetic)"


def figure_runtime(runtime: pd.DataFrame) -> plt.Figure:
    """Where the time went: total wall time per rule (bars) and the number of jobs."""
    plt, sns = _plotting()
    per_rule = (
        runtime.groupby("rule")
        .agg(seconds=("seconds", "sum"), jobs=("seconds", "size"), slowest=("seconds", "max"))
        .sort_values("seconds")
    )
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(per_rule) + 1.2))
    ax.barh(per_rule.index, per_rule["seconds"] / 60, color=sns.color_palette("crest", 1)[0])
    for y, row in enumerate(per_rule.itertuples()):
        ax.text(row.seconds / 60, y, f"  {row.jobs} jobs, slowest {row.slowest:.0f} s",
                va="center", fontsize=7)  # fmt: skip
    ax.set_xlabel("total wall time of the rule's jobs (minutes)")
    ax.set_title("Where the time went (sum over jobs; jobs run in parallel)")
    ax.margins(x=0.35)
    fig.tight_layout()
    return fig


def figure_place_fields(latents: pd.DataFrame, curves: pd.DataFrame, summary: pd.DataFrame,
                        protocol: str, rat: str, dim) -> plt.Figure:  # fmt: skip
    """The classic place-field plot of every representation of one rat x dim (first seed).

    Columns: CEBRA, each selected SAE (first SAE seed), the nulls; rows: right runs, left
    runs. Each row of a panel is one place-field-like latent (all latents when there are
    none), its tuning curve scaled to its own maximum over both directions, the latents
    sorted by the position of their peak. Positions are in the recording's unit
    (``data_summary.position_unit``: metres for CEBRA's rats, pixels for raw tracking).
    """
    plt, _ = _plotting()
    dim = int(dim)
    units = summary.loc[summary.rat == rat, "position_unit"].dropna()
    unit = units.iloc[0] if len(units) else "m"
    keys = (latents.protocol == protocol) & (latents.rat == rat) & (latents.dim == dim)
    latents = latents[keys]
    curves = curves[(curves.protocol == protocol) & (curves.rat == rat) & (curves.dim == dim)]
    kept = set(zip(curves.seed, curves.model_id, strict=True))  # first seed, first SAE seed
    shown = latents[[key in kept for key in zip(latents.seed, latents.model_id, strict=True)]]
    data, order = _with_label(shown.drop_duplicates("model_id"))
    label_of = dict(zip(data.model_id, data.label, strict=True))
    ids = sorted(label_of, key=lambda m: order.index(label_of[m]))
    fig, axes = plt.subplots(2, max(len(ids), 1), figsize=(2.1 * max(len(ids), 1) + 1, 6.2),
                             squeeze=False, sharex=True)  # fmt: skip
    for col, model_id in enumerate(ids):
        rows = shown[shown.model_id == model_id]
        like = rows[rows.place_field_like]
        picked = (like if len(like) else rows).sort_values("peak_position_m")
        c = curves[curves.model_id == model_id]
        table = c.pivot_table(index=["latent", "direction"], columns="position_m",
                              values="activation", dropna=False)  # fmt: skip
        scale = c.groupby("latent").activation.max()
        for row, direction in enumerate(("right", "left")):
            ax = axes[row, col]
            values = table.xs(direction, level="direction").reindex(picked.latent)
            values = values.div(scale.reindex(picked.latent).replace(0, np.nan), axis=0)
            positions = values.columns.to_numpy(dtype=float)
            extent = (positions.min(), positions.max(), len(values), 0)
            image = ax.imshow(
                values.to_numpy(dtype=float),
                aspect="auto",
                cmap="viridis",
                vmin=0,
                vmax=1,
                interpolation="nearest",
                extent=extent,
            )
            if row == 0:
                what = "place-field-like" if len(like) else "none place-field-like; all"
                si = rows.spatial_information.median()
                ax.set_title(f"{label_of[model_id]}\n{len(like)} of {len(rows)} {what}\n"
                             f"median SI {si:.2f} bits", fontsize=8)  # fmt: skip
            ax.set_ylabel(f"{direction} runs: latent" if col == 0 else "")
            ax.set_yticks([])
            if row == 1:
                ax.set_xlabel(f"position ({unit})")
    fig.suptitle(f"Latent tuning curves: {rat}, dim {dim} ({protocol}), validation split",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    if ids:
        bar = fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01)
        bar.set_label("activation / the latent's maximum", fontsize=8)
    return fig


def figure_ground_truth(posthoc: pd.DataFrame, sweep: pd.DataFrame) -> plt.Figure:
    """Recovery of a simulated code (simulated rats only).

    Top: one-to-one (Hungarian) and best-match recovery of the true factors against their
    number K, per post-hoc representation. Bottom, one panel per K: one-to-one recovery of
    every SAE of the grid (first seeds) against k, per architecture and expansion.
    """
    plt, sns = _plotting()
    data = posthoc.dropna(subset=["recovery_hungarian"])
    fig = plt.figure(figsize=(12, 8.4))
    top, bottom = fig.subfigures(2, 1)
    if data.empty:
        ax = top.subplots()
        ax.text(0.5, 0.5, "no simulated recording in this study", ha="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_axis_off()
        return fig
    data, order = _with_label(data)
    data["n_factors"] = data["n_factors"].astype(int)
    palette = _representation_palette(data, order)
    kinds = dict(zip(data["label"], data["representation"], strict=True))
    for kind in set(kinds.values()):  # one representation at several k: shades of its colour
        labels = [label for label in order if kinds[label] == kind]
        if len(labels) > 1:
            shades = sns.dark_palette(palette[labels[0]], len(labels) + 1, reverse=True)
            palette.update(zip(labels, shades, strict=False))
    axes = top.subplots(1, 2)
    panels = (("recovery_hungarian", "one-to-one (Hungarian)"), ("recovery_best", "best match"))
    ticks = sorted(data.n_factors.unique())
    for ax, (column, title) in zip(axes, panels, strict=True):
        sns.lineplot(data, x="n_factors", y=column, hue="label", hue_order=order,
                     palette=palette, marker="o", errorbar=("pi", 100), ax=ax,
                     legend=ax is axes[-1])  # fmt: skip
        ax.set(xlabel="true factors K", ylabel=f"{title} recovery (mean |r|)", ylim=(0, 1.02))
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, ticks)
    axes[-1].legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    top.suptitle("Recovery of the true sparse code, post-hoc representations (validation; "
                 "line: mean over rats, dims, seeds; band: range)", fontsize=10)  # fmt: skip
    factors = data.drop_duplicates("rat").set_index("rat").n_factors
    grid = paper_grid(sweep).dropna(subset=["recovery_hungarian", "k"])
    grid = grid[grid.rat.isin(factors.index)].assign(n_factors=lambda d: d.rat.map(factors))
    if grid.empty:
        return fig
    family = [f"{a} x{e}" for a, e in zip(grid.arch, grid.expansion, strict=True)]
    grid = grid.assign(k=grid.k.astype(int), family=family)
    lower = bottom.subplots(1, grid.n_factors.nunique(), sharey=True, squeeze=False)[0]
    for ax, (n, part) in zip(lower, grid.groupby("n_factors"), strict=True):
        sns.lineplot(part, x="k", y="recovery_hungarian", hue="family", marker="o",
                     errorbar=("pi", 100), ax=ax, legend=ax is lower[-1])  # fmt: skip
        ax.set(title=f"K = {n}", xlabel="k (latents kept per sample)", ylim=(0, 1.02),
               ylabel="one-to-one recovery (mean |r|)")  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(part.k.unique()), sorted(part.k.unique()))
    lower[-1].legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    bottom.suptitle("Every SAE of the grid: recovery against k and expansion", fontsize=10)
    return fig


FIGURES.register(Figure("fig1_cebra_sweep", figure_cebra_sweep, ("cebra_sweep",), categories.CEBRA))
FIGURES.register(
    Figure("fig2_3_sae_sweep", figure_sae_sweep_grid, ("sae_sweep",), categories.SAE_SWEEP)
)
FIGURES.register(
    Figure(
        "sae_sweep_panel",
        figure_sae_sweep_panel,
        ("sae_sweep",),
        categories.SAE_SWEEP,
        wildcards=("protocol", "rat", "dim"),
        path="sae_sweep/{protocol}/{rat}-dim{dim}.png",
    )
)
FIGURES.register(Figure("fig4_scores", figure_scores, ("posthoc", "intervals"), categories.POSTHOC))
FIGURES.register(
    Figure("fig5_decoding", figure_decoding, ("posthoc", "intervals"), categories.POSTHOC)
)
FIGURES.register(
    Figure("fig6_scores_by_dim", figure_scores_by_dim, ("intervals",), categories.POSTHOC)
)
FIGURES.register(Figure("forest", figure_forest, ("claims",), categories.EFFECT_REAL))
FIGURES.register(
    Figure("stability", figure_stability, ("stability",), categories.EFFECT_REAL,
           needs=stability_needs)
)  # fmt: skip
FIGURES.register(Figure("runtime", figure_runtime, ("runtime",), categories.RUNTIME))
FIGURES.register(
    Figure(
        "place_fields",
        figure_place_fields,
        ("latents", "tuning_curves", "data_summary"),
        categories.LATENT_MEANING,
        wildcards=("protocol", "rat", "dim"),
        path="place_fields/{protocol}/{rat}-dim{dim}.png",
    )
)
FIGURES.register(
    Figure("ground_truth", figure_ground_truth, ("posthoc", "sae_sweep"), categories.LATENT_MEANING,
           needs=ground_truth_needs)
)  # fmt: skip

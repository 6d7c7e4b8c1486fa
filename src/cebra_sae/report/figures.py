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
from cebra_sae.report.labels import (
    DEFAULT_COLOUR,
    SCORE_LABELS,
    architecture_colour,
    representation_label,
)
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

    plt.rcParams.update(READABLE)
    return plt, sns


#: Text sizes (pt) of every figure: none below 9 pt at its saved resolution, which is at
#: least 100 dpi (:func:`save_figure`), i.e. read at 100 % on a laptop.
READABLE = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "xtick.labelsize": 9,
            "ytick.labelsize": 9, "legend.fontsize": 9, "legend.title_fontsize": 9,
            "figure.titlesize": 11}  # fmt: skip
#: The widest a saved figure may be (pixels): it fits a 1400-px screen at 100 % with a
#: little scrolling at most, and is never scaled down to unreadable text.
MAX_WIDTH_PX = 2400
#: The smallest text any figure may ask for (pt).
MIN_FONT_PT = 9


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
            ax.legend(fontsize=9, loc="lower right")
    fig.suptitle("CEBRA sweep: decoding on the validation split", y=1.0)
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, path, dpi: int = 150) -> None:
    """Save ``fig`` (format from the file extension) and close it, at ``dpi`` or less: no
    wider than :data:`MAX_WIDTH_PX` (its drawn extent, legends outside the axes included),
    and not below 100 dpi, so that its 9-pt text stays readable."""
    plt, _ = _plotting()
    extent = fig.get_tightbbox(fig.canvas.get_renderer()).width + 0.2  # inches, padded
    fig.savefig(path, dpi=max(100, min(dpi, MAX_WIDTH_PX / extent)), bbox_inches="tight")
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
    ax.legend(fontsize=9, loc="lower right")
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
        axes[0, -1].legend(fontsize=9, loc="lower right")
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


def _interval_figure(posthoc: pd.DataFrame, intervals: pd.DataFrame, grid: list[list[str]],
                     title: str, representations=None) -> plt.Figure:  # fmt: skip
    """Small multiples: per protocol x row of ``grid``, one panel per column (measure): every
    case (points), the mean with its bootstrap interval (black), and for scores the
    shift-null 95th percentile of each representation (grey band: its interval).

    Args:
        grid: rows of measures (columns of ``posthoc``), e.g. the scores, then decoding.
        representations: the representations drawn (default: every one in ``posthoc``).
    """
    plt, sns = _plotting()
    if representations is not None:
        posthoc = posthoc[posthoc.representation.isin(representations)]
        intervals = intervals[intervals.representation.isin(representations)]
    data, order = _with_label(posthoc)
    iv, _ = _with_label(intervals[intervals["dim"].isna()])
    protocols = _protocols_in(data)
    n_rows, n_cols = len(protocols) * len(grid), max(len(row) for row in grid)
    panel = min(0.5 * len(order) + 1.4, (MAX_WIDTH_PX / 150 - 2.5) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(panel * n_cols, 4.0 * n_rows),
                             squeeze=False)  # fmt: skip
    palette = _representation_palette(data, order)
    x_of = {label: i for i, label in enumerate(order)}
    for p, protocol in enumerate(protocols):
        subset = data[data["protocol"] == protocol]
        for r, measures in enumerate(grid):
            for j, column in enumerate(measures):
                ax = axes[p * len(grid) + r, j]
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
                ax.tick_params(axis="x", rotation=60)
                for tick in ax.get_xticklabels():  # the tick label in its points' colour
                    tick.set_color(palette.get(tick.get_text(), "black"))
                    tick.set_horizontalalignment("right")
                scored_on = subset["score_split"].iloc[0] if "score" in column else "valid"
                where = f"{protocol}: " if len(protocols) > 1 else ""
                split = "validation" if scored_on == "valid" else scored_on
                on = f"\n({split} split)" if "score" in column else ""
                ax.set_title(f"{where}{SCORE_LABELS.get(column, column)}{on}")
            for ax in axes[p * len(grid) + r, len(measures) :]:
                ax.set_axis_off()
    fig.suptitle(title + _caveat(intervals), y=1.0)
    fig.legend(handles=_interval_legend(plt, data), loc="upper left",
               bbox_to_anchor=(1.0, 0.95), title="representation")  # fmt: skip
    fig.tight_layout()
    return fig


def _interval_legend(plt, data: pd.DataFrame) -> list:
    """Legend of the interval figures: one entry per colour (a representation, whatever its
    k), the mean and its interval, the time-shift null band."""
    from matplotlib.patches import Patch

    shown = [name for name in REPRESENTATIONS if name in set(data.representation)]
    handles = [plt.Line2D([], [], color=REPRESENTATIONS[name].colour, marker="o", ls="",
                          alpha=0.6, label=representation_label(name))
               for name in shown]  # fmt: skip
    handles.append(plt.Line2D([], [], color="black", marker="o", ms=4, label="mean, interval"))
    handles.append(Patch(color="0.85", label="time-shift null p95 (interval)"))
    handles.append(plt.Line2D([], [], color="0.6", label="time-shift null p95 (mean)"))
    handles.append(plt.Line2D([], [], ls="", label="points: rat x dim x seed\n(x SAE seed)"))
    return handles


#: The measures of the post-hoc figures, by question: interpretability, then decoding.
SCORES, DECODING = ["neuron_score", "behavior_score"], ["pos_r2_valid", "dir_acc_valid"]
#: The representations the paper compares (Figs 4-6).
PAPER_REPRESENTATIONS = ("cebra", "sae")


def figure_scores(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """Figure 4 as the paper draws it: neuron and behaviour scores of CEBRA and the selected
    SAEs (the nulls and the other methods: figures ``nulls`` and ``other_methods``)."""
    return _interval_figure(posthoc, intervals, [SCORES],
                            "Interpretability before and after sparsification",
                            PAPER_REPRESENTATIONS)  # fmt: skip


def figure_decoding(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """Figure 5 as the paper draws it: position R² and direction accuracy on validation,
    CEBRA and the selected SAEs."""
    return _interval_figure(posthoc, intervals, [DECODING],
                            "Decoding before and after sparsification",
                            PAPER_REPRESENTATIONS)  # fmt: skip


def figure_nulls(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """CEBRA and the selected SAEs against their nulls: scores (top), decoding (bottom)."""
    from cebra_sae.posthoc.representations import null_names

    return _interval_figure(posthoc, intervals, [SCORES, DECODING],
                            "Against the nulls: is it the SAE, or width, rotation, chance?",
                            [*PAPER_REPRESENTATIONS, *null_names()])  # fmt: skip


def figure_other_methods(posthoc: pd.DataFrame, intervals: pd.DataFrame) -> plt.Figure:
    """CEBRA and the selected SAEs beside the other methods (the classics, xCEBRA and the SAE
    on it; ``posthoc.classical``): scores (top), decoding (bottom)."""
    from cebra_sae.posthoc.representations import classical_names

    return _interval_figure(posthoc, intervals, [SCORES, DECODING],
                            "Beside the other methods: the classics and xCEBRA",
                            [*PAPER_REPRESENTATIONS, *classical_names()])  # fmt: skip


def other_methods_needs(config: dict) -> str:
    """Why a config's other-methods figure would be empty (``posthoc.classical`` empty)."""
    if config.get("posthoc", {}).get("classical"):
        return ""
    return "no other method configured (posthoc.classical)"


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
            ax.legend(fontsize=9, title=None)
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


#: The forest plot's panels: a claim part's unit, from its name and measure (first match),
#: so that effects of different units never share an axis.
FOREST_UNITS = (
    ("place_fields", "count of place-field-like latents"),
    ("membership", "membership AUC"),
    ("recovery", "recovery (mean |r|)"),
    ("matched", "share of latents matched"),
    ("subspace", "subspace similarity"),
    ("pos_r2", "position R²"),
    ("dir_acc", "direction accuracy"),
    ("rises_with|falls_with", "Spearman ρ"),
    ("flat_in", "relative range"),
    ("topk_best|x8_closest", "explained variance / distance"),
)


def forest_unit(part: str) -> str:
    """The unit of a claim part's effect (its forest-plot panel).

    Example:
        >>> forest_unit("place_fields_k8"), forest_unit("k16"), forest_unit("topk_matched_0.9")
        ('count of place-field-like latents', 'score', 'share of latents matched')
    """
    import re

    for pattern, unit in FOREST_UNITS:
        if re.search(pattern, part):
            return unit
    return "score"


def figure_forest(claims: pd.DataFrame) -> plt.Figure:
    """Every claim part's effect ± interval against its bound, and against each null: one
    panel per unit (scores, counts of latents, shares, R², accuracy, ...), rows stacked."""
    plt, _ = _plotting()
    protocols = _protocols_in(claims)
    rows = claims[claims.effect.notna()].assign(unit=lambda d: d.part.map(forest_unit))
    units = [u for u in dict.fromkeys([*(u for _, u in FOREST_UNITS), "score"])
             if u in set(rows.unit)]  # fmt: skip
    panels = [(p, u) for p in protocols for u in units
              if ((rows.protocol == p) & (rows.unit == u)).any()]  # fmt: skip
    heights = [max(1.0, 0.22 * ((rows.protocol == p) & (rows.unit == u)).sum() + 0.6)
               for p, u in panels]  # fmt: skip
    fig, axes = plt.subplots(max(len(panels), 1), 1, figsize=(10, sum(heights) + 1.5),
                             squeeze=False, height_ratios=heights or None)  # fmt: skip
    for ax, (protocol, unit) in zip(axes[:, 0], panels, strict=False):
        mine = rows[(rows.protocol == protocol) & (rows.unit == unit)].reset_index()
        y = np.arange(len(mine))[::-1]
        colours = [VERDICT_STYLES.get(v, ("black", "o"))[0] for v in mine.verdict]
        ax.errorbar(mine.effect - mine.bound, y, xerr=[mine.effect - mine.ci_low,
                    mine.ci_high - mine.effect], fmt="none", ecolor=colours, lw=1.3)  # fmt: skip
        for verdict, (colour, marker) in VERDICT_STYLES.items():
            hit = (mine.verdict == verdict).to_numpy()
            ax.scatter((mine.effect - mine.bound)[hit], y[hit], color=colour, marker=marker,
                       s=24, zorder=3)  # fmt: skip
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [f"{r.claim} {r.part}" + ("" if r.baseline == "claim" else
                          f"  vs {representation_label(r.baseline)}")
                          for r in mine.itertuples()])  # fmt: skip
        ax.set_xlabel(f"effect − bound: {unit} (hierarchical bootstrap interval)")
        where = f"{protocol}: " if len(protocols) > 1 else ""
        ax.set_title(f"{where}{unit}", loc="left")
    if not panels:
        _no_content(axes[0, 0], "no claim part could be measured in this run")
    handles = [plt.Line2D([], [], color=c, marker=m, ls="", label=v)
               for v, (c, m) in VERDICT_STYLES.items()]  # fmt: skip
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.98), title="verdict")
    caveats = rows.caveat[rows.caveat != ""] if "caveat" in rows else []
    fig.suptitle("Is the effect real? Each claim part against zero and against each null, "
                 "one panel per unit" + (f"\n({caveats.iloc[0]})" if len(caveats) else ""),
                 y=1.0)  # fmt: skip
    fig.tight_layout()
    return fig


#: The series of the stability figure: (representation, arch) -> label and colour.
STABILITY_SERIES = {
    ("sae", "topk"): ("TopK (selected)", "#de8f05"),
    ("sae", "standard"): ("L1 at TopK's sparsity", "#029e73"),
}


def _series_of(representation: str, arch) -> tuple[str, str]:
    """A stability series' label and colour: the SAE's by architecture, any other
    representation's (dictionary, SAE on spikes, SAE on xCEBRA) from the registry."""
    if (representation, arch) in STABILITY_SERIES:
        return STABILITY_SERIES[(representation, arch)]
    if representation in REPRESENTATIONS:
        return representation_label(representation), REPRESENTATIONS[representation].colour
    return representation, DEFAULT_COLOUR


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
    data["series"] = [_series_of(r, a)[0]
                      for r, a in zip(data.representation, arch, strict=True)]  # fmt: skip
    data["colour"] = [_series_of(r, a)[1]
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
    all_cebra = stability[(stability.representation == "cebra") & stability.value.notna()]
    has_cebra = not all_cebra.empty  # one CEBRA seed: no panel (the title says why)
    n_cols = int(has_cebra) + max(1, len(panels))
    width = min(4.0 * n_cols, MAX_WIDTH_PX / 150 - 2.5)
    fig, axes = plt.subplots(len(protocols or [0]), n_cols, figsize=(width,
                             3.9 * len(protocols or [0])), squeeze=False)  # fmt: skip
    colours = dict(zip(data.series, data.colour, strict=True))
    for i, protocol in enumerate(protocols or ["(none)"]):
        cebra = all_cebra[all_cebra.protocol == protocol]
        if has_cebra:
            left = axes[i, 0]
            left.set_title(f"{protocol}\nCEBRA embeddings across seeds")
            sns.barplot(data=cebra, x="dim", y="value", hue="rat", ax=left, errorbar=None)
            left.set_ylabel("CEBRA consistency between seeds (R²)")
        mine = data[(data.protocol == protocol) & data.value.notna()]
        if mine.empty:
            _no_content(axes[i, int(has_cebra)],
                        "latent matching needs at least two SAE seeds (sae.seeds)")  # fmt: skip
            for ax in axes[i, int(has_cebra) + 1 :]:
                ax.set_axis_off()
            continue
        series = [label for label, _ in STABILITY_SERIES.values() if label in set(mine.series)]
        series += sorted(set(mine.series) - set(series))
        dims = sorted(mine.dim.unique())
        width = 0.8 / len(series)
        for ax, panel in zip(axes[i, int(has_cebra) :], panels, strict=False):
            part = mine[mine.panel == panel].groupby(["series", "dim"])[
                ["value", "random_value"]].mean()  # fmt: skip
            for j, label in enumerate(series):
                x = np.arange(len(dims)) - 0.4 + width * (j + 0.5)
                rows = part.reindex([(label, d) for d in dims])
                ax.bar(x, rows.value, width * 0.95, color=colours.get(label, "0.6"),
                       label=label)  # fmt: skip
                for xi, v in zip(x, rows.value, strict=True):  # not measured: said, not blank
                    if np.isnan(v):
                        ax.text(xi, 0.02, "n/a", rotation=90, ha="center", va="bottom",
                                fontsize=9, color="0.4")  # fmt: skip
                ax.hlines(rows.random_value, x - width / 2, x + width / 2, color="black",
                          linewidth=1.6, label="chance" if j == 0 else None)  # fmt: skip
            ax.set_xticks(np.arange(len(dims)), [str(d) for d in dims])
            ax.set(xlabel="dim", ylim=(0, 1.02), ylabel="share matched" if panel.startswith(
                "matched") else "similarity")  # fmt: skip
            ax.set_title(f"{protocol}\n{panel}")
        axes[i, -1].legend(fontsize=9, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.suptitle("Do latents come back across seeds? Bars: trained, live latents (mean over "
                 "rats, seeds, k); black ticks: chance (mean of random draws per case)"
                 + ("" if has_cebra else "\n(CEBRA's consistency across seeds is not drawn: "
                    "it needs at least two CEBRA seeds, cebra.seeds)"))  # fmt: skip
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
                va="center", fontsize=9)  # fmt: skip
    ax.set_xlabel("total wall time of the rule's jobs (minutes)")
    ax.set_title("Where the time went (sum over jobs; jobs run in parallel)")
    ax.margins(x=0.35)
    fig.tight_layout()
    return fig


#: Panels per row of the place-field figure.
PLACE_FIELD_COLUMNS = 4


def _family(representation: str) -> int:
    """The place-field figure's row group: the paper's (CEBRA, SAEs), the nulls, the others."""
    rep = REPRESENTATIONS[representation] if representation in REPRESENTATIONS else None
    if rep is None or rep.classical:
        return 2
    return 1 if rep.null_of else 0


def figure_place_fields(latents: pd.DataFrame, curves: pd.DataFrame, summary: pd.DataFrame,
                        protocol: str, rat: str, dim) -> plt.Figure:  # fmt: skip
    """The classic place-field plot of every representation of one rat x dim (first seed).

    One panel per representation (CEBRA, each selected SAE at the first SAE seed, the nulls,
    the other methods), grouped in rows by family, at most :data:`PLACE_FIELD_COLUMNS` a row.
    In a panel each row is one place-field-like latent (all latents when there are none;
    ticks: the latent's index), its tuning curve on right runs, then on left runs, scaled to
    its own maximum over both; latents sorted by the position of their peak. Grey: position
    bins the validation split never visited in that direction. Positions are in the
    recording's unit (``data_summary.position_unit``).
    """
    plt, _ = _plotting()
    import matplotlib as mpl

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
    family_of = dict(zip(data.model_id, data.representation.map(_family), strict=True))
    ids = sorted(label_of, key=lambda m: (family_of[m], order.index(label_of[m])))
    rows_of = []  # each figure row: the ids of one family, wrapped
    for family in sorted(set(family_of.values())):
        mine = [m for m in ids if family_of[m] == family]
        rows_of += [mine[n : n + PLACE_FIELD_COLUMNS]
                    for n in range(0, len(mine), PLACE_FIELD_COLUMNS)]  # fmt: skip
    n_rows = max(len(rows_of), 1)
    fig, axes = plt.subplots(n_rows, PLACE_FIELD_COLUMNS, figsize=(14, 3.4 * n_rows),
                             squeeze=False, layout="constrained")  # fmt: skip
    cmap = mpl.colormaps["viridis"].copy()
    cmap.set_bad("0.82")  # not visited
    image = None
    for r, row_ids in enumerate(rows_of):
        for col in range(PLACE_FIELD_COLUMNS):
            ax = axes[r, col]
            if col >= len(row_ids):
                ax.set_axis_off()
                continue
            model_id = row_ids[col]
            rows = shown[shown.model_id == model_id]
            like = rows[rows.place_field_like]
            picked = (like if len(like) else rows).sort_values("peak_position_m")
            c = curves[curves.model_id == model_id]
            table = c.pivot_table(index=["latent", "direction"], columns="position_m",
                                  values="activation", dropna=False)  # fmt: skip
            scale = c.groupby("latent").activation.max().replace(0, np.nan)
            halves = [table.xs(d, level="direction").reindex(picked.latent)
                      .div(scale.reindex(picked.latent), axis=0)
                      for d in ("right", "left")]  # fmt: skip
            positions = halves[0].columns.to_numpy(dtype=float)
            n_bins, gap = len(positions), 2
            values = np.hstack([halves[0].to_numpy(float), np.full((len(picked), gap), np.nan),
                                halves[1].to_numpy(float)])  # fmt: skip
            image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0,
                              vmax=1, interpolation="nearest")  # fmt: skip
            ax.axvspan(n_bins - 0.5, n_bins + gap - 0.5, color="white")  # between directions
            ends = [f"{positions[0]:.3g}", f"{positions[-1]:.3g}"]
            ax.set_xticks([0, n_bins - 1, n_bins + gap, 2 * n_bins + gap - 1], ends + ends)
            for tick, align in zip(ax.get_xticklabels(), ("left", "right") * 2, strict=True):
                tick.set_horizontalalignment(align)
            ax.set_xlabel(f"right runs | left runs ({unit})")
            step = max(1, int(np.ceil(len(picked) / 12)))
            ax.set_yticks(range(0, len(picked), step), picked.latent.to_numpy()[::step])
            if col == 0:
                ax.set_ylabel("latent")
            shown_all = "" if len(like) else " (all shown)"
            si = rows.spatial_information.median()
            ax.set_title(f"{label_of[model_id]}\n{len(like)}/{len(rows)} place-field-like"
                         f"{shown_all}, SI {si:.2f} bits")  # fmt: skip
    fig.suptitle(f"Latent tuning curves: {rat}, dim {dim} ({protocol}), validation split. "
                 "Place-field-like: spatial information (SI, median in the titles) above the\n"
                 "95th percentile of its time-shift null. Each latent scaled to its maximum; "
                 "grey: positions not visited in that direction")  # fmt: skip
    if image is not None:
        bar = fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01)
        bar.set_label("activation / the latent's maximum")
    return fig


def figure_ground_truth(posthoc: pd.DataFrame, sweep: pd.DataFrame) -> plt.Figure:
    """Recovery of a simulated code (simulated rats only).

    Top: one-to-one (Hungarian) and best-match recovery of the true factors against their
    number K, per post-hoc representation. Bottom, one panel per K: one-to-one recovery of
    every SAE of the grid (first seeds) against k, per architecture and expansion.
    """
    plt, sns = _plotting()
    data = posthoc.dropna(subset=["recovery_hungarian"])
    fig = plt.figure(figsize=(13, 8.4))
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
    from cebra_sae.claims.paper import with_best_membership

    data = with_best_membership(data)
    panels = [("recovery_hungarian", "one-to-one (Hungarian) recovery (mean |r|)"),
              ("recovery_best", "best-match recovery (mean |r|)")]  # fmt: skip
    if data.membership_auc_best.notna().any():
        panels.append(("membership_auc_best", "membership AUC (best attribution kind)"))
    axes = top.subplots(1, len(panels))
    ticks = sorted(data.n_factors.unique())
    for ax, (column, title) in zip(axes, panels, strict=True):
        shown = [label for label in order if data.loc[data.label == label, column].notna().any()]
        sns.lineplot(data.dropna(subset=[column]), x="n_factors", y=column, hue="label",
                     hue_order=shown, palette=palette, marker="o", errorbar=("pi", 100), ax=ax,
                     legend=ax is axes[0])  # fmt: skip
        ax.set(xlabel="true factors K", ylabel=title, ylim=(0, 1.02))
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, ticks)
    handles, labels = axes[0].get_legend_handles_labels()
    axes[0].get_legend().remove()
    top.legend(handles, labels, bbox_to_anchor=(1.0, 0.9), loc="upper left")
    top.suptitle("Recovery of the true sparse code and of each factor's neurons, post-hoc "
                 "representations (validation; line: mean over rats, dims, seeds; band: "
                 "range)")  # fmt: skip
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
    lower[-1].legend(fontsize=9, bbox_to_anchor=(1.02, 1), loc="upper left")
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
FIGURES.register(Figure("nulls", figure_nulls, ("posthoc", "intervals"), categories.POSTHOC))
FIGURES.register(
    Figure("other_methods", figure_other_methods, ("posthoc", "intervals"), categories.POSTHOC,
           needs=other_methods_needs)
)  # fmt: skip
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

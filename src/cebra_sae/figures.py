"""The paper's figures, one function per figure, drawn from the study's tables only.

A figure never recomputes a metric: it reads columns of a table written by an
aggregate rule. ``FIGURES`` is the registry the workflow draws from: each
:class:`Figure` names its drawing function, the tables it reads, its report category and
(for a figure per protocol x rat x dim) its wildcards; its caption is
``workflow/report/{name}.rst``. One rule pattern (``workflow/rules/figures.smk``) draws
them all; a new figure is one :func:`register_figure` call and its caption.

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

from cebra_sae.protocols import PROTOCOLS
from cebra_sae.sae.architectures import ARCHITECTURES

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
        category: the report category.
        wildcards: a figure per combination of these (``protocol``, ``rat``, ``dim``).
        path: output path under ``results/figures`` with the wildcards in braces.
    """

    name: str
    draw: Callable[..., plt.Figure]
    tables: tuple[str, ...]
    category: str
    wildcards: tuple[str, ...] = ()
    path: str | None = None

    @property
    def output(self) -> str:
        return self.path or f"{self.name}.png"


FIGURES: dict[str, Figure] = {}


def register_figure(figure: Figure) -> Figure:
    FIGURES[figure.name] = figure
    return figure


def _protocols_in(data: pd.DataFrame) -> list[str]:
    """The registered protocols present in ``data``, in registry order."""
    present = set(data["protocol"])
    return [name for name in PROTOCOLS if name in present]


def _valid_decoding(protocol: str) -> tuple[str, str]:
    """The ``cebra_sweep`` columns of ``protocol``'s validation decoding (STUDY.md §3)."""
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
        palette={name: arch.colour for name, arch in ARCHITECTURES.items()},
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


SCORE_LABELS = {
    "neuron_score": "neuron score",
    "behavior_score": "behaviour score",
    "pos_r2_valid": "position R² (validation)",
    "dir_acc_valid": "direction accuracy (validation)",
}


def _with_representation(posthoc: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Add a ``representation`` column: ``CEBRA`` or ``SAE k=..`` (ordered by k)."""
    data = posthoc.copy()
    data["representation"] = [
        "CEBRA" if model == "cebra" else f"SAE k={int(k)}"
        for model, k in zip(data["model"], data["k"], strict=True)
    ]
    ks = sorted(int(k) for k in data.loc[data["model"] == "sae", "k"].dropna().unique())
    return data, ["CEBRA", *[f"SAE k={k}" for k in ks]]


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


def _representation_palette(order: list[str]) -> dict:
    """SAEs in a sequential palette by k, CEBRA in grey."""
    plt, sns = _plotting()
    palette = dict(zip(order, sns.color_palette("crest", len(order)), strict=True))
    palette["CEBRA"] = (0.55, 0.55, 0.55)
    return palette


def _box_figure(posthoc: pd.DataFrame, columns: list[str], title: str) -> plt.Figure:
    plt, sns = _plotting()
    data, order = _with_representation(posthoc)
    protocols = _protocols_in(data)
    fig, axes = plt.subplots(
        len(protocols), len(columns), figsize=(4.8 * len(columns), 3.8 * len(protocols)),
        squeeze=False,
    )  # fmt: skip
    palette = _representation_palette(order)
    for i, protocol in enumerate(protocols):
        subset = data[data["protocol"] == protocol]
        for j, column in enumerate(columns):
            ax = axes[i, j]
            sns.boxplot(data=subset, x="representation", y=column, order=order,
                        hue="representation", palette=palette, ax=ax, fliersize=0, width=0.6,
                        legend=False)  # fmt: skip
            with _seeded_jitter():
                sns.stripplot(data=subset, x="representation", y=column, order=order,
                              color="black", size=3.5, alpha=0.7, ax=ax)  # fmt: skip
            ax.set_xlabel("")
            ax.set_ylabel(SCORE_LABELS.get(column, column))
            scored_on = subset["score_split"].iloc[0] if "score" in column else "valid"
            ax.set_title(f"{protocol} ({scored_on} split)")
    fig.suptitle(title, y=1.0)
    fig.tight_layout()
    return fig


def figure_scores(posthoc: pd.DataFrame) -> plt.Figure:
    """Figure 4: neuron and behaviour scores, CEBRA vs SAE k (boxes over rat x dim)."""
    return _box_figure(
        posthoc,
        ["neuron_score", "behavior_score"],
        "Interpretability before and after sparsification (points: rat x dim)",
    )


def figure_decoding(posthoc: pd.DataFrame) -> plt.Figure:
    """Figure 5: position R² and direction accuracy on validation, CEBRA vs SAE k."""
    return _box_figure(
        posthoc,
        ["pos_r2_valid", "dir_acc_valid"],
        "Decoding before and after sparsification (points: rat x dim)",
    )


def figure_scores_by_dim(posthoc: pd.DataFrame) -> plt.Figure:
    """Figure 6: neuron and behaviour scores by embedding dim and k (mean ± sd over rats)."""
    plt, sns = _plotting()
    data, order = _with_representation(posthoc)
    protocols = _protocols_in(data)
    columns = ["neuron_score", "behavior_score"]
    fig, axes = plt.subplots(len(protocols), 2, figsize=(10, 3.8 * len(protocols)), squeeze=False)
    palette = _representation_palette(order)
    for i, protocol in enumerate(protocols):
        subset = data[data["protocol"] == protocol]
        for j, column in enumerate(columns):
            ax = axes[i, j]
            sns.pointplot(data=subset, x="dim", y=column, hue="representation", hue_order=order,
                          palette=palette, errorbar="sd", dodge=0.3, ax=ax,
                          markersize=5, linewidth=1.5)  # fmt: skip
            ax.set_xlabel("CEBRA output dimension")
            ax.set_ylabel(SCORE_LABELS[column])
            ax.set_title(protocol)
            ax.legend(fontsize=7, title=None)
    fig.suptitle("Interpretability by embedding dimension and k (mean ± sd over rats)", y=1.0)
    fig.tight_layout()
    return fig


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


register_figure(Figure("fig1_cebra_sweep", figure_cebra_sweep, ("cebra_sweep",), "CEBRA"))
register_figure(Figure("fig2_3_sae_sweep", figure_sae_sweep_grid, ("sae_sweep",), "SAE sweep"))
register_figure(
    Figure(
        "sae_sweep_panel",
        figure_sae_sweep_panel,
        ("sae_sweep",),
        "SAE sweep",
        wildcards=("protocol", "rat", "dim"),
        path="sae_sweep/{protocol}/{rat}-dim{dim}.png",
    )
)
register_figure(Figure("fig4_scores", figure_scores, ("posthoc",), "Post-hoc"))
register_figure(Figure("fig5_decoding", figure_decoding, ("posthoc",), "Post-hoc"))
register_figure(Figure("fig6_scores_by_dim", figure_scores_by_dim, ("posthoc",), "Post-hoc"))
register_figure(Figure("runtime", figure_runtime, ("runtime",), "Runtime"))

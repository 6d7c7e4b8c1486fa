"""The paper's figures, one function per figure, drawn from the study's tables only.

A figure never recomputes a metric: it reads columns of a table written by an
aggregate rule.

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

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

#: The decoding columns each protocol reports on the validation split (STUDY.md §3).
VALID_DECODING = {
    "paper": ("pos_r2_valid", "dir_acc_valid"),
    "seed_code": ("seed_code_pos_r2_valid", "seed_code_dir_acc_valid"),
}
SWEEP_PARAMETERS = {"dim": "output dimension", "hidden": "hidden units", "lr": "learning rate"}


def figure_cebra_sweep(sweep: pd.DataFrame) -> plt.Figure:
    """Figure 1: validation position R² vs direction accuracy of every CEBRA model.

    One row of panels per protocol (each decoded with its own protocol's definition),
    one panel per swept hyperparameter (colour), marker = rat.

    Args:
        sweep: ``cebra_sweep.parquet`` as a DataFrame.
    """
    protocols = [p for p in VALID_DECODING if p in set(sweep["protocol"])]
    n_rows, n_cols = len(protocols), len(SWEEP_PARAMETERS)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, 3.8 * n_rows), squeeze=False, sharex="row"
    )
    for row, protocol in enumerate(protocols):
        data = sweep[sweep["protocol"] == protocol].copy()
        x, y = VALID_DECODING[protocol]
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
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


ARCH_ORDER = ("standard", "topk", "jumprelu")
ARCH_PALETTE = dict(zip(ARCH_ORDER, sns.color_palette("colorblind", 3), strict=True))
EXPANSION_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _sae_scatter(ax, data: pd.DataFrame, legend: bool) -> None:
    expansions = sorted(data["expansion"].unique())
    sns.scatterplot(
        data=data.assign(expansion=data["expansion"].astype(str)),
        x="nonzero_ratio_valid",
        y="explained_variance_valid",
        hue="arch",
        hue_order=[a for a in ARCH_ORDER if a in set(data["arch"])],
        palette=ARCH_PALETTE,
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


def figure_sae_sweep_panel(sweep: pd.DataFrame, protocol: str, rat: str, dim: int) -> plt.Figure:
    """Figures 2-3: explained variance vs nonzero ratio of one rat x dim's SAEs.

    Colour = architecture, marker = expansion; validation split; diverged models
    (NaN metrics) are left out.
    """
    data = sweep[(sweep.protocol == protocol) & (sweep.rat == rat) & (sweep.dim == dim)]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    _sae_scatter(ax, data.dropna(subset=["explained_variance_valid"]), legend=True)
    ax.set_title(f"{rat}, dim {dim} ({protocol})")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def figure_sae_sweep_grid(sweep: pd.DataFrame) -> plt.Figure:
    """All rat x dim panels of Figures 2-3: rows = protocol x rat, columns = dim."""
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

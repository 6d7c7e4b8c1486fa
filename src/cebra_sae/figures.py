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

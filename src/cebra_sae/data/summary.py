"""What a prepared recording is: its row of ``data_summary`` and what will give little.

Example:
    >>> import numpy as np
    >>> from cebra_sae.data.recording import Split
    >>> labels = np.column_stack([np.linspace(0, 1.6, 50), np.ones(50), np.zeros(50)])
    >>> split = Split(np.ones((40, 1)), np.ones((10, 1)), labels[:40], labels[40:])
    >>> summary_row(split, "r", "file")["n_timesteps"]
    50
"""

from __future__ import annotations

import numpy as np

from cebra_sae.data.recording import (
    BIN_SECONDS,
    Split,
    direction,
    direction_counts,
    direction_gap,
)

#: Fewer bins than this (25 s) decode and score, but say little.
MIN_USEFUL_BINS = 1000


def recording_warnings(split: Split) -> list[str]:
    """What will run on this recording but give little, one sentence each (the neuron
    count against the scores' top-n is :func:`neuron_count_warning`, a post-hoc setting).

    Example:
        >>> labels = np.column_stack([np.linspace(0, 1.6, 50), np.ones(50), np.zeros(50)])
        >>> split = Split(np.ones((40, 1)), np.ones((10, 1)), labels[:40], labels[40:])
        >>> for line in recording_warnings(split):
        ...     print(line[:60])
        50 bins (1.2 s): fewer than 1000; decoding and scores will b
        The direction label 'left' is never set: running direction c
        The train split has 40 right and 0 left bins (each direction
        The validation split has 10 right and 0 left bins (each dire
    """
    spikes = np.concatenate([split.spikes_train, split.spikes_valid])
    labels = np.concatenate([split.labels_train, split.labels_valid])
    lines = []
    if len(spikes) < MIN_USEFUL_BINS:
        lines.append(
            f"{len(spikes)} bins ({len(spikes) * BIN_SECONDS:.1f} s): fewer than "
            f"{MIN_USEFUL_BINS}; decoding and scores will be noisy."
        )
    for column, name in ((1, "right"), (2, "left")):
        if not labels[:, column].any():
            lines.append(
                f"The direction label '{name}' is never set: running direction cannot be decoded."
            )
    lines += direction_warnings(split.labels_train, split.labels_valid)
    silent = int((spikes.sum(axis=0) == 0).sum())
    if silent:
        lines.append(f"{silent} of {spikes.shape[1]} neurons never fire: their correlations are 0.")
    return lines


def direction_warnings(labels_train, labels_valid) -> list[str]:
    """A warning per split with too few bins of a running direction to test direction
    decoding on it (:func:`~cebra_sae.data.recording.direction_gap`).

    Example:
        >>> both = np.array([[0.1, 1, 0], [0.2, 0, 1]] * 20)
        >>> print(direction_warnings(both, np.tile([0.5, 1.0, 0.0], (30, 1)))[0])
        ... # doctest: +NORMALIZE_WHITESPACE
        The validation split has 30 right and 0 left bins (each direction needs >= 20): its
        direction accuracy is not testable (NaN in the tables, left out of the claims).
    """
    lines = []
    for name, labels in (("train", labels_train), ("valid", labels_valid)):
        gap = direction_gap(labels, name)
        if gap:
            also = " and so is the validation split's under a decoder fit on train" if (
                name == "train") else ""  # fmt: skip
            lines.append(f"{gap[0].upper()}{gap[1:]}: its direction accuracy is not testable"
                         f"{also} (NaN in the tables, left out of the claims).")  # fmt: skip
    return lines


def neuron_count_warning(n_neurons: int, top_neurons: int) -> str | None:
    """A warning when a recording has fewer neurons than the neuron score's top-n.

    Example:
        >>> neuron_count_warning(1, 10)[:58]
        '1 neuron, fewer than posthoc.top_neurons = 10: each latent'
        >>> neuron_count_warning(48, 10) is None
        True
    """
    if n_neurons >= top_neurons:
        return None
    noun = "neuron" if n_neurons == 1 else "neurons"
    return (
        f"{n_neurons} {noun}, fewer than posthoc.top_neurons = {top_neurons}: each latent's "
        f"neuron score is its best |r| over only {n_neurons} {noun}, and the published code's "
        "formula averages fewer distinct neurons than intended."
    )


def add_neuron_count_warnings(summary, top_neurons: int):
    """``data_summary`` rows with :func:`neuron_count_warning` appended to ``warnings``.

    Returns:
        ``(summary, added)``: the new rows and ``{rat: warning}`` of the warnings added.
    """
    summary, added = summary.copy(), {}
    for index, row in summary.iterrows():
        warning = neuron_count_warning(int(row["n_neurons"]), top_neurons)
        if warning:
            added[row["rat"]] = warning
            summary.loc[index, "warnings"] = " ".join(w for w in (row["warnings"], warning) if w)
    return summary, added


def summary_row(split: Split, rat: str, source: str, warnings=()) -> dict:
    """One row of ``data_summary.parquet`` for a prepared recording."""
    spikes = np.concatenate([split.spikes_train, split.spikes_valid])
    labels = np.concatenate([split.labels_train, split.labels_valid])
    return {
        "rat": rat,
        "source": source,
        "n_timesteps": int(len(spikes)),
        "n_neurons": int(spikes.shape[1]),
        "n_train": split.n_train,
        "n_valid": split.n_valid,
        "duration_s": float(len(spikes) * BIN_SECONDS),
        "spikes_per_bin": float(spikes.sum(axis=1).mean()),
        "position_min": float(labels[:, 0].min()),
        "position_max": float(labels[:, 0].max()),
        "fraction_right": float((direction(labels) == 0).mean()),
        **{
            f"n_{way}_{name}": n
            for name, part in (("train", split.labels_train), ("valid", split.labels_valid))
            for way, n in direction_counts(part).items()
        },  # fmt: skip
        "warnings": " ".join(warnings),
    }

"""How figures and pages name representations and metrics.

Example:
    >>> representation_label("sae", 8), representation_label("cebra", None)
    ('SAE k=8', 'CEBRA')
"""

from __future__ import annotations

import pandas as pd

#: Each SAE family's colour in the figures: seaborn's colour-blind palette (its grey is the
#: colour of a family not listed here, e.g. one just registered).
ARCHITECTURE_COLOURS = {
    "standard": "#0173b2",
    "topk": "#de8f05",
    "jumprelu": "#029e73",
    "gated": "#d55e00",
    "batchtopk": "#cc78bc",
    "topk_auxk": "#ca9161",
    "jumprelu_quantile": "#56b4e9",
}
DEFAULT_COLOUR = "#949494"


def architecture_colour(arch: str) -> str:
    """The colour of SAE family ``arch`` in the figures.

    Example:
        >>> architecture_colour("topk"), architecture_colour("new")
        ('#de8f05', '#949494')
    """
    return ARCHITECTURE_COLOURS.get(arch, DEFAULT_COLOUR)


SCORE_LABELS = {
    "neuron_score": "neuron score",
    "behavior_score": "behaviour score",
    "pos_r2_valid": "position R² (validation)",
    "dir_acc_valid": "direction accuracy (validation)",
}


def representation_label(representation: str, k=None) -> str:
    """``CEBRA``, ``SAE k=8``, ``untrained SAE k=8``, ``PCA rotation``, ... (the registry's
    readable names; the figures' labels).

    Example:
        >>> representation_label("random_sae", 16), representation_label("unregistered")
        ('untrained SAE k=16', 'unregistered')
    """
    from cebra_sae.posthoc.representations import REPRESENTATIONS

    name = (REPRESENTATIONS[representation].readable if representation in REPRESENTATIONS
            else representation)  # fmt: skip
    return name if k is None or pd.isna(k) else f"{name} k={int(k)}"

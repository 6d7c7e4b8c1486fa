"""How figures and pages name representations and metrics.

Example:
    >>> representation_label("sae", 8), representation_label("cebra", None)
    ('SAE k=8', 'CEBRA')
"""

from __future__ import annotations

import pandas as pd

SCORE_LABELS = {
    "neuron_score": "neuron score",
    "behavior_score": "behaviour score",
    "pos_r2_valid": "position R² (validation)",
    "dir_acc_valid": "direction accuracy (validation)",
}


def representation_label(representation: str, k) -> str:
    """``CEBRA``, ``SAE k=8``, ``random_sae k=8``, ``pca``, ... (the figures' x labels)."""
    name = {"cebra": "CEBRA", "sae": "SAE"}.get(representation, representation)
    return name if pd.isna(k) else f"{name} k={int(k)}"

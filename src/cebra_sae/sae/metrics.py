"""Reconstruction and sparsity of an SAE's latents on a split.

Example:
    >>> import numpy as np
    >>> z = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> h = np.array([[0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]])
    >>> explained_variance(z, z), nonzero_ratio(h), l0(h), dead_fraction(h)
    (1.0, 0.25, 1.0, 0.5)
"""

from __future__ import annotations

import numpy as np


def explained_variance(z: np.ndarray, z_hat: np.ndarray) -> float:
    """Dataset-level ``1 − Σ‖z − ẑ‖² / Σ‖z − z̄‖²`` over the whole split (not per batch).

    Example:
        >>> z = np.array([[0.0, 1.0], [2.0, 3.0]])
        >>> explained_variance(z, z), explained_variance(z, np.tile(z.mean(axis=0), (2, 1)))
        (1.0, 0.0)
    """
    z, z_hat = np.asarray(z, dtype=np.float64), np.asarray(z_hat, dtype=np.float64)
    total = ((z - z.mean(axis=0)) ** 2).sum()
    return float(1.0 - ((z - z_hat) ** 2).sum() / total)


def nonzero_ratio(h: np.ndarray) -> float:
    """Mean over samples of (#nonzero latents / width); dense embeddings give ≈ 1."""
    return float((np.asarray(h) != 0).mean())


def l0(h: np.ndarray) -> float:
    """Mean number of nonzero latents per sample."""
    return float((np.asarray(h) != 0).sum(axis=1).mean())


def dead_fraction(h: np.ndarray) -> float:
    """Share of latents that are never nonzero on the split."""
    return float((~(np.asarray(h) != 0).any(axis=0)).mean())


def split_metrics(z: np.ndarray, h: np.ndarray, z_hat: np.ndarray, split: str) -> dict:
    """Explained variance, nonzero ratio, L0 and dead fraction on ``split``, keyed
    ``{metric}_{split}``."""
    return {
        f"explained_variance_{split}": explained_variance(z, z_hat),
        f"nonzero_ratio_{split}": nonzero_ratio(h),
        f"l0_{split}": l0(h),
        f"dead_fraction_{split}": dead_fraction(h),
    }

"""|Pearson r| between the columns of two arrays: what every score, null and recovery uses.

Example:
    >>> x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    >>> standardise(x)[:, 1].tolist()  # a constant column is 0, never NaN
    [0.0, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np


def standardise(x: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm (``z.T @ z'`` is then Pearson r); an exactly
    constant column becomes 0, so its r is 0, never NaN."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    varies = np.ptp(x, axis=0) > 0
    return np.divide(centred, norm, out=np.zeros_like(centred), where=varies & (norm > 0))


def abs_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|Pearson r|`` between every column of ``a`` (T x P) and of ``b`` (T x Q), P x Q.

    Computed as one matrix product of z-scored columns; a constant column (no variance)
    has r = 0, never NaN.

    Example:
        >>> x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
        >>> abs_correlation(x, x)
        array([[1., 0.],
               [0., 0.]])
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.clip(np.abs(standardise(a).T @ standardise(b)), 0.0, 1.0)

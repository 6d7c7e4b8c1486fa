"""An exact, faster positive-pair search for CEBRA fits.

In a supervised CEBRA fit on continuous labels (CEBRA's default conditional ``time_delta``,
:class:`cebra.distributions.continuous.TimedeltaDistribution`) every training step draws
the positive samples with ``ContinuousIndex.search(query)``: the query is a reference
label plus a label difference over ``time_offsets`` bins, and the search returns, for each
query, ``torch.argmin`` over CEBRA's float32 distances ``xTx + qTq - 2 * xTq`` to *every*
train bin. Inside :func:`fast_pair_search` that search returns the same indices from a
handful of candidates per query instead.

It handles the study's label layouts: a ``(T, 1)`` position, or ``(T, D)`` labels whose
first column is a float (the position) and whose other columns hold small integers (the
one-hot direction ``[right, left]``; the queries' direction columns then hold -1..2). For
such a query ``q`` and label row ``x`` the exact squared distance is
``(x0 - q0)^2 + E(x)``, where ``E`` is an exact integer that is the same for all rows
sharing the integer columns (a *group*). Per group the distinct positions are sorted once
(each keeping the first row that has it: duplicated rows have equal distances and argmin
keeps the first), so a sorted search gives each group's nearest rows and the exact
minimum ``Dmin``. CEBRA's float32 distance differs from the exact one by at most
``5u (|x| + |q|)^2`` (``u = 2^-24``; standard bounds for a three-term dot product, a sum
and a difference), so every row CEBRA could rank first lies within ``Dmin + 2 tol`` with
``tol = 16u (max|x| + |q|)^2``. For these candidates the float32 distances are computed
with CEBRA's own operations: ``xTx`` is CEBRA's stored tensor, ``qTq`` the same call on
the same query, and ``xTq`` the float32 sum ``x0*q0 + x1*q1 + ...`` in column order.
That is what CEBRA's ``einsum`` computes as measured here (MKL's sgemm: a multiply-add
chain over the columns in order; the integer columns' products are exact, so fused or not
gives the same bits, while another order would not). The first index among the smallest
candidates is CEBRA's ``argmin``. Rows with equal labels have equal distances (their
``xTx`` are checked equal once), so only the first of them is a candidate.

Exactness does not rest on that kernel assumption alone: the first search of each index
(and of each query count) computes CEBRA's full distance matrix as well, compares it bit
for bit with the formula above on every pair and the fast indices with CEBRA's; on any
difference that index goes back to CEBRA's own search for the rest of the fit (with a
warning). Everything else goes to CEBRA's search: other label layouts or dtypes, queries
whose integer columns are not small integers, non-finite or huge values, a
``DistanceMatrix`` subclass, indices or queries off the CPU, a changed index tensor.

Example:
    >>> import torch
    >>> from cebra.distributions import ContinuousIndex
    >>> g = torch.Generator().manual_seed(0)
    >>> labels = torch.rand(500, 3, generator=g)
    >>> labels[:, 1] = (labels[:, 1] > 0.5).float()
    >>> labels[:, 2] = 1 - labels[:, 1]
    >>> index = ContinuousIndex(labels)
    >>> query = labels[torch.randint(500, (256,), generator=g)]
    >>> query[:, 0] += 0.01
    >>> with fast_pair_search() as stats:
    ...     checked, fast = index.search(query), index.search(query)
    >>> bool(torch.equal(fast, index.search(query))), stats
    (True, {'fast': 1, 'fallback': 0, 'checked': 1})
"""

from __future__ import annotations

import contextlib
import warnings
import weakref

import numpy as np
import torch

_U = 2.0**-24  # float32 unit roundoff
_LIMIT = 2.0**40  # labels and queries beyond this go to CEBRA's search (no overflow)
_INT_LIMIT = 2.0**8  # integer columns: products and sums stay exact in float32
_MAX_GROUPS = 64
_TOL = 16  # candidates: within 2 x _TOL x u x (|x| + |q|)^2 of the exact minimum


class _Plan:
    """Sorted positions per group of one ``ContinuousIndex``'s labels."""

    def __init__(self, index: torch.Tensor, xTx: torch.Tensor):
        labels = index.numpy()
        self.index, self.version, self.labels = index, index._version, labels
        self.xTx_stored, self.xTx = xTx, xTx.reshape(-1).numpy()
        self.columns = labels.shape[1]
        self.max_norm = float(np.sqrt(np.max(np.sum(labels.astype(np.float64) ** 2, axis=1))))
        ints = labels[:, 1:].astype(np.int64)
        keys, group_of = np.unique(ints, axis=0, return_inverse=True)
        self.keys = keys.astype(np.float64)  # (G, D - 1)
        self.groups = []  # per group: sorted distinct positions, first row of each
        self.duplicates_agree = True  # equal label rows have equal xTx in CEBRA's tensor
        for g in range(len(keys)):
            rows = np.flatnonzero(group_of.reshape(-1) == g)
            values, first, same = np.unique(
                labels[rows, 0].astype(np.float64), return_index=True, return_inverse=True
            )
            self.groups.append((values, rows[first]))
            xTx = self.xTx[rows]
            self.duplicates_agree &= bool(np.array_equal(xTx, xTx[first][same.reshape(-1)]))
        self.checked = set()  # query counts whose formula and result were checked

    @classmethod
    def build(cls, cebra_index):
        """The plan for a ``ContinuousIndex``, or None when its labels are not handled."""
        matrix = getattr(cebra_index, "dist_matrix", None)
        if type(matrix) is not _distance_matrix_class():
            return None
        index = matrix.index
        if not _plain_cpu_float32(index) or index.dim() != 2 or len(index) == 0:
            return None
        labels = index.numpy()
        if not (np.isfinite(labels).all() and np.abs(labels).max() < _LIMIT):
            return None
        if not _small_integers(labels[:, 1:]):
            return None
        if len(np.unique(labels[:, 1:], axis=0)) > _MAX_GROUPS:
            return None
        plan = cls(index, matrix.xTx)
        return plan if plan.duplicates_agree else None

    def valid_for(self, cebra_index) -> bool:
        matrix = cebra_index.dist_matrix
        return (
            type(matrix) is _distance_matrix_class()
            and matrix.index is self.index
            and matrix.xTx is self.xTx_stored
            and self.index._version == self.version
        )

    def handles(self, query: torch.Tensor) -> bool:
        if not _plain_cpu_float32(query) or query.dim() != 2 or query.shape[1] != self.columns:
            return False
        if len(query) == 0:
            return False
        q = query.numpy()
        return bool(np.isfinite(q).all() and np.abs(q).max() < _LIMIT) and _small_integers(q[:, 1:])

    def search(self, query: torch.Tensor) -> torch.Tensor:
        """CEBRA's ``argmin`` over its float32 distances, from candidates only.

        Args:
            query: ``(M, D)`` float32 queries that :meth:`handles`.

        Returns:
            ``(M,)`` int64 indices into the labels, as ``ContinuousIndex.search``.
        """
        q32 = query.numpy()
        q = q32.astype(np.float64)
        q0, n = np.ascontiguousarray(q[:, 0]), len(q)
        excess = ((self.keys[None, :, :] - q[:, None, 1:]) ** 2).sum(-1)  # (M, G), exact
        nearest = np.empty_like(excess)
        for g, (values, _) in enumerate(self.groups):
            at = np.minimum(np.searchsorted(values, q0), len(values) - 1)
            gap = np.minimum(np.abs(values[at] - q0), np.abs(values[np.maximum(at - 1, 0)] - q0))
            nearest[:, g] = gap**2 + excess[:, g]
        scale = (self.max_norm + np.sqrt((q**2).sum(1))) ** 2
        bound = nearest.min(1) + 2 * _TOL * _U * scale
        qid, rows = [], []
        for g, (values, first) in enumerate(self.groups):
            radius = np.sqrt(np.maximum(bound - excess[:, g], 0.0)) * (1 + 1e-9)
            lo = np.searchsorted(values, q0 - radius, "left")
            counts = np.searchsorted(values, q0 + radius, "right") - lo
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            qid.append(np.repeat(np.arange(n), counts))
            rows.append(first[starts + np.arange(len(starts))])
        qid, rows = np.concatenate(qid), np.concatenate(rows)
        qTq = self.qTq(query)
        distance = self.distances(self.labels[rows], self.xTx[rows], q32[qid], qTq[qid])
        qid, rows, distance = map(torch.from_numpy, (qid, rows, distance))
        smallest = torch.full((n,), torch.inf).scatter_reduce(0, qid, distance, "amin")
        best = distance == smallest[qid]
        result = torch.full((n,), len(self.labels), dtype=torch.int64)
        return result.scatter_reduce(0, qid[best], rows[best], "amin")

    @staticmethod
    def qTq(query: torch.Tensor) -> np.ndarray:
        """CEBRA's ``qTq``: the same torch call on the same query."""
        return query.square().sum(1, keepdim=True).T.reshape(-1).numpy()

    def distances(self, x, xTx, q, qTq) -> np.ndarray:
        """CEBRA's float32 ``xTx + qTq - 2 * xTq`` of label rows ``x`` and queries ``q``
        (arrays that broadcast), with ``xTq`` summed over the columns in order."""
        xTq = x[..., 0] * q[..., 0]
        for j in range(1, self.columns):
            xTq = xTq + x[..., j] * q[..., j]
        return xTx + qTq - 2 * xTq

    def check(self, cebra_index, query) -> tuple[torch.Tensor, bool]:
        """CEBRA's search result, and whether the candidate formula gives its full distance
        matrix bit for bit and the fast search its indices."""
        full = cebra_index.dist_matrix(query)
        result = torch.argmin(full, dim=0)  # ContinuousIndex.search
        mine = self.distances(
            self.labels[:, None], self.xTx[:, None], query.numpy()[None], self.qTq(query)[None]
        )
        same = mine.dtype == np.float32 and np.array_equal(mine, full.numpy())
        return result, same and torch.equal(self.search(query), result)


def _distance_matrix_class():
    from cebra.distributions.index import DistanceMatrix

    return DistanceMatrix


def _plain_cpu_float32(tensor) -> bool:
    return (
        isinstance(tensor, torch.Tensor)
        and tensor.dtype == torch.float32
        and tensor.device.type == "cpu"
        and not tensor.requires_grad
        and tensor.layout == torch.strided
    )


def _small_integers(values: np.ndarray) -> bool:
    return bool(np.all(values == np.round(values)) and np.all(np.abs(values) <= _INT_LIMIT))


@contextlib.contextmanager
def fast_pair_search():
    """Replace ``cebra.distributions.ContinuousIndex.search`` by an exact, faster search.

    For the duration of the context every ``ContinuousIndex`` search on the study's label
    layouts returns CEBRA's own indices (ties and duplicated rows included) from a sorted
    search and a few candidate distances; anything else runs CEBRA's search (module
    docstring). It can be nested with other patches of CEBRA (``seeded_cebra_sampling``).

    Yields:
        A dict counting the searches so far: ``fast``, ``fallback`` (CEBRA's own search)
        and ``checked`` (first searches of an index, answered from CEBRA's full distance
        matrix after comparing it with the candidate formula).

    Example:
        >>> import torch
        >>> from cebra.distributions import ContinuousIndex
        >>> index = ContinuousIndex(torch.tensor([[0.0], [1.0], [1.0], [3.0]]))
        >>> query = torch.tensor([[0.9], [2.0], [5.0]])
        >>> with fast_pair_search() as stats:
        ...     index.search(query).tolist(), index.search(query).tolist()
        ([1, 1, 3], [1, 1, 3])
        >>> stats
        {'fast': 1, 'fallback': 0, 'checked': 1}
    """
    from cebra.distributions import index as cebra_index

    original = cebra_index.ContinuousIndex.search
    plans = weakref.WeakKeyDictionary()
    stats = {"fast": 0, "fallback": 0, "checked": 0}

    def search(self, query):
        plan = plans.get(self)
        if plan is None or (plan is not False and not plan.valid_for(self)):
            plan = _Plan.build(self) or False
            plans[self] = plan
        if plan is False or not plan.handles(query):
            stats["fallback"] += 1
            return original(self, query)
        if len(query) not in plan.checked:
            stats["checked"] += 1
            result, same = plan.check(self, query)
            if not same:
                warnings.warn(
                    "fast_pair_search: this machine's float32 distances differ from the "
                    "candidate formula; using CEBRA's own search for this index.",
                    stacklevel=2,
                )
                plans[self] = False
            plan.checked.add(len(query))
            return result
        stats["fast"] += 1
        return plan.search(query)

    cebra_index.ContinuousIndex.search = search
    try:
        yield stats
    finally:
        cebra_index.ContinuousIndex.search = original

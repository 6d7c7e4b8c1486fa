"""The exact positive-pair search (cebra_sae.pair_search) returns CEBRA's own indices."""

import contextlib
import warnings

import numpy as np
import pytest
import torch
from cebra.distributions import ContinuousIndex, TimedeltaDistribution

import cebra_sae.pair_search as pair_search
from cebra_sae.data.recording import chronological_split
from cebra_sae.data.sources import load_cebra_recording, load_file_recording
from cebra_sae.embedding import fit_cebra
from cebra_sae.pair_search import fast_pair_search

BATCH, BATCHES = 256, 40  # 10,240 queries of each kind


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fit_queries(labels: np.ndarray, seed: int, time_delta: int = 5) -> dict:
    """Queries of the kinds a fit produces, in batches: label rows, label rows plus a label
    difference over ``time_delta`` bins (CEBRA's TimedeltaDistribution), random positions
    with direction columns in -1..2."""
    dist = TimedeltaDistribution(torch.as_tensor(labels, dtype=torch.float32), time_delta)
    g = torch.Generator().manual_seed(seed)
    n, d = dist.data.shape

    def draw(kind):
        reference = torch.randint(n, (BATCH,), generator=g)
        if kind == "rows":
            return dist.data[reference].clone()
        if kind == "deltas":
            return (
                dist.data[reference] + dist.time_difference[torch.randint(n, (BATCH,), generator=g)]
            )
        low, high = float(dist.data[:, 0].min()), float(dist.data[:, 0].max())
        position = low - 0.1 + (high - low + 0.2) * torch.rand(BATCH, 1, generator=g)
        direction = torch.randint(-1, 3, (BATCH, d - 1), generator=g).float()
        return torch.cat([position, direction], dim=1)

    return {kind: [draw(kind) for _ in range(BATCHES)] for kind in ("rows", "deltas", "random")}


def fast_and_cebra(index: ContinuousIndex, queries: list) -> tuple[torch.Tensor, torch.Tensor]:
    """The indices of the fast search (all through its fast path) and of CEBRA's."""
    expected = torch.cat([index.search(q) for q in queries])
    with fast_pair_search() as stats:
        index.search(queries[0])  # a fit's first search is checked against the full matrix
        got = torch.cat([index.search(q) for q in queries])
    assert stats == {"fast": len(queries), "fallback": 0, "checked": 1}
    return got, expected


def assert_same_as_cebra(labels: np.ndarray, seed: int) -> None:
    index = TimedeltaDistribution(torch.as_tensor(labels, dtype=torch.float32), 5).index
    for kind, queries in fit_queries(labels, seed).items():
        got, expected = fast_and_cebra(index, queries)
        assert len(got) == BATCH * BATCHES
        mismatch = int((got != expected).sum())
        assert mismatch == 0, f"{kind}: {mismatch} of {len(got)} indices differ from CEBRA's"
    assert tied_queries(index, queries[:4]) > 0  # float32 ties occur: the first index wins


def tied_queries(index: ContinuousIndex, queries: list) -> int:
    """Queries whose smallest CEBRA float32 distance is reached by more than one row."""
    ties = 0
    for q in queries:
        distance = index.dist_matrix(q)
        ties += int(((distance == distance.min(0).values).sum(0) > 1).sum())
    return ties


def test_same_indices_as_cebra_on_buddy(data_dir):
    spikes, labels = load_cebra_recording("buddy", data_dir, download=False)
    assert_same_as_cebra(chronological_split(spikes, labels).labels_train, seed=0)


def test_same_indices_as_cebra_on_achilles(achilles_npz):
    spikes, labels = load_file_recording(achilles_npz)
    assert_same_as_cebra(chronological_split(spikes, labels).labels_train, seed=1)


def simulated(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Labels with many duplicated rows and exact ties (dyadic positions)."""
    n = 3000
    if kind == "grid":  # positions on a 1/8 grid: duplicates, exact midpoints between rows
        position = rng.integers(0, 40, n) / 8
    elif kind == "coarse":  # a few hundred distinct positions, not dyadic
        position = np.round(rng.uniform(0, 1.6, n), 2)
    elif kind == "large":  # big values: heavy cancellation in xTx + qTq - 2 xTq
        position = 300 + np.round(rng.uniform(0, 1, n), 3)
    else:  # small values
        position = np.round(rng.uniform(0, 1e-3, n), 6)
    right = rng.integers(0, 2, n)
    left = np.where(rng.random(n) < 0.9, 1 - right, right)  # also 0/0 and 1/1 rows
    return np.column_stack([position, right, left]).astype(np.float32)


@pytest.mark.parametrize("kind", ["grid", "coarse", "large", "small"])
def test_same_indices_as_cebra_with_ties_and_duplicates(kind):
    labels = simulated(kind, np.random.default_rng(7))
    assert len(np.unique(labels, axis=0)) < len(labels)  # duplicated rows
    assert_same_as_cebra(labels, seed=2)
    if kind == "grid":  # the grid's midpoints tie exactly in CEBRA's float32 distances
        index = ContinuousIndex(torch.from_numpy(labels))
        midpoints = torch.from_numpy(labels[:BATCH].copy())
        midpoints[:, 0] += 1 / 16
        assert tied_queries(index, [midpoints]) > 100
        got, expected = fast_and_cebra(index, [midpoints] * 4)
        assert torch.equal(got, expected)


@pytest.mark.parametrize("kind", ["grid", "coarse"])
def test_same_indices_as_cebra_on_one_dimensional_labels(kind):
    labels = simulated(kind, np.random.default_rng(8))[:, :1]
    assert labels.shape == (3000, 1)
    assert_same_as_cebra(labels, seed=3)


def test_a_short_fit_gives_identical_embeddings(data_dir, monkeypatch):
    spikes, labels = load_cebra_recording("buddy", data_dir, download=False)
    split = chronological_split(spikes, labels)
    seen = []

    @contextlib.contextmanager
    def recording_search():  # fit_cebra's context manager, with its counts kept
        with fast_pair_search() as stats:
            seen.append(stats)
            yield stats

    monkeypatch.setattr(pair_search, "fast_pair_search", recording_search)
    params = dict(output_dimension=8, num_hidden_units=16, learning_rate=1e-3, max_iterations=200)
    fits = {
        fast: fit_cebra(
            split.spikes_train,
            split.spikes_valid,
            split.labels_train,
            params,
            seed=0,
            device="cpu",
            threads=1,
            fast_search=fast,
        )  # fmt: skip
        for fast in (True, False)
    }
    assert len(seen) == 1  # only the fast fit used it ...
    assert seen[0] == {"fast": 199, "fallback": 0, "checked": 1}  # ... and took the fast path
    assert fits[True].info["fast_search"] is True and fits[False].info["fast_search"] is False
    for name in ("embedding_train", "embedding_valid", "loss"):
        assert np.array_equal(getattr(fits[True], name), getattr(fits[False], name)), name


def test_what_it_does_not_handle_is_cebra_s_own_search():
    rng = np.random.default_rng(4)
    continuous = rng.uniform(size=(2000, 3)).astype(np.float32)  # no integer columns
    onehot = simulated("coarse", rng)
    cases = [
        (ContinuousIndex(torch.from_numpy(continuous)), torch.rand(BATCH, 3)),
        (ContinuousIndex(torch.from_numpy(onehot).double()), torch.rand(BATCH, 3).double()),
        (ContinuousIndex(torch.from_numpy(onehot)), torch.rand(BATCH, 3)),  # fractional dirs
        (ContinuousIndex(torch.from_numpy(onehot)), torch.full((BATCH, 3), float("nan"))),
    ]
    for index, query in cases:
        expected = index.search(query)
        with fast_pair_search() as stats:
            got = index.search(query)
        assert stats == {"fast": 0, "fallback": 1, "checked": 0}
        assert torch.equal(got, expected)


def test_a_failed_check_falls_back_for_the_rest_of_the_fit(monkeypatch):
    labels = simulated("coarse", np.random.default_rng(5))
    index = ContinuousIndex(torch.from_numpy(labels))
    queries = fit_queries(labels, seed=6)["deltas"][:3]
    expected = [index.search(q) for q in queries]

    def off_by_one_ulp(self, *args):  # a machine whose BLAS rounded differently
        distance = original(self, *args)
        return np.nextafter(distance, np.float32(np.inf))

    original = pair_search._Plan.distances
    monkeypatch.setattr(pair_search._Plan, "distances", off_by_one_ulp)
    with fast_pair_search() as stats, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [index.search(q) for q in queries]
    assert any("using CEBRA's own search" in str(w.message) for w in caught)
    assert stats == {"fast": 0, "fallback": 2, "checked": 1}
    assert all(torch.equal(a, b) for a, b in zip(got, expected, strict=True))


def test_the_original_search_is_restored():
    original = ContinuousIndex.search
    with pytest.raises(RuntimeError), fast_pair_search():
        assert ContinuousIndex.search is not original
        raise RuntimeError("a failed fit")
    assert ContinuousIndex.search is original

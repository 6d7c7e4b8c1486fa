"""Classical representations on data with a known answer (cebra_sae.posthoc.classical)."""

import numpy as np
import pytest

from cebra_sae.posthoc.classical import (
    assemblies_ica,
    assembly_count,
    dictionary_codes,
    marchenko_pastur_bound,
    nmf_codes,
)


def planted_assemblies(n_assemblies=4, size=6, n_neurons=60, n_bins=6000, seed=0):
    """Independent Poisson neurons, and ``n_assemblies`` disjoint groups of ``size`` neurons
    that also fire together in each group's own events."""
    rng = np.random.default_rng(seed)
    spikes = rng.poisson(0.5, size=(n_bins, n_neurons)).astype(float)
    members = [np.arange(a * size, (a + 1) * size) for a in range(n_assemblies)]
    for group in members:
        events = rng.random(n_bins) < 0.05
        spikes[np.ix_(events, group)] += rng.poisson(3.0, size=(events.sum(), size))
    return spikes, members


@pytest.mark.parametrize("n_assemblies", [1, 3, 5])
def test_marchenko_pastur_counts_the_planted_assemblies(n_assemblies):
    spikes, _ = planted_assemblies(n_assemblies=n_assemblies)
    assert assembly_count(spikes) == n_assemblies


def test_independent_neurons_reach_the_bound_and_no_further():
    """The bound is the edge of the null spectrum: a finite sample's largest eigenvalue
    fluctuates around it (so a null recording may show one spurious assembly), never far."""
    for seed in range(3):
        spikes = np.random.default_rng(seed).poisson(1.0, size=(6000, 60)).astype(float)
        top = np.linalg.eigvalsh(np.corrcoef(spikes, rowvar=False)).max()
        assert abs(top / marchenko_pastur_bound(60, 6000) - 1) < 0.05
        assert assembly_count(spikes) <= 1


def test_no_assembly_above_the_bound_gives_empty_patterns():
    constant = np.ones((600, 4))
    patterns, a_train, a_valid = assemblies_ica(constant[:500], constant[500:])
    assert patterns.shape == (4, 0) and a_valid.shape == (100, 0)


def test_the_bound_is_the_marchenko_pastur_edge():
    assert marchenko_pastur_bound(25, 100) == pytest.approx(2.25)  # (1 + 0.5)^2


def test_ica_patterns_weigh_each_assemblys_own_neurons():
    spikes, members = planted_assemblies(n_assemblies=3)
    patterns, a_train, a_valid = assemblies_ica(spikes[:5000], spikes[5000:], seed=0)
    assert patterns.shape == (60, 3)
    np.testing.assert_allclose(np.linalg.norm(patterns, axis=0), 1.0)
    found = sorted(tuple(sorted(np.argsort(-patterns[:, j])[:6])) for j in range(3))
    assert found == sorted(tuple(g) for g in members)
    assert a_train.shape == (5000, 3) and a_valid.shape == (1000, 3)


def test_ica_with_a_given_number_of_assemblies():
    spikes, _ = planted_assemblies(n_assemblies=2)
    patterns, _, _ = assemblies_ica(spikes[:5000], spikes[5000:], n_assemblies=4)
    assert patterns.shape == (60, 4)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_omp_codes_have_exactly_k_nonzeros(k):
    z = np.random.default_rng(2).normal(size=(400, 6))
    atoms, h_train, h_valid = dictionary_codes(z[:300], z[300:], width=24, k=k, seed=0, max_iter=5)
    assert atoms.shape == (24, 6)
    assert h_train.shape == (300, 24) and h_valid.shape == (100, 24)
    assert set((h_train != 0).sum(axis=1)) == {k}
    assert set((h_valid != 0).sum(axis=1)) == {k}


def test_dictionary_codes_are_seeded():
    z = np.random.default_rng(3).normal(size=(300, 4))
    first = dictionary_codes(z[:200], z[200:], width=8, k=2, seed=5, max_iter=5)[2]
    again = dictionary_codes(z[:200], z[200:], width=8, k=2, seed=5, max_iter=5)[2]
    np.testing.assert_array_equal(first, again)


def test_nmf_finds_the_assemblies_as_nonnegative_parts():
    spikes, members = planted_assemblies(n_assemblies=3, n_neurons=30, n_bins=3000)
    components, h_train, h_valid = nmf_codes(spikes[:2500], spikes[2500:], n_components=4)
    assert components.shape == (4, 30) and (components >= 0).all()
    assert h_valid.shape == (500, 4) and (h_valid >= 0).all()
    tops = {tuple(sorted(np.argsort(-c)[:6])) for c in components}
    assert {tuple(g) for g in members} <= tops

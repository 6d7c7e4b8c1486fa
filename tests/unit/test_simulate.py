import numpy as np
import pytest

from cebra_sae.data.recording import validate_recording
from cebra_sae.data.simulate import simulate_place_cells


@pytest.fixture(scope="module")
def rec():
    return simulate_place_cells(n_neurons=40, n_laps=20, seed=7)


def test_deterministic_per_seed(rec):
    again = simulate_place_cells(n_neurons=40, n_laps=20, seed=7)
    np.testing.assert_array_equal(again.spikes, rec.spikes)
    np.testing.assert_array_equal(again.labels, rec.labels)
    assert again.ground_truth.equals(rec.ground_truth)
    other = simulate_place_cells(n_neurons=40, n_laps=20, seed=8)
    assert not np.array_equal(other.spikes[:1000], rec.spikes[:1000])


def test_layout_matches_cebra(rec):
    spikes, labels = validate_recording(rec.spikes, rec.labels)
    assert spikes.shape[1] == 40 and labels.shape[1] == 3
    assert labels[:, 0].min() >= 0 and labels[:, 0].max() <= 1.6
    np.testing.assert_array_equal(labels[:, 1] + labels[:, 2], 1)
    # 'right' means the position increases while running
    step = np.diff(labels[:, 0])
    moving = np.abs(step) > 0.01
    right = labels[:-1, 1] == 1
    assert np.mean(step[moving & right] > 0) > 0.95
    assert np.mean(step[moving & ~right] < 0) > 0.95
    # about the firing rate of CEBRA's rats (buddy: 1.1 spikes per bin over 48 cells)
    assert 0.3 < spikes.sum(axis=1).mean() < 3


def test_place_cells_encode_their_field(rec):
    """Each cell's empirical tuning curve peaks at its true field centre."""
    position = rec.labels[:, 0]
    bins = np.linspace(0, 1.6, 33)
    which = np.clip(np.digitize(position, bins) - 1, 0, 31)
    occupancy = np.bincount(which, minlength=32)
    centres = (bins[:-1] + bins[1:]) / 2
    errors = []
    for neuron, truth in rec.ground_truth.iterrows():
        rate = np.bincount(which, weights=rec.spikes[:, neuron], minlength=32) / occupancy
        errors.append(abs(centres[np.argmax(rate)] - truth.field_centre_m))
    assert np.median(errors) < 0.1
    assert np.mean(np.array(errors) < 0.2) > 0.85


def test_direction_selectivity(rec):
    right = rec.labels[:, 1] == 1
    gt = rec.ground_truth
    for direction, more in (("right", right), ("left", ~right)):
        cells = gt.index[gt.preferred_direction == direction]
        assert len(cells) > 0
        ratio = rec.spikes[more][:, cells].mean(axis=0) / rec.spikes[~more][:, cells].mean(axis=0)
        assert np.median(ratio) > 2


def test_population_decodes_position(rec):
    """A linear read-out of smoothed spikes through place-field features recovers position."""
    from sklearn.linear_model import RidgeCV

    kernel = np.ones(8) / 8
    smooth = np.apply_along_axis(lambda s: np.convolve(s, kernel, mode="same"), 0, rec.spikes)
    n = int(0.8 * len(smooth))
    model = RidgeCV(alphas=np.logspace(-3, 3, 7)).fit(smooth[:n], rec.labels[:n, 0])
    assert model.score(smooth[n:], rec.labels[n:, 0]) > 0.5

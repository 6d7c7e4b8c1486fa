"""What a latent means (docs/study.md §10): tuning curves, spatial information, recovery of a
known code, CEBRA attribution, and their place in a post-hoc case."""

import numpy as np
import pandas as pd
import pytest

from cebra_sae.data.simulate import simulate_place_cells
from cebra_sae.measures.recovery import recovery
from cebra_sae.posthoc.attribution import attribution_columns, latent_attribution
from cebra_sae.posthoc.tuning import (
    describe_latents,
    non_negative,
    spatial_information,
    tiling_summary,
    track_edges,
)


@pytest.fixture(scope="module")
def sim():
    return simulate_place_cells(n_neurons=30, n_laps=20, seed=5)


def _describe(sim, activations, **kw):
    labels = sim.labels
    return describe_latents(activations, labels[:, 0], labels[:, 1], track_edges(labels[:, 0]),
                            sim.spikes, draws=100, rng=np.random.default_rng(0), **kw)  # fmt: skip


def test_a_latent_copying_a_place_cell_peaks_at_its_field(sim):
    truth = sim.ground_truth
    # the strongest bidirectional-ish cells: copy their spike trains (smoothed) as latents
    cells = truth.sort_values("peak_rate_hz", ascending=False).neuron.to_numpy()[:5]
    kernel = np.exp(-0.5 * (np.arange(-10, 11) / 4) ** 2)
    smooth = np.column_stack([np.convolve(sim.spikes[:, c], kernel, "same") for c in cells])
    table = _describe(sim, smooth)
    centres = truth.set_index("neuron").loc[cells, "field_centre_m"].to_numpy()
    bin_width = 1.6 / 40
    assert np.all(np.abs(table.peak_position_m.to_numpy() - centres) < 3 * bin_width)
    assert table.place_field_like.all()
    assert (table.spatial_information > 1.0).all()  # bits: a sharp field
    assert (table.best_neuron.to_numpy() == cells).all()
    assert (table.best_neuron_r > 0.5).all()


def test_a_constant_latent_has_zero_information_and_is_not_a_place_field(sim):
    table = _describe(sim, np.column_stack([np.ones(len(sim.labels)), np.zeros(len(sim.labels))]))
    assert table.spatial_information.tolist() == [0.0, 0.0]
    assert not table.place_field_like.any()
    assert np.isnan(table.peak_position_m.iloc[1])  # never fires: no peak


def test_noise_is_rarely_place_field_like(sim):
    noise = np.random.default_rng(1).exponential(size=(len(sim.labels), 60))
    table = _describe(sim, noise)
    assert table.place_field_like.mean() < 0.2  # ~5 % expected under the null


def test_direction_selectivity_and_field_width(sim):
    position, right = sim.labels[:, 0], sim.labels[:, 1]
    field = np.exp(-0.5 * ((position - 0.8) / 0.1) ** 2)
    latents = np.column_stack([field * right, field * (1 - right), field])
    table = _describe(sim, latents)
    np.testing.assert_allclose(table.direction_selectivity, [1.0, -1.0, 0.0], atol=0.05)
    # half-maximum width of a Gaussian: 2.355 sigma = 0.24 m (within a bin or two)
    assert table.field_width_m.iloc[2] == pytest.approx(0.2355, abs=0.09)


def test_spatial_information_by_hand():
    # two equally occupied bins, all activity in one: 1 bit; occupancy 3:1 and activity only
    # in the rarer bin: log2(4) = 2 bits
    np.testing.assert_allclose(
        spatial_information(np.array([[1.0, 0.0], [0.0, 4.0]]), np.array([5.0, 5.0])), [1, 1]
    )
    assert spatial_information(np.array([[0.0], [1.0]]), np.array([3.0, 1.0]))[0] == 2.0
    # a NaN bin (too few samples) is left out, the occupancy renormalised
    assert spatial_information(np.array([[np.nan], [1.0], [0.0]]), np.array([1, 5, 5]))[0] == 1.0


def test_signed_latents_are_shifted_to_non_negative():
    x = np.array([[-1.0, 2.0], [1.0, 3.0]])
    np.testing.assert_array_equal(non_negative(x), [[0.0, 2.0], [2.0, 3.0]])


def test_tiling_summary_counts_fields_and_coverage():
    table = pd.DataFrame({"place_field_like": [True, True, False],
                          "peak_position_m": [0.2, 1.4, 0.8]})  # fmt: skip
    fields = np.zeros((10, 3), dtype=bool)
    fields[0:3, 0] = fields[8:10, 1] = fields[:, 2] = True
    summary = tiling_summary(table, fields, np.linspace(0, 1.6, 11))
    assert summary["place_fields"] == 2
    assert summary["place_field_share"] == pytest.approx(2 / 3)
    assert summary["track_coverage"] == pytest.approx(0.5)  # the non-field latent ignored
    assert 0 < summary["peak_evenness"] <= 1


# ---- recovery of a known code -------------------------------------------------------------


def test_latents_equal_to_the_factors_recover_all_of_them():
    factors = np.random.default_rng(0).exponential(size=(800, 6))
    latents = np.column_stack([factors[:, ::-1], np.ones(800)])  # permuted, plus a dead one
    result = recovery(factors, latents)
    assert result["recovery_best"] == pytest.approx(1.0)
    assert result["recovery_hungarian"] == pytest.approx(1.0)


def test_a_random_rotation_recovers_few():
    rng = np.random.default_rng(1)
    factors = rng.exponential(size=(2000, 8)) ** 2  # sparse-ish, non-Gaussian
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    result = recovery(factors, factors @ rotation)
    assert result["recovery_hungarian"] < 0.7
    assert result["recovery_best"] >= result["recovery_hungarian"]


def test_fewer_latents_than_factors_count_unmatched_factors_as_zero():
    factors = np.random.default_rng(2).exponential(size=(500, 4))
    result = recovery(factors, factors[:, :2])
    assert result["recovery_hungarian"] == pytest.approx(0.5)


def test_the_simulator_mixes_known_sparse_assemblies():
    rec = simulate_place_cells(n_neurons=40, n_laps=10, seed=2, n_assemblies=6,
                               assemblies_per_neuron=2)  # fmt: skip
    assert rec.factors.shape == (len(rec.spikes), 6)
    assert rec.factors.min() >= 0 and rec.factors.max() <= 1
    weights = rec.ground_truth.assemblies.str.split(",")
    assert (weights.str.len() == 2).all()
    # each neuron's rate follows its own assemblies more than the others
    neuron, members = 0, [int(part.split(":")[0]) for part in weights[0]]
    corr = [abs(np.corrcoef(rec.spikes[:, neuron], rec.factors[:, k])[0, 1]) for k in range(6)]
    assert max(corr[k] for k in members) == max(corr)
    # without assemblies the factors are the neurons' own fields
    plain = simulate_place_cells(n_neurons=5, n_laps=2, seed=2)
    assert plain.factors.shape[1] == 5 and (plain.ground_truth.assemblies == "").all()


# ---- CEBRA attribution ----------------------------------------------------------------------


def test_latent_attribution_goes_through_the_encoder_and_the_active_mask():
    rng = np.random.default_rng(3)
    jf = rng.normal(size=(50, 3, 4))  # samples x dims x neurons
    encoder = rng.normal(size=(5, 3))
    active = rng.random((50, 5)) > 0.5
    active[:, 4] = False  # a dead latent has no attribution
    got = latent_attribution(jf, encoder, active, chunk=7)
    expected = np.mean([np.abs((encoder @ jf[t]) * active[t][:, None]) for t in range(50)], axis=0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    columns = attribution_columns(got, best_neuron=np.argmax(got, axis=1))
    assert (columns["attribution_rank"][:4] == 1).all()
    assert columns["attribution_neuron"][4] == -1 and columns["attribution_rank"][4] == -1


def test_attribution_rank_of_the_best_correlated_neuron():
    attribution = np.array([[0.1, 0.5, 0.3], [0.2, 0.1, 0.0]])
    columns = attribution_columns(attribution, best_neuron=np.array([2, 0]))
    assert columns["attribution_neuron"].tolist() == [1, 0]
    assert columns["attribution_rank"].tolist() == [2, 1]


def test_every_sae_of_a_block_gets_its_recovery_on_a_simulated_recording():
    from cebra_sae.sae import SAESpec, TrainSettings, train_block
    from cebra_sae.sae_sweep import sweep_rows

    rng = np.random.default_rng(4)
    factors = rng.exponential(size=(600, 3))
    z = factors @ rng.normal(size=(3, 4))
    block = train_block(z[:400], [SAESpec("topk", 2, 1e-3, k=k) for k in (2, 4)],
                        TrainSettings(epochs=2))  # fmt: skip
    rows = sweep_rows(block, z[:400], z[400:], factors=factors[400:])
    for row in rows:
        assert 0 < row["recovery_hungarian"] <= row["recovery_best"] <= 1
    assert np.isnan(sweep_rows(block, z[:400], z[400:])[0]["recovery_best"])  # real data


def test_missing_attribution_packages_stop_with_the_fix(monkeypatch):
    import cebra_sae.posthoc.attribution as attribution
    from cebra_sae.errors import StudyError

    monkeypatch.setattr(attribution, "missing_packages", lambda: ["cvxpy"])
    with pytest.raises(StudyError, match=r"pip install -e '.\[attribution\]'.*attribution: false"):
        attribution.cebra_jacobian("model.pt", np.zeros((20, 3)))


@pytest.mark.parametrize("unit", ["m", "pixels"])
def test_place_field_figure_labels_positions_in_the_recordings_unit(unit):
    """Raw tracking keeps its unit (an NWB rat in pixels): the figure's axis says so."""
    from cebra_sae.report.figures import FIGURES

    ids = dict(protocol="paper", rat="r", dim=2, seed=0)
    latents = pd.DataFrame([
        dict(ids, representation="cebra", k=None, model_id="cebra", latent=i,
             place_field_like=True, peak_position_m=float(i), spatial_information=0.5)
        for i in range(2)
    ])  # fmt: skip
    curves = pd.DataFrame([
        dict(ids, model_id="cebra", latent=i, direction=d, bin=b, position_m=float(b),
             activation=float(b == i))
        for i in range(2) for d in ("right", "left") for b in range(3)
    ])  # fmt: skip
    summary = pd.DataFrame([{"rat": "r", "position_unit": unit}])
    fig = FIGURES["place_fields"].draw(latents, curves, summary, protocol="paper", rat="r",
                                       dim="2")  # fmt: skip
    # the one panel (right runs, then left runs) says the unit; the empty slots have no axis
    assert fig.axes[0].get_xlabel() == f"right runs | left runs ({unit})"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "2", "0", "2"]
    assert not any(ax.axison for ax in fig.axes[1:4])

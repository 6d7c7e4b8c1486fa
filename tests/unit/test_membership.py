"""Neuron membership against a known answer, and xCEBRA (docs/study.md §10, §12)."""

import numpy as np
import pytest

from cebra_sae.data.simulate import simulate_place_cells
from cebra_sae.measures.membership import (
    ATTRIBUTION_KINDS,
    correlation_attribution,
    membership_auc,
)


@pytest.fixture(scope="module")
def planted():
    return simulate_place_cells(n_neurons=40, n_laps=8, seed=5, n_assemblies=4)


def test_true_factors_attributed_by_their_mixing_weights_score_auc_one(planted):
    members = planted.mixing > 0
    shuffled = planted.factors[:, ::-1]  # the order of the latents does not matter
    assert membership_auc(planted.factors, shuffled, planted.mixing.T[::-1], members) == 1.0
    # by correlation too: each factor's own neurons correlate with it most
    corr = correlation_attribution(planted.factors, planted.spikes)
    assert membership_auc(planted.factors, planted.factors, corr, members) > 0.75


def test_a_random_attribution_scores_about_chance(planted):
    rng = np.random.default_rng(0)
    members = planted.mixing > 0
    draws = [membership_auc(planted.factors, planted.factors, rng.uniform(size=(4, 40)),
                            members) for _ in range(200)]  # fmt: skip
    assert abs(np.mean(draws) - 0.5) < 0.02


def test_a_factor_without_a_latent_or_attribution_counts_chance(planted):
    members = planted.mixing > 0
    # two latents for four factors: the two unmatched factors count 0.5 each
    two = membership_auc(planted.factors, planted.factors[:, :2], planted.mixing.T[:2], members)
    assert two == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    flat = membership_auc(planted.factors, planted.factors, np.zeros((4, 40)), members)
    assert flat == 0.5


def test_every_attribution_kind_is_a_posthoc_column():
    from cebra_sae.tables import POSTHOC_SCHEMA

    assert {f"membership_auc_{k}" for k in ATTRIBUTION_KINDS} <= set(POSTHOC_SCHEMA.columns)


def test_xcebra_is_the_same_fit_with_cebra_s_jacobian_regularised_solver(tmp_path, planted):
    import cebra

    from cebra_sae.embedding import cebra_params, fit_cebra
    from cebra_sae.posthoc.attribution import cebra_jacobian

    x, y = planted.spikes.astype("float32"), planted.labels.astype("float32")
    params = cebra_params({"max_iterations": 20, "batch_size": 64}, 3, 16, 0.001)
    plain = fit_cebra(x[:400], x[400:], y[:400], params, seed=0)
    xc = fit_cebra(x[:400], x[400:], y[:400], params, seed=0, jacobian_weight=0.01)
    assert type(plain.model.solver_).__name__ == "SingleSessionSolver"
    assert type(xc.model.solver_).__name__ == "RegularizedSolver"
    log = xc.model.state_dict_["log"]
    assert len(log["reg"]) == 20 and min(log["reg"]) > 0  # the Jacobian term was added
    assert xc.loss == pytest.approx(np.asarray(log["loss_reg"]))
    assert not np.allclose(plain.embedding_valid, xc.embedding_valid)
    assert cebra.solver.init.__name__ == "init" and xc.info["jacobian_weight"] == 0.01
    # saved, it loads with cebra.CEBRA.load and gives both attribution maps
    xc.model.save(str(tmp_path / "xcebra.pt"))
    jacobian = cebra_jacobian(tmp_path / "xcebra.pt", x[400:])
    assert jacobian.inverse.shape == (3, 40) and (jacobian.inverse >= 0).all()
    assert jacobian.gxi.shape[1:] == (3, 40) and jacobian.first > 0


def test_representations_built_on_xcebra_are_attributed_through_its_network(planted):
    from cebra_sae.data.recording import Split
    from cebra_sae.posthoc.attribution import Jacobian
    from cebra_sae.posthoc.evaluate import describe_representation
    from cebra_sae.posthoc.representations import REPRESENTATIONS, Case

    x, y = planted.spikes, planted.labels
    split = Split(x[:400], x[400:], y[:400], y[400:])
    rng = np.random.default_rng(1)
    z = rng.normal(size=(len(x), 3))
    n_valid = len(x) - 400
    gxi = np.abs(rng.normal(size=(n_valid, 3, 40)))
    case = Case("paper", split, (z[:400], z[400:]), xcebra=(z[:400], z[400:]),
                factors=(planted.factors[:400], planted.factors[400:]),
                members=planted.mixing > 0,
                jacobians={"xcebra": Jacobian(gxi, gxi.mean(axis=0), 0)})  # fmt: skip
    assert REPRESENTATIONS["xcebra"].build(Case("paper", split, (z[:400], z[400:]))) == []
    (rep,) = REPRESENTATIONS["xcebra"].build(case)
    assert rep.embedding == "xcebra" and rep.model_id == "xcebra"
    summary, table, _ = describe_representation(case, rep)
    for kind in ("correlation", "gradient", "inverse"):
        assert 0 <= summary[f"membership_auc_{kind}"] <= 1
    assert np.isnan(summary["membership_auc_weights"])  # xCEBRA has no weights of its own
    assert table.attribution_rank.notna().all()
    # CEBRA's own dims in the same case have no CEBRA Jacobian: no gradient, no inverse
    (cebra_rep,) = REPRESENTATIONS["cebra"].build(case)
    summary, _, _ = describe_representation(case, cebra_rep)
    assert np.isnan(summary["membership_auc_gradient"])
    assert np.isnan(summary["membership_auc_inverse"])

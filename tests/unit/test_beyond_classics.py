"""Issue 19 on data with a known answer: the classical representations as post-hoc
representations, stability across seeds (thresholds, subspaces, L1 at matched sparsity) and
the claims C7-C9."""

import numpy as np
import pandas as pd
import pytest
from test_classical import planted_assemblies

from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.claims.paper import claim_c7, claim_c8, claim_c9
from cebra_sae.data.recording import Split
from cebra_sae.posthoc.representations import (
    REPRESENTATIONS,
    Case,
    case_representations,
    classical_names,
    default_nulls,
)
from cebra_sae.posthoc.stability import matched_l1, seed_stability, subspace_similarity
from cebra_sae.registry import UnknownName
from cebra_sae.sae.grid import selection_grid
from cebra_sae.sae.trainer import init_weights
from cebra_sae.sae_sweep import l1_twin_lists


def test_latents_equal_to_the_true_factors_match_fully_across_permuting_seeds():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(8, 64))  # 64 factor directions in an 8-d embedding
    activity = rng.exponential(size=(500, 64)) * (rng.random((500, 64)) < 0.1)
    order = rng.permutation(64)
    rows = seed_stability([truth, -2.0 * truth[:, order]], [activity, activity[:, order]],
                          thresholds=[0.7, 0.9])  # fmt: skip
    by = {(r["measure"], r["threshold"]): r for r in rows}
    assert by[("matched_share", 0.7)]["value"] == 1.0
    assert by[("matched_share", 0.9)]["value"] == 1.0
    assert by[("subspace", None)]["value"] == pytest.approx(1.0)
    assert by[("subspace", None)]["random_value"] < 0.95  # random 4-d subspaces of 8-d differ
    assert all(r["n_pairs"] == 1 for r in rows)


def test_random_decoders_match_at_the_rate_their_own_null_distribution_predicts():
    """Independent direction-uniform decoder sets (other draws than the null's) are chance
    itself: their matched share falls within the null's draws, and over many such sets the
    standardised differences have about unit spread (the null's SD is its real spread)."""
    z = {0.7: [], 0.9: []}
    for repeat in range(30):
        rng = np.random.default_rng(100 + repeat)
        decoders = [rng.standard_normal((8, 64)) for _ in range(2)]
        rows = seed_stability(decoders, thresholds=[0.7, 0.9], draws=40, seed=repeat)
        for row in rows:
            assert row["random_draws"] == 40 and row["n_pairs"] == 1 and row["n_live"] == 64
            z[row["threshold"]].append((row["value"] - row["random_value"]) / row["random_sd"])
    for values in z.values():
        assert abs(np.mean(values)) < 0.6  # centred on the null's mean
        assert 0.5 < np.std(values) < 1.6  # spread as the null's draws say
    strict = seed_stability(decoders, thresholds=[0.9], draws=40, seed=0)[0]
    assert strict["random_value"] < 0.1  # chance rarely reaches |cos| 0.9 in 8 dims


def test_the_null_is_drawn_per_case_many_times_and_seeded():
    decoders = [np.random.default_rng(s).standard_normal((8, 32)) for s in range(2)]
    a = seed_stability(decoders, thresholds=[0.7], draws=25, seed=[0, 1])[0]
    b = seed_stability(decoders, thresholds=[0.7], draws=25, seed=[0, 1])[0]
    c = seed_stability(decoders, thresholds=[0.7], draws=25, seed=[0, 2])[0]
    same = {key: value for key, value in a.items() if key != "paired_value"}  # NaN != NaN
    assert same == {key: b[key] for key in same}  # same case, same draws
    assert a["random_value"] != c["random_value"] and np.isnan(a["paired_value"])
    assert a["random_sd"] > 0 and a["random_draws"] == 25


def test_dead_latents_are_left_out_of_the_matching():
    """Two seeds share 16 live latents (permuted); 48 latents never fire, their decoder
    columns random: among live latents everything matches, over all latents not."""
    rng = np.random.default_rng(3)
    live = rng.normal(size=(8, 16))
    decoders, activity = [], []
    for seed in range(2):
        order = np.random.default_rng(seed).permutation(16)
        decoders.append(np.hstack([live[:, order], rng.normal(size=(8, 48))]))
        h = np.zeros((200, 64))
        h[:, :16] = rng.exponential(size=(200, 16))[:, order] * (rng.random((200, 16)) < 0.3)
        activity.append(h)
    rows = seed_stability(decoders, activity, thresholds=[0.9], draws=20)
    matched = rows[0]
    assert matched["n_live"] == 16 and matched["width"] == 64
    assert matched["value"] == 1.0 and matched["value_all"] < 0.5
    assert matched["random_value"] < 0.2  # chance with 16 live directions per seed


def test_the_paired_null_is_the_pair_s_initial_decoders():
    """Untrained SAEs at two seeds: their value equals the paired null exactly, and trained
    decoders that are the initial ones permuted do not beat it."""
    initial = [init_weights(8, 64, seed)["decoder.weight"].numpy() for seed in (0, 1)]
    rows = seed_stability(initial, thresholds=[0.7, 0.9], draws=10, initial=initial)
    assert all(r["value"] == r["paired_value"] for r in rows)
    truth = np.random.default_rng(0).normal(size=(8, 64))
    rows = seed_stability([truth, truth[:, ::-1]], thresholds=[0.9], draws=10, initial=initial)
    assert rows[0]["value"] == 1.0 and rows[0]["paired_value"] < 0.2


def test_subspace_similarity_is_one_for_the_same_span_and_zero_for_orthogonal_ones():
    basis = np.linalg.qr(np.random.default_rng(1).normal(size=(6, 6)))[0]
    a, b = basis[:, :3], basis[:, 3:]
    mixed = a @ np.random.default_rng(2).normal(size=(3, 3))  # another basis of the same span
    assert subspace_similarity(a, mixed) == pytest.approx(1)
    assert subspace_similarity(a, b) == pytest.approx(0, abs=1e-9)


def test_matched_l1_picks_the_penalty_closest_to_the_topk_sparsity_at_the_first_seed():
    rows = pd.DataFrame({"arch": "standard", "lr": [1e-3] * 4 + [1e-4], "sae_seed": [0, 0, 0, 1, 0],
                         "l1": [0.01, 0.1, 1.0, 0.1, 5.0], "diverged": False,
                         "nonzero_ratio_valid": [0.5, 0.1, 0.02, 0.11, 0.1]})  # fmt: skip
    assert matched_l1(rows, 0.09, 1e-3) == 0.1
    assert matched_l1(rows, 0.0, 1e-3) == 1.0
    assert matched_l1(rows[rows.arch == "topk"], 0.1, 1e-3) is None


def test_l1_twins_are_trained_only_where_stability_can_use_them():
    posthoc = {"l1_stability": True,
               "selection": {"arch": "topk", "expansion": 8, "learning_rate": 1e-3}}  # fmt: skip
    sae = {"l1": [0.1, 1.0], "seeds": [0, 1, 2]}
    twins = l1_twin_lists(posthoc, sae, "standard", 8, True)["twins"]
    assert twins == {"learning_rate": [1e-3], "l1": [0.1, 1.0], "seeds": [1, 2]}
    assert l1_twin_lists(posthoc, sae, "standard", 8, False) is None  # not the first CEBRA seed
    assert l1_twin_lists(posthoc, sae, "standard", 4, True) is None  # not the selected expansion
    assert l1_twin_lists(posthoc, sae, "topk", 8, True) is None
    assert l1_twin_lists({**posthoc, "l1_stability": False}, sae, "standard", 8, True) is None


def _case(n_neurons=30, dim=4, seed=0):
    spikes, _ = planted_assemblies(n_assemblies=3, size=5, n_neurons=n_neurons, n_bins=3000)
    rng = np.random.default_rng(seed)
    z = spikes @ rng.normal(size=(n_neurons, dim)) / n_neurons
    labels = np.column_stack([rng.uniform(0, 1.6, 3000), np.tile([1.0, 0.0], 1500),
                              np.tile([0.0, 1.0], 1500)])  # fmt: skip
    split = Split(spikes[:2400], spikes[2400:], labels[:2400], labels[2400:])
    specs = selection_grid("topk", 2, {"learning_rate": 1e-3, "k": [2, 3]}, [0, 1])
    models = [(s, {"decoder.weight": np.zeros((dim, dim * s.expansion))}, None) for s in specs]
    return Case("paper", split, (z[:2400], z[2400:]), sae_models=models)


def test_sae_on_spikes_has_the_configured_width_and_k():
    case = _case()
    case.train_settings = {"epochs": 2}
    latents = REPRESENTATIONS["sae_on_spikes"].build(case)
    assert len(latents) == 4  # 2 k x 2 SAE seeds
    for rep in latents:  # default posthoc.sae_on_spikes_expansion 1: one latent per neuron
        assert rep.train.shape == (2400, 30) and rep.valid.shape == (600, 30)
        assert rep.decoder.shape == (30, 30)
        assert ((rep.valid > 0).sum(axis=1) <= rep.k).all()
        assert rep.model_id.startswith("spikes-topk-x1")
    case.classical = {"sae_on_spikes_expansion": 3}
    wide = REPRESENTATIONS["sae_on_spikes"].build(case)
    assert {r.valid.shape[1] for r in wide} == {90} and wide[0].decoder.shape == (30, 90)


def test_dictionary_codes_the_embedding_with_the_saes_width_and_k_nonzeros():
    case = _case()
    case.classical = {"dictionary_max_iter": 5}
    latents = REPRESENTATIONS["dictionary"].build(case)
    assert [(r.k, r.sae_seed) for r in latents] == [(2, 0), (2, 1), (3, 0), (3, 1)]
    for rep in latents:
        assert rep.valid.shape == (600, 8) and rep.decoder.shape == (4, 8)
        assert ((rep.valid != 0).sum(axis=1) == rep.k).all()
    # one dictionary per SAE seed, coded at each k; seeds give different dictionaries
    assert np.array_equal(latents[0].decoder, latents[2].decoder)
    assert not np.allclose(latents[0].decoder, latents[1].decoder)


def test_assemblies_and_nmf_find_the_planted_assemblies_in_the_case():
    case = _case()
    (assemblies,) = REPRESENTATIONS["assemblies_ica"].build(case)
    (nmf,) = REPRESENTATIONS["nmf"].build(case)
    assert assemblies.model_id == "assemblies_ica-n3" and nmf.model_id == "nmf-n3"
    assert nmf.valid.shape == (600, 3) and (nmf.valid >= 0).all()
    case.classical = {"nmf_components": 5}
    assert REPRESENTATIONS["nmf"].build(case)[0].valid.shape == (600, 5)


def test_classical_representations_are_opt_in_and_checked():
    from cebra_sae.claims.paper import classic_names

    # every other method is opt-in; the classics of C9 are those not built on xCEBRA
    assert not set(classical_names()) & set(default_nulls())
    assert set(classic_names()) == {n for n in classical_names()
                                    if not REPRESENTATIONS[n].on_xcebra}  # fmt: skip
    assert "xcebra" in classical_names() and "xcebra" not in classic_names()
    assert "dictionary" not in case_representations(["pca"])
    assert case_representations([], ["nmf"]) == ["cebra", "sae", "nmf"]
    with pytest.raises(UnknownName, match="unknown classical representation.*known: dictionary"):
        case_representations([], ["lasso"])


def _posthoc_rows(values):
    """Per rat x dim, one row per (representation, k) with ``values(rep, k, dim)`` as every
    measured column."""
    rows = []
    reps = [("cebra", None), *[(r, k) for r in ("sae", "random_sae", "dictionary")
                               for k in (8, 16)], ("assemblies_ica", None)]  # fmt: skip
    for rat in ("a", "b"):
        for dim in (8, 16, 32):
            for rep, k in reps:
                v = values(rep, k, dim)
                rows.append(dict(protocol="paper", rat=rat, dim=dim, seed=0, representation=rep,
                                 k=k, sae_seed=0 if k else None, neuron_score=v,
                                 place_fields=10 * v, recovery_hungarian=v,
                                 membership_auc_correlation=v,
                                 membership_auc_gradient=v + 0.01))  # fmt: skip
    return pd.DataFrame(rows).astype({"k": "Int64", "sae_seed": "Int64"})


def test_c7_and_c9_read_trained_vs_untrained_and_vs_the_best_classic():
    score = {"sae": 0.6, "random_sae": 0.4, "dictionary": 0.5, "assemblies_ica": 0.55,
             "cebra": 0.3}  # fmt: skip
    posthoc = _posthoc_rows(lambda rep, k, dim: score[rep] + dim / 1000)
    s = ClaimSettings()
    c7 = pd.DataFrame(claim_c7(posthoc, s))
    assert set(c7.part) == {f"{m}_k{k}" for m in ("neuron", "place_fields", "recovery")
                            for k in (8, 16)}  # fmt: skip
    assert (c7.verdict == "supported").all()
    assert c7.set_index("part").effect["place_fields_k8"] == pytest.approx(2.0)
    c9 = pd.DataFrame(claim_c9(posthoc, s)).set_index("part")
    # judged on the known answer only (recovery, membership), never on the neuron score
    assert set(c9.index) == {f"{m}_k{k}" for m in ("recovery", "membership") for k in (8, 16)}
    assert c9.effect["recovery_k8"] == pytest.approx(0.6 - 0.55)  # the best classic: assemblies
    assert "assemblies_ica 6" in c9.detail["recovery_k8"]
    # the SAE by correlation, each classic by its best kind (here gradient, 0.01 higher)
    assert c9.effect["membership_k8"] == pytest.approx(0.6 - 0.56)
    assert (c9.verdict == "supported").all()
    # a classic that wins turns C9 around
    score["dictionary"] = 0.9
    worse = pd.DataFrame(claim_c9(_posthoc_rows(lambda rep, k, dim: score[rep]), s))
    assert (worse.verdict == "not supported").all()
    # no classical representation configured: nothing to judge
    assert claim_c9(posthoc[~posthoc.representation.isin(classical_names())], s) == []


def test_c8_compares_trained_and_random_matching_per_architecture_and_measure():
    rows = []
    for rat in ("a", "b"):
        for dim in (8, 16):
            for k in (8, 16):
                for arch, extra in (("topk", 0.0), ("standard", 0.2)):
                    for measure, threshold, value, chance in (
                        ("matched_share", 0.7, 0.5 + extra, 0.3),
                        ("matched_share", 0.9, 0.01, 0.05 + dim / 1000),
                        ("subspace", None, 0.8, 0.7),
                    ):
                        rows.append(dict(protocol="paper", rat=rat, dim=dim, seed=0,
                                         representation="sae", arch=arch, k=k, measure=measure,
                                         threshold=threshold, value=value + k / 1000,
                                         random_value=chance, n_pairs=1))  # fmt: skip
    c8 = pd.DataFrame(claim_c8(pd.DataFrame(rows), ClaimSettings())).set_index("part")
    assert list(c8.index) == ["topk_matched_0.7", "topk_matched_0.9", "topk_subspace",
                              "standard_matched_0.7", "standard_matched_0.9",
                              "standard_subspace"]  # fmt: skip
    assert c8.verdict["topk_matched_0.7"] == "supported"
    assert c8.verdict["topk_matched_0.9"] == "not supported"
    assert c8.effect["standard_matched_0.7"] - c8.effect["topk_matched_0.7"] == pytest.approx(0.2)
    assert (c8.n_cases == 8).all()
    assert claim_c8(None, ClaimSettings()) == []


def test_the_c9_finding_names_the_best_classic_and_is_not_testable_on_real_rats():
    from cebra_sae.claims.paper import claims_table
    from cebra_sae.report.findings import study_findings

    score = {"sae": 0.4, "random_sae": 0.35, "dictionary": 0.3, "assemblies_ica": 0.6,
             "cebra": 0.3}  # fmt: skip
    posthoc = _posthoc_rows(lambda rep, k, dim: score[rep] + dim / 1000)
    posthoc = posthoc.assign(behavior_score=0.4, pos_r2_valid=0.6, dir_acc_valid=0.9)
    sweep = pd.DataFrame(columns=["protocol", "rat", "dim", "arch", "expansion", "k"])
    settings = ClaimSettings(bootstrap_resamples=200)
    claims = claims_table(sweep, posthoc, settings)
    (c9,) = [f for f in study_findings(claims, posthoc, pd.DataFrame()) if f.source == "claims C9"]
    assert c9.title == "A classical method beats sparsifying CEBRA"
    assert "(best: assemblies_ica)" in c9.text and "by construction" in c9.text
    assert c9.figure == "ground_truth"
    # real rats: no known answer, so no part; the neuron score alone does not judge C9
    real = posthoc.assign(recovery_hungarian=np.nan, membership_auc_correlation=np.nan,
                          membership_auc_gradient=np.nan)  # fmt: skip
    claims = claims_table(sweep, real, settings)
    assert set(claims[claims.claim == "C9"].claim_verdict) == {"not testable"}
    assert not [f for f in study_findings(claims, real, pd.DataFrame())
                if f.source == "claims C9"]  # fmt: skip


def test_c10_gives_the_rivals_their_best_map_and_the_sae_one_fixed_map():
    from cebra_sae.claims.paper import claim_c10

    rows = []
    for rat in ("a", "b", "c"):
        for dim in (8, 16):
            base = dict(protocol="paper", rat=rat, dim=dim, seed=0)
            for k in (8, 16):
                rows.append(dict(base, representation="sae", k=k, sae_seed=0,
                                 membership_auc_gradient=0.8 + dim / 1000,
                                 membership_auc_correlation=0.99))  # fmt: skip
            rows.append(dict(base, representation="cebra", membership_auc_gradient=0.6,
                             membership_auc_inverse=0.7))  # fmt: skip
            rows.append(dict(base, representation="xcebra", membership_auc_gradient=0.75,
                             membership_auc_inverse=0.5 + dim / 100))  # fmt: skip
            rows.append(dict(base, representation="nmf", membership_auc_weights=0.9,
                             membership_auc_correlation=0.7))  # fmt: skip
    posthoc = pd.DataFrame(rows).astype({"k": "Int64", "sae_seed": "Int64"})
    c10 = pd.DataFrame(claim_c10(posthoc, ClaimSettings())).set_index("part")
    assert set(c10.index) == {f"membership_k{k}_vs_{r}" for k in (8, 16)
                              for r in ("cebra", "xcebra", "classic")}  # fmt: skip
    effect = c10.effect
    assert effect["membership_k8_vs_cebra"] == pytest.approx(0.812 - 0.7)  # CEBRA's inverse
    assert effect["membership_k8_vs_xcebra"] == pytest.approx(0.808 - 0.75, abs=0.01)
    assert effect["membership_k8_vs_classic"] == pytest.approx(0.812 - 0.9)  # NMF's weights
    assert c10.verdict["membership_k8_vs_cebra"] == "supported"
    assert c10.verdict["membership_k8_vs_classic"] == "not supported"
    # no known answer (real rats): nothing to judge
    assert claim_c10(posthoc.assign(membership_auc_gradient=np.nan), ClaimSettings()) == []

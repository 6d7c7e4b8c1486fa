"""Is the effect real? Nulls, intervals, tests and verdicts on data with a known answer."""

import numpy as np
import pandas as pd
import pytest

from cebra_sae.claims.intervals import intervals_table
from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.claims.paper import claims_table
from cebra_sae.claims.statistics import hierarchical_bootstrap, wilcoxon_p
from cebra_sae.posthoc.nulls import neuron_null_scores, shift_offsets


def _place_cells(t=2000, n=12, seed=0):
    """Spikes of neurons with smooth, different time courses (slow and autocorrelated, like
    place cells on laps): a shift destroys their alignment with anything."""
    rng = np.random.default_rng(seed)
    time = np.arange(t)
    phases = rng.uniform(0, 2 * np.pi, n)
    rates = np.exp(2 * np.sin(2 * np.pi * time[:, None] / rng.uniform(150, 400, n) + phases))
    return rng.poisson(rates).astype(float)


def test_a_latent_copying_a_neuron_beats_the_shift_null_and_noise_does_not():
    spikes = _place_cells()
    rng = np.random.default_rng(1)
    copy = spikes[:, [3]] + 0.01 * rng.normal(size=(len(spikes), 1))
    noise = rng.normal(size=(len(spikes), 1))
    from cebra_sae.posthoc.scores import neuron_score_paper

    for latent, beats in ((copy, True), (noise, False)):
        score = neuron_score_paper(spikes, latent, top=1)
        null = neuron_null_scores(spikes, latent, "paper", 200, np.random.default_rng(2), top=1)
        assert len(null) == 200
        assert bool(score > np.quantile(null, 0.95)) is beats, (score, np.quantile(null, 0.95))
    assert neuron_score_paper(spikes, copy, top=1) > 0.99


def test_shift_offsets_stay_inside_the_middle_of_the_recording():
    offsets = shift_offsets(1000, 50, 300, np.random.default_rng(0))
    assert offsets.shape == (300, 50) and offsets.min() >= 100 and offsets.max() <= 900
    assert len(np.unique(offsets)) > 500  # each neuron its own offset, each draw anew


def test_the_null_is_seeded():
    spikes, latent = _place_cells(t=500), np.random.default_rng(3).normal(size=(500, 4))
    a = neuron_null_scores(spikes, latent, "seed_code", 50, np.random.default_rng(7))
    b = neuron_null_scores(spikes, latent, "seed_code", 50, np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_random_sae_has_the_requested_width_and_k_and_the_saes_initial_weights():
    from cebra_sae.sae import SAESpec
    from cebra_sae.sae.trainer import encode, init_weights, untrained

    spec = SAESpec("topk", 4, 1e-3, k=3, sae_seed=5)
    z = np.random.default_rng(0).normal(size=(300, 6))
    weights = untrained(z, spec)
    for name, initial in init_weights(6, 24, 5).items():
        assert np.array_equal(weights[name], initial.numpy()), name
    h, _ = encode(z, weights, spec)
    assert h.shape == (300, 24) and ((h != 0).sum(axis=1) <= 3).all()
    assert ((h != 0).sum(axis=1) == 3).mean() > 0.9


def test_an_untrained_batchtopk_sae_gets_its_threshold_from_the_data_not_training():
    from cebra_sae.sae import SAESpec
    from cebra_sae.sae.trainer import encode, init_weights, untrained

    spec = SAESpec("batchtopk", 4, 1e-3, k=3, sae_seed=2)
    z = np.random.default_rng(1).normal(size=(2000, 6))
    weights = untrained(z, spec)
    assert np.array_equal(
        weights["encoder.weight"], init_weights(6, 24, 2)["encoder.weight"].numpy()
    )
    assert weights["threshold"] > 0  # estimated over one epoch, no weight update
    h, _ = encode(z, weights, spec)
    assert 2 < (h != 0).sum(axis=1).mean() < 4.5  # about k active at inference


def test_hierarchical_bootstrap_covers_the_true_mean_at_about_the_nominal_rate():
    """Paired differences with a rat effect and case noise; 300 simulated studies."""
    rng = np.random.default_rng(0)
    truth, covered, trials = 0.1, 0, 300
    for trial in range(trials):
        rat_effect = truth + rng.normal(0, 0.05, size=30)
        cases = pd.DataFrame({
            "rat": np.repeat(np.arange(30), 4),
            "effect": np.repeat(rat_effect, 4) + rng.normal(0, 0.05, size=120),
        })  # fmt: skip
        low, high = hierarchical_bootstrap(cases, "effect", resamples=1000, seed=trial)
        covered += low <= truth <= high
    assert 0.91 <= covered / trials <= 0.99, covered / trials


def test_bootstrap_resamples_rats_not_only_cases():
    """Two rats that disagree: the interval spans both rats' means, not the pooled cases'."""
    cases = pd.DataFrame({"rat": ["a"] * 50 + ["b"] * 50,
                          "effect": np.r_[np.full(50, 0.0), np.full(50, 1.0)]})  # fmt: skip
    low, high = hierarchical_bootstrap(cases, "effect", resamples=2000, seed=0)
    assert low == pytest.approx(0.0) and high == pytest.approx(1.0)


def test_wilcoxon_is_scipys_and_nan_when_undefined():
    from scipy.stats import wilcoxon

    effects = [0.3, -0.1, 0.2, 0.25, 0.4, 0.05, 0.15]
    assert wilcoxon_p(effects) == wilcoxon(effects).pvalue
    assert np.isnan(wilcoxon_p([0.0, 0.0, 0.1]))


def _posthoc(gain, noise=0.02, rats=("a", "b", "c"), seeds=(0, 1, 2)):
    """CEBRA and SAE k=8 rows whose SAE - CEBRA neuron score is ``gain`` on average."""
    rng = np.random.default_rng(0)
    rows = []
    for rat in rats:
        for dim in (8, 16):
            for seed in seeds:
                base = 0.3 + rng.normal(0, 0.02)
                for model, k, value in (("cebra", None, base),
                                        ("sae", 8, base + gain + rng.normal(0, noise)),
                                        ("random_sae", 8, base - 0.1)):  # fmt: skip
                    rows.append(dict(protocol="paper", rat=rat, dim=dim, seed=seed,
                                     representation=model, k=k, sae_seed=None if k is None else 0,
                                     neuron_score=value, behavior_score=0.1,
                                     pos_r2_valid=0.5, dir_acc_valid=0.8,
                                     neuron_null_p95=0.2, behavior_null_p95=0.05))  # fmt: skip
    return pd.DataFrame(rows).astype({"k": "Int64", "sae_seed": "Int64"})


def _c3(gain):
    sweep = pd.DataFrame(columns=["protocol"])
    table = claims_table(sweep, _posthoc(gain), ClaimSettings(bootstrap_resamples=2000))
    return table[(table.claim == "C3")].set_index("baseline")


def test_the_verdict_flips_when_the_interval_crosses_zero():
    clear, marginal, reverse = _c3(0.1), _c3(0.0), _c3(-0.1)
    assert clear.loc["claim", "ci_low"] > 0 and clear.loc["claim", "verdict"] == "supported"
    assert marginal.loc["claim", "ci_low"] < 0 < marginal.loc["claim", "ci_high"]
    assert marginal.loc["claim", "verdict"] == "inconclusive"
    assert reverse.loc["claim", "ci_high"] < 0
    assert reverse.loc["claim", "verdict"] == "not supported"
    assert clear.loc["claim", "p_wilcoxon"] < 0.001 and clear.loc["claim", "n_cases"] == 18
    assert clear.loc["claim", "n_rats"] == 3 and clear.loc["claim", "caveat"] == ""
    assert clear.loc["claim", "per_rat"].startswith("a +0.1")
    # against the nulls: the untrained SAE is 0.1 below CEBRA, the shift null far below
    assert clear.loc["random_sae", "verdict"] == "survives"
    assert clear.loc["shift_p95", "effect"] == pytest.approx(0.3 + 0.1 - 0.2, abs=0.02)
    assert reverse.loc["random_sae", "verdict"] == "does not survive"


def test_two_rats_are_said_to_be_too_few():
    table = claims_table(pd.DataFrame(columns=["protocol"]), _posthoc(0.1, rats=("a", "b")))
    c3 = table[table.claim == "C3"]
    assert c3.caveat.str.contains("too few to generalise").all() and (c3.n_rats == 2).all()


def test_intervals_average_sae_seeds_within_a_case_and_cover_the_mean():
    posthoc = _posthoc(0.1)
    extra = posthoc[posthoc.representation == "sae"].assign(sae_seed=1)
    table = intervals_table(pd.concat([posthoc, extra]))
    sae = table[
        (table.representation == "sae") & table.dim.isna() & (table.metric == "neuron_score")
    ]
    assert len(sae) == 1 and sae.n_cases.item() == 18  # rat x dim x seed, not x SAE seed
    assert sae.ci_low.item() <= sae["mean"].item() <= sae.ci_high.item()
    assert set(table.dim.dropna()) == {8, 16}


def test_stability_matches_permuted_directions_and_not_random_ones():
    from cebra_sae.posthoc.stability import matched_share, seed_stability

    decoder = np.random.default_rng(5).normal(size=(8, 64))
    permuted = decoder[:, np.random.default_rng(0).permutation(64)]
    assert matched_share(decoder, permuted) == 1.0
    row = seed_stability([decoder, permuted, decoder], thresholds=[0.9], draws=10)[0]
    assert row["value"] == 1.0 and row["n_pairs"] == 3 and row["random_value"] < 0.3


def test_the_null_s_spread_widens_c8_s_interval():
    """C8 judged on value - chance: a null drawn with a wide spread gives a wider interval
    than the same effects with an exact null (its standard error enters the bootstrap)."""
    from cebra_sae.claims.paper import claim_c8

    rows = []
    rng = np.random.default_rng(0)
    for rat in "abc":
        for dim in (8, 16):
            rows.append(dict(protocol="paper", rat=rat, dim=dim, seed=0, representation="sae",
                             arch="topk", k=8, l1=np.nan, measure="matched_share",
                             threshold=0.9, value=0.05 + rng.normal(0, 0.002),
                             random_value=0.04, random_sd=0.0, random_draws=20,
                             paired_value=0.045, n_pairs=1))  # fmt: skip
    exact = pd.DataFrame(rows)
    noisy = exact.assign(random_sd=0.03)
    settings = ClaimSettings(bootstrap_resamples=2000)
    tight, wide = (pd.DataFrame(claim_c8(t, settings)) for t in (exact, noisy))
    tight, wide = (t[t.baseline == "claim"].iloc[0] for t in (tight, wide))
    assert tight.effect == pytest.approx(wide.effect)
    assert (wide.ci_high - wide.ci_low) > 3 * (tight.ci_high - tight.ci_low)
    assert tight.verdict == "supported"
    paired = pd.DataFrame(claim_c8(exact, settings)).set_index("baseline").loc["initial_decoders"]
    assert paired.effect == pytest.approx(0.005, abs=0.002) and paired.verdict == "survives"


def test_vectorised_nulls_equal_one_draw_at_a_time():
    from cebra_sae.measures.correlation import abs_correlation
    from cebra_sae.posthoc.nulls import behavior_null_scores
    from cebra_sae.posthoc.scores import one_variable_ridge_r2

    rng = np.random.default_rng(4)
    spikes, latents = _place_cells(t=300, n=5), rng.normal(size=(300, 6))
    lat_train, beh_train = rng.normal(size=(400, 6)), rng.normal(size=(400, 3))
    beh = rng.normal(size=(300, 3))
    offsets = shift_offsets(300, 5, 30, np.random.default_rng(9))
    one_by_one = []
    for shift in offsets:
        shifted = np.column_stack([np.roll(spikes[:, s], o) for s, o in enumerate(shift)])
        one_by_one.append(np.sort(abs_correlation(shifted, latents).max(axis=0))[::-1][:2].mean())
    null = neuron_null_scores(spikes, latents, "paper", 30, np.random.default_rng(9), top=2)
    assert null == pytest.approx(one_by_one, abs=1e-5)
    offsets = shift_offsets(300, 3, 30, np.random.default_rng(9))
    one_by_one = []
    for shift in offsets:
        shifted = np.column_stack([np.roll(beh[:, b], o) for b, o in enumerate(shift)])
        r2 = one_variable_ridge_r2(lat_train, beh_train, latents, shifted).max(axis=1)
        one_by_one.append(np.sort(r2)[::-1][:2].mean())
    null = behavior_null_scores(lat_train, beh_train, latents, beh, "paper", 30,
                                np.random.default_rng(9), top=2)  # fmt: skip
    assert null == pytest.approx(one_by_one, abs=1e-10)


def test_each_part_s_winner_is_measured_against_its_own_nulls():
    posthoc = _posthoc(0.1)
    cebra = posthoc[posthoc.representation == "cebra"]
    more = [
        cebra.assign(representation=m, neuron_score=0.1) for m in ("pca", "ica", "shuffled_cebra")
    ]
    table = claims_table(pd.DataFrame(columns=["protocol"]), pd.concat([posthoc, *more]))
    baselines = table.groupby("part").baseline.apply(list).to_dict()
    # C3: the SAE should win: SAE against the untrained SAE, the rotations, its shift null
    assert baselines["k8"] == ["claim", "random_sae", "pca", "ica", "shift_p95"]
    # C4 k8: CEBRA should win: CEBRA against the shuffled-spikes CEBRA and its shift null
    assert baselines["cebra_beats_k8"] == ["claim", "shuffled_cebra", "shift_p95"]
    c4 = table[(table.part == "cebra_beats_k8") & (table.baseline == "shuffled_cebra")]
    assert c4.measure.item().startswith("CEBRA - shuffled_cebra")
    # C5: a rotation decodes as the embedding does, so decoding meets the untrained SAE only
    assert baselines["pos_r2_valid_k8"] == ["claim", "random_sae"]


def test_a_rat_whose_direction_is_not_testable_is_left_out_of_c5_and_said():
    """Rat c's validation split runs one way: its direction accuracy is NaN (never 1.0 for
    everyone), C5's direction parts leave it out with the reason, position keeps it."""
    posthoc = _posthoc(0.1)
    posthoc.loc[posthoc.rat == "c", "dir_acc_valid"] = np.nan
    table = claims_table(pd.DataFrame(columns=["protocol"]), posthoc)
    c5 = table[(table.claim == "C5") & (table.baseline == "claim")].set_index("part")
    direction, position = c5.loc["dir_acc_valid_k8"], c5.loc["pos_r2_valid_k8"]
    assert direction.n_rats == 2 and direction.n_cases == 12 and position.n_cases == 18
    assert direction.detail.endswith(
        "not testable, left out: 6 of 18 cases (c: 6; see not_testable in posthoc.parquet)"
    )
    assert "left out" not in position.detail
    from cebra_sae.report.pages import claim_paragraphs

    paragraph = dict(((c, text) for _, c, _, text in claim_paragraphs(table)))["C5"]
    assert "Not testable, left out: 6 of 18 cases (c: 6;" in paragraph


def test_a_one_way_validation_split_gives_nan_direction_and_finite_scores():
    from cebra_sae.data.recording import Split
    from cebra_sae.posthoc.evaluate import evaluate_representation

    rng = np.random.default_rng(0)
    t = 600
    position = np.abs(np.sin(np.linspace(0, 20, t)))
    right = (np.gradient(position) > 0).astype(float)
    right[480:] = 1.0  # the validation split runs right only
    labels = np.column_stack([position, right, 1 - right])
    spikes = rng.poisson(1.0, size=(t, 5)).astype(float)
    z = np.column_stack([position, right, rng.normal(size=(t, 2))])
    split = Split(spikes[:480], spikes[480:], labels[:480], labels[480:])
    for protocol in ("paper", "seed_code"):
        row = evaluate_representation(protocol, split, z[:480], z[480:])
        assert np.isnan(row["dir_acc_valid"]) and np.isfinite(row["pos_r2_valid"])
        assert np.isfinite(row["behavior_score_paper"]) and row["behavior_score_paper"] <= 1
        assert row["not_testable"].startswith("dir_acc_valid: the validation split has 120 right")

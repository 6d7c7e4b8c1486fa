"""Post-hoc scores, protocol switches, Pareto fronts, the golden published values, claims."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from cebra_sae.claims.judge import ClaimSettings, judge_interval, overall
from cebra_sae.claims.paper import claim_c1, claims_table
from cebra_sae.data.recording import Split
from cebra_sae.measures.correlation import abs_correlation
from cebra_sae.posthoc.evaluate import evaluate_representation
from cebra_sae.posthoc.representations import default_nulls
from cebra_sae.posthoc.scores import (
    behavior_score_paper,
    behavior_score_seed_code,
    neuron_score_paper,
    neuron_score_seed_code,
    one_variable_ridge_r2,
)
from cebra_sae.sae import SAESpec, encode
from cebra_sae.sae_sweep import pareto_front

RNG = np.random.default_rng(0)
SPIKES = RNG.poisson(2.0, size=(400, 6)).astype(float)
LABELS = np.column_stack(
    [RNG.uniform(0, 1.6, 400), np.repeat([1.0, 0.0], 200), np.repeat([0.0, 1.0], 200)]
)


# ---- scores with a known answer ----------------------------------------------------------


def test_a_latent_copying_a_neuron_scores_one():
    latents = np.column_stack([SPIKES[:, 2], RNG.normal(size=400)])
    assert abs_correlation(SPIKES, latents)[2, 0] == pytest.approx(1.0)
    assert neuron_score_paper(SPIKES, latents[:, :1]) == pytest.approx(1.0)
    assert neuron_score_seed_code(SPIKES, latents[:, :1], top=1) == pytest.approx(1.0)


def test_a_constant_latent_scores_zero_not_nan():
    constant = np.full((400, 3), 0.7)
    assert np.array_equal(abs_correlation(SPIKES, constant), np.zeros((6, 3)))
    assert neuron_score_paper(SPIKES, constant) == 0.0
    assert neuron_score_seed_code(SPIKES, constant) == 0.0
    assert behavior_score_seed_code(constant, LABELS) == 0.0
    text = behavior_score_paper(constant[:300], LABELS[:300], constant[300:], LABELS[300:])
    assert np.isfinite(text) and text <= 0.0


def test_top_10_with_fewer_than_10_latents_averages_them_all():
    latents = np.column_stack([SPIKES[:, 0], SPIKES[:, 0] + RNG.normal(scale=2, size=400)])
    per_latent = abs_correlation(SPIKES, latents).max(axis=0)
    assert neuron_score_paper(SPIKES, latents) == pytest.approx(per_latent.mean())
    flat = np.sort(abs_correlation(SPIKES, latents).ravel())[::-1]
    assert neuron_score_seed_code(SPIKES, latents) == pytest.approx(flat[:10].mean())


def test_text_and_code_formulas_differ_when_one_latent_fits_many_neurons():
    # one latent correlates with every neuron, nine latents with nothing
    shared = SPIKES.sum(axis=1, keepdims=True)
    latents = np.column_stack([shared, RNG.normal(size=(400, 9))])
    text, code = neuron_score_paper(SPIKES, latents), neuron_score_seed_code(SPIKES, latents)
    assert code > 2 * text  # code: the 10 best pairs, 6 of them from the shared latent


def test_one_variable_ridge_matches_scikit_learn():
    x = RNG.normal(size=(400, 4)) * [1, 5, 0.1, 2]
    y = np.column_stack([x[:, 1] * 0.3 + RNG.normal(size=400), RNG.normal(size=400)])
    r2 = one_variable_ridge_r2(x[:300], y[:300], x[300:], y[300:], alpha=1.0)
    for j in range(4):
        for b in range(2):
            model = Ridge(alpha=1.0).fit(x[:300, [j]], y[:300, b])
            assert r2[j, b] == pytest.approx(model.score(x[300:, [j]], y[300:, b]), abs=1e-10)


def test_behaviour_score_text_finds_the_position_latent():
    latents = np.column_stack([LABELS[:, 0] + RNG.normal(scale=0.01, size=400),
                               RNG.normal(size=(400, 4))])  # fmt: skip
    score = behavior_score_paper(latents[:300], LABELS[:300], latents[300:], LABELS[300:], top=1)
    assert score > 0.99


# ---- protocol switches (docs/study.md §5) -------------------------------------------------------


@pytest.fixture(scope="module")
def unit():
    split = Split(SPIKES[:300], SPIKES[300:], LABELS[:300], LABELS[300:])
    latents = np.column_stack([SPIKES[:, :3], LABELS[:, 0], RNG.normal(size=(400, 2))])
    return split, latents[:300], latents[300:]


def test_paper_protocol_scores_validation_with_text_formulas(unit):
    split, lt, lv = unit
    row = evaluate_representation("paper", split, lt, lv)
    assert row["score_split"] == "valid"
    assert (
        row["neuron_score"]
        == row["neuron_score_paper"]
        == neuron_score_paper(split.spikes_valid, lv)
    )
    assert row["behavior_score"] == row["behavior_score_paper"]
    assert row["behavior_score_seed_code"] == behavior_score_seed_code(lv, split.labels_valid)
    assert row["nonzero_ratio"] == pytest.approx((lv != 0).mean())


def test_seed_code_protocol_scores_train_with_code_formulas_and_decodes_in_sample(unit):
    split, lt, lv = unit
    row = evaluate_representation("seed_code", split, lt, lv)
    paper = evaluate_representation("paper", split, lt, lv)
    assert row["score_split"] == "train"
    assert (
        row["neuron_score"]
        == row["neuron_score_seed_code"]
        == neuron_score_seed_code(split.spikes_train, lt)
    )
    assert (
        row["behavior_score"]
        == row["behavior_score_seed_code"]
        == behavior_score_seed_code(lt, split.labels_train)
    )
    # train decoding is fit on train under both protocols; validation differs (in-sample refit)
    assert row["pos_r2_train"] == pytest.approx(paper["pos_r2_train"])
    assert row["pos_r2_valid"] >= paper["pos_r2_valid"] - 1e-9


# ---- the golden reference: the published study's own buddy values -------------------------


def test_seed_code_metrics_reproduce_the_published_buddy_table(data_dir, reference_dir):
    golden = pd.read_csv(reference_dir / "seed_code_values.csv")
    recording = joblib.load(data_dir / "rat_hippocampus" / "buddy.jl")
    split = Split(recording["spikes"][:5261], recording["spikes"][5261:],
                  recording["position"][:5261], recording["position"][5261:])  # fmt: skip
    embeddings = np.load(reference_dir / "embeddings.npz")
    saes = np.load(reference_dir / "topk_sae_weights.npz")
    for row in golden.itertuples():
        z_train, z_valid = embeddings[f"dim{row.dim}_train"], embeddings[f"dim{row.dim}_valid"]
        if row.model == "sae_topk":
            k = int(row.topk)
            weights = {
                name: saes[f"dim{row.dim}_k{k}__{name}"]
                for name in ("encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias")
            }
            spec = SAESpec("topk", 8, 1e-3, k=k)  # the project's own TopK forward
            z_train = encode(z_train, weights, spec)[0]
            z_valid = encode(z_valid, weights, spec)[0]
        got = evaluate_representation("seed_code", split, z_train, z_valid)
        where = f"dim {row.dim} {row.model} k={row.topk}"
        assert got["pos_r2_train"] == pytest.approx(row.r2_train, abs=1e-4), where
        assert got["pos_r2_valid"] == pytest.approx(row.r2_valid, abs=1e-4), where
        assert got["dir_acc_train"] == pytest.approx(row.acc_train, abs=1.5 / 5261), where
        assert got["dir_acc_valid"] == pytest.approx(row.acc_valid, abs=1.5 / 1316), where
        assert got["behavior_score"] == pytest.approx(row.behavior_score, abs=1e-4), where
        assert got["neuron_score"] == pytest.approx(row.neuron_score, abs=1e-4), where
        assert 100 * got["nonzero_ratio"] == pytest.approx(row.sparsity_pct_active, abs=1e-2)


# ---- Pareto fronts and claims ----------------------------------------------------------------


def test_pareto_front_keeps_only_undominated_models():
    df = pd.DataFrame({
        "protocol": "paper", "rat": "r", "dim": 8, "arch": ["topk"] * 4 + ["standard"] * 2,
        "nonzero_ratio_valid": [0.1, 0.2, 0.2, 0.5, 0.3, 0.1],
        "explained_variance_valid": [0.5, 0.9, 0.7, 0.8, 0.1, np.nan],
    })  # fmt: skip
    front = pareto_front(df)
    assert front.index.tolist() == [0, 1, 4]  # 2 and 3 dominated by 1; NaN (diverged) dropped


def _posthoc(neuron, behaviour, decoding, dims=(8, 16, 32, 64), rats=("a", "b")):
    rows = []
    for rat in rats:
        for dim in dims:
            for model, k in (("cebra", None), ("sae", 8), ("sae", 16), ("sae", 32)):
                rows.append(dict(protocol="paper", rat=rat, dim=dim, seed=0, representation=model,
                                 k=k,
                                 neuron_score=neuron(model, k, dim),
                                 behavior_score=behaviour(model, k, dim),
                                 pos_r2_valid=decoding(model, k),
                                 dir_acc_valid=decoding(model, k) + 0.2))  # fmt: skip
    return pd.DataFrame(rows).astype({"k": "Int64"})


def _sweep(topk_best=True):
    rows = []
    for rat in ("a", "b"):
        for dim in (8, 16, 32, 64):
            for arch, ev in (("topk", 0.9 if topk_best else 0.5), ("standard", 0.7)):
                for expansion, ratio in ((2, 0.08), (8, 0.05)):
                    rows.append(dict(protocol="paper", rat=rat, dim=dim, arch=arch,
                                     expansion=expansion, nonzero_ratio_valid=ratio,
                                     explained_variance_valid=ev + (expansion == 8) * 0.05,
                                     diverged=False))  # fmt: skip
    return pd.DataFrame(rows)


def test_claims_as_the_paper_states_them_are_supported():
    posthoc = _posthoc(
        neuron=lambda m, k, d: 0.2 if m == "cebra" else 0.3 + d / 1000,
        behaviour=lambda m, k, d: 0.4 if m == "cebra" else 0.1 + k / 80 - d / 1000,
        decoding=lambda m, k: 0.6 if m == "cebra" else 0.61,
    )
    table = claims_table(_sweep(), posthoc, ClaimSettings())
    verdicts = table.drop_duplicates("claim").set_index("claim").claim_verdict
    assert verdicts.to_dict() == {
        **{f"C{i}": "supported" for i in range(1, 7)},
        **dict.fromkeys(["C7", "C8", "C9", "C10"], "not testable"),
    }
    c3 = table[(table.claim == "C3") & (table.baseline == "claim")]
    assert (
        (c3.ci_low > 0).all() and (c3.n_rats == 2).all() and c3.caveat.str.contains("2 rats").all()
    )
    assert c3.part.tolist() == ["k8", "k16", "k32"] and (c3.n_cases == 8).all()
    assert c3.effect.tolist() == pytest.approx([0.13] * 3, abs=0.03)


def test_claims_that_fail_are_not_supported():
    posthoc = _posthoc(
        neuron=lambda m, k, d: 0.5 if m == "cebra" else 0.3,
        behaviour=lambda m, k, d: 0.4 if m == "cebra" else 0.2,
        decoding=lambda m, k: 0.6 if m == "cebra" else 0.3,
    )
    table = claims_table(_sweep(topk_best=False), posthoc, ClaimSettings())
    verdicts = table.drop_duplicates("claim").set_index("claim").claim_verdict
    assert verdicts["C1"] == "not supported" and verdicts["C3"] == "not supported"
    assert verdicts["C5"] == "not supported" and verdicts["C4"] == "mixed"


def test_c1_also_compares_topk_with_each_opt_in_architecture_alone():
    sweep = _sweep()
    sparse_jump = sweep[sweep.arch == "standard"].assign(arch="jumprelu_quantile")
    sweep = pd.concat([sweep, sparse_jump.assign(explained_variance_valid=0.97)])
    c1 = claim_c1(sweep, ClaimSettings())
    assert [p["part"] for p in c1] == ["topk_best", "topk_best_vs_jumprelu_quantile"]
    assert c1[1]["effect"] == pytest.approx(0.95 - 0.97) and c1[1]["n_cases"] == 8
    assert c1[0]["effect"] < 0  # the opt-in family now beats TopK in the overall part too
    assert len(claim_c1(_sweep(), ClaimSettings())) == 1  # the paper's families: one part
    dense = pd.concat([_sweep(), sparse_jump.assign(nonzero_ratio_valid=0.3)])
    never = claim_c1(dense, ClaimSettings())[1]  # it never gets that sparse: not testable
    assert never["verdict"] == "not testable" and "sparsest model: 0.300" in never["detail"]


def test_verdict_rules():
    assert judge_interval(0.01, 0.3) == "supported" and judge_interval(-0.01, 0.3) == "inconclusive"
    assert judge_interval(-0.3, -0.01) == "not supported"
    assert judge_interval(float("nan"), 0.1) == "not testable"
    assert judge_interval(-0.03, 0.1, bound=-0.05) == "supported"
    assert overall(["supported", "mixed"]) == "mixed"
    assert overall(["supported", "inconclusive"]) == "mixed"
    assert overall(["inconclusive", "inconclusive"]) == "inconclusive"  # C1 has one part
    assert overall(["not supported", "not testable"]) == "not testable"
    assert overall(["not supported", "not supported"]) == "not supported"


# ---- post-hoc rows: each number computed once ---------------------------------------------


@pytest.fixture(scope="module")
def selected_block(tmp_path_factory, unit):
    """A trained TopK block (k 1, 2 at two learning rates), its checkpoint and sweep rows."""
    from cebra_sae.sae import TrainSettings, block_grid, train_block
    from cebra_sae.sae.checkpoint import save_block
    from cebra_sae.sae_sweep import sweep_rows

    split, lt, lv = unit
    grid = {"learning_rate": [1e-3, 1e-2], "k": [1, 2], "seeds": [0]}
    block = train_block(lt, block_grid("topk", 2, grid), TrainSettings(epochs=2))
    path = tmp_path_factory.mktemp("block") / "checkpoint.npz"
    save_block(path, block)
    return path, pd.DataFrame(sweep_rows(block, lt, lv))


def test_selected_models_are_the_sweeps_rows(selected_block):
    from cebra_sae.errors import StudyError
    from cebra_sae.posthoc.evaluate import selected_models

    _, rows = selected_block
    chosen = selected_models(rows, {"learning_rate": 1e-2, "k": [2, 1]}, [0])
    assert chosen.model_id.tolist() == ["topk-x2-lr0.01-k2-seed0", "topk-x2-lr0.01-k1-seed0"]
    with pytest.raises(StudyError, match="0 SAEs of the sweep have lr 0.01, k 4 and SAE seed 0"):
        selected_models(rows, {"learning_rate": 1e-2, "k": [4]}, [0])


def _case(protocol, unit, path, rows, **extra):
    from cebra_sae.posthoc.evaluate import load_selected
    from cebra_sae.posthoc.representations import Case
    from cebra_sae.protocols import decode_all

    split, lt, lv = unit
    cebra_row = decode_all(lt, split.labels_train, lv, split.labels_valid)
    return Case(protocol, split, (lt, lv), 0, cebra_row, load_selected(path, rows), path,
                **extra)  # fmt: skip


@pytest.mark.parametrize("protocol", ["paper", "seed_code"])
def test_posthoc_case_reuses_cebra_decoding_and_sweep_numbers(unit, selected_block, protocol):
    from cebra_sae.posthoc.evaluate import posthoc_case, selected_models

    split, lt, lv = unit
    path, rows = selected_block
    sae_rows = selected_models(rows, {"learning_rate": 1e-3, "k": [1, 2]}, [0])
    case = _case(protocol, unit, path, sae_rows)
    out, latents, *_ = posthoc_case(case, ["cebra", "sae"], scoring={"shift_draws": 20})
    assert [(r["representation"], r["k"]) for r in out] == [("cebra", None), ("sae", 1), ("sae", 2)]
    cebra = out[0]
    prefix = "" if protocol == "paper" else "seed_code_"
    assert cebra["pos_r2_valid"] == case.cebra_row[f"{prefix}pos_r2_valid"]
    fresh = evaluate_representation(protocol, split, lt, lv)  # decoded here, not reused
    assert {key: cebra[key] for key in fresh} == fresh
    where = "valid" if protocol == "paper" else "train"
    for row, swept in zip(out[1:], sae_rows.itertuples(), strict=True):
        assert row["model_id"] == swept.model_id and row["width"] == swept.width == 12
        assert row["nonzero_ratio"] == getattr(swept, f"nonzero_ratio_{where}")
        assert row["score_split"] == where and row["sae_seed"] == 0
    ids = ["cebra", "topk-x2-lr0.001-k1-seed0", "topk-x2-lr0.001-k2-seed0"]
    assert sorted(latents) == sorted(f"{i}_{s}" for i in ids for s in ("train", "valid"))
    assert ((latents["topk-x2-lr0.001-k1-seed0_valid"] != 0).sum(axis=1) <= 1).all()


def test_every_null_is_evaluated_like_the_sae(unit, selected_block):
    from cebra_sae.embedding import permute_time
    from cebra_sae.posthoc.evaluate import posthoc_case, selected_models

    split, lt, lv = unit
    path, rows = selected_block
    sae_rows = selected_models(rows, {"learning_rate": 1e-3, "k": [2]}, [0])
    case = _case("paper", unit, path, sae_rows, shuffled=(permute_time(lt, 0), lv))
    out, *_ = posthoc_case(case, scoring={"shift_draws": 20})
    by_model = {r["representation"]: r for r in out}
    # every default null, in registry order (a new null is tested here without editing this)
    assert list(by_model) == ["cebra", "sae", *default_nulls()]
    random = by_model["random_sae"]
    assert random["width"] == by_model["sae"]["width"] == 12 and random["k"] == 2
    assert random["nonzero_ratio"] == pytest.approx(2 / 12)  # exactly k of the width
    assert by_model["pca"]["width"] == by_model["ica"]["width"] == lt.shape[1]
    # a rotation keeps what a linear decoder can read
    assert by_model["pca"]["pos_r2_valid"] == pytest.approx(by_model["cebra"]["pos_r2_valid"],
                                                            abs=1e-6)  # fmt: skip
    for row in out:
        assert row["neuron_null_mean"] <= row["neuron_null_p95"]
        assert set(row) >= {"pos_r2_valid", "neuron_score", "behavior_score", "nonzero_ratio"}


def test_posthoc_case_stops_when_sweep_and_checkpoint_disagree(unit, selected_block):
    from cebra_sae.errors import StudyError
    from cebra_sae.posthoc.evaluate import posthoc_case, selected_models

    path, rows = selected_block
    stale = selected_models(rows, {"learning_rate": 1e-3, "k": [2]}, [0])
    stale.loc[0, "nonzero_ratio_valid"] += 0.01
    with pytest.raises(StudyError, match="are out of sync. Fix: delete both and rerun"):
        posthoc_case(_case("paper", unit, path, stale), ["cebra", "sae"])

"""The workflow through the Snakemake CLI: lint, dry runs, the tiny study end to end."""

import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, job_counts, snakemake
from needs import require

from cebra_sae.posthoc.representations import default_nulls
from cebra_sae.report.categories import CATEGORIES
from cebra_sae.sae.checkpoint import list_models, load_model
from cebra_sae.tables import (
    CEBRA_SWEEP_SCHEMA,
    CLAIMS_SCHEMA,
    DATA_SUMMARY_SCHEMA,
    GROUND_TRUTH_SCHEMA,
    INTERVALS_SCHEMA,
    LATENTS_SCHEMA,
    POSTHOC_SCHEMA,
    RUNTIME_SCHEMA,
    SAE_PARETO_SCHEMA,
    SAE_SWEEP_SCHEMA,
    STABILITY_SCHEMA,
    TUNING_CURVES_SCHEMA,
)

pytestmark = pytest.mark.workflow


def test_lint_is_clean():
    run = snakemake("--lint", cwd=REPO)
    assert run.returncode == 0, run.stdout
    assert "Congratulations, your workflow is in a good condition!" in run.stdout


def test_full_study_dry_run_plans_64_cebra_fits_and_16_nulls(tmp_path):
    run = snakemake("-n", "--configfile", REPO / "config.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    counts = job_counts(run.stdout)
    # 4 rats x 4 dims x 2 hidden x 2 lr, and the shuffled-spikes null per rat x dim
    assert counts["train_cebra"] == 64 + 16
    assert counts["decode_cebra"] == 64
    assert counts["fetch_cebra_recording"] == 4  # nothing on disk here: all four downloaded
    assert counts["prepare_recording"] == 4


def test_rigorous_config_plans_seeds_nulls_and_the_grid_at_the_first_seed(
    tmp_path, data_dir, achilles_npz, linear_track
):
    rats = ('rats={"buddy": {"source": "cebra"}, "achilles": {"source": "file", '
            f'"path": "{achilles_npz}"}}, "linear-track": {{"source": "nwb", '
            f'"path": "{linear_track}"}}}}')  # fmt: skip
    run = snakemake("-n", "--configfile", REPO / "config/rigorous.yaml",
                    "--replace-workflow-config", "--config", f"data_dir={data_dir}", rats,
                    cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    # three rats x dim x seed, final settings only; the shuffled-spikes null at the first
    # seed; xCEBRA (posthoc.classical) at every seed
    assert counts["train_cebra"] == 3 * 4 * 5 + 3 * 4 + 3 * 4 * 5
    assert counts["explorer"] == 3 * 4  # a latent explorer per rat x dim
    # the paper's grid (3 arch x 3 expansions) at seed 0, the selected TopK x8 at seeds 1-4
    assert counts["train_sae"] == 3 * 4 * 9 + 3 * 4 * 4
    assert counts["posthoc"] == 3 * 4 * 5 and counts["stability"] == 1


def test_files_already_in_data_dir_are_not_fetched(tmp_path, data_dir):
    run = snakemake(
        "-n", "--configfile", REPO / "config.yaml", "--config", f"data_dir={data_dir}", cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout
    assert job_counts(run.stdout)["fetch_cebra_recording"] == 3  # buddy is there


def test_a_cebra_recording_is_prepared_offline_through_the_workflow(tmp_path, data_dir):
    """The real recording is the point here: CEBRA's loader, read from data_dir, split."""
    config = tmp_path / "buddy.yaml"
    config.write_text("rats: {buddy: {source: cebra}}\ndownload: false\n")
    run = snakemake("--cores", 1, "--configfile", config, "--replace-workflow-config",
                    "--config", f"data_dir={data_dir}", "--until", "data_summary",
                    cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stdout[-5000:]
    summary = pd.read_parquet(tmp_path / "results/tables/data_summary.parquet").iloc[0]
    assert (summary.rat, summary.source, summary.n_neurons) == ("buddy", "cebra", 48)
    assert (summary.n_train, summary.n_valid) == (5261, 1316)  # the published study's split


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, tiny_config):
    """The tiny study (two simulated rats, both protocols) run once in a fresh folder."""
    workdir = tmp_path_factory.mktemp("tiny")
    run = snakemake("--cores", 2, "--configfile", tiny_config, cwd=workdir)
    assert run.returncode == 0, run.stdout[-5000:]
    return workdir


@pytest.fixture(scope="module")
def splits(tiny):
    """Rat -> (n_train, n_valid) of the tiny study."""
    summary = pd.read_parquet(tiny / "results/tables/data_summary.parquet").set_index("rat")
    return {rat: (row.n_train, row.n_valid) for rat, row in summary.iterrows()}


def test_tiny_study_writes_the_documented_tables(tiny, splits):
    sweep = pd.read_parquet(tiny / "results/tables/cebra_sweep.parquet")
    assert list(sweep.columns) == list(CEBRA_SWEEP_SCHEMA.columns)
    for column, (dtype, _) in CEBRA_SWEEP_SCHEMA.columns.items():
        assert str(sweep[column].dtype) == dtype, column
    assert len(sweep) == 8 and set(sweep.seed) == {0, 1}  # the seeds reach the table
    assert set(zip(sweep.protocol, sweep.rat, strict=False)) == {
        (p, r) for p in ("paper", "seed_code") for r in ("sim", "sim-b")
    }
    assert (sweep.device == "cpu").all() and sweep.final.all()
    assert (sweep.max_iterations == 20).all() and (sweep.dim == 4).all()
    decoding = [
        c for c in CEBRA_SWEEP_SCHEMA.columns if c.startswith(("pos_r2", "dir_acc", "seed_code_"))
    ]
    assert sweep[decoding].notna().all().all()
    assert sweep.filter(like="dir_acc").ge(0.4).all().all()
    assert sweep.filter(like="dir_acc").le(1).all().all()
    assert sweep.filter(like="pos_r2").le(1).all().all()
    assert (sweep.filter(like="pos_r2") > -1).all().all()
    assert (sweep.train_seconds > 0).all() and sweep.final_loss.between(0, 10).all()
    for rat, (n_train, n_valid) in splits.items():
        mine = sweep[sweep.rat == rat]
        assert (mine.n_train == n_train).all() and (mine.n_valid == n_valid).all()

    summary = pd.read_parquet(tiny / "results/tables/data_summary.parquet")
    assert list(summary.columns) == list(DATA_SUMMARY_SCHEMA.columns)
    assert summary.set_index("rat").n_neurons.to_dict() == {"sim": 20, "sim-b": 30}
    assert (summary.source == "synthetic").all()
    assert (summary.n_train == (summary.n_timesteps * 0.8).astype(int)).all()
    truth = pd.read_parquet(tiny / "results/data/sim.ground_truth.parquet")
    assert list(truth.columns) == list(GROUND_TRUTH_SCHEMA.columns) and len(truth) == 20


def test_tiny_study_keeps_every_model_output(tiny, splits):
    folder = tiny / "results/cebra/paper/sim-b/dim4-hidden16-lr0.001-seed0"
    info = json.loads((folder / "info.json").read_text())
    assert info["device"] == "cpu" and info["model_architecture"] == "offset10-model"
    n_train, n_valid = splits["sim-b"]
    with np.load(folder / "embedding.npz") as npz:
        assert npz["train"].shape == (n_train, 4) and npz["valid"].shape == (n_valid, 4)
    assert len(pd.read_parquet(folder / "loss.parquet")) == 20
    import cebra

    assert cebra.CEBRA.load(str(folder / "model.pt")).output_dimension == 4
    log = tiny / "results/logs/train_cebra/cebra/paper/sim-b/dim4-hidden16-lr0.001-seed0.log"
    assert "iteration 10 loss" in log.read_text()
    assert (
        tiny / "results/benchmarks/train_cebra/cebra/paper/sim-b/dim4-hidden16-lr0.001-seed0.tsv"
    ).exists()
    shuffled = (
        tiny / "results/logs/train_cebra/shuffled_cebra/paper/sim/dim4-hidden16-lr0.001-seed0.log"
    )
    assert "time bins permuted" in shuffled.read_text()


def test_tiny_study_sweeps_saes(tiny):
    sweep = pd.read_parquet(tiny / "results/tables/sae_sweep.parquet")
    assert list(sweep.columns) == list(SAE_SWEEP_SCHEMA.columns)
    for column, (dtype, _) in SAE_SWEEP_SCHEMA.columns.items():
        assert str(sweep[column].dtype) == dtype, column
    # tiny grid per protocol x rat x dim: standard 2 l1 + topk 1 k + jumprelu 2 l1 x 1 bandwidth
    # on the seed-0 embedding (SAE seed 0), plus the selected TopK at SAE seed 1; on the seed-1
    # embedding the selected TopK at both SAE seeds
    grid = sweep[sweep.grid]
    assert len(grid) == 2 * 2 * 5 and (grid.seed == 0).all() and (grid.sae_seed == 0).all()
    # the L1 twins (posthoc.l1_stability): the standard block at the selected expansion trains
    # its 2 penalties at SAE seed 1 too, on the seed-0 embedding, outside the paper's grid
    twins = sweep[(sweep.arch == "standard") & (sweep.sae_seed == 1)]
    assert len(twins) == 2 * 2 * 2 and (twins.seed == 0).all() and not twins.grid.any()
    assert sorted(twins.l1.unique()) == sorted(grid[grid.arch == "standard"].l1.unique())
    assert len(sweep) == 2 * 2 * (5 + 1 + 2) + len(twins)
    per_arch = grid[(grid.protocol == "paper") & (grid.rat == "sim-b")].arch.value_counts()
    assert per_arch.to_dict() == {"standard": 2, "jumprelu": 2, "topk": 1}
    selected = sweep[sweep.arch == "topk"]
    pairs = sorted(zip(selected.seed, selected.sae_seed, strict=True))
    assert pairs == sorted([(0, 0), (0, 1), (1, 0), (1, 1)] * 4)
    assert (sweep.width == 8).all() and (
        sweep.batch_size[sweep.protocol == "seed_code"] == 512
    ).all()
    assert sweep.k.isna().sum() == 16 + len(twins) and sweep.l1.isna().sum() == 16
    topk = sweep[sweep.arch == "topk"]
    assert (topk.l0_train <= 2).all() and (topk.nonzero_ratio_valid <= 2 / 8).all()
    assert sweep.filter(like="nonzero_ratio").le(1).all().all()
    assert sweep.filter(like="dead_fraction").le(1).all().all()
    row = sweep.iloc[0]
    assert row.model_id in list_models(tiny / row.checkpoint)
    spec, weights = load_model(tiny / row.checkpoint, row.model_id)
    assert spec.model_id == row.model_id and weights["encoder.weight"].shape == (8, 4)
    log = tiny / "results/logs/train_sae/paper/sim-b/dim4/seed0/jumprelu-x2.log"
    assert "epoch 2: loss" in log.read_text()


FIGURES = [
    "fig1_cebra_sweep.png",
    "fig2_3_sae_sweep.png",
    *[f"sae_sweep/{p}/{r}-dim4.png" for p in ("paper", "seed_code") for r in ("sim", "sim-b")],
    "fig4_scores.png",
    "fig5_decoding.png",
    "fig6_scores_by_dim.png",
    "nulls.png",
    "other_methods.png",
    "runtime.png",
    "forest.png",
    "stability.png",
    *[f"place_fields/{p}/{r}-dim4.png" for p in ("paper", "seed_code") for r in ("sim", "sim-b")],
    "ground_truth.png",
]


def test_tiny_study_evaluates_post_hoc(tiny, splits):
    posthoc = pd.read_parquet(tiny / "results/tables/posthoc.parquet")
    assert list(posthoc.columns) == list(POSTHOC_SCHEMA.columns)
    # every default null (the registry's, none named in the tiny config) beside CEBRA and the
    # SAEs; protocol x rat x seed x (CEBRA, SAE k=2 x 2 SAE seeds, random SAE x 2, PCA, ICA),
    # and the shuffled-spikes CEBRA (paper, first seed) per rat
    assert set(posthoc.seed) == {0, 1}  # the seeds reach the table
    counts = posthoc.groupby("representation").size().to_dict()
    assert set(counts) == {"cebra", "sae", *default_nulls(), "xcebra", "sae_on_xcebra"}
    known = {"cebra": 8, "sae": 16, "random_sae": 16, "pca": 8, "ica": 8, "shuffled_cebra": 2,
             "xcebra": 4, "sae_on_xcebra": 8}  # fmt: skip
    # xCEBRA: protocol paper (CEBRA fit on the labels) only
    assert {name: counts[name] for name in known} == known
    shuffled = posthoc[posthoc.representation == "shuffled_cebra"]
    assert (shuffled.protocol == "paper").all() and (shuffled.seed == 0).all()
    assert (posthoc.k.dropna() == 2).all() and set(posthoc.sae_seed.dropna()) == {0, 1}
    nulls = posthoc[["neuron_null_mean", "neuron_null_p95", "behavior_null_p95"]]
    assert nulls.notna().all().all()
    assert (posthoc.neuron_null_mean <= posthoc.neuron_null_p95).all()
    split = posthoc.drop_duplicates("protocol").set_index("protocol").score_split
    assert split.to_dict() == {"paper": "valid", "seed_code": "train"}
    own = posthoc.protocol == "paper"
    assert (posthoc.neuron_score[own] == posthoc.neuron_score_paper[own]).all()
    assert (posthoc.neuron_score[~own] == posthoc.neuron_score_seed_code[~own]).all()
    scores = posthoc.filter(like="_score")
    assert scores.notna().all().all() and scores.le(1).all().all()
    cebra = posthoc[posthoc.representation == "cebra"]
    assert (cebra.nonzero_ratio > 0.99).all() and (cebra.width == 4).all()
    sae = posthoc[posthoc.representation.isin(["sae", "random_sae"])]
    assert (sae.nonzero_ratio <= 2 / 8).all() and (sae.width == 8).all()
    with np.load(tiny / "results/posthoc/paper/sim-b/dim4/seed1/latents.npz") as npz:
        sae_id = "topk-x2-lr0.001-k2-seed1"
        assert {"cebra_train", f"{sae_id}_valid", f"random-{sae_id}_valid", "pca_train",
                "ica_valid"} <= set(npz.files)  # fmt: skip
        assert npz[f"{sae_id}_valid"].shape == (splits["sim-b"][1], 8)
    # each number once: CEBRA's decoding is its cebra_sweep row's, an SAE's nonzero ratio
    # its sae_sweep row's (on the protocol's score split)
    cebra_sweep = pd.read_parquet(tiny / "results/tables/cebra_sweep.parquet")
    sae_sweep = pd.read_parquet(tiny / "results/tables/sae_sweep.parquet")
    for row in posthoc.itertuples():
        if row.representation == "cebra":
            swept = cebra_sweep[(cebra_sweep.protocol == row.protocol)
                                & (cebra_sweep.rat == row.rat)
                                & (cebra_sweep.seed == row.seed)]  # fmt: skip
            prefix = "" if row.protocol == "paper" else "seed_code_"
            assert row.pos_r2_valid == swept[f"{prefix}pos_r2_valid"].item()
            assert row.dir_acc_train == swept[f"{prefix}dir_acc_train"].item()
        elif row.representation == "sae":
            swept = sae_sweep[(sae_sweep.protocol == row.protocol) & (sae_sweep.rat == row.rat)
                              & (sae_sweep.seed == row.seed)
                              & (sae_sweep.model_id == row.model_id)]  # fmt: skip
            assert row.nonzero_ratio == swept[f"nonzero_ratio_{row.score_split}"].item()
    pareto = pd.read_parquet(tiny / "results/tables/sae_pareto.parquet")
    assert list(pareto.columns) == list(SAE_PARETO_SCHEMA.columns) and 0 < len(pareto) <= 20
    claims = pd.read_parquet(tiny / "results/tables/claims.parquet")
    assert list(claims.columns) == list(CLAIMS_SCHEMA.columns)
    assert set(claims.claim) == {f"C{i}" for i in range(1, 11)}
    # no classic in the tiny study: C9 says so; C7, C8 and (sim-b's assemblies) C10 are
    # measured, C10 against CEBRA's and xCEBRA's attribution maps
    verdicts = claims[claims.baseline == "claim"].groupby("claim").claim_verdict.first()
    assert verdicts["C9"] == "not testable" and verdicts["C7"] != "not testable"
    c10 = claims[(claims.claim == "C10") & (claims.protocol == "paper")]
    assert set(c10.part) == {"membership_k2_vs_cebra", "membership_k2_vs_xcebra"}
    assert (c10.n_cases == 2).all()  # sim-b x 2 seeds
    assert verdicts["C8"] != "not testable"
    assert set(claims.protocol) == {"paper", "seed_code"}
    own = claims.baseline == "claim"
    claim_verdicts = {"supported", "not supported", "inconclusive", "mixed", "not testable"}
    assert set(claims.claim_verdict[own]) <= claim_verdicts
    assert (claims.claim_verdict[~own] == "").all()  # a null row has only its own verdict
    c3 = claims[(claims.claim == "C3") & (claims.protocol == "paper")]
    assert set(c3.baseline) == {"claim", "random_sae", "pca", "ica", "shift_p95"}
    assert (c3.n_cases == 4).all() and (c3.ci_low <= c3.effect).all()  # rat x dim x seed
    assert (c3.effect <= c3.ci_high).all() and c3.caveat.str.contains("2 rats").all()
    intervals = pd.read_parquet(tiny / "results/tables/intervals.parquet")
    assert list(intervals.columns) == list(INTERVALS_SCHEMA.columns)
    assert set(intervals.representation) == set(posthoc.representation)
    stability = pd.read_parquet(tiny / "results/tables/stability.parquet")
    assert list(stability.columns) == list(STABILITY_SCHEMA.columns)
    cebra_runs = stability[stability.representation == "cebra"]
    assert len(cebra_runs) == 4 and cebra_runs.value.notna().all()  # protocol x rat
    sae_runs = stability[stability.representation == "sae"]
    assert sae_runs.value.between(0, 1).all() and sae_runs.random_value.between(0, 1).all()
    # chance drawn per case (posthoc.chance_draws), live latents only, the paired null
    assert (sae_runs.random_draws == 20).all() and (sae_runs.random_sd > 0).all()
    assert (sae_runs.n_live <= sae_runs.width).all() and sae_runs.paired_value.notna().all()
    assert sae_runs.random_value.nunique() > len(sae_runs) // 2  # each case its own draws
    # per protocol x rat x seed (one dim, one k): matched at 0.7 and 0.9, and the subspace
    topk = sae_runs[sae_runs.arch == "topk"]
    assert len(topk) == 8 * 3 and set(topk.threshold.dropna()) == {0.7, 0.9}
    assert topk.groupby("measure").size().to_dict() == {"matched_share": 16, "subspace": 8}
    # the L1 twins at the TopK's sparsity: the first CEBRA seed only, with their penalty
    l1 = sae_runs[sae_runs.arch == "standard"]
    assert len(l1) == 4 * 3 and (l1.seed == 0).all() and l1.l1.notna().all()
    page = (tiny / "results/report/effect_real.html").read_text()
    assert "Is the effect real?" in page and "<h4>C3. " in page and "time-permuted" in page


def test_tiny_study_says_what_each_latent_means(tiny):
    posthoc = pd.read_parquet(tiny / "results/tables/posthoc.parquet")
    latents = pd.read_parquet(tiny / "results/tables/latents.parquet")
    assert list(latents.columns) == list(LATENTS_SCHEMA.columns)
    # one row per latent of every representation of every case
    per_case = latents.groupby(["protocol", "rat", "dim", "seed", "model_id"]).size()
    widths = posthoc.set_index(["protocol", "rat", "dim", "seed", "model_id"]).width
    pd.testing.assert_series_equal(per_case.sort_index(), widths.sort_index(),
                                   check_names=False)  # fmt: skip
    counted = latents.groupby(["protocol", "rat", "dim", "seed", "model_id"]).place_field_like
    places = posthoc.set_index(["protocol", "rat", "dim", "seed", "model_id"]).place_fields
    assert (counted.sum().sort_index() == places.sort_index()).all()
    assert latents.spatial_information.ge(0).all()
    # simulated rats: every representation's recovery of the true factors (each neuron's own)
    assert posthoc.recovery_hungarian.between(0, 1).all()
    assert (posthoc.recovery_best >= posthoc.recovery_hungarian - 1e-12).all()
    assert set(posthoc.n_factors) == {20, 4}  # sim: one field per neuron; sim-b: assemblies
    # membership against the known answer: sim-b only (sim has no assemblies); each kind
    # where it applies (the inverted Jacobian: CEBRA's and xCEBRA's own dims)
    member = posthoc[posthoc.rat == "sim-b"]
    assert posthoc[posthoc.rat == "sim"].filter(like="membership_auc").isna().all().all()
    assert member.membership_auc_correlation.between(0, 1).all()
    inverse = member.dropna(subset=["membership_auc_inverse"])
    assert set(inverse.representation) == {"cebra", "xcebra"}
    gradient = member.dropna(subset=["membership_auc_gradient"]).representation
    assert set(gradient) == {"cebra", "sae", "random_sae", "xcebra", "sae_on_xcebra"}
    # attribution: CEBRA (xCEBRA) dims and SAE latents, through their own network
    attributed = latents.dropna(subset=["attribution_rank"])
    assert set(attributed.representation) == {"cebra", "sae", "random_sae", "xcebra",
                                              "sae_on_xcebra"}  # fmt: skip
    assert attributed.attribution_rank.between(1, 30).all()
    assert posthoc[posthoc.representation == "pca"].attribution_agreement.isna().all()
    # tuning curves: first CEBRA seed and first SAE seed only, both directions, 40 bins
    curves = pd.read_parquet(tiny / "results/tables/tuning_curves.parquet")
    assert list(curves.columns) == list(TUNING_CURVES_SCHEMA.columns)
    assert set(curves.seed) == {0} and set(curves.sae_seed.dropna()) == {0}
    assert set(curves.direction) == {"right", "left"} and curves.bin.nunique() == 40
    page = (tiny / "results/report/latent_meaning.html").read_text()
    assert "What a latent means" in page and "Simulated recordings" in page
    # every SAE of the grid on a simulated rat: its recovery of the true factors too
    sweep = pd.read_parquet(tiny / "results/tables/sae_sweep.parquet")
    trained = sweep[~sweep.diverged]
    assert trained.recovery_hungarian.between(0, 1).all() and len(trained) > 0


def test_tiny_study_records_where_the_time_went(tiny):
    runtime = pd.read_parquet(tiny / "results/tables/runtime.parquet")
    assert list(runtime.columns) == list(RUNTIME_SCHEMA.columns)
    jobs = runtime.groupby("rule").size()
    # the sweep's fits, the shuffled-spikes nulls and xCEBRA (protocol paper, every seed)
    assert jobs["train_cebra"] == 8 + 2 + 4
    assert jobs["train_sae"] == 12 + 4 and jobs["posthoc"] == 8
    # Snakemake samples memory while a job runs: a job shorter than its first sample (a
    # sub-second table page) records 0, so only the long-running stages must show theirs
    assert (runtime.seconds > 0).all() and (runtime.max_rss_mb >= 0).all()
    heavy = runtime.rule.isin(["train_cebra", "train_sae", "posthoc"])
    assert (runtime.max_rss_mb[heavy] > 0).all()
    assert "cebra/paper/sim-b/dim4-hidden16-lr0.001-seed0" in set(runtime.wildcards)
    assert "shuffled_cebra/paper/sim-b/dim4-hidden16-lr0.001-seed0" in set(runtime.wildcards)
    assert "xcebra/paper/sim-b/dim4-hidden16-lr0.001-seed1" in set(runtime.wildcards)
    # every finished script job says how much of it was start-up (its log's timing line);
    # jobs that ran before the table was written all have one
    scripts = runtime[runtime.rule.isin(["train_cebra", "train_sae", "posthoc", "decode_cebra"])]
    assert scripts.startup_seconds.notna().all() and (scripts.startup_seconds > 0).all()
    assert (scripts.startup_seconds < scripts.seconds).all()


def test_tiny_study_draws_every_figure(tiny):
    from PIL import Image

    from cebra_sae.report.figures import MAX_WIDTH_PX

    for name in FIGURES:
        png = tiny / "results/figures" / name
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 20_000, name
    # every figure fits a laptop screen at 100 % (at most MAX_WIDTH_PX wide), at >= 100 dpi
    for png in (tiny / "results/figures").rglob("*.png"):
        with Image.open(png) as image:
            assert image.width <= MAX_WIDTH_PX, (png.name, image.size)
            assert image.info["dpi"][0] >= 99, (png.name, image.info["dpi"])


@pytest.mark.long  # CI runs it (pytest -m long); the README's command does not
def test_same_config_gives_the_same_tables(tiny, tmp_path, tiny_config):
    run = snakemake(
        "--cores", 2, "--configfile", tiny_config, "--until", "cebra_sweep", "claims",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-5000:]
    for table, timing in (
        ("cebra_sweep", ["train_seconds"]),
        ("sae_sweep", ["block_seconds"]),
        ("posthoc", []),
        ("claims", []),
    ):
        first = pd.read_parquet(tiny / f"results/tables/{table}.parquet")
        second = pd.read_parquet(tmp_path / f"results/tables/{table}.parquet")
        pd.testing.assert_frame_equal(first.drop(columns=timing), second.drop(columns=timing))


@pytest.fixture(scope="module")
def report(tiny, tiny_config):
    """``snakemake --report`` of the tiny study."""
    run = snakemake("--report", "report.html", "--configfile", tiny_config, cwd=tiny)
    assert run.returncode == 0, run.stdout[-5000:]
    assert "(ERROR/" not in run.stdout, run.stdout[-5000:]  # every caption is valid RST
    return tiny / "report.html"


def test_report_holds_every_figure_and_table(report):
    html = report.read_text()
    for name in FIGURES:
        assert name.rsplit("/", 1)[-1] in html, name
    for table in ("data_summary", "cebra_sweep", "sae_sweep", "sae_pareto", "posthoc", "claims",
                  "claims_view", "intervals", "stability", "effect_real", "latents",
                  "latent_meaning"):  # fmt: skip
        assert f"{table}.html" in html, table
    for category in CATEGORIES:
        assert category in html, category


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def test_report_renders_in_a_browser(report, tmp_path):
    """Open report.html in headless Chromium (as a user would) and read the rendered page."""
    browser = require(
        shutil.which("chromium") or shutil.which("chromium-browser"),
        "Chromium (the browser this test opens the report in)",
        "Install it with: apt-get install chromium (Debian's package).",
    )
    run = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=15000", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    dom, raw = run.stdout, report.read_text()
    assert run.returncode == 0, run.stderr[-2000:]
    marker = "<strong>cebra-sae</strong> reruns"  # the study's description, rendered by the app
    assert dom.count(marker) > raw.count(marker)
    # the first screen is what the run found, before the description
    assert "What this run found" in dom and dom.index("What this run found") < dom.index(marker)
    assert "The neuron score" in dom and "[" in dom
    for category in ("Data", "CEBRA", "SAE sweep", "Post-hoc", "Claims"):
        assert category in dom, category
    for name in FIGURES:
        assert name.rsplit("/", 1)[-1] in dom, name


def test_the_latent_explorer_shows_each_latent_a_reader_selects(tiny, tmp_path):
    """The explorer page of a case, opened offline in headless Chromium at two addresses
    that select two latents: each shows that latent's own data."""
    import re

    pages = sorted((tiny / "results/report/explorer").rglob("*.html"))
    assert {p.relative_to(tiny / "results/report/explorer").as_posix() for p in pages} == {
        f"{p}/{r}-dim4.html" for p in ("paper", "seed_code") for r in ("sim", "sim-b")}  # fmt: skip
    page = tiny / "results/report/explorer/paper/sim-b-dim4.html"
    raw = page.read_text()
    assert "http://" not in raw and "https://" not in raw  # offline: no CDN, nothing fetched
    data = json.loads(re.search(r"const D = (.*?);\n", raw, re.S).group(1))
    sae = next(r for r in data["reps"] if r["id"].startswith("topk-"))
    assert {"cebra", "xcebra"} <= {r["id"] for r in data["reps"]}
    browser = require(
        shutil.which("chromium") or shutil.which("chromium-browser"),
        "Chromium (the browser this test opens the explorer in)",
        "Install it with: apt-get install chromium (Debian's package).",
    )
    shown = {}
    for latent in (sae["latents"][0], sae["latents"][-1]):
        address = f"{page.as_uri()}#rep={sae['id']}&latent={latent['i']}"
        run = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=10000", "--dump-dom", address],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        dom = run.stdout
        assert f'data-latent="{latent["i"]}"' in dom and f'data-rep="{sae["id"]}"' in dom
        assert f"{sae['label']}, latent {latent['i']}</b>" in dom
        top = latent["top"][0][0]  # its best-|r| neuron, with its place field drawn
        assert f"neuron {top}</td>" in dom and dom.count("<svg") >= 4
        assert "SAE seed 1" in dom  # its match across SAE seeds
        shown[latent["i"]] = dom
    first, last = shown.values()
    assert first != last


def test_rerun_has_nothing_to_do(tiny, tiny_config):
    run = snakemake("-n", "--configfile", tiny_config, cwd=tiny)
    assert run.returncode == 0
    assert "Nothing to be done" in run.stdout


def _restore_ctrl_c():
    """In the child: Ctrl-C's default action. A test run started in the background by a
    shell without job control (``cmd &``, ``nohup``) inherits SIGINT ignored, and Python
    then leaves it ignored: the Ctrl-C the tests send would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path, args):
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", "1",
               *map(str, args)]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            preexec_fn=_restore_ctrl_c)  # fmt: skip


def _read_until(process, output, done):
    """Read the run's output lines into ``output`` until ``done(output)``."""
    for line in process.stdout:
        output.append(line)
        if done(output):
            return True
    return False


def _started(output, rule):
    return sum(line.rstrip().endswith(f"rule {rule}:") for line in output)


def _job_log(output, rule, n):
    """The log file of the ``n``-th job of ``rule`` started in ``output``, once printed."""
    seen = 0
    for i, line in enumerate(output):
        if line.rstrip().endswith(f"rule {rule}:"):
            seen += 1
            if seen == n:
                for later in output[i + 1 :]:
                    if later.strip().startswith("log: "):
                        return later.split("log: ", 1)[1].split()[0]
                    if later.rstrip().endswith(":") and later.startswith(("rule", "local")):
                        return None
    return None


def _wait_for_line(path, text, limit=600):
    """Wait until ``path`` holds ``text`` (a line the job writes itself); ``limit`` only
    bounds a hung job, it is not a speed assumption."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.long  # CI runs it (pytest -m long); the README's command does not
def test_ctrl_c_inside_a_job_resumes_with_only_the_missing_jobs(tiny, tmp_path, tiny_config):
    """Ctrl-C while a CEBRA fit runs, rerun the same command (no extra flag): only what was
    missing runs, the interrupted job included, and the tables equal an uninterrupted run's."""
    args = ["--configfile", tiny_config]
    plan = job_counts(snakemake("-n", *args, cwd=tmp_path).stdout)
    planned = plan["total"]
    first = _start(tmp_path, args)
    output = []
    assert _read_until(first, output, lambda out: _job_log(out, "train_cebra", 3) is not None)
    # the third fit's own first log line says the job is running its script: interrupt then
    job_log = tmp_path / _job_log(output, "train_cebra", 3)
    assert _wait_for_line(job_log, "train_cebra "), job_log
    first.send_signal(signal.SIGINT)  # what Ctrl-C sends
    output.append(first.communicate(timeout=600)[0])
    interrupted = "".join(output)
    finished = interrupted.count("Finished jobid")
    fits_done = interrupted.count("(Rule: train_cebra)")
    assert first.returncode != 0 and "Terminating processes on user request" in interrupted
    # what finished before the interrupt is kept, whatever the machine's speed let finish
    assert 2 <= fits_done < plan["train_cebra"] and 0 < finished < planned, interrupted[-3000:]

    rerun = snakemake("--cores", 2, *args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stdout[-5000:]
    assert "Using workflow specific profile" in rerun.stdout
    assert "IncompleteFilesException" not in rerun.stdout
    counts = job_counts(rerun.stdout)
    assert counts["total"] == planned - finished
    assert counts["train_cebra"] == plan["train_cebra"] - fits_done
    for table, timing in (
        ("cebra_sweep", ["train_seconds"]),
        ("sae_sweep", ["block_seconds"]),
        ("posthoc", []),
        ("claims", []),
    ):
        resumed = pd.read_parquet(tmp_path / f"results/tables/{table}.parquet").drop(columns=timing)
        whole = pd.read_parquet(tiny / f"results/tables/{table}.parquet").drop(columns=timing)
        pd.testing.assert_frame_equal(resumed, whole)


@pytest.mark.long  # CI runs it (pytest -m long); the README's command does not
def test_a_second_run_beside_a_running_one_is_refused_with_the_lock_message(tmp_path, tiny_config):
    args = ["--configfile", tiny_config]
    first = _start(tmp_path, args)
    output = []
    try:
        assert _read_until(first, output, lambda out: _started(out, "train_cebra") == 1)
        second = snakemake("--cores", 1, *args, cwd=tmp_path)
        assert second.returncode != 0
        assert "Directory cannot be locked" in second.stdout, second.stdout[-3000:]
        assert "IncompleteFilesException" not in second.stdout
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=600)

import joblib
import numpy as np
import pandas as pd
import pytest

from cebra_sae.measures.decoding import (
    DECODING_METRICS,
    decode_fit_on_train,
    decode_in_sample,
    decode_split_in_sample,
    not_testable,
)
from cebra_sae.protocols import decode, decode_all


def _labels(position, right):
    right = np.asarray(right, dtype=float)
    return np.column_stack([position, right, 1 - right])


@pytest.fixture(scope="module")
def known():
    """Embeddings that hold the answer (position, direction) in two of their columns."""
    rng = np.random.default_rng(1)
    position = rng.uniform(0, 1.6, 600)
    right = rng.integers(0, 2, 600)
    z = np.column_stack([position, 2 * right - 1, rng.normal(size=(600, 3))])
    return z, _labels(position, right)


def test_paper_decoding_recovers_a_perfect_code(known):
    z, labels = known
    scores = decode_fit_on_train(z[:480], labels[:480], z[480:], labels[480:])
    assert scores["pos_r2_valid"] == pytest.approx(1.0, abs=1e-6)
    assert scores["pos_r2_train"] == pytest.approx(1.0, abs=1e-6)
    assert scores["dir_acc_valid"] == 1.0 and scores["dir_acc_train"] == 1.0


def test_paper_decoding_of_noise_is_chance(known):
    _, labels = known
    noise = np.random.default_rng(2).normal(size=(600, 4))
    scores = decode_fit_on_train(noise[:480], labels[:480], noise[480:], labels[480:])
    assert scores["pos_r2_valid"] < 0.05
    assert 0.35 < scores["dir_acc_valid"] < 0.65


def test_paper_decoder_is_fit_on_train_only(known):
    """Validation rows whose relation to position is flipped score badly (no refit)."""
    z, labels = known
    z_valid = z[480:].copy()
    z_valid[:, 0] = 1.6 - z_valid[:, 0]
    scores = decode_fit_on_train(z[:480], labels[:480], z_valid, labels[480:])
    assert scores["pos_r2_valid"] < 0
    in_sample, _ = decode_split_in_sample(z_valid, labels[480:])
    assert in_sample == pytest.approx(1.0, abs=1e-6)  # seed_code refits: still perfect


def test_both_decodings_report_the_same_keys_and_nan_for_one_direction(known):
    """A split that runs one way only (or too few bins of a direction) cannot test direction
    decoding: NaN with a reason, never a number (every representation would score 1.0)."""
    z, labels = known
    in_sample = decode_in_sample(z[:480], labels[:480], z[480:], labels[480:])
    fit_on_train = decode_fit_on_train(z[:480], labels[:480], z[480:], labels[480:])
    assert list(in_sample) == list(fit_on_train) == list(DECODING_METRICS)
    one_way = _labels(np.linspace(0, 1, 50), np.ones(50))
    pos_r2, dir_acc = decode_split_in_sample(z[:50], one_way)
    assert np.isfinite(pos_r2) and np.isnan(dir_acc)
    paper = decode_fit_on_train(z[:480], labels[:480], z[480:], _labels(z[480:, 0], np.ones(120)))
    assert np.isnan(paper["dir_acc_valid"]) and paper["dir_acc_train"] == 1.0
    assert np.isfinite(paper["pos_r2_valid"])
    seed_code = decode_in_sample(z[:480], labels[:480], z[480:], _labels(z[480:, 0], np.ones(120)))
    assert np.isnan(seed_code["dir_acc_valid"]) and seed_code["dir_acc_train"] == 1.0
    assert not_testable(labels[:480], _labels(z[480:, 0], np.ones(120))) == (
        "dir_acc_valid: the validation split has 120 right and 0 left bins (each direction "
        "needs >= 20)"
    )
    few_left = _labels(z[:480, 0], np.r_[np.zeros(19), np.ones(461)])  # 19 < MIN_DIRECTION_BINS
    paper = decode_fit_on_train(z[:480], few_left, z[480:], labels[480:])
    assert np.isnan(paper["dir_acc_train"]) and np.isnan(paper["dir_acc_valid"])
    assert not_testable(few_left, labels[480:]).startswith(
        "dir_acc_train, and dir_acc_valid of a decoder fit on train: the train split has 461 "
        "right and 19 left bins"
    )


def test_seed_code_decoding_matches_the_published_buddy_values(data_dir, reference_dir):
    """The published code's own numbers for its own buddy embeddings (golden table)."""
    golden = pd.read_csv(reference_dir / "seed_code_values.csv")
    golden = golden[golden.model == "cebra"]
    labels = joblib.load(data_dir / "rat_hippocampus" / "buddy.jl")["position"]
    embeddings = np.load(reference_dir / "embeddings.npz")
    assert len(golden) == 4
    for row in golden.itertuples():
        z_train, z_valid = embeddings[f"dim{row.dim}_train"], embeddings[f"dim{row.dim}_valid"]
        scores = decode("seed_code", z_train, labels[:5261], z_valid, labels[5261:])
        assert scores["pos_r2_train"] == pytest.approx(row.r2_train, abs=1e-4)
        assert scores["pos_r2_valid"] == pytest.approx(row.r2_valid, abs=1e-4)
        # direction accuracy may differ by one sample with float precision (reference README)
        assert scores["dir_acc_train"] == pytest.approx(row.acc_train, abs=1.5 / 5261)
        assert scores["dir_acc_valid"] == pytest.approx(row.acc_valid, abs=1.5 / 1316)


def test_decoding_under_a_protocol_is_the_protocols_own(known):
    z, labels = known
    args = (z[:480], labels[:480], z[480:], labels[480:])
    assert decode("paper", *args) == decode_fit_on_train(*args)
    assert decode("seed_code", *args) == decode_in_sample(*args)
    options = {"ridge_alphas": [1e6], "logistic_max_iter": 1000, "ridge_classifier_alpha": 1.0}
    assert decode("paper", *args, options)["pos_r2_valid"] < 0.5  # the config's alphas apply
    every = decode_all(*args)
    assert every["pos_r2_valid"] == decode("paper", *args)["pos_r2_valid"]
    assert every["seed_code_dir_acc_train"] == decode("seed_code", *args)["dir_acc_train"]
    assert len(every) == 2 * len(DECODING_METRICS)

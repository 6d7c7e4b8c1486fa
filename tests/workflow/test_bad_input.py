"""Bad input stops with one clear message, before any job, and leaves nothing touched."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import job_counts, snakemake

pytestmark = pytest.mark.workflow


def _run(tmp_path, config, *args, dry=True):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    flags = ["-n"] if dry else ["--cores", 1]
    return snakemake(*flags, "--configfile", path, *args, cwd=tmp_path)


SIM = {"sim": {"source": "synthetic"}}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"rats": SIM, "protocol": "paper"}, "(top level): unknown key 'protocol'"),
        ({"rats": SIM, "cebra": {"lrate": [0.1]}}, "cebra: unknown key 'lrate'"),
        (
            {"rats": SIM, "cebra": {"max_iterations": 0}},
            "cebra.max_iterations: 0 is less than the minimum of 1",
        ),
        ({"rats": SIM, "protocols": ["papr"]}, "protocols.0: 'papr' is not one of"),
        ({"rats": {"x": {"source": "file"}}}, "rats.x: 'path' is a required property"),
        (
            {"rats": SIM, "cebra": {"output_dimension": [4.0]}},
            "cebra.output_dimension.0: 4.0 is not of type 'integer' (write whole numbers",
        ),
        ({"rats": SIM, "sae": {"epochs": 2.0}}, "sae.epochs: 2.0 is not of type 'integer'"),
    ],
)
def test_config_errors_name_the_key(tmp_path, config, expected):
    run = _run(tmp_path, config)
    assert run.returncode != 0
    assert expected in run.stdout
    assert "Traceback" not in run.stdout and 'File "' not in run.stdout
    assert not (tmp_path / "results").exists()


def test_config_errors_list_only_the_files_in_force(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"rats": SIM}))
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump({"rats": SIM, "cebra": {"max_iterations": 0}}))
    run = snakemake("-n", "--configfile", mine, "--replace-workflow-config", cwd=tmp_path)
    assert run.returncode != 0
    assert "Invalid config (mine.yaml):" in run.stdout  # as given, not Snakemake's absolute path
    assert 'File "' not in run.stdout and "Traceback" not in run.stdout
    merged = snakemake("-n", "--configfile", mine, cwd=tmp_path)
    assert "Invalid config (config.yaml, " in merged.stdout  # merged: both are in force


def test_a_yaml_error_is_located_by_check_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rats:\n  sim: {source: synthetic\ncebra:\n  max_iterations: 3\n")
    run = snakemake("-n", "--configfile", bad, cwd=tmp_path)
    assert run.returncode != 0 and "not valid JSON or YAML" in run.stdout  # Snakemake's words
    check = subprocess.run(
        [sys.executable, "-m", "cebra_sae.cli", "check-config", str(bad)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 1
    # named relative to the working directory, where it is inside it
    assert check.stdout.startswith("bad.yaml:3:6: not valid YAML: expected ',' or '}'")
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"rats": SIM}))
    check = subprocess.run([sys.executable, "-m", "cebra_sae.cli", "check-config", str(good)],
                           cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0 and check.stdout.startswith("OK:")


def test_k_at_least_the_width_is_trained_and_said(tmp_path):
    config = {"rats": SIM, "cebra": {"output_dimension": [4]},
              "sae": {"expansion": [2], "k": [4, 64]},
              "posthoc": {"selection": {"expansion": 2, "k": [4]}}}  # fmt: skip
    run = _run(tmp_path, config)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "Note: TopK with k >= width keeps every latent (no sparsity): k 64 on dim 4 x2 " in (
        run.stdout
    )
    assert "k 4 on" not in run.stdout


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="this machine has a GPU: cuda is valid"
)
@pytest.mark.parametrize("key", ["cebra", "sae"])
def test_cuda_without_a_gpu_stops_before_any_job_and_touches_nothing(tmp_path, key):
    config = {"rats": {"sim": {"source": "synthetic", "n_laps": 2}}}
    first = _run(tmp_path, config, "--until", "simulate_recording", dry=False)
    assert first.returncode == 0, first.stdout[-3000:]
    prepared = tmp_path / "results/data/sim.npz"
    before = prepared.stat().st_mtime_ns
    run = _run(tmp_path, {**config, key: {"device": "cuda"}}, dry=False)
    assert run.returncode != 0
    assert f"Config error: {key}.device: cuda was requested but torch sees no GPU" in run.stdout
    assert f"Fix: set {key}.device: auto (or cpu)" in run.stdout
    assert "Traceback" not in run.stdout and "rule train_cebra" not in run.stdout
    assert prepared.stat().st_mtime_ns == before
    assert not (tmp_path / "results/cebra").exists()


def test_missing_recording_offline_says_file_folder_and_fix(tmp_path):
    data_dir = tmp_path / "data"  # a data folder without gatsby.jl
    run = _run(
        tmp_path,
        {"rats": {"gatsby": {"source": "cebra"}}, "download": False, "data_dir": str(data_dir)},
    )
    assert run.returncode != 0
    expected = (
        f"Recording 'gatsby' is missing: expected the file "
        f"{data_dir}/rat_hippocampus/gatsby.jl in the data folder data_dir='{data_dir}'"
    )
    assert expected in run.stdout
    assert "Fix: point data_dir at the folder" in run.stdout


def test_unknown_cebra_rat_and_missing_user_file(tmp_path):
    run = _run(tmp_path, {"rats": {"hobbes": {"source": "cebra"}}})
    assert run.returncode != 0
    assert "rats.hobbes: source 'cebra' only ships achilles, buddy, cicero, gatsby" in run.stdout
    run = _run(tmp_path, {"rats": {"mine": {"source": "file", "path": "nope.npz"}}})
    assert run.returncode != 0
    assert "rats.mine.path: the file nope.npz does not exist" in run.stdout


@pytest.mark.parametrize(
    ("arrays", "expected"),
    [
        (
            {"spikes": np.full((100, 3), np.nan), "position": np.zeros((100, 3))},
            "'spikes' has 300 NaN/inf values (first at bin 0)",
        ),
        (
            {"spikes": np.zeros((100, 3)), "position": np.zeros((100, 2))},
            "'position' must be T x 3 = [position, right, left], got shape (100, 2)",
        ),
    ],
)
def test_bad_user_file_stops_before_any_job(tmp_path, arrays, expected):
    recording = tmp_path / "mine.npz"
    np.savez(recording, **arrays)
    config = {"rats": {"mine": {"source": "file", "path": str(recording)}}}
    run = _run(tmp_path, config, "--until", "prepare_recording", dry=False)
    assert run.returncode != 0
    assert f"Config error: recording file {recording}: {expected}" in run.stdout
    assert "Traceback" not in run.stdout and not (tmp_path / "results").exists()


def _prepare_then_break(tmp_path, config, break_it):
    """Prepare a good recording, break its source file, rerun: stops, prepared file kept."""
    first = _run(tmp_path, config, "--until", "prepare_recording", dry=False)
    assert first.returncode == 0, first.stdout[-3000:]
    prepared = next((tmp_path / "results/data").glob("*.npz"))
    before = prepared.read_bytes()
    break_it()
    run = _run(tmp_path, config, "--until", "prepare_recording", "--forceall", dry=False)
    assert run.returncode != 0
    assert prepared.read_bytes() == before  # what was fine is not destroyed
    assert "Traceback" not in run.stdout
    return run


def test_a_text_file_named_npz_says_it_is_not_an_npz(tmp_path):
    recording = tmp_path / "mine.npz"
    rng = np.random.default_rng(0)
    position = np.abs(np.sin(np.linspace(0, 30, 1500))) * 1.6
    right = (np.gradient(position) > 0).astype(float)
    np.savez(recording, spikes=rng.poisson(1.0, size=(1500, 6)),
             position=np.column_stack([position, right, 1 - right]))  # fmt: skip
    config = {"rats": {"mine": {"source": "file", "path": str(recording)}}}
    run = _prepare_then_break(tmp_path, config, lambda: recording.write_text("spikes,position\n"))
    assert f"Config error: Recording file {recording} is not an npz file, or a truncated one" in (
        run.stdout
    )
    assert "pickled" not in run.stdout


def test_a_truncated_cebra_file_says_so(tmp_path, data_dir):
    folder = tmp_path / "data" / "rat_hippocampus"
    folder.mkdir(parents=True)
    shutil.copy(data_dir / "rat_hippocampus" / "buddy.jl", folder / "buddy.jl")
    config = {"rats": {"buddy": {"source": "cebra"}}, "download": False,
              "data_dir": str(tmp_path / "data")}  # fmt: skip

    def truncate():
        data = (folder / "buddy.jl").read_bytes()
        (folder / "buddy.jl").write_bytes(data[: len(data) // 2])

    run = _prepare_then_break(tmp_path, config, truncate)
    assert f"Recording file {folder / 'buddy.jl'} is damaged (truncated or corrupt): its md5" in (
        run.stdout
    )
    assert "CEBRA's file for 'buddy' has md5 36341322907708c466871bf04bc133c2" in run.stdout
    assert "is missing" not in run.stdout


def test_data_that_gives_little_is_warned_about(tmp_path):
    config = {"rats": {"one": {"source": "synthetic", "n_neurons": 1, "n_laps": 2}}}
    run = _run(tmp_path, config, "--until", "data_summary", dry=False)
    assert run.returncode == 0, run.stdout[-3000:]
    few_neurons = "WARNING: one: 1 neuron, fewer than posthoc.top_neurons = 10: each latent's"
    few_bins = "fewer than 1000; decoding and scores will be noisy."  # 2 laps: about 670 bins
    assert few_neurons in run.stdout and few_bins in run.stdout
    assert few_neurons in (tmp_path / "results/logs/data_summary.log").read_text()
    assert "fewer than 1000" in (tmp_path / "results/logs/simulate_recording/one.log").read_text()
    summary = pd.read_parquet(tmp_path / "results/tables/data_summary.parquet").iloc[0]
    assert "1 neuron, fewer than" in summary.warnings and "bins" in summary.warnings
    # a post-hoc setting changes the warning, never the prepared recording
    rerun = _run(tmp_path, {**config, "posthoc": {"top_neurons": 1}}, "--until", "data_summary",
                 dry=False)  # fmt: skip
    assert rerun.returncode == 0 and "simulate_recording" not in job_counts(rerun.stdout)


# ---- bad input that used to get through (issue 18) ------------------------


def _file_recording(path, n_bins, right=None, left=None):
    rng = np.random.default_rng(0)
    position = np.abs(np.sin(np.linspace(0, 30, n_bins))) * 1.6
    if right is None:
        right = (np.gradient(position) > 0).astype(float)
        left = 1 - right
    labels = np.column_stack([position, np.broadcast_to(right, n_bins),
                              np.broadcast_to(left, n_bins)])  # fmt: skip
    np.savez(path, spikes=rng.poisson(1.0, size=(n_bins, 6)), position=labels)


@pytest.mark.parametrize(
    ("value", "shown"), [(1.0, "right=1, left=1"), (0.5, "right=0.5, left=0.5")]
)
def test_direction_labels_that_are_not_one_hot_stop_before_any_job(tmp_path, value, shown):
    recording = tmp_path / "mine.npz"
    _file_recording(recording, 1500, right=value, left=value)
    run = _run(tmp_path, {"rats": {"mine": {"source": "file", "path": str(recording)}}})
    assert run.returncode != 0
    assert (
        f"Config error: recording file {recording}: the direction columns of 'position' (right, "
        "left) must be one-hot (one is 1, the other 0, in every bin); 1500 of 1500 bins are not "
        f"(first at bin 0: {shown}). Fix: set right = 1 in the bins where the animal runs"
    ) in run.stdout
    assert "Traceback" not in run.stdout and not (tmp_path / "results").exists()


def test_a_recording_too_short_for_cebra_stops_and_keeps_what_was_prepared(tmp_path):
    recording = tmp_path / "mine.npz"
    _file_recording(recording, 1500)
    config = {"rats": {"mine": {"source": "file", "path": str(recording)}}}
    run = _prepare_then_break(tmp_path, config, lambda: _file_recording(recording, 30))
    assert (
        "Config error: rats.mine: the recording has 30 bins, too few for the later stages, "
        "which need at least 46: split.train_fraction 0.8 splits it into 24 train and 6 "
        "validation bins, and CEBRA's offset10-model reads 10 bins at a time"
    ) in run.stdout
    assert f"Fix: use a longer recording than {recording} (at least 46 bins)" in run.stdout


def test_a_data_dir_that_is_a_file_stops_before_any_job(tmp_path):
    (tmp_path / "data.txt").write_text("not a folder\n")
    config = {"rats": {"buddy": {"source": "cebra"}}, "data_dir": "data.txt", "download": True}
    run = _run(tmp_path, config)
    assert run.returncode != 0
    assert (
        "Config error: data_dir: data.txt is a file, not a folder; CEBRA's recordings are read "
        "from (and downloaded to) data.txt/rat_hippocampus/{rat}.jl. Fix: set data_dir to a "
        "folder"
    ) in run.stdout
    assert "NotADirectoryError" not in run.stdout and "Traceback" not in run.stdout


def test_learning_rates_that_read_the_same_in_paths_stop_before_any_job(tmp_path):
    config = {"rats": SIM, "cebra": {"learning_rate": [0.001, 0.00100000001]}}
    run = _run(tmp_path, config)
    assert run.returncode != 0
    assert (
        "Config error: cebra.learning_rate: 0.001 and 0.00100000001 are both written '0.001' in "
        "result paths and model ids"
    ) in run.stdout
    assert "Fix: keep one of them" in run.stdout and not (tmp_path / "results").exists()


def test_an_nwb_rat_is_read_before_any_job(tmp_path):
    pytest.importorskip("pynwb")
    pytest.importorskip("pynapple")
    from cebra_sae.data.nwb import write_nwb

    t = np.arange(0, 120, 1 / 60)
    s = np.abs(np.sin(2 * np.pi * t / 16))  # back and forth along a diagonal track
    xy = np.column_stack([100 + 300 * s, 400 - 200 * s])
    spikes = [np.sort(np.random.default_rng(u).uniform(0, 120, 600)) for u in range(4)]
    write_nwb(tmp_path / "track.nwb", spikes, xy, t)
    config = {"rats": {"lt": {"source": "nwb", "path": "track.nwb"}}}
    run = _run(tmp_path, config, "--until", "prepare_recording")
    assert run.returncode == 0, run.stdout[-3000:]
    assert job_counts(run.stdout).get("prepare_recording") == 1
    angle = 2 * np.pi * t / 20  # laps around a circle: not a line
    write_nwb(tmp_path / "circle.nwb", spikes, 200 + 100 * np.column_stack(
        [np.cos(angle), np.sin(angle)]), t)  # fmt: skip
    run = _run(tmp_path, {"rats": {"lt": {"source": "nwb", "path": "circle.nwb"}}})
    assert run.returncode != 0
    assert (
        "Config error: rats.lt: NWB file circle.nwb: the running path of 'led' is not a line: "
        "its first principal axis carries only"
    ) in run.stdout
    assert "Traceback" not in run.stdout and not (tmp_path / "results").exists()

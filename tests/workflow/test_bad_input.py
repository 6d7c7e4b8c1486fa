"""Bad input stops with one clear message and leaves nothing half-written."""

import numpy as np
import pytest
import yaml
from conftest import snakemake

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
    ],
)
def test_config_errors_name_the_key(tmp_path, config, expected):
    run = _run(tmp_path, config)
    assert run.returncode != 0
    assert expected in run.stdout
    assert "Traceback" not in run.stdout
    assert not (tmp_path / "results").exists()


def test_missing_recording_offline_says_file_folder_and_fix(tmp_path, data_dir):
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
def test_bad_user_file_fails_cleanly_without_outputs(tmp_path, arrays, expected):
    recording = tmp_path / "mine.npz"
    np.savez(recording, **arrays)
    run = _run(
        tmp_path,
        {"rats": {"mine": {"source": "file", "path": str(recording)}}},
        "--until",
        "prepare_recording",
        dry=False,
    )
    assert run.returncode != 0
    assert f"ERROR: recording file {recording}: {expected}" in run.stdout
    log = (tmp_path / "results/logs/prepare_recording/mine.log").read_text()
    assert expected in log and "Traceback" not in log
    assert not list((tmp_path / "results/data").glob("mine*"))

"""The checks the workflow runs before any job, as library functions (no Snakemake)."""

import copy
from pathlib import Path

import pytest

import cebra_sae.checks as checks
from cebra_sae.config import configfiles_in_force, defaults
from cebra_sae.errors import StudyError


@pytest.fixture
def config():
    """The schema's defaults with one simulated rat: what the workflow checks after
    validating a minimal config."""
    config = copy.deepcopy(defaults())
    config["rats"] = {"sim": {"source": "synthetic", "seed": 1}}
    return config


def test_a_valid_config_passes_with_the_dense_topk_note(config):
    notes = checks.check_study(config, deep=True)
    assert len(notes) == 1 and notes[0].startswith("Note: TopK with k >= width keeps every")
    assert "k 16 on dim 8 x2 (width 16)" in notes[0]


def test_no_note_when_no_k_reaches_the_width(config):
    config["sae"]["k"] = [2]
    assert checks.dense_topk_note(config) is None
    config["sae"]["k"], config["sae"]["architectures"] = [64], ["standard"]
    assert checks.dense_topk_note(config) is None  # no architecture with a k


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("arch", "batchtopk", "posthoc.selection.arch: batchtopk is not in sae.architectures"),
        ("expansion", 16, "posthoc.selection.expansion: 16 is not in sae.expansion [2, 4, 8]"),
        ("learning_rate", 0.01, "posthoc.selection.learning_rate: 0.01 is not in"),
        ("k", [8, 12], "posthoc.selection.k: [12] not in sae.k [8, 16, 32]"),
    ],
)
def test_a_selection_outside_the_sweep_is_refused_naming_the_key(config, key, value, message):
    config["posthoc"]["selection"][key] = value
    with pytest.raises(StudyError) as err:
        checks.check_study(config)
    assert str(err.value).startswith(message) and "Fix:" in str(err.value)


def test_a_key_the_rat_s_source_does_not_take_is_refused(config):
    config["rats"]["sim"]["path"] = "x.npz"
    with pytest.raises(StudyError, match=r"rats.sim.path: 'path' is only used with 'source: file'"):
        checks.check_rats(config)
    config["rats"] = {"buddy": {"source": "cebra", "n_neurons": 5}}
    with pytest.raises(StudyError, match=r"rats.buddy.n_neurons: .* 'source: synthetic'"):
        checks.check_rats(config)


def test_a_missing_user_file_is_refused_naming_it(config, tmp_path):
    config["rats"] = {"mine": {"source": "file", "path": str(tmp_path / "none.npz")}}
    with pytest.raises(StudyError, match=r"rats.mine.path: the file .*none.npz does not exist"):
        checks.check_rats(config)


def test_attribution_without_its_packages_is_refused_unless_conda(config, monkeypatch):
    monkeypatch.setattr(checks, "missing_packages", lambda: ["cvxpy"])
    with pytest.raises(StudyError, match=r"posthoc.attribution is true but \['cvxpy'\]"):
        checks.check_attribution(config)
    checks.check_attribution(config, conda=True)  # envs/cebra.yaml brings it
    config["posthoc"]["attribution"] = False
    checks.check_attribution(config)


def test_cuda_without_a_gpu_names_the_key(config, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    checks.check_devices(config)  # auto: fine anywhere
    config["sae"]["device"] = "cuda"
    with pytest.raises(StudyError, match="sae.device: cuda was requested but torch sees no GPU"):
        checks.check_devices(config)


def test_the_config_files_in_force_are_named_in_merge_order(tmp_path):
    own, mine = tmp_path / "config.yaml", tmp_path / "mine.yaml"
    assert configfiles_in_force([mine], False, [own]) == [own, mine]
    assert configfiles_in_force([mine], True, [own]) == [mine]
    assert configfiles_in_force([own], False, [own]) == [own]  # given twice, named once
    assert configfiles_in_force([], True, [own]) == [own]


def test_the_config_files_are_named_as_the_user_named_them(tmp_path, monkeypatch):
    """Snakemake hands --configfile on absolute: the report's Run line and the errors show
    it relative to the working directory when it is inside it."""
    monkeypatch.chdir(tmp_path)
    inside, outside = tmp_path / "config" / "mine.yaml", Path("/elsewhere/mine.yaml")
    assert configfiles_in_force([inside], True, []) == [Path("config/mine.yaml")]
    assert configfiles_in_force([outside], True, []) == [outside]
    assert configfiles_in_force([inside], False, [tmp_path / "config.yaml"]) == [
        Path("config.yaml"), Path("config/mine.yaml")]  # fmt: skip


# ---- bad input that used to get through (issue 18) ------------------------


def _npz(path, n_bins, direction=None):
    import numpy as np

    right = (np.arange(n_bins) // 10 % 2).astype(float) if direction is None else direction
    labels = np.column_stack([np.linspace(0, 1.6, n_bins), right, 1 - right])
    np.savez(path, spikes=np.ones((n_bins, 3)), position=labels)
    return path


@pytest.mark.parametrize(
    ("right", "left", "shown"), [(1.0, 1.0, "right=1, left=1"), (0.5, 0.5, "right=0.5, left=0.5")]
)
def test_direction_labels_that_are_not_one_hot_are_refused(config, tmp_path, right, left, shown):
    import numpy as np

    labels = np.column_stack([np.linspace(0, 1.6, 60), np.full(60, right), np.full(60, left)])
    path = tmp_path / "mine.npz"
    np.savez(path, spikes=np.ones((60, 3)), position=labels)
    config["rats"] = {"mine": {"source": "file", "path": str(path)}}
    with pytest.raises(StudyError) as err:
        checks.check_rats(config)
    message = str(err.value)
    assert message.startswith(f"recording file {path}: the direction columns of 'position' "
                              "(right, left) must be one-hot")  # fmt: skip
    assert f"60 of 60 bins are not (first at bin 0: {shown})" in message
    assert "Fix: set right = 1 in the bins where the animal runs" in message


def test_the_start_up_check_knows_what_cebra_needs(config, tmp_path):
    assert checks.min_recording_bins(config) == 46  # 36 train + 10 validation bins
    config["rats"] = {"mine": {"source": "file", "path": str(_npz(tmp_path / "a.npz", 45))}}
    with pytest.raises(StudyError) as err:
        checks.check_rats(config)
    assert str(err.value) == (
        "rats.mine: the recording has 45 bins, too few for the later stages, which need at "
        "least 46: split.train_fraction 0.8 splits it into 36 train and 9 validation bins, and "
        "CEBRA's offset10-model reads 10 bins at a time, so each split needs at least 10. Fix: "
        f"use a longer recording than {tmp_path / 'a.npz'} (at least 46 bins), or change "
        "split.train_fraction."
    )
    config["rats"]["mine"]["path"] = str(_npz(tmp_path / "b.npz", 46))
    checks.check_rats(config)
    config["split"]["train_fraction"] = 0.5
    config["cebra"]["model_architecture"] = "offset5-model"
    assert checks.min_recording_bins(config) == 10


def test_a_data_dir_that_is_a_file_is_refused(config, tmp_path):
    (tmp_path / "data.txt").write_text("x")
    config.update(rats={"buddy": {"source": "cebra"}}, download=True,
                  data_dir=str(tmp_path / "data.txt"))  # fmt: skip
    with pytest.raises(StudyError) as err:
        checks.check_rats(config)
    assert str(err.value).startswith(f"data_dir: {tmp_path / 'data.txt'} is a file, not a folder")
    assert "Fix: set data_dir to a folder (created if missing)" in str(err.value)


@pytest.mark.parametrize(("key", "values"), [(("cebra", "learning_rate"), [0.001, 0.00100000001]),
                                             (("sae", "l1"), [1e-4, 0.0001000000001])])  # fmt: skip
def test_values_that_read_the_same_in_paths_are_refused(config, key, values):
    config[key[0]][key[1]] = values
    with pytest.raises(StudyError) as err:
        checks.check_study(config, deep=False)
    first, second = values
    assert str(err.value).startswith(
        f"{key[0]}.{key[1]}: {first!r} and {second!r} are both written "
        f"'{checks.path_text(first)}' in result paths"
    )
    assert "Fix: keep one of them" in str(err.value)


def test_a_short_nwb_recording_says_how_to_keep_more_bins(config, tmp_path):
    pytest.importorskip("pynwb")
    pytest.importorskip("pynapple")
    import numpy as np

    from cebra_sae.data.nwb import write_nwb

    t = np.arange(0, 30, 1 / 60)
    x = np.where(t < 0.5, 200 * t, 100.0)  # runs for 0.5 s (20 bins), then sits still
    xy = np.column_stack([x, 0.5 * x]) + np.random.default_rng(0).normal(0, 0.01, (len(t), 2))
    spikes = [np.sort(np.random.default_rng(u).uniform(0, 30, 100)) for u in range(3)]
    path = write_nwb(tmp_path / "short.nwb", spikes, xy, t)
    config["rats"] = {"lt": {"source": "nwb", "path": str(path)}}
    with pytest.raises(StudyError) as err:
        checks.check_rats(config)
    message = str(err.value)
    assert message.startswith("rats.lt: the recording has ") and "need at least 46" in message
    assert f"Fix: keep more running bins of {path}: lower speed_threshold (now " in message

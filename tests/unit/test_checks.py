"""The checks the workflow runs before any job, as library functions (no Snakemake)."""

import copy

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

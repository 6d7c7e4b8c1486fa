import numpy as np
import pytest

from cebra_sae.devices import resolve_device
from cebra_sae.embedding import fit_cebra, fixed_params
from cebra_sae.errors import StudyError

PARAMS = dict(
    output_dimension=3, num_hidden_units=8, learning_rate=1e-3, max_iterations=15, batch_size=32
)


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    position = np.abs(np.sin(np.linspace(0, 12, 400))) * 1.6
    spikes = rng.poisson(np.exp(-((position[:, None] - np.linspace(0, 1.6, 10)) ** 2) / 0.05))
    right = (np.gradient(position) > 0).astype(float)
    labels = np.column_stack([position, right, 1 - right])
    return spikes.astype(np.float32), labels


def test_paper_defaults_match_the_study():
    # docs/study.md §2, read from the config schema's defaults (the only place they are written)
    assert fixed_params() == dict(
        model_architecture="offset10-model",
        time_offsets=5,
        temperature_mode="constant",
        temperature=0.1,
        max_iterations=2000,
        distance="cosine",
        batch_size=256,
    )


@pytest.mark.parametrize("protocol", ["paper", "seed_code"])
def test_fit_shapes_progress_and_determinism(toy, protocol):
    spikes, labels = toy
    seen = []
    fit = fit_cebra(
        spikes[:320],
        spikes[320:],
        labels[:320],
        PARAMS,
        supervised=protocol == "paper",
        seed=3,
        device="cpu",
        progress=lambda i, loss: seen.append(i),
        progress_every=5,
    )
    assert fit.embedding_train.shape == (320, 3) and fit.embedding_valid.shape == (80, 3)
    assert len(fit.loss) == 15 and np.all(np.isfinite(fit.loss))
    assert seen[:3] == [0, 5, 10]
    assert fit.device == "cpu" and fit.info["supervised"] == (protocol == "paper")
    again = fit_cebra(
        spikes[:320],
        spikes[320:],
        labels[:320],
        PARAMS,
        supervised=protocol == "paper",
        seed=3,
        device="cpu",
    )
    np.testing.assert_array_equal(again.embedding_valid, fit.embedding_valid)
    other = fit_cebra(
        spikes[:320],
        spikes[320:],
        labels[:320],
        PARAMS,
        supervised=protocol == "paper",
        seed=4,
        device="cpu",
    )
    assert not np.array_equal(other.embedding_valid, fit.embedding_valid)


def test_self_supervised_needs_no_labels_supervised_does(toy):
    spikes, _ = toy
    fit_cebra(spikes[:320], spikes[320:], None, PARAMS, supervised=False, device="cpu")
    with pytest.raises(StudyError, match="needs labels"):
        fit_cebra(spikes[:320], spikes[320:], None, PARAMS, supervised=True, device="cpu")


def test_saved_model_reloads_with_cebra(toy, tmp_path):
    import cebra

    spikes, labels = toy
    fit = fit_cebra(spikes[:320], spikes[320:], labels[:320], PARAMS, device="cpu")
    fit.model.save(str(tmp_path / "model.pt"))
    loaded = cebra.CEBRA.load(str(tmp_path / "model.pt"))
    np.testing.assert_allclose(loaded.transform(spikes[320:]), fit.embedding_valid, atol=1e-5)


def test_device_resolution():
    import torch

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(StudyError, match="device must be one of"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(StudyError, match="torch sees no GPU"):
            resolve_device("cuda")


def test_device_errors_name_the_config_key():
    import torch

    with pytest.raises(StudyError, match="sae.device must be one of"):
        resolve_device("gpu", "sae.device")
    if not torch.cuda.is_available():
        with pytest.raises(StudyError, match=r"cebra.device: cuda .* Fix: set cebra.device: auto"):
            resolve_device("cuda", "cebra.device")

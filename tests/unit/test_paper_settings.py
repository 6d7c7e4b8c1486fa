"""The real thing: one CEBRA fit on buddy with the paper's full settings (about a minute)."""

import pytest

from cebra_sae.data.recording import chronological_split
from cebra_sae.data.sources import load_cebra_recording
from cebra_sae.embedding import fit_cebra
from cebra_sae.protocols import decode


@pytest.mark.slow
def test_paper_cebra_on_buddy_decodes_position_and_direction(data_dir):
    split = chronological_split(*load_cebra_recording("buddy", data_dir), 0.8)
    params = dict(output_dimension=8, num_hidden_units=64, learning_rate=1e-3)
    fit = fit_cebra(
        split.spikes_train,
        split.spikes_valid,
        split.labels_train,
        params,
        supervised=True,
        seed=0,
        device="cpu",
    )
    assert len(fit.loss) == 2000 and fit.loss[-200:].mean() < fit.loss[:200].mean()
    scores = decode(
        "paper", fit.embedding_train, split.labels_train, fit.embedding_valid, split.labels_valid
    )
    # supervised CEBRA on buddy: position and direction are linearly readable on held-out bins
    assert scores["pos_r2_valid"] > 0.5
    assert scores["dir_acc_valid"] > 0.8

"""Checkpoints: every model of a block, addressable by its ``model_id``.

One ``.npz`` per block holds, for each model, its weights in ``nn.Linear`` layout under
``{model_id}/encoder.weight`` (width x dim), ``encoder.bias``, ``decoder.weight``
(dim x width), ``decoder.bias`` (plus ``log_threshold`` for jumprelu), its loss per
epoch under ``{model_id}/loss_history``, and its hyperparameters as JSON under
``{model_id}/spec``; ``architecture`` (the registered one trained, a variant's name if any)
and ``settings`` (JSON) describe the training.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from cebra_sae.sae import SAESpec, TrainSettings, train_block
    >>> z = np.random.default_rng(0).normal(size=(100, 4))
    >>> block = train_block(z, [SAESpec("topk", 2, 1e-3, k=2)], TrainSettings(epochs=1))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> save_block(path, block)
    >>> list_models(path)
    ['topk-x2-lr0.001-k2-seed0']
    >>> spec, weights = load_model(path, "topk-x2-lr0.001-k2-seed0")
    >>> spec.k, weights["encoder.weight"].shape
    (2, (8, 4))
"""

from __future__ import annotations

import json

import numpy as np

from cebra_sae.io import atomic_savez
from cebra_sae.sae.spec import SAESpec
from cebra_sae.sae.trainer import BlockResult


def save_block(path, block: BlockResult) -> None:
    arrays = {
        "architecture": np.array(block.architecture),
        "settings": np.array(json.dumps(block.settings)),
    }
    for i, spec in enumerate(block.specs):
        for name, weights in block.weights.items():
            arrays[f"{spec.model_id}/{name}"] = weights[i]
        arrays[f"{spec.model_id}/loss_history"] = block.loss_history[i]
        arrays[f"{spec.model_id}/spec"] = np.array(json.dumps(spec.as_dict()))
    atomic_savez(path, **arrays)


def list_models(path) -> list[str]:
    with np.load(path) as npz:
        return [key[: -len("/spec")] for key in npz.files if key.endswith("/spec")]


def load_model(path, model_id: str) -> tuple[SAESpec, dict[str, np.ndarray]]:
    """One model's hyperparameters and weights (``KeyError`` naming the known ids)."""
    with np.load(path) as npz:
        if f"{model_id}/spec" not in npz.files:
            known = [key[: -len("/spec")] for key in npz.files if key.endswith("/spec")]
            raise KeyError(f"no model '{model_id}' in {path}; it holds {known}")
        spec = SAESpec.from_dict(json.loads(str(npz[f"{model_id}/spec"])))
        prefix = f"{model_id}/"
        weights = {
            key[len(prefix) :]: npz[key]
            for key in npz.files
            if key.startswith(prefix) and not key.endswith(("/spec", "/loss_history"))
        }
    return spec, weights

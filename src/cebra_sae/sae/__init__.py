"""The SAE core: sparse autoencoders on any ``(N, d)`` array, batched over many models.

It imports nothing of the study (only the package's generic ``registry`` and ``io``; a test
checks it): the study passes plain settings into it (``TrainSettings``: epochs, batch size,
penalty reduction, architecture variants, ...), see :mod:`cebra_sae.sae_sweep`.

Modules:
    spec: :class:`SAESpec`, one model's hyperparameters and its ``model_id``.
    architectures: the registry of SAE families: grid keys, activation and penalty,
        training extras (auxiliary loss, buffers) (the paper's ``standard``,
        ``topk``, ``jumprelu``; the published code's JumpReLU variant; ``gated``,
        ``batchtopk``, ``topk_auxk``, ``jumprelu_quantile``).
    activations: the activations that need more than a line of PyTorch (TopK, BatchTopK,
        JumpReLU).
    grid: the models of a block (architecture x expansion) from lists of hyperparameters.
    trainer: trains every model of a block together (batched weights, batched Adam).
    reference: one model at a time, the way the published code did (the baseline of the
        equivalence test and of the benchmark).
    metrics: explained variance, nonzero ratio, L0, dead fraction.
    checkpoint: per-model weights + hyperparameters, addressable by ``model_id``.

Example:
    >>> import numpy as np
    >>> from cebra_sae.sae import SAESpec, TrainSettings, train_block
    >>> z = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
    >>> specs = [SAESpec("topk", expansion=2, lr=1e-3, k=k) for k in (1, 2)]
    >>> block = train_block(z, specs, TrainSettings(epochs=2))
    >>> block.weights["encoder.weight"].shape  # (models, width, dim), nn.Linear layout
    (2, 8, 4)
"""

import importlib

from cebra_sae.sae.architectures import ARCHITECTURES
from cebra_sae.sae.grid import block_grid
from cebra_sae.sae.spec import SAESpec

# The trainer (PyTorch) is imported on first use, so that the registry and the grid stay
# cheap to import for the workflow's parse step.
_TRAINER = ("BlockResult", "TrainSettings", "encode", "train_block")


def __getattr__(name):
    if name in _TRAINER:
        return getattr(importlib.import_module("cebra_sae.sae.trainer"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ARCHITECTURES",
    "BlockResult",
    "SAESpec",
    "TrainSettings",
    "block_grid",
    "encode",
    "train_block",
]

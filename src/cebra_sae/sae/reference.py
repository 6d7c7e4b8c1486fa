"""One model at a time, the way the published code trained its SAEs.

An ``nn.Module`` with ``nn.Linear`` encoder and decoder, a ``DataLoader`` over the
embeddings (shuffled with a seeded generator), ``torch.optim.Adam`` and a Python loop
over epochs and batches. It is the baseline that the batched trainer must equal (test)
and beat (benchmark); the study itself never uses it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

from cebra_sae.protocols import get_protocol
from cebra_sae.sae.architectures import get_architecture
from cebra_sae.sae.grid import SAESpec
from cebra_sae.sae.trainer import TrainSettings, hyper_tensors, init_weights


class EpochPermutation(Sampler):
    """A fresh ``torch.randperm`` of the samples per epoch from one seeded generator.

    Like ``shuffle=True`` with a generator, minus the extra permutation that PyTorch's
    ``RandomSampler`` draws and discards at the end of each epoch, so the order is
    defined by this project rather than by a PyTorch implementation detail.
    """

    def __init__(self, n: int, seed: int):
        self.n, self.generator = n, torch.Generator().manual_seed(int(seed))

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


class SparseAutoencoder(nn.Module):
    """A single SAE; ``forward`` returns ``(h, penalty per sample, z_hat)``."""

    def __init__(self, dim: int, spec: SAESpec, settings: TrainSettings):
        super().__init__()
        width = dim * spec.expansion
        self.arch = get_architecture(spec.arch, settings.protocol)
        self.encoder = nn.Linear(dim, width)
        self.decoder = nn.Linear(width, dim)
        self.hyper = hyper_tensors([spec], self.arch, settings)
        state = self.arch.init_state(1, width, self.hyper, settings)
        self.state = nn.ParameterDict({name: nn.Parameter(v) for name, v in state.items()})
        self.to(settings.dtype)
        with torch.no_grad():
            for name, value in init_weights(dim, width, spec.seed, settings.dtype).items():
                self.get_parameter(name).copy_(value)

    def forward(self, z):
        pre = self.encoder(z).unsqueeze(0)  # the registry's activations take a model axis
        h, penalty = self.arch.forward(pre, self.hyper, dict(self.state))
        return h[0], penalty[0], self.decoder(h[0])


def train_one(z_train: np.ndarray, spec: SAESpec, settings: TrainSettings | None = None):
    """Train one SAE the seed's way; returns ``(model, loss per epoch)``."""
    settings = settings or TrainSettings()
    x = torch.as_tensor(np.asarray(z_train), dtype=settings.dtype)
    model = SparseAutoencoder(x.shape[1], spec, settings)
    loader = DataLoader(
        TensorDataset(x),
        batch_size=settings.batch_size,
        sampler=EpochPermutation(len(x), spec.seed),
    )
    optimizer = torch.optim.Adam(
        model.parameters(), lr=spec.lr, betas=settings.betas, eps=settings.eps
    )
    mse = nn.MSELoss()
    reduction = get_protocol(settings.protocol).penalty_reduction
    history = []
    for _ in range(settings.epochs):
        total, batches = 0.0, 0
        for (batch,) in loader:
            _, penalty, z_hat = model(batch)
            penalty = penalty.mean() if reduction == "mean" else penalty.sum()
            loss = mse(z_hat, batch) + penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        history.append(total / batches)
    return model, np.array(history)


def module_weights(model: SparseAutoencoder) -> dict[str, np.ndarray]:
    """The module's weights under the batched trainer's names (no model axis)."""
    weights = {n: p.detach().numpy() for n, p in model.named_parameters() if "state" not in n}
    weights.update({n: p.detach().numpy()[0] for n, p in model.state.items()})
    return weights

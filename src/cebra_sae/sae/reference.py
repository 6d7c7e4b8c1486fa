"""One model at a time, the way the published code trained its SAEs.

An ``nn.Module`` with ``nn.Linear`` encoder and decoder, a ``DataLoader`` over the
embeddings (shuffled with a seeded generator), ``torch.optim.Adam`` and a Python loop
over epochs and batches. It is the baseline that the batched trainer must equal (test)
and beat (benchmark); the study itself never uses it. Architectures come from the same
registry (their activations, auxiliary losses and buffer updates are written once,
batched over models; here the model axis has length 1).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

from cebra_sae.sae.architectures import TrainingBatch
from cebra_sae.sae.spec import SAESpec
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
    """A single SAE; ``forward`` returns ``(pre, h, penalty per sample, z_hat)``.

    The architecture's learnable extras are parameters (``state``), its buffers module
    buffers; ``forward`` runs the training forward in ``train()`` mode (the default) and
    the inference forward in ``eval()`` mode.
    """

    def __init__(self, z_train: torch.Tensor, spec: SAESpec, settings: TrainSettings):
        super().__init__()
        dim = z_train.shape[1]
        width = dim * spec.expansion
        self.arch = settings.architecture(spec.arch)
        self.settings = settings
        self.encoder = nn.Linear(dim, width, dtype=settings.dtype)
        self.decoder = nn.Linear(width, dim, dtype=settings.dtype)
        with torch.no_grad():
            for name, value in init_weights(dim, width, spec.sae_seed, settings.dtype).items():
                self.get_parameter(name).copy_(value)
        self.hyper = hyper_tensors([spec], self.arch, settings)
        with torch.no_grad():
            initial = {name: p.unsqueeze(0) for name, p in self.named_parameters()}
            state = self.arch.init_state(initial, z_train, self.hyper, settings)
            buffers = self.arch.init_buffers(initial, z_train, self.hyper, settings)
        self.state = nn.ParameterDict({name: nn.Parameter(v) for name, v in state.items()})
        self.buffer_names = list(buffers)
        for name, value in buffers.items():
            self.register_buffer(name, value)

    def batched_state(self) -> dict[str, torch.Tensor]:
        """Weights, extras and buffers under the batched trainer's names, model axis 1."""
        state = {n: p.unsqueeze(0) for n, p in self.named_parameters() if "state" not in n}
        state.update(self.state.items())  # extras and buffers are stored with the model axis
        state.update({name: self.get_buffer(name) for name in self.buffer_names})
        return state

    def forward(self, z):
        state = self.batched_state()
        pre = self.encoder(z).unsqueeze(0)  # the registry's activations take a model axis
        h, penalty = self.arch.activation(self.training)(pre, self.hyper, state)
        return pre, h, penalty[0], self.decoder(h[0])

    def training_extras(self, z, pre, h, z_hat) -> torch.Tensor:
        """Buffer updates and auxiliary loss of the architecture after a training forward."""
        batch = TrainingBatch(
            z.unsqueeze(0), pre, h, z_hat.unsqueeze(0), self.batched_state(), self.hyper,
            self.settings,
        )  # fmt: skip
        extra = self.arch.training_extras(batch)
        return extra[0] if isinstance(extra, torch.Tensor) else extra


def train_one(z_train: np.ndarray, spec: SAESpec, settings: TrainSettings | None = None):
    """Train one SAE the seed's way; returns ``(model, loss per epoch)``."""
    settings = settings or TrainSettings()
    x = torch.as_tensor(np.asarray(z_train), dtype=settings.dtype)
    model = SparseAutoencoder(x, spec, settings)
    loader = DataLoader(
        TensorDataset(x),
        batch_size=settings.batch_size,
        sampler=EpochPermutation(len(x), spec.sae_seed),
    )
    optimizer = torch.optim.Adam(
        model.parameters(), lr=spec.lr, betas=settings.betas, eps=settings.eps
    )
    mse = nn.MSELoss()
    reduction = settings.penalty_reduction
    history = []
    model.train()
    for _ in range(settings.epochs):
        total, batches = 0.0, 0
        for (batch,) in loader:
            pre, h, penalty, z_hat = model(batch)
            penalty = penalty.mean() if reduction == "mean" else penalty.sum()
            loss = mse(z_hat, batch) + penalty + model.training_extras(batch, pre, h, z_hat)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        history.append(total / batches)
    return model.eval(), np.array(history)


def module_weights(model: SparseAutoencoder) -> dict[str, np.ndarray]:
    """The module's weights under the batched trainer's names (no model axis)."""
    weights = {n: p.detach().numpy() for n, p in model.named_parameters() if "state" not in n}
    weights.update({n: p.detach().numpy()[0] for n, p in model.state.items()})
    weights.update({n: model.get_buffer(n).numpy()[0] for n in model.buffer_names})
    return weights

"""Train every model of a block together: batched weights, batched matmuls, batched Adam.

The grid has thousands of tiny models; trained one by one, a Python loop spends its time
in per-step overhead. Here the ``M`` same-shape models of a block (one rat x dim x
architecture x expansion) are stacked along a leading axis: one forward/backward pass
updates all of them. Models are independent: the loss is the sum of the per-model
losses, so each model's gradient is its own, and each model keeps its own learning
rate, penalty, seed (initial weights and data order) and Adam state. The result for
each model equals training it alone (:mod:`cebra_sae.sae.reference`) with the same seed,
up to floating-point rounding (tested).

Initialisation is explicit and seeded: encoder and decoder as PyTorch's ``nn.Linear``
default (uniform ±1/√fan_in for weights and biases), drawn from a ``torch.Generator``
seeded with the model's seed. Data order: a ``torch.randperm`` per epoch from a second
generator seeded with the same seed (what ``DataLoader(shuffle=True, generator=g)``
does). Loss: ``MSE`` (mean over samples and dims) plus the architecture's per-sample
penalty, reduced over the batch as ``TrainSettings.penalty_reduction`` says (mean or sum:
the paper's text and its published code differ here), plus its auxiliary loss if it has one.

State beyond the four ``nn.Linear`` tensors: an architecture's learnable extras
(``init_state``, trained by Adam) and its buffers (``init_buffers``: non-learned, updated
after each training forward). Both are saved in :attr:`BlockResult.weights` and given
back to :func:`encode`, which runs the architecture's inference forward.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from cebra_sae.sae.architectures import ARCHITECTURES, Architecture, TrainingBatch
from cebra_sae.sae.spec import SAESpec


@dataclass(frozen=True)
class TrainSettings:
    """How a block is trained: one field per setting, with the core's defaults.

    The study sets every field from its config (``cebra_sae.sae_sweep.train_settings``:
    the ``sae`` section and the protocol's choices); these defaults are the core's own for
    use without the study, and equal the config schema's (tested).
    """

    #: training epochs over the data
    epochs: int = 50
    #: samples per Adam step
    batch_size: int = 256
    #: how the per-sample penalty is reduced over a batch: ``mean`` or ``sum``
    penalty_reduction: str = "mean"
    #: a named architecture -> the registered one trained (and encoded) in its place, e.g.
    #: ``{"jumprelu": "jumprelu_seed_code"}`` for the published code's JumpReLU
    variants: Mapping[str, str] = field(default_factory=dict)
    #: jumprelu: initial threshold θ (jumprelu_quantile: its floor)
    init_threshold: float = 0.001
    #: jumprelu_quantile: each θ starts at this quantile of its latent's pre-activation
    init_quantile: float = 0.9
    #: batchtopk: decay of the moving average that gives the inference threshold θ
    batchtopk_threshold_decay: float = 0.9
    #: topk_auxk: training samples without firing after which a latent is dead
    auxk_dead_after: int = 2560
    #: topk_auxk: k_aux = this x the input dim (at least 1)
    auxk_k_fraction: float = 0.5
    #: topk_auxk: weight α of the AuxK loss
    auxk_coefficient: float = 0.03125
    #: Adam's betas
    betas: tuple[float, float] = (0.9, 0.999)
    #: Adam's eps
    eps: float = 1e-8
    #: where to train (``cpu``, ``cuda``)
    device: str = "cpu"
    #: dtype of weights and data
    dtype: torch.dtype = torch.float32
    #: CPU: models trained at once are capped so that one (models x batch x width)
    #: activation tensor stays near this many elements (cache-sized; measured fastest on
    #: 2 cores, benchmarks/sae_trainer.py). The block is trained in consecutive chunks.
    #: ``None``: no cap (the default on CUDA, where one big batch is fastest).
    chunk_elements: int | None = 600_000

    def __post_init__(self):
        if self.penalty_reduction not in ("mean", "sum"):
            raise ValueError(
                f"penalty_reduction is 'mean' or 'sum', not {self.penalty_reduction!r}"
            )

    def architecture(self, name: str) -> Architecture:
        """The registered architecture trained for ``name`` (its variant, if any)."""
        return ARCHITECTURES[self.variants.get(name, name)]

    def recorded(self) -> dict:
        """The settings a checkpoint records (JSON-ready)."""
        names = ("epochs", "batch_size", "penalty_reduction", "init_threshold", "init_quantile",
                 "batchtopk_threshold_decay", "auxk_dead_after", "auxk_k_fraction",
                 "auxk_coefficient")  # fmt: skip
        return {**{name: getattr(self, name) for name in names}, "variants": dict(self.variants)}


@dataclass
class BlockResult:
    """Trained weights of a block's models, stacked on axis 0 in ``specs`` order."""

    specs: list[SAESpec]
    architecture: str  # the registered architecture trained (a variant's name, if any)
    weights: dict[str, np.ndarray]  # nn.Linear layout, plus the arch's extras and buffers
    loss_history: np.ndarray  # (M, epochs): mean training loss per epoch
    seconds: float
    device: str
    settings: dict = field(default_factory=dict)


def init_weights(dim: int, width: int, seed: int, dtype=torch.float32) -> dict[str, torch.Tensor]:
    """``nn.Linear``-default initial weights of one SAE, drawn from a seeded generator."""
    gen = torch.Generator().manual_seed(int(seed))

    def uniform(shape, fan_in):
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound

    weights = {
        "encoder.weight": uniform((width, dim), dim),
        "encoder.bias": uniform((width,), dim),
        "decoder.weight": uniform((dim, width), width),
        "decoder.bias": uniform((dim,), width),
    }
    return {name: w.to(dtype) for name, w in weights.items()}


def hyper_tensors(
    specs: list[SAESpec], arch: Architecture, settings: TrainSettings
) -> dict[str, torch.Tensor]:
    """Per-model ``lr`` and the architecture's ``grid_keys`` as ``(M,)`` tensors.

    Integer hyperparameters (e.g. ``k``) become long tensors, the others ``settings.dtype``.
    """
    dev, dt = settings.device, settings.dtype
    hyper = {"lr": torch.tensor([s.lr for s in specs], dtype=dt, device=dev)}
    for key in arch.grid_keys:
        values = [getattr(s, key) for s in specs]
        if any(v is None for v in values):
            raise ValueError(f"architecture '{arch.name}' needs '{key}' for every model")
        integer = all(isinstance(v, int) for v in values)
        hyper[key] = torch.tensor(values, dtype=torch.long if integer else dt, device=dev)
    return hyper


class BatchedAdam:
    """Adam over stacked models, each with its own learning rate.

    The update is the one of ``torch.optim.Adam`` (no weight decay, no amsgrad), written
    out so that the learning rate can differ along the model axis.
    """

    def __init__(self, params: dict[str, torch.Tensor], lr: torch.Tensor, betas, eps):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.exp_avg = {n: torch.zeros_like(p) for n, p in params.items()}
        self.exp_avg_sq = {n: torch.zeros_like(p) for n, p in params.items()}
        self.step_count = 0

    @torch.no_grad()
    def step(self):
        self.step_count += 1
        beta1, beta2 = self.betas
        correction1 = 1 - beta1**self.step_count
        correction2_sqrt = math.sqrt(1 - beta2**self.step_count)
        for name, p in self.params.items():
            grad = p.grad
            m, v = self.exp_avg[name], self.exp_avg_sq[name]
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (v.sqrt() / correction2_sqrt).add_(self.eps)
            step_size = (self.lr / correction1).view(-1, *([1] * (p.dim() - 1)))
            p.sub_(step_size * m / denom)
            p.grad = None


def forward(x, state, arch, hyper, training=False):
    """``x`` (M, B, d) -> ``(pre, h, penalty, x_hat)``, batched over the M models.

    ``state``: weights, extras and buffers by name, ``(M, ...)``; ``training`` picks the
    architecture's training forward (else its inference forward).
    """
    pre = torch.baddbmm(
        state["encoder.bias"].unsqueeze(1), x, state["encoder.weight"].transpose(1, 2)
    )
    h, penalty = arch.activation(training)(pre, hyper, state)
    x_hat = torch.baddbmm(
        state["decoder.bias"].unsqueeze(1), h, state["decoder.weight"].transpose(1, 2)
    )
    return pre, h, penalty, x_hat


def chunk_size(n_models: int, batch_size: int, width: int, settings: TrainSettings) -> int:
    """How many of a block's models to train at once (all of them unless capped)."""
    if settings.chunk_elements is None or str(settings.device).startswith("cuda"):
        return n_models
    return max(1, min(n_models, settings.chunk_elements // (batch_size * width)))


def train_block(
    z_train: np.ndarray,
    specs: list[SAESpec],
    settings: TrainSettings | None = None,
    progress: Callable[[int, np.ndarray], None] | None = None,
) -> BlockResult:
    """Train the models ``specs`` (same architecture and expansion) on ``z_train``.

    Args:
        z_train: ``(N, d)`` embeddings (the train split).
        specs: the block's models; all must share ``arch`` and ``expansion``.
        settings: epochs, batch size, penalty reduction, variants, device, dtype, chunking.
        progress: called after each epoch as ``progress(epoch, mean_loss_per_model)``
            (per chunk when the block is trained in chunks).
    """
    settings = settings or TrainSettings()
    arch_names = {s.arch for s in specs}
    expansions = {s.expansion for s in specs}
    if len(arch_names) != 1 or len(expansions) != 1:
        raise ValueError(f"a block has one arch and expansion, got {arch_names}, {expansions}")
    width = np.asarray(z_train).shape[1] * specs[0].expansion
    size = chunk_size(len(specs), settings.batch_size, width, settings)
    start = time.perf_counter()
    chunks = [
        _train_models(z_train, specs[i : i + size], settings, progress)
        for i in range(0, len(specs), size)
    ]
    return BlockResult(
        specs=list(specs),
        architecture=settings.architecture(specs[0].arch).name,
        weights={name: np.concatenate([c[0][name] for c in chunks]) for name in chunks[0][0]},
        loss_history=np.concatenate([c[1] for c in chunks]),
        seconds=time.perf_counter() - start,
        device=str(settings.device),
        settings=dict(settings.recorded(), models_at_once=size),
    )


def _train_models(z_train, specs, settings, progress):
    """Train ``specs`` together; returns ``(weights, loss_history)`` stacked over models."""
    arch = settings.architecture(specs[0].arch)
    reduction = settings.penalty_reduction
    dev, dt = settings.device, settings.dtype
    x_all = torch.as_tensor(np.asarray(z_train), dtype=dt, device=dev)
    n, dim = x_all.shape
    width = dim * specs[0].expansion
    n_models = len(specs)
    hyper = hyper_tensors(specs, arch, settings)

    seeds = [s.sae_seed for s in specs]
    inits = {seed: init_weights(dim, width, seed, dt) for seed in set(seeds)}
    params = {
        name: torch.stack([inits[seed][name] for seed in seeds]).to(dev) for name in inits[seeds[0]]
    }
    with torch.no_grad():
        extras = arch.init_state(params, x_all, hyper, settings)
        buffers = arch.init_buffers(params, x_all, hyper, settings)
    buffers = {name: value.to(dev) for name, value in buffers.items()}
    params.update({name: value.to(dev) for name, value in extras.items()})
    for p in params.values():
        p.requires_grad_(True)
    state = {**params, **buffers}  # the same tensors: Adam and the buffer updates are in place
    optimizer = BatchedAdam(params, hyper["lr"], settings.betas, settings.eps)

    unique_seeds = sorted(set(seeds))
    data_gens = {seed: torch.Generator().manual_seed(int(seed)) for seed in unique_seeds}
    model_slot = torch.tensor([unique_seeds.index(s) for s in seeds], device=dev)
    shared_order = len(unique_seeds) == 1
    history = np.zeros((n_models, settings.epochs))
    for epoch in range(settings.epochs):
        orders = torch.stack([torch.randperm(n, generator=data_gens[s]) for s in unique_seeds])
        orders = orders.to(dev)
        epoch_loss = torch.zeros(n_models, dtype=torch.float64, device=dev)
        n_batches = 0
        for begin in range(0, n, settings.batch_size):
            index = orders[:, begin : begin + settings.batch_size]
            if shared_order:
                x = x_all[index[0]].expand(n_models, -1, -1)
            else:
                x = x_all[index[model_slot]]
            pre, h, penalty, x_hat = forward(x, state, arch, hyper, training=True)
            mse = ((x_hat - x) ** 2).mean(dim=(-2, -1))
            penalty = penalty.mean(-1) if reduction == "mean" else penalty.sum(-1)
            batch = TrainingBatch(x, pre, h, x_hat, state, hyper, settings)
            loss = mse + penalty + arch.training_extras(batch)  # (M,)
            loss.sum().backward()
            optimizer.step()
            epoch_loss += loss.detach().to(torch.float64)
            n_batches += 1
        history[:, epoch] = (epoch_loss / n_batches).cpu().numpy()
        if progress is not None:
            progress(epoch, history[:, epoch])
    return {name: t.detach().cpu().numpy() for name, t in state.items()}, history


def untrained(
    z_train: np.ndarray, spec: SAESpec, settings: TrainSettings | None = None
) -> dict[str, np.ndarray]:
    """The SAE ``spec`` as its training starts, ready to encode (no model axis).

    Its seeded initial weights and the architecture's initial extras, unchanged; its
    buffers (e.g. BatchTopK's inference threshold) estimated over one epoch of ``z_train``
    with the learning rate at 0, so that no weight moves. The weights equal
    :func:`init_weights` with the spec's seed (tested): the random-SAE null.
    """
    from dataclasses import replace

    settings = replace(settings or TrainSettings(), epochs=1)
    weights, _ = _train_models(z_train, [replace(spec, lr=0.0)], settings, None)
    return {name: w[0] for name, w in weights.items()}


@torch.no_grad()
def encode(
    z: np.ndarray,
    weights: dict[str, np.ndarray],
    spec: SAESpec,
    architecture: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Latents and reconstruction of one model (weights without the model axis).

    The architecture's inference forward; its learnable extras and buffers (e.g. JumpReLU's
    ``log_threshold``, BatchTopK's ``threshold``) are part of its weights.

    Args:
        architecture: the registered architecture the model was trained as
            (:attr:`BlockResult.architecture`; default ``spec.arch``).

    Returns:
        ``(h, z_hat)`` as float64 arrays of shapes ``(N, width)`` and ``(N, d)``.
    """
    arch = ARCHITECTURES[architecture or spec.arch]
    params = {name: torch.as_tensor(w, dtype=torch.float64)[None] for name, w in weights.items()}
    hyper = hyper_tensors([spec], arch, TrainSettings(dtype=torch.float64))
    x = torch.as_tensor(np.asarray(z), dtype=torch.float64)[None]
    _, h, _, x_hat = forward(x, params, arch, hyper)
    return h[0].numpy(), x_hat[0].numpy()

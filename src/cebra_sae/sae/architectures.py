"""SAE activations and sparsity penalties, batched over models, in a registry.

Every architecture shares one core (``pre = z W_encᵀ + b_enc``, ``ẑ = h W_decᵀ + b_dec``)
and differs only in how ``pre`` becomes the latents ``h`` and in the penalty. Tensors
are batched over models: ``pre`` is ``(M, B, W)`` (models, samples, latents) and the
per-model hyperparameters are ``(M,)`` tensors.

Registered (``ARCHITECTURES``):

* ``standard``: ``h = ReLU(pre)``, penalty ``λ·Σ_i |h_i|``.
* ``topk``: ``h = ReLU(pre)`` with all but the ``k`` largest entries per sample set to
  0 (exactly ``k`` kept; ``k`` ≥ width keeps all); no penalty.
* ``jumprelu`` (Rajamanoharan et al. 2024): ``h = pre·H(pre − θ)`` with a learnable
  per-latent ``θ = exp(log_threshold)``; penalty ``λ·Σ_i H(pre_i − θ_i)`` (L0). The
  threshold gets the straight-through pseudo-gradient with the rectangle kernel of
  width ε = ``bandwidth``; no gradient reaches ``pre`` from the L0 term.
* ``jumprelu_seed_code`` (protocol ``seed_code``'s ``jumprelu``, as the published code
  did it): ``h = ReLU(pre)``, penalty ``λ·Σ_i (1 − exp(−h_i / bandwidth))``.

Each penalty here is per sample, ``(M, B)``; the trainer scales it (batch mean under
protocol ``paper``, batch sum under ``seed_code``).

Example:
    >>> import torch
    >>> pre = torch.tensor([[[0.5, -1.0, 2.0, 0.1]]])
    >>> get_architecture("topk").activate(pre, {"k": torch.tensor([2])}, {})
    tensor([[[0.5000, 0.0000, 2.0000, 0.0000]]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

Tensor = torch.Tensor


def rectangle(x: Tensor) -> Tensor:
    """The rectangle kernel: 1 on (−½, ½), else 0."""
    return ((x > -0.5) & (x < 0.5)).to(x.dtype)


class JumpReLUFunction(torch.autograd.Function):
    """``pre·H(pre − θ)``; ∂/∂pre = H(pre − θ); ∂/∂θ = −(θ/ε)·K((pre − θ)/ε)."""

    @staticmethod
    def forward(ctx, pre, threshold, bandwidth):
        ctx.save_for_backward(pre, threshold, bandwidth)
        return pre * (pre > threshold).to(pre.dtype)

    @staticmethod
    def backward(ctx, grad):
        pre, threshold, bandwidth = ctx.saved_tensors
        grad_pre = (pre > threshold).to(pre.dtype) * grad
        pseudo = -(threshold / bandwidth) * rectangle((pre - threshold) / bandwidth)
        grad_threshold = _sum_to(pseudo * grad, threshold.shape)
        return grad_pre, grad_threshold, None


class StepFunction(torch.autograd.Function):
    """``H(pre − θ)``; ∂/∂pre = 0 (no STE on pre); ∂/∂θ = −(1/ε)·K((pre − θ)/ε)."""

    @staticmethod
    def forward(ctx, pre, threshold, bandwidth):
        ctx.save_for_backward(pre, threshold, bandwidth)
        return (pre > threshold).to(pre.dtype)

    @staticmethod
    def backward(ctx, grad):
        pre, threshold, bandwidth = ctx.saved_tensors
        pseudo = -(1.0 / bandwidth) * rectangle((pre - threshold) / bandwidth)
        grad_threshold = _sum_to(pseudo * grad, threshold.shape)
        return torch.zeros_like(pre), grad_threshold, None


def _sum_to(x: Tensor, shape) -> Tensor:
    """Sum a broadcast gradient back to ``shape`` (e.g. (M, B, W) -> (M, 1, W))."""
    while x.dim() > len(shape):
        x = x.sum(0)
    for axis, size in enumerate(shape):
        if size == 1 and x.shape[axis] != 1:
            x = x.sum(axis, keepdim=True)
    return x


def topk_relu(pre: Tensor, k: Tensor) -> Tensor:
    """ReLU, then keep the ``k[m]`` largest entries of every sample of model ``m``."""
    h = torch.relu(pre)
    width = h.shape[-1]
    k_max = int(min(int(k.max()), width))
    values, index = h.topk(k_max, dim=-1)
    rank = torch.arange(k_max, device=h.device)
    keep = (rank < k.view(-1, *([1] * (h.dim() - 1)))).to(h.dtype)
    return torch.zeros_like(h).scatter(-1, index, values * keep)


@dataclass(frozen=True)
class Architecture:
    """How one family turns pre-activations into latents and penalises them.

    ``activate(pre, hyper, state)`` -> ``h``; ``penalty(pre, h, hyper, state)`` -> per
    sample ``(M, B)``; ``state`` holds learnable extras created by ``init_state``.
    """

    name: str
    hyperparameters: tuple[str, ...]
    activate: Callable
    penalty: Callable
    init_state: Callable = lambda n_models, width, hyper, dtype: {}


def _column(x: Tensor) -> Tensor:
    return x.view(-1, 1, 1)


def _threshold(state) -> Tensor:
    return torch.exp(state["log_threshold"]).unsqueeze(1)  # (M, 1, W)


def _jumprelu_state(n_models, width, hyper, dtype):
    init = torch.log(hyper["init_threshold"].to(dtype)).view(-1, 1)
    return {"log_threshold": init.expand(n_models, width).clone()}


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    ARCHITECTURES[arch.name] = arch
    return arch


register(
    Architecture(
        name="standard",
        hyperparameters=("l1",),
        activate=lambda pre, hyper, state: torch.relu(pre),
        penalty=lambda pre, h, hyper, state: hyper["l1"].view(-1, 1) * h.abs().sum(-1),
    )
)
register(
    Architecture(
        name="topk",
        hyperparameters=("k",),
        activate=lambda pre, hyper, state: topk_relu(pre, hyper["k"]),
        penalty=lambda pre, h, hyper, state: torch.zeros(h.shape[:-1], dtype=h.dtype),
    )
)
register(
    Architecture(
        name="jumprelu",
        hyperparameters=("l1", "bandwidth"),
        activate=lambda pre, hyper, state: JumpReLUFunction.apply(
            pre, _threshold(state), _column(hyper["bandwidth"])
        ),
        penalty=lambda pre, h, hyper, state: (
            hyper["l1"].view(-1, 1)
            * StepFunction.apply(pre, _threshold(state), _column(hyper["bandwidth"])).sum(-1)
        ),
        init_state=_jumprelu_state,
    )
)
register(
    Architecture(
        name="jumprelu_seed_code",
        hyperparameters=("l1", "bandwidth"),
        activate=lambda pre, hyper, state: torch.relu(pre),
        penalty=lambda pre, h, hyper, state: (
            hyper["l1"].view(-1, 1) * (1 - torch.exp(-h / _column(hyper["bandwidth"]))).sum(-1)
        ),
    )
)


def get_architecture(name: str, protocol: str = "paper") -> Architecture:
    """The architecture ``name`` means under ``protocol`` (``seed_code`` swaps jumprelu)."""
    if protocol == "seed_code" and name == "jumprelu":
        name = "jumprelu_seed_code"
    if name not in ARCHITECTURES:
        raise KeyError(f"unknown SAE architecture '{name}'; known: {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]

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
    >>> h, penalty = get_architecture("topk").forward(pre, {"k": torch.tensor([2])}, {})
    >>> h
    tensor([[[0.5000, 0.0000, 2.0000, 0.0000]]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

Tensor = torch.Tensor


class JumpReLU(torch.autograd.Function):
    """JumpReLU latents and their L0 count in one pass (Rajamanoharan et al. 2024).

    Forward: ``h = pre·H(pre − θ)`` and ``count = Σ_i H(pre_i − θ_i)`` per sample.
    Backward, with the rectangle kernel ``K(u) = 1 if |u| < ½``:

    * ``∂h/∂pre = H(pre − θ)``; ``∂count/∂pre = 0`` (no straight-through on pre from L0);
    * ``∂h/∂θ = −(θ/ε)·K((pre − θ)/ε)``; ``∂count/∂θ = −(1/ε)·K((pre − θ)/ε)``.

    Shapes: ``pre`` (M, B, W); ``threshold`` (M, 1, W); ``bandwidth`` (M, 1, 1).
    """

    # Masks are float and multiply (rather than torch.where or bool masks): on CPU that
    # is several times faster, and this function is the hot loop of the JumpReLU sweep.

    @staticmethod
    def forward(ctx, pre, threshold, bandwidth):
        active = (pre > threshold).to(pre.dtype)
        ctx.save_for_backward(pre, threshold, bandwidth, active)
        return pre * active, active.sum(-1)

    @staticmethod
    def backward(ctx, grad_h, grad_count):
        pre, threshold, bandwidth, active = ctx.saved_tensors
        # The kernel is nonzero only within ε/2 of θ: a few entries. Gather them and sum
        # K·(θ·grad_h + grad_count) into their latents, then scale by −1/ε.
        m, b, w = ((pre - threshold).abs_() < bandwidth / 2).nonzero(as_tuple=True)
        near = threshold[m, 0, w] * grad_h[m, b, w] + grad_count[m, b]
        grad_threshold = torch.zeros_like(threshold)
        grad_threshold.index_put_((m, torch.zeros_like(m), w), near, accumulate=True)
        return grad_h * active, -grad_threshold / bandwidth, None


def topk_relu(pre: Tensor, k: Tensor) -> Tensor:
    """ReLU, then keep the ``k[m]`` largest entries of every sample of model ``m``.

    The selection runs on ``pre`` and ReLU on the kept values only: the same latents as
    selecting on ``ReLU(pre)`` (entries that ReLU zeroes stay zero either way).
    """
    width = pre.shape[-1]
    k_max = int(min(int(k.max()), width))
    values, index = pre.topk(k_max, dim=-1)
    rank = torch.arange(k_max, device=pre.device)
    keep = rank < k.view(-1, *([1] * (pre.dim() - 1)))
    return torch.zeros_like(pre).scatter(-1, index, torch.relu(values) * keep)


@dataclass(frozen=True)
class Architecture:
    """How one family turns pre-activations into latents and penalises them.

    ``forward(pre, hyper, state)`` -> ``(h, penalty)`` with the penalty per sample
    ``(M, B)``; ``state`` holds learnable extras created by ``init_state``.
    """

    name: str
    hyperparameters: tuple[str, ...]
    forward: Callable
    init_state: Callable = lambda n_models, width, hyper, dtype: {}


def _per_model(x: Tensor) -> Tensor:
    return x.view(-1, 1)  # (M,) -> (M, 1): broadcasts over samples


def _standard(pre, hyper, state):
    h = torch.relu(pre)
    return h, _per_model(hyper["l1"]) * h.sum(-1)  # h >= 0: the L1 norm is the sum


def _topk(pre, hyper, state):
    h = topk_relu(pre, hyper["k"])
    return h, h.new_zeros(h.shape[:-1])


def _jumprelu(pre, hyper, state):
    threshold = torch.exp(state["log_threshold"]).unsqueeze(1)  # (M, 1, W)
    h, count = JumpReLU.apply(pre, threshold, hyper["bandwidth"].view(-1, 1, 1))
    return h, _per_model(hyper["l1"]) * count


def _jumprelu_seed_code(pre, hyper, state):
    h = torch.relu(pre)
    saturation = 1 - torch.exp(-h / hyper["bandwidth"].view(-1, 1, 1))
    return h, _per_model(hyper["l1"]) * saturation.sum(-1)


def _jumprelu_state(n_models, width, hyper, dtype):
    init = torch.log(hyper["init_threshold"].to(dtype)).view(-1, 1)
    return {"log_threshold": init.expand(n_models, width).clone()}


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    """Add an architecture to the registry (a new SAE variant is one ``register`` call)."""
    ARCHITECTURES[arch.name] = arch
    return arch


register(Architecture("standard", ("l1",), _standard))
register(Architecture("topk", ("k",), _topk))
register(Architecture("jumprelu", ("l1", "bandwidth"), _jumprelu, _jumprelu_state))
register(Architecture("jumprelu_seed_code", ("l1", "bandwidth"), _jumprelu_seed_code))


def get_architecture(name: str, protocol: str = "paper") -> Architecture:
    """The architecture ``name`` means under ``protocol`` (``seed_code`` swaps jumprelu)."""
    if protocol == "seed_code" and name == "jumprelu":
        name = "jumprelu_seed_code"
    if name not in ARCHITECTURES:
        raise KeyError(f"unknown SAE architecture '{name}'; known: {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]

"""The activations of the SAE architectures that need more than a line of PyTorch.

Batched over models: ``pre`` is ``(M, B, W)`` (models, samples, latents). The registry
(:mod:`cebra_sae.sae.architectures`) wires them into architectures.
"""

from __future__ import annotations

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


def batch_topk_relu(pre: Tensor, k: Tensor) -> Tensor:
    """BatchTopK (Bussmann et al. 2024): ReLU, then keep the ``k[m]·B`` largest entries of
    model ``m``'s whole batch (``B`` samples x ``W`` latents) and zero the rest.

    A sample may keep more or fewer than ``k`` latents; the batch keeps ``k`` per sample on
    average (exactly ``k·B`` entries when that many are positive; all when ``k ≥ W``).

    Example:
        >>> pre = torch.tensor([[[3.0, 0.5, 2.0], [0.1, -1.0, 0.2]]])  # one model, B = 2
        >>> batch_topk_relu(pre, torch.tensor([1]))  # the 2 largest of the batch
        tensor([[[3., 0., 2.],
                 [0., 0., 0.]]])
    """
    n_models, batch, width = pre.shape
    flat = pre.reshape(n_models, 1, batch * width)
    return topk_relu(flat, k * batch).view(n_models, batch, width)

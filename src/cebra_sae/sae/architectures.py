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
* ``jumprelu_seed_code`` (what the published code trained as ``jumprelu``; protocol
  ``seed_code`` trains it in jumprelu's place, see :mod:`cebra_sae.protocols`):
  ``h = ReLU(pre)``, penalty ``λ·Σ_i (1 − exp(−h_i / bandwidth))``.

Each penalty here is per sample, ``(M, B)``; the trainer reduces it over the batch as the
protocol says (``Protocol.penalty_reduction``).

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

# torch is imported where it is used: the registry itself is read by the workflow at parse
# time (wildcard constraints, grids), which should not pay for importing PyTorch.


@dataclass(frozen=True)
class Architecture:
    """Everything the study asks of one SAE family: the only place a family is described.

    Attributes:
        name: the name in the config (``sae.architectures``), tables, paths and model ids.
        grid_keys: the :class:`~cebra_sae.sae.grid.SAESpec` hyperparameters (each also a
            list under ``sae`` in the config) that the family crosses with the learning
            rates, in model-id order; the trainer passes them as ``(M,)`` tensors.
        forward: ``forward(pre, hyper, state)`` -> ``(h, penalty)``, the penalty per
            sample ``(M, B)``; ``hyper`` maps ``grid_keys`` to ``(M,)`` tensors.
        init_state: ``init_state(n_models, width, hyper, settings)`` -> learnable extras
            (e.g. thresholds), created before training.
        colour: its colour in the figures (figures list families in registry order).
        selectable: offered in the config; ``False`` for a family that only stands in for
            another under some protocol (see ``Protocol.architecture_variants``).
    """

    name: str
    grid_keys: tuple[str, ...]
    forward: Callable
    init_state: Callable = lambda n_models, width, hyper, settings: {}
    colour: str = "#949494"
    selectable: bool = True


def _per_model(x):
    return x.view(-1, 1)  # (M,) -> (M, 1): broadcasts over samples


def _standard(pre, hyper, state):
    h = pre.relu()
    return h, _per_model(hyper["l1"]) * h.sum(-1)  # h >= 0: the L1 norm is the sum


def _topk(pre, hyper, state):
    from cebra_sae.sae.activations import topk_relu

    h = topk_relu(pre, hyper["k"])
    return h, h.new_zeros(h.shape[:-1])


def _jumprelu(pre, hyper, state):
    from cebra_sae.sae.activations import JumpReLU

    threshold = state["log_threshold"].exp().unsqueeze(1)  # (M, 1, W)
    h, count = JumpReLU.apply(pre, threshold, hyper["bandwidth"].view(-1, 1, 1))
    return h, _per_model(hyper["l1"]) * count


def _jumprelu_seed_code(pre, hyper, state):
    h = pre.relu()
    saturation = 1 - (-h / hyper["bandwidth"].view(-1, 1, 1)).exp()
    return h, _per_model(hyper["l1"]) * saturation.sum(-1)


def _jumprelu_state(n_models, width, hyper, settings):
    import torch

    initial = torch.full((n_models, width), settings.init_threshold, dtype=settings.dtype)
    return {"log_threshold": torch.log(initial)}


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    """Add an architecture to the registry: a new SAE variant is one ``register`` call.

    Grid, trainer, workflow wildcards and figures read the registry; the config schema's
    ``sae.architectures`` enum must list the selectable names (a test checks it).
    """
    from cebra_sae.sae.grid import SAESpec  # the hyperparameters a grid key can name

    unknown = set(arch.grid_keys) - set(SAESpec.hyperparameters())
    if unknown:
        raise ValueError(
            f"architecture '{arch.name}': grid keys {sorted(unknown)} are not SAESpec "
            f"hyperparameters {SAESpec.hyperparameters()}"
        )
    ARCHITECTURES[arch.name] = arch
    return arch


def unregister(name: str) -> None:
    """Remove an architecture (tests register toy ones)."""
    ARCHITECTURES.pop(name, None)


# Colours: seaborn's colour-blind palette, in registry order.
register(Architecture("standard", ("l1",), _standard, colour="#0173b2"))
register(Architecture("topk", ("k",), _topk, colour="#de8f05"))
register(Architecture("jumprelu", ("l1", "bandwidth"), _jumprelu, _jumprelu_state, "#029e73"))
register(
    Architecture("jumprelu_seed_code", ("l1", "bandwidth"), _jumprelu_seed_code, selectable=False)
)


def selectable_architectures() -> list[str]:
    """The names a config may list under ``sae.architectures``, in registry order."""
    return [name for name, arch in ARCHITECTURES.items() if arch.selectable]


def get_architecture(name: str, protocol: str | None = None) -> Architecture:
    """The registered architecture ``name``, or the one ``protocol`` trains in its place."""
    if protocol is not None:
        from cebra_sae.protocols import get_protocol

        name = get_protocol(protocol).architecture_name(name)
    if name not in ARCHITECTURES:
        raise KeyError(f"unknown SAE architecture '{name}'; known: {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]

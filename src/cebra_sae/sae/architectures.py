"""SAE activations and sparsity penalties, batched over models, in a registry.

Every architecture shares one core (``pre = z W_encᵀ + b_enc``, ``ẑ = h W_decᵀ + b_dec``)
and differs only in how ``pre`` becomes the latents ``h``, in the penalty and in optional
training-only extras (an auxiliary loss, non-learned buffers). Tensors are batched over
models: ``pre`` is ``(M, B, W)`` (models, samples, latents) and the per-model
hyperparameters are ``(M,)`` tensors.

Registered (``ARCHITECTURES``), the paper's three (docs/study.md §4):

* ``standard``: ``h = ReLU(pre)``, penalty ``λ·Σ_i |h_i|``.
* ``topk``: ``h = ReLU(pre)`` with all but the ``k`` largest entries per sample set to
  0 (exactly ``k`` kept; ``k`` ≥ width keeps all); no penalty.
* ``jumprelu`` (Rajamanoharan et al. 2024): ``h = pre·H(pre − θ)`` with a learnable
  per-latent ``θ = exp(log_threshold)``; penalty ``λ·Σ_i H(pre_i − θ_i)`` (L0). The
  threshold gets the straight-through pseudo-gradient with the rectangle kernel of
  width ε = ``bandwidth``; no gradient reaches ``pre`` from the L0 term.
* ``jumprelu_seed_code`` (what the published code trained as ``jumprelu``; a training run
  whose ``TrainSettings.variants`` maps ``jumprelu`` to it trains it in jumprelu's place, as
  the study's protocol ``seed_code`` does): ``h = ReLU(pre)``, penalty
  ``λ·Σ_i (1 − exp(−h_i / bandwidth))``.

Newer SAEs (opt-in in the study, through ``sae.architectures``):

* ``gated`` (Rajamanoharan et al. 2024, "Improving dictionary learning with gated sparse
  autoencoders"): ``pre`` is the gate ``π_gate``; the magnitude path shares the encoder
  weights, ``π_mag = exp(r_mag) ⊙ (pre − b_enc) + b_mag`` (learnable ``r_mag``,
  ``b_mag``, both 0 at the start); ``h = H(π_gate) ⊙ ReLU(π_mag)``. Penalty
  ``λ·Σ_i ReLU(π_gate_i)``; auxiliary loss: the MSE (mean over samples and dims, as the
  main one) of reconstructing the input from ``ReLU(π_gate)`` through the decoder with
  its weight and bias frozen. The Heaviside passes no gradient: the gate learns only
  through the penalty and the auxiliary loss.
* ``batchtopk`` (Bussmann et al. 2024, "BatchTopK sparse autoencoders"): training keeps
  the ``k·B`` largest entries of ``ReLU(pre)`` over the whole batch
  (:func:`~cebra_sae.sae.activations.batch_topk_relu`); inference is
  ``h = pre·H(pre − θ)`` with one threshold ``θ`` per model, a non-learned buffer
  (``threshold``): an exponential moving average, decay
  ``TrainSettings.batchtopk_threshold_decay``, of the smallest kept activation of each training
  batch, started at the first batch's (the paper estimates θ as the average minimum
  positive activation over batches; SAELens's ``BatchTopKTrainingSAE`` as such a moving
  average, with a longer window made for longer runs; the study's config schema says why
  its default differs).
* ``topk_auxk`` (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"): ``topk``
  plus the AuxK loss. A latent is dead when it has not fired for ``auxk_dead_after``
  training samples (buffer ``dead_counter``: samples since it last fired, per model x
  latent). With ``e = z − ẑ`` (a fixed target) and ``ê = W_dec·TopK_aux(ReLU(pre) of the
  dead latents)`` (no decoder bias, ``k_aux = auxk_k_fraction x d``), the loss is
  ``α·‖e − ê‖² / ‖e − ē‖²`` over the batch (``ē``: the batch mean of ``e``;
  ``α = auxk_coefficient``), 0 when no latent is dead (settings of
  :class:`~cebra_sae.sae.trainer.TrainSettings`).
* ``jumprelu_quantile``: ``jumprelu`` (same forward, penalty and pseudo-gradient), but
  each latent's initial θ is the ``init_quantile`` quantile of its pre-activation on the
  training data under the initial weights (at least ``init_threshold``), so it starts at
  nonzero ratio ≈ 1 − quantile.
  ``jumprelu``'s θ = 0.001 lets every positive pre-activation through at the start and
  barely moves in 50 epochs: on the study's embeddings it never gets below nonzero ratio
  ~0.66, short of the sparse regime that TopK is compared in.

Each penalty here is per sample, ``(M, B)``; the trainer reduces it over the batch as
``TrainSettings.penalty_reduction`` says (mean or sum). Auxiliary losses are ``(M,)`` and
added as they are.

Example:
    >>> import torch
    >>> pre = torch.tensor([[[0.5, -1.0, 2.0, 0.1]]])
    >>> h, penalty = ARCHITECTURES["topk"].forward(pre, {"k": torch.tensor([2])}, {})
    >>> h
    tensor([[[0.5000, 0.0000, 2.0000, 0.0000]]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cebra_sae.registry import Registry
from cebra_sae.sae.spec import SAESpec

# torch is imported where it is used: the registry itself is read by the workflow at parse
# time (wildcard constraints, grids), which should not pay for importing PyTorch.


def _nothing(params, x_train, hyper, settings):
    return {}


@dataclass(frozen=True)
class Architecture:
    """Everything the study asks of one SAE family: the only place a family is described.

    Tensors are batched over models (leading axis ``M``). ``state`` maps names to ``(M, ...)``
    tensors: the weights in ``nn.Linear`` layout (``encoder.weight``, ``encoder.bias``,
    ``decoder.weight``, ``decoder.bias``), the family's learnable extras and its buffers
    (named without dots: the reference trainer makes them module attributes). All of it is
    saved as the model's weights (:class:`~cebra_sae.sae.trainer.BlockResult`, checkpoints).

    Attributes:
        name: the name in model ids (and in the study's config, tables and paths).
        grid_keys: the :class:`~cebra_sae.sae.spec.SAESpec` hyperparameters (in the study
            each is also a list under ``sae`` in the config) that the family crosses with the
            learning rates, in model-id order; the trainer passes them as ``(M,)`` tensors.
        forward: ``forward(pre, hyper, state)`` -> ``(h, penalty)``, the penalty per
            sample ``(M, B)``; ``hyper`` maps ``grid_keys`` to ``(M,)`` tensors. Used at
            inference (``encode``), and in training unless ``train_forward`` is set.
        init_state: ``init_state(params, x_train, hyper, settings)`` -> learnable extras
            (e.g. thresholds), created before training from the initial weights ``params``
            (``(M, ...)``, nn.Linear layout), the training data ``x_train`` ``(N, d)`` and the
            :class:`~cebra_sae.sae.trainer.TrainSettings`. Adam trains them.
        selectable: offered as a family of its own; ``False`` for one that only stands in
            for another (``TrainSettings.variants``).
        train_forward: the forward of training where it differs from ``forward`` (same
            signature), e.g. BatchTopK's batch-wide selection.
        init_buffers: like ``init_state``, for non-learned state (no gradient, no Adam),
            updated by ``update_buffers`` and saved with the weights (``encode`` reads it).
        update_buffers: ``update_buffers(batch)`` updates the buffers in ``batch.state`` in
            place after each training forward (no gradient); ``batch`` is a
            :class:`TrainingBatch`.
        aux_loss: ``aux_loss(batch)`` -> an ``(M,)`` auxiliary loss added to the training
            loss, computed after ``update_buffers``.
    """

    name: str
    grid_keys: tuple[str, ...]
    forward: Callable
    init_state: Callable = _nothing
    selectable: bool = True
    train_forward: Callable | None = None
    init_buffers: Callable = _nothing
    update_buffers: Callable | None = None
    aux_loss: Callable | None = None

    def activation(self, training: bool) -> Callable:
        """The forward of training (``training``) or of inference."""
        return self.train_forward if training and self.train_forward else self.forward

    def training_extras(self, batch: TrainingBatch):
        """After a training forward: update the buffers, then the auxiliary loss (``(M,)``,
        or 0 for a family without one)."""
        if self.update_buffers is not None:
            import torch

            with torch.no_grad():
                self.update_buffers(batch)
        return 0 if self.aux_loss is None else self.aux_loss(batch)


@dataclass(frozen=True)
class TrainingBatch:
    """One training batch of the ``M`` models, as ``update_buffers`` and ``aux_loss`` see it.

    Attributes:
        x: the inputs ``(M, B, d)``.
        pre: the encoder's pre-activations ``(M, B, W)``.
        h: the latents ``(M, B, W)`` of the training forward.
        x_hat: the reconstructions ``(M, B, d)``.
        state: weights, learnable extras and buffers by name (see :class:`Architecture`).
        hyper: the ``(M,)`` hyperparameters.
        settings: the :class:`~cebra_sae.sae.trainer.TrainSettings`.
    """

    x: object
    pre: object
    h: object
    x_hat: object
    state: dict
    hyper: dict
    settings: object


def _per_model(x):
    return x.view(-1, 1)  # (M,) -> (M, 1): broadcasts over samples


def _no_penalty(h):
    return h.new_zeros(h.shape[:-1])


def _standard(pre, hyper, state):
    h = pre.relu()
    return h, _per_model(hyper["l1"]) * h.sum(-1)  # h >= 0: the L1 norm is the sum


def _topk(pre, hyper, state):
    from cebra_sae.sae.activations import topk_relu

    h = topk_relu(pre, hyper["k"])
    return h, _no_penalty(h)


def _jumprelu(pre, hyper, state):
    from cebra_sae.sae.activations import JumpReLU

    threshold = state["log_threshold"].exp().unsqueeze(1)  # (M, 1, W)
    h, count = JumpReLU.apply(pre, threshold, hyper["bandwidth"].view(-1, 1, 1))
    return h, _per_model(hyper["l1"]) * count


def _jumprelu_seed_code(pre, hyper, state):
    h = pre.relu()
    saturation = 1 - (-h / hyper["bandwidth"].view(-1, 1, 1)).exp()
    return h, _per_model(hyper["l1"]) * saturation.sum(-1)


def _jumprelu_state(params, x_train, hyper, settings):
    import torch

    n_models, width = params["encoder.weight"].shape[:2]
    initial = torch.full((n_models, width), settings.init_threshold, dtype=settings.dtype)
    return {"log_threshold": torch.log(initial)}


def _jumprelu_quantile_state(params, x_train, hyper, settings):
    """θ_i = the ``init_quantile`` quantile of latent i's pre-activation on ``x_train``."""
    import torch

    rows = max(1, 2**24 // len(x_train))  # torch.quantile takes at most 2^24 elements
    thresholds = []
    for weight, bias in zip(params["encoder.weight"], params["encoder.bias"], strict=True):
        pre = torch.addmm(bias, x_train, weight.T)  # (N, W) under the initial weights
        quantiles = [torch.quantile(p, settings.init_quantile, dim=0) for p in pre.split(rows, 1)]
        thresholds.append(torch.cat(quantiles))
    theta = torch.stack(thresholds).clamp(min=settings.init_threshold)
    return {"log_threshold": theta.log()}


def _gated(pre, hyper, state):
    gate = (pre > 0).to(pre.dtype)  # H(π_gate): a float mask passes no gradient
    scale, b_enc = state["r_mag"].exp().unsqueeze(1), state["encoder.bias"].unsqueeze(1)
    magnitude = scale * (pre - b_enc) + state["b_mag"].unsqueeze(1)  # π_mag
    return gate * magnitude.relu(), _per_model(hyper["l1"]) * pre.relu().sum(-1)


def _gated_state(params, x_train, hyper, settings):
    import torch

    shape = params["encoder.bias"].shape  # (M, W)
    return {
        "r_mag": torch.zeros(shape, dtype=settings.dtype),
        "b_mag": torch.zeros(shape, dtype=settings.dtype),
    }


def _gated_aux_loss(batch):
    """MSE of the input rebuilt from ``ReLU(π_gate)`` by the frozen decoder."""
    import torch

    frozen = torch.baddbmm(
        batch.state["decoder.bias"].detach().unsqueeze(1),
        batch.pre.relu(),
        batch.state["decoder.weight"].detach().transpose(1, 2),
    )
    return ((frozen - batch.x) ** 2).mean(dim=(-2, -1))


def _batchtopk_train(pre, hyper, state):
    from cebra_sae.sae.activations import batch_topk_relu

    h = batch_topk_relu(pre, hyper["k"])
    return h, _no_penalty(h)


def _batchtopk(pre, hyper, state):
    h = pre * (pre > state["threshold"].view(-1, 1, 1)).to(pre.dtype)
    return h, _no_penalty(h)


def _batchtopk_buffers(params, x_train, hyper, settings):
    import torch

    # 0: not estimated yet (inference is then ReLU); the first batch sets it
    return {"threshold": torch.zeros(len(params["encoder.bias"]), dtype=settings.dtype)}


def _batchtopk_update(batch):
    """θ ← the smallest kept activation of the batch (first batch), then its moving average."""
    import torch

    kept = torch.where(batch.h > 0, batch.h, torch.inf).flatten(1).min(-1).values  # (M,)
    theta, decay = batch.state["threshold"], batch.settings.batchtopk_threshold_decay
    average = torch.where(theta > 0, decay * theta + (1 - decay) * kept, kept)
    theta.copy_(torch.where(kept.isfinite(), average, theta))  # nothing kept: θ stays


def _auxk_buffers(params, x_train, hyper, settings):
    import torch

    return {"dead_counter": torch.zeros(params["encoder.bias"].shape, dtype=torch.long)}


def _auxk_update(batch):
    """Samples since each latent last fired: + B, or 0 where it fired in this batch."""
    counter = batch.state["dead_counter"]
    counter.add_(batch.h.shape[1]).masked_fill_((batch.h > 0).any(dim=1), 0)


def _auxk_loss(batch):
    """AuxK: the residual modelled by the top ``k_aux`` dead latents, normalised MSE."""
    import torch

    from cebra_sae.sae.activations import topk_relu

    settings = batch.settings
    dead = batch.state["dead_counter"] >= settings.auxk_dead_after  # (M, W)
    k_aux = max(1, round(settings.auxk_k_fraction * batch.x.shape[-1]))
    k_aux = torch.full((len(dead),), k_aux, device=dead.device)
    # alive latents' pre-activations set to 0: TopK_aux then picks among the dead ones only
    h_aux = topk_relu(batch.pre * dead.unsqueeze(1).to(batch.pre.dtype), k_aux)
    residual = (batch.x - batch.x_hat).detach()
    modelled = torch.bmm(h_aux, batch.state["decoder.weight"].transpose(1, 2))
    error = ((modelled - residual) ** 2).sum(dim=(-2, -1))
    spread = ((residual - residual.mean(1, keepdim=True)) ** 2).sum(dim=(-2, -1))
    use = dead.any(-1) & (spread > 0)
    normalised = error / torch.where(use, spread, 1)
    return torch.where(use, settings.auxk_coefficient * normalised, 0)


def _check(arch: Architecture) -> None:
    unknown = set(arch.grid_keys) - set(SAESpec.hyperparameters())
    if unknown:
        raise ValueError(
            f"architecture '{arch.name}': grid keys {sorted(unknown)} are not SAESpec "
            f"hyperparameters {SAESpec.hyperparameters()}"
        )


#: Every SAE family: a new variant that uses the known hyperparameters is one
#: ``ARCHITECTURES.register(Architecture(...))`` call (grid, trainer and, in the study, the
#: workflow's wildcards and the figures read it; the config schema's ``sae.architectures``
#: enum lists the selectable names, which a test checks).
ARCHITECTURES: Registry[Architecture] = Registry("SAE architecture", check=_check)


ARCHITECTURES.register(Architecture("standard", ("l1",), _standard))
ARCHITECTURES.register(Architecture("topk", ("k",), _topk))
ARCHITECTURES.register(Architecture("jumprelu", ("l1", "bandwidth"), _jumprelu, _jumprelu_state))
ARCHITECTURES.register(
    Architecture("jumprelu_seed_code", ("l1", "bandwidth"), _jumprelu_seed_code, selectable=False)
)
ARCHITECTURES.register(
    Architecture("gated", ("l1",), _gated, _gated_state, aux_loss=_gated_aux_loss)
)
ARCHITECTURES.register(
    Architecture(
        "batchtopk", ("k",), _batchtopk, train_forward=_batchtopk_train,
        init_buffers=_batchtopk_buffers, update_buffers=_batchtopk_update,
    )
)  # fmt: skip
ARCHITECTURES.register(
    Architecture(
        "topk_auxk", ("k",), _topk, init_buffers=_auxk_buffers,
        update_buffers=_auxk_update, aux_loss=_auxk_loss,
    )
)  # fmt: skip
ARCHITECTURES.register(
    Architecture("jumprelu_quantile", ("l1", "bandwidth"), _jumprelu, _jumprelu_quantile_state)
)


def selectable_architectures() -> list[str]:
    """The families that stand on their own (``selectable``), in registry order."""
    return [name for name, arch in ARCHITECTURES.items() if arch.selectable]

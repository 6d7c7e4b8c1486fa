"""CEBRA's own attribution as a neuron-level reference for every latent.

``cebra.attribution``'s Jacobian-based method (``"jacobian-based"``) differentiates the
CEBRA embedding with respect to every neuron of its input window; weighted by the spikes
(gradient x input, :func:`cebra_jacobian`) that is ``C(t)`` (dim x neurons), how much each
neuron's spikes move each dim at ``t``. A CEBRA dim's attribution to a neuron is
``mean_t |C(t)|``; an SAE latent ``h_j = act(W_enc z + b)_j`` is attributed through its
encoder, ``1[h_j(t) > 0] · W_enc[j] C(t)`` (the TopK family passes ``pre`` unchanged on
the kept latents), so its attribution is ``mean_t |1[h_j(t) > 0] · W_enc[j] C(t)|``. Every
latent then has a neuron with the most attribution, to compare with the neuron it
correlates with most.

The xCEBRA paper's own map (Schneider et al., AISTATS 2025) inverts the Jacobian instead:
per sample the least-squares inverse of ``J(t)`` (dim x neurons, averaged over the input
window), transposed, with cebra's ``jf-inv-lsq`` method; its ``mean_t |J(t)^+ᵀ|`` (dim x
neurons) attributes each embedding dim to the neurons (:attr:`Jacobian.inverse`).

``cebra.attribution`` imports cvxpy and captum: ``pip install -e '.[attribution]'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cebra_sae.errors import StudyError

#: How to get what ``cebra.attribution`` imports.
INSTALL_HINT = (
    "pip install -e '.[attribution]' (cvxpy and captum, which cebra.attribution imports), "
    "or set posthoc.attribution: false"
)


def missing_packages() -> list[str]:
    """The packages ``cebra.attribution`` needs that are not installed (none: it works)."""
    from importlib.util import find_spec

    return [name for name in ("cvxpy", "captum") if find_spec(name) is None]


@dataclass
class Jacobian:
    """An embedding's attribution on a split's spikes (:func:`cebra_jacobian`).

    Attributes:
        gxi: ``(T', dim, N)`` gradient x input per sample.
        inverse: ``(dim, N)`` the inverted-Jacobian map, ``mean_t |J(t)^+ᵀ|`` (cebra's
            ``jf-inv-lsq``, the xCEBRA paper's attribution).
        first: the index of the sample ``gxi``'s first row belongs to.
    """

    gxi: np.ndarray
    inverse: np.ndarray
    first: int


def cebra_jacobian(model_path, spikes: np.ndarray, chunk: int = 256) -> Jacobian:
    """Gradient x input of a saved CEBRA model on ``spikes``, per sample.

    ``cebra.attribution.init("jacobian-based", ...)`` prepares the model's input windows
    (its receptive field); the Jacobian of each window is computed with the method's own
    ``compute_jacobian`` (``cebra.attribution._jacobian``), ``J(t)`` of shape
    ``(dim, N, window)``, and multiplied by the window's spikes and summed over the window:
    ``C(t)[d, n] = Σ_w J(t)[d, n, w] · x_n(t + w)``, how much neuron ``n``'s spikes move
    dim ``d`` at ``t``. (The raw Jacobian, cebra's ``jf`` map, is largest for neurons that
    are almost silent on the split: per spike the network is most sensitive to rare inputs,
    so its top neuron is one that hardly fires. Gradient x input weighs that by the spikes.)

    The raw Jacobian averaged over the window (cebra's ``jf``) is inverted per sample with
    the method's own least-squares inverse for :attr:`Jacobian.inverse`.

    Returns:
        The :class:`Jacobian`: ``gxi`` of shape ``(T', dim, N)`` (``T'`` = the samples with a
        full receptive field), the inverted-Jacobian map and the first sample's index.

    Raises:
        StudyError: cebra.attribution's dependencies are missing (names the fix).
    """
    missing = missing_packages()
    if missing:
        raise StudyError(f"CEBRA attribution needs {missing}: {INSTALL_HINT}")
    import cebra
    import cebra.attribution
    import torch
    from cebra.attribution._jacobian import compute_jacobian

    model = cebra.CEBRA.load(str(model_path), weights_only=False).model_.to("cpu").float()
    model.eval()
    method = cebra.attribution.init(
        name="jacobian-based",
        model=model,
        input_data=torch.as_tensor(np.asarray(spikes), dtype=torch.float32),
        output_dimension=model.num_output,
    )
    windows = method.input_data.detach()  # (T', N, window)
    out, raw = [], []
    for start in range(0, len(windows), chunk):
        x = windows[start : start + chunk].clone().requires_grad_(True)
        jacobian = compute_jacobian(model, [x], cuda_device="cpu", convert_to_numpy=True)
        out.append(np.einsum("tdnw,tnw->tdn", jacobian, x.detach().numpy()))
        raw.append(jacobian.mean(axis=-1))  # cebra's jf: the window averaged
    inverse, _ = method._inverse(np.concatenate(raw), method="lsq")  # (T', dim, N)
    return Jacobian(np.concatenate(out).astype(np.float64), np.abs(inverse).mean(axis=0),
                    int(model.get_offset().left))  # fmt: skip


def latent_attribution(
    jf: np.ndarray, encoder: np.ndarray, active: np.ndarray, chunk: int = 128
) -> np.ndarray:
    """Mean ``|∂latent/∂neuron · spikes|`` over samples, ``(P, N)``.

    Args:
        jf: ``(T, dim, N)`` attribution of the embedding (:func:`cebra_jacobian`).
        encoder: ``(P, dim)`` linear map from the embedding to the latents' pre-activation
            (the identity for the CEBRA dims themselves).
        active: ``(T, P)`` where each latent passes its gradient (``h > 0`` for an SAE;
            all True for CEBRA dims).

    Example:
        >>> jf = np.ones((4, 2, 3)) * np.array([1.0, 2.0, 0.0])  # dim x neuron, per sample
        >>> latent_attribution(jf, np.eye(2), np.ones((4, 2), bool))
        array([[1., 2., 0.],
               [1., 2., 0.]])
    """
    jf = np.asarray(jf, dtype=np.float32)
    encoder = np.asarray(encoder, dtype=np.float32)
    active = np.asarray(active, dtype=np.float32)
    total = np.zeros((encoder.shape[0], jf.shape[2]))
    for start in range(0, len(jf), chunk):
        grad = np.einsum("pd,tdn->tpn", encoder, jf[start : start + chunk])
        total += np.abs(grad * active[start : start + chunk, :, None]).sum(axis=0)
    return total / max(len(jf), 1)


def attribution_columns(attribution: np.ndarray, best_neuron: np.ndarray) -> dict:
    """Per latent: the neuron with the most attribution and the rank (1 = most) of the
    neuron it correlates with most; NaN / missing for a latent with no attribution."""
    attribution = np.asarray(attribution)
    has = attribution.max(axis=1) > 0
    order = np.argsort(-attribution, axis=1, kind="stable")
    rank = np.argmax(order == np.asarray(best_neuron)[:, None], axis=1) + 1
    return {
        "attribution_neuron": np.where(has, order[:, 0], -1),
        "attribution_rank": np.where(has, rank, -1),
    }

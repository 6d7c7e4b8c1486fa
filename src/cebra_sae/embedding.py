"""CEBRA embeddings: fit on the train split, transform both splits.

A protocol whose ``cebra_supervised`` is set (``paper``) trains on the three label
columns (CEBRA-Behavior); the others (``seed_code``) train without labels (time
contrastive), as the published models were. The device is resolved once (``auto`` =
CUDA when present) and recorded.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.poisson(1.0, size=(300, 6)).astype("float32")
    >>> y = rng.uniform(size=(300, 3)).astype("float32")
    >>> params = dict(output_dimension=3, num_hidden_units=8, learning_rate=1e-3,
    ...               max_iterations=5, batch_size=32)
    >>> fit = fit_cebra(x[:240], x[240:], y[:240], params, protocol="paper", seed=0)
    >>> fit.embedding_train.shape, fit.embedding_valid.shape, len(fit.loss)
    ((240, 3), (60, 3), 5)
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cebra_sae.config import defaults, load_schema
from cebra_sae.errors import StudyError
from cebra_sae.protocols import get_protocol

DEVICES = tuple(load_schema()["properties"]["cebra"]["properties"]["device"]["enum"])

#: The CEBRA settings the sweep does not vary (STUDY.md §2): config keys under ``cebra``.
FIXED_KEYS = (
    "model_architecture",
    "time_offsets",
    "temperature_mode",
    "temperature",
    "max_iterations",
    "distance",
    "batch_size",
)


def fixed_params(cebra_config: dict | None = None) -> dict:
    """The fixed CEBRA keyword arguments from the config's ``cebra`` section (default: the
    schema's defaults, i.e. the paper's settings).

    Example:
        >>> fixed_params()["model_architecture"]
        'offset10-model'
        >>> fixed_params({"max_iterations": 20})["max_iterations"]
        20
    """
    config = {**defaults("cebra"), **(cebra_config or {})}
    return {key: config[key] for key in FIXED_KEYS}


def resolve_device(device: str, key: str = "device") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` must exist.

    Args:
        device: ``auto``, ``cpu`` or ``cuda``.
        key: the config key the value came from (``cebra.device``, ``sae.device``), named
            in the error.
    """
    import torch

    if device not in DEVICES:
        raise StudyError(f"{key} must be one of {DEVICES}, got '{device}'.")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise StudyError(
            f"{key}: cuda was requested but torch sees no GPU on this machine. "
            f"Fix: set {key}: auto (or cpu), or run on a GPU node."
        )
    return device


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) for a reproducible fit."""
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


@contextlib.contextmanager
def seeded_cebra_sampling(seed: int):
    """Make CEBRA's samplers reproducible for the duration of a fit.

    CEBRA's distributions (``cebra.distributions.base.HasGenerator``) seed their
    private ``torch.Generator`` with ``Generator.seed()``, i.e. from the OS's entropy,
    whatever the global torch seed is (CEBRA 0.6 documents that its seeding is not yet
    to be relied on). Inside this context every distribution built gets a generator
    seeded from ``seed`` and its construction order instead, so the same config gives
    the same batches, the same model and the same embeddings.
    """
    from cebra.distributions import base

    original = base.HasGenerator.__init__
    order = itertools.count()

    def seeded_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        derived = int(np.random.SeedSequence([seed, next(order)]).generate_state(1)[0])
        self._seed = derived
        self.generator.manual_seed(derived)

    base.HasGenerator.__init__ = seeded_init
    try:
        yield
    finally:
        base.HasGenerator.__init__ = original


@dataclass
class CebraFit:
    """A fitted CEBRA model and what the study keeps from it."""

    model: object
    embedding_train: np.ndarray
    embedding_valid: np.ndarray
    loss: np.ndarray  # total loss per iteration
    device: str
    train_seconds: float
    info: dict = field(default_factory=dict)


def fit_cebra(
    spikes_train: np.ndarray,
    spikes_valid: np.ndarray,
    labels_train: np.ndarray | None,
    params: dict,
    protocol: str = defaults("protocols")[0],
    seed: int = 0,
    device: str = defaults("cebra", "device"),
    threads: int = defaults("cebra", "threads"),
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = defaults("cebra", "log_every"),
) -> CebraFit:
    """Fit CEBRA on the train split and embed both splits (each transformed separately).

    Args:
        spikes_train, spikes_valid: ``(T, N)`` spike counts.
        labels_train: ``(T, 3)`` labels; used only under protocol ``paper``.
        params: CEBRA keyword arguments (``output_dimension``, ``num_hidden_units``,
            ``learning_rate`` and the fixed ones; missing fixed ones take the schema's
            defaults, :func:`fixed_params`).
        protocol: a registered protocol; it says whether CEBRA is fit on the labels.
        seed: seeds torch/NumPy before the fit.
        device: ``auto``, ``cpu`` or ``cuda``.
        threads: torch CPU threads.
        progress: called as ``progress(iteration, loss)`` every ``progress_every`` steps.
    """
    import cebra
    import torch

    supervised = get_protocol(protocol).cebra_supervised
    used_device = resolve_device(device)
    torch.set_num_threads(int(threads))
    seed_everything(seed)
    kwargs = {**fixed_params(), **params}
    model = cebra.CEBRA(**kwargs, device=used_device, verbose=False)

    callback = None
    if progress is not None:

        def callback(step, solver):  # CEBRA's save hook: (iteration, solver)
            total = solver.log.get("total", [])
            progress(int(step), float(total[-1]) if total else float("nan"))

    x_train = np.asarray(spikes_train, dtype=np.float32)
    fit_args = (x_train,)
    if supervised:
        if labels_train is None:
            raise StudyError(f"protocol '{protocol}' trains supervised and needs labels_train.")
        fit_args = (x_train, np.asarray(labels_train, dtype=np.float32))
    start = time.perf_counter()
    with seeded_cebra_sampling(seed):
        model.fit(
            *fit_args,
            callback=callback,
            callback_frequency=progress_every if callback is not None else None,
        )
    seconds = time.perf_counter() - start
    loss = np.asarray(model.state_dict_["log"]["total"], dtype=np.float64)
    embedding_train = model.transform(x_train)
    embedding_valid = model.transform(np.asarray(spikes_valid, dtype=np.float32))
    return CebraFit(
        model=model,
        embedding_train=np.asarray(embedding_train, dtype=np.float32),
        embedding_valid=np.asarray(embedding_valid, dtype=np.float32),
        loss=loss,
        device=used_device,
        train_seconds=seconds,
        info=dict(kwargs, protocol=protocol, seed=seed, device=used_device, threads=threads),
    )

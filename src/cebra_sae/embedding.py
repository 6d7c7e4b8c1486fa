"""CEBRA embeddings: fit on the train split, transform both splits.

Stage 2 of the study. A ``supervised`` fit trains on the three label columns
(CEBRA-Behavior: protocol ``paper``); the others train without labels (time contrastive, as
the published models were: ``seed_code``); which one a protocol uses is its
``cebra_supervised`` (:mod:`cebra_sae.protocols`). The device is resolved once (``auto`` =
CUDA when present) and recorded. The shuffled-spikes null (:func:`permute_time`) is the same
fit on train spikes whose time bins are permuted.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.poisson(1.0, size=(300, 6)).astype("float32")
    >>> y = rng.uniform(size=(300, 3)).astype("float32")
    >>> params = dict(output_dimension=3, num_hidden_units=8, learning_rate=1e-3,
    ...               max_iterations=5, batch_size=32)
    >>> fit = fit_cebra(x[:240], x[240:], y[:240], params, supervised=True, seed=0)
    >>> fit.embedding_train.shape, fit.embedding_valid.shape, len(fit.loss)
    ((240, 3), (60, 3), 5)
"""

from __future__ import annotations

import contextlib
import itertools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cebra_sae.config import defaults
from cebra_sae.devices import resolve_device
from cebra_sae.errors import StudyError

#: The CEBRA settings the sweep does not vary (docs/study.md §2): config keys under ``cebra``.
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


#: Random projections per step of xCEBRA's Jacobian regulariser (cebra.models.JacobianReg).
JACOBIAN_PROJECTIONS = 1


@contextlib.contextmanager
def jacobian_regularized(weight: float | None):
    """Fit with cebra's ``regularized-solver`` (xCEBRA's Jacobian regularisation) inside.

    ``cebra.CEBRA.fit`` builds a ``single-session`` solver for one recording; inside this
    context that solver is cebra's ``RegularizedSolver`` instead (the same contrastive loss
    plus ``weight`` x ``cebra.models.JacobianReg``, the squared Frobenius norm of the
    embedding's Jacobian; Schneider et al., AISTATS 2025), so the labels, sampling, model
    and everything else of the fit stay CEBRA's. The saved model loads with
    ``cebra.CEBRA.load`` (as a single-session one: the regulariser only acts in training).
    ``weight`` None: no change.
    """
    if weight is None:
        yield
        return
    import cebra.models
    import cebra.solver

    original = cebra.solver.init

    def init(name, *args, **kwargs):
        if name != "single-session":
            raise StudyError(f"xCEBRA's regularised fit needs a single-session CEBRA fit, "
                             f"not cebra's '{name}' solver.")  # fmt: skip
        solver = original("regularized-solver", *args, lambda_JR=float(weight), **kwargs)
        # one random projection per step (JacobianReg's default, as xCEBRA's own multi-
        # objective fits use it) instead of the solver's exact one projection per dim, whose
        # cost grows with dim (at dim 16, 8x a CEBRA step; this: about 2x at every dim)
        solver.jac_regularizer = cebra.models.JacobianReg(n=JACOBIAN_PROJECTIONS)
        return solver

    cebra.solver.init = init
    try:
        with warnings.catch_warnings():  # JacobianReg's call of a deprecated torch overload
            warnings.filterwarnings("ignore", message="This overload of addcdiv")
            yield
    finally:
        cebra.solver.init = original


def total_loss(log: dict) -> list:
    """The loss minimised per step from a cebra solver's log: ``total`` (CEBRA's solvers),
    ``loss_reg`` (the regularised solver: contrastive loss + weighted Jacobian term)."""
    return log.get("total", log.get("loss_reg", []))


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
    supervised: bool = True,
    seed: int = 0,
    device: str = defaults("cebra", "device"),
    threads: int = defaults("cebra", "threads"),
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = defaults("cebra", "log_every"),
    fast_search: bool = defaults("cebra", "fast_search"),
    jacobian_weight: float | None = None,
) -> CebraFit:
    """Fit CEBRA on the train split and embed both splits (each transformed separately).

    Args:
        spikes_train, spikes_valid: ``(T, N)`` spike counts.
        labels_train: ``(T, 3)`` labels; used only when ``supervised``.
        params: CEBRA keyword arguments (``output_dimension``, ``num_hidden_units``,
            ``learning_rate`` and the fixed ones; missing fixed ones take the schema's
            defaults, :func:`fixed_params`).
        supervised: fit on the labels (CEBRA-Behavior) or on time alone.
        seed: seeds torch/NumPy before the fit.
        device: ``auto``, ``cpu`` or ``cuda``.
        threads: torch CPU threads.
        progress: called as ``progress(iteration, loss)`` every ``progress_every`` steps.
        fast_search: draw the positive pairs with the exact, faster search of
            :func:`cebra_sae.pair_search.fast_pair_search` (same indices, same fit).
        jacobian_weight: fit xCEBRA instead: the same fit with cebra's Jacobian-regularised
            solver at this weight (:func:`jacobian_regularized`); None: CEBRA.
    """
    import cebra
    import torch

    from cebra_sae.pair_search import fast_pair_search

    used_device = resolve_device(device)
    torch.set_num_threads(int(threads))
    seed_everything(seed)
    kwargs = {**fixed_params(), **params}
    model = cebra.CEBRA(**kwargs, device=used_device, verbose=False)

    callback = None
    if progress is not None:

        def callback(step, solver):  # CEBRA's save hook: (iteration, solver)
            total = total_loss(solver.log)
            progress(int(step), float(total[-1]) if total else float("nan"))

    x_train = np.asarray(spikes_train, dtype=np.float32)
    fit_args = (x_train,)
    if supervised:
        if labels_train is None:
            raise StudyError("a supervised CEBRA fit needs labels_train.")
        fit_args = (x_train, np.asarray(labels_train, dtype=np.float32))
    start = time.perf_counter()
    search = fast_pair_search() if fast_search else contextlib.nullcontext()
    with seeded_cebra_sampling(seed), search, jacobian_regularized(jacobian_weight):
        model.fit(
            *fit_args,
            callback=callback,
            callback_frequency=progress_every if callback is not None else None,
        )
    seconds = time.perf_counter() - start
    loss = np.asarray(total_loss(model.state_dict_["log"]), dtype=np.float64)
    embedding_train = model.transform(x_train)
    embedding_valid = model.transform(np.asarray(spikes_valid, dtype=np.float32))
    return CebraFit(
        model=model,
        embedding_train=np.asarray(embedding_train, dtype=np.float32),
        embedding_valid=np.asarray(embedding_valid, dtype=np.float32),
        loss=loss,
        device=used_device,
        train_seconds=seconds,
        info=dict(
            kwargs,
            supervised=supervised,
            seed=seed,
            device=used_device,
            threads=threads,
            fast_search=fast_search,
            jacobian_weight=jacobian_weight,
        ),
    )


def cebra_params(cebra_config: dict, dim, hidden, lr) -> dict:
    """CEBRA keyword arguments of one fit of the sweep: the swept values (from a job's
    wildcards), the rest fixed (:func:`fixed_params`).

    Example:
        >>> p = cebra_params({"max_iterations": 20}, "8", "32", "0.001")
        >>> p["output_dimension"], p["num_hidden_units"], p["learning_rate"], p["max_iterations"]
        (8, 32, 0.001, 20)
    """
    return {
        **fixed_params(cebra_config),
        "output_dimension": int(dim),
        "num_hidden_units": int(hidden),
        "learning_rate": float(lr),
    }


def is_final(cebra_config: dict, hidden, lr) -> bool:
    """Whether a fit has the final embeddings' hidden units and learning rate
    (``cebra.final``), i.e. feeds the SAEs and the post-hoc study."""
    final = {**defaults("cebra", "final"), **cebra_config.get("final", {})}
    return int(hidden) == final["num_hidden_units"] and float(lr) == float(final["learning_rate"])


def permute_time(spikes: np.ndarray, seed: int) -> np.ndarray:
    """The spikes with their time bins (rows) permuted by a seeded generator: every neuron
    keeps its rates and co-firing, the link to the labels is gone (the shuffled-spikes null).

    Example:
        >>> x = np.arange(10.0).reshape(5, 2)
        >>> y = permute_time(x, 0)
        >>> sorted(map(tuple, y)) == sorted(map(tuple, x)), bool((y != x).any())
        (True, True)
    """
    order = np.random.default_rng(seed).permutation(len(spikes))
    return np.asarray(spikes)[order]

"""The SAE hyperparameter grid: one :class:`SAESpec` per model.

A *block* is every model of one rat x dim x architecture x expansion: they all have the
same shape and are trained together. Its grid is lr x the architecture's own
hyperparameters (STUDY.md §4: standard lr x λ = 9, topk lr x k = 9, jumprelu
lr x λ x bandwidth = 27 models).

Example:
    >>> grid = {"learning_rate": [1e-4, 1e-3], "l1": [1e-3], "k": [8, 16],
    ...         "bandwidth": [1e-3], "seeds": [0]}
    >>> for spec in block_grid("topk", 8, grid):
    ...     print(spec.model_id)
    topk-x8-lr0.0001-k8-seed0
    topk-x8-lr0.0001-k16-seed0
    topk-x8-lr0.001-k8-seed0
    topk-x8-lr0.001-k16-seed0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from itertools import product


def _hyperparameter(id_prefix: str, dtype: str, doc: str):
    """A hyperparameter field of :class:`SAESpec`: None where the architecture has none.

    ``id_prefix`` tags it in ``model_id``; ``dtype`` and ``doc`` make its ``sae_sweep``
    column (:data:`cebra_sae.tables.SAE_SWEEP` is built from these fields).
    """
    return field(default=None, metadata={"id": id_prefix, "dtype": dtype, "doc": doc})


@dataclass(frozen=True)
class SAESpec:
    """One SAE: architecture, expansion and its hyperparameters (None where unused).

    The hyperparameter fields (``l1``, ``k``, ``bandwidth``) are the ones an
    architecture's ``grid_keys`` can name; each is a list under ``sae`` in the config and a
    column of the sweep table (type and meaning from its metadata), and its ``id`` metadata
    is its tag in ``model_id``. A new hyperparameter is a new field here and its list in the
    config schema.
    """

    arch: str
    expansion: int
    lr: float
    l1: float | None = _hyperparameter(
        "l1", "float64", "penalty weight λ (architectures with an L1/L0 penalty; NaN otherwise)"
    )
    k: int | None = _hyperparameter(
        "k", "Int64", "latents kept per sample (TopK; null otherwise), as configured"
    )
    bandwidth: float | None = _hyperparameter("bw", "float64", "JumpReLU ε (NaN otherwise)")
    seed: int = 0

    @classmethod
    def hyperparameters(cls) -> tuple[str, ...]:
        """The hyperparameter fields, in model-id order."""
        return tuple(f.name for f in fields(cls) if "id" in f.metadata)

    @classmethod
    def hyperparameter_columns(cls) -> dict[str, tuple[str, str]]:
        """The hyperparameters as table columns: name -> (dtype, meaning)."""
        return {
            f.name: (f.metadata["dtype"], f.metadata["doc"])
            for f in fields(cls)
            if "id" in f.metadata
        }

    @property
    def model_id(self) -> str:
        """A stable, readable address of the model inside its block."""
        parts = [self.arch, f"x{self.expansion}", f"lr{self.lr:g}"]
        for f in fields(self):
            value = getattr(self, f.name)
            if "id" in f.metadata and value is not None:
                parts.append(f"{f.metadata['id']}{value:g}")
        parts.append(f"seed{self.seed}")
        return "-".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)


def grid_keys(arch: str) -> tuple[str, ...]:
    """The ``sae`` config lists a block of ``arch`` reads: learning rates, its own
    hyperparameters and seeds."""
    from cebra_sae.sae.architectures import get_architecture

    return ("learning_rate", *get_architecture(arch).grid_keys, "seeds")


def block_grid(arch: str, expansion: int, grid: dict) -> list[SAESpec]:
    """Every model of one block, in a fixed order (lr, then the arch's own keys, seed).

    ``grid`` holds the ``sae`` config's lists (at least :func:`grid_keys` of ``arch``).
    """
    keys = grid_keys(arch)
    missing = [key for key in keys if key not in grid]
    if missing:
        raise KeyError(f"the grid of architecture '{arch}' needs the sae lists {missing}")
    own = keys[1:-1]
    specs = []
    for lr, *values, seed in product(*(grid[key] for key in keys)):
        specs.append(
            SAESpec(arch, int(expansion), float(lr), seed=int(seed),
                    **dict(zip(own, values, strict=True)))
        )  # fmt: skip
    return specs


def selection_grid(arch: str, expansion: int, selection: dict, seeds) -> list[SAESpec]:
    """The selected SAEs of ``posthoc.selection`` (lr x k) at every SAE seed of ``seeds``.

    Example:
        >>> [s.model_id for s in selection_grid("topk", 8, {"learning_rate": 1e-3,
        ...                                                 "k": [8]}, [0, 1])]
        ['topk-x8-lr0.001-k8-seed0', 'topk-x8-lr0.001-k8-seed1']
    """
    grid = {"learning_rate": [selection["learning_rate"]], "k": selection["k"], "seeds": seeds}
    return block_grid(arch, expansion, grid)


def block_specs(arch: str, expansion: int, sweep: dict | None = None,
                selection: list[SAESpec] | None = None) -> list[SAESpec]:  # fmt: skip
    """A block's models: the sweep grid (``sweep``: the ``sae`` lists, see
    :func:`block_grid`) and the selected models not already in it, each once."""
    specs = block_grid(arch, expansion, sweep) if sweep else []
    known = {s.model_id for s in specs}
    specs += [s for s in (selection or []) if s.model_id not in known]
    if not specs:
        raise ValueError(f"block {arch} x{expansion} has no models")
    return specs

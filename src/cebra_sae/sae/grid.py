"""The SAE hyperparameter grid: one :class:`SAESpec` per model.

A *block* is every model of one rat x dim x architecture x expansion: they all have the
same shape and are trained together. Its grid is lr x the architecture's own
hyperparameters, crossed with the SAE seeds (the paper's grid: standard lr x λ = 9, topk
lr x k = 9, jumprelu lr x λ x bandwidth = 27 models).

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

from itertools import product

from cebra_sae.sae.architectures import ARCHITECTURES
from cebra_sae.sae.spec import SAESpec


def grid_keys(arch: str) -> tuple[str, ...]:
    """The ``sae`` config lists a block of ``arch`` reads: learning rates, its own
    hyperparameters and seeds."""
    return ("learning_rate", *ARCHITECTURES[arch].grid_keys, "seeds")


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
            SAESpec(arch, int(expansion), float(lr), sae_seed=int(seed),
                    **dict(zip(own, values, strict=True)))
        )  # fmt: skip
    return specs


def selection_grid(arch: str, expansion: int, selection: dict, seeds) -> list[SAESpec]:
    """The selected SAEs (one learning rate x its k values) at every SAE seed of ``seeds``:
    ``selection`` holds ``learning_rate`` and ``k`` (the study's ``posthoc.selection``).

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

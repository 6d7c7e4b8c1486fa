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

from dataclasses import asdict, dataclass
from itertools import product


@dataclass(frozen=True)
class SAESpec:
    """One SAE: architecture, expansion and its hyperparameters (None where unused)."""

    arch: str
    expansion: int
    lr: float
    l1: float | None = None
    k: int | None = None
    bandwidth: float | None = None
    seed: int = 0

    @property
    def model_id(self) -> str:
        """A stable, readable address of the model inside its block."""
        parts = [self.arch, f"x{self.expansion}", f"lr{self.lr:g}"]
        if self.l1 is not None:
            parts.append(f"l1{self.l1:g}")
        if self.k is not None:
            parts.append(f"k{self.k}")
        if self.bandwidth is not None:
            parts.append(f"bw{self.bandwidth:g}")
        parts.append(f"seed{self.seed}")
        return "-".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)


#: The paper's grid (STUDY.md §4), the schema's defaults for ``sae``.
PAPER_GRID = dict(
    learning_rate=[1e-4, 3e-4, 1e-3],
    l1=[1e-4, 1e-3, 1e-2],
    k=[8, 16, 32],
    bandwidth=[5e-4, 1e-3, 5e-3],
    seeds=[0],
)

#: which grid lists each architecture crosses with the learning rates
ARCH_GRID_KEYS = {"standard": ("l1",), "topk": ("k",), "jumprelu": ("l1", "bandwidth")}


def block_grid(arch: str, expansion: int, grid: dict) -> list[SAESpec]:
    """Every model of one block, in a fixed order (lr, then the arch's own keys, seed)."""
    if arch not in ARCH_GRID_KEYS:
        raise KeyError(f"unknown SAE architecture '{arch}'; known: {sorted(ARCH_GRID_KEYS)}")
    keys = ARCH_GRID_KEYS[arch]
    lists = [grid["learning_rate"], *(grid[key] for key in keys), grid["seeds"]]
    specs = []
    for lr, *values, seed in product(*lists):
        own = dict(zip(keys, values, strict=True))
        specs.append(SAESpec(arch, int(expansion), float(lr), seed=int(seed), **own))
    return specs

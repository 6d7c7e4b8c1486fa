"""One SAE's hyperparameters and its address: :class:`SAESpec`.

Example:
    >>> spec = SAESpec("topk", expansion=8, lr=1e-3, k=16, sae_seed=1)
    >>> spec.model_id
    'topk-x8-lr0.001-k16-seed1'
    >>> SAESpec.hyperparameters()
    ('l1', 'k', 'bandwidth')
    >>> SAESpec.from_dict(spec.as_dict()) == spec
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


def path_text(value) -> str:
    """A swept number as result paths and model ids write it (``0.001``, ``1e-05``).

    Example:
        >>> path_text(0.001), path_text(0.00100000001), path_text(1e-05)
        ('0.001', '0.001', '1e-05')
    """
    return f"{float(value):g}"


def _hyperparameter(id_prefix: str, dtype: str, doc: str):
    """A hyperparameter field of :class:`SAESpec`: None where the architecture has none.

    ``id_prefix`` tags it in ``model_id``; ``dtype`` and ``doc`` describe it as a table
    column (the study's ``sae_sweep`` table is built from these fields).
    """
    return field(default=None, metadata={"id": id_prefix, "dtype": dtype, "doc": doc})


@dataclass(frozen=True)
class SAESpec:
    """One SAE: architecture, expansion, learning rate, its hyperparameters (None where
    unused) and its seed.

    The hyperparameter fields (``l1``, ``k``, ``bandwidth``) are the ones an
    architecture's ``grid_keys`` can name; in the study each is a list under ``sae`` in the
    config and a column of the sweep table (type and meaning from its metadata), and its
    ``id`` metadata is its tag in ``model_id``. A new hyperparameter is a new field here (and,
    in the study, its list in the config schema). ``sae_seed`` seeds the initial weights and
    the data order (tag ``seed`` in ``model_id``).
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
    sae_seed: int = 0

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
        parts = [self.arch, f"x{self.expansion}", f"lr{path_text(self.lr)}"]
        for f in fields(self):
            value = getattr(self, f.name)
            if "id" in f.metadata and value is not None:
                parts.append(f"{f.metadata['id']}{path_text(value)}")
        parts.append(f"seed{self.sae_seed}")
        return "-".join(parts)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> SAESpec:
        """The spec of :meth:`as_dict` (a dict written before 0.2.0 has ``seed`` for
        ``sae_seed``: read as such)."""
        values = dict(values)
        if "seed" in values:
            values["sae_seed"] = values.pop("seed")
        return cls(**values)

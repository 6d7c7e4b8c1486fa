"""What the workflow checks before any job runs, as plain functions on the config.

``workflow/rules/common.smk`` calls :func:`check_study` once the config is validated
against its schema (which fills in every default). A problem raises a
:class:`~cebra_sae.errors.StudyError` whose message names the key or file and the fix; the
workflow prints it as ``Config error: ...`` and stops before any job, so nothing already
computed is touched. Notes (what will run as configured but deserves a word) are returned.

Example:
    >>> from cebra_sae.config import defaults
    >>> config = defaults()
    >>> config["rats"] = {"sim": {"source": "synthetic"}}
    >>> config["posthoc"]["selection"]["k"] = [8, 12]
    >>> try:
    ...     check_study(config, deep=False)
    ... except StudyError as err:
    ...     print(str(err)[:50])
    posthoc.selection.k: [12] not in sae.k [8, 16, 32]
"""

from __future__ import annotations

from itertools import product

from cebra_sae.data.sources import check_rat
from cebra_sae.devices import resolve_device
from cebra_sae.errors import StudyError
from cebra_sae.posthoc.attribution import INSTALL_HINT, missing_packages
from cebra_sae.sae.grid import grid_keys


def check_rats(config: dict, deep: bool = True) -> None:
    """Every recording can be found (and, with ``deep``, read): :func:`check_rat` per rat.

    ``deep`` is for the workflow's main process: CEBRA files are checked against CEBRA's md5
    and user files loaded, so a bad file stops the run before Snakemake removes any output
    to rerun a job.
    """
    for rat, spec in config["rats"].items():
        check_rat(rat, spec, config["data_dir"], config["download"], deep)


def check_selection(config: dict) -> None:
    """The selected SAEs (``posthoc.selection``) must be part of the sweep (``sae``)."""
    selection, sae = config["posthoc"]["selection"], config["sae"]
    for key, grid_key in (("arch", "architectures"), ("expansion", "expansion"),
                          ("learning_rate", "learning_rate")):  # fmt: skip
        if selection[key] not in sae[grid_key]:
            raise StudyError(
                f"posthoc.selection.{key}: {selection[key]} is not in sae.{grid_key} "
                f"{sae[grid_key]}. Fix: select a swept value or add it there."
            )
    missing = sorted(set(selection["k"]) - set(sae["k"]))
    if missing:
        raise StudyError(
            f"posthoc.selection.k: {missing} not in sae.k {sae['k']}. "
            "Fix: select swept k values or add them to sae.k."
        )


def check_attribution(config: dict, conda: bool = False) -> None:
    """``posthoc.attribution`` needs what ``cebra.attribution`` imports (a ``--sdm conda``
    run gets it from ``envs/cebra.yaml``, so ``conda`` skips the check)."""
    missing = missing_packages()
    if config["posthoc"]["attribution"] and missing and not conda:
        raise StudyError(f"posthoc.attribution is true but {missing} are not installed: "
                         f"{INSTALL_HINT}.")  # fmt: skip


def check_devices(config: dict) -> None:
    """``device: cuda`` must find a GPU (for a local run; on a cluster the node decides and
    the job's own message names the key)."""
    for section in ("cebra", "sae"):
        if config[section]["device"] == "cuda":
            resolve_device("cuda", f"{section}.device")


def dense_topk_note(config: dict) -> str | None:
    """A note when TopK's k is at least the SAE width somewhere in the grid: such models keep
    every latent (no sparsity), are trained as configured, and ``sae_sweep`` records
    ``k_effective = width``."""
    sae, dims = config["sae"], config["cebra"]["output_dimension"]
    with_k = [a for a in sae["architectures"] if "k" in grid_keys(a)]
    dense = sorted(
        (dim, expansion, k)
        for dim, expansion, k in product(dims, sae["expansion"], sae["k"])
        if k >= dim * expansion
    )
    if not with_k or not dense:
        return None
    cases = ", ".join(f"k {k} on dim {d} x{e} (width {d * e})" for d, e, k in dense)
    return (
        f"Note: TopK with k >= width keeps every latent (no sparsity): {cases} "
        f"({', '.join(with_k)}). These models are trained as configured; sae_sweep records "
        "k_effective = width."
    )


def check_study(config: dict, deep: bool = True, conda: bool = False) -> list[str]:
    """Every check before any job, in order: the selection, attribution's packages, the
    recordings. Returns the notes to print.

    Raises:
        StudyError: the first problem found.
    """
    check_selection(config)
    check_attribution(config, conda)
    check_rats(config, deep)
    note = dense_topk_note(config)
    return [note] if note else []

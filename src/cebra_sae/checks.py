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

import math
import re
from itertools import product

from cebra_sae.data.sources import Size, check_rat
from cebra_sae.data.summary import direction_warnings
from cebra_sae.devices import resolve_device
from cebra_sae.errors import StudyError
from cebra_sae.posthoc.attribution import INSTALL_HINT, missing_packages
from cebra_sae.sae.grid import grid_keys
from cebra_sae.sae.spec import path_text


def check_rats(config: dict, deep: bool = True) -> list[str]:
    """Every recording can be found (and, with ``deep``, read): :func:`check_rat` per rat;
    and a recording read is long enough for every later stage (:func:`check_size`).
    Returns the notes on the recordings read (what their source wants said, and
    :func:`split_warnings`).

    ``deep`` is for the workflow's main process: CEBRA files are checked against CEBRA's md5
    and user files loaded, so a bad file stops the run before Snakemake removes any output
    to rerun a job.
    """
    notes = []
    for rat, spec in config["rats"].items():
        size = check_rat(rat, spec, config["data_dir"], config["download"], deep)
        if size is not None:
            check_size(rat, size, config)
            notes += size.notes
            notes += [f"Warning: rats.{rat}: {line}" for line in split_warnings(size, config)]
    return notes


def split_warnings(size: Size, config: dict) -> list[str]:
    """What the chronological split of a recording read at start-up will not let the study
    test (a split with too few bins of a running direction)."""
    if size.labels is None:
        return []
    n_train, _ = split_sizes(size.n_bins, config["split"]["train_fraction"])
    return direction_warnings(size.labels[:n_train], size.labels[n_train:])


def receptive_field(model_architecture: str) -> int:
    """How many time bins CEBRA's model reads for one sample (its offset's length): each split
    of a recording needs at least that many (fewer, and CEBRA refuses to fit or embed it).

    CEBRA's ``offset{N}-model`` family reads N bins; another model is asked (importing CEBRA).

    Example:
        >>> receptive_field("offset10-model"), receptive_field("offset5-model")
        (10, 5)
    """
    found = re.fullmatch(r"offset(\d+)-model", model_architecture)
    if found:
        return int(found.group(1))
    import cebra.models  # rare: a model outside the offset{N}-model family

    model = cebra.models.init(model_architecture, num_neurons=1, num_units=32, num_output=2)
    return len(model.get_offset())


def split_sizes(n_bins: int, train_fraction: float) -> tuple[int, int]:
    """``(train, validation)`` bins of :func:`cebra_sae.data.recording.chronological_split`."""
    n_train = int(math.floor(train_fraction * n_bins))
    return n_train, n_bins - n_train


def min_recording_bins(config: dict) -> int:
    """The fewest bins a recording may have for every stage to run: both splits (at
    ``split.train_fraction``) at least CEBRA's receptive field (:func:`receptive_field`).

    Example:
        >>> from cebra_sae.config import defaults
        >>> min_recording_bins(defaults())  # offset10-model, train_fraction 0.8: 36 + 10
        46
    """
    need = receptive_field(config["cebra"]["model_architecture"])
    fraction = config["split"]["train_fraction"]
    n_bins = 2 * need
    while min(split_sizes(n_bins, fraction)) < need:
        n_bins += 1
    return n_bins


def check_size(rat: str, size: Size, config: dict) -> None:
    """A recording must be long enough for the later stages (:func:`min_recording_bins`).

    Raises:
        StudyError: naming the rat, its bins and splits, what needs them, and the fix.
    """
    need = min_recording_bins(config)
    if size.n_bins >= need:
        return
    fraction = config["split"]["train_fraction"]
    n_train, n_valid = split_sizes(size.n_bins, fraction)
    arch = config["cebra"]["model_architecture"]
    raise StudyError(
        f"rats.{rat}: the recording has {size.n_bins} bins, too few for the later stages, "
        f"which need at least {need}: split.train_fraction {fraction:g} splits it into "
        f"{n_train} train and {n_valid} validation bins, and CEBRA's {arch} reads "
        f"{receptive_field(arch)} bins at a time, so each split needs at least "
        f"{receptive_field(arch)}. Fix: {size.fix} (at least {need} bins), or change "
        "split.train_fraction."
    )


#: The swept number lists written by :func:`cebra_sae.sae.spec.path_text` in result paths
#: and model ids (the CEBRA fit's ``lr{lr}`` in ``workflow/rules/common.smk``, the SAE
#: ``model_id``).
NAMED_NUMBER_LISTS = (
    ("cebra", "learning_rate"),
    ("sae", "learning_rate"),
    ("sae", "l1"),
    ("sae", "bandwidth"),
)


def check_distinct_in_paths(config: dict) -> None:
    """Two swept values that read the same in paths (``0.001``, ``0.00100000001``) would
    share their results' files and duplicate table rows: refused (:data:`NAMED_NUMBER_LISTS`).

    Raises:
        StudyError: naming the key, both values, the text they share, and the fix.
    """
    for section, key in NAMED_NUMBER_LISTS:
        seen: dict[str, object] = {}
        for value in config[section][key]:
            text = path_text(value)
            if text in seen:
                raise StudyError(
                    f"{section}.{key}: {seen[text]!r} and {value!r} are both written '{text}' "
                    "in result paths and model ids (6 significant digits), so they would share "
                    "their results and every table would count them twice. Fix: keep one of "
                    "them, or make them differ within 6 significant digits."
                )
            seen[text] = value


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
    """Every check before any job, in order: swept values distinct in paths, the selection,
    attribution's packages, the recordings (found, read, long enough). Returns the notes to
    print.

    Raises:
        StudyError: the first problem found.
    """
    check_distinct_in_paths(config)
    check_selection(config)
    check_attribution(config, conda)
    notes = check_rats(config, deep)
    note = dense_topk_note(config)
    return notes + ([note] if note else [])

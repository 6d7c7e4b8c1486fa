"""The schemas of the study's Parquet tables, and how per-job rows become tables.

Every table the workflow writes is a :class:`TableSchema` in :data:`SCHEMAS`: its columns
(name -> dtype, meaning), what one row is, where it is written and its sort order.
``docs/tables.md`` is generated from these declarations (:func:`tables_markdown`; a test
keeps it current), and :func:`conform` enforces them before writing, so a table's columns
and types never drift from its documentation.

Example:
    >>> import pandas as pd
    >>> row = pd.DataFrame([{"rat": "buddy", "source": "cebra", "n_timesteps": 10,
    ...     "n_neurons": 2, "n_train": 8, "n_valid": 2, "duration_s": 0.25,
    ...     "spikes_per_bin": 1.0, "position_min": 0.0, "position_max": 1.6,
    ...     "fraction_right": 0.5, "n_right_train": 4, "n_left_train": 4,
    ...     "n_right_valid": 1, "n_left_valid": 1, "warnings": "", "bin_seconds": 0.025,
    ...     "position_unit": "m", "bins_tracked": None, "running_share": None,
    ...     "speed_threshold": None, "units_dropped": "", "preprocessing": ""}])
    >>> conform(row, DATA_SUMMARY_SCHEMA).dtypes["n_neurons"]
    dtype('int64')
    >>> conform(row.drop(columns="warnings"), DATA_SUMMARY_SCHEMA)
    Traceback (most recent call last):
    KeyError: "data_summary: the rows lack the declared columns ['warnings']"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cebra_sae.data.recording import MIN_DIRECTION_BINS, SPLIT_NAMES
from cebra_sae.data.sources import SOURCES
from cebra_sae.io import atomic_write
from cebra_sae.measures.decoding import DECODING_METRICS
from cebra_sae.measures.membership import ATTRIBUTION_KINDS, MEMBERSHIP_COLUMNS
from cebra_sae.posthoc.classical import ASSEMBLY_NULL_DRAWS
from cebra_sae.posthoc.representations import REPRESENTATIONS
from cebra_sae.protocols import PROTOCOLS
from cebra_sae.registry import Registry
from cebra_sae.sae.spec import SAESpec

#: column -> (dtype, meaning)
Columns = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class TableSchema:
    """One table of the study.

    Attributes:
        name: the table's name (``tables/{name}.parquet`` in the results folder unless
            ``path``).
        columns: column -> (pandas dtype, meaning), in the table's order.
        rows: what one row is, for the docs.
        sort_by: the order of an aggregated table's rows.
        path: where it is written in the results folder, when not ``tables/{name}.parquet``.
    """

    name: str
    columns: Columns
    rows: str
    sort_by: tuple[str, ...] = ()
    path: str | None = None

    @property
    def location(self) -> str:
        """Its path in the results folder."""
        return self.path or f"tables/{self.name}.parquet"


#: Every table of the study.
SCHEMAS: Registry[TableSchema] = Registry("table")

_PROTOCOL_NAMES = " or ".join(f"`{name}`" for name in PROTOCOLS)
_DECODING_DOCS = {
    "pos_r2_train": "position R² on the train split",
    "pos_r2_valid": "position R² on the validation split",
    "dir_acc_train": "direction accuracy on the train split",
    "dir_acc_valid": "direction accuracy on the validation split",
}


NOT_TESTABLE_DOC = (
    "the metrics that are NaN because this recording cannot test them, and why (a split with "
    f"fewer than {MIN_DIRECTION_BINS} bins of a running direction: its direction accuracy); "
    "empty when every metric is testable"
)


def _decoding_columns() -> Columns:
    """Every CEBRA embedding decoded under every protocol (one column set per protocol)."""
    return {
        protocol.decoding_column(metric): (
            "float64",
            f"{protocol.name}: {_DECODING_DOCS[metric]}; {protocol.decoding_summary}",
        )
        for protocol in PROTOCOLS.values()
        for metric in DECODING_METRICS
    }


DATA_SUMMARY_SCHEMA = SCHEMAS.register(
    TableSchema(
        "data_summary",
        {
            "rat": ("string", "recording name (config key under `rats`)"),
            "source": ("string", " or ".join(f"`{name}`" for name in SOURCES)),
            "n_timesteps": ("int64", "number of time bins T (`bin_seconds` each)"),
            "n_neurons": ("int64", "number of neurons N"),
            "n_train": (
                "int64",
                "bins in the train split (the first `split.train_fraction` of them)",
            ),
            "n_valid": ("int64", "bins in the validation split (the rest)"),
            "duration_s": ("float64", "T x `bin_seconds`"),
            "spikes_per_bin": ("float64", "mean total spike count per bin (all neurons)"),
            "position_min": ("float64", "smallest position label (`position_unit`)"),
            "position_max": ("float64", "largest position label (`position_unit`)"),
            "fraction_right": ("float64", "share of bins labelled running right"),
            **{
                f"n_{way}_{split}": (
                    "int64",
                    f"bins running {way} in the {SPLIT_NAMES[split]} (fewer than "
                    f"{MIN_DIRECTION_BINS} of a direction: its direction accuracy is not "
                    "testable)",
                )
                for split in SPLIT_NAMES
                for way in ("right", "left")
            },
            "warnings": (
                "string",
                "what will run but give little or was cut (few neurons or bins, a split with "
                "too few bins of a direction, lost tracking, a path that is barely a line)",
            ),
            "bin_seconds": ("float64", "bin width (s)"),
            "position_unit": (
                "string",
                "unit of the position label: `m` in CEBRA's layout, else the NWB file's",
            ),
            "bins_tracked": ("Int64", "`source: nwb`: tracked bins in the epochs kept"),
            "running_share": ("float64", "`source: nwb`: running bins kept / bins tracked"),
            "speed_threshold": (
                "float64",
                "`source: nwb`: smoothed speed a running bin reaches (`position_unit` per s)",
            ),
            "units_dropped": ("string", "`source: nwb`: unit ids dropped as silent"),
            "preprocessing": ("string", "`source: nwb`: every choice made, in one sentence"),
        },
        rows="one row per recording",
        sort_by=("rat",),
    )
)

CEBRA_SWEEP_SCHEMA = SCHEMAS.register(
    TableSchema(
        "cebra_sweep",
        {
            "rat": ("string", "recording name"),
            "protocol": ("string", f"{_PROTOCOL_NAMES}: CEBRA fit with or without labels"),
            "dim": ("int64", "CEBRA `output_dimension`"),
            "hidden": ("int64", "CEBRA `num_hidden_units`"),
            "lr": ("float64", "CEBRA `learning_rate`"),
            "seed": ("int64", "seed of the fit"),
            "final": ("bool", "True for the final embeddings (`cebra.final` hidden and lr)"),
            "model_architecture": ("string", "CEBRA model (`offset10-model`)"),
            "max_iterations": ("int64", "training steps"),
            "batch_size": ("int64", "CEBRA batch size"),
            "temperature": ("float64", "InfoNCE temperature"),
            "time_offsets": ("int64", "CEBRA `time_offsets`"),
            "distance": ("string", "CEBRA `distance`"),
            "device": ("string", "device the fit actually ran on (`cpu` or `cuda`)"),
            "threads": ("int64", "torch CPU threads used"),
            "train_seconds": ("float64", "wall time of `fit`"),
            "final_loss": ("float64", "mean InfoNCE loss over the last 10 % of iterations"),
            "n_train": ("int64", "train bins"),
            "n_valid": ("int64", "validation bins"),
            **_decoding_columns(),
            "not_testable": ("string", NOT_TESTABLE_DOC),
        },
        rows=(
            "one row per CEBRA model. Decoding columns: protocol `paper` fits the decoder on the "
            "train split and scores it on train (`*_train`) and validation (`*_valid`, the paper's"
            " number); protocol `seed_code` decodes each split in-sample (`seed_code_*`)"
        ),
        sort_by=("protocol", "rat", "dim", "hidden", "lr", "seed"),
    )
)

GROUND_TRUTH_SCHEMA = SCHEMAS.register(
    TableSchema(
        "ground_truth",
        {
            "neuron": ("int64", "neuron index (column of `spikes`)"),
            "field_centre_m": ("float64", "place-field centre (m)"),
            "field_width_m": ("float64", "place-field Gaussian width, standard deviation (m)"),
            "peak_rate_hz": ("float64", "in-field peak rate above baseline (Hz)"),
            "baseline_rate_hz": ("float64", "out-of-field rate (Hz)"),
            "preferred_direction": ("string", "`right`, `left` or `both`"),
            "direction_gain": (
                "float64",
                "field scale when running against the preferred direction",
            ),
            "assemblies": (
                "string",
                "with `n_assemblies`: the true factors mixed into the neuron, `k:weight,...`; "
                "empty when each neuron is its own factor",
            ),
        },
        rows="synthetic rats, one row per simulated neuron",
        path="data/{rat}.ground_truth.parquet",
    )
)

#: Recovery of a simulated recording's true factors (cebra_sae.measures.recovery), for every SAE
#: of the grid (sae_sweep) and every post-hoc representation (posthoc).
_RECOVERY: Columns = {
    "recovery_best": (
        "float64",
        "simulated recordings: mean over true factors of the best |r| with any latent "
        "(validation; NaN on real recordings)",
    ),
    "recovery_hungarian": (
        "float64",
        "simulated recordings: mean |r| of the one-to-one Hungarian matching of true factors "
        "to latents (an unmatched factor counts 0)",
    ),
}

#: Neuron membership against a simulated rat's known answer (cebra_sae.measures.membership),
#: one column per attribution kind.
_MEMBERSHIP: Columns = {
    MEMBERSHIP_COLUMNS[kind]: (
        "float64",
        f"simulated rats with assemblies: mean over true factors of the ROC AUC of the matched "
        f"latent's neuron attribution by {text} against the factor's member neurons (0.5: "
        f"chance; NaN where the kind does not apply or no answer is known)",
    )
    for kind, text in ATTRIBUTION_KINDS.items()
}

SAE_SWEEP_SCHEMA = SCHEMAS.register(
    TableSchema(
        "sae_sweep",
        {
            "protocol": ("string", f"{_PROTOCOL_NAMES} (penalty reduction, batch size, variants)"),
            "rat": ("string", "recording name"),
            "dim": ("int64", "CEBRA output dimension d (the SAE's input)"),
            "arch": ("string", "SAE architecture (`sae.architectures`)"),
            "expansion": ("int64", "latent width / d"),
            "width": ("int64", "number of latents, d x expansion"),
            "lr": ("float64", "Adam learning rate"),
            **SAESpec.hyperparameter_columns(),  # l1, k, bandwidth: one column per hyperparameter
            "k_effective": (
                "Int64",
                "latents TopK can keep: min(k, width); k ≥ width keeps them all",
            ),
            "seed": ("int64", "seed of the CEBRA embedding the SAE was trained on (the replicate)"),
            "sae_seed": ("int64", "the SAE's own seed (initial weights and data order)"),
            "grid": (
                "bool",
                "part of the paper's sweep grid (first CEBRA seed, first SAE seed); False: a "
                "selected "
                "SAE trained at another seed for the post-hoc replicates",
            ),
            "model_id": ("string", "the model's key in its block checkpoint"),
            "checkpoint": ("string", "path of the block checkpoint (.npz) holding the model"),
            "epochs": ("int64", "training epochs"),
            "batch_size": ("int64", "training batch size"),
            "device": ("string", "device the block trained on"),
            "block_models": ("int64", "models trained together in the block"),
            "block_seconds": ("float64", "wall time of the block's training (all its models)"),
            "final_loss": ("float64", "mean training loss over the last epoch's batches"),
            "diverged": ("bool", "weights or loss not finite (metrics NaN)"),
            "all_dead": ("bool", "no latent ever active on the train split"),
            "explained_variance_train": (
                "float64",
                "1 − Σ‖z − ẑ‖² / Σ‖z − z̄‖² over the train split",
            ),
            "explained_variance_valid": ("float64", "the same over the validation split"),
            "nonzero_ratio_train": ("float64", "mean share of nonzero latents per sample, train"),
            "nonzero_ratio_valid": (
                "float64",
                "mean share of nonzero latents per sample, validation",
            ),
            "l0_train": ("float64", "mean number of nonzero latents per sample, train"),
            "l0_valid": ("float64", "mean number of nonzero latents per sample, validation"),
            "dead_fraction_train": ("float64", "share of latents never nonzero on the train split"),
            "dead_fraction_valid": (
                "float64",
                "share of latents never nonzero on the validation split",
            ),
            **_RECOVERY,
        },
        rows=(
            "one row per SAE. Unused hyperparameters are null (`k` is a nullable integer). Load a "
            "model's weights with `cebra_sae.sae.checkpoint.load_model(row.checkpoint, "
            "row.model_id)`"
        ),
        sort_by=(
            "protocol",
            "rat",
            "dim",
            "seed",
            "arch",
            "expansion",
            "sae_seed",
            "lr",
            "l1",
            "k",
            "bandwidth",
        ),
    )
)

SAE_PARETO_SCHEMA = SCHEMAS.register(
    TableSchema(
        "sae_pareto",
        SAE_SWEEP_SCHEMA.columns,
        rows=(
            "the rows of `sae_sweep` on the explained variance vs nonzero ratio front of their "
            "protocol x rat x dim x architecture (the paper's grid only)"
        ),
    )
)

POSTHOC_SCHEMA = SCHEMAS.register(
    TableSchema(
        "posthoc",
        {
            "protocol": ("string", _PROTOCOL_NAMES),
            "rat": ("string", "recording name"),
            "dim": ("int64", "CEBRA output dimension"),
            "seed": (
                "int64",
                "seed of the CEBRA embedding (the replicate: rat x dim x seed is a case)",
            ),
            "representation": (
                "string",
                "the representation (cebra_sae.posthoc.representations): "
                + "; ".join(f"`{name}` {rep.summary}" for name, rep in REPRESENTATIONS.items()),
            ),
            "k": (
                "Int64",
                "TopK k of an SAE, random SAE, dictionary (OMP non-zeros) or "
                "sae_on_spikes (null otherwise)",
            ),
            "sae_seed": (
                "Int64",
                "seed of an SAE, random SAE, dictionary or sae_on_spikes (null otherwise)",
            ),
            "model_id": (
                "string",
                "the representation's id (an SAE's key in its block checkpoint)",
            ),
            "width": ("int64", "number of dimensions / latents"),
            "score_split": ("string", "split of the scores and nonzero ratio (the protocol's)"),
            **{
                metric: (
                    "float64",
                    f"{doc}, decoded as the protocol does (CEBRA: its cebra_sweep value)",
                )
                for metric, doc in _DECODING_DOCS.items()
            },
            "neuron_score_paper": (
                "float64",
                "the paper's formula: mean of the `posthoc.top_neurons` largest per-latent max "
                "|r| with a neuron",
            ),
            "neuron_score_seed_code": (
                "float64",
                "the published code's formula: mean of the `posthoc.top_neurons` largest entries "
                "of neuron x latent |r|",
            ),
            "behavior_score_paper": (
                "float64",
                "the paper's formula: mean of the `posthoc.top_behaviors` largest per-latent best "
                "one-variable Ridge R² (position, left, right)",
            ),
            "behavior_score_seed_code": (
                "float64",
                "the published code's formula: mean of the `posthoc.top_behaviors` largest "
                "entries of latent x behaviour |r|",
            ),
            "neuron_score": (
                "float64",
                "the protocol's own neuron score (its `paper` or `seed_code` formula)",
            ),
            "behavior_score": ("float64", "the protocol's own behaviour score"),
            "not_testable": ("string", NOT_TESTABLE_DOC),
            "nonzero_ratio": (
                "float64",
                "mean share of nonzero dimensions per sample (CEBRA ≈ 1; SAE: its sae_sweep value)",
            ),
            "neuron_null_mean": (
                "float64",
                "time-shift null of `neuron_score`: mean over `posthoc.shift_draws` draws, each "
                "neuron rolled by its own offset in [T/10, 9T/10] on the scored split",
            ),
            "neuron_null_p95": ("float64", "95th percentile of the same null"),
            "behavior_null_mean": (
                "float64",
                "time-shift null of `behavior_score` (behaviour columns rolled): mean over draws",
            ),
            "behavior_null_p95": ("float64", "95th percentile of the same null"),
            "place_fields": (
                "int64",
                "latents that are place-field-like (spatial information above the 95th "
                "percentile of "
                "its own time-shift null; validation split; latents.parquet)",
            ),
            "place_field_share": ("float64", "`place_fields` / width"),
            "track_coverage": (
                "float64",
                "share of the `posthoc.position_bins` track bins inside the field of at least one "
                "place-field-like latent",
            ),
            "peak_evenness": (
                "float64",
                "how evenly the place-field-like latents' peaks tile the track: 1 − Kolmogorov-"
                "Smirnov distance from uniform (NaN below two fields)",
            ),
            "n_factors": (
                "Int64",
                "simulated recordings: the number of true factors K (null otherwise)",
            ),
            **_RECOVERY,
            "attribution_agreement": (
                "float64",
                "share of latents whose best-correlated neuron also has their largest CEBRA "
                "(xCEBRA for the representations built on it) attribution (NaN without "
                "attribution: nulls without a linear encoder, `posthoc.attribution: false`)",
            ),
            **_MEMBERSHIP,
            "n_assemblies": (
                "float64",
                "`assemblies_ica`: the number of cell assemblies (Marchenko-Pastur) in the train "
                "spikes (NaN for other representations)",
            ),
            "assemblies_time_shuffled": (
                "float64",
                "`assemblies_ica`: the same count on spikes each rolled in time by its own "
                f"offset (mean of {ASSEMBLY_NULL_DRAWS} draws): co-firing gone, overlapping "
                "place fields included",
            ),
            "assemblies_position_shuffled": (
                "float64",
                "`assemblies_ica`: the same count on spikes permuted within each position bin "
                f"and running direction (mean of {ASSEMBLY_NULL_DRAWS} draws): place fields "
                "kept; a count no "
                "larger than this is place-field overlap, not assemblies",
            ),
        },
        rows=(
            "one row per protocol x rat x dim x seed x representation (x k x SAE seed for SAEs and"
            " random SAEs)"
        ),
        sort_by=("protocol", "rat", "dim", "seed", "representation", "k", "sae_seed"),
    )
)

_LATENT_IDS: Columns = {
    "protocol": ("string", _PROTOCOL_NAMES),
    "rat": ("string", "recording name"),
    "dim": ("int64", "CEBRA output dimension"),
    "seed": ("int64", "seed of the CEBRA embedding"),
    "representation": ("string", "the representation (`representation` of posthoc.parquet)"),
    "model_id": ("string", "the representation's id (`model_id` of posthoc.parquet)"),
    "k": ("Int64", "TopK k of an SAE or random SAE (null otherwise)"),
    "sae_seed": ("Int64", "seed of an SAE or random SAE (null otherwise)"),
    "latent": ("int64", "the latent's index (column of the representation)"),
}

LATENTS_SCHEMA = SCHEMAS.register(
    TableSchema(
        "latents",
        {
            **_LATENT_IDS,
            "peak_position_m": (
                "float64",
                "position bin centre of the peak of its tuning curve (`position_unit` of "
                "data_summary; both directions pooled, "
                "validation split; NaN for a latent that never fires)",
            ),
            "field_width_m": (
                "float64",
                "length of the contiguous bins around the peak at or above half-way from the "
                "curve's minimum to its peak",
            ),
            "direction_selectivity": (
                "float64",
                "(peak right − peak left) / (peak right + peak left) of the direction curves",
            ),
            "spatial_information": (
                "float64",
                "Skaggs spatial information (bits) of the pooled tuning curve; a signed latent is "
                "shifted by its minimum first",
            ),
            "si_null_p95": (
                "float64",
                "95th percentile of its spatial information with the activation rolled against the "
                "track (`posthoc.shift_draws` offsets in [T/10, 9T/10])",
            ),
            "place_field_like": ("bool", "spatial information above `si_null_p95` (and > 0)"),
            "active_bin_share": ("float64", "share of track bins where its mean activation is > 0"),
            "mean_activation": ("float64", "mean activation on the validation split"),
            "best_neuron": ("int64", "the neuron it correlates with most (|r|, validation split)"),
            "best_neuron_r": ("float64", "that |r|"),
            "attribution_neuron": (
                "Int64",
                "the neuron with the most CEBRA attribution (cebra.attribution's Jacobian "
                "times the "
                "spikes, mean |∂latent/∂neuron · spikes|, through the SAE encoder for SAE latents; "
                "null where not computed)",
            ),
            "attribution_rank": (
                "Int64",
                "rank of `best_neuron` in the latent's attribution (1 = the same neuron)",
            ),
        },
        rows=(
            "one row per latent of every post-hoc representation of every protocol x rat x dim x "
            "seed (docs/study.md §10; validation split)"
        ),
        sort_by=("protocol", "rat", "dim", "seed", "representation", "k", "sae_seed", "latent"),
    )
)

TUNING_CURVES_SCHEMA = SCHEMAS.register(
    TableSchema(
        "tuning_curves",
        {
            **_LATENT_IDS,
            "direction": ("string", "`right` or `left` runs"),
            "bin": ("int64", "position bin (`posthoc.position_bins` equal bins over the track)"),
            "position_m": (
                "float64",
                "the bin's centre, in the recording's `position_unit` (data_summary; metres for "
                "CEBRA's rats: the name keeps the paper's unit)",
            ),
            "activation": (
                "float32",
                "mean activation in the bin (validation split; NaN below `posthoc.min_bin_samples` "
                "samples); first CEBRA seed and first SAE seed only",
            ),
        },
        rows=(
            "one row per latent x direction x position bin, first CEBRA seed and first SAE seed "
            "(what the place-field figures draw)"
        ),
        sort_by=("protocol", "rat", "dim", "representation", "k", "latent", "direction", "bin"),
    )
)

CLAIMS_SCHEMA = SCHEMAS.register(
    TableSchema(
        "claims",
        {
            "protocol": ("string", _PROTOCOL_NAMES),
            "claim": ("string", "C1 ... C10"),
            "statement": ("string", "the paper's claim"),
            "claim_verdict": (
                "string",
                (
                    "`supported` / `not supported` / `inconclusive` / `mixed` / `not testable` "
                    "(its `claim` rows together); empty on a null row, whose own verdict is "
                    "`verdict`"
                ),
            ),
            "part": ("string", "one direction the claim asserts"),
            "baseline": (
                "string",
                "`claim`: the claim itself; a null name (`random_sae`, `pca`, `ica`) or "
                "`shift_p95`: "
                "the same SAE measured against that null instead of CEBRA",
            ),
            "measure": (
                "string",
                "the effect measured per case (oriented: it holds above `bound`)",
            ),
            "bound": (
                "float64",
                "the part holds where the effect is above this (0, or a tolerance)",
            ),
            "effect": (
                "float64",
                "mean effect over the cases (rat x dim x seed, or as `measure` says)",
            ),
            "ci_low": (
                "float64",
                "lower end of the hierarchical bootstrap interval of `effect` (coverage "
                "`claims.confidence`)",
            ),
            "ci_high": ("float64", "upper end of the interval"),
            "p_wilcoxon": (
                "float64",
                "scipy's Wilcoxon signed-rank p of effect − bound over cases",
            ),
            "spread": ("float64", "standard deviation of the effect over the cases"),
            "n_rats": ("int64", "rats with cases (the independent units)"),
            "n_cases": ("int64", "cases measured"),
            "per_rat": ("string", "mean effect and number of cases per rat"),
            "agreement": ("float64", "share of cases where the effect is above `bound`"),
            "verdict": (
                "string",
                "claim rows: `supported` (interval above bound), `not supported` (below), "
                "`inconclusive` (contains it); null rows: `survives` / `does not survive`",
            ),
            "caveat": ("string", "set when too few rats to generalise"),
            "detail": ("string", "definition notes and left-out cases"),
        },
        rows="one row per protocol x claim x part x baseline (the claim itself, then each null)",
    )
)

INTERVALS_SCHEMA = SCHEMAS.register(
    TableSchema(
        "intervals",
        {
            "protocol": ("string", _PROTOCOL_NAMES),
            "representation": ("string", "the representation (posthoc `representation`)"),
            "k": ("Int64", "TopK k (SAEs and random SAEs; null otherwise)"),
            "dim": ("Int64", "CEBRA output dimension; null: all dims together"),
            "metric": ("string", "the posthoc column summarised"),
            "mean": ("float64", "mean over cases (rat x dim x seed; SAE seeds averaged first)"),
            "ci_low": (
                "float64",
                "lower end of the hierarchical bootstrap interval (`claims.confidence`)",
            ),
            "ci_high": ("float64", "upper end of the interval"),
            "n_rats": ("int64", "rats"),
            "n_cases": ("int64", "cases"),
        },
        rows=(
            "one row per protocol x representation x k x dim (and all dims) x metric: what Figures"
            " 4-6 draw"
        ),
    )
)

STABILITY_SCHEMA = SCHEMAS.register(
    TableSchema(
        "stability",
        {
            "protocol": ("string", _PROTOCOL_NAMES),
            "rat": ("string", "recording name"),
            "dim": ("int64", "CEBRA output dimension"),
            "seed": ("Int64", "CEBRA seed of the embedding the SAEs share (null for CEBRA rows)"),
            "representation": (
                "string",
                "`cebra` (embeddings across seeds), `sae` (SAEs across SAE seeds), or a "
                "classical representation with its own directions across its seeds "
                "(`dictionary`, `sae_on_spikes`, `sae_on_xcebra`)",
            ),
            "arch": (
                "string",
                "SAE rows: the architecture compared across SAE seeds: the selected one "
                "(`topk`) or `standard` (the L1 twins at the TopK's sparsity, first CEBRA "
                "seed); null otherwise",
            ),
            "k": ("Int64", "the selected k (for `standard`: the TopK k whose sparsity it matches)"),
            "l1": ("float64", "`standard` rows: the penalty closest to the TopK's nonzero ratio"),
            "measure": (
                "string",
                "`consistency`: CEBRA's consistency_score between seeds' embeddings (R² of a "
                "linear fit, between runs); `matched_share`: share of latent directions "
                "matched at |cosine| ≥ `threshold` by Hungarian assignment; `subspace`: mean "
                "cosine of the principal angles between two seeds' active subspaces (the "
                "decoder directions of their dim // 2 most often active latents)",
            ),
            "threshold": ("float64", "`matched_share`: the |cosine| threshold (NaN otherwise)"),
            "value": (
                "float64",
                "mean over pairs of seeds; `matched_share`: among the live latents (active at "
                "least once on the validation split), the share of the smaller live set matched",
            ),
            "value_all": (
                "float64",
                "`matched_share` over every latent, dead ones included (as before live latents "
                "were told apart); else = `value`",
            ),
            "n_live": ("float64", "live latents per seed, mean over the seeds (NaN for CEBRA)"),
            "width": ("int64", "latents per seed (CEBRA: the dim)"),
            "random_value": (
                "float64",
                "chance: the mean over `random_draws` draws (`posthoc.chance_draws`, seeded by "
                "the case) of the same measure for direction-uniform random decoders with the "
                "same live counts / random subspaces of the same size (NaN for CEBRA)",
            ),
            "random_sd": ("float64", "standard deviation of those draws (the null's spread)"),
            "random_draws": ("int64", "draws of the random null (0 for CEBRA)"),
            "paired_value": (
                "float64",
                "the paired null: the same measure for the pair's own initial decoders (the "
                "untrained twins at the same SAE seeds, same live latents); NaN where there "
                "are none (CEBRA, the classical representations)",
            ),
            "n_pairs": ("int64", "pairs of seeds compared"),
        },
        rows="CEBRA rows per protocol x rat x dim; SAE and classical rows per protocol x rat "
        "x dim x seed x k x measure (x threshold)",
    )
)

RUNTIME_SCHEMA = SCHEMAS.register(
    TableSchema(
        "runtime",
        {
            "rule": ("string", "Snakemake rule"),
            "wildcards": ("string", "the job's wildcards as in its benchmark path"),
            "seconds": ("float64", "wall time of the job (Snakemake benchmark `s`)"),
            "cpu_seconds": ("float64", "CPU time of the job"),
            "startup_seconds": (
                "float64",
                "of `seconds`, the job's start-up: the interpreter, Snakemake's script preamble "
                "and the script's module imports, before the rule's work (its log's `timing:` "
                "line; NaN for a job without one, e.g. a failed one)",
            ),
            "max_rss_mb": ("float64", "peak resident memory (MB)"),
            "benchmark": ("string", "path of the benchmark file"),
        },
        rows=(
            "one row per job that had finished when it was written (from the Snakemake benchmark "
            "files under `results/benchmarks/`; `results/figures/runtime.png` shows where the time"
            " went)"
        ),
    )
)


ANSWERS_SCHEMA = SCHEMAS.register(
    TableSchema(
        "answers",
        {
            "want": ("string", "what a lab wants (cebra_sae.report.answers.QUESTIONS)"),
            "use": ("string", "the candidate (representation, k, attribution kind) with the best "
                    "mean; empty when nothing was measured"),
            "runner_up": ("string", "the second best candidate"),
            "value": ("float64", "the named candidate's mean over its cases"),
            "runner_up_value": ("float64", "the runner-up's mean over its cases"),
            "margin": ("float64", "named − runner-up, paired per case (oriented: positive "
                       "favours the named one; a cost is runner-up − named)"),
            "ci_low": ("float64", "lower end of the margin's two-level bootstrap interval"),
            "ci_high": ("float64", "upper end of the margin's interval"),
            "measure": ("string", "how the row is measured, with its unit"),
            "n_cases": ("int64", "cases (rat x dim x seed) both have"),
            "n_rats": ("int64", "rats among them"),
            "verdict": ("string", "the named candidate, `no clear winner` (the interval "
                        "includes 0), or why the row was not measured"),
        },
        rows="one row per question of the report's first screen (protocol `paper` when it ran)",
    )
)  # fmt: skip


def conform(df: pd.DataFrame, schema: TableSchema | str, name: str | None = None) -> pd.DataFrame:
    """Order and cast ``df``'s columns to ``schema`` (or the registered table of that name):
    exactly its columns, no others.

    Raises:
        KeyError: naming the table and the columns ``df`` lacks, or the columns it has that
            the schema does not declare (a misspelt metric must not vanish silently).
    """
    schema = SCHEMAS[schema] if isinstance(schema, str) else schema
    name = name or schema.name
    missing = [c for c in schema.columns if c not in df.columns]
    if missing:
        raise KeyError(f"{name}: the rows lack the declared columns {missing}")
    unknown = [c for c in df.columns if c not in schema.columns]
    if unknown:
        raise KeyError(
            f"{name}: the rows have columns {unknown} that its schema does not declare; "
            "declare them in cebra_sae.tables (with a type and a meaning) or drop them"
        )
    out = df[list(schema.columns)].copy()
    for column, (dtype, _) in schema.columns.items():
        out[column] = out[column].astype(dtype)
    return out.reset_index(drop=True)


def write_table(df: pd.DataFrame, path, schema: TableSchema | str | None = None) -> pd.DataFrame:
    """Write ``df`` as Parquet (pyarrow), conformed to ``schema`` if given, atomically."""
    if schema is not None:
        schema = SCHEMAS[schema] if isinstance(schema, str) else schema
        df = conform(df, schema, f"{path} ({schema.name} columns)")
    with atomic_write(path) as tmp:
        df.to_parquet(tmp, engine="pyarrow", index=False)
    return df


def empty_table(schema: TableSchema | str) -> pd.DataFrame:
    """A table with ``schema``'s columns and types and no rows."""
    schema = SCHEMAS[schema] if isinstance(schema, str) else schema
    return pd.DataFrame({c: pd.Series(dtype=dtype) for c, (dtype, _) in schema.columns.items()})


def concat_tables(paths: Iterable, schema: TableSchema | str) -> pd.DataFrame:
    """Concatenate per-job Parquet files into one table conformed to ``schema``, its rows in
    the schema's ``sort_by`` order."""
    schema = SCHEMAS[schema] if isinstance(schema, str) else schema
    frames = [pd.read_parquet(p) for p in paths]
    if not frames:
        raise ValueError(f"{schema.name}: no per-job tables to aggregate")
    df = conform(pd.concat(frames, ignore_index=True), schema)
    if schema.sort_by:
        df = df.sort_values(list(schema.sort_by), kind="stable").reset_index(drop=True)
    return df


def schema_markdown(schema: TableSchema) -> str:
    """A Markdown table of ``schema``'s columns (column, type, meaning)."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {dtype} | {text.replace('|', chr(92) + '|')} |"
        for name, (dtype, text) in schema.columns.items()
    ]  # a | in a cell is escaped
    return "\n".join(lines)


def tables_markdown() -> str:
    """``docs/tables.md``: every table of :data:`SCHEMAS`, where it is, what a row is, its
    columns (a test keeps the file equal to this)."""
    parts = [
        "# Tables",
        "",
        "Every table the study writes, generated from `cebra_sae.tables.SCHEMAS` (do not edit "
        "by hand: `python -m cebra_sae.tables > docs/tables.md`). Parquet, written atomically; "
        "`write_table` refuses a column its schema does not declare.",
    ]
    for schema in SCHEMAS.values():
        parts += ["", f"## `{schema.name}`", "", f"`results/{schema.location}`: {schema.rows}.", ""]
        parts.append(schema_markdown(schema))
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(tables_markdown(), end="")

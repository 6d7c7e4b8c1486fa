"""Post-hoc representations: the embedding, the selected SAEs and their nulls, in a registry.

A post-hoc case (protocol x rat x dim x seed) evaluates every registered representation
that applies to it with exactly the same decoding, scores and nonzero ratio
(:func:`cebra_sae.posthoc.evaluate.evaluate_representation`). ``REPRESENTATIONS`` is the
only list of them; the ``representation`` column of ``posthoc.parquet``, the config's
``posthoc.nulls`` enum, the claims' null comparisons and the figures' order and colours
read it.

Registered:

* ``cebra``: the final CEBRA embedding (its decoding is its ``cebra_sweep`` row's).
* ``sae``: each selected SAE (``posthoc.selection``: TopK by default; per k and SAE seed)
  on that embedding.
* ``random_sae`` (null of ``sae``): the selected SAE's architecture, width, k and initial
  weights (its SAE seed), without a training step (buffers such as BatchTopK's threshold
  estimated from the data with no weight update): does training matter?
* ``pca``, ``ica`` (nulls of ``sae``): the embedding rotated by PCA / FastICA fit on the
  train split, same dim: does axis alignment alone raise the scores?
* ``shuffled_cebra`` (null of ``cebra``): supervised CEBRA at the final settings fit on
  spikes whose train time bins are permuted (labels intact); first seed only, protocols
  with supervised CEBRA only. Its in-sample (train) and held-out (valid) decoding show how
  far in-sample decoding can be fooled.

Classical representations (opt-in: ``posthoc.classical``; docs/study.md §12;
:mod:`cebra_sae.posthoc.classical`), evaluated exactly like the selected SAEs:

* ``dictionary``: classical sparse coding of the CEBRA embedding: a learned dictionary of
  the selected SAE's width, codes by OMP with its k non-zeros; one dictionary per SAE seed
  (its ``random_state``).
* ``assemblies_ica``: cell assemblies in the z-scored spikes, no CEBRA (Marchenko-Pastur
  count, FastICA in that subspace; Lopes-dos-Santos et al. 2013).
* ``nmf``: NMF of the smoothed spike counts, as many components as ``assemblies_ica``
  finds (or ``posthoc.nmf_components``).
* ``sae_on_spikes``: the selected SAE (architecture, lr, k, SAE seed, training settings)
  trained on the z-scored spikes instead of the embedding, at width
  ``posthoc.sae_on_spikes_expansion`` x neurons (default 1: as many latents as neurons, of
  the order of the selected SAEs' widths). What sparsification does without CEBRA.
* ``xcebra``: CEBRA's own answer to "which neurons make this dim": xCEBRA (Schneider et al.,
  AISTATS 2025), the same supervised fit with cebra's Jacobian-regularised solver
  (``cebra.xcebra_jacobian_weight``; :func:`cebra_sae.embedding.jacobian_regularized`),
  attributed by its inverted Jacobian as well as by gradient x input; every CEBRA seed of
  a protocol that fits CEBRA on the labels.
* ``sae_on_xcebra``: the selected SAEs (same specs and training settings) trained on the
  xCEBRA embedding: does sparsifying xCEBRA help as sparsifying CEBRA does?

Example:
    >>> [name for name, r in REPRESENTATIONS.items() if r.null_of == "sae"]
    ['random_sae', 'pca', 'ica']
    >>> null_names()
    ['random_sae', 'pca', 'ica', 'shuffled_cebra']
    >>> classical_names()
    ['dictionary', 'assemblies_ica', 'nmf', 'sae_on_spikes', 'xcebra', 'sae_on_xcebra']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cebra_sae.data.recording import Split
from cebra_sae.protocols import PROTOCOLS, decoding_of
from cebra_sae.registry import Registry, UnknownName

#: The columns that name a case within a protocol: one CEBRA embedding of one rat (its
#: SAE seeds are repeated measures within it).
CASE_KEYS = ["rat", "dim", "seed"]


@dataclass
class Case:
    """What a post-hoc case's representations are built from.

    Attributes:
        protocol: the protocol evaluated.
        split: the prepared recording.
        embedding: ``(z_train, z_valid)`` of the final CEBRA embedding at ``seed``.
        seed: the CEBRA seed of the embedding (the case's replicate).
        cebra_row: the embedding's ``cebra_sweep`` row (its decoding is reused).
        sae_models: ``(spec, weights, sweep_row)`` of each selected SAE.
        checkpoint: the block checkpoint the SAEs come from (named in errors).
        shuffled: ``(z_train, z_valid)`` of the shuffled-spikes CEBRA, if this case has one.
        factors: ``(F_train, F_valid)`` true factor activations (simulated recordings):
            each representation's recovery of them is measured.
        jacobians: per embedding (``cebra``, ``xcebra``) its Jacobian attribution on the
            validation spikes (:class:`cebra_sae.posthoc.attribution.Jacobian`), where
            computed.
        xcebra: ``(z_train, z_valid)`` of the case's xCEBRA embedding, if it has one.
        members: ``(N, K)`` which neurons each true factor drives (a simulated rat's
            mixing weights > 0): each representation's membership AUC is measured.
        train_settings: the ``TrainSettings`` keyword arguments the selected SAEs were
            trained with (:func:`cebra_sae.sae_sweep.train_settings`; default: the schema's
            under ``protocol``): the untrained null estimates its buffers with them.
        curves: keep every latent's tuning curves (the pictures' case: first seed).
        curve_sae_seed: with ``curves``, the SAE seed whose latents' curves are kept.
        classical: the config's ``posthoc`` settings of the classical representations
            (``dictionary_alpha``, ``dictionary_max_iter``, ``nmf_components``,
            ``nmf_smooth_bins``; default: the schema's).
    """

    protocol: str
    split: Split
    embedding: tuple[np.ndarray, np.ndarray]
    seed: int = 0
    cebra_row: Mapping | None = None
    sae_models: list = field(default_factory=list)
    checkpoint: object = None
    shuffled: tuple[np.ndarray, np.ndarray] | None = None
    factors: tuple[np.ndarray, np.ndarray] | None = None
    jacobians: dict = field(default_factory=dict)
    xcebra: tuple[np.ndarray, np.ndarray] | None = None
    members: np.ndarray | None = None
    curves: bool = False
    curve_sae_seed: int | None = None
    train_settings: Mapping | None = None
    classical: Mapping | None = None
    cache: dict = field(default_factory=dict, repr=False)  # computed once per case

    def classical_setting(self, name: str):
        """One classical setting (``posthoc.{name}``), the schema's default if not given."""
        from cebra_sae.config import defaults

        return {**defaults("posthoc"), **(self.classical or {})}[name]

    def sae_settings(self):
        """The :class:`~cebra_sae.sae.trainer.TrainSettings` of the case's SAEs."""
        from cebra_sae.sae.trainer import TrainSettings
        from cebra_sae.sae_sweep import train_settings

        return TrainSettings(**(self.train_settings or train_settings({}, self.protocol)))


@dataclass
class Latents:
    """One representation of a case: its latents on both splits and what is known of it.

    ``decoder`` ``(d, width)``: the latents' directions in their input space for
    representations whose directions are not a checkpoint's (a dictionary's atoms,
    ``sae_on_spikes``), kept with the latents for stability across seeds. ``encoder``
    (latents x embedding dims) maps the CEBRA embedding to the latents'
    pre-activations where that map is linear (CEBRA: the identity; an SAE: ``W_enc``),
    for attribution through it; ``rectified``: the gradient passes only where a latent
    is > 0 (SAE latents); ``embedding``: whose network that attribution goes through
    (``cebra`` or ``xcebra``). ``weights`` ``(P, N)``: a method's own neuron weights per
    latent (ICA patterns, NMF components, an SAE on the spikes' decoder).
    """

    model_id: str
    train: np.ndarray
    valid: np.ndarray
    k: int | None = None
    sae_seed: int | None = None
    decoded: Mapping | None = None  # decoding already computed (CEBRA: cebra_sweep)
    swept: Mapping | None = None  # the sae_sweep row (SAEs: checked against re-encoding)
    encoder: np.ndarray | None = None
    rectified: bool = False
    decoder: np.ndarray | None = None  # (d, width) directions, where they are not an SAE's
    embedding: str = "cebra"
    weights: np.ndarray | None = None
    notes: dict = field(default_factory=dict)  # further posthoc columns of this row


@dataclass(frozen=True)
class Representation:
    """One kind of post-hoc representation.

    Attributes:
        name: the ``representation`` value in ``posthoc.parquet`` (and a ``posthoc.nulls``
            name).
        summary: what it is, for docs and the report.
        build: ``build(case)`` -> the :class:`Latents` of this kind in the case (empty
            when it does not apply, e.g. ``shuffled_cebra`` without a shuffled embedding).
        null_of: the representation it is a null for (``sae`` or ``cebra``); None for the
            representations the paper compares.
        colour: its colour in the figures.
        classical: a classical method set beside CEBRA -> SAE (opt-in, ``posthoc.classical``).
        on_spikes: it is built from the spikes, not from the CEBRA embedding.
        on_xcebra: it is built from the xCEBRA embedding (the case needs that fit).
        opt_in: a null left out of ``posthoc.nulls``' default (a costly or exploratory one:
            the config names it to run it).
        label: its readable name in figures, pages and the answer table (default: ``name``).
    """

    name: str
    summary: str
    build: Callable[[Case], list[Latents]]
    null_of: str | None = None
    colour: str = "#949494"
    classical: bool = False
    on_spikes: bool = False
    on_xcebra: bool = False
    opt_in: bool = False
    label: str = ""

    @property
    def readable(self) -> str:
        """The name a reader sees: ``label``, else ``name``."""
        return self.label or self.name


#: Every post-hoc representation: a new one is one ``REPRESENTATIONS.register`` call, and
#: its name in the config schema's ``posthoc.nulls`` (or ``posthoc.classical``) enum, and,
#: for a null that is not ``opt_in``, default (docs/layout.md; a test checks both).
REPRESENTATIONS: Registry[Representation] = Registry("post-hoc representation")


def has_shuffled_null(nulls, protocol: str, seed, first_seed) -> bool:
    """Whether a case evaluates the shuffled-spikes CEBRA null: ``shuffled_cebra`` among the
    configured ``nulls``, the first CEBRA seed, a protocol that fits CEBRA on the labels.

    Example:
        >>> has_shuffled_null(["shuffled_cebra"], "paper", 0, 0)
        True
        >>> has_shuffled_null(["shuffled_cebra"], "seed_code", 0, 0)
        False
    """
    return ("shuffled_cebra" in nulls and int(seed) == int(first_seed)
            and PROTOCOLS[protocol].cebra_supervised)  # fmt: skip


def has_xcebra(classical, protocol: str) -> bool:
    """Whether a case fits xCEBRA: a representation built on it among the configured
    ``classical`` ones, a protocol that fits CEBRA on the labels.

    Example:
        >>> has_xcebra(["xcebra"], "paper"), has_xcebra(["nmf"], "paper")
        (True, False)
    """
    return (any(REPRESENTATIONS[name].on_xcebra for name in classical)
            and PROTOCOLS[protocol].cebra_supervised)  # fmt: skip


def null_names() -> list[str]:
    """The registered nulls (the names ``posthoc.nulls`` may list), in registry order."""
    return [name for name, rep in REPRESENTATIONS.items() if rep.null_of is not None]


def default_nulls() -> list[str]:
    """The nulls ``posthoc.nulls`` runs by default: every registered one not ``opt_in``."""
    return [name for name in null_names() if not REPRESENTATIONS[name].opt_in]


def classical_names() -> list[str]:
    """The registered classical representations (the names ``posthoc.classical`` may list)."""
    return [name for name, rep in REPRESENTATIONS.items() if rep.classical]


def nulls_of(name: str) -> list[str]:
    """The registered nulls that stand in for representation ``name``."""
    return [n for n, rep in REPRESENTATIONS.items() if rep.null_of == name]


def _cebra(case: Case) -> list[Latents]:
    z_train, z_valid = case.embedding
    decoded = None if case.cebra_row is None else decoding_of(case.cebra_row, case.protocol)
    encoder = np.eye(z_train.shape[1])
    return [Latents("cebra", z_train, z_valid, decoded=decoded, encoder=encoder)]


def _sae(case: Case) -> list[Latents]:
    from cebra_sae.sae.trainer import encode

    z_train, z_valid = case.embedding
    settings = case.sae_settings()
    out = []
    for spec, weights, row in case.sae_models:
        arch = settings.architecture(spec.arch).name  # the variant it was trained as, if any
        h_train, _ = encode(z_train, weights, spec, arch)
        h_valid, _ = encode(z_valid, weights, spec, arch)
        out.append(Latents(spec.model_id, h_train, h_valid, spec.k, spec.sae_seed, swept=row,
                           encoder=weights["encoder.weight"], rectified=True))  # fmt: skip
    return out


def _random_sae(case: Case) -> list[Latents]:
    from cebra_sae.sae.trainer import encode, untrained

    z_train, z_valid = case.embedding
    settings = case.sae_settings()
    out = []
    for spec, _, _ in case.sae_models:
        weights = untrained(z_train, spec, settings)
        arch = settings.architecture(spec.arch).name
        h_train, _ = encode(z_train, weights, spec, arch)
        h_valid, _ = encode(z_valid, weights, spec, arch)
        model_id = f"random-{spec.model_id}"
        out.append(Latents(model_id, h_train, h_valid, spec.k, spec.sae_seed,
                           encoder=weights["encoder.weight"], rectified=True))  # fmt: skip
    return out


def rotate(z_train: np.ndarray, z_valid: np.ndarray, method: str, seed: int = 0):
    """The embedding rotated by ``pca`` or ``ica`` (scikit-learn, fit on train, same dim).

    Example:
        >>> z = np.random.default_rng(0).normal(size=(200, 3)) @ np.diag([3.0, 2.0, 1.0])
        >>> r_train, r_valid = rotate(z[:150], z[150:], "pca")
        >>> r_train.shape, r_valid.shape, bool(r_train[:, 0].var() > r_train[:, 2].var())
        ((150, 3), (50, 3), True)
    """
    if method == "pca":
        from sklearn.decomposition import PCA

        model = PCA(n_components=z_train.shape[1], random_state=seed)
    elif method == "ica":
        from sklearn.decomposition import FastICA

        model = FastICA(
            n_components=z_train.shape[1], whiten="unit-variance", random_state=seed,
            max_iter=1000, tol=1e-3,
        )  # fmt: skip
    else:
        raise ValueError(f"unknown rotation '{method}' (pca or ica)")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastICA's convergence warning: logged by the rule
        model.fit(z_train)
    return model.transform(z_train), model.transform(z_valid)


def _rotation(method: str):
    def build(case: Case) -> list[Latents]:
        z_train, z_valid = case.embedding
        r_train, r_valid = rotate(z_train, z_valid, method, seed=case.seed)
        return [Latents(method, r_train, r_valid)]

    return build


def _shuffled_cebra(case: Case) -> list[Latents]:
    if case.shuffled is None:
        return []
    return [Latents("shuffled_cebra", *case.shuffled)]


REPRESENTATIONS.register(Representation("cebra", "the final CEBRA embedding", _cebra,
                                       colour="#8c8c8c", label="CEBRA"))  # fmt: skip
REPRESENTATIONS.register(Representation("sae", "a selected SAE's latents", _sae,
                                       colour="#de8f05", label="SAE"))  # fmt: skip
REPRESENTATIONS.register(
    Representation("random_sae", "the selected SAE untrained (its initial weights)",
                   _random_sae, null_of="sae", colour="#cc78bc", label="untrained SAE")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("pca", "the embedding rotated by PCA (fit on train)", _rotation("pca"),
                   null_of="sae", colour="#56b4e9", label="PCA rotation")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("ica", "the embedding rotated by FastICA (fit on train)",
                   _rotation("ica"), null_of="sae", colour="#029e73", label="ICA rotation")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("shuffled_cebra", "supervised CEBRA fit on time-permuted train spikes",
                   _shuffled_cebra, null_of="cebra", colour="#ca9161",
                   label="shuffled-spikes CEBRA")
)  # fmt: skip


def _dictionary(case: Case) -> list[Latents]:
    from cebra_sae.posthoc.classical import fit_dictionary, omp_codes

    z_train, z_valid = case.embedding
    atoms = {}  # one dictionary per SAE seed, coded at each k
    out = []
    for spec, weights, _ in case.sae_models:
        width = weights["decoder.weight"].shape[1]
        if spec.sae_seed not in atoms:
            atoms[spec.sae_seed] = fit_dictionary(
                z_train, width, seed=spec.sae_seed,
                alpha=case.classical_setting("dictionary_alpha"),
                max_iter=case.classical_setting("dictionary_max_iter"),
            )  # fmt: skip
        dictionary = atoms[spec.sae_seed]
        out.append(Latents(f"dictionary-w{width}-k{spec.k}-seed{spec.sae_seed}",
                           omp_codes(z_train, dictionary, spec.k),
                           omp_codes(z_valid, dictionary, spec.k), spec.k, spec.sae_seed,
                           decoder=dictionary.T))  # fmt: skip
    return out


def _assemblies(case: Case):
    """``(patterns, a_train, a_valid)`` of the case's assemblies, computed once per case."""
    if "assemblies" not in case.cache:
        from cebra_sae.posthoc.classical import assemblies_ica

        split = case.split
        case.cache["assemblies"] = assemblies_ica(split.spikes_train, split.spikes_valid,
                                                  seed=case.seed)  # fmt: skip
    return case.cache["assemblies"]


def _assemblies_ica(case: Case) -> list[Latents]:
    patterns, a_train, a_valid = _assemblies(case)
    if patterns.shape[1] == 0:
        return []  # no eigenvalue above the Marchenko-Pastur bound: nothing to evaluate
    return [Latents(f"assemblies_ica-n{patterns.shape[1]}", a_train, a_valid,
                    weights=np.abs(patterns.T), notes=_assembly_nulls(case))]  # fmt: skip


def _assembly_nulls(case: Case) -> dict:
    """The assembly count on time-shuffled and position-shuffled spikes (the case's train
    split, position bins of ``posthoc.position_bins``)."""
    from cebra_sae.posthoc.classical import assembly_count_nulls
    from cebra_sae.posthoc.tuning import track_edges

    split = case.split
    positions = np.concatenate([split.labels_train[:, 0], split.labels_valid[:, 0]])
    edges = track_edges(positions, case.classical_setting("position_bins"))
    seed = [case.classical_setting("null_seed"), case.seed, 20]
    return {
        "n_assemblies": float(_assemblies(case)[0].shape[1]),
        **assembly_count_nulls(split.spikes_train, split.labels_train, edges, seed),
    }


def _nmf(case: Case) -> list[Latents]:
    from cebra_sae.posthoc.classical import nmf_codes

    n = case.classical_setting("nmf_components") or _assemblies(case)[0].shape[1]
    if n == 0:
        return []
    split = case.split
    smooth = case.classical_setting("nmf_smooth_bins")
    components, h_train, h_valid = nmf_codes(split.spikes_train, split.spikes_valid, n,
                                             seed=case.seed, smooth_bins=smooth)  # fmt: skip
    return [Latents(f"nmf-n{n}", h_train, h_valid, weights=components)]


def _sae_on_spikes(case: Case) -> list[Latents]:
    from dataclasses import replace

    from cebra_sae.posthoc.classical import standardised_spikes

    if not case.sae_models:
        return []
    s_train, s_valid = standardised_spikes(case.split.spikes_train, case.split.spikes_valid)
    settings = case.sae_settings()
    expansion = case.classical_setting("sae_on_spikes_expansion")
    specs = [replace(spec, expansion=expansion) for spec, _, _ in case.sae_models]
    trained = _trained(s_train, s_valid, specs, settings)
    return [Latents(f"spikes-{spec.model_id}", h_train, h_valid, spec.k, spec.sae_seed,
                    decoder=weights["decoder.weight"],
                    weights=np.abs(weights["decoder.weight"].T))
            for spec, weights, h_train, h_valid in trained]  # fmt: skip


def _trained(x_train, x_valid, specs, settings):
    """SAEs of ``specs`` trained on ``x_train`` (one block): per spec its weights and its
    latents on both splits, ``(spec, weights, h_train, h_valid)``."""
    from cebra_sae.sae.trainer import encode, train_block

    block = train_block(x_train, specs, settings)
    for index, spec in enumerate(specs):
        weights = {name: w[index] for name, w in block.weights.items()}
        yield (spec, weights, encode(x_train, weights, spec, block.architecture)[0],
               encode(x_valid, weights, spec, block.architecture)[0])  # fmt: skip


def _xcebra(case: Case) -> list[Latents]:
    if case.xcebra is None:
        return []
    z_train, z_valid = case.xcebra
    return [Latents("xcebra", z_train, z_valid, encoder=np.eye(z_train.shape[1]),
                    embedding="xcebra")]  # fmt: skip


def _sae_on_xcebra(case: Case) -> list[Latents]:
    if case.xcebra is None or not case.sae_models:
        return []
    specs = [spec for spec, _, _ in case.sae_models]
    return [Latents(f"xcebra-{spec.model_id}", h_train, h_valid, spec.k, spec.sae_seed,
                    encoder=weights["encoder.weight"], rectified=True,
                    decoder=weights["decoder.weight"], embedding="xcebra")
            for spec, weights, h_train, h_valid in _trained(*case.xcebra, specs,
                                                            case.sae_settings())]  # fmt: skip


REPRESENTATIONS.register(
    Representation("dictionary", "sparse coding of the embedding (dictionary learning, OMP "
                   "with the SAE's k)", _dictionary, colour="#fbafe4", classical=True,
                   label="dictionary learning")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("assemblies_ica", "cell assemblies in the spikes (Marchenko-Pastur, "
                   "FastICA)", _assemblies_ica, colour="#0173b2", classical=True, on_spikes=True,
                   label="cell assemblies")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("nmf", "NMF of the smoothed spike counts", _nmf, colour="#d55e00",
                   classical=True, on_spikes=True, label="NMF")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("sae_on_spikes", "the selected SAE trained on the z-scored spikes",
                   _sae_on_spikes, colour="#ece133", classical=True, on_spikes=True,
                   label="SAE on spikes")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("xcebra", "xCEBRA: the same supervised CEBRA fit, Jacobian-regularised",
                   _xcebra, colour="#6a3d9a", classical=True, on_xcebra=True, label="xCEBRA")
)  # fmt: skip
REPRESENTATIONS.register(
    Representation("sae_on_xcebra", "the selected SAE trained on the xCEBRA embedding",
                   _sae_on_xcebra, colour="#b15928", classical=True, on_xcebra=True,
                   label="SAE on xCEBRA")
)  # fmt: skip


def case_representations(names, classical=()) -> list[str]:
    """The representations a case evaluates: ``cebra``, ``sae``, the configured nulls
    ``names`` and classical representations ``classical``, in registry order (unknown
    names are an error naming the known ones)."""
    unknown = sorted(set(names) - set(null_names()))
    if unknown:
        raise UnknownName(f"unknown null(s) {unknown}; known: {', '.join(null_names())}")
    unknown = sorted(set(classical) - set(classical_names()))
    if unknown:
        raise UnknownName(f"unknown classical representation(s) {unknown}; known: "
                          f"{', '.join(classical_names())}")  # fmt: skip
    chosen = {"cebra", "sae", *names, *classical}
    return [name for name in REPRESENTATIONS if name in chosen]


def representation_order(names) -> list[str]:
    """``names`` (e.g. the ``representation`` column) in registry order."""
    present = set(pd.Series(names).dropna())
    return [name for name in REPRESENTATIONS if name in present]

"""Protocols: every choice that differs between the paper's text and its published code.

docs/study.md describes the study twice: as the paper's text states it (protocol ``paper``) and
as the published code computed it (protocol ``seed_code``). A :class:`Protocol` holds every
choice that differs, and every part of the study reads a field of it instead of testing
the protocol's name: how CEBRA is trained, how embeddings and latents are decoded, on which
split and with which formulas the interpretability scores are computed, how the SAE
penalty is reduced over a batch, which SAE batch size applies and which registered
architecture stands in for a named one. ``PROTOCOLS`` is the only list of protocols; a
third protocol is one ``PROTOCOLS.register`` call (and its name in the config schema's
``protocols`` enum, which a test checks against this registry).

The interpretability scores come in two formulas named after the protocols that use them:
``paper`` (the text's) and ``seed_code`` (the published code's); every post-hoc row carries
both (``neuron_score_paper``, ``neuron_score_seed_code``, ...) and, as ``neuron_score``, the
one of its own protocol (``score_formula``).

Example:
    >>> sorted(PROTOCOLS)
    ['paper', 'seed_code']
    >>> p = PROTOCOLS["paper"]
    >>> p.score_split, p.score_formula, p.penalty_reduction, p.cebra_supervised
    ('valid', 'paper', 'mean', True)
    >>> p.decoding_column("pos_r2_valid"), PROTOCOLS["seed_code"].decoding_column("pos_r2_valid")
    ('pos_r2_valid', 'seed_code_pos_r2_valid')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cebra_sae.config import defaults
from cebra_sae.measures.decoding import DECODING_METRICS, decode_fit_on_train, decode_in_sample
from cebra_sae.registry import Registry


@dataclass(frozen=True)
class Protocol:
    """One reading of the study (docs/study.md): every choice that differs between readings.

    Attributes:
        name: the name in the config (``protocols``), the tables and the results paths.
        summary: one line for table docs and logs.
        cebra_supervised: CEBRA is fit on the labels (CEBRA-Behavior) or on time alone.
        decode: ``decode(z_train, labels_train, z_valid, labels_valid, decoding)`` ->
            :data:`~cebra_sae.measures.decoding.DECODING_METRICS`, ``decoding`` being the config's
            ``decoding`` section.
        decoding_summary: how ``decode`` decodes, for table docs.
        decoding_prefix: prefix of this protocol's decoding columns in ``cebra_sweep``
            (every CEBRA embedding is decoded under every protocol).
        score_split: split the interpretability scores and nonzero ratio are computed on.
        score_formula: ``paper`` (the text's formulas) or ``seed_code`` (the published code's).
        penalty_reduction: the SAE penalty per batch: ``mean`` or ``sum`` over samples.
        sae_batch_size_key: the ``sae`` config key holding this protocol's batch size.
        architecture_variants: a named architecture -> the registered one trained instead.
    """

    name: str
    summary: str
    cebra_supervised: bool
    decode: Callable[..., dict]
    decoding_summary: str
    decoding_prefix: str
    score_split: str
    score_formula: str
    penalty_reduction: str
    sae_batch_size_key: str
    architecture_variants: Mapping[str, str] = field(default_factory=dict)

    def decoding_column(self, metric: str) -> str:
        """The ``cebra_sweep`` column of ``metric`` decoded under this protocol."""
        return f"{self.decoding_prefix}{metric}"

    def architecture_name(self, arch: str) -> str:
        """The registered architecture this protocol trains for ``arch``."""
        return self.architecture_variants.get(arch, arch)


def _decode_fit_on_train(z_train, labels_train, z_valid, labels_valid, decoding=None):
    decoding = decoding or defaults("decoding")
    return decode_fit_on_train(
        z_train, labels_train, z_valid, labels_valid,
        alphas=decoding["ridge_alphas"], logistic_max_iter=decoding["logistic_max_iter"],
    )  # fmt: skip


def _decode_in_sample(z_train, labels_train, z_valid, labels_valid, decoding=None):
    decoding = decoding or defaults("decoding")
    return decode_in_sample(
        z_train, labels_train, z_valid, labels_valid,
        alphas=decoding["ridge_alphas"], classifier_alpha=decoding["ridge_classifier_alpha"],
    )  # fmt: skip


PROTOCOLS: Registry[Protocol] = Registry("protocol")


PROTOCOLS.register(
    Protocol(
        name="paper",
        summary="the method as the paper's text describes it",
        cebra_supervised=True,
        decode=_decode_fit_on_train,
        decoding_summary="decoder fit on the train split (RidgeCV; logistic regression)",
        decoding_prefix="",
        score_split="valid",
        score_formula="paper",
        penalty_reduction="mean",
        sae_batch_size_key="batch_size",
    )
)
PROTOCOLS.register(
    Protocol(
        name="seed_code",
        summary="what the published code computed",
        cebra_supervised=False,
        decode=_decode_in_sample,
        decoding_summary="each split decoded in-sample (RidgeCV; RidgeClassifier)",
        decoding_prefix="seed_code_",
        score_split="train",
        score_formula="seed_code",
        penalty_reduction="sum",
        sae_batch_size_key="seed_code_batch_size",
        architecture_variants={"jumprelu": "jumprelu_seed_code"},
    )
)


def decode(protocol: str, z_train, labels_train, z_valid, labels_valid, decoding=None) -> dict:
    """Decode position and direction from a representation under ``protocol``.

    Args:
        protocol: a registered protocol's name.
        z_train, z_valid: ``(T, d)`` representations of the two splits.
        labels_train, labels_valid: ``(T, 3)`` labels ``[position, right, left]``.
        decoding: the config's ``decoding`` section (default: the schema's).

    Returns:
        :data:`~cebra_sae.measures.decoding.DECODING_METRICS` -> score.
    """
    return PROTOCOLS[protocol].decode(z_train, labels_train, z_valid, labels_valid, decoding)


def decode_all(z_train, labels_train, z_valid, labels_valid, decoding=None) -> dict:
    """Decode under every registered protocol, keyed by each one's ``cebra_sweep`` column.

    Example:
        >>> import numpy as np
        >>> z = np.random.default_rng(0).normal(size=(100, 3))
        >>> labels = np.column_stack([z[:, 0], z[:, 1] > 0, z[:, 1] <= 0]).astype(float)
        >>> list(decode_all(z[:80], labels[:80], z[80:], labels[80:]))[:5]
        ['pos_r2_train', 'pos_r2_valid', 'dir_acc_train', 'dir_acc_valid', 'seed_code_pos_r2_train']
    """
    scores = {}
    for protocol in PROTOCOLS.values():
        for metric, value in protocol.decode(
            z_train, labels_train, z_valid, labels_valid, decoding
        ).items():
            scores[protocol.decoding_column(metric)] = value
    return scores


def decoding_of(row: Mapping, protocol: str) -> dict:
    """The decoding scores of ``protocol`` out of a ``cebra_sweep`` row (unprefixed keys)."""
    p = PROTOCOLS[protocol]
    return {metric: float(row[p.decoding_column(metric)]) for metric in DECODING_METRICS}

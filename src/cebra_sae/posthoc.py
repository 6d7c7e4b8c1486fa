"""Post-hoc evaluation of CEBRA embeddings and their selected SAEs (STUDY.md §5).

For one rat x dim and protocol, every representation (the CEBRA embedding, each selected
SAE's latents) gets decoding scores (§3 on the representation instead of z),
interpretability scores under both formulas, and its nonzero ratio:

* protocol ``paper``: decoders fit on train, scored on train and validation; scores on
  the **validation** split; the text's formulas are the protocol's own.
* protocol ``seed_code``: decoding in-sample per split; scores on the **train** split;
  the published code's formulas are the protocol's own.

The text formula of the behaviour score fits each one-variable Ridge on the train split
and scores it on the score split (on train under ``seed_code``, i.e. in-sample).

Example:
    >>> import numpy as np
    >>> from cebra_sae.data import Split
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.poisson(1.0, size=(100, 5)).astype(float)
    >>> labels = np.column_stack([rng.uniform(0, 1.6, 100), np.tile([1.0, 0.0], 50),
    ...                           np.tile([0.0, 1.0], 50)])
    >>> split = Split(spikes[:80], spikes[80:], labels[:80], labels[80:])
    >>> row = evaluate_representation("paper", split, spikes[:80], spikes[80:])
    >>> row["score_split"], round(row["neuron_score"], 6), round(row["nonzero_ratio"], 3)
    ('valid', 1.0, 0.68)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cebra_sae.data import Split
from cebra_sae.metrics import (
    RIDGE_ALPHAS,
    behavior_score_code,
    behavior_score_text,
    decode_paper,
    decode_seed_code,
    neuron_score_code,
    neuron_score_text,
    nonzero_ratio,
)

SCORE_SPLIT = {"paper": "valid", "seed_code": "train"}
OWN_FORMULA = {"paper": "text", "seed_code": "code"}


def evaluate_representation(
    protocol: str,
    split: Split,
    latents_train: np.ndarray,
    latents_valid: np.ndarray,
    alphas=RIDGE_ALPHAS,
    logistic_max_iter: int = 1000,
    classifier_alpha: float = 1.0,
    top_neurons: int = 10,
    top_behaviours: int = 3,
    behaviour_alpha: float = 1.0,
) -> dict:
    """Decoding, neuron and behaviour scores (both formulas) and nonzero ratio."""
    if protocol == "paper":
        decoding = decode_paper(
            latents_train, split.labels_train, latents_valid, split.labels_valid,
            alphas=alphas, logistic_max_iter=logistic_max_iter,
        )  # fmt: skip
    else:
        decoding = {
            key.removeprefix("seed_code_"): value
            for key, value in decode_seed_code(
                latents_train, split.labels_train, latents_valid, split.labels_valid,
                alphas=alphas, classifier_alpha=classifier_alpha,
            ).items()
        }  # fmt: skip
    where = SCORE_SPLIT[protocol]
    latents = latents_valid if where == "valid" else latents_train
    spikes = split.spikes_valid if where == "valid" else split.spikes_train
    labels = split.labels_valid if where == "valid" else split.labels_train
    scores = {
        "neuron_score_text": neuron_score_text(spikes, latents, top_neurons),
        "neuron_score_code": neuron_score_code(spikes, latents, top_neurons),
        "behavior_score_text": behavior_score_text(
            latents_train, split.labels_train, latents, labels, top_behaviours, behaviour_alpha
        ),
        "behavior_score_code": behavior_score_code(latents, labels, top_behaviours),
    }
    own = OWN_FORMULA[protocol]
    return {
        **decoding,
        **scores,
        "neuron_score": scores[f"neuron_score_{own}"],
        "behavior_score": scores[f"behavior_score_{own}"],
        "nonzero_ratio": nonzero_ratio(latents),
        "width": int(np.asarray(latents).shape[1]),
        "score_split": where,
    }


def pareto_front(
    sweep: pd.DataFrame,
    by=("protocol", "rat", "dim", "arch"),
    x: str = "nonzero_ratio_valid",
    y: str = "explained_variance_valid",
) -> pd.DataFrame:
    """Rows of ``sweep`` not dominated within their group: no other model is at least as
    sparse (``x`` ≤) and at least as faithful (``y`` ≥) and better in one of the two.

    Example:
        >>> df = pd.DataFrame({"g": [1, 1, 1, 1], "x": [0.1, 0.2, 0.3, 0.2],
        ...                    "y": [0.5, 0.9, 0.8, 0.4]})
        >>> pareto_front(df, by=["g"], x="x", y="y").index.tolist()
        [0, 1]
    """
    kept = []
    valid = sweep.dropna(subset=[x, y])
    for _, group in valid.groupby(list(by), sort=False):
        best = -np.inf
        for index, row in group.sort_values([x, y], ascending=[True, False]).iterrows():
            if row[y] > best:
                kept.append(index)
                best = row[y]
    return sweep.loc[sorted(kept)]

"""The answer table on the first screen (cebra_sae.report.answers)."""

import numpy as np
import pandas as pd

from cebra_sae.report.answers import QUESTIONS, answer_table, as_markdown
from cebra_sae.tables import ANSWERS_SCHEMA


def _posthoc(r2):
    """Three rats x two seeds; ``r2(representation, k)`` the position R² of each row."""
    rows = []
    reps = [("cebra", None), ("sae", 8), ("sae", 16), ("random_sae", 8), ("pca", None),
            ("nmf", None)]  # fmt: skip
    rng = np.random.default_rng(0)
    for rat in "abc":
        for seed in (0, 1):
            for rep, k in reps:
                rows.append(dict(protocol="paper", rat=rat, dim=8, seed=seed, representation=rep,
                                 k=k, sae_seed=0 if k else None,
                                 pos_r2_valid=r2(rep, k) + rng.normal(0, 0.002)))  # fmt: skip
    return pd.DataFrame(rows).astype({"k": "Int64", "sae_seed": "Int64"})


def test_the_runner_up_is_another_method_and_nulls_never_answer():
    table = answer_table(
        _posthoc(
            lambda rep, k: {"sae": 0.7 + (k or 0) / 1000, "random_sae": 0.9, "pca": 0.95}.get(
                rep, 0.5
            )
        )
    )
    assert list(table.columns) == list(ANSWERS_SCHEMA.columns)
    assert list(table.want) == [q.want for q in QUESTIONS]
    decode = table.iloc[0]
    # SAE k16 is best; the runner-up is not SAE k8 (the same method) but CEBRA or NMF, and
    # the untrained SAE and the PCA rotation (nulls) are never candidates
    assert decode.use == "SAE k=16" and decode.runner_up in {"CEBRA", "NMF"}
    assert decode.verdict == "SAE k=16" and decode.ci_low > 0.15
    assert decode.n_cases == 6 and decode.n_rats == 3
    # nothing measured for the other questions in this table: said so
    assert (table.verdict.iloc[1:] == "not measured in this run").all()
    assert "| decode behaviour on held-out data | SAE k=16 |" in as_markdown(table)


def test_an_interval_that_includes_zero_reads_no_clear_winner():
    table = answer_table(_posthoc(lambda rep, k: 0.6))
    decode = table.iloc[0]
    assert decode.verdict == "no clear winner" and decode.ci_low < 0 < decode.ci_high
    assert "no clear winner (" in as_markdown(table)

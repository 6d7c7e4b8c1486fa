"""What a run found: the findings, the claims view and the figures a config can fill."""

import re

import numpy as np
import pandas as pd
import pytest

from cebra_sae.claims.judge import ClaimSettings
from cebra_sae.claims.paper import claims_table
from cebra_sae.report.figures import FIGURES, VERDICT_STYLES
from cebra_sae.report.findings import claims_view, landing_rst, study_findings
from cebra_sae.report.pages import claim_paragraphs, effect_real_page


def _posthoc(rats=("a", "b", "c"), dims=(8, 16), ks=(8, 16, 32), seed=0):
    """Post-hoc rows with a known answer: the SAE's neuron score is CEBRA's + 0.12, the
    untrained SAE's CEBRA's + 0.09 (three quarters of the rise), decoding equal, and trained
    and untrained SAEs with the same share of place-field-like latents."""
    rng = np.random.default_rng(seed)
    rows = []
    for rat in rats:
        for dim in dims:
            base = 0.3 + rng.normal(0, 0.01)

            def row(representation, k=np.nan, score=base, share=0.5, rat=rat, dim=dim):
                return dict(protocol="paper", rat=rat, dim=dim, seed=0,
                            representation=representation, k=k, sae_seed=0 if k == k else np.nan,
                            neuron_score=score, behavior_score=0.4, pos_r2_valid=0.6,
                            dir_acc_valid=0.9, neuron_null_p95=0.1, behavior_null_p95=0.1,
                            place_field_share=share,
                            place_fields=share * (dim * 8 if k == k else dim),
                            width=dim * 8 if k == k else dim)  # fmt: skip

            rows.append(row("cebra", share=1.0))
            for k in ks:
                noise = rng.normal(0, 0.005)
                rows.append(row("sae", k, base + 0.12 + noise, 0.4 + rng.normal(0, 0.01)))
                rows.append(row("random_sae", k, base + 0.09 + noise, 0.4 + rng.normal(0, 0.01)))
    return pd.DataFrame(rows)


def _sweep():
    return pd.DataFrame(columns=["protocol", "rat", "dim", "arch", "expansion", "k",
                                 "nonzero_ratio_valid", "explained_variance_valid"])  # fmt: skip


@pytest.fixture(scope="module")
def claims():
    return claims_table(_sweep(), _posthoc(), ClaimSettings(bootstrap_resamples=500))


def test_a_null_row_never_shows_the_claims_verdict_as_its_own(claims):
    nulls = claims[claims.baseline != "claim"]
    assert len(nulls) and (nulls.claim_verdict == "").all()
    view = claims_view(claims)
    assert set(view.columns) >= {"statement", "verdict", "tightest null"}
    assert len(view) == (claims.baseline == "claim").sum()  # one row per claim part
    c3 = view[view.claim == "C3"]
    assert c3.verdict.eq("supported").all()
    # the tightest null of C3 is the untrained SAE (+0.03 against +0.12 for CEBRA)
    assert c3["tightest null"].str.startswith("random_sae: +0.03").all(), c3["tightest null"]
    assert c3["tightest null"].str.endswith("survives").all()


def test_a_part_without_data_says_why_in_words(claims):
    view = claims_view(claims)
    c1 = view[view.claim == "C1"].iloc[0]  # no SAE sweep rows
    assert c1.verdict == "not testable"
    effect = c1[[c for c in view.columns if c.startswith("effect")][0]]
    assert effect.startswith("not testable: ") and "nan" not in effect


def test_findings_give_the_rise_the_untrained_share_and_decoding_with_intervals(claims):
    found = study_findings(claims, _posthoc(), pd.DataFrame(columns=["value"]))
    titles = [f.title for f in found]
    assert titles == [
        "The neuron score rises after sparsification, against every null",
        "Most of the rise comes with width and sparsity, not training",
        "Decoding is preserved",
        "Training adds to the neuron score, not to place-field-like latents",
        "Latents across SAE seeds: not measured",
    ]
    rise, untrained, decoding, training, stability = found
    assert "the neuron score +0.030 [+0.030, +0.030]" in training.text, training.text
    assert "(C7: 3 supported," in training.text and training.figure == "place_fields"
    # each end of a span over k says which k it is (C7 mixes measures of different k)
    assert re.search(r"\] \(k(8|16|32)\) to .*\] \(k(8|16|32)\)", training.text), training.text
    assert "+0.12" in rise.text and "[" in rise.text and rise.figure == "fig4_scores"
    assert "75%" in untrained.text  # 0.09 of 0.12, computed from the claim rows
    assert "needs at least two SAE seeds" in stability.text and stability.figure == ""


def test_findings_follow_the_data_when_the_paper_is_wrong():
    """The same rows with the SAE below CEBRA: the titles say so, and there is no rise for
    the untrained SAE to explain."""
    posthoc = _posthoc()
    sae = posthoc.representation.isin(["sae", "random_sae"])
    posthoc.loc[sae, "neuron_score"] -= 0.3
    claims = claims_table(_sweep(), posthoc, ClaimSettings(bootstrap_resamples=500))
    found = study_findings(claims, posthoc, pd.DataFrame(columns=["value"]))
    assert found[0].title == "The neuron score does not rise after sparsification"
    assert "Most of the rise" not in " ".join(f.title for f in found)
    for finding in found:
        assert "nan" not in finding.text, finding


def test_stability_finding_compares_with_random_decoders():
    stability = pd.DataFrame([dict(protocol="paper", rat=r, dim=16, seed=0,
                                   representation="sae", k=8, measure="matched_share",
                                   value=0.001, random_value=0.0005, n_pairs=1)
                              for r in "abc"])  # fmt: skip
    found = study_findings(pd.DataFrame(columns=["protocol"]), _posthoc(), stability)
    last = found[-1]
    assert last.title == "Few SAE latents reproduce across SAE seeds, if more than chance"
    assert last.text.startswith("0.10% of") and "0.05% for random" in last.text
    assert last.figure == "stability"


def test_the_landing_page_puts_the_findings_before_the_description(claims):
    text = landing_rst(claims, _posthoc(), pd.DataFrame(columns=["value"]),
                       "**cebra-sae** reruns ...", "config/demo.yaml, tables of 2026-12-02",
                       {"fig4_scores": "`fig4_scores.png`_"})  # fmt: skip
    assert text.index("What this run found") < text.index("**cebra-sae** reruns")
    assert "(see `fig4_scores.png`_)" in text and "config/demo.yaml" in text
    assert "fig5_decoding" not in text  # a figure without a link is not named


def test_claim_pages_have_no_raw_markup_or_nan(claims):
    for _, _, _, text in claim_paragraphs(claims):
        assert "nan" not in text and "*" not in text, text
    page = effect_real_page(claims, _posthoc(), pd.DataFrame(columns=["value"]))
    assert "stability needs at least two seeds" in page.lower()
    assert "nan" not in page.replace("Nan", "")


def test_figures_a_config_cannot_fill_are_not_planned():
    one_seed = {"rats": {"buddy": {"source": "cebra"}}, "cebra": {"seeds": [0]},
                "sae": {"seeds": [0]}}  # fmt: skip
    assert "two seeds" in FIGURES["stability"].missing(one_seed)
    assert "simulated" in FIGURES["ground_truth"].missing(one_seed)
    two = {
        "rats": {"s": {"source": "synthetic"}},
        "cebra": {"seeds": [0]},
        "sae": {"seeds": [0, 1]},
    }
    assert FIGURES["stability"].missing(two) == FIGURES["ground_truth"].missing(two) == ""
    assert FIGURES["forest"].missing(one_seed) == ""


def test_every_verdict_has_its_own_colour_and_marker():
    colours = [c for c, _ in VERDICT_STYLES.values()]
    markers = [m for _, m in VERDICT_STYLES.values()]
    assert len(set(colours)) == len(set(markers)) == len(VERDICT_STYLES) == 6

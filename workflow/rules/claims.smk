"""Claims stage: the paper's claims measured and judged, and the intervals of Figures 4-6."""


rule claims:
    """The paper's claims C1-C6 and C7-C9 beyond it: effect, interval, nulls, verdict, per
    protocol."""
    input:
        sweep=table("sae_sweep"),
        posthoc=table("posthoc"),
        stability=table("stability"),
    output:
        table("claims"),
    log:
        log("claims"),
    benchmark:
        benchmark("claims")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        claims=config["claims"],
    script:
        "../../scripts/claims.py"


rule intervals:
    """Mean and hierarchical-bootstrap interval of every post-hoc metric per protocol x
    representation x k, over all dims and per dim (what Figures 4-6 draw)."""
    input:
        table("posthoc"),
    output:
        table("intervals"),
    log:
        log("intervals"),
    benchmark:
        benchmark("intervals")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        claims=config["claims"],
    script:
        "../../scripts/intervals.py"

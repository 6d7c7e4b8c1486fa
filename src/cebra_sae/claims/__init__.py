"""Stage 5, the claims: the paper's claims measured, given intervals and judged.

Modules:
    statistics: the hierarchical bootstrap (rats, then cases within a rat) and the Wilcoxon
        test over cases.
    judge: the claims' settings, the verdict rule, the caveat of too few rats, one part's row.
    paper: the paper's claims C1-C6, their parts and their nulls, per protocol.
    intervals: the mean and interval of every post-hoc metric that Figures 4-6 draw.
"""

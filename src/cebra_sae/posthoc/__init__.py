"""Stage 4, post hoc: CEBRA against its selected SAEs and their nulls, and what latents mean.

Modules:
    representations: the registry of post-hoc representations (CEBRA, each selected SAE,
        the nulls: untrained SAE, PCA/ICA rotations, shuffled-spikes CEBRA).
    evaluate: one case (protocol x rat x dim x seed): every representation decoded,
        scored, its nonzero ratio, its time-shift nulls and what its latents mean.
    scores: the neuron and behaviour scores under both formulas.
    nulls: the time-shift nulls of the scores.
    tuning: tuning curves, spatial information and place fields of latents.
    attribution: CEBRA's Jacobian attribution, through the SAE encoder for SAE latents.
    stability: CEBRA's consistency across seeds; SAE decoders matched across SAE seeds.
"""

"""Measures that several stages apply, defined once on plain arrays.

Modules:
    correlation: |Pearson r| between the columns of two arrays (constant columns give 0).
    decoding: position R² and running-direction accuracy, the two ways a protocol decodes
        (CEBRA embeddings in stage 2, every post-hoc representation in stage 4).
    recovery: how well latents recover a simulated recording's true factors (every SAE of
        the sweep in stage 3, every post-hoc representation in stage 4).
"""

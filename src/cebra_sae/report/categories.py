"""The categories of the Snakemake report, in the order a reader meets the study.

Every figure, table page and report page names one of these (a test checks it); nothing
else spells a category.

Example:
    >>> CATEGORIES[:3]
    ('Data', 'CEBRA', 'SAE sweep')
"""

DATA = "Data"
CEBRA = "CEBRA"
SAE_SWEEP = "SAE sweep"
POSTHOC = "Post-hoc"
CLAIMS = "Claims"
EFFECT_REAL = "Is the effect real?"
LATENT_MEANING = "What a latent means"
RUNTIME = "Runtime"

CATEGORIES = (DATA, CEBRA, SAE_SWEEP, POSTHOC, CLAIMS, EFFECT_REAL, LATENT_MEANING, RUNTIME)

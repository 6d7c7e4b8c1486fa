"""cebra-sae: sparse autoencoders on CEBRA embeddings of rat hippocampus recordings.

The science lives here as plain functions on arrays and DataFrames; the Snakemake
workflow (``Snakefile``, ``workflow/``, ``scripts/``) only wires them together. The rooms
follow the study's stages, and a room imports only from the rooms before it (a test checks
it; the SAE core imports nothing of the study):

* base: ``errors``, ``registry`` (the one registry class), ``io`` (atomic writes),
  ``config`` (the schema's defaults, readable config errors), ``devices``.
* ``sae/``: the SAE core (architectures, grid, batched trainer, checkpoints, metrics).
* ``data/``: stage 1, recordings (sources, format and split, simulator, summary).
* ``measures/``: measures several stages apply (|r|, decoding, recovery of a known code).
* ``protocols``: the two readings of the study (the paper's text, its published code).
* ``embedding``: stage 2, CEBRA fits.
* ``sae_sweep``: stage 3, the study's SAE sweep around the core.
* ``posthoc/``: stage 4, representations, scores, nulls, tuning, attribution, stability.
* ``claims/``: stage 5, the claims measured with intervals and judged.
* ``tables``: the schema of every table the stages write.
* ``report/``: stage 6, HTML tables, figures, pages, runtime.
* ``checks``, ``cli``: the config and input checks run before any job, and the CLI.
"""

from cebra_sae.errors import StudyError

__all__ = ["StudyError"]
__version__ = "0.3.0"

"""cebra-sae: sparse autoencoders on CEBRA embeddings of rat hippocampus recordings.

The science lives here as plain functions on arrays and DataFrames; the Snakemake
workflow (``Snakefile``, ``workflow/``, ``scripts/``) only wires them together.

Modules:
    data: recording sources (``cebra``, ``file``, ``synthetic``), validation, the
        chronological split and the prepared-recording file format.
    simulate: a seeded place-cell simulator with saved ground truth.
    embedding: CEBRA fitting (device and thread handling) and its outputs.
    metrics: decoding (position R², direction accuracy) under both protocols.
    tables: column schemas of the Parquet tables and their aggregation.
    figures: one function per figure.
"""

from cebra_sae.errors import StudyError

__all__ = ["StudyError"]
__version__ = "0.1.0"

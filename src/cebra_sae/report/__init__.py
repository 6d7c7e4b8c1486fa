"""Stage 6, the report: everything a reader sees, drawn from the tables only.

Nothing here computes a result: it reads the tables the stages wrote (arrows point one
way: the report reads results, no stage imports the report).

Modules:
    categories: the Snakemake report's categories, in reading order.
    html: tables as HTML pages, and which tables the report shows (with their category).
    labels: how figures and pages name representations and metrics.
    figures: the registry of figures, one drawing function each.
    pages: the registry of report pages of prose ("Is the effect real?", "What a latent
        means").
    runtime: every job's benchmark as one table (where the time went).
"""

"""Stage 1, the recordings: where they come from, their format, the split, their summary.

Modules:
    recording: the arrays every stage reads (spikes, labels), their checks, the
        chronological train/validation split and the prepared-recording file.
    sources: the registry of recording sources (``cebra``, ``file``, ``synthetic``): the
        config keys, checks and loader of each.
    simulate: a seeded place-cell simulator with saved ground truth (true factors).
    summary: a recording's row of ``data_summary`` and the warnings of what will give little.
"""

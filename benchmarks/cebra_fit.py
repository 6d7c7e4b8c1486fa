"""Benchmark: a CEBRA fit with CEBRA's own positive-pair search vs the study's (fast_search).

Both fit the same rat's train split with the paper's settings (the config schema's
``cebra`` defaults: offset10-model, batch 256, ...; output dimension 32 and the final
embeddings' hidden units and learning rate), the same seed and one torch thread, through
``cebra_sae.embedding.fit_cebra`` with ``fast_search`` off and on, interleaved in this one
run. The script prints the seconds per iteration of each repeat, the ratio of the medians
and whether every fit gave the same embeddings (train and valid) and losses bit for bit.

    python benchmarks/cebra_fit.py                          # buddy, 300 iterations
    python benchmarks/cebra_fit.py --rat achilles --iterations 1000 --repeats 5
    python benchmarks/cebra_fit.py --device cuda            # a GPU (CEBRA's search there)

The recordings are read from ``$CEBRA_SAE_SHARED/data`` (default ``../shared`` beside the
repository): ``rat_hippocampus/buddy.jl`` and ``achilles.npz``. The last line reads
``speedup X.XX, identical embeddings: yes`` (or ``no``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from pathlib import Path

import numpy as np
import torch

from cebra_sae.config import defaults
from cebra_sae.data.recording import chronological_split
from cebra_sae.data.sources import load_cebra_recording, load_file_recording
from cebra_sae.embedding import cebra_params, fit_cebra

SHARED = Path(
    os.environ.get("CEBRA_SAE_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
)


def load_rat(rat: str) -> tuple[np.ndarray, np.ndarray]:
    """``(spikes, labels)`` of buddy (CEBRA's file) or achilles (the test data's npz)."""
    if rat == "buddy":
        return load_cebra_recording("buddy", SHARED / "data", download=False)
    return load_file_recording(SHARED / "data" / "achilles.npz")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rat", choices=["buddy", "achilles"], default="buddy")
    parser.add_argument("--iterations", type=int, default=300, help="training steps per fit")
    parser.add_argument("--repeats", type=int, default=3, help="fits of each kind (interleaved)")
    parser.add_argument("--dim", type=int, default=32, help="output dimension")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    args = parser.parse_args(argv)

    spikes, labels = load_rat(args.rat)
    split = chronological_split(spikes, labels)
    final = defaults("cebra", "final")
    params = cebra_params(
        {"max_iterations": args.iterations},
        args.dim,
        final["num_hidden_units"],
        final["learning_rate"],
    )
    common = dict(seed=0, device=args.device, threads=args.threads)
    fit_args = (split.spikes_train, split.spikes_valid, split.labels_train)
    print(f"# CEBRA fit benchmark: {args.rat}, train split {split.spikes_train.shape}")
    print(f"# {', '.join(f'{k}={v}' for k, v in params.items())}")
    print(
        f"# {args.threads} threads, device {args.device}, torch {torch.__version__}, "
        f"{platform.processor() or 'cpu'}"
    )

    warm = dict(params, max_iterations=5)  # imports and first-call costs outside the timing
    for fast in (False, True):
        fit_cebra(*fit_args, warm, fast_search=fast, **common)

    kinds = {"cebra": False, "fast_search": True}
    seconds = {name: [] for name in kinds}
    results = {name: [] for name in kinds}
    for repeat in range(args.repeats):
        for name, fast in kinds.items():
            fit = fit_cebra(*fit_args, params, fast_search=fast, **common)
            per_iteration = fit.train_seconds / args.iterations
            seconds[name].append(per_iteration)
            results[name].append((fit.embedding_train, fit.embedding_valid, fit.loss))
            print(f"#   repeat {repeat}: {name:<11} {per_iteration * 1e3:7.2f} ms/iteration")

    reference = results["cebra"][0]
    identical = all(
        all(np.array_equal(a, b) for a, b in zip(result, reference, strict=True))
        for runs in results.values()
        for result in runs
    )
    print(f"{'search':<12} {'fits':>4} {'median ms/it':>13} {'min ms/it':>10}")
    for name, values in seconds.items():
        print(
            f"{name:<12} {len(values):>4} {statistics.median(values) * 1e3:>13.2f} "
            f"{min(values) * 1e3:>10.2f}"
        )
    speedup = statistics.median(seconds["cebra"]) / statistics.median(seconds["fast_search"])
    print(f"speedup {speedup:.2f}, identical embeddings: {'yes' if identical else 'no'}")


if __name__ == "__main__":
    main()

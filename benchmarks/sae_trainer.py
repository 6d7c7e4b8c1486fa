"""Benchmark: the project's batched SAE trainer vs one model at a time (the seed's way).

Both train the same models (one rat x dim block of the paper's grid by default: 135 SAEs)
with the same seeds, epochs and batch size, on the same cores, in this one run; the
script prints seconds per model for each and the ratio.

    python benchmarks/sae_trainer.py                       # buddy-shaped random embedding
    python benchmarks/sae_trainer.py --embedding $RUN/embedding.npz  # a real CEBRA embedding
    python benchmarks/sae_trainer.py --dim 8 --archs topk --expansions 8 --device cuda
    python benchmarks/sae_trainer.py --archs gated batchtopk topk_auxk jumprelu_quantile

The baseline is ``cebra_sae.sae.reference.train_one``: an ``nn.Module``, a ``DataLoader``
(batch 256, shuffled), ``torch.optim.Adam`` and a Python loop over 50 epochs, per model.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from cebra_sae.config import defaults
from cebra_sae.sae import TrainSettings, block_grid, train_block
from cebra_sae.sae.architectures import selectable_architectures
from cebra_sae.sae.reference import train_one


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding", help="npz with a 'train' array (default: random)")
    parser.add_argument("--dim", type=int, default=32, help="dim of the random embedding")
    parser.add_argument("--samples", type=int, default=5261, help="rows (buddy's train split)")
    sae = defaults("sae")  # the paper's grid and training settings (the config schema's)
    parser.add_argument(
        "--archs", nargs="+", default=sae["architectures"], choices=selectable_architectures(),
        help="SAE families (default: the paper's, the config's default)",
    )  # fmt: skip
    parser.add_argument("--expansions", nargs="+", type=int, default=sae["expansion"])
    parser.add_argument("--epochs", type=int, default=sae["epochs"])
    parser.add_argument("--batch-size", type=int, default=sae["batch_size"])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-reference", action="store_true", help="time the trainer only")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    if args.embedding:
        with np.load(args.embedding) as npz:
            z = npz["train"].astype(np.float32)
        source = args.embedding
    else:
        z = np.random.default_rng(0).normal(size=(args.samples, args.dim)).astype(np.float32)
        z /= np.linalg.norm(z, axis=1, keepdims=True)  # CEBRA's cosine embeddings lie on a sphere
        source = f"random unit vectors {z.shape}"
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, device=args.device)
    blocks = [block_grid(a, e, sae) for a in args.archs for e in args.expansions]
    n_models = sum(map(len, blocks))
    print(f"# SAE trainer benchmark: {n_models} models on {source}")
    print(
        f"# {args.epochs} epochs, batch {args.batch_size}, {args.threads} threads, "
        f"device {args.device}, torch {torch.__version__}, {platform.processor() or 'cpu'}"
    )

    start = time.perf_counter()
    name_width = max(map(len, args.archs))
    for specs in blocks:
        block = train_block(z, specs, settings)
        print(
            f"#   {specs[0].arch:>{name_width}} x{specs[0].expansion}: {len(specs):>2} models "
            f"{block.seconds:6.1f} s ({block.settings['models_at_once']} at once)"
        )
    batched = time.perf_counter() - start
    rows = [("batched (this project)", n_models, batched)]

    if not args.skip_reference:
        start = time.perf_counter()
        for specs in blocks:
            for spec in specs:
                train_one(z, spec, TrainSettings(epochs=args.epochs, batch_size=args.batch_size))
        rows.append(("one at a time (seed)", n_models, time.perf_counter() - start))

    print(f"{'trainer':<24} {'models':>6} {'seconds':>9} {'s/model':>9}")
    for name, models, seconds in rows:
        print(f"{name:<24} {models:>6} {seconds:>9.1f} {seconds / models:>9.3f}")
    if len(rows) == 2:
        print(f"speed-up (one at a time / batched): {rows[1][2] / rows[0][2]:.1f}x")


if __name__ == "__main__":
    main()

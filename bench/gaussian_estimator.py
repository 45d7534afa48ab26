"""Seconds per epoch of notebook 06's port (linear G, tanh D, batch 4) on the CPU, by thread count.

    python -m bench.gaussian_estimator                 # 1 and 2 threads, 3 seeds, 2 epochs each
    python -m bench.gaussian_estimator --threads 1 2 4 --seeds 5 --epochs 10 --save

One epoch is the original chapter's: 1,000 points in 250 batches of 4, each batch one
D step and one G step (``aml_gan.models.train_gaussian_epoch``, the package copy of
the notebook's loop). Every (threads, seed) run starts from fresh networks; the table
gives the median, min and max over all its epochs. ``--save`` also writes the table to
``bench/results/gaussian_estimator.md``. The load average is printed with the table:
numbers taken on a busy machine are not comparable with a quiet one.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Dict, List

import torch
from torch.utils.data import DataLoader, TensorDataset

from aml_gan.config import seed_everything, torch_threads
from aml_gan.data.gaussian import gaussian_data
from aml_gan.models.gaussian import gaussian_discriminator, gaussian_generator, train_gaussian_epoch
from bench._report import publish

RESULTS = Path(__file__).resolve().parent / "results" / "gaussian_estimator.md"


def time_run(seed: int, epochs: int, *, batch_size: int = 4, n: int = 1000) -> Dict[str, List[float]]:
    """Train the port for ``epochs`` from ``seed`` (current thread setting); per-epoch seconds and accuracy."""
    seed_everything(seed)
    x = gaussian_data(n)
    gen, disc = gaussian_generator(), gaussian_discriminator()
    gen_optim = torch.optim.Adam(gen.parameters(), lr=0.01)
    disc_optim = torch.optim.Adam(disc.parameters(), lr=0.05)
    loader = DataLoader(TensorDataset(x), batch_size=batch_size, shuffle=True)
    seconds, accuracy = [], []
    for _ in range(epochs):
        tic = time.perf_counter()
        accuracy.append(train_gaussian_epoch(gen, disc, gen_optim, disc_optim, loader))
        seconds.append(time.perf_counter() - tic)
    return {"seconds": seconds, "accuracy": accuracy}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch intra-op thread counts")
    parser.add_argument("--seeds", type=int, default=3, help="runs per thread count (seeds 0..N-1)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed per run (the original trains 10)")
    parser.add_argument("--save", action="store_true", help=f"also write the table to {RESULTS}")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.epochs < 1 or min(args.threads) < 1:
        parser.error("--seeds, --epochs and every --threads value must be at least 1")

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    lines = [
        "# Notebook 06: seconds per epoch (250 steps of batch 4) on the CPU",
        "",
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; "
        f"{args.seeds} seeds x {args.epochs} epochs per row",
        "",
        "| threads | median s/epoch | min | max | median ms/step | final accuracy (median) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n_threads in args.threads:
        seconds, final_acc = [], []
        with torch_threads(n_threads):
            for seed in range(args.seeds):
                run = time_run(seed, args.epochs)
                seconds += run["seconds"]
                final_acc.append(run["accuracy"][-1])
                print(f"threads={n_threads} seed={seed}: " + ", ".join(f"{s:.3f}s" for s in run["seconds"]), flush=True)
        med = statistics.median(seconds)
        lines.append(
            f"| {n_threads} | {med:.3f} | {min(seconds):.3f} | {max(seconds):.3f} | {1000 * med / 250:.2f} | "
            f"{statistics.median(final_acc):.3f} |"
        )
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    lines += ["", f"load average after the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"]
    table = "\n".join(lines)
    return publish(table, RESULTS, args.save)


if __name__ == "__main__":
    main()

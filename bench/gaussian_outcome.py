"""Notebook 06: how far the ported GAN's estimate lands from the truth, over many seeds.

    python -m bench.gaussian_outcome                 # 40 seeds, the fast (4) and full (10) epoch budgets
    python -m bench.gaussian_outcome --seeds 60 --save

Each seed runs the whole experiment of notebook 06 (fresh data, fresh networks, the
original's learning rates and loop, ``seed_everything(seed)`` first, exactly like the
notebook's ``run_port``; seed 0 is the notebook's main run) for 10 epochs, and reads the
errors after epoch 4 (what fast mode trains) and after epoch 10 (full mode). The table
gives, per budget, the range over seeds of each number the notebook's Outcome asserts
on (D's accuracy in the first and last epoch, the mean and covariance errors), with the
medians, and the same for the sample mean and covariance of the same points. The
Outcome's bounds are set with a margin over these ranges.
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Dict, List

import torch
from torch.utils.data import DataLoader, TensorDataset

from aml_gan.config import seed_everything, torch_threads
from aml_gan.data.gaussian import gaussian_data, true_covariance, true_mean
from aml_gan.metrics import moment_errors, sample_moments, variance_along
from aml_gan.models.gaussian import gaussian_discriminator, gaussian_generator, linear_generator_moments
from aml_gan.models.gaussian import train_gaussian_epoch
from bench._report import publish

RESULTS = Path(__file__).resolve().parent / "results" / "gaussian_outcome.md"
BUDGETS = {"fast": 4, "full": 10}


def run_seed(seed: int, epochs: int = 10) -> Dict[int, Dict[str, float]]:
    """Notebook 06's experiment from ``seed``; the numbers after each epoch in ``BUDGETS``."""
    seed_everything(seed)
    x = gaussian_data(1000)
    gen, disc = gaussian_generator(), gaussian_discriminator()
    gen_optim = torch.optim.Adam(gen.parameters(), lr=0.01)
    disc_optim = torch.optim.Adam(disc.parameters(), lr=0.05)
    loader = DataLoader(TensorDataset(x), batch_size=4, shuffle=True)
    closed_moments = sample_moments(x)
    closed = moment_errors(*closed_moments, true_mean(), true_covariance())
    values, vectors = torch.linalg.eigh(true_covariance().double())
    long_var, long_axis = values[1].item(), vectors[:, 1]

    def long_error(cov) -> float:
        return abs(variance_along(cov, long_axis) - long_var) / long_var

    accuracy, out = [], {}
    for epoch in range(1, epochs + 1):
        accuracy.append(train_gaussian_epoch(gen, disc, gen_optim, disc_optim, loader))
        if epoch in BUDGETS.values():
            moments = linear_generator_moments(gen)
            gan = moment_errors(*moments, true_mean(), true_covariance())
            out[epoch] = {
                "first_acc": accuracy[0], "last_acc": accuracy[-1],
                "mean_error": gan["mean_error"], "cov_error": gan["cov_error"],
                "thin_axis": gan["minor_rel_error"], "long_axis": long_error(moments[1]),
                "closed_mean_error": closed["mean_error"], "closed_cov_error": closed["cov_error"],
                "closed_thin_axis": closed["minor_rel_error"], "closed_long_axis": long_error(closed_moments[1]),
            }
    return out


def _row(name: str, values: List[float], pct: bool = False) -> str:
    f = (lambda v: f"{100 * v:.0f}%") if pct else (lambda v: f"{v:.3f}")
    return f"| {name} | {f(min(values))} | {f(statistics.median(values))} | {f(max(values))} |"


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0..N-1 (0 is the notebook's main run)")
    parser.add_argument("--save", action="store_true", help=f"also write the table to {RESULTS}")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    runs = []
    with torch_threads(1):
        for seed in range(args.seeds):
            runs.append(run_seed(seed))
            r = runs[-1][BUDGETS["full"]]
            print(f"seed {seed}: acc {r['first_acc']:.3f} -> {r['last_acc']:.3f}, mean error {r['mean_error']:.3f}, "
                  f"cov error {r['cov_error']:.3f}", flush=True)
    lines = [f"# Notebook 06: the GAN's estimate over {args.seeds} seeds (0..{args.seeds - 1})", ""]
    for budget, epochs in BUDGETS.items():
        rows = [run[epochs] for run in runs]
        col = lambda key: [r[key] for r in rows]  # noqa: E731
        lines += [
            f"## {budget} mode: {epochs} epochs", "",
            "| number | min | median | max |", "|---|---:|---:|---:|",
            _row("D accuracy, first epoch", col("first_acc")),
            _row(f"D accuracy, epoch {epochs}", col("last_acc")),
            _row("GAN mean error", col("mean_error")),
            _row("GAN covariance error", col("cov_error")),
            _row("GAN thin-axis variance off by", col("thin_axis"), pct=True),
            _row("GAN long-axis variance off by", col("long_axis"), pct=True),
            _row("sample mean error", col("closed_mean_error")),
            _row("sample covariance error", col("closed_cov_error")),
            _row("sample thin-axis variance off by", col("closed_thin_axis"), pct=True),
            _row("sample long-axis variance off by", col("closed_long_axis"), pct=True),
            "",
            f"The GAN's thin axis is off by more (relative to its variance) than its long axis in "
            f"{sum(r['thin_axis'] > r['long_axis'] for r in rows)} of {len(rows)} seeds.",
            f"GAN worse than the closed form: mean in {sum(r['mean_error'] > r['closed_mean_error'] for r in rows)}"
            f" of {len(rows)} seeds, covariance in {sum(r['cov_error'] > r['closed_cov_error'] for r in rows)}.",
            "",
        ]
    return publish("\n".join(lines), RESULTS, args.save)


if __name__ == "__main__":
    main()

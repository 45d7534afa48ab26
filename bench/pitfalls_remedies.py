"""Notebook 07's remedy table with more seeds: modes covered and high-quality fraction per recipe.

    python -m bench.pitfalls_remedies                          # 10 seeds, 2000 steps, ring of 8
    python -m bench.pitfalls_remedies --seeds 10 --steps 4000 --save
    python -m bench.pitfalls_remedies --mixture grid --recipes "vanilla GAN" WGAN-GP
    python -m bench.pitfalls_remedies --seeds 5 --papers --save   # also the papers' own WGAN settings

Same setup as the notebook (``aml_gan.remedies.default_recipes``): 64-d noise, MLPs with two
hidden layers of 64 ReLU units, batches of 128, Adam lr 1e-3 and betas (0.5, 0.9) for both
players, the ring of 8 Gaussians (radius 2, std 0.05), 2,500 evaluation samples from fixed noise.
Runs use one torch thread. ``--save`` also writes the table to ``bench/results/pitfalls_remedies.md``.

The rows are ranked by the mean number of **well-covered** modes (at least 2% of all samples
within 3 std of the mode), the criterion notebook 07 ranks by; "reached" counts a mode with a
single high-quality sample. ``--papers`` adds three rows with the published settings, which the
notebook does not use at its budget (it says why): WGAN-GP as in the paper (lambda 10, 5 critic
steps, Adam lr 1e-4, betas (0, 0.9)); WGAN-GP as in the authors' own toy script for this very
ring (igul222/improved_wgan_training, gan_toy.py: lambda 0.1, 5 critic steps, Adam lr 1e-4,
betas (0.5, 0.9)); and WGAN with weight clipping as in its paper (clip 0.01, 5 critic steps,
RMSProp lr 5e-5). Those settings were tuned for 100,000 or more generator steps.
The load average is printed with the table: seconds measured on a busy machine are not comparable
with a quiet one (the modes and fractions are, for the same seeds on the same kind of CPU).
"""
from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import torch

from aml_gan.config import torch_threads
from aml_gan.data import grid_mixture, ring_mixture
from aml_gan.remedies import Recipe, WassersteinStep, compare_recipes, default_recipes, format_table, summarize
from bench._report import publish

RESULTS = Path(__file__).resolve().parent / "results" / "pitfalls_remedies.md"


def paper_recipes() -> dict:
    """The published WGAN settings (see the module docstring)."""
    return {
        "WGAN-GP, paper": Recipe("WGAN-GP, paper", WassersteinStep(5, gp_weight=10.0), disc_kind="critic",
                                 gen_lr=1e-4, disc_lr=1e-4, betas=(0.0, 0.9),
                                 note="lambda 10, 5 critic steps, Adam 1e-4, betas (0, 0.9)"),
        "WGAN-GP, toy script": Recipe("WGAN-GP, toy script", WassersteinStep(5, gp_weight=0.1), disc_kind="critic",
                                      gen_lr=1e-4, disc_lr=1e-4, betas=(0.5, 0.9),
                                      note="lambda 0.1, 5 critic steps, Adam 1e-4, betas (0.5, 0.9)"),
        "WGAN, paper": Recipe("WGAN, paper", WassersteinStep(5, clip=0.01), disc_kind="critic",
                              gen_lr=5e-5, disc_lr=5e-5, optimizer="rmsprop",
                              note="clip 0.01, 5 critic steps, RMSProp 5e-5"),
    }


def main(argv=None) -> str:
    recipes = default_recipes()
    recipes.update(paper_recipes())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 per recipe")
    parser.add_argument("--steps", type=int, default=2000, help="training steps per run")
    parser.add_argument("--mixture", choices=("ring", "grid"), default="ring", help="ring of 8 or 5x5 grid")
    parser.add_argument("--std", type=float, default=0.05, help="standard deviation of every mode")
    defaults = list(default_recipes())
    parser.add_argument("--recipes", nargs="+", default=defaults, metavar="NAME",
                        help=f"recipes to run (default: {', '.join(defaults)}; also: {', '.join(paper_recipes())})")
    parser.add_argument("--papers", action="store_true", help="add the papers' own WGAN settings to the recipes")
    parser.add_argument("--save", action="store_true", help=f"also write the table to {RESULTS}")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.steps < 10:
        parser.error("--seeds must be at least 1 and --steps at least 10")
    if args.papers:
        args.recipes = list(args.recipes) + [n for n in paper_recipes() if n not in args.recipes]
    unknown = [name for name in args.recipes if name not in recipes]
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(recipes)}")

    mixture = ring_mixture(std=args.std) if args.mixture == "ring" else grid_mixture(std=args.std)
    chosen = {name: recipes[name] for name in args.recipes}
    with torch_threads(1):
        results = compare_recipes(chosen, mixture, seeds=tuple(range(args.seeds)), steps=args.steps)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    text = "\n".join([
        f"# Remedy table: {mixture.n_modes}-mode {args.mixture}, std {args.std}, {args.steps} steps, "
        f"seeds 0..{args.seeds - 1}",
        "",
        "```",
        format_table(sorted(summarize(results), key=lambda r: (-r["mean_well_covered"], -r["mean_hq"]))),
        "```",
        "",
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, 1 thread, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
    ])
    return publish(text, RESULTS, args.save)


if __name__ == "__main__":
    main()

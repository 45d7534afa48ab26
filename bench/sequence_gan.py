"""Notebook 04: time for the sequence GAN to reach its target, course recipe vs the unit's pseudo-code.

    python -m bench.sequence_gan                    # 3 seeds, table to stdout
    python -m bench.sequence_gan --seeds 10 --save  # also bench/results/sequence_gan.md
    python -m bench.sequence_gan --ablations        # add the in-between recipes

Target: the generator's samples reach validity >= 0.95 (tol 0.5) and coverage >= 0.8
(the bound notebook 04 asserts), measured on 2,000 samples every ``--eval-every`` steps.
The clock counts training only (steps, data loading, weight averaging), not the
measurements. A run that has not reached the target after ``--max-steps`` steps, or
whose losses or samples become NaN, counts as a failure.

Both recipes use the same data (8,192 scaled sequences, batches of 128 from a shuffled
DataLoader), the same networks (``DenseGenerator(5)``, ``DenseDiscriminator()``: two hidden
layers of 64, LeakyReLU), Adam with learning rate 1e-3 for each network, one CPU thread:

- **course**: notebook 04's recipe: ``aml_gan.training.train_step`` (normal noise, the
  discriminator first on detached fakes, clamped logs, non-saturating generator loss),
  Adam betas (0.5, 0.999), and the generator that is measured is the exponential moving
  average of its weights (decay 0.99), sampled with normal noise.
- **pseudo-code**: the unit's training loop exactly as written: ``torch.rand`` noise, the
  generator first, plain ``-torch.log`` without clamping, ``disc_optim.zero_grad()`` after the
  generator's backward, fresh noise for the discriminator; PyTorch's default Adam betas
  (0.9, 0.999), as ``Adam(gen.parameters(), lr=LR1)`` gives; the generator itself is measured,
  sampled with ``torch.rand``. The only addition is ``.mean()`` on each loss (``backward()``
  needs a single number).

``--ablations`` adds: the pseudo-code loop with ``torch.randn`` noise, and the course recipe
without the averaged generator, to show which ingredient matters.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader

from aml_gan.config import seed_everything, torch_threads
from aml_gan.data import SequenceScaler, make_sequence_dataset
from aml_gan.metrics import sample_sequences, sequence_coverage, sequence_validity
from aml_gan.models import DenseDiscriminator, DenseGenerator
from aml_gan.training import train_step
from bench._report import publish

RESULTS = Path(__file__).resolve().parent / "results" / "sequence_gan.md"
LATENT_DIM = 5
BATCH = 128
N_REAL = 8192
N_EVAL = 2000
LR = 1e-3


def pseudo_code_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, noise=torch.rand):
    """The unit's loop body as written (plus ``.mean()``): G first, uniform noise, plain logs."""
    batch_size = real_batch.shape[0]
    # train generator first
    disc_score = disc(gen(noise(batch_size, latent_dim)))
    generator_loss = (-torch.log(disc_score)).mean()
    generator_loss.backward()
    # disconnect discriminator gradients
    disc_optim.zero_grad()
    # step and clear
    gen_optim.step()
    gen_optim.zero_grad()
    # now, train discriminator
    disc_score_false = disc(gen(noise(batch_size, latent_dim)).detach())
    disc_score_true = disc(real_batch)
    discriminator_loss = (-torch.log(disc_score_true) - torch.log(1 - disc_score_false)).mean()
    discriminator_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return generator_loss.item(), discriminator_loss.item()


def pseudo_code_step_randn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    return pseudo_code_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, noise=torch.randn)


RECIPES: Dict[str, dict] = {
    "course": dict(step=train_step, betas=(0.5, 0.999), average=True, noise=torch.randn),
    "pseudo-code": dict(step=pseudo_code_step, betas=(0.9, 0.999), average=False, noise=torch.rand),
}
ABLATIONS: Dict[str, dict] = {
    "pseudo-code + randn": dict(step=pseudo_code_step_randn, betas=(0.9, 0.999), average=False, noise=torch.randn),
    "course, no averaging": dict(step=train_step, betas=(0.5, 0.999), average=False, noise=torch.randn),
}


def time_to_target(
    recipe: dict, seed: int, *, max_steps: int, eval_every: int, min_validity: float, min_coverage: float
) -> dict:
    """Train one recipe from one seed until the target; return seconds, steps and the reason it stopped."""
    seed_everything(seed)
    scaler = SequenceScaler()
    data = make_sequence_dataset(N_REAL, seed=seed + 1000, scaler=scaler)
    loader = DataLoader(data, batch_size=BATCH, shuffle=True, drop_last=True)
    gen, disc = DenseGenerator(LATENT_DIM), DenseDiscriminator()
    gen_optim = torch.optim.Adam(gen.parameters(), lr=LR, betas=recipe["betas"])
    disc_optim = torch.optim.Adam(disc.parameters(), lr=LR, betas=recipe["betas"])
    averaged = (
        AveragedModel(gen, multi_avg_fn=get_ema_multi_avg_fn(0.99), use_buffers=True) if recipe["average"] else None
    )
    eval_noise = recipe["noise"](N_EVAL, LATENT_DIM)
    step_fn: Callable = recipe["step"]

    seconds, steps = 0.0, 0
    last = {"validity": float("nan"), "coverage": float("nan")}
    while steps < max_steps:
        for (real,) in loader:
            tic = time.perf_counter()
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real, LATENT_DIM)
            if averaged is not None:
                averaged.update_parameters(gen)
            seconds += time.perf_counter() - tic
            steps += 1
            if not (math.isfinite(g_loss) and math.isfinite(d_loss)):
                return dict(seed=seed, reached=False, why="NaN loss", seconds=seconds, steps=steps, **last)
            if steps % eval_every == 0 or steps == max_steps:
                x = sample_sequences(averaged if averaged is not None else gen, N_EVAL, LATENT_DIM,
                                     scaler=scaler, noise=eval_noise)
                if not torch.isfinite(x).all():
                    return dict(seed=seed, reached=False, why="NaN samples", seconds=seconds, steps=steps, **last)
                last = {"validity": sequence_validity(x), "coverage": sequence_coverage(x)}
                if last["validity"] >= min_validity and last["coverage"] >= min_coverage:
                    return dict(seed=seed, reached=True, why="target", seconds=seconds, steps=steps, **last)
            if steps >= max_steps:
                break
    return dict(seed=seed, reached=False, why="budget", seconds=seconds, steps=steps, **last)


def _median(values: List[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def _fmt(value: Optional[float], spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="runs per recipe (seeds 0..N-1); default 3")
    parser.add_argument("--max-steps", type=int, default=6000, help="step budget per run (default 6000)")
    parser.add_argument("--eval-every", type=int, default=50, help="measure every N steps (default 50)")
    parser.add_argument("--validity", type=float, default=0.95, help="validity target (default 0.95)")
    parser.add_argument("--coverage", type=float, default=0.8, help="coverage target (default 0.8)")
    parser.add_argument("--ablations", action="store_true", help="also run the in-between recipes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--save", action="store_true", help=f"also write the table to {RESULTS}")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.max_steps < 1 or args.eval_every < 1 or args.threads < 1:
        parser.error("--seeds, --max-steps, --eval-every and --threads must be at least 1")

    recipes = dict(RECIPES, **(ABLATIONS if args.ablations else {}))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    results: Dict[str, List[dict]] = {}
    with torch_threads(args.threads):
        for seed in range(args.seeds):
            for name, recipe in recipes.items():
                r = time_to_target(recipe, seed, max_steps=args.max_steps, eval_every=args.eval_every,
                                   min_validity=args.validity, min_coverage=args.coverage)
                results.setdefault(name, []).append(r)
                print(f"{name:22s} seed {seed}: {'reached' if r['reached'] else 'FAILED (' + r['why'] + ')':18s} "
                      f"{r['seconds']:7.2f} s {r['steps']:6d} steps  validity {r['validity']:.3f} "
                      f"coverage {r['coverage']:.3f}", flush=True)
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3

    lines = [
        "# Notebook 04: time to validity >= {:.2f} with coverage >= {:.2f} (CPU)".format(args.validity, args.coverage),
        "",
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.threads} torch thread(s); {args.seeds} seeds per recipe, at most {args.max_steps} steps, "
        f"measured every {args.eval_every} steps; load average {load[0]:.2f} before, {load_after[0]:.2f} after.",
        "",
        "| recipe | reached target | median s to target | median steps to target | median ms/step |"
        " median s, failures as budget |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    medians = {}
    for name, runs in results.items():
        ok = [r for r in runs if r["reached"]]
        med_s = _median([r["seconds"] for r in ok])
        med_steps = _median([float(r["steps"]) for r in ok])
        ms_step = _median([1000 * r["seconds"] / max(1, r["steps"]) for r in runs])
        # Failures count as the whole budget: a lower bound on their real time to target.
        pessimistic = _median([r["seconds"] if r["reached"] else ms_step / 1000 * args.max_steps for r in runs])
        medians[name] = (med_s, pessimistic)
        lines.append(
            f"| {name} | {len(ok)}/{len(runs)} | {_fmt(med_s, '.2f')} | {_fmt(med_steps, '.0f')} | "
            f"{_fmt(ms_step, '.2f')} | {_fmt(pessimistic, '.2f')} |"
        )
    lines.append("")
    lines.append("Ratio of median times to target, other recipe / course (over the runs that reached it; "
                 "where a recipe failed, counting each failure as the full budget gives a lower bound):")
    course = medians.get("course")
    for name, (med_s, pessimistic) in medians.items():
        if name == "course" or not course:
            continue
        if med_s is not None and course[0]:
            reached = f"{med_s / course[0]:.1f}x"
        else:
            reached = "not defined (never reached the target)"
        course_always = all(r["reached"] for r in results["course"])
        bound = ""
        if any(not r["reached"] for r in results[name]):
            bound = (f"; at least {pessimistic / course[1]:.1f}x counting failures as the budget"
                     if course_always and pessimistic is not None and course[1]
                     else "; no bound (the course recipe also missed the target in some runs)")
        lines.append(f"- {name}: {reached}{bound}")
    table = "\n".join(lines)
    return publish(table, RESULTS, args.save)


if __name__ == "__main__":
    main()

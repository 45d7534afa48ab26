"""Remedies for mode collapse, measured on a 2-D Gaussian mixture (notebook 07 and ``bench.pitfalls_remedies``).

Every step function here has the course's signature, so ``aml_gan.training.fit(step_fn=...)`` runs it::

    step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss: float, d_loss: float)

- :func:`minimax_step`: like the reference ``train_step`` but the generator uses the saturating
  minimax loss ``log(1 - D(G(z)))`` (for the vanishing-gradient demonstration).
- :class:`WassersteinStep`: ``n_critic`` critic updates (raw scores, no sigmoid) with weight
  clipping or a gradient penalty, then one generator update with ``-mean C(G(z))``.
- :func:`margin_step`: the energy-based margin loss with a non-negative cost network.

A :class:`Recipe` bundles the networks' last layer, the optimizers and the step; :func:`run_recipe`
trains one recipe with one seed and measures the modes; :func:`compare_recipes` builds the table.
All networks are tiny MLPs (2 hidden layers); use one torch thread for them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .config import seed_everything
from .losses import (
    critic_loss,
    gradient_penalty,
    margin_losses,
    minimax_generator_loss,
    wasserstein_generator_loss,
)
from .metrics.modes import ModeStats, mode_stats
from .training import gan_step, update_discriminator, update_generator
from .reference import reference

DISC_KINDS = ("classifier", "critic", "cost")


# ----------------------------------------------------------------------------------------------- networks


def mlp(in_dim: int, out_dim: int, hidden: int = 64, depth: int = 2, out_layer: Optional[nn.Module] = None) -> nn.Sequential:
    """``depth`` hidden layers of ``hidden`` ReLU units: (B, in_dim) -> (B, out_dim), then ``out_layer`` if given."""
    for name, value in (("in_dim", in_dim), ("out_dim", out_dim), ("hidden", hidden), ("depth", depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    layers: List[nn.Module] = []
    width = in_dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, out_dim))
    if out_layer is not None:
        layers.append(out_layer)
    return nn.Sequential(*layers)


def make_networks(kind: str = "classifier", *, latent_dim: int = 64, data_dim: int = 2, hidden: int = 64,
                  depth: int = 2) -> Tuple[nn.Module, nn.Module]:
    """A generator (B, latent_dim) -> (B, data_dim) and a second network of the given kind.

    ``kind``: "classifier" (ends in a sigmoid: probability of real, for GAN losses),
    "critic" (raw unbounded score, for Wasserstein losses) or "cost" (a softplus: a
    non-negative energy, for the margin loss). The hidden layers are the same for all three.
    """
    if kind not in DISC_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DISC_KINDS)}, got {kind!r}.")
    last = {"classifier": nn.Sigmoid(), "critic": None, "cost": nn.Softplus()}[kind]
    gen = mlp(latent_dim, data_dim, hidden, depth)
    disc = mlp(data_dim, 1, hidden, depth, last)
    return gen, disc


# -------------------------------------------------------------------------------------------- step functions


def _noise(real_batch: torch.Tensor, latent_dim: int) -> torch.Tensor:
    return torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)


@reference("train_step")
def minimax_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """The reference GAN step, except that G minimises ``log(1 - D(G(z)))`` (saturating). -> (g, d) floats."""
    return gan_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, minimax_generator_loss)


@reference("train_step")
class WassersteinStep:
    """Wasserstein GAN step: ``n_critic`` critic updates, then one generator update.

    Each critic update draws fresh fakes and reuses the real batch; its loss is
    ``critic_loss_fn(C(x), C(G(z)))`` plus ``gp_weight * penalty_fn(C, x, G(z))`` when
    ``gp_weight`` is set; with ``clip`` every critic weight is clamped to ``[-clip, clip]``
    after each update. The generator minimises ``-mean C(G(z))``. Returns (g_loss, d_loss),
    d_loss being the last critic loss (penalty included).
    """

    def __init__(self, n_critic: int = 2, *, clip: Optional[float] = None, gp_weight: Optional[float] = None,
                 critic_loss_fn: Callable = critic_loss, penalty_fn: Callable = gradient_penalty):
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic must be a whole number >= 1, got {n_critic!r}.")
        if clip is None and gp_weight is None:
            raise ValueError("a Wasserstein critic needs a Lipschitz constraint: pass clip=0.01 or gp_weight=0.1.")
        if clip is not None and not clip > 0:
            raise ValueError(f"clip must be positive, got {clip}.")
        if gp_weight is not None and not gp_weight > 0:
            raise ValueError(f"gp_weight must be positive, got {gp_weight}.")
        self.n_critic, self.clip, self.gp_weight = n_critic, clip, gp_weight
        self.critic_loss_fn, self.penalty_fn = critic_loss_fn, penalty_fn

    def __call__(self, gen, critic, gen_optim, critic_optim, real_batch, latent_dim):
        for _ in range(self.n_critic):
            with torch.no_grad():
                fake = gen(_noise(real_batch, latent_dim))

            def loss_fn(c_real, c_fake):
                loss = self.critic_loss_fn(c_real, c_fake)
                if self.gp_weight is not None:
                    loss = loss + self.gp_weight * self.penalty_fn(critic, real_batch, fake)
                return loss

            c_loss = update_discriminator(critic, critic_optim, real_batch, fake, loss_fn)
            if self.clip is not None:
                with torch.no_grad():
                    for p in critic.parameters():
                        p.clamp_(-self.clip, self.clip)
        fake = gen(_noise(real_batch, latent_dim))
        g_loss = update_generator(gen, critic, gen_optim, critic_optim, fake, wasserstein_generator_loss)
        return g_loss.item(), c_loss.item()

    def __repr__(self) -> str:
        extra = f"clip={self.clip}" if self.clip is not None else f"gp_weight={self.gp_weight}"
        return f"WassersteinStep(n_critic={self.n_critic}, {extra})"


@reference("train_step")
def margin_step(margin: float = 1.0) -> Callable:
    """Step for the energy-based margin loss: cost ``C(x) + max(0, m - C(G(z)))``, generator ``C(G(z))``.

    ``disc`` must output non-negative costs (low = real), e.g. ``make_networks("cost")``.
    Both losses come from :func:`aml_gan.losses.margin_losses`; the order is the reference step's.
    """
    if not margin > 0:
        raise ValueError(f"margin must be positive, got {margin}.")

    def cost_loss(c_real, c_fake):
        return margin_losses(c_real, c_fake, margin)[0]

    def generator_cost(c_fake):
        # L_G = C(G(z)) does not involve C(x): any stand-in for C(x) gives the same loss.
        return margin_losses(c_fake.detach(), c_fake, margin)[1]

    def step(gen, cost, gen_optim, cost_optim, real_batch, latent_dim):
        return gan_step(gen, cost, gen_optim, cost_optim, real_batch, latent_dim, generator_cost,
                        disc_loss_fn=cost_loss)

    step.__name__ = step.__qualname__ = f"margin_step_m{margin:g}"
    return reference("train_step")(step)


# ------------------------------------------------------------------------------------------------- recipes


@dataclass
class Recipe:
    """Everything that differs between the rows of the remedy table.

    ``step_fn``: a step with the course's signature. ``disc_kind``: see :func:`make_networks`.
    ``optimizer``: "adam" (with ``betas``) or "rmsprop". ``pretrain_steps``: discriminator-only
    updates before training (the generator is frozen meanwhile).
    """

    name: str
    step_fn: Callable
    disc_kind: str = "classifier"
    gen_lr: float = 1e-3
    disc_lr: float = 1e-3
    betas: Tuple[float, float] = (0.5, 0.9)
    optimizer: str = "adam"
    pretrain_steps: int = 0
    note: str = ""

    def optimizers(self, gen: nn.Module, disc: nn.Module):
        if self.optimizer == "adam":
            return (torch.optim.Adam(gen.parameters(), lr=self.gen_lr, betas=self.betas),
                    torch.optim.Adam(disc.parameters(), lr=self.disc_lr, betas=self.betas))
        if self.optimizer == "rmsprop":
            return (torch.optim.RMSprop(gen.parameters(), lr=self.gen_lr),
                    torch.optim.RMSprop(disc.parameters(), lr=self.disc_lr))
        raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {self.optimizer!r}.")


def default_recipes(critic_loss_fn: Callable = critic_loss, penalty_fn: Callable = gradient_penalty) -> Dict[str, Recipe]:
    """The five rows of notebook 07's table, in order. Pass your own critic loss / penalty to use them."""
    from .training import train_step

    return {
        "vanilla GAN": Recipe("vanilla GAN", train_step, note="non-saturating loss, D with a sigmoid"),
        "pretrained D": Recipe("pretrained D", train_step, pretrain_steps=200,
                               note="200 discriminator-only steps first"),
        "margin loss": Recipe("margin loss", margin_step(1.0), disc_kind="cost",
                              note="energy-based cost network, margin 1"),
        "WGAN, clipping": Recipe("WGAN, clipping", WassersteinStep(2, clip=0.05, critic_loss_fn=critic_loss_fn),
                                 disc_kind="critic", note="critic weights clamped to [-0.05, 0.05], 2 critic steps"),
        "WGAN-GP": Recipe("WGAN-GP", WassersteinStep(2, gp_weight=0.1, critic_loss_fn=critic_loss_fn,
                                                     penalty_fn=penalty_fn),
                          disc_kind="critic", note="gradient penalty 0.1, 2 critic steps"),
    }


@dataclass
class RunResult:
    """One trained recipe: final mode statistics, loss history, snapshots and metric curves."""

    recipe: str
    seed: int
    steps: int
    stats: ModeStats
    history: object
    snapshots: List[Tuple[int, torch.Tensor]] = field(default_factory=list)
    curve: List[Tuple[int, int, float]] = field(default_factory=list)  # (step, modes, hq)
    seconds: float = 0.0
    gen: Optional[nn.Module] = None
    disc: Optional[nn.Module] = None


def eval_noise(n: int = 2500, latent_dim: int = 64, seed: int = 12345) -> torch.Tensor:
    """Fixed noise for evaluation: the same points are measured at every snapshot and for every recipe."""
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))


def run_recipe(recipe: Recipe, mixture, *, seed: int = 0, steps: int = 1000, batch_size: int = 128,
               latent_dim: int = 64, hidden: int = 64, snapshot_every: Optional[int] = None, n_eval: int = 2500,
               progress: bool = False, keep_models: bool = False, device=None) -> RunResult:
    """Train ``recipe`` on ``mixture`` for ``steps`` steps with ``seed``; measure modes on ``n_eval`` samples.

    The seed fixes the networks' initialisation, the data stream and the training noise, so a run
    is repeatable on one machine. ``snapshot_every``: also keep generated points and metrics every
    that many steps (and at the end). ``device``: where to train (default: the CPU, which is the
    fastest place for networks this small); snapshots are always returned on the CPU.
    """
    from .training import every, fit, pretrain_discriminator

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}.")
    seed_everything(int(seed))
    device = torch.device(device or "cpu")
    gen, disc = make_networks(recipe.disc_kind, latent_dim=latent_dim, hidden=hidden)
    gen, disc = gen.to(device), disc.to(device)
    gen_optim, disc_optim = recipe.optimizers(gen, disc)
    data = (batch.to(device) for batch in mixture.stream(batch_size, seed=int(seed) + 1))
    noise = eval_noise(n_eval, latent_dim).to(device)
    snapshots: List[Tuple[int, torch.Tensor]] = []
    curve: List[Tuple[int, int, float]] = []

    def look(step: int) -> torch.Tensor:
        with torch.no_grad():
            pts = gen(noise)
        stats = mode_stats(pts, mixture=mixture)
        curve.append((step, stats.modes_covered, stats.high_quality_fraction))
        snapshots.append((step, pts.detach().cpu().clone()))
        return pts

    started = time.perf_counter()
    if recipe.pretrain_steps:
        pretrain_discriminator(gen, disc, disc_optim, data, latent_dim=latent_dim, steps=recipe.pretrain_steps)
    callbacks = []
    if snapshot_every:
        look(0)
        callbacks.append(every(int(snapshot_every), lambda ctx: look(ctx.step)))
    history = fit(gen, disc, gen_optim, disc_optim, data, latent_dim=latent_dim, steps=steps,
                  step_fn=recipe.step_fn, callbacks=callbacks, progress=progress, desc=recipe.name)
    seconds = time.perf_counter() - started
    with torch.no_grad():
        final = gen(noise).cpu()
    stats = mode_stats(final, mixture=mixture)
    return RunResult(recipe.name, int(seed), steps, stats, history, snapshots, curve, seconds,
                     gen if keep_models else None, disc if keep_models else None)


def compare_recipes(recipes: Mapping[str, Recipe], mixture, *, seeds: Sequence[int] = (0, 1), steps: int = 1000,
                    verbose: bool = True, reuse: Iterable[RunResult] = (), **kwargs) -> Dict[str, List[RunResult]]:
    """Run every recipe with every seed. Returns ``{name: [RunResult per seed]}``.

    ``reuse``: runs already done (same recipe name, seed and steps, same settings) that are taken
    as they are instead of being trained again.
    """
    done = {(r.recipe, r.seed, r.steps): r for r in reuse}
    results: Dict[str, List[RunResult]] = {}
    for name, recipe in recipes.items():
        results[name] = []
        for seed in seeds:
            res = done.get((name, int(seed), steps))
            if res is None:
                res = run_recipe(recipe, mixture, seed=seed, steps=steps, **kwargs)
            results[name].append(res)
            if verbose:
                print(f"{name:>15s}  seed {seed}: {res.stats}  ({res.seconds:.1f} s)", flush=True)
    return results


def summarize(results: Mapping[str, List[RunResult]]) -> List[dict]:
    """One row per recipe: modes per seed, mean modes, mean high-quality fraction, seconds per run."""
    rows = []
    for name, runs in results.items():
        modes = [r.stats.modes_covered for r in runs]
        hq = [r.stats.high_quality_fraction for r in runs]
        rows.append({
            "recipe": name,
            "seeds": [r.seed for r in runs],
            "modes": modes,
            "mean_modes": float(np.mean(modes)),
            "n_modes": runs[0].stats.n_modes,
            "mean_hq": float(np.mean(hq)),
            "hq": hq,
            "seconds": float(np.mean([r.seconds for r in runs])),
            "steps": runs[0].steps,
        })
    return rows


def format_table(rows: Sequence[dict]) -> str:
    """A plain-text table of :func:`summarize`'s rows."""
    head = f"{'recipe':<16} {'modes covered (per seed)':<26} {'mean':>5} {'high quality':>13} {'s/run':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        per_seed = " ".join(str(m) for m in r["modes"])
        lines.append(
            f"{r['recipe']:<16} {per_seed:<26} {r['mean_modes']:>3.1f}/{r['n_modes']:<1} "
            f"{100 * r['mean_hq']:>12.1f}% {r['seconds']:>6.1f}"
        )
    seeds = rows[0]["seeds"] if rows else []
    steps = rows[0]["steps"] if rows else 0
    lines.append(f"(seeds {', '.join(map(str, seeds))}; {steps} steps each; high quality = within 3 std of a mode)")
    return "\n".join(lines)


__all__ = [
    "DISC_KINDS",
    "mlp",
    "make_networks",
    "minimax_step",
    "WassersteinStep",
    "margin_step",
    "Recipe",
    "default_recipes",
    "RunResult",
    "eval_noise",
    "run_recipe",
    "compare_recipes",
    "summarize",
    "format_table",
]

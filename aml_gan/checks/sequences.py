"""Grading checks for notebook 04: the student's dense networks and a short training run.

- ``check_sequence_generator(gen, latent_dim)``: noise ``(B, latent_dim)`` -> ``(B, 5)``,
  values in ``[-1, 1]`` on both sides of 0 (a ``tanh`` ending), depends on the noise,
  differentiable.
- ``check_sequence_discriminator(disc)``: sequences ``(B, 5)`` -> probabilities ``(B, 1)``
  (a ``sigmoid`` ending), depends on its input, passes gradients back to it.
- ``check_sequence_gan_training(make_gen, make_disc, step_fn, latent_dim=...)``: builds
  fresh networks with a fixed seed, trains them briefly with the student's step, and
  grades the generator's validity and coverage against loose bounds.

Each returns a :class:`~aml_gan.checks.report.Report`. Networks may be given as
modules or as factories (a class or a function): ``make_gen(latent_dim)`` and
``make_disc()``. The checks run on copies and restore every random generator.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from ..config import device_of
from ..data.sequences import SEQUENCE_LENGTH, SequenceScaler, make_sequences
from ..metrics.sequences import DEFAULT_TOL, sample_sequences, sequence_coverage, sequence_validity
from .errors import raised_problem
from .layers import copyable, spectral_normalised
from .networks import (
    GENERIC,
    Factory,
    build,
    differentiable,
    finite,
    forward,
    has_parameters,
    output_shape,
    probabilities,
    tanh_range,
)
from .report import Report
from .student import call_student, grading_check
from .train_step import check_train_step

_SEED = 4242
_BATCHES = (64, 7)

#: course recipe used by the training check
TRAIN_LR = 1e-3
TRAIN_BETAS = (0.5, 0.999)
TRAIN_BATCH = 128
TRAIN_EMA = 0.99

#: what the training test found for spectral normalisation in the generator (bench/sequence_grading_fairness.py
#: --normalised: generator and discriminator spectral-normalised, every layer, 5 seeds)
_SN_GENERATOR = (
    "Your generator uses spectral normalisation ({where}). It is a discriminator's technique: on this notebook's "
    "generator it slows learning so much that the graded training run (at most 6,000 steps) does not reliably reach "
    "its bounds (measured with spectral normalisation in both networks: 4 of 5 seeds passed, after about 4,500 "
    "steps), so the training test refuses it before training. Remove it from the generator; weight normalisation "
    "is fine, and so is spectral normalisation in the discriminator."
)


def _spectral_norm_message(gen: nn.Module) -> str:
    layers = spectral_normalised(gen)
    if not layers:
        return ""
    names = sorted({f"nn.{m._get_name().replace('Parametrized', '')}" for m in layers})
    return _SN_GENERATOR.format(where=f"on {len(layers)} {' and '.join(names)} layer{'s' if len(layers) > 1 else ''}")


def _generator_shape_hint(b: int, out_dim: int) -> Callable[[torch.Tensor], str]:
    def hint(out: torch.Tensor) -> str:
        if out.numel() == b * out_dim:
            return f" It has the right number of values: reshape to (batch, {out_dim}), e.g. out.view(-1, {out_dim})."
        if out.dim() == 2 and out.shape[0] == b:
            return f" Its last nn.Linear should have out_features={out_dim}: one output per number in a sequence."
        return ""
    return hint


def _check_generator_module(gen: nn.Module, latent_dim: int, out_dim: int, report: Report) -> None:
    if not has_parameters(gen, "generator", report):
        return
    dev = device_of(gen)
    gen.train()
    outs = []
    for i, b in enumerate(_BATCHES):
        z = torch.randn(b, latent_dim, device=dev)
        out = forward(gen, z, "generator", report, worked_for=_BATCHES[0] if i else None)
        if out is None:
            return
        if not output_shape(report, out, (b, out_dim), "generator", f"noise of shape ({b}, {latent_dim})",
                            "one sequence per noise vector", _generator_shape_hint(b, out_dim)):
            return
        outs.append(out)
    out = outs[-1]
    if not finite(report, out, "generator", " at initialisation"):
        return
    if out.detach().std(dim=0).max() < 1e-6:
        report.problem(
            "ignores_input",
            "Your generator returned the same sequence for every noise vector, so it can only ever make one "
            "sequence. Make forward(z) compute its output from z.",
        )
        return
    # Large noise pushes the last layer towards the ends of its range.
    big = forward(gen, 4.0 * torch.randn(256, latent_dim, device=dev), "generator", report)
    if big is None or tuple(big.shape) != (256, out_dim):
        return
    values = torch.cat([out.detach().flatten(), big.detach().flatten()])
    if not finite(report, values, "generator"):
        return
    tanh_range(report, gen, z, values, "scaled data")
    differentiable(
        report, out, [p for p in gen.parameters() if p.requires_grad],
        detached="Your generator's output is not connected to its weights (no gradient can reach them). Remove any "
                 ".detach(), torch.no_grad() or .item() from forward, and do not build the output with "
                 "torch.tensor(...).",
        no_gradient="No gradient reaches your generator's weights from its output (rounding or a detach in forward?). "
                    "Keep forward made of differentiable layers.",
    )


@grading_check("sequence_networks", threads=1)
def check_sequence_generator(report: Report, gen: Factory, latent_dim: int, out_dim: int = SEQUENCE_LENGTH) -> None:
    """Check a generator for the sequence GAN: ``(B, latent_dim) -> (B, out_dim)`` in ``[-1, 1]``.

    ``gen``: a module, or a factory called as ``gen(latent_dim)`` (your class).
    Problem codes: ``not_implemented``, ``raised``, ``not_a_module``, ``no_parameters``,
    ``returns_wrong_type``, ``wrong_output_shape``, ``not_finite``, ``output_out_of_range`` (no tanh),
    ``output_one_sided`` (sigmoid/ReLU at the end), ``ignores_input``, ``not_differentiable``.
    Warning: ``spectral_norm_generator`` (the training test refuses it; see ``check_sequence_gan_training``).
    """
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive whole number, got {latent_dim!r}.")
    torch.manual_seed(_SEED)
    net = build(gen, (latent_dim,), "generator", report)
    if net is not None:
        _check_generator_module(net, latent_dim, out_dim, report)
        if report.passed and _spectral_norm_message(net):
            report.warn("spectral_norm_generator", _spectral_norm_message(net))


def _discriminator_shape_hint(b: int) -> Callable[[torch.Tensor], str]:
    def hint(out: torch.Tensor) -> str:
        if tuple(out.shape) == (b,):
            return " Keep the last dimension: do not .squeeze() or .view(-1) the output."
        if out.dim() == 2 and out.shape[0] == b:
            return " Its last nn.Linear should have out_features=1: one score per sequence."
        return ""
    return hint


def _check_discriminator_module(disc: nn.Module, in_dim: int, report: Report) -> None:
    if not has_parameters(disc, "discriminator", report):
        return
    dev = device_of(disc)
    disc.train()
    out = None
    for i, b in enumerate(_BATCHES):
        x = (2 * torch.rand(b, in_dim, device=dev) - 1).requires_grad_(True)
        out = forward(disc, x, "discriminator", report, worked_for=_BATCHES[0] if i else None)
        if out is None:
            return
        if not output_shape(report, out, (b, 1), "discriminator", f"sequences of shape ({b}, {in_dim})",
                            "one probability per sequence", _discriminator_shape_hint(b)):
            return
    vals = out.detach()
    if not finite(report, vals, "discriminator"):
        return
    wide = forward(disc, 3.0 * torch.randn(256, in_dim, device=dev), "discriminator", report)
    if wide is None or tuple(wide.shape) != (256, 1):
        return
    allv = torch.cat([vals.flatten(), wide.detach().flatten()])
    if probabilities(report, disc, x.detach(), allv, "sequence") == "softmax_output":
        return
    if allv.std() < 1e-7:
        report.problem(
            "ignores_input",
            "Your discriminator gives every sequence the same score, so it cannot tell real from fake. "
            "Make forward(x) compute its output from x.",
        )
        return
    differentiable(
        report, out, [x],
        detached="Your discriminator's output is not connected to its input. The generator learns only through the "
                 "gradient of D's score with respect to the sequence: remove .detach() / torch.no_grad() from forward.",
        no_gradient="No gradient flows from your discriminator's score back to its input sequence, so the generator "
                    "could never learn from it. Keep forward made of differentiable layers (no rounding, no detach).",
    )


@grading_check("sequence_networks", threads=1)
def check_sequence_discriminator(report: Report, disc: Factory, in_dim: int = SEQUENCE_LENGTH) -> None:
    """Check a discriminator for the sequence GAN: ``(B, in_dim) -> (B, 1)`` probabilities.

    ``disc``: a module, or a factory called as ``disc()`` (your class).
    Problem codes: ``not_implemented``, ``raised``, ``not_a_module``, ``no_parameters``,
    ``returns_wrong_type``, ``wrong_output_shape``, ``not_finite``, ``softmax_output``, ``output_not_probability``
    (no sigmoid), ``ignores_input``, ``not_differentiable``.
    """
    torch.manual_seed(_SEED)
    net = build(disc, (), "discriminator", report)
    if net is not None:
        _check_discriminator_module(net, in_dim, report)


class _NoiseRecorder:
    """Forward pre-hook on the generator: keeps the noise the student's step feeds it."""

    def __init__(self, latent_dim: int, keep: int = 65536):
        self.latent_dim, self.keep = latent_dim, keep
        self.values = []
        self.count = 0

    def __call__(self, module, args):
        if args and isinstance(args[0], torch.Tensor) and args[0].dim() == 2 and args[0].shape[1] == self.latent_dim:
            if self.count < self.keep:
                v = args[0].detach().float().flatten().cpu()
                self.values.append(v)
                self.count += v.numel()

    def pool(self) -> torch.Tensor:
        return torch.cat(self.values) if self.values else torch.empty(0)


def _as_loss(value) -> Optional[float]:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return None
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Policy:
    """How the training test grades: the course's policy is the default (notebook 04's test cell).

    ``steps``: the budget; ``eval_every``: measure the averaged generator every so many steps and
    stop at the first measurement that clears both bounds (None: once, after ``steps``);
    ``min_validity`` / ``min_coverage``: the bounds (None skips one); ``standard_normal_noise``:
    noise that is not standard normal is a problem (else a warning); ``tol``: the validity
    tolerance; ``batch``: real sequences per step; ``n_eval``: samples per measurement.
    Measured fair with ``bench/sequence_grading_fairness.py``.
    """

    steps: int = 6000
    eval_every: Optional[int] = 100
    min_validity: Optional[float] = 0.5
    min_coverage: Optional[float] = 0.6
    standard_normal_noise: bool = True
    tol: float = DEFAULT_TOL
    batch: int = TRAIN_BATCH
    n_eval: int = 2000

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError(f"steps must be a positive whole number, got {self.steps!r}.")
        every = self.eval_every
        if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"eval_every must be None or a positive whole number of steps, got {every!r}.")

    def clears(self, measured: dict) -> bool:
        return _clears(measured, self.min_validity, self.min_coverage)


COURSE_POLICY = Policy()


@dataclass
class _Trained:
    """What the training run left: the averaged generator, the noise the step drew, the measurements."""

    ema: nn.Module
    recorder: "_NoiseRecorder"
    measurements: Optional[list]
    steps_run: int


@grading_check("sequence_networks", "train_step", student=("make_gen", "make_disc", "step_fn"), threads=1)
def check_sequence_gan_training(
    report: Report,
    make_gen: Factory,
    make_disc: Factory,
    step_fn: Optional[Callable] = None,
    *,
    latent_dim: int,
    seed: int = 0,
    steps: int = COURSE_POLICY.steps,
    eval_every: Optional[int] = COURSE_POLICY.eval_every,
    min_validity: Optional[float] = COURSE_POLICY.min_validity,
    min_coverage: Optional[float] = COURSE_POLICY.min_coverage,
    standard_normal_noise: bool = COURSE_POLICY.standard_normal_noise,
    tol: float = COURSE_POLICY.tol,
    batch: int = COURSE_POLICY.batch,
    n_eval: int = COURSE_POLICY.n_eval,
) -> None:
    """Train fresh networks briefly with ``step_fn`` and grade the generator's samples.

    ``make_gen(latent_dim)`` and ``make_disc()`` build the networks (a module is deep-copied
    instead, and trained from its current weights). ``step_fn`` has the course's signature
    ``(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``;
    ``None`` uses ``aml_gan.training.train_step``. The course's recipe around it: Adam
    (lr 1e-3, betas (0.5, 0.999)) for each network, batches of 128 scaled real sequences,
    ``steps`` steps on the CPU with one thread, and an exponential moving average of the
    generator's weights (decay 0.99) that is sampled at the end. Everything is seeded
    by ``seed``; global random state is restored afterwards. The grading settings default to
    the course's policy (:data:`COURSE_POLICY`: at most 6,000 steps, measured every 100, bounds
    0.5 and 0.6, standard normal noise required), so the notebook's test cell names only the
    student's work; the three steps are :func:`_networks_that_pass`, :func:`_train` and
    :func:`_verdict`.

    The samples use noise drawn like the step's own (recorded while training); a warning
    says when that noise is not standard normal. ``min_validity`` / ``min_coverage``
    (``None`` skips a bound) fail the check when not reached. The numbers found are in
    ``report.metrics`` (validity, coverage, seconds, noise mean/std, steps run).

    ``eval_every``: ``None`` measures the averaged generator once, after ``steps`` steps.
    A number measures it every ``eval_every`` steps instead and stops at the first
    measurement that clears both bounds: ``steps`` is then a budget, and the check passes
    when the generator reaches both bounds *at the same measurement* within it. A GAN's
    quality oscillates while it trains, so this grades whether it learns, not where one
    oscillation happens to end. The metrics then hold that measurement (or, when none
    clears both bounds, the one closest to doing so) and ``steps_run``.

    ``standard_normal_noise=True`` (the notebook asks for ``torch.randn``) makes noise that is
    not standard normal a problem, found after the first 10 steps, instead of a warning.

    The networks must pass their own checks first, and the step ``check_train_step`` on them
    (a short training run cannot show a bug that a long one would). A generator with spectral
    normalisation is refused before training (``spectral_norm_generator``): measured with
    ``bench/sequence_grading_fairness.py --normalised``, it does not reliably learn within the budget;
    weight normalisation (either API), spectral normalisation in the discriminator and
    discriminators written around their logits do.

    Problem codes: those of the two network checks and of ``check_train_step``, ``not_implemented``,
    ``raised``, ``signature``, ``returns_wrong_type``, ``not_finite``, ``generator_not_called``, ``generator_not_updated``,
    ``discriminator_not_updated``, ``spectral_norm_generator``, ``low_validity``, ``low_coverage``.
    Warning: ``noise_not_standard_normal``.
    """
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive whole number, got {latent_dim!r}.")
    policy = Policy(steps, eval_every, min_validity, min_coverage, standard_normal_noise, tol, batch, n_eval)
    step_is_reference = step_fn is None
    if step_is_reference:
        from ..training import train_step as step_fn  # the course's reference step, as a baseline

    torch.manual_seed(seed)
    nets = _networks_that_pass(report, make_gen, make_disc, latent_dim)
    if nets is None:
        return
    gen, disc = nets
    torch.manual_seed(seed)
    scaler = SequenceScaler()
    data = scaler.transform(make_sequences(4096, seed=seed + 1))
    if not step_is_reference and not _step_passes(report, step_fn, gen, disc, latent_dim, data[:8], policy):
        return
    measure = functools.partial(_measure, latent_dim=latent_dim, scaler=scaler, n_eval=n_eval, seed=seed, tol=tol)
    trained = _train(report, step_fn, gen, disc, data, latent_dim, policy, measure)
    if trained is not None:
        _verdict(report, trained, policy, measure)


def _networks_that_pass(report: Report, make_gen: Factory, make_disc: Factory, latent_dim: int):
    """Step 1: build both networks; they must pass their own checks (on copies), and the generator
    must not be spectral-normalised. Returns (gen, disc) on the CPU, or None with the problems."""
    gen = build(make_gen, (latent_dim,), "generator", report)
    disc = build(make_disc, (), "discriminator", report)
    if gen is None or disc is None:
        return None
    gen, disc = gen.cpu(), disc.cpu()
    for sub in (check_sequence_generator(gen, latent_dim), check_sequence_discriminator(disc)):
        for p in sub.problems:
            report.problem(p.code, p.message)
    if not report.passed:
        return None
    if _spectral_norm_message(gen):
        report.problem("spectral_norm_generator", _spectral_norm_message(gen))
        return None
    return gen, disc


def _step_passes(report: Report, step_fn: Callable, gen: nn.Module, disc: nn.Module, latent_dim: int,
                 real: torch.Tensor, policy: Policy) -> bool:
    """Step 1 too: the step must pass its own check on these networks (on copies; every random generator
    is restored): a short training run cannot show a bug that a long one would."""
    for p in check_train_step(step_fn, gen=gen, disc=disc, latent_dim=latent_dim, batch=real).problems:
        if p.code != "noise_not_standard_normal" or policy.standard_normal_noise:  # else: judged (warned) later
            report.problem(p.code, p.message)
    return report.passed


def _train(report: Report, step_fn: Callable, gen: nn.Module, disc: nn.Module, data: torch.Tensor, latent_dim: int,
           policy: Policy, measure: Callable) -> Optional[_Trained]:
    """Step 2: the training run, with the course's recipe around the student's step. None (with the
    problem) when a step raised, returned something else than two numbers, diverged, or drew noise that
    is not standard normal where the policy demands it."""
    g_opt = torch.optim.Adam(gen.parameters(), lr=TRAIN_LR, betas=TRAIN_BETAS)
    d_opt = torch.optim.Adam(disc.parameters(), lr=TRAIN_LR, betas=TRAIN_BETAS)
    with copyable(gen):  # AveragedModel deep-copies the generator
        ema = torch.optim.swa_utils.AveragedModel(
            gen, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(TRAIN_EMA), use_buffers=True
        )
    g_before = [p.detach().clone() for p in gen.parameters()]
    d_before = [p.detach().clone() for p in disc.parameters()]
    trained = _Trained(ema, _NoiseRecorder(latent_dim), [] if policy.eval_every is not None else None, 0)
    handle = gen.register_forward_pre_hook(trained.recorder)
    started = time.perf_counter()
    try:
        for step in range(policy.steps):
            trained.steps_run = step + 1
            real = data[torch.randint(0, data.shape[0], (policy.batch,))]
            if not _one_step(report, step_fn, gen, disc, g_opt, d_opt, real, latent_dim, step):
                return None
            ema.update_parameters(gen)
            if policy.standard_normal_noise and step + 1 == min(10, policy.steps) and trained.recorder.count:
                early = _noise_problem(trained.recorder.pool())
                if early:
                    report.problem("noise_not_standard_normal", early)
                    report.metrics["steps_run"] = step + 1
                    return None
            if _measured_and_cleared(trained, policy, measure, step):
                break
    finally:
        handle.remove()
    report.metrics["seconds"] = time.perf_counter() - started
    report.metrics["steps_run"] = trained.steps_run
    if trained.recorder.count == 0:
        report.problem(
            "generator_not_called",
            f"Your train_step never called the generator with noise of shape (batch, {latent_dim}). "
            f"Draw the noise inside the step, e.g. torch.randn(real_batch.shape[0], latent_dim).",
        )
        return None
    _not_updated(report, "generator", g_before, gen, policy.steps, "gen_optim.step() after the generator loss's "
                 "backward (or steps the wrong optimizer)")
    _not_updated(report, "discriminator", d_before, disc, policy.steps, "disc_optim.step() after the discriminator "
                 "loss's backward")
    return trained if report.passed else None


def _one_step(report: Report, step_fn: Callable, gen, disc, g_opt, d_opt, real, latent_dim: int, step: int) -> bool:
    """One call of the student's step; False (with the problem) when it raised, returned the wrong thing or diverged."""
    result = call_student(step_fn, gen, disc, g_opt, d_opt, real, latent_dim)
    if not result.ok:
        report.problem(*raised_problem(result.error, "Your train_step", fn=step_fn,
                                       context=f" on training step {step + 1}", generic=GENERIC))
        return False
    returned = result.value
    losses = None
    if isinstance(returned, (tuple, list)) and len(returned) == 2:
        losses = [_as_loss(v) for v in returned]
    if losses is None or any(v is None for v in losses):
        report.problem(
            "returns_wrong_type",
            f"Your train_step returned {returned!r:.80}; it should return two numbers, "
            "(generator loss, discriminator loss), e.g. `return g_loss.item(), d_loss.item()`.",
        )
        return False
    bad_params = any(not torch.isfinite(p).all() for p in gen.parameters())
    if bad_params or any(v != v or v in (float("inf"), float("-inf")) for v in losses):
        report.problem(
            "not_finite",
            f"Training diverged on step {step + 1}: a loss or a weight became NaN or infinite. "
            "A log of 0 is the usual cause: clamp the probabilities inside your logs "
            "(e.g. torch.log(p.clamp(min=1e-7))) or use nn.BCELoss, which does it for you.",
        )
        return False
    return True


def _measured_and_cleared(trained: _Trained, policy: Policy, measure: Callable, step: int) -> bool:
    """Measure every ``eval_every`` steps; True when training should stop (both bounds cleared, or not finite)."""
    if policy.eval_every is None or (step + 1) % policy.eval_every or not trained.recorder.count:
        return False
    measured = measure(trained.ema, trained.recorder.pool())
    if measured is None:  # samples not finite: reported by the verdict
        trained.measurements.clear()
        return True
    measured["steps_run"] = step + 1
    trained.measurements.append(measured)
    return policy.clears(measured)


def _not_updated(report: Report, role: str, before: list, net: nn.Module, steps: int, fix: str) -> None:
    if all(torch.equal(a, b.detach()) for a, b in zip(before, net.parameters())):
        report.problem(
            f"{role}_not_updated",
            f"After {steps} steps the {role}'s weights had not changed: your step never calls {fix}.",
        )


def _verdict(report: Report, trained: _Trained, policy: Policy, measure: Callable) -> None:
    """Step 3: the noise the step drew, then the averaged generator's validity and coverage against the bounds."""
    pool = trained.recorder.pool()
    mean, std = float(pool.mean()), float(pool.std()) if pool.numel() > 1 else 0.0
    report.metrics.update(noise_mean=mean, noise_std=std)
    noise_message = _noise_problem(pool)
    if noise_message and policy.standard_normal_noise:
        report.problem("noise_not_standard_normal", noise_message)
        return
    if noise_message:
        report.warn("noise_not_standard_normal", noise_message)
    measurements = trained.measurements
    final = _closest(measurements, policy.min_validity, policy.min_coverage) if measurements else measure(trained.ema, pool)
    if final is None:
        report.problem(
            "not_finite",
            "After training, your generator produces NaN or infinite values: training diverged. "
            "Clamp the probabilities inside your logs, or use nn.BCELoss.",
        )
        return
    validity, coverage = final["validity"], final["coverage"]
    report.metrics.update(validity=validity, coverage=coverage)
    if measurements:
        report.metrics["measured_at"] = final["steps_run"]
    when = (
        f"In {policy.steps} training steps (measured every {policy.eval_every}) the averaged generator never reached "
        f"both bounds; at its closest, after {final['steps_run']} steps,"
        if measurements else f"After {policy.steps} training steps"
    )
    if policy.min_validity is not None and validity < policy.min_validity:
        report.problem("low_validity", _LOW_VALIDITY.format(when=when, validity=100 * validity,
                                                            needed=100 * policy.min_validity))
    if policy.min_coverage is not None and coverage < policy.min_coverage:
        cause = _NOISE_CAUSE if report.warnings else "Check that the generator uses its noise, and that your step updates D as often as G."
        report.problem(
            "low_coverage",
            f"{when} your samples cover only {100 * coverage:.0f}% of the range of a, b and c "
            f"(needed: {100 * policy.min_coverage:.0f}%): the generator makes too narrow a set of sequences, mode "
            f"collapse. {cause}",
        )


_LOW_VALIDITY = (
    "{when} only {validity:.0f}% of the generated sequences count up by one at the end (needed: {needed:.0f}%; the "
    "course's reference gets well above). Check that the discriminator learns on real (label 1) and detached fake "
    "(label 0) batches, that the generator's loss is -log D(G(z)), and that each optimizer steps its own network. If "
    "your train_step passes its own check, look at your networks: the course's recipe (two hidden layers of 64 units "
    "with LeakyReLU(0.2), tanh at the generator's end, sigmoid at the discriminator's) learns in a few hundred steps."
)
_NOISE_CAUSE = (
    "Your noise is the likely cause: narrow, one-sided noise like torch.rand's starts the fakes as one "
    "clump, and here the clump never spreads (section 9 of the notebook). Draw it with torch.randn."
)


def _noise_problem(pool: torch.Tensor) -> str:
    """A message when the recorded noise is not standard normal (mean 0, sd 1 within 0.1); else ""."""
    mean, std = float(pool.mean()), float(pool.std()) if pool.numel() > 1 else 0.0
    if abs(mean) <= 0.1 and abs(std - 1.0) <= 0.1:
        return ""
    return (
        f"Your step feeds the generator noise with mean {mean:.2f} and standard deviation {std:.2f} "
        "(torch.rand gives 0.50 and 0.29). It trains, but this notebook samples the generator with "
        "standard normal noise: draw it with torch.randn(batch, latent_dim) so the two match."
    )


def _measure(ema, pool, *, latent_dim, scaler, n_eval, seed, tol) -> Optional[dict]:
    """Validity and coverage of ``n_eval`` samples of the averaged generator, noise drawn from ``pool``; None if not finite."""
    gen_eval = torch.Generator().manual_seed(seed + 2)
    noise = pool[torch.randint(0, pool.numel(), (n_eval, latent_dim), generator=gen_eval)]
    try:
        x = sample_sequences(ema, n_eval, latent_dim, scaler=scaler, noise=noise)
        return {"validity": sequence_validity(x, tol=tol), "coverage": sequence_coverage(x)}
    except ValueError:
        return None


def _clears(measured: dict, min_validity: Optional[float], min_coverage: Optional[float]) -> bool:
    return (min_validity is None or measured["validity"] >= min_validity) and (
        min_coverage is None or measured["coverage"] >= min_coverage
    )


def _closest(measurements: list, min_validity: Optional[float], min_coverage: Optional[float]) -> dict:
    """The measurement that clears both bounds, else the one whose worse ratio to its bound is highest."""
    def score(m: dict) -> float:
        ratios = [m["validity"] / min_validity] if min_validity else []
        ratios += [m["coverage"] / min_coverage] if min_coverage else []
        return min(ratios) if ratios else 0.0

    return max(measurements, key=lambda m: (_clears(m, min_validity, min_coverage), score(m), m["steps_run"]))


__all__ = [
    "check_sequence_generator",
    "check_sequence_discriminator",
    "check_sequence_gan_training",
    "COURSE_POLICY",
]

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

import time
from typing import Callable, Optional, Union

import torch
from torch import nn

from ..config import torch_threads
from ..data.sequences import SEQUENCE_LENGTH, SequenceScaler, make_sequences
from ..metrics.sequences import DEFAULT_TOL, sample_sequences, sequence_coverage, sequence_validity
from .errors import raised_problem
from .layers import copy_network, copyable, last_layers_after, layer_mismatch, run_traced, spectral_normalised
from .report import Report
from .student import call_student, describe, grading_check
from .train_step import check_train_step

_SEED = 4242
_BATCHES = (64, 7)

#: course recipe used by the training check
TRAIN_LR = 1e-3
TRAIN_BETAS = (0.5, 0.999)
TRAIN_BATCH = 128
TRAIN_EMA = 0.99

Factory = Union[nn.Module, Callable[..., nn.Module]]

_GENERIC = "Fix it and run the check again."  # errors.exception_hint shows the line first, or says how to see it


def _build(factory: Factory, args: tuple, role: str, report: Report) -> Optional[nn.Module]:
    """A fresh module from a factory, or a deep copy of a module; None (with a problem) on failure."""
    if isinstance(factory, nn.Module):
        return copy_network(factory)
    if not callable(factory):
        report.problem("not_a_module", f"Pass your {role} (a torch.nn.Module) or its class; got {describe(factory)}.")
        return None
    result = call_student(factory, *args)
    if not result.ok:
        report.problem(*raised_problem(result.error, f"Building your {role}", generic=_GENERIC))
        return None
    if not isinstance(result.value, nn.Module):
        report.problem(
            "not_a_module",
            f"Your {role} should be a torch.nn.Module (subclass nn.Module and call super().__init__()); "
            f"building it gave {describe(result.value)}.",
        )
        return None
    return result.value


def _forward(net: nn.Module, x: torch.Tensor, role: str, report: Report, worked_for: Optional[int] = None) -> Optional[torch.Tensor]:
    traced = run_traced(net, x)
    if traced.error is not None:
        hint = layer_mismatch(traced)
        if worked_for is not None:
            hint = (
                f"It worked for a batch of {worked_for} but not of {x.shape[0]}: do not hard-code the batch size "
                f"in forward; use the input's .shape[0], or reshape with view(-1, ...)."
            )
        report.problem(*raised_problem(traced.error, f"Calling your {role}", context=f" on a batch of shape {tuple(x.shape)}",
                                       generic=_GENERIC, hint=hint))
        return None
    if not isinstance(traced.output, torch.Tensor):
        report.problem("returns_wrong_type", f"Your {role} returned {describe(traced.output)}; return one tensor.")
        return None
    return traced.output


def _after_last(net: nn.Module, x: torch.Tensor, kinds) -> str:
    """The layers that run after the network's last layer of ``kinds`` ("nn.BatchNorm1d"), or "" when none do."""
    traced = run_traced(net, x)
    if traced.error is not None:
        return ""
    after = last_layers_after(traced.order, kinds)
    return ", then ".join(f"nn.{m._get_name()}" for m in after)


def _has_parameters(net: nn.Module, role: str, report: Report) -> bool:
    if not any(p.requires_grad for p in net.parameters()):
        report.problem(
            "no_parameters",
            f"Your {role} has no trainable parameters, so no optimizer can teach it anything. Build its layers "
            "(nn.Linear, ...) in __init__ and store them on self, e.g. self.net = nn.Sequential(...).",
        )
        return False
    return True


def _device(net: nn.Module) -> torch.device:
    for p in net.parameters():
        return p.device
    return torch.device("cpu")


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


def _check_generator_module(gen: nn.Module, latent_dim: int, out_dim: int, report: Report) -> None:
    if not _has_parameters(gen, "generator", report):
        return
    dev = _device(gen)
    gen.train()
    outs = []
    for i, b in enumerate(_BATCHES):
        z = torch.randn(b, latent_dim, device=dev)
        out = _forward(gen, z, "generator", report, worked_for=_BATCHES[0] if i else None)
        if out is None:
            return
        if tuple(out.shape) != (b, out_dim):
            extra = ""
            if out.numel() == b * out_dim:
                extra = f" It has the right number of values: reshape to (batch, {out_dim}), e.g. out.view(-1, {out_dim})."
            elif out.dim() == 2 and out.shape[0] == b:
                extra = f" Its last nn.Linear should have out_features={out_dim}: one output per number in a sequence."
            report.problem(
                "wrong_output_shape",
                f"For noise of shape ({b}, {latent_dim}) your generator returned shape {tuple(out.shape)}; "
                f"it should be ({b}, {out_dim}), one sequence per noise vector.{extra}",
            )
            return
        outs.append(out)
    out = outs[-1]
    if not torch.isfinite(out).all():
        report.problem("not_finite", "Your generator produced NaN or infinite values at initialisation; check its layers.")
        return
    if out.detach().std(dim=0).max() < 1e-6:
        report.problem(
            "ignores_input",
            "Your generator returned the same sequence for every noise vector, so it can only ever make one "
            "sequence. Make forward(z) compute its output from z.",
        )
        return
    # Large noise pushes the last layer towards the ends of its range.
    big = _forward(gen, 4.0 * torch.randn(256, latent_dim, device=dev), "generator", report)
    if big is None or tuple(big.shape) != (256, out_dim):
        return
    values = torch.cat([out.detach().flatten(), big.detach().flatten()])
    if not torch.isfinite(values).all():
        report.problem("not_finite", "Your generator produced NaN or infinite values; check its layers.")
        return
    if values.abs().max() > 1.0 + 1e-5:
        after = _after_last(gen, z, (nn.Tanh, nn.Hardtanh))
        fix = (f"It has a tanh, but then runs {after} after it, which moves the outputs out of (-1, 1) again: "
               f"the tanh must be the very last layer (move {after} before it, or remove it)."
               if after else "End the generator with nn.Tanh(), so every output lands in (-1, 1).")
        report.problem(
            "output_out_of_range",
            f"Your generator's outputs reach {values.abs().max().item():.3g}, outside [-1, 1], where the scaled "
            f"data live. {fix}",
        )
    elif values.min() >= 0:
        report.problem(
            "output_one_sided",
            "Your generator never outputs a negative number, but half of the scaled data are negative "
            "(they lie in [-1, 1]). A sigmoid or ReLU at the end only reaches [0, 1): end with nn.Tanh() instead.",
        )
    if not out.requires_grad:
        report.problem(
            "not_differentiable",
            "Your generator's output is not connected to its weights (no gradient can reach them). Remove any "
            ".detach(), torch.no_grad() or .item() from forward, and do not build the output with torch.tensor(...).",
        )
        return
    grads = torch.autograd.grad(out.sum(), [p for p in gen.parameters() if p.requires_grad], allow_unused=True)
    if all(g is None or g.abs().sum() == 0 for g in grads):
        report.problem(
            "not_differentiable",
            "No gradient reaches your generator's weights from its output (rounding or a detach in forward?). "
            "Keep forward made of differentiable layers.",
        )


@grading_check("sequence_networks")
def check_sequence_generator(gen: Factory, latent_dim: int, out_dim: int = SEQUENCE_LENGTH) -> Report:
    """Check a generator for the sequence GAN: ``(B, latent_dim) -> (B, out_dim)`` in ``[-1, 1]``.

    ``gen``: a module, or a factory called as ``gen(latent_dim)`` (your class).
    Problem codes: ``not_implemented``, ``raised``, ``not_a_module``, ``no_parameters``,
    ``returns_wrong_type``, ``wrong_output_shape``, ``not_finite``, ``output_out_of_range`` (no tanh),
    ``output_one_sided`` (sigmoid/ReLU at the end), ``ignores_input``, ``not_differentiable``.
    Warning: ``spectral_norm_generator`` (the training test refuses it; see ``check_sequence_gan_training``).
    """
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive whole number, got {latent_dim!r}.")
    report = Report("check_sequence_generator")
    with torch.random.fork_rng(devices=[]), torch_threads(1):
        torch.manual_seed(_SEED)
        net = _build(gen, (latent_dim,), "generator", report)
        if net is not None:
            _check_generator_module(net, latent_dim, out_dim, report)
            if report.passed and _spectral_norm_message(net):
                report.warn("spectral_norm_generator", _spectral_norm_message(net))
    return report


def _check_discriminator_module(disc: nn.Module, in_dim: int, report: Report) -> None:
    if not _has_parameters(disc, "discriminator", report):
        return
    dev = _device(disc)
    disc.train()
    out = None
    for i, b in enumerate(_BATCHES):
        x = (2 * torch.rand(b, in_dim, device=dev) - 1).requires_grad_(True)
        out = _forward(disc, x, "discriminator", report, worked_for=_BATCHES[0] if i else None)
        if out is None:
            return
        if tuple(out.shape) != (b, 1):
            if tuple(out.shape) == (b,):
                hint = " Keep the last dimension: do not .squeeze() or .view(-1) the output."
            elif out.dim() == 2 and out.shape[0] == b:
                hint = " Its last nn.Linear should have out_features=1: one score per sequence."
            else:
                hint = ""
            report.problem(
                "wrong_output_shape",
                f"For sequences of shape ({b}, {in_dim}) your discriminator returned shape {tuple(out.shape)}; "
                f"it should be ({b}, 1), one probability per sequence.{hint}",
            )
            return
    vals = out.detach()
    if not torch.isfinite(vals).all():
        report.problem("not_finite", "Your discriminator produced NaN or infinite values; check its layers.")
        return
    wide = _forward(disc, 3.0 * torch.randn(256, in_dim, device=dev), "discriminator", report)
    if wide is None or tuple(wide.shape) != (256, 1):
        return
    allv = torch.cat([vals.flatten(), wide.detach().flatten()])
    if bool((allv == 1.0).all()):
        report.problem(
            "softmax_output",
            "Every output of your discriminator is exactly 1: a softmax over a single output always gives 1. "
            "Use nn.Sigmoid() for one probability per sequence.",
        )
        return
    if allv.min() < 0 or allv.max() > 1:
        after = _after_last(disc, x.detach(), nn.Sigmoid)
        fix = (f"It has a sigmoid, but then runs {after} after it: the sigmoid must be the very last layer "
               f"(move {after} before it, or remove it)." if after else "End it with nn.Sigmoid().")
        report.problem(
            "output_not_probability",
            f"Your discriminator's outputs range over [{allv.min().item():.3g}, {allv.max().item():.3g}], but they "
            f"should be probabilities in [0, 1] (the losses take their log). {fix}",
        )
    if allv.std() < 1e-7:
        report.problem(
            "ignores_input",
            "Your discriminator gives every sequence the same score, so it cannot tell real from fake. "
            "Make forward(x) compute its output from x.",
        )
        return
    if not out.requires_grad:
        report.problem(
            "not_differentiable",
            "Your discriminator's output is not connected to its input. The generator learns only through the "
            "gradient of D's score with respect to the sequence: remove .detach() / torch.no_grad() from forward.",
        )
        return
    (gx,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
    if gx is None or gx.abs().sum() == 0:
        report.problem(
            "not_differentiable",
            "No gradient flows from your discriminator's score back to its input sequence, so the generator "
            "could never learn from it. Keep forward made of differentiable layers (no rounding, no detach).",
        )


@grading_check("sequence_networks")
def check_sequence_discriminator(disc: Factory, in_dim: int = SEQUENCE_LENGTH) -> Report:
    """Check a discriminator for the sequence GAN: ``(B, in_dim) -> (B, 1)`` probabilities.

    ``disc``: a module, or a factory called as ``disc()`` (your class).
    Problem codes: ``not_implemented``, ``raised``, ``not_a_module``, ``no_parameters``,
    ``returns_wrong_type``, ``wrong_output_shape``, ``not_finite``, ``softmax_output``, ``output_not_probability``
    (no sigmoid), ``ignores_input``, ``not_differentiable``.
    """
    report = Report("check_sequence_discriminator")
    with torch.random.fork_rng(devices=[]), torch_threads(1):
        torch.manual_seed(_SEED)
        net = _build(disc, (), "discriminator", report)
        if net is not None:
            _check_discriminator_module(net, in_dim, report)
    return report


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


@grading_check("sequence_networks", "train_step", student=("make_gen", "make_disc", "step_fn"))
def check_sequence_gan_training(
    make_gen: Factory,
    make_disc: Factory,
    step_fn: Optional[Callable] = None,
    *,
    latent_dim: int,
    steps: int = 600,
    seed: int = 0,
    min_validity: Optional[float] = 0.5,
    min_coverage: Optional[float] = 0.6,
    tol: float = DEFAULT_TOL,
    batch: int = TRAIN_BATCH,
    n_eval: int = 2000,
    eval_every: Optional[int] = None,
    standard_normal_noise: bool = False,
) -> Report:
    """Train fresh networks briefly with ``step_fn`` and grade the generator's samples.

    ``make_gen(latent_dim)`` and ``make_disc()`` build the networks (a module is deep-copied
    instead, and trained from its current weights). ``step_fn`` has the course's signature
    ``(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``;
    ``None`` uses ``aml_gan.training.train_step``. The course's recipe around it: Adam
    (lr 1e-3, betas (0.5, 0.999)) for each network, batches of 128 scaled real sequences,
    ``steps`` steps on the CPU with one thread, and an exponential moving average of the
    generator's weights (decay 0.99) that is sampled at the end. Everything is seeded
    by ``seed``; global random state is restored afterwards.

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
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive whole number, got {steps!r}.")
    if eval_every is not None and (isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1):
        raise ValueError(f"eval_every must be None or a positive whole number of steps, got {eval_every!r}.")
    step_is_reference = step_fn is None
    if step_is_reference:
        from ..training import train_step as step_fn  # the course's reference step, as a baseline
    elif not callable(step_fn):
        raise TypeError(f"step_fn must be your train_step function (pass it without calling it), got {describe(step_fn)}.")

    report = Report("check_sequence_gan_training")
    with torch.random.fork_rng(devices=[]), torch_threads(1):
        torch.manual_seed(seed)
        gen = _build(make_gen, (latent_dim,), "generator", report)
        disc = _build(make_disc, (), "discriminator", report)
        if gen is None or disc is None:
            return report
        gen, disc = gen.cpu(), disc.cpu()
        # The networks must pass their own checks first (on copies).
        for sub in (check_sequence_generator(gen, latent_dim), check_sequence_discriminator(disc)):
            for p in sub.problems:
                report.problem(p.code, p.message)
        if not report.passed:
            return report
        if _spectral_norm_message(gen):
            report.problem("spectral_norm_generator", _spectral_norm_message(gen))
            return report

        torch.manual_seed(seed)
        scaler = SequenceScaler()
        data = scaler.transform(make_sequences(4096, seed=seed + 1))
        if not step_is_reference:
            # The step must pass its own check too (on copies; every random generator is restored):
            # a short training run cannot show a bug that a long one would.
            for p in check_train_step(step_fn, gen=gen, disc=disc, latent_dim=latent_dim, batch=data[:8]).problems:
                if p.code != "noise_not_standard_normal" or standard_normal_noise:  # else: judged (warned) below
                    report.problem(p.code, p.message)
            if not report.passed:
                return report
        g_opt = torch.optim.Adam(gen.parameters(), lr=TRAIN_LR, betas=TRAIN_BETAS)
        d_opt = torch.optim.Adam(disc.parameters(), lr=TRAIN_LR, betas=TRAIN_BETAS)
        with copyable(gen):  # AveragedModel deep-copies the generator
            ema = torch.optim.swa_utils.AveragedModel(
                gen, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(TRAIN_EMA), use_buffers=True
            )
        g_before = [p.detach().clone() for p in gen.parameters()]
        d_before = [p.detach().clone() for p in disc.parameters()]
        recorder = _NoiseRecorder(latent_dim)
        measurements = [] if eval_every is not None else None
        handle = gen.register_forward_pre_hook(recorder)
        started = time.perf_counter()
        try:
            for step in range(steps):
                real = data[torch.randint(0, data.shape[0], (batch,))]
                result = call_student(step_fn, gen, disc, g_opt, d_opt, real, latent_dim)
                if not result.ok:
                    report.problem(*raised_problem(result.error, "Your train_step", fn=step_fn,
                                                   context=f" on training step {step + 1}", generic=_GENERIC))
                    return report
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
                    return report
                bad_params = any(not torch.isfinite(p).all() for p in gen.parameters())
                if bad_params or any(v != v or v in (float("inf"), float("-inf")) for v in losses):
                    report.problem(
                        "not_finite",
                        f"Training diverged on step {step + 1}: a loss or a weight became NaN or infinite. "
                        "A log of 0 is the usual cause: clamp the probabilities inside your logs "
                        "(e.g. torch.log(p.clamp(min=1e-7))) or use nn.BCELoss, which does it for you.",
                    )
                    return report
                ema.update_parameters(gen)
                if standard_normal_noise and step + 1 == min(10, steps) and recorder.count:
                    early = _noise_problem(recorder.pool())
                    if early:
                        report.problem("noise_not_standard_normal", early)
                        report.metrics["steps_run"] = step + 1
                        return report
                if eval_every is not None and (step + 1) % eval_every == 0 and recorder.count:
                    measured = _measure(ema, recorder.pool(), latent_dim, scaler, n_eval, seed, tol)
                    if measured is None:  # samples not finite: reported below
                        measurements.clear()
                        break
                    measured["steps_run"] = step + 1
                    measurements.append(measured)
                    if _clears(measured, min_validity, min_coverage):
                        break
        finally:
            handle.remove()
        seconds = time.perf_counter() - started
        report.metrics["seconds"] = seconds
        report.metrics["steps_run"] = step + 1

        if recorder.count == 0:
            report.problem(
                "generator_not_called",
                f"Your train_step never called the generator with noise of shape (batch, {latent_dim}). "
                f"Draw the noise inside the step, e.g. torch.randn(real_batch.shape[0], latent_dim).",
            )
            return report
        if all(torch.equal(a, b.detach()) for a, b in zip(g_before, gen.parameters())):
            report.problem(
                "generator_not_updated",
                f"After {steps} steps the generator's weights had not changed: your step never calls "
                "gen_optim.step() after the generator loss's backward (or steps the wrong optimizer).",
            )
        if all(torch.equal(a, b.detach()) for a, b in zip(d_before, disc.parameters())):
            report.problem(
                "discriminator_not_updated",
                f"After {steps} steps the discriminator's weights had not changed: your step never calls "
                "disc_optim.step() after the discriminator loss's backward.",
            )
        if not report.passed:
            return report

        pool = recorder.pool()
        mean, std = float(pool.mean()), float(pool.std()) if pool.numel() > 1 else 0.0
        report.metrics.update(noise_mean=mean, noise_std=std)
        noise_message = _noise_problem(pool)
        if noise_message and standard_normal_noise:
            report.problem("noise_not_standard_normal", noise_message)
            return report
        if noise_message:
            report.warn("noise_not_standard_normal", noise_message)
        if measurements:
            final = _closest(measurements, min_validity, min_coverage)
        else:
            final = _measure(ema, pool, latent_dim, scaler, n_eval, seed, tol)
        if final is None:
            report.problem(
                "not_finite",
                "After training, your generator produces NaN or infinite values: training diverged. "
                "Clamp the probabilities inside your logs, or use nn.BCELoss.",
            )
            return report
        validity, coverage = final["validity"], final["coverage"]
        report.metrics.update(validity=validity, coverage=coverage)
        if measurements:
            report.metrics["measured_at"] = final["steps_run"]

        when = (
            f"In {steps} training steps (measured every {eval_every}) the averaged generator never reached both bounds; "
            f"at its closest, after {final['steps_run']} steps,"
            if measurements else f"After {steps} training steps"
        )
        if min_validity is not None and validity < min_validity:
            report.problem(
                "low_validity",
                f"{when} only {100 * validity:.0f}% of the generated sequences count up by one "
                f"at the end (needed: {100 * min_validity:.0f}%; the course's reference gets well above). "
                "Check that the discriminator learns on real (label 1) and detached fake (label 0) batches, that the "
                "generator's loss is -log D(G(z)), and that each optimizer steps its own network. If your train_step "
                "passes its own check, look at your networks: the course's recipe (two hidden layers of 64 units with "
                "LeakyReLU(0.2), tanh at the generator's end, sigmoid at the discriminator's) learns in a few hundred steps.",
            )
        if min_coverage is not None and coverage < min_coverage:
            if report.warnings:
                cause = (
                    "Your noise is the likely cause: narrow, one-sided noise like torch.rand's starts the fakes as one "
                    "clump, and here the clump never spreads (section 9 of the notebook). Draw it with torch.randn."
                )
            else:
                cause = "Check that the generator uses its noise, and that your step updates D as often as G."
            report.problem(
                "low_coverage",
                f"{when} your samples cover only {100 * coverage:.0f}% of the range of a, b and c "
                f"(needed: {100 * min_coverage:.0f}%): the generator makes too narrow a set of sequences, mode "
                f"collapse. {cause}",
            )
    return report


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


def _measure(ema, pool, latent_dim, scaler, n_eval, seed, tol) -> Optional[dict]:
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
]

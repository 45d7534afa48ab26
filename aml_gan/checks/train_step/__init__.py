"""The training-step checker: runs a student's ``train_step`` on instrumented networks and
names the bug, without ever reading the student's source code.

The student's step follows the course convention::

    train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss: float, d_loss: float)

Where to look:

- ``probes.py``: the networks a step runs on (the check's probe pair, or copies of yours);
- ``recording.py``: spy optimizers, hooks, the patched ``backward``;
- ``diagnosis.py``: from what was recorded to the problems, in small named steps;
- ``messages.py``: what the student reads (the text naming a loss is in ``../loss_text.py``).

Every correct style passes: generator or discriminator first, explicit logs or ``BCELoss``,
mean or sum, any ``zero_grad`` placement, ``set_to_none``, ``model.zero_grad()``, freezing
the discriminator, one fake batch reused (detached) or fresh noise per phase, a raw-score
discriminator with ``BCEWithLogitsLoss``, ``float(loss)`` or ``.item()`` returns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
from torch import nn

from ..errors import error_kind, exception_hint, exception_text
from ..layers import copy_network
from ..loss_text import raw_scores_text
from ..report import Report
from ..student import call_student, describe, grading_check
from . import messages as say
from .diagnosis import Diagnosis
from .probes import (
    DEFAULT_LATENT,
    STUDENT_BATCH,
    ProbeDiscriminator,
    ProbeGenerator,
    WithSigmoid,
    infer_latent_dim,
    outputs_probabilities,
    probe_real_batch,
    score_range,
    spread_scores,
    try_generate,
)
from ..isolation import seed_all
from .recording import DISC, GEN, SEED, SPY_LR, Instruments, Recording, SpyOptimizer, patched_backward

__all__ = ["check_train_step"]


@dataclass
class Networks:
    """What one run of the student's step gets: copies of the networks and the real batch."""

    gen: nn.Module
    disc: nn.Module
    real: torch.Tensor
    latent_dim: Union[int, Tuple[int, ...]]
    probabilities: Optional[bool] = None  # does the discriminator end in a sigmoid? None: decide from the run
    spare_disc: Optional[nn.Module] = None  # an untouched copy, to test how the discriminator ends


@dataclass
class Run:
    """What happened when the step ran ``calls`` times."""

    rec: Recording
    returns: List = field(default_factory=list)
    error: Optional[BaseException] = None
    disc_frozen_at_error: bool = False
    latent_dim: int = 0

    @property
    def calls_done(self) -> int:
        return len(self.returns)


@grading_check("train_step", student=("fn",))
def check_train_step(
    report: Report,
    fn: Callable,
    *,
    gen: Optional[nn.Module] = None,
    disc: Optional[nn.Module] = None,
    latent_dim: Optional[Union[int, Tuple[int, ...]]] = None,
    batch: Optional[Union[int, torch.Tensor]] = None,
    calls: int = 3,
) -> None:
    """Run ``fn`` (a student's ``train_step``) on instrumented networks and report its bugs.

    ``fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``
    is called ``calls`` times in a row (at least 2, to catch gradients that pile up
    between calls) on copies of the networks, with spy SGD optimizers.

    Networks:
      - ``gen=None, disc=None`` (default): small probe networks: a dense generator from noise
        ``(B, latent_dim)`` to 2-D points and a dense discriminator ending in a sigmoid.
      - ``gen`` and ``disc`` given (dense or convolutional, batch norm allowed): the check runs
        on copies; your networks, their weights and gradients are left untouched. The
        discriminator should end in a sigmoid (the course's convention); one that outputs raw
        scores is fine with ``BCEWithLogitsLoss`` in the step. If it outputs raw scores and the
        step treats them as probabilities, the step is checked with a sigmoid added and the
        report warns ``output_not_probability`` (the network is at fault, not the step).

    ``latent_dim``: passed to ``fn`` unchanged (default 3 for the probe networks; for your own
    generator it is read from its first layer when not given). ``batch``: a real data tensor
    ``(B, ...)`` or a batch size ``B`` (then, for your networks, the real batch is drawn
    uniformly in [-1, 1] with the shape of the generator's samples). Default: 12 for the probe
    networks, 8 for yours. Deterministic; every random generator is restored afterwards.

    Soft targets (label smoothing) within 0.3 of the hard targets (1 real, 0 fake, 1 for the
    generator's fakes) pass with the warning ``label_smoothing``; see ``aml_gan/checks/loss_text.py``.

    Problem codes, in the order they are reported (structure first, then the losses, then
    what was returned): ``not_implemented``, ``raised`` (with ``hardcoded_device``,
    ``not_scalar`` or ``discriminator_not_updated`` when the error says so),
    ``wrong_output_shape``, ``ignored_arguments``, ``returns_wrong_type`` (also: the
    discriminator returned no tensor), ``optimizers_swapped``, ``step_before_backward``,
    ``combined_backward``, ``disc_updated_by_generator_loss``, ``generator_grads_from_disc_loss``,
    ``stale_gradients``, ``generator_not_updated``, ``discriminator_not_updated``,
    ``no_adversarial_gradient``, ``unexpected_gradients``, ``params_changed_outside_optimizer``,
    ``sigmoid_applied_twice``, ``non_course_loss``, ``wrong_discriminator_loss``, ``real_batch_rescaled``,
    ``wrong_generator_loss``, ``saturating_generator_loss``, ``not_finite``, ``outputs_swapped``; then,
    once all of those pass, ``noise_not_standard_normal`` (the generator got noise that is never
    negative, or never outside [-1, 1]: ``torch.rand``, not ``torch.randn``) and
    ``not_finite_at_saturation`` (the step returns inf or NaN when every discriminator output is
    exactly 1, or exactly 0: a log without a guard).
    Warnings (do not fail): ``output_not_probability``, ``label_smoothing``, ``disc_loss_not_detached``,
    ``extra_steps``, ``fake_batch_size``, ``returned_values_unexpected``.

    Example (a notebook test cell)::

        report = check_train_step(train_step)                     # the probe networks
        report = check_train_step(train_step, gen=my_gen, disc=my_disc, latent_dim=100,
                                  batch=next(iter(loader))[0][:8])  # your own networks
        display(report)
        report.raise_for_problems()
    """
    _check_arguments(gen, disc, calls, batch)
    if gen is None:
        device, threads = torch.device("cpu"), 1
        latent_dim = DEFAULT_LATENT if latent_dim is None else latent_dim
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError("latent_dim must be a positive whole number for the probe networks.")
    else:
        params = list(gen.parameters())
        device = params[0].device if params else torch.device("cpu")
        latent_dim = infer_latent_dim(gen) if latent_dim is None else latent_dim
        if latent_dim is None:
            raise ValueError("Could not read the noise size off your generator: pass latent_dim=...")
        size = sum(p.numel() for p in list(gen.parameters()) + list(disc.parameters()))
        threads = 1 if size < 200_000 else None

    seed_all(SEED, device)  # grading_check restores every generator and the thread count afterwards
    if threads:
        torch.set_num_threads(threads)
    if gen is None:
        nets = Networks(ProbeGenerator(latent_dim), ProbeDiscriminator(), probe_real_batch(batch), latent_dim, True)
    else:
        nets = _student_networks(gen, disc, latent_dim, batch, device, report)
        if nets is None:
            return
    if nets.real.dim() == 0 or nets.real.shape[0] < 2:
        raise ValueError("batch must hold at least 2 samples along its first dimension.")
    run, scores_as_probabilities = _check_once(fn, nets, calls, report)
    if scores_as_probabilities and gen is not None:
        low, high = score_range(run.rec.disc_outputs)
        again = _student_networks(gen, disc, latent_dim, nets.real, device, report, with_sigmoid=True)
        found_again = Report(report.check)  # a second candidate: kept if the step was written for probabilities
        run_again, _ = _check_once(fn, again, calls, found_again)
        if "sigmoid_applied_twice" not in found_again.codes:
            nets, run = again, run_again
            report.problems[:], report.warnings[:] = found_again.problems, found_again.warnings
            report.warn("output_not_probability", raw_scores_text(low, high))
    if report.passed:
        for code, message in _probes_after_a_clean_run(fn, nets, run).items():
            report.problem(code, message)


#: at least this many noise values before their distribution is judged (all of them >= 0, or all
#: within [-1, 1], then has probability below 1e-6 for standard normal noise)
_NOISE_VALUES = 40


def _probes_after_a_clean_run(fn: Callable, nets: Networks, run: Run) -> Dict[str, str]:
    """What only shows once the step works: the noise's distribution, and logs at a sure discriminator."""
    problems: Dict[str, str] = {}
    values = torch.cat(run.rec.noise) if run.rec.noise else torch.zeros(0)
    if values.numel() >= _NOISE_VALUES and ((values >= 0).all() or (values.abs() <= 1).all()):
        problems["noise_not_standard_normal"] = say.noise_not_normal(float(values.min()), float(values.max()))
    probabilities = nets.probabilities
    if probabilities is None:
        probabilities = outputs_probabilities(nets.spare_disc, run.rec.disc_outputs, nets.real)
    if probabilities:
        for level in (1.0, 0.0):
            losses = _losses_at_a_sure_discriminator(fn, nets, level)
            if losses is not None and not all(math.isfinite(v) for v in losses):
                problems["not_finite_at_saturation"] = say.not_finite_at_saturation(level, losses)
                break
    return problems


def _losses_at_a_sure_discriminator(fn: Callable, nets: Networks, level: float) -> Optional[Tuple[float, ...]]:
    """The two numbers the step returns when every discriminator output is exactly ``level`` (0 or 1), as
    a trained discriminator's soon are; None when the step raised or returned something else."""
    gen, disc = copy_network(nets.gen), copy_network(nets.disc)
    sure = disc.register_forward_hook(
        lambda m, a, out: out + (level - out).detach() if isinstance(out, torch.Tensor) else out)
    try:
        result = call_student(fn, gen, disc, torch.optim.SGD(gen.parameters(), lr=SPY_LR),
                              torch.optim.SGD(disc.parameters(), lr=SPY_LR), nets.real.clone(), nets.latent_dim)
    finally:
        sure.remove()
    value = result.value if result.ok else None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    numbers = []
    for v in value:
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            v = float(v.detach())
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return None
        numbers.append(float(v))
    return tuple(numbers)


def _check_arguments(gen, disc, calls, batch) -> None:
    if (gen is None) != (disc is None):
        raise ValueError("Pass both networks (gen=... and disc=...) or neither (the check then builds its own).")
    for name, net in (("gen", gen), ("disc", disc)):
        if net is not None and not isinstance(net, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {describe(net)}.")
    if not isinstance(calls, int) or calls < 2:
        raise ValueError("calls must be a whole number of at least 2 (staleness shows only across calls).")
    if batch is not None and not isinstance(batch, (int, torch.Tensor)) or isinstance(batch, bool):
        raise TypeError("batch must be a real data tensor (B, ...) or a batch size (int).")
    if isinstance(batch, int) and batch < 2:
        raise ValueError("batch must be at least 2 (batch norm needs two samples).")


def _student_networks(gen, disc, latent_dim, batch, device, report: Report, with_sigmoid: bool = False) -> Optional[Networks]:
    """Copies of the student's networks (the check never touches the originals), with scores spread out."""
    try:
        gen_copy, disc_copy, spare, probe_gen = (copy_network(m) for m in (gen, disc, disc, gen))
    except Exception as exc:
        raise TypeError(f"Could not copy your networks ({exception_text(exc)}); the check works on copies.") from exc
    if with_sigmoid:
        disc_copy, spare = WithSigmoid(disc_copy), WithSigmoid(spare)
    d_params = list(disc_copy.parameters())
    if d_params and d_params[0].device != device:
        raise ValueError("gen and disc are on different devices: move both with .to(device).")
    size = batch.shape[0] if isinstance(batch, torch.Tensor) else (batch or STUDENT_BATCH)
    sample = try_generate(probe_gen, size, latent_dim, device)
    if isinstance(batch, torch.Tensor):
        real = batch.detach().to(device)
    elif sample is None:
        raise ValueError(
            f"Could not run your generator on noise of shape (B, {latent_dim}) or (B, {latent_dim}, 1, 1). "
            "Pass latent_dim=... as your generator expects it, or a real batch with batch=..."
        )
    else:
        real = torch.rand(sample.shape, device=device) * 2 - 1
    if sample is not None and sample[0].numel() != real[0].numel():
        report.problem(
            "wrong_output_shape",
            f"Your generator makes samples of shape {tuple(sample.shape[1:])}, but a real sample has shape "
            f"{tuple(real.shape[1:])}. The generator's output must have the shape of one real sample.",
        )
        return None
    probabilities_guess = outputs_probabilities(spare, [], real)
    spread_scores(disc_copy, spare, [real] + ([sample.reshape(real.shape)] if sample is not None else []),
                  probabilities_guess)
    return Networks(gen_copy, disc_copy, real, latent_dim, None, spare)


def _run(fn: Callable, nets: Networks, calls: int) -> Run:
    for p in list(nets.gen.parameters()) + list(nets.disc.parameters()):
        p.grad = None
    rec = Recording(nets.gen, nets.disc, nets.real)
    gen_optim, disc_optim = SpyOptimizer(nets.gen.parameters(), rec, GEN), SpyOptimizer(nets.disc.parameters(), rec, DISC)
    instruments = Instruments(rec).install()
    run = Run(rec, latent_dim=nets.latent_dim)
    try:
        with patched_backward(rec):
            for c in range(calls):
                rec.begin_call(c)
                instruments.reset()
                result = call_student(fn, nets.gen, nets.disc, gen_optim, disc_optim, nets.real, nets.latent_dim)
                rec.end_call()
                if not result.ok:
                    run.error = result.error
                    run.disc_frozen_at_error = any(not p.requires_grad for p in nets.disc.parameters())
                    break
                run.returns.append(result.value)
    finally:
        instruments.remove()
    return run


def _check_once(fn: Callable, nets: Networks, calls: int, found: Report) -> Tuple[Run, bool]:
    """Run the step ``calls`` times and write what is wrong into ``found``; also returns whether the
    discriminator gives raw scores that the step's losses treat as probabilities."""
    run = _run(fn, nets, calls)
    rec = run.rec
    probabilities = nets.probabilities
    if probabilities is None:
        probabilities = outputs_probabilities(nets.spare_disc, rec.disc_outputs, nets.real)
    scores_as_probabilities = False
    if run.error is not None:
        scores_as_probabilities = _raised(found, run, probabilities)
        if not run.calls_done:
            return run, scores_as_probabilities
    elif not rec.forward_calls[GEN] or not rec.forward_calls[DISC]:
        missing = " and ".join(n for n, k in (("generator", GEN), ("discriminator", DISC)) if not rec.forward_calls[k])
        found.problem("ignored_arguments", say.IGNORED_ARGUMENTS.format(missing=missing))
        return run, False
    elif rec.disc_output_not_tensor:
        found.problem("returns_wrong_type", say.DISC_OUTPUT_NOT_TENSOR)
        return run, False
    diagnosed = Diagnosis(rec, probabilities, run.calls_done, run.returns, found).run()
    return run, scores_as_probabilities or diagnosed


def _raised(found: Report, run: Run, probabilities: bool) -> bool:
    """Explain the error the step raised; True when raw scores reached a loss that wants probabilities."""
    exc = run.error
    kind = error_kind(exc)
    if kind == "not_implemented":
        found.problem("not_implemented", f"Your train_step still raises NotImplementedError. {exception_hint(exc)}")
        return False
    steps = run.rec.steps
    changed = {GEN: "generator", DISC: "discriminator"}[steps[-1].net] if steps else None
    hint = exception_hint(exc, changed=changed)
    if kind in ("shape", "dimension"):
        hint += say.sizes_here(tuple(run.rec.real.shape), run.latent_dim)
    found.problem("raised", say.raised(exception_text(exc), hint, run.calls_done))
    if kind in ("no_gpu", "device_mismatch"):
        found.problem("hardcoded_device", say.HARDCODED_DEVICE)
    if kind == "not_scalar":
        found.problem("not_scalar", say.LOSS_NOT_SCALAR)
    if kind == "no_grad" and run.disc_frozen_at_error:
        found.problem("discriminator_not_updated", say.DISC_FROZEN_FOR_ITS_LOSS)
    return kind == "bce_range" and not probabilities  # checked again with a sigmoid added: the network is at fault

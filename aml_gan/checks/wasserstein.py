"""Checks for the Wasserstein exercise: the critic loss and the gradient penalty.

``critic_loss(critic_real, critic_fake) -> 0-d tensor``
    ``mean C(G(z)) - mean C(x)``: the critic minimises it, i.e. pushes real scores up
    and fake scores down. The two batches may have different sizes.

``gradient_penalty(critic, real, fake) -> 0-d tensor``
    the mean over random interpolates ``x_hat = eps*real + (1 - eps)*fake`` (one
    ``eps ~ U(0, 1)`` per sample) of ``(||grad_x C(x_hat)||_2 - 1)**2``, kept in the graph
    (``create_graph=True``) so the critic can be trained through it.

The checks never read source code. The critic loss is probed on fixed scores
(its value and its gradients). The gradient penalty is probed with critics whose
input gradient is known exactly (a linear critic ``C(x) = w . x`` has gradient
norm ``||w||`` everywhere, so the penalty must be ``(||w|| - 1)**2`` whatever the
random ``eps``); the critic also records the points it was called on, which shows
whether they are per-sample interpolates. Like every check, they leave the notebook's
random state untouched (``grading_check`` restores it).
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .errors import raised_problem
from .report import Report
from .mistakes import Row, formula_rows, name_first
from .student import call_student, describe, grading_check


def _call(report: Report, fn: Callable, args: tuple, name: str):
    result = call_student(fn, *args)
    if result.ok:
        return result.value
    report.problem(*raised_problem(result.error, name, fn=fn,
                                   hint="It should return a single number as a 0-d tensor."))
    return None


def _scalar(report: Report, out, name: str, what: str) -> Optional[torch.Tensor]:
    if isinstance(out, (float, int)) and not isinstance(out, bool):
        report.problem(
            "returns_wrong_type",
            f"{name} returned a Python number ({out!r}), so no gradient can flow through it. Return the "
            f"tensor itself (no `.item()` or `float(...)`): {what}.",
        )
        return None
    if not isinstance(out, torch.Tensor):
        report.problem("returns_wrong_type", f"{name} returned {describe(out)}; it should return a 0-d tensor: {what}.")
        return None
    if out.numel() != 1:
        report.problem(
            "not_scalar",
            f"{name} returned a tensor of shape {tuple(out.shape)}; it should be one number (shape ()). "
            "Average over the batch with `.mean()`.",
        )
        return None
    if not torch.isfinite(out).all():
        report.problem("not_finite", f"{name} returned {out.item()}, which is not finite: {what}.")
        return None
    return out.reshape(())


# --------------------------------------------------------------------------------------------- critic loss

_CRITIC_WHAT = "mean of the fake scores minus mean of the real scores"

# code -> (value from (real, fake) scores, message)
_CRITIC_BUGS: Dict[str, Tuple[Callable, str]] = {
    "sign_flipped": (
        lambda r, f: r.mean() - f.mean(),
        "The sign is flipped: minimising your loss would push real scores DOWN and fake scores up. The critic "
        "minimises mean C(G(z)) - mean C(x), so return critic_fake.mean() - critic_real.mean().",
    ),
    "sum_not_mean": (
        lambda r, f: f.sum() - r.sum(),
        "You sum the scores instead of averaging them, so the loss grows with the batch size and swamps the "
        "gradient penalty. Use critic_fake.mean() - critic_real.mean().",
    ),
    "generator_loss": (
        lambda r, f: -f.mean(),
        "This is the generator's loss (-mean C(G(z))), not the critic's. The critic compares both batches: "
        "critic_fake.mean() - critic_real.mean().",
    ),
    "missing_real_term": (
        lambda r, f: f.mean(),
        "Your loss only uses the fake scores. The critic must also push real scores up: subtract "
        "critic_real.mean().",
    ),
    "missing_fake_term": (
        lambda r, f: -r.mean(),
        "Your loss only uses the real scores. The critic must also push fake scores down: add "
        "critic_fake.mean().",
    ),
    "uses_sigmoid": (
        lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(),
        "You squash the scores with a sigmoid. A critic's scores are raw, unbounded numbers, not probabilities: "
        "use critic_fake.mean() - critic_real.mean() on them directly.",
    ),
    "classifier_loss": (
        lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(),
        "This is the classifier (binary cross-entropy) loss of an ordinary discriminator. The Wasserstein "
        "critic has no sigmoid and no logs: return critic_fake.mean() - critic_real.mean().",
    ),
    "squared": (
        lambda r, f: (f.mean() - r.mean()) ** 2,
        "You square the gap. The critic loss is the plain difference of the means (it may be negative): "
        "critic_fake.mean() - critic_real.mean().",
    ),
    "squared_scores": (
        lambda r, f: (f**2).mean() - (r**2).mean(),
        "You square the scores. The critic loss uses the raw scores: critic_fake.mean() - critic_real.mean().",
    ),
    "abs": (
        lambda r, f: (f.mean() - r.mean()).abs(),
        "You take the absolute value of the gap, so the critic cannot tell which side is real. Return the "
        "signed difference critic_fake.mean() - critic_real.mean().",
    ),
}


def _critic_probes(seed: int = 1234, batch_sizes: Tuple[int, int] = (6, 4),
                   dtype: torch.dtype = torch.float32) -> Sequence[Tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    n_real, n_fake = batch_sizes
    # real scores above fake ones, then below, with different batch sizes (6 real, 4 fake by default).
    r1 = torch.randn(n_real, 1, generator=g, dtype=dtype) + 2.0
    f1 = torch.randn(n_fake, 1, generator=g, dtype=dtype) - 1.0
    r2 = torch.randn(n_real, 1, generator=g, dtype=dtype) - 1.5
    f2 = torch.randn(n_fake, 1, generator=g, dtype=dtype) + 0.5
    return [(r1, f1), (r2, f2)]


def _same_loss(out: torch.Tensor, want: torch.Tensor) -> bool:
    return torch.allclose(out.detach().double(), want.double(), rtol=1e-4, atol=1e-5)


def _same_value(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-4 * max(1.0, abs(want))


def _clamped_scores(values) -> str:
    """A message when the loss clamps (clips) the scores: the scores beyond a bound get no gradient; else ""."""
    for real, fake, real_in, fake_in, out in values:
        if not out.requires_grad:
            return ""
        grads = torch.autograd.grad(out, (real_in, fake_in), allow_unused=True, retain_graph=True)
        for scores, grad, size in ((real, grads[0], real.shape[0]), (fake, grads[1], fake.shape[0])):
            if grad is None:
                return ""
            dead = grad.abs() < 1e-12
            alive = ~dead
            if not dead.any():
                continue
            which = "real" if scores is real else "fake"
            if alive.any():
                if not torch.allclose(grad[alive].abs(), torch.full_like(grad[alive], 1.0 / size), rtol=1e-4):
                    return ""
                lo, hi = scores[alive].min().item(), scores[alive].max().item()
                if not bool(((scores[dead] < lo) | (scores[dead] > hi)).all()):
                    return ""
                where = (f"a {which} score of {scores[dead][0].item():.2f} gets no gradient at all, while scores "
                         f"between {lo:.2f} and {hi:.2f} do")
            else:
                where = f"no {which} score (from {scores.min().item():.2f} to {scores.max().item():.2f}) gets any gradient"
            return (f"Your loss clamps (clips) the scores: {where}, so the critic stops learning "
                    "from exactly the samples it scores most confidently. A critic's scores are unbounded; WGAN clips the critic's "
                    "WEIGHTS (after each optimizer step), never its scores. Remove the clamp: "
                    "critic_fake.mean() - critic_real.mean().")
    return ""


@grading_check("critic_loss")
def check_critic_loss(report: Report, loss_fn: Callable, *, seed: int = 1234, batch_sizes: Tuple[int, int] = (6, 4),
                      dtype: torch.dtype = torch.float32) -> None:
    """Grade ``loss_fn(critic_real, critic_fake) -> 0-d tensor``, the Wasserstein critic loss.

    Shapes: ``critic_real`` (B_r, 1) and ``critic_fake`` (B_f, 1), raw scores; B_r may differ from B_f.
    Checks the value on fixed scores and the gradients (1/B_f for each fake score, -1/B_r for each real one).
    ``seed``, ``batch_sizes`` (B_r, B_f, different from each other) and ``dtype`` choose the probe
    scores; hidden tests pass others.

    Problem codes: ``not_implemented``, ``raised``, ``signature``, ``needs_equal_batches``,
    ``returns_wrong_type``, ``not_scalar``, ``not_finite``, ``wrong_value``, ``not_differentiable``,
    and the named mistakes ``sign_flipped``, ``sum_not_mean``, ``generator_loss``, ``missing_real_term``,
    ``missing_fake_term``, ``uses_sigmoid``, ``classifier_loss``, ``squared``, ``squared_scores``, ``abs``,
    ``clamped_scores`` (the loss clamps the scores: some get no gradient).
    """
    if len(batch_sizes) != 2 or min(batch_sizes) < 1 or batch_sizes[0] == batch_sizes[1]:
        raise ValueError(f"batch_sizes must be two different positive sizes (real, fake), got {batch_sizes!r}.")
    name = "critic_loss"
    # Equal batch sizes first: a loss that subtracts element-wise still gets a precise diagnosis.
    g = torch.Generator().manual_seed(seed + 1)
    r_eq = torch.randn(5, 1, generator=g, dtype=dtype) + 1.0
    f_eq = torch.randn(5, 1, generator=g, dtype=dtype) - 1.0
    probes = [(r_eq, f_eq)] + list(_critic_probes(seed, tuple(batch_sizes), dtype))
    values = _critic_losses(report, loss_fn, probes, name)
    if values is not None and _critic_value_right(report, values, name):
        _critic_gradients_right(report, values, name)


def _critic_losses(report: Report, loss_fn: Callable, probes: list, name: str) -> Optional[list]:
    """The loss on each pair of probe scores: [(real, fake, real_in, fake_in, loss)], or None with the problem."""
    values = []
    for real, fake in probes:
        real_in = real.clone().requires_grad_(True)
        fake_in = fake.clone().requires_grad_(True)
        out = _call(report, loss_fn, (real_in, fake_in), name)
        if report.problems:
            if report.codes == ["raised"] and real.shape[0] != fake.shape[0]:
                report.problems.clear()
                report.problem(
                    "needs_equal_batches",
                    f"{name} fails when the real and fake batches have different sizes ({real.shape[0]} and "
                    f"{fake.shape[0]}). The two "
                    "averages are separate expectations: compute critic_fake.mean() and critic_real.mean() "
                    "on their own, then subtract.",
                )
            return None
        out = _scalar(report, out, name, _CRITIC_WHAT)
        if out is None:
            return None
        values.append((real, fake, real_in, fake_in, out))
    return values


def _critic_value_right(report: Report, values: list, name: str) -> bool:
    """The value must be mean(C(fake)) - mean(C(real)); a known mistake is named, else ``wrong_value``."""
    for real, fake, real_in, fake_in, out in values:
        want = (fake.mean() - real.mean()).double()
        if not torch.allclose(out.detach().double(), want, rtol=1e-4, atol=1e-5):
            clamp = functools.lru_cache()(lambda: _clamped_scores(values))  # asked only when no formula fits
            rows = formula_rows(_CRITIC_BUGS, [o for *_, o in values], [(r, f) for r, f, *_ in values], _same_loss)
            if name_first(report, rows + [("clamped_scores", lambda: bool(clamp()), clamp)]):
                return False
            report.problem(
                "wrong_value",
                f"For real scores with mean {real.mean().item():.4f} and fake scores with mean "
                f"{fake.mean().item():.4f}, {name} returned {out.item():.4f} instead of "
                f"{want.item():.4f}. The critic loss is the {_CRITIC_WHAT}.",
            )
            return False
    return True


def _critic_gradients_right(report: Report, values: list, name: str) -> None:
    """Its gradients must be -1/B_r for each real score and 1/B_f for each fake one."""
    for real, fake, real_in, fake_in, out in values:
        if not out.requires_grad:
            report.problem(
                "not_differentiable",
                f"{name} has the right value but no gradient flows through it (it does not require grad). "
                "Avoid `.detach()`, `.item()`, `torch.no_grad()` or NumPy: build it from the score tensors "
                "with torch operations.",
            )
            return
        grads = torch.autograd.grad(out, (real_in, fake_in), allow_unused=True)
        want = (torch.full_like(real, -1.0 / real.shape[0]), torch.full_like(fake, 1.0 / fake.shape[0]))
        for got, expect, which in zip(grads, want, ("real", "fake")):
            if got is None or not torch.allclose(got, expect, rtol=1e-4, atol=1e-6):
                report.problem(
                    "not_differentiable",
                    f"{name} has the right value but its gradient with respect to the {which} scores is "
                    "wrong (part of it is detached or computed outside torch). Build the loss from the "
                    "score tensors with torch operations only.",
                )
                return


# --------------------------------------------------------------------------------------- gradient penalty

_GP_WHAT = "the mean over the batch of (||grad C(x_hat)||_2 - 1)^2"


class _LinearProbeCritic(nn.Module):
    """C(x) = <w, x.flatten(1)>: input gradient w everywhere. Records every input it sees."""

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(weight.clone())
        self.inputs = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x)
        return (x.flatten(1) * self.weight).sum(dim=1, keepdim=True)


def _gp_candidates(weight: torch.Tensor, batch: int, sample_shape: Tuple[int, ...]) -> Dict[str, float]:
    """Values that known mistakes produce with the linear probe critic."""
    a = weight.norm().item()
    grads = weight.reshape(sample_shape).expand((batch,) + tuple(sample_shape))
    out = {
        "missing_square": a - 1,
        "abs_not_square": abs(a - 1),
        "squared_norm": (a * a - 1) ** 2,
        "missing_one": a * a,
        "missing_one_no_square": a,
        "sum_not_mean": batch * (a - 1) ** 2,
        "norm_over_batch": (a * math.sqrt(batch) - 1) ** 2,
        "grad_of_mean": (a / batch - 1) ** 2,
        "norm_wrong_dim": ((grads.norm(2, dim=0) - 1) ** 2).mean().item(),
        "one_sided": max(a - 1, 0.0) ** 2,
    }
    if len(sample_shape) > 1:
        out["norm_not_per_sample"] = ((grads.norm(2, dim=1) - 1) ** 2).mean().item()
    return out


_GP_MESSAGES = {
    "missing_square": "You return the mean of (||grad|| - 1) without squaring it. Square each term: "
    "((norms - 1) ** 2).mean().",
    "abs_not_square": "You take the absolute value of (||grad|| - 1) instead of squaring it. Square each term: "
    "((norms - 1) ** 2).mean().",
    "squared_norm": "You use the squared norm ||grad||^2 where the penalty needs the norm itself. Use "
    "grads.flatten(1).norm(2, dim=1) (no square), then ((norms - 1) ** 2).mean().",
    "missing_one": "Your penalty is the squared gradient norm: it pushes the gradients to 0, not to norm 1. "
    "Subtract 1 from each norm before squaring: ((norms - 1) ** 2).mean().",
    "missing_one_no_square": "Your penalty is the gradient norm itself. The penalty keeps each norm near 1: "
    "((norms - 1) ** 2).mean().",
    "sum_not_mean": "You sum the per-sample penalties instead of averaging them, so the penalty grows with the "
    "batch size. Use .mean() over the batch.",
    "norm_over_batch": "You take one norm over the whole batch of gradients. The penalty needs one norm per "
    "sample: grads.flatten(1).norm(2, dim=1), then ((norms - 1) ** 2).mean().",
    "grad_of_mean": "You differentiate the MEAN of the critic's scores, which divides every gradient by the batch "
    "size. Differentiate scores.sum() (or pass grad_outputs=torch.ones_like(scores)) so each sample gets its "
    "own full gradient.",
    "norm_wrong_dim": "You take the gradient norm over the batch dimension (dim=0). Each sample needs its own "
    "norm over its features: grads.flatten(1).norm(2, dim=1).",
    "norm_not_per_sample": "For inputs with more than one feature dimension (images), norm(dim=1) is not one norm "
    "per sample. Flatten first: grads.flatten(1).norm(2, dim=1).",
    "one_sided": "Your penalty only punishes norms above 1. The gradient penalty is two-sided: "
    "((norms - 1) ** 2).mean() also pushes small norms up to 1.",
}


def _interpolation_problems(report: Report, critic: _LinearProbeCritic, real: torch.Tensor, fake: torch.Tensor,
                            name: str) -> None:
    """Read the points the critic saw and check they are per-sample interpolates with eps ~ U(0, 1)."""
    calls = [x for x in critic.inputs if isinstance(x, torch.Tensor)]
    if not calls:
        report.problem(
            "critic_not_called",
            f"{name} never called the critic. Evaluate critic(x_hat) on the interpolated points and take the "
            "gradient of its scores with respect to x_hat.",
        )
        return
    graded = [x for x in calls if x.requires_grad] or calls
    x_hat = graded[-1].detach()
    if tuple(x_hat.shape) != tuple(real.shape):
        report.problem(
            "wrong_input",
            f"The critic was called on a tensor of shape {tuple(x_hat.shape)}, but the interpolates should have "
            f"the shape of real and fake, {tuple(real.shape)}: one x_hat per pair (real_i, fake_i).",
        )
        return
    r, f, h = real.flatten(1).double(), fake.flatten(1).double(), x_hat.flatten(1).double()
    d = r - f
    t = ((h - f) * d).sum(1) / (d * d).sum(1)
    residual = (h - f - t[:, None] * d).norm(dim=1) / d.norm(dim=1)
    if (residual > 1e-4).float().mean() > 0.05:
        lo, hi = torch.minimum(r, f) - 1e-6, torch.maximum(r, f) + 1e-6
        if ((h >= lo) & (h <= hi)).all():
            report.problem(
                "eps_per_feature",
                "Your x_hat mixes real and fake with a different eps for every number, so the points leave the "
                "line between each pair. Draw one eps per sample, shape (batch, 1, ...), e.g. "
                "torch.rand(real.shape[0], *[1] * (real.dim() - 1)).",
            )
        else:
            report.problem(
                "not_interpolated",
                "The points given to the critic are not mixtures of real and fake samples. Build "
                "x_hat = eps * real + (1 - eps) * fake with one eps ~ U(0, 1) per sample.",
            )
        return
    name_first(report, _eps_mistakes(t))


def _eps_mistakes(t: torch.Tensor) -> List[Row]:
    """What is wrong with the mixing weights ``t`` (one per sample, read off the interpolates), most specific first."""
    def spread() -> str:
        return (f"Your mixing weights have mean {t.mean().item():.2f} and spread {t.std().item():.2f}; uniform "
                "weights on [0, 1] have mean 0.5 and spread 0.29. Draw eps with torch.rand.")

    return [
        ("real_only", lambda: torch.allclose(t, torch.ones_like(t), atol=1e-4),
         "You take the penalty at the real samples only. WGAN-GP takes it at random points between real and "
         "fake samples: x_hat = eps * real + (1 - eps) * fake."),
        ("fake_only", lambda: torch.allclose(t, torch.zeros_like(t), atol=1e-4),
         "You take the penalty at the fake samples only. WGAN-GP takes it at random points between real and "
         "fake samples: x_hat = eps * real + (1 - eps) * fake."),
        ("eps_not_uniform", lambda: bool((t.min() < -1e-4) or (t.max() > 1 + 1e-4)),
         lambda: f"Your mixing weights eps range from {t.min().item():.2f} to {t.max().item():.2f}, outside [0, 1] "
                 "(torch.randn instead of torch.rand?). Draw eps uniformly in [0, 1] with torch.rand."),
        ("one_eps_for_batch", lambda: bool(t.std() < 1e-4),
         lambda: f"Every sample uses the same mixing weight eps = {t.mean().item():.3f}. Draw one eps per sample, "
                 "shape (batch, 1, ...), so the penalty covers the whole region between real and fake data."),
        ("eps_not_uniform", lambda: not (0.35 < t.mean().item() < 0.65 and 0.2 < t.std().item() < 0.38), spread),
    ]


def _gp_error(err: BaseException, batch: int, sample_shape: Tuple[int, ...]) -> Optional[Tuple[str, str]]:
    """(code, message) naming the bug behind two errors students meet in the penalty; None for others."""
    text = str(err)
    ones = ", ".join(["1"] * len(sample_shape))
    if isinstance(err, RuntimeError) and "does not require grad" in text:
        return ("interpolates_without_grad",
                "torch.autograd.grad cannot differentiate with respect to your interpolates x_hat: they do not "
                "require grad (PyTorch: \"does not require grad\"). Build x_hat from detached real and fake, then "
                "call x_hat.requires_grad_(True) before the critic scores it.")
    if isinstance(err, RuntimeError) and "must match the size of tensor" in text and f"({batch})" in text:
        return ("eps_shape",
                f"Your mixing weight eps cannot be multiplied with samples of shape (batch, {', '.join(map(str, sample_shape))}): "
                f"PyTorch lines shapes up from the right, so an eps of shape (batch,) meets the features, not the batch. "
                f"Give eps one entry per sample and a 1 for every other dimension: shape (batch, {ones}), i.e. "
                "(batch, 1) for points and (batch, 1, 1, 1) for images: "
                "torch.rand(real.shape[0], *[1] * (real.dim() - 1)).")
    return None


@grading_check("gradient_penalty")
def check_gradient_penalty(report: Report, penalty_fn: Callable, *, sample_shape: Sequence[int] = (2,),
                           batch: int = 256) -> None:
    """Grade ``penalty_fn(critic, real, fake) -> 0-d tensor``, the WGAN-GP gradient penalty.

    ``real`` and ``fake`` have shape ``(batch, *sample_shape)``. Probes with linear critics of
    gradient norm 3 and 0.5 (penalty exactly 4 and 0.25), checks the interpolates the critic saw,
    and checks that the penalty can be backpropagated into the critic's weights.

    Problem codes: ``not_implemented``, ``raised``, ``signature``, ``interpolates_without_grad`` (no
    ``requires_grad_()`` on x_hat), ``eps_shape`` (eps that does not broadcast per sample), ``returns_wrong_type``,
    ``not_scalar``, ``not_finite``, ``critic_not_called``, ``wrong_input``, ``eps_per_feature``, ``not_interpolated``,
    ``real_only``, ``fake_only``, ``eps_not_uniform``, ``one_eps_for_batch``, ``wrong_value``,
    ``no_create_graph``, and the named mistakes of ``_GP_MESSAGES`` (``missing_square``, ``abs_not_square``,
    ``squared_norm``, ``missing_one``, ``missing_one_no_square``, ``sum_not_mean``, ``norm_over_batch``,
    ``grad_of_mean``, ``norm_wrong_dim``, ``norm_not_per_sample``, ``one_sided``).
    """
    sample_shape = tuple(int(s) for s in sample_shape)
    if not sample_shape or min(sample_shape) < 1:
        raise ValueError(f"sample_shape must be a non-empty shape like (2,) or (1, 4, 4), got {sample_shape}.")
    if int(batch) < 16:
        raise ValueError(f"batch must be at least 16 so the mixing weights can be checked, got {batch}.")
    batch = int(batch)
    name = "gradient_penalty"
    features = int(math.prod(sample_shape))
    g = torch.Generator().manual_seed(2024)
    real = torch.randn((batch,) + sample_shape, generator=g) + 1.0
    fake = torch.randn((batch,) + sample_shape, generator=g) - 1.0
    direction = torch.rand(features, generator=g) + 0.2
    direction = direction / direction.norm()
    probes = _penalties(report, penalty_fn, real, fake, direction, name)
    if probes is not None and _right_value(report, probes, batch, sample_shape, name):
        _trains_the_critic(report, probes)


def _penalties(report: Report, penalty_fn: Callable, real: torch.Tensor, fake: torch.Tensor, direction: torch.Tensor,
               name: str) -> Optional[list]:
    """The penalty for linear critics of gradient norm 3 and 0.5: [(norm, critic, value)], or None with the problem.
    The interpolates the first critic saw are checked on the way."""
    batch, sample_shape = real.shape[0], tuple(real.shape[1:])
    probes = []
    for norm in (3.0, 0.5):
        critic = _LinearProbeCritic(direction * norm)
        result = call_student(penalty_fn, critic, real.clone(), fake.clone())
        if not result.ok:
            named = _gp_error(result.error, batch, sample_shape)
            report.problem(*(named or raised_problem(result.error, name, fn=penalty_fn,
                                                     hint="It should return a single number as a 0-d tensor.")))
            return None
        out = result.value
        value = _scalar(report, out, name, _GP_WHAT)
        if value is None:
            return None
        if not probes:
            _interpolation_problems(report, critic, real, fake, name)
            if report.problems:
                return None
        probes.append((norm, critic, value))
    return probes


def _right_value(report: Report, probes: list, batch: int, sample_shape: Tuple[int, ...], name: str) -> bool:
    """The penalty must be (norm - 1)^2 exactly; a known mistake is named, else ``wrong_value``."""
    got = [value.item() for _, _, value in probes]
    want = [(norm - 1) ** 2 for norm, _, _ in probes]
    if any(abs(g_ - w_) > 1e-4 * max(1.0, w_) for g_, w_ in zip(got, want)):
        tables = [_gp_candidates(critic.weight.detach(), batch, sample_shape) for _, critic, _ in probes]
        candidates = {code: (lambda table, code=code: table[code], _GP_MESSAGES[code]) for code in tables[0]}
        if name_first(report, formula_rows(candidates, got, [(t,) for t in tables], _same_value)):
            return False
        norm, i = (3.0, 0) if abs(got[0] - want[0]) > 1e-4 * max(1.0, want[0]) else (0.5, 1)
        report.problem(
            "wrong_value",
            f"With a critic whose gradient norm is {norm} everywhere, the penalty should be "
            f"({norm} - 1)^2 = {want[i]:.4f}, but {name} returned {got[i]:.4f}. Compute {_GP_WHAT}.",
        )
        return False
    return True


def _trains_the_critic(report: Report, probes: list) -> None:
    """The penalty must backpropagate into the critic's weights (``create_graph=True``)."""
    for norm, critic, value in probes:
        if not value.requires_grad or value.grad_fn is None:
            report.problem(
                "no_create_graph",
                "Your penalty has the right value but the critic cannot be trained through it: it is "
                "detached from the critic's weights. Pass create_graph=True to torch.autograd.grad (and keep "
                "the result as a tensor).",
            )
            return
        critic.zero_grad()
        try:
            value.backward()
        except RuntimeError as err:
            report.problem(
                "no_create_graph",
                f"Backpropagating your penalty failed ({str(err).splitlines()[0][:120]}). Pass "
                "create_graph=True to torch.autograd.grad so the penalty stays differentiable.",
            )
            return
        w = critic.weight.detach()
        want_grad = 2 * (norm - 1) * w / w.norm()
        if critic.weight.grad is None or not torch.allclose(critic.weight.grad, want_grad, rtol=1e-3, atol=1e-5):
            report.problem(
                "no_create_graph",
                "Your penalty has the right value but its gradient with respect to the critic's weights is "
                "wrong. Pass create_graph=True to torch.autograd.grad, and do not detach the gradients "
                "before taking their norm.",
            )
            return


__all__ = ["check_critic_loss", "check_gradient_penalty"]

"""Checks for the loss exercises of notebook 02.

Course conventions:

- ``discriminator_loss(d_real, d_fake) -> 0-d tensor``: ``d_real = D(x)`` and
  ``d_fake = D(G(z))`` are the discriminator's sigmoid outputs, shape ``(batch, 1)``;
  the loss is the batch mean (a sum is accepted) of ``-log D(x) - log(1 - D(G(z)))``.
- ``generator_loss(d_fake) -> 0-d tensor``: the non-saturating loss, the mean of
  ``-log D(G(z))``.
- ``margin_losses(c_real, c_fake, margin) -> (cost_loss, gen_loss)``: the energy-based
  losses with a cost network C (low cost means real): ``L_C = C(x) + max(0, m - C(G(z)))``
  and ``L_G = C(G(z))``, batch means (sums accepted).

Like the loop checker, these never read the student's code: they call the function on
probe tensors and read the gradient with respect to each input, which names the loss
(see ``_fit.py``), then compare the value with the formula and try saturated inputs
(D = 0 and D = 1), where a plain ``torch.log`` gives infinities.
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Tuple

import torch

from ._fit import LABELS, TOL, fit_gradient
from .errors import error_kind, exception_text, raised_problem
from .loss_text import (
    discriminator_loss_text,
    generator_loss_text,
    sigmoid_applied_twice_text,
)
from .report import Report
from .student import SecondInput, call_student, describe, grading_check

__all__ = ["check_discriminator_loss", "check_generator_loss", "check_margin_losses"]

# The visible check (no ``seed``) also tries a second, random batch of another size, so that code
# written for one batch size fails where the student sees it, not only in the hidden tests.
_ANOTHER_BATCH = SecondInput(
    when={"seed": None}, use={"seed": 1000, "batch": 9}, prefix="On a batch of 9 scores: ",
    doc="\n    Without ``seed`` (the visible check) it also runs on a random batch of 9, so code written\n"
        "    for one batch size is caught before the hidden tests.\n",
)


_D_REAL = [0.12, 0.3, 0.55, 0.7, 0.85, 0.95]
_D_FAKE = [0.05, 0.2, 0.4, 0.6, 0.8, 0.9]
_C_REAL = [0.1, 0.5, 1.2, 2.0, 0.8, 3.0]
_C_FAKE = [0.2, 0.7, 1.5, 2.6, 0.05, 0.9]


#: the largest guard a loss may add, clamp or mix in (``torch.log(p + 1e-3)``, ``p.clamp(min=1e-3)``,
#: ``torch.log1p(-p + 1e-3)``): every reasonable epsilon is smaller, so any of them passes
GUARD = 1e-3
#: random probability scores stay this far from 0 and 1, as the fixed ones do, so that a guard
#: moves a term by at most GUARD / _EDGE (2 %): the tolerances below are set from that
_EDGE = 0.05
#: relative tolerance on the loss's value and on the ratio of its two terms' scales (a mean for
#: one term and a sum for the other differs by the batch size, at least 2)
_GUARDED_TOL = 3e-2


def _scores(fixed, seed: Optional[int], batch: int, high: float, edge: float = 0.02):
    """The fixed probe values, or ``batch`` seeded random ones in (edge * high, (1 - edge) * high)."""
    if seed is None:
        return fixed
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(batch, generator=gen) * (1 - 2 * edge) + edge).mul(high).tolist()


def _inputs(seed: Optional[int], batch: int, *fixed_and_high):
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 2:
        raise ValueError(f"batch must be a whole number of at least 2, got {batch!r}.")
    return [_probe(_scores(f, None if seed is None else seed + i, batch, h, _EDGE if h == 1.0 else 0.02))
            for i, (f, h) in enumerate(fixed_and_high)]


def _probe(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).reshape(-1, 1).requires_grad_(True)


def _call(report: Report, fn: Callable, args, name: str):
    """Call the student's function: ``(value, True)``, or ``(None, False)`` after recording why it failed."""
    result = call_student(fn, *args)
    if result.ok:
        return result.value, True
    report.problem(*raised_problem(result.error, f"Your {name}", context=f" on a batch of {len(args[0])} scores",
                                   hint=_loss_hint(result.error)))
    if error_kind(result.error) == "not_scalar":
        report.problem("not_scalar", "The loss must be one number: average over the batch with `.mean()`.")
    return None, False


def _loss_hint(exc: BaseException) -> Optional[str]:
    """A loss-specific fix for shape errors (the generic hint talks about noise and networks)."""
    if error_kind(exc) in ("shape", "dimension"):
        return ("A loss must work for any batch size: build targets from the inputs' own shapes "
                "(`torch.ones_like(d_real)`), and never write a fixed size such as `.view(6, 1)`.")
    return None


def _as_loss(report: Report, value, name: str) -> Optional[torch.Tensor]:
    """Check one returned loss: a differentiable tensor holding one number. Returns it summed, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        report.problem(
            "returns_wrong_type",
            f"Your {name} returned a Python number, so nothing can be back-propagated through it. Return the "
            "tensor itself (do not call `.item()` or `float()` on it).",
        )
        return None
    if not isinstance(value, torch.Tensor):
        report.problem("returns_wrong_type", f"Your {name} returned {describe(value)}; it must return a 0-d tensor.")
        return None
    if value.numel() == 0:
        report.problem("not_scalar", f"Your {name} returned an empty tensor; it must return one number.")
        return None
    if value.grad_fn is None or not value.requires_grad:
        report.problem(
            "not_differentiable",
            f"Your {name} returned a tensor with no gradient history, so `backward()` cannot train anything. "
            "Compute it from the inputs with torch operations only: no `.detach()`, `.item()`, `torch.no_grad()`, "
            "`torch.tensor(...)` of results, or NumPy.",
        )
        return None
    if value.numel() > 1:
        report.problem(
            "not_scalar",
            f"Your {name} returned {value.numel()} numbers (shape {tuple(value.shape)}) instead of one. "
            "Average over the batch with `.mean()` so it returns a 0-d tensor.",
        )
    elif value.dim() > 0:
        report.warn(
            "loss_not_0d",
            f"Your {name} returned shape {tuple(value.shape)}; a 0-d tensor (shape ()) is the convention: "
            "`.mean()` gives one.",
        )
    return value.sum()


def _grads(loss: torch.Tensor, inputs: List[torch.Tensor]) -> List[torch.Tensor]:
    grads = torch.autograd.grad(loss, inputs, allow_unused=True, retain_graph=True)
    return [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, grads)]


def _finite_at(report: Report, fn: Callable, args, name: str, fix: str) -> None:
    """Value and gradients must be finite when D outputs exactly 0 or 1."""
    inputs = [_probe(a) for a in args]

    def value_and_grads():
        """"ok", "value" (the loss is inf or NaN) or "gradient" (finite, but its gradient is not)."""
        out = fn(*inputs)
        loss = out.sum() if isinstance(out, torch.Tensor) else None
        if loss is None:
            return "ok"
        if not bool(torch.isfinite(loss.detach())):
            return "value"
        if loss.requires_grad and not all(bool(torch.isfinite(g).all()) for g in _grads(loss, inputs)):
            return "gradient"
        return "ok"

    result = call_student(value_and_grads)
    if not result.ok:
        report.problem(*raised_problem(
            result.error, f"Your {name}", context=f" on a batch of {len(args[0])} scores that are exactly 0 or 1",
            hint=_loss_hint(result.error)))
    elif result.value == "value":
        report.problem(
            "not_finite_at_saturation",
            f"Your {name} gives inf or NaN when the discriminator outputs exactly 0 or 1 "
            f"(log(0) = -inf). {fix}",
        )
    elif result.value == "gradient":
        report.problem(
            "not_finite_at_saturation",
            f"Your {name} is finite when the discriminator outputs exactly 0 or 1, but its gradient there is "
            "NaN: a clamp (or `torch.nan_to_num`) after the log keeps the value finite, not the gradient "
            "(the log's slope 1/0 = inf times the clamp's slope 0 is NaN), and one NaN gradient ruins every "
            f"weight. Guard the score before the log instead: {fix}",
        )


_CLAMP_FIX = (
    "Clamp inside the log, e.g. `torch.log(p.clamp(min=1e-7))`, or use `BCELoss`, which clamps for you."
)


@grading_check("discriminator_loss", second=_ANOTHER_BATCH)
def check_discriminator_loss(report: Report, fn: Callable, *, seed: Optional[int] = None, batch: int = 64) -> None:
    """Check ``fn(d_real, d_fake) -> 0-d tensor`` against ``mean(-log D(x) - log(1 - D(G(z))))``.

    Accepts any fixed positive multiple of it (the mean, the sum, the halved mean some courses
    use), explicit logs or ``BCELoss``, clamped logs. Scores are six fixed probe values, or with
    ``seed`` a seeded random batch of ``batch`` scores (what the hidden tests use). Problem codes:
    ``not_implemented``, ``raised``, ``returns_wrong_type``, ``not_differentiable``, ``not_scalar``,
    ``sigmoid_applied_twice``, ``wrong_discriminator_loss``, ``not_finite_at_saturation``.
    Warning: ``loss_not_0d``.
    """
    name = "discriminator_loss"
    d_real, d_fake = _inputs(seed, batch, (_D_REAL, 1.0), (_D_FAKE, 1.0))
    out, ok = _call(report, fn, (d_real, d_fake), name)
    if not ok:
        return
    if isinstance(out, (tuple, list)):
        report.problem("returns_wrong_type", f"Your {name} returned {len(out)} values; return one 0-d tensor (the sum of both terms).")
        return
    loss = _as_loss(report, out, name)
    if loss is None:
        return
    g_real, g_fake = _grads(loss, [d_real, d_fake])
    fr, ff = fit_gradient(d_real, g_real, "prob"), fit_gradient(d_fake, g_fake, "prob")
    if _applies_sigmoid(fr, "T1", d_real, g_real) and _applies_sigmoid(ff, "T0", d_fake, g_fake):
        report.problem("sigmoid_applied_twice", sigmoid_applied_twice_text(f"your {name}"))
        return
    msg = _d_loss_diagnosis(fr, ff)
    if msg is None:
        kr, kf = fr.scale("T1"), ff.scale("T0")
        if abs(kr - kf) > _GUARDED_TOL * max(abs(kr), abs(kf)):
            msg = (
                "Your discriminator_loss weighs the real and the fake term differently (for example a mean for "
                "one and a sum for the other). Average both over the batch the same way."
            )
        else:
            expected = (-torch.log(d_real.detach()) - torch.log(1 - d_fake.detach())).sum() * kr
            if not math.isclose(float(loss.detach()), float(expected), rel_tol=_GUARDED_TOL, abs_tol=1e-5):
                msg = (
                    f"Your discriminator_loss has the right slope but the wrong value ({float(loss.detach()):.4f} where the "
                    f"formula gives {float(expected):.4f}): is a constant added or a term scaled? Return exactly "
                    "the mean of -log D(x) - log(1 - D(G(z)))."
                )
    if msg is not None:
        report.problem("wrong_discriminator_loss", msg)
    _finite_at(report, fn, ([1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]), name, _CLAMP_FIX)


def _applies_sigmoid(fit, want: str, scores: torch.Tensor, grad: torch.Tensor) -> bool:
    """The gradient is that of BCE on ``sigmoid(scores)``: ``BCEWithLogitsLoss`` given probabilities."""
    if fit is not None and fit.best in LABELS:
        return False
    as_logits = fit_gradient(scores, grad, "logit")
    return as_logits is not None and as_logits.fits(want)


def _d_loss_diagnosis(fr, ff) -> Optional[str]:
    real_ok = fr is not None and fr.fits("T1")
    fake_ok = ff is not None and ff.fits("T0")
    if real_ok and fake_ok:
        return None
    real, fake = (fr.best if fr else "other"), (ff.best if ff else "other")
    if real == "zero":
        return "Your discriminator_loss does not depend on d_real: add the real term -log D(x)."
    if fake == "zero":
        return "Your discriminator_loss does not depend on d_fake: add the fake term -log(1 - D(G(z)))."
    others = {fit.other for fit in (fr, ff) if fit is not None}
    other = others.pop() if len(others) == 1 and None not in others else None
    return discriminator_loss_text(real, fake, "prob", subject="Your discriminator_loss", other=other)


@grading_check("generator_loss", second=_ANOTHER_BATCH)
def check_generator_loss(report: Report, fn: Callable, *, seed: Optional[int] = None, batch: int = 64) -> None:
    """Check ``fn(d_fake) -> 0-d tensor`` against the non-saturating ``mean(-log D(G(z)))``.

    Accepts any fixed positive multiple (mean or sum). ``seed``/``batch``: as for
    ``check_discriminator_loss``.

    Problem codes: ``not_implemented``, ``raised``, ``returns_wrong_type``, ``not_differentiable``,
    ``not_scalar``, ``sigmoid_applied_twice``, ``saturating_generator_loss``,
    ``wrong_generator_loss``, ``not_finite_at_saturation``. Warning: ``loss_not_0d``.
    """
    name = "generator_loss"
    (d_fake,) = _inputs(seed, batch, (_D_FAKE, 1.0))
    out, ok = _call(report, fn, (d_fake,), name)
    if not ok:
        return
    loss = _as_loss(report, out, name)
    if loss is None:
        return
    (g,) = _grads(loss, [d_fake])
    fit = fit_gradient(d_fake, g, "prob")
    if fit is not None and fit.fits("T1"):
        k = fit.scale("T1")
        expected = (-torch.log(d_fake.detach())).sum() * k
        if not math.isclose(float(loss.detach()), float(expected), rel_tol=_GUARDED_TOL, abs_tol=1e-5):
            report.problem(
                "wrong_generator_loss",
                f"Your generator_loss has the right slope but the wrong value ({float(loss.detach()):.4f} where the formula "
                f"gives {float(expected):.4f}): is a constant added? Return exactly the mean of -log D(G(z)).",
            )
    elif _applies_sigmoid(fit, "T1", d_fake, g):
        report.problem("sigmoid_applied_twice", sigmoid_applied_twice_text(f"your {name}"))
        return
    else:
        report.problem(*generator_loss_text(
            fit.best if fit is not None else "other", "prob", subject="Your generator_loss",
            target=fit.soft_target if fit is not None else None, other=fit.other if fit is not None else None))
    _finite_at(report, fn, ([0.0, 1.0, 0.5],), name, _CLAMP_FIX)


@grading_check("margin_losses", second=_ANOTHER_BATCH)
def check_margin_losses(report: Report, fn: Callable, margins: Tuple[float, ...] = (1.0, 2.0), *,
                        seed: Optional[int] = None, batch: int = 64) -> None:
    """Check ``fn(c_real, c_fake, margin) -> (cost_loss, gen_loss)``, the energy-based margin losses.

    ``c_real = C(x)`` and ``c_fake = C(G(z))`` are non-negative costs of shape ``(batch, 1)``;
    ``cost_loss = mean C(x) + mean max(0, margin - C(G(z)))`` and ``gen_loss = mean C(G(z))``
    (any fixed positive multiple accepted). Tried with each margin in ``margins``, with fakes on
    both sides of it; ``seed``/``batch`` draw random costs in (0, 3) instead of the fixed ones.
    Problem codes: ``not_implemented``, ``raised``, ``returns_wrong_type``, ``not_differentiable``,
    ``not_scalar``, ``wrong_cost_loss``, ``margin_ignored``, ``wrong_generator_loss``.
    Warning: ``loss_not_0d``.
    """
    if not margins or any(not isinstance(m, (int, float)) or m <= 0 for m in margins):
        raise ValueError("margins must be positive numbers, e.g. (1.0, 2.0).")
    name = "margin_losses"
    cost_msgs, gen_msgs, ignored = [], [], False
    for m in margins:
        c_real, c_fake = _inputs(seed, batch, (_C_REAL, 3.0), (_C_FAKE, 3.0))
        out, ok = _call(report, fn, (c_real, c_fake, m), name)
        if not ok:
            return
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            report.problem(
                "returns_wrong_type",
                f"Your {name} returned {describe(out)}; return two 0-d tensors: `return cost_loss, gen_loss`.",
            )
            return
        cost = _as_loss(report, out[0], f"{name} (cost_loss)")
        gen = _as_loss(report, out[1], f"{name} (gen_loss)")
        if cost is None or gen is None:
            return
        cr, cf = _grads(cost, [c_real, c_fake])
        gr, gf = _grads(gen, [c_real, c_fake])
        active = (c_fake.detach() < m).float()
        msg = _cost_diagnosis(cr, cf, active, c_fake.detach(), m)
        if msg == _NO_HINGE and _hinge_after_mean(fn, m):
            msg = _HINGE_AFTER_MEAN
        elif msg is not None and msg != "margin":
            msg = _detached_term(cr, cf, active, c_real.detach(), c_fake.detach(), m, float(cost.detach())) or msg
        if msg == "margin":
            ignored = True
        elif msg is None:
            k = float(cr.mean())
            expected = k * (c_real.detach().sum() + torch.relu(m - c_fake.detach()).sum())
            if not math.isclose(float(cost.detach()), float(expected), rel_tol=1e-3, abs_tol=1e-5):
                msg = (
                    f"Your cost_loss has the right slopes but the wrong value ({float(cost.detach()):.4f} where the formula "
                    f"gives {float(expected):.4f} for margin {m}). Return exactly mean C(x) + mean max(0, m - C(G(z)))."
                )
        if msg and msg != "margin":
            cost_msgs.append(msg)
        gmsg = _gen_margin_diagnosis(gr, gf, active)
        if gmsg is None:
            k = float(gf.mean())
            if not math.isclose(float(gen.detach()), k * float(c_fake.detach().sum()), rel_tol=1e-3, abs_tol=1e-5):
                gmsg = "Your gen_loss has the right slope but the wrong value: return exactly the mean of C(G(z))."
        if gmsg:
            gen_msgs.append(gmsg)
    if ignored:
        report.problem(
            "margin_ignored",
            "Your cost_loss does not use the `margin` argument (it behaves as if the margin were fixed). The "
            "hinge is max(0, margin - C(G(z))): fakes with a cost above the margin add nothing.",
        )
    if cost_msgs:
        report.problem("wrong_cost_loss", cost_msgs[0])
    if gen_msgs:
        report.problem("wrong_generator_loss", gen_msgs[0])


def _constant(g: torch.Tensor) -> Optional[float]:
    """The common value of g if all its entries are equal (up to rounding), else None."""
    g = g.detach().double().flatten()
    k = float(g.mean())
    scale = max(float(g.abs().max()), 1e-12)
    return k if float((g - k).abs().max()) / scale < TOL else None


_NO_HINGE = (
    "Your cost_loss has no hinge: -C(G(z)) keeps pushing fake costs up forever. Use "
    "max(0, margin - C(G(z))) (`torch.relu` or `.clamp(min=0)`), so fakes above the margin add nothing."
)
_HINGE_AFTER_MEAN = (
    "Your cost_loss takes the hinge after the mean, max(0, margin - mean C(G(z))): every fake gets the same push "
    "while the average is below the margin, and none once it is above, however low some fakes' costs are. Take "
    "the hinge of each fake first, then the mean: `torch.relu(margin - c_fake).mean()`."
)


def _hinge_after_mean(fn: Callable, m: float) -> bool:
    """Fakes whose mean cost is above the margin, some of them below it: does the fake term go silent?"""
    c_real = _probe(_C_REAL)
    c_fake = _probe([m + 3.0, m + 2.0, 0.5 * m, m + 4.0, 0.25 * m, m + 1.0])
    out = call_student(fn, c_real, c_fake, m).value
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[0], torch.Tensor):
        return False
    cost = out[0].sum()
    if not cost.requires_grad:
        return False
    _, cf = _grads(cost, [c_real, c_fake])
    return float(cf.abs().max()) == 0.0


def _detached_term(cr, cf, active, c_real, c_fake, m, value: float) -> Optional[str]:
    """One term of the cost loss has the right value but sends no gradient: it was detached."""
    expected = float(c_real.sum() + torch.relu(m - c_fake).sum())
    if float(cf.abs().max()) == 0.0 and float(cr.abs().max()) > 0:
        k = _constant(cr)
        term = "fake term max(0, margin - C(G(z)))"
    elif float(cr.abs().max()) == 0.0 and float(cf.abs().max()) > 0:
        k = _constant(-cf[active > 0]) if bool((active > 0).any()) else None
        term = "real term C(x)"
    else:
        return None
    if k is None or k <= 0 or not math.isclose(value, k * expected, rel_tol=1e-3, abs_tol=1e-5):
        return None
    return (
        f"The {term} of your cost_loss has the right value but sends no gradient to the cost network: it was "
        "detached (`.detach()`, `.item()` or `.data`). The scores C(x) and C(G(z)) must stay attached, since the "
        "cost network learns through them; only the generator's output is detached, and the caller already "
        "does that before scoring the fakes."
    )


def _cost_diagnosis(cr, cf, active, c_fake, m) -> Optional[str]:
    kr = _constant(cr)
    if kr is None or kr == 0:
        if float(cr.abs().max()) == 0:
            return "Your cost_loss does not depend on c_real: it needs the real term C(x) (real samples get low cost)."
        return "The real term of your cost_loss is not C(x) averaged over the batch (no hinge, no square on it)."
    if kr < 0:
        return "Your cost_loss pushes the cost of real samples up: its real term is +C(x), to be minimised."
    expected = -kr * active
    if float((cf - expected).abs().max()) <= TOL * kr:
        return None
    if float((cf + kr).abs().max()) <= TOL * kr:
        return _NO_HINGE
    if float((cf - kr * active).abs().max()) <= TOL * kr:
        return "The hinge term of your cost_loss has the wrong sign: it is max(0, margin - C(G(z))), added to C(x)."
    # a hinge with some other threshold: is the margin used at all?
    for other in (1.0, 0.5, 2.0):
        if other != m and float((cf + kr * (c_fake < other).float()).abs().max()) <= TOL * kr:
            return "margin"
    return (
        "The fake term of your cost_loss is not max(0, margin - C(G(z))) averaged over the batch. Fakes below "
        "the margin should be pushed up, fakes above it left alone."
    )


def _gen_margin_diagnosis(gr, gf, active) -> Optional[str]:
    if float(gr.abs().max()) > 0:
        return "Your gen_loss depends on c_real; the generator's loss is C(G(z)) only (the cost of its fakes)."
    k = _constant(gf)
    if k is not None and k > 0:
        return None
    if k is not None and k < 0:
        return "Your gen_loss has the wrong sign: the generator wants its fakes to have low cost, so it minimises +C(G(z))."
    if k == 0 or float(gf.abs().max()) == 0:
        return "Your gen_loss does not depend on c_fake: it is the mean of C(G(z))."
    return (
        "Your gen_loss is not the mean of C(G(z)) (no margin and no hinge for the generator: it simply lowers "
        "the cost of its fakes)."
    )

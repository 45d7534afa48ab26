"""Shared helpers for the loss and training-step checks: naming a loss by its gradient.

The gradient of a loss with respect to the discriminator's output ``p`` tells which
loss it is, up to a positive scale (mean or sum over the batch):

==========================  ===================  =======================
loss on one output          gradient (prob. D)   gradient (logit D, q=σ(s))
==========================  ===================  =======================
``-log p``   (target 1)     ``-1/p``             ``q - 1``
``-log(1-p)`` (target 0)    ``1/(1-p)``          ``q``
==========================  ===================  =======================

Fitting the observed gradient against each of these with one scale names the loss:
target 1 with a positive scale ("T1"), its negative ("N1", a sign-flipped loss),
target 0 ("T0") and its negative ("N0", the saturating minimax generator loss).
A mixture of T1 and T0 with positive weights is a soft label ("mix").

When none of these fits, the gradient may still be that of another GAN's loss, which is
linear in the output: ``g = a * out + b``. With ``a > 0`` it is a least-squares loss
``(out - t)**2`` with target ``t = -b / a`` (LSGAN); with ``a = 0`` it is a loss linear in the
output (the Wasserstein critic's, a hinge on its active rows, or a BCE loss that lost its
log); ``Fit.other`` names it ("least_squares", "linear"). Anything else is "other".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import torch

#: relative residual under which a gradient "is" a given loss's gradient
TOL = 1e-2

LABELS = ("T1", "N1", "T0", "N0")


@dataclass
class Fit:
    """How a gradient ``g`` (one per output element) fits the BCE gradients."""

    family: str  # "prob" (D outputs probabilities) or "logit" (raw scores)
    labels: Dict[str, Tuple[float, float]] = field(default_factory=dict)  # label -> (residual, scale)
    zero: bool = False
    mix: Optional[Tuple[float, float, float]] = None  # (residual, a, b): g = a*u1 + b*u0
    other: Optional[str] = None  # "least_squares" or "linear" when no BCE label fits (see the module)
    direction: float = 0.0  # for "linear": +1 when minimising pushes the output up, -1 down
    target: Optional[float] = None  # for "least_squares": the target t of (out - t)**2
    other_residual: float = float("inf")  # how well ``other`` fits (relative residual)

    def fits(self, label: str) -> bool:
        return label in self.labels and self.labels[label][0] < TOL

    @property
    def best(self) -> str:
        """The label with the smallest residual that fits, else "mix" or "other"."""
        if self.zero:
            return "zero"
        good = [(r, lab) for lab, (r, _) in self.labels.items() if r < TOL]
        if good:
            return min(good)[1]
        if self.mix is not None and self.mix[0] < TOL:
            return "mix"
        return "other"

    @property
    def soft_target(self) -> Optional[float]:
        """For a "mix" fit with positive weights: the soft label t in g ∝ t*u1 + (1-t)*u0."""
        if self.mix is None or self.mix[0] >= TOL:
            return None
        _, a, b = self.mix
        if a < 0 or b < 0 or a + b <= 0:
            return None
        return a / (a + b)

    def scale(self, label: str) -> float:
        return self.labels[label][1]


def bases(out: torch.Tensor, family: str) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
    """(u1, u0): the gradients of -log p and -log(1-p) with respect to the output."""
    out = out.detach().double().flatten()
    if family == "prob":
        if not bool(((out > 0) & (out < 1)).all()):
            return None
        return -1.0 / out, 1.0 / (1.0 - out)
    q = torch.sigmoid(out)
    return q - 1.0, q


def fit_gradient(out: torch.Tensor, grad: torch.Tensor, family: str) -> Optional[Fit]:
    """Fit ``grad`` (same number of elements as ``out``) against the BCE gradients."""
    b = bases(out, family)
    if b is None:
        return None
    g = grad.detach().double().flatten()
    result = Fit(family=family)
    gn = float(g.norm())
    if not torch.isfinite(g).all():
        result.mix = (float("inf"), 0.0, 0.0)
        return result
    if gn == 0.0:
        result.zero = True
        return result
    u1, u0 = b
    for name, u in (("1", u1), ("0", u0)):
        k = float(g @ u / (u @ u))
        r = float((g - k * u).norm()) / gn
        result.labels[("T" if k > 0 else "N") + name] = (r, k)
    # two-basis fit (soft labels, or two losses back-propagated together), when no single one fits
    basis = torch.stack([u1, u0], dim=1)
    if g.numel() >= 3 and min(r for r, _ in result.labels.values()) >= TOL:
        sol = torch.linalg.lstsq(basis, g.unsqueeze(1)).solution.squeeze(1)
        r = float((g - basis @ sol).norm()) / gn
        result.mix = (r, float(sol[0]), float(sol[1]))
        other_residual = _fit_other(out.detach().double().flatten(), g, gn, result)
        if result.other is not None and other_residual < r:
            result.mix = None  # another GAN's loss explains the gradient better than a soft label
            result.other_residual = other_residual
        else:
            result.other = None
    return result


def _fit_other(out: torch.Tensor, g: torch.Tensor, gn: float, result: Fit) -> float:
    """Name a gradient that is linear in the output (least squares) or constant (a linear loss).

    Sets ``result.other`` when one fits and returns its relative residual (inf when none fits).
    """
    active = g != 0  # a hinge sends nothing back from the rows it has already pushed past its margin
    if int(active.sum()) < 2:
        return float("inf")
    k = float(g[active].mean())
    r = float((g[active] - k).norm()) / gn
    if r < TOL and k != 0.0:
        result.other, result.direction = "linear", -1.0 if k > 0 else 1.0
        return r
    if float(out.std()) == 0.0:
        return float("inf")
    basis = torch.stack([out, torch.ones_like(out)], dim=1)
    a, b = torch.linalg.lstsq(basis, g.unsqueeze(1)).solution.squeeze(1).tolist()
    r = float((g - basis @ torch.tensor([a, b], dtype=g.dtype)).norm()) / gn
    if a > 0 and r < TOL:
        result.other, result.target = "least_squares", -b / a
        return r
    return float("inf")

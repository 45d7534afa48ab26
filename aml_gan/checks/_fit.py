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
A mixture of T1 and T0 with positive weights is a soft label ("mix"); anything
else is "other" (least squares, a missing log, ...).
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
    return result


def exception_text(exc: BaseException, limit: int = 200) -> str:
    """``TypeName: first line of the message`` (no stack trace), shortened."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(msg) > limit:
        msg = msg[: limit - 3] + "..."
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def exception_hint(exc: BaseException) -> str:
    """A hint in the course's words for the errors students meet most often."""
    text = f"{type(exc).__name__} {exc}"
    low = text.lower()
    if isinstance(exc, NotImplementedError):
        return "You have not written this yet: replace the `raise NotImplementedError()` line with your code."
    if "nvidia" in low or ("cuda" in low and ("not compiled" in low or "driver" in low or "no cuda" in low)):
        return (
            "Your code asks for a GPU, but this machine has none. Never call `.cuda()` or write "
            "`device='cuda'`: create new tensors on the device of the data, e.g. "
            "`torch.randn(n, latent_dim, device=real_batch.device)`."
        )
    if "same device" in low or "device type" in low:
        return (
            "Tensors on different devices met. Create the noise on the device of the data: "
            "`torch.randn(n, latent_dim, device=real_batch.device)`, and never hard-code 'cuda' or 'cpu'."
        )
    if "modified by an inplace operation" in low:
        return (
            "An optimizer's `step()` changed weights that a later `backward()` still needed: for example "
            "`disc(fake)` computed before `disc_optim.step()` and back-propagated after it. Compute the "
            "scores again after each update, and step each optimizer right after its own loss's backward."
        )
    if "backward through the graph a second time" in low:
        return (
            "The same graph was back-propagated twice. Give each loss its own forward pass "
            "(a fresh `disc(...)` call), and detach the fakes for the discriminator's loss."
        )
    if "implicitly created only for scalar outputs" in low:
        return "Your loss is not a single number: average it over the batch with `.mean()` before `.backward()`."
    if "does not require grad" in low:
        return (
            "The loss has no gradient history. Do not call `.item()`, `.detach()` or `torch.no_grad()` "
            "on the way from the network's output to the loss."
        )
    if "should be between 0 and 1" in low:
        return (
            "`BCELoss` needs probabilities in [0, 1]. If your discriminator outputs raw scores, use "
            "`BCEWithLogitsLoss` (or end the discriminator with a sigmoid)."
        )
    if ("shapes cannot be multiplied" in low or "size mismatch" in low or "must match the size" in low
            or "target size" in low):
        return (
            "A shape does not fit. Draw the noise as `(batch, latent_dim)` with `batch = real_batch.shape[0]` "
            "(or `(batch, latent_dim, 1, 1)` for a convolutional generator), and give `BCELoss` targets "
            "of the same shape as the scores."
        )
    if "positional argument" in low or "unexpected keyword" in low:
        return "Check the function's signature: it must accept exactly the arguments the exercise lists, in that order."
    return "Read the error above, fix that line, and run the check again."

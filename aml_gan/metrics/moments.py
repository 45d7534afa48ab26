"""Moments of a fitted Gaussian and how far they are from the truth (notebook 06).

Means are vectors of shape (d,), covariances matrices of shape (d, d). Every
function accepts torch tensors, NumPy arrays or nested lists and works in
float64, so the numbers it returns do not depend on the caller's dtype.
"""
from __future__ import annotations

import math
from typing import Dict, Tuple

import torch


def _as64(x, name: str) -> torch.Tensor:
    try:
        return torch.as_tensor(x).detach().to(device="cpu", dtype=torch.float64)
    except Exception as err:  # noqa: BLE001 (turned into a clear message)
        raise TypeError(f"{name} must be a tensor or an array of numbers, got {type(x).__name__} ({err}).") from None


def _check_mean_cov(mean: torch.Tensor, cov: torch.Tensor, what: str) -> None:
    if mean.dim() != 1:
        raise ValueError(f"{what} mean must have shape (d,), got {tuple(mean.shape)}: flatten it with .reshape(-1).")
    d = mean.shape[0]
    if tuple(cov.shape) != (d, d):
        raise ValueError(f"{what} covariance must have shape ({d}, {d}) to match its mean, got {tuple(cov.shape)}.")


def sample_moments(x, *, unbiased: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """The plain estimator: sample mean (d,) and sample covariance (d, d) of points ``x`` (n, d).

    ``unbiased=True`` divides by n - 1 (``torch.cov``'s default); ``False`` divides by n
    (the maximum-likelihood estimate). At n = 1000 the two differ by 0.1%.
    Returned in float64.
    """
    x = _as64(x, "x")
    if x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be points of shape (n, d) with n >= 2, got {tuple(x.shape)}.")
    mean = x.mean(dim=0)
    cov = torch.cov(x.T, correction=1 if unbiased else 0).reshape(x.shape[1], x.shape[1])
    return mean, cov


def mean_error(mean, true_mean) -> float:
    """Euclidean distance ``||mean - true_mean||`` between two (d,) vectors."""
    m, t = _as64(mean, "mean"), _as64(true_mean, "true_mean")
    if m.shape != t.shape or m.dim() != 1:
        raise ValueError(f"mean {tuple(m.shape)} and true_mean {tuple(t.shape)} must both have shape (d,).")
    return float((m - t).norm())


def covariance_error(cov, true_cov, *, relative: bool = False) -> float:
    """Frobenius distance ``||cov - true_cov||_F`` of two (d, d) matrices.

    ``relative=True`` divides by ``||true_cov||_F`` (0.1 means "10% off").
    """
    c, t = _as64(cov, "cov"), _as64(true_cov, "true_cov")
    if c.shape != t.shape or c.dim() != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"cov {tuple(c.shape)} and true_cov {tuple(t.shape)} must both have shape (d, d).")
    err = float((c - t).norm())
    return err / float(t.norm()) if relative else err


def lowest_variance_direction(cov) -> Tuple[float, torch.Tensor]:
    """The direction in which a (d, d) covariance is smallest: ``(variance, unit vector (d,))``.

    That is the smallest eigenvalue and its eigenvector (sign fixed so the first
    non-zero entry is positive). For the course's Gaussian it is about 0.095 along
    (0.905, -0.425): a standard deviation of 0.31, against 2.27 along the long axis.
    """
    c = _as64(cov, "cov")
    if c.dim() != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"cov must be a square (d, d) matrix, got {tuple(c.shape)}.")
    c = (c + c.T) / 2
    values, vectors = torch.linalg.eigh(c)
    u = vectors[:, 0]
    nonzero = u[u.abs() > 1e-12]
    if nonzero.numel() and nonzero[0] < 0:
        u = -u
    return float(values[0]), u


def variance_along(cov, direction) -> float:
    """Variance of a Gaussian with covariance ``cov`` (d, d) along ``direction`` (d,): ``u^T C u / u^T u``."""
    c, u = _as64(cov, "cov"), _as64(direction, "direction")
    if u.dim() != 1 or tuple(c.shape) != (u.shape[0], u.shape[0]):
        raise ValueError(f"direction must be (d,) and cov (d, d), got {tuple(u.shape)} and {tuple(c.shape)}.")
    norm2 = float(u @ u)
    if norm2 == 0:
        raise ValueError("direction is the zero vector: pass a non-zero direction.")
    return float(u @ c @ u) / norm2


def lowest_variance_report(cov, true_cov) -> Dict[str, float]:
    """How well ``cov`` captures the true covariance's thinnest direction.

    Returns a dict: ``true_variance`` (smallest eigenvalue of ``true_cov``),
    ``variance`` (``cov``'s variance along that same direction), ``relative_error``
    (``|variance - true_variance| / true_variance``), ``angle_deg`` (angle between the
    two matrices' thinnest directions, 0 to 90 degrees), and the true ``largest_variance``
    for scale.
    """
    c, t = _as64(cov, "cov"), _as64(true_cov, "true_cov")
    if c.shape != t.shape:
        raise ValueError(f"cov {tuple(c.shape)} and true_cov {tuple(t.shape)} must have the same shape (d, d).")
    true_var, u = lowest_variance_direction(t)
    _, v = lowest_variance_direction(c)
    var = variance_along(c, u)
    cos = min(1.0, abs(float(u @ v)))
    return {
        "true_variance": true_var,
        "variance": var,
        "relative_error": abs(var - true_var) / true_var if true_var > 0 else math.inf,
        "angle_deg": math.degrees(math.acos(cos)),
        "largest_variance": float(torch.linalg.eigvalsh((t + t.T) / 2)[-1]),
    }


def moment_errors(mean, cov, true_mean, true_cov) -> Dict[str, float]:
    """All the numbers of notebook 06's table for one estimate (mean (d,), cov (d, d)).

    Keys: ``mean_error``, ``cov_error`` (Frobenius), ``cov_rel_error``, and the
    thinnest direction's ``minor_variance``, ``minor_rel_error`` and ``minor_angle_deg``.
    """
    m, c = _as64(mean, "mean"), _as64(cov, "cov")
    tm, tc = _as64(true_mean, "true_mean"), _as64(true_cov, "true_cov")
    _check_mean_cov(m, c, "estimated")
    _check_mean_cov(tm, tc, "true")
    minor = lowest_variance_report(c, tc)
    return {
        "mean_error": mean_error(m, tm),
        "cov_error": covariance_error(c, tc),
        "cov_rel_error": covariance_error(c, tc, relative=True),
        "minor_variance": minor["variance"],
        "minor_rel_error": minor["relative_error"],
        "minor_angle_deg": minor["angle_deg"],
    }


def discriminator_accuracy(real_out, fake_out, *, real_class: int = 1, from_logits: bool = True) -> float:
    """Binary accuracy of a discriminator on one batch of real and one of fake points.

    ``real_out`` (B1, ...) and ``fake_out`` (B2, ...) are D's outputs:
    - two columns (B, 2): class scores, the prediction is the argmax and ``real_class``
      (default 1) means "real", as in notebook 06's two-class discriminator;
    - one score (B, 1) or (B,): a logit (``from_logits=True``, real when > 0) or a
      probability (``from_logits=False``, real when > 0.5).
    Returns the fraction of the B1 + B2 points classified correctly (0.5 = chance).
    """
    real, fake = _as64(real_out, "real_out"), _as64(fake_out, "fake_out")

    def says_real(out: torch.Tensor, name: str) -> torch.Tensor:
        if out.dim() == 2 and out.shape[1] == 2:
            if real_class not in (0, 1):
                raise ValueError(f"real_class must be 0 or 1 for two-column outputs, got {real_class!r}.")
            return out.argmax(dim=1) == real_class
        if out.dim() == 1 or (out.dim() == 2 and out.shape[1] == 1):
            return out.reshape(-1) > (0.0 if from_logits else 0.5)
        raise ValueError(
            f"{name} must have shape (B, 2) (two class scores) or (B, 1) / (B,) (one score), "
            f"got {tuple(out.shape)}."
        )

    r, f = says_real(real, "real_out"), says_real(fake, "fake_out")
    total = r.numel() + f.numel()
    if total == 0:
        raise ValueError("real_out and fake_out are both empty: pass at least one output.")
    return float((r.sum() + (~f).sum()).item()) / total


def discriminator_score_spread(disc: torch.nn.Module, x, *, real_class: int = 1) -> float:
    """How much D's verdict varies over the points ``x`` (n, d): the standard deviation of its logit.

    The logit is ``s_real - s_fake`` for a two-column D (B, 2), or the single score for a
    (B, 1) D. A spread near 0 (say below 0.01) means D says practically the same thing about
    every point: its tanh units are saturated, it passes no gradient to G, and its accuracy
    sits near 0.5 whatever G does. Evaluated without gradients; returns a float.
    """
    x = torch.as_tensor(x)
    if x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be points of shape (n, d) with n >= 2, got {tuple(x.shape)}.")
    try:
        param = next(disc.parameters())
        x = x.to(device=param.device, dtype=param.dtype)
    except StopIteration:
        pass
    with torch.no_grad():
        out = disc(x)
    if out.dim() == 2 and out.shape[1] == 2:
        if real_class not in (0, 1):
            raise ValueError(f"real_class must be 0 or 1, got {real_class!r}.")
        logit = out[:, real_class] - out[:, 1 - real_class]
    elif out.dim() == 1 or (out.dim() == 2 and out.shape[1] == 1):
        logit = out.reshape(-1)
    else:
        raise ValueError(f"D's output must be (B, 2) or (B, 1), got {tuple(out.shape)}.")
    return float(logit.double().std())


__all__ = [
    "sample_moments",
    "mean_error",
    "covariance_error",
    "lowest_variance_direction",
    "variance_along",
    "lowest_variance_report",
    "moment_errors",
    "discriminator_accuracy",
    "discriminator_score_spread",
]

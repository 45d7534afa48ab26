"""Mode coverage on a Gaussian mixture: how many modes a generator reaches, and how cleanly.

The usual two numbers for the ring and grid experiments:

- a sample is **high quality** when it lies within ``threshold`` standard
  deviations (default 3) of its nearest mode centre;
- a mode is **covered** when it is the nearest centre of at least ``min_count``
  high-quality samples (default 1), and **well covered** (``ModeStats.well_covered``)
  when those are at least a given share of all samples (default 2%).

A collapsed generator scores few modes (often with a high quality fraction:
it sits right on the one mode it found); a blurry one scores many modes but a
low quality fraction. You need both numbers. Non-finite samples (a diverged
generator) count as low quality rather than raising.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch


def _as_points(name: str, value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        t = value.detach().to("cpu", torch.float64)
    else:
        try:
            t = torch.as_tensor(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array or tensor of shape (N, D), got {type(value).__name__}.") from None
    if t.dim() != 2 or t.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (N, D) with N >= 1, got {tuple(t.shape)}: "
            "pass one point per row (for example generator(z) with z of shape (N, latent_dim))."
        )
    return t


@dataclass(frozen=True)
class ModeStats:
    """Result of :func:`mode_stats`.

    Attributes:
        modes_covered: number of covered modes.
        n_modes: number of modes in the mixture.
        high_quality_fraction: fraction of samples within ``threshold`` std of their nearest mode.
        counts: int array (n_modes,): high-quality samples per mode.
        covered: bool array (n_modes,): which modes are covered.
    """

    modes_covered: int
    n_modes: int
    high_quality_fraction: float
    counts: np.ndarray
    covered: np.ndarray
    n_samples: int = 0

    def __str__(self) -> str:
        return f"{self.modes_covered}/{self.n_modes} modes, {100 * self.high_quality_fraction:.1f}% high quality"

    def well_covered(self, min_share: float = 0.02) -> int:
        """Modes that hold at least ``min_share`` of all samples as high-quality samples.

        A mode "covered" by one stray sample is not a mode the generator makes: with the
        default 2%, a mode needs 50 of 2,500 samples (a perfect generator puts 1/8 = 12.5% on
        each mode of the ring). Smeared samples cover many modes but few of them well.
        """
        if not 0 < min_share <= 1:
            raise ValueError(f"min_share must be in (0, 1], got {min_share}.")
        return int((self.counts >= min_share * self.n_samples).sum()) if self.n_samples else 0


def mode_stats(samples, centers=None, std: Optional[float] = None, *, mixture=None,
               threshold: float = 3.0, min_count: int = 1) -> ModeStats:
    """Modes covered and high-quality fraction of ``samples`` (N, D) against ``centers`` (K, D).

    Give either ``centers`` and ``std`` or ``mixture=`` (an ``aml_gan.data.Mixture``).
    """
    if mixture is not None:
        if centers is not None or std is not None:
            raise ValueError("give either mixture= or centers and std, not both.")
        centers, std = mixture.centers, mixture.std
    if centers is None or std is None:
        raise ValueError("mode_stats needs the mode centres and their std: pass centers and std, or mixture=ring.")
    x = _as_points("samples", samples)
    c = _as_points("centers", centers)
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"samples have {x.shape[1]} coordinates but centers have {c.shape[1]}: they must match.")
    std = float(std)
    if not (std > 0 and math.isfinite(std)):
        raise ValueError(f"std must be positive and finite, got {std}.")
    if not (threshold > 0):
        raise ValueError(f"threshold must be positive (in standard deviations), got {threshold}.")
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        raise ValueError(f"min_count must be a whole number >= 1, got {min_count}.")

    finite = torch.isfinite(x).all(dim=1)
    safe = torch.where(finite[:, None], x, torch.zeros_like(x))
    dist = torch.cdist(safe, c)
    nearest_dist, nearest = dist.min(dim=1)
    good = finite & (nearest_dist <= threshold * std)
    counts = torch.bincount(nearest[good], minlength=c.shape[0]).numpy()
    covered = counts >= int(min_count)
    return ModeStats(
        modes_covered=int(covered.sum()),
        n_modes=int(c.shape[0]),
        high_quality_fraction=float(good.double().mean()),
        counts=counts,
        covered=covered,
        n_samples=int(x.shape[0]),
    )


def modes_covered(samples, centers=None, std: Optional[float] = None, **kwargs) -> int:
    """Number of modes that are the nearest centre of at least one high-quality sample."""
    return mode_stats(samples, centers, std, **kwargs).modes_covered


def high_quality_fraction(samples, centers=None, std: Optional[float] = None, **kwargs) -> float:
    """Fraction of samples within ``threshold`` (default 3) std of their nearest mode centre."""
    return mode_stats(samples, centers, std, **kwargs).high_quality_fraction


__all__ = ["ModeStats", "mode_stats", "modes_covered", "high_quality_fraction"]

"""2-D Gaussian mixtures for mode-collapse experiments: a ring of 8 and a 5x5 grid.

Every mode has the same weight and the same isotropic standard deviation ``std``.
Samples are generated on the fly from a seeded ``torch.Generator``, so the same
seed always gives the same points and nothing is stored on disk.

    ring = ring_mixture()            # 8 modes on a circle of radius 2, std 0.02
    x = ring.sample(512, seed=0)     # float32 tensor (512, 2)
    ring.centers                     # float32 tensor (8, 2)
    for batch in ring.stream(256, seed=0): ...   # endless fresh batches (256, 2)
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Iterator, Optional

import torch
from torch.utils.data import TensorDataset


def _positive(name: str, value, *, integer: bool = False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        want = "a whole number such as 8" if integer else "a number such as 0.02"
        raise TypeError(f"{name} must be {want}, got {type(value).__name__}.")
    if not (value > 0) or (not integer and not math.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value}.")
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians.

    Attributes:
        name: "ring" or "grid" (free text).
        centers: float32 tensor (K, 2), the mode centres.
        std: the standard deviation of every mode (same in both coordinates).
    """

    name: str
    centers: torch.Tensor
    std: float

    @property
    def n_modes(self) -> int:
        return int(self.centers.shape[0])

    def sample(self, n: int, *, seed: Optional[int] = None, generator: Optional[torch.Generator] = None,
               device=None) -> torch.Tensor:
        """Draw ``n`` points: float32 tensor (n, 2). Give ``seed`` or a ``generator`` for repeatable draws."""
        n = _positive("n", n, integer=True)
        if seed is not None and generator is not None:
            raise ValueError("give either seed or generator, not both.")
        if generator is None:
            generator = torch.Generator()
            if seed is None:
                generator.seed()
            else:
                generator.manual_seed(int(seed))
        which = torch.randint(0, self.n_modes, (n,), generator=generator)
        points = self.centers[which] + self.std * torch.randn(n, 2, generator=generator)
        return points if device is None else points.to(device)

    def stream(self, batch_size: int, *, seed: int = 0, steps: Optional[int] = None) -> Iterator[torch.Tensor]:
        """Fresh batches (batch_size, 2) from one seeded generator: endless, or ``steps`` of them.

        Pass it straight to ``fit(..., data=ring.stream(256), steps=N)``.
        """
        batch_size = _positive("batch_size", batch_size, integer=True)
        if steps is not None:
            steps = _positive("steps", steps, integer=True)
        generator = torch.Generator().manual_seed(int(seed))
        count = 0
        while steps is None or count < steps:
            yield self.sample(batch_size, generator=generator)
            count += 1

    def dataset(self, n: int, *, seed: int = 0) -> TensorDataset:
        """A fixed one-argument ``TensorDataset`` of ``n`` points, for a ``DataLoader``."""
        return TensorDataset(self.sample(n, seed=seed))

    def __repr__(self) -> str:
        return f"Mixture(name={self.name!r}, n_modes={self.n_modes}, std={self.std})"


def ring_mixture(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> Mixture:
    """``n_modes`` Gaussians evenly spaced on a circle (the first at angle 0). Default: 8, radius 2, std 0.02."""
    n_modes = _positive("n_modes", n_modes, integer=True)
    radius = _positive("radius", radius)
    std = _positive("std", std)
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return Mixture("ring", centers.float(), std)


def grid_mixture(side: int = 5, spacing: float = 2.0, std: float = 0.02) -> Mixture:
    """``side * side`` Gaussians on a square grid centred at 0. Default 5x5, spacing 2 (so -4..4), std 0.02."""
    side = _positive("side", side, integer=True)
    spacing = _positive("spacing", spacing)
    std = _positive("std", std)
    ticks = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(ticks, ticks, indexing="xy")
    centers = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    return Mixture("grid", centers.float(), std)


__all__ = ["Mixture", "ring_mixture", "grid_mixture"]

"""The 2-D Gaussian of notebook 06: ``X = Z A + b`` with ``Z ~ N(0, I)``.

Points are row vectors, as in the original MXNet chapter, so a point is
``x = z A + b`` with ``z`` of shape (2,). Then ``E[x] = b`` and
``Cov[x] = A^T Cov[z] A = A^T A``:

    A = [[1, 2], [-0.1, 0.5]],   b = [1, 2],   A^T A = [[1.01, 1.95], [1.95, 4.25]].
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch

#: The mixing matrix A of the original chapter (rows multiply the noise from the right).
GAUSSIAN_A = ((1.0, 2.0), (-0.1, 0.5))
#: The shift b of the original chapter: the true mean.
GAUSSIAN_B = (1.0, 2.0)


def gaussian_params(dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
    """The original's ``A`` (2, 2) and ``b`` (2,) as fresh tensors."""
    return torch.tensor(GAUSSIAN_A, dtype=dtype), torch.tensor(GAUSSIAN_B, dtype=dtype)


def true_mean(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The true mean of the data, ``b``: shape (2,)."""
    return gaussian_params(dtype)[1]


def true_covariance(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The true covariance of the data, ``A^T A``: shape (2, 2), [[1.01, 1.95], [1.95, 4.25]]."""
    A, _ = gaussian_params(dtype)
    return A.T @ A


def gaussian_data(
    n: int = 1000,
    *,
    seed: Optional[int] = None,
    generator: Optional[torch.Generator] = None,
    A: Optional[torch.Tensor] = None,
    b: Optional[torch.Tensor] = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Draw ``n`` points ``x = z A + b``, ``z ~ N(0, I)``: returns shape (n, d).

    ``A`` (k, d) and ``b`` (d,) default to the original chapter's values (k = d = 2).
    Randomness: ``seed`` (a fresh generator), or ``generator``, or else torch's global
    generator (seed it with ``seed_everything``). Labels are not needed: every point is real.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive whole number of points, got {n!r}: try n=1000.")
    if seed is not None and generator is not None:
        raise ValueError("Pass either seed or generator, not both: seed=... builds its own generator.")
    A0, b0 = gaussian_params(dtype)
    A = A0 if A is None else torch.as_tensor(A, dtype=dtype)
    b = b0 if b is None else torch.as_tensor(b, dtype=dtype)
    if A.dim() != 2 or b.dim() != 1 or A.shape[1] != b.shape[0]:
        raise ValueError(
            f"A must be (k, d) and b must be (d,), got A {tuple(A.shape)} and b {tuple(b.shape)}: "
            "the points are z A + b, so b needs one entry per column of A."
        )
    if seed is not None:
        generator = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, A.shape[0], generator=generator, dtype=dtype)
    return z @ A + b


__all__ = ["GAUSSIAN_A", "GAUSSIAN_B", "gaussian_params", "true_mean", "true_covariance", "gaussian_data"]

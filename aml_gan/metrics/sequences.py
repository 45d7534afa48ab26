"""Metrics for the sequence GAN of notebook 04: validity and coverage.

Both take **un-scaled** sequences, shape ``(n, 5)`` (tensor or NumPy array), and
return a float in ``[0, 1]``. They answer two different questions, and a GAN
needs both:

- ``sequence_validity``: does each sample obey the rule ``[a, b, c, c+1, c+2]``?
- ``sequence_coverage``: do the samples spread over the whole range of ``a``,
  ``b`` and ``c`` the way the real data do? A collapsed generator that always
  writes ``[1, 2, 3, 4, 5]`` is 100 % valid and covers one bin in twenty.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch

from ..data.sequences import SEQUENCE_HIGH, SEQUENCE_LOW, SequenceScaler, _as_float_matrix

DEFAULT_TOL = 0.5
DEFAULT_BINS = 20
DEFAULT_MIN_SHARE = 0.5


def valid_mask(x, tol: float = DEFAULT_TOL) -> torch.Tensor:
    """Boolean ``(n,)``: row ``i`` is valid when ``x[i,3] - x[i,2]`` and ``x[i,4] - x[i,3]`` are both within ``tol`` of 1."""
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (tol > 0) or tol != tol:
        raise ValueError(f"tol must be a positive number (in the data's units), got {tol!r}: e.g. tol=0.5.")
    t = _as_float_matrix(x)
    steps = t[:, 3:] - t[:, 2:4]  # (n, 2): (c+1) - c and (c+2) - (c+1)
    return ((steps - 1.0).abs() <= tol).all(dim=1)


def sequence_validity(x, tol: float = DEFAULT_TOL) -> float:
    """Fraction of sequences whose last three numbers count up by one, within ``tol``.

    ``x``: un-scaled sequences ``(n, 5)``. A row ``[a, b, c, d, e]`` is valid when
    ``|d - c - 1| <= tol`` and ``|e - d - 1| <= tol``; ``a`` and ``b`` are free.
    The default ``tol = 0.5`` asks that each step *rounds* to 1: closer to 1
    than to 0 (a repeat) or to 2 (a skip), so the sequence visibly counts up by
    one. Random numbers in the data's range pass about 1 time in 100; pass a
    smaller ``tol`` for a stricter reading. Returns a float in ``[0, 1]``.
    """
    return float(valid_mask(x, tol).float().mean())


def _covered_bins(col: torch.Tensor, low: float, high: float, bins: int, min_share: float) -> int:
    counts = torch.histc(col.double(), bins=bins, min=low, max=high)
    # histc drops values outside [low, high]: those samples miss every bin, as they should.
    fair = col.numel() / bins
    return int((counts >= min_share * fair).sum())


def sequence_coverage(
    x,
    bins: int = DEFAULT_BINS,
    min_share: float = DEFAULT_MIN_SHARE,
    low: float = SEQUENCE_LOW,
    high: float = SEQUENCE_HIGH,
    columns: Sequence[int] = (0, 1, 2),
) -> float:
    """How much of the real range of ``a``, ``b`` and ``c`` the samples fill, in ``[0, 1]``.

    ``x``: un-scaled sequences ``(n, 5)``. For each of the columns ``a, b, c``
    the range ``[low, high]`` (the real data's, ``[0, 10]``) is cut into ``bins``
    equal bins; a bin counts as *covered* when it holds at least ``min_share``
    of its fair share ``n / bins`` of the samples. Coverage is the fraction of
    covered bins, averaged over the three columns.

    Real data score 1.0 (use a few hundred samples or more: with ``n = 1000`` a bin
    expects 50 samples and needs 25). A generator that always outputs one
    sequence covers one bin per column: ``1 / bins = 0.05``. One that fills
    only half of each range scores about 0.5. Samples outside ``[low, high]``
    cover nothing.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive whole number, got {bins!r}: e.g. bins=20.")
    if not isinstance(min_share, (int, float)) or not (0 < min_share <= 1):
        raise ValueError(f"min_share must be in (0, 1], got {min_share!r}: e.g. 0.5 (half the fair share).")
    if not (float(high) > float(low)):
        raise ValueError(f"high ({high}) must be larger than low ({low}).")
    t = _as_float_matrix(x)
    cols = list(columns)
    if not cols or any((not isinstance(c, int)) or c < 0 or c >= t.shape[1] for c in cols):
        raise ValueError(f"columns must be indices of x's columns (0 to {t.shape[1] - 1}), got {columns!r}.")
    covered = sum(_covered_bins(t[:, c], float(low), float(high), bins, float(min_share)) for c in cols)
    return covered / (bins * len(cols))


def sample_sequences(
    gen: torch.nn.Module,
    n: int,
    latent_dim: int,
    scaler: Optional[SequenceScaler] = None,
    noise: Optional[torch.Tensor] = None,
    noise_fn: Optional[Callable[[int, int], torch.Tensor]] = None,
) -> torch.Tensor:
    """Draw ``n`` sequences from a generator and un-scale them: returns ``(n, 5)`` on the CPU.

    Noise is ``torch.randn(n, latent_dim)`` (the course's convention) unless you
    pass ``noise`` (a ``(n, latent_dim)`` tensor, e.g. fixed noise) or ``noise_fn(n, latent_dim)``.
    The generator runs in eval mode under ``torch.no_grad`` and is put back in its previous mode.
    """
    if noise is None:
        noise = noise_fn(n, latent_dim) if noise_fn is not None else torch.randn(n, latent_dim)
    if noise.dim() != 2 or noise.shape[1] != latent_dim:
        raise ValueError(f"noise must have shape (n, {latent_dim}), got {tuple(noise.shape)}.")
    try:
        device = next(gen.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    was_training = gen.training
    gen.eval()
    try:
        with torch.no_grad():
            out = gen(noise.to(device))
    finally:
        gen.train(was_training)
    scaler = scaler or SequenceScaler()
    return scaler.inverse_transform(out.detach().float().cpu())


__all__ = [
    "DEFAULT_TOL",
    "valid_mask",
    "sequence_validity",
    "sequence_coverage",
    "sample_sequences",
]

"""The real data of notebook 04: sequences ``[a, b, c, c+1, c+2]``.

The distribution
----------------
``a``, ``b`` and ``c`` are drawn independently and uniformly from the real
interval ``[0, 10)`` (``SEQUENCE_LOW``, ``SEQUENCE_HIGH``); the last two numbers
follow from ``c``. So every real sample is five floats, for example
``[3.17, 8.02, 5.55, 6.55, 7.55]``. Reals rather than integers keep the data a
continuous distribution (what a generator with a continuous output can match
exactly), and three free numbers give a collapsed generator plenty of room to
miss: ``a`` and ``b`` are pure "style" (anything goes), ``c`` carries the rule.

The scaler
----------
A generator ends in ``tanh``, whose outputs lie in ``(-1, 1)``: it can never
write ``12``. ``SequenceScaler`` maps every column from its known real range to
``[-1, 1]`` (column-wise min-max, with the bounds of the distribution rather than
of a sample, so it is the same for every seed) and back. After scaling, the last
three columns of a valid sequence are *equal*, because ``c``, ``c+1`` and ``c+2``
have ranges of the same width shifted by one.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
import torch

SEQUENCE_LENGTH = 5
SEQUENCE_LOW = 0.0
SEQUENCE_HIGH = 10.0

ArrayLike = Union[np.ndarray, torch.Tensor]


def make_sequences(n: int, seed: Optional[int] = None) -> torch.Tensor:
    """``n`` real sequences ``[a, b, c, c+1, c+2]``, un-scaled, shape ``(n, 5)``, float32.

    ``a``, ``b``, ``c`` ~ Uniform[0, 10), independent. The same ``seed`` gives the
    same sequences; ``seed=None`` draws from torch's global generator (so
    ``seed_everything`` makes it reproducible too).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be a whole number of sequences, got {type(n).__name__}: pass e.g. n=2048.")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}: ask for a positive number of sequences.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}.")
    gen = None if seed is None else torch.Generator().manual_seed(int(seed))
    abc = SEQUENCE_LOW + (SEQUENCE_HIGH - SEQUENCE_LOW) * torch.rand(int(n), 3, generator=gen)
    c = abc[:, 2:3]
    return torch.cat([abc, c + 1.0, c + 2.0], dim=1)


def _as_float_matrix(x: ArrayLike, name: str = "x", width: int = SEQUENCE_LENGTH) -> torch.Tensor:
    """Validate an ``(n, width)`` batch of sequences; return it as a float tensor (no copy of grads)."""
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"{name} must hold numbers, got a NumPy array of {x.dtype}.")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        raise TypeError(
            f"{name} must be a torch tensor or a NumPy array of shape (n, {width}), got {type(x).__name__}. "
            "Convert it first, e.g. torch.as_tensor(x)."
        )
    if t.dim() != 2 or t.shape[1] != width:
        raise ValueError(
            f"{name} must have shape (n, {width}): one row per sequence of {width} numbers; got {tuple(t.shape)}. "
            f"If this is one sequence, add a batch dimension with x.reshape(1, {width})."
        )
    if t.shape[0] == 0:
        raise ValueError(f"{name} holds no sequences (shape {tuple(t.shape)}): pass at least one row.")
    if t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, got dtype {t.dtype}.")
    t = t.float() if not t.is_floating_point() else t
    if not torch.isfinite(t).all():
        bad = int((~torch.isfinite(t)).any(dim=1).sum())
        raise ValueError(
            f"{name} contains NaN or infinite values ({bad} of {t.shape[0]} rows). "
            "A generator that outputs NaN has diverged: check the losses for log(0) and lower the learning rate."
        )
    return t


class SequenceScaler:
    """Map sequences from their real ranges to ``[-1, 1]`` (``transform``) and back (``inverse_transform``).

    Column ``j`` is mapped affinely from ``[low[j], high[j]]`` to ``[-1, 1]``. The
    defaults are the bounds of ``make_sequences``: ``a, b, c`` in ``[0, 10]``,
    ``c+1`` in ``[1, 11]``, ``c+2`` in ``[2, 12]``. Works on tensors (keeps the
    device, dtype and autograd graph) and on NumPy arrays; shapes ``(n, 5)``.
    """

    def __init__(self, low=None, high=None):
        if low is None:
            low = [SEQUENCE_LOW, SEQUENCE_LOW, SEQUENCE_LOW, SEQUENCE_LOW + 1, SEQUENCE_LOW + 2]
        if high is None:
            high = [SEQUENCE_HIGH, SEQUENCE_HIGH, SEQUENCE_HIGH, SEQUENCE_HIGH + 1, SEQUENCE_HIGH + 2]
        low_t = torch.as_tensor(low, dtype=torch.float64).reshape(-1)
        high_t = torch.as_tensor(high, dtype=torch.float64).reshape(-1)
        if low_t.shape != high_t.shape:
            raise ValueError(f"low {tuple(low_t.shape)} and high {tuple(high_t.shape)} must have one value per column.")
        if not (torch.isfinite(low_t).all() and torch.isfinite(high_t).all()):
            raise ValueError("low and high must be finite numbers.")
        if not bool((high_t > low_t).all()):
            raise ValueError("every high must be larger than its low: each column needs a range of positive width.")
        self.low = low_t
        self.high = high_t

    @property
    def width(self) -> int:
        return int(self.low.numel())

    def _params(self, like: torch.Tensor):
        low = self.low.to(device=like.device, dtype=like.dtype)
        span = (self.high - self.low).to(device=like.device, dtype=like.dtype)
        return low, span

    def _check(self, x, name):
        was_numpy = isinstance(x, np.ndarray)
        if was_numpy:
            x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
        elif not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor or a NumPy array, got {type(x).__name__}.")
        if x.dim() != 2 or x.shape[1] != self.width:
            raise ValueError(
                f"{name} must have shape (n, {self.width}), got {tuple(x.shape)}. "
                f"Reshape one sequence with {name}.reshape(1, {self.width})."
            )
        return (x if x.is_floating_point() else x.float()), was_numpy

    def transform(self, x: ArrayLike) -> ArrayLike:
        """Real units -> network range ``[-1, 1]``. ``(n, 5) -> (n, 5)``."""
        t, was_numpy = self._check(x, "x")
        low, span = self._params(t)
        out = 2.0 * (t - low) / span - 1.0
        return out.numpy() if was_numpy else out

    def inverse_transform(self, y: ArrayLike) -> ArrayLike:
        """Network range ``[-1, 1]`` -> real units. ``(n, 5) -> (n, 5)``."""
        t, was_numpy = self._check(y, "y")
        low, span = self._params(t)
        out = (t + 1.0) / 2.0 * span + low
        return out.numpy() if was_numpy else out

    def __repr__(self) -> str:
        pairs = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in zip(self.low.tolist(), self.high.tolist()))
        return f"SequenceScaler({pairs} -> [-1, 1])"


def make_sequence_dataset(n: int, seed: Optional[int] = None, scaler: Optional[SequenceScaler] = None):
    """A one-argument ``TensorDataset`` of ``n`` scaled real sequences (each item is a 1-tuple ``(x,)``, x: (5,))."""
    from torch.utils.data import TensorDataset

    scaler = scaler or SequenceScaler()
    return TensorDataset(scaler.transform(make_sequences(n, seed=seed)))


__all__ = [
    "SEQUENCE_LENGTH",
    "SEQUENCE_LOW",
    "SEQUENCE_HIGH",
    "make_sequences",
    "SequenceScaler",
    "make_sequence_dataset",
]

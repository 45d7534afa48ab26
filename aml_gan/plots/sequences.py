"""Figures and tables for the sequence GAN of notebook 04.

All functions take **un-scaled** sequences ``(n, 5)`` (tensors or arrays) and
return the matplotlib axis (or the text, for the table).
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..data.sequences import SEQUENCE_HIGH, SEQUENCE_LOW, _as_float_matrix
from ..metrics.sequences import DEFAULT_TOL, valid_mask

COLUMN_NAMES = ("a", "b", "c", "c+1", "c+2")


def _numpy(x) -> np.ndarray:
    return _as_float_matrix(x).cpu().numpy()


def sequence_table(real, fake, n: int = 8, tol: float = DEFAULT_TOL, decimals: int = 2) -> str:
    """A text table: ``n`` real sequences next to ``n`` generated ones, each generated row marked valid or not."""
    r, f = _numpy(real), _numpy(fake)
    ok = valid_mask(fake, tol).cpu().numpy()
    n = int(min(n, len(r), len(f)))
    width = 5 * (decimals + 5) + 6
    fmt = lambda row: "[" + ", ".join(f"{v:{decimals + 4}.{decimals}f}" for v in row) + "]"  # noqa: E731
    lines = [f"{'real':<{width}}  {'generated':<{width}}  valid?"]
    lines.append("-" * (2 * width + 10))
    for i in range(n):
        lines.append(f"{fmt(r[i]):<{width}}  {fmt(f[i]):<{width}}  {'yes' if ok[i] else 'NO'}")
    return "\n".join(lines)


def plot_column_histogram(
    real,
    fake,
    column: int = 2,
    bins: int = 40,
    ax=None,
    title: Optional[str] = None,
    low: float = SEQUENCE_LOW,
    high: float = SEQUENCE_HIGH,
):
    """Histogram of one column (default ``c``) for real and generated sequences, as densities."""
    r, f = _numpy(real), _numpy(fake)
    if not 0 <= column < r.shape[1]:
        raise ValueError(f"column must be between 0 and {r.shape[1] - 1}, got {column}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    pad = 0.1 * (high - low)
    edges = np.linspace(low - pad, high + pad, bins + 1)
    name = COLUMN_NAMES[column] if column < len(COLUMN_NAMES) else f"column {column}"
    ax.hist(r[:, column], bins=edges, density=True, alpha=0.5, color="C0", label="real")
    ax.hist(f[:, column], bins=edges, density=True, histtype="step", lw=2, color="C3", label="generated")
    ax.set_xlabel(name)
    ax.set_ylabel("density")
    ax.set_title(title or f"{name}: real vs generated")
    ax.legend(loc="upper right")
    return ax


def plot_step_histogram(fake, tol: float = DEFAULT_TOL, ax=None, title: Optional[str] = None, bins: int = 60):
    """Histogram of the two steps ``(c+1) - c`` and ``(c+2) - (c+1)`` of generated sequences; the valid band is shaded."""
    f = _numpy(fake)
    steps = np.concatenate([f[:, 3] - f[:, 2], f[:, 4] - f[:, 3]])
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    lo, hi = min(steps.min(), 1 - 3 * tol), max(steps.max(), 1 + 3 * tol)
    ax.axvspan(1 - tol, 1 + tol, color="C2", alpha=0.15, label=f"valid: within {tol:g} of 1")
    ax.hist(steps, bins=np.linspace(lo, hi, bins + 1), color="C3", alpha=0.8)
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xlabel("step between consecutive numbers (should be 1)")
    ax.set_ylabel("count")
    ax.set_title(title or "steps of generated sequences")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_sequence_metrics(
    history,
    keys: Optional[Sequence[str]] = None,
    ax=None,
    title: str = "validity and coverage during training",
    targets: Optional[Dict[str, float]] = None,
):
    """Validity and coverage over training, from a ``History``'s records.

    ``keys``: record names to draw (default: every record whose name starts with
    "validity" or "coverage"). Validity curves are solid, coverage dashed.
    ``targets``: horizontal reference lines, e.g. ``{"validity target": 0.9}``.
    """
    records = getattr(history, "records", None)
    if records is None:
        raise TypeError("plot_sequence_metrics needs a History from aml_gan.training.fit (it reads history.records).")
    if keys is None:
        keys = [k for k in records if k.startswith(("validity", "coverage"))]
    if not keys:
        raise ValueError(
            "The history holds no validity/coverage records: log them during training with "
            "ctx.history.log('validity', ...) in a callback."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for i, key in enumerate(keys):
        steps, values = history.series(key)
        style = "-" if key.startswith("validity") else "--"
        ax.plot(steps, values, style, color=f"C{i // 2 if len(keys) > 2 else i}", label=key, marker=".", ms=3)
    ax.set_ylim(-0.02, 1.02)
    for label, y in (targets or {}).items():
        ax.axhline(y, color="grey", lw=0.8, ls=":")
        ax.text(ax.get_xlim()[1], y - 0.01, f"{label} {y:g} ", ha="right", va="top", fontsize="small", color="grey")
    ax.set_xlabel("step")
    ax.set_ylabel("fraction")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


__all__ = [
    "sequence_table",
    "plot_column_histogram",
    "plot_step_histogram",
    "plot_sequence_metrics",
]

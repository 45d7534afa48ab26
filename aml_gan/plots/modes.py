"""Figures for mode collapse (notebook 07): generated points over a Gaussian mixture's modes."""
from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Circle

from ..metrics.modes import mode_stats


def _points(name: str, pts) -> np.ndarray:
    if isinstance(pts, torch.Tensor):
        pts = pts.detach().cpu().numpy()
    pts = np.asarray(pts, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2), got {pts.shape}.")
    return pts


def _limits(mixture, margin: float = 1.0) -> Tuple[float, float]:
    c = mixture.centers.numpy()
    lo, hi = float(c.min()) - margin, float(c.max()) + margin
    return lo, hi


def plot_modes(samples, mixture, ax=None, title: Optional[str] = None, threshold: float = 3.0,
               show_stats: bool = True, max_points: int = 2000, s: float = 4.0):
    """Generated points (N, 2) over the modes of ``mixture``.

    Each mode is a circle of radius ``threshold * std`` (the high-quality zone), green
    when covered and grey when missed; high-quality samples are drawn dark, the rest light.
    Points far outside the picture are clipped to its border. Returns the axis.
    """
    pts = _points("samples", samples)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    stats = mode_stats(pts, mixture=mixture, threshold=threshold)
    lo, hi = _limits(mixture)
    shown = pts[:max_points]
    shown = np.where(np.isfinite(shown), shown, hi)
    dist = np.sqrt(((shown[:, None, :] - mixture.centers.numpy()[None]) ** 2).sum(-1)).min(1)
    good = dist <= threshold * mixture.std
    clipped = np.clip(shown, lo, hi)
    ax.scatter(clipped[~good, 0], clipped[~good, 1], s=s, color="tab:orange", alpha=0.35, lw=0,
               label="generated")
    ax.scatter(clipped[good, 0], clipped[good, 1], s=s, color="tab:red", alpha=0.8, lw=0,
               label=f"within {threshold:g} std")
    zone = max(threshold * mixture.std, 0.04 * (hi - lo))  # keep tiny zones visible
    for centre, covered in zip(mixture.centers.numpy(), stats.covered):
        ax.add_patch(Circle(centre, zone, fill=False, lw=1.5, color="tab:green" if covered else "0.6"))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    text = title or ""
    if show_stats:
        text = (text + "\n" if text else "") + f"{stats.modes_covered}/{stats.n_modes} modes, " \
            f"{100 * stats.high_quality_fraction:.0f}% high quality"
    if text:
        ax.set_title(text, fontsize=9)
    return ax


def plot_modes_over_training(snapshots: Sequence[Tuple[int, object]], mixture, ncols: int = 5,
                             title: Optional[str] = None, threshold: float = 3.0):
    """A row (or rows) of :func:`plot_modes` panels, one per ``(step, samples)`` snapshot. Returns the Figure."""
    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError("no snapshots to draw: record (step, samples) pairs during training first.")
    ncols = max(1, min(ncols, len(snapshots)))
    nrows = int(np.ceil(len(snapshots) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.4 * ncols, 2.6 * nrows), constrained_layout=True,
                             squeeze=False)
    for ax in axes.flat[len(snapshots):]:
        ax.axis("off")
    for ax, (step, samples) in zip(axes.flat, snapshots):
        plot_modes(samples, mixture, ax=ax, title=f"step {step}", threshold=threshold, s=3.0)
    if title:
        fig.suptitle(title)
    return fig


def plot_mode_comparison(samples_by_name: Mapping[str, object], mixture, ncols: Optional[int] = None,
                         threshold: float = 3.0):
    """Side-by-side :func:`plot_modes` panels, one per named set of samples. Returns the Figure."""
    if not samples_by_name:
        raise ValueError("plot_mode_comparison needs at least one named set of samples.")
    n = len(samples_by_name)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.8 * ncols, 3.0 * nrows), constrained_layout=True,
                             squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, (name, samples) in zip(axes.flat, samples_by_name.items()):
        plot_modes(samples, mixture, ax=ax, title=name, threshold=threshold, s=3.0)
    return fig


def plot_metric_curves(records: Mapping[str, Tuple[Sequence[int], Sequence[float]]], n_modes: Optional[int] = None,
                       ax=None, ylabel: str = "modes reached", title: Optional[str] = None):
    """Curves of a metric over training, one per run: ``{name: (steps, values)}``. Returns the axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for name, (steps, values) in records.items():
        ax.plot(steps, values, marker="o", ms=3, label=name)
    if n_modes is not None:
        ax.axhline(n_modes, color="0.6", ls="--", lw=1)
        ax.set_ylim(-0.3, n_modes + 0.5)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


__all__ = ["plot_modes", "plot_modes_over_training", "plot_mode_comparison", "plot_metric_curves"]

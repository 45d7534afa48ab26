"""Figures every notebook uses: loss curves, image grids, real-vs-fake scatter plots."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
import torch


def _axis(ax, figsize=(6, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _smooth(values: Sequence[float], window: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def plot_losses(history, ax=None, smooth: Optional[int] = None, title: str = "Losses (not metrics!)"):
    """Generator and discriminator loss per step from a ``History``.

    ``smooth``: moving-average window (default: about 1/50 of the run). The raw
    curve is drawn faintly behind the smoothed one. Returns the axis.
    """
    ax = _axis(ax)
    n = len(history.gen_loss)
    if n == 0:
        raise ValueError("The history has no steps yet: train first, then plot.")
    window = smooth if smooth is not None else max(1, n // 50)
    for values, label, colour in ((history.gen_loss, "generator", "C0"), (history.disc_loss, "discriminator", "C1")):
        steps = np.arange(1, n + 1)
        ax.plot(steps, values, color=colour, alpha=0.25, lw=0.8)
        sm = _smooth(values, window)
        ax.plot(steps[len(steps) - len(sm):], sm, color=colour, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return ax


def _to_numpy_images(images) -> np.ndarray:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images should be a tensor (N, C, H, W), got {type(images).__name__}.")
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images should have shape (N, C, H, W) with C = 1 or 3, got {tuple(images.shape)}.")
    return images


def show_image_grid(
    images,
    nrow: int = 8,
    value_range: Tuple[float, float] = (-1.0, 1.0),
    title: Optional[str] = None,
    ax=None,
):
    """Show a batch of images (N, C, H, W) as one grid.

    ``value_range`` is the range of the values: (-1, 1) for tanh outputs and
    data scaled for them; (0, 255) for uint8 images. Returns the axis.
    """
    from torchvision.utils import make_grid

    images = _to_numpy_images(images).detach().cpu().float()
    lo, hi = value_range
    images = ((images - lo) / (hi - lo)).clamp(0, 1)
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=1.0)
    ax = _axis(ax, figsize=(min(12, 1.2 * nrow), min(12, 1.2 * max(1, int(np.ceil(len(images) / nrow))))))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def scatter_real_fake(real, fake, ax=None, title: Optional[str] = None, s: float = 6.0):
    """Scatter 2-D real samples (N, 2) and generated ones (M, 2) on one axis."""
    ax = _axis(ax, figsize=(4.5, 4.5))
    for pts, label, colour in ((real, "real", "C0"), (fake, "generated", "C3")):
        pts = pts.detach().cpu().numpy() if isinstance(pts, torch.Tensor) else np.asarray(pts)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"{label} points should have shape (N, 2), got {pts.shape}.")
        ax.scatter(pts[:, 0], pts[:, 1], s=s, alpha=0.5, color=colour, label=label)
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return ax


__all__ = ["plot_losses", "show_image_grid", "scatter_real_fake"]

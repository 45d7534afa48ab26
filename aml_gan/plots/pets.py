"""Figures for notebook 05: pictures, sample grids across training and their animation, D's accuracy, quality.

Pictures are tensors (N, 3, S, S): uint8 (0..255) or floats in [-1, 1] (tanh outputs).
"""
from __future__ import annotations

from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .common import show_image_grid


def _value_range(images: torch.Tensor):
    return (0, 255) if images.dtype == torch.uint8 else (-1.0, 1.0)


def show_pets(images: torch.Tensor, n: int = 32, nrow: int = 8, title: Optional[str] = None, ax=None):
    """Show the first ``n`` pictures in a grid; uint8 or [-1, 1] floats. Returns the axis."""
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise TypeError("show_pets expects a tensor of pictures (N, 3, S, S), e.g. pets.images.")
    images = images[:n]
    return show_image_grid(images, nrow=nrow, value_range=_value_range(images), title=title, ax=ax)


def _grid_array(images: torch.Tensor, nrow: int) -> np.ndarray:
    from torchvision.utils import make_grid

    lo, hi = _value_range(images)
    x = ((images.detach().cpu().float() - lo) / (hi - lo)).clamp(0, 1)
    return make_grid(x, nrow=nrow, padding=1, pad_value=1.0).permute(1, 2, 0).numpy()


def plot_grids_over_time(grids: Sequence[torch.Tensor], labels: Sequence[str], nrow: int = 4,
                         max_panels: int = 6, title: str = "The same noise, as training goes on"):
    """Fixed-noise sample grids side by side (at most ``max_panels``, evenly picked, always the last).

    ``grids[i]``: pictures (k, 3, S, S) made from the same fixed noise at time ``labels[i]``.
    Returns the figure.
    """
    if len(grids) == 0:
        raise ValueError("No grids yet: train first (the callback stores one per epoch).")
    if len(grids) != len(labels):
        raise ValueError(f"{len(grids)} grids but {len(labels)} labels: give one label per grid.")
    picks = sorted(set(np.linspace(0, len(grids) - 1, min(max_panels, len(grids))).round().astype(int)))
    fig, axes = plt.subplots(1, len(picks), figsize=(2.6 * len(picks), 2.9), squeeze=False)
    for ax, i in zip(axes[0], picks):
        ax.imshow(_grid_array(grids[i], nrow), interpolation="nearest")
        ax.set_title(labels[i], fontsize=10)
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def animate_grids(grids: Sequence[torch.Tensor], labels: Sequence[str], nrow: int = 4, interval: int = 400):
    """An animation of the fixed-noise grids across training (matplotlib ``FuncAnimation``).

    In a notebook: ``from IPython.display import HTML; HTML(anim.to_jshtml())``.
    The figure is closed so that it is not also shown as a still.
    """
    from matplotlib import animation

    if len(grids) == 0:
        raise ValueError("No grids yet: train first (the callback stores one per epoch).")
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    image = ax.imshow(_grid_array(grids[0], nrow), interpolation="nearest")
    ax.axis("off")
    caption = ax.set_title(labels[0])

    def draw(i):
        image.set_data(_grid_array(grids[i], nrow))
        caption.set_text(labels[i])
        return image, caption

    anim = animation.FuncAnimation(fig, draw, frames=len(grids), interval=interval, blit=False)
    plt.close(fig)
    return anim


def plot_d_accuracy(history, ax=None, real_key: str = "d_acc_real", fake_key: str = "d_acc_fake"):
    """D's accuracy on real pictures (says "real") and on fakes (says "fake") over training.

    Reads ``history.records[real_key]`` and ``[fake_key]`` (``(step, value)`` pairs,
    logged by a callback). Returns the axis.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for key, label, colour in ((real_key, "on real pictures", "C2"), (fake_key, "on generated pictures", "C3")):
        steps, values = history.series(key)
        ax.plot(steps, values, marker=".", color=colour, label=label)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--", label="coin flip")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("step")
    ax.set_ylabel("accuracy")
    ax.set_title("How often the discriminator is right")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_quality(steps: Sequence[int], values: Sequence[float], *, untrained: Optional[float] = None,
                 floor: Optional[float] = None, ax=None, ylabel: str = "kernel distance to real (lower is better)"):
    """A quality figure over training, with the untrained generator and the real-vs-real floor as lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(steps, values, marker="o", label="generator during training")
    if untrained is not None:
        ax.axhline(untrained, color="C3", ls="--", lw=1, label="untrained generator")
    if floor is not None:
        ax.axhline(floor, color="C2", ls=":", lw=1.2, label="real vs. other real pictures")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title("Are the samples getting closer to the data?")
    return ax


def compare_real_fake(real: torch.Tensor, fake: torch.Tensor, n: int = 16, nrow: int = 4):
    """Real pictures and generated ones side by side. Returns the figure."""
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.8))
    show_pets(real, n=n, nrow=nrow, title="real", ax=axes[0])
    show_pets(fake, n=n, nrow=nrow, title="generated", ax=axes[1])
    fig.tight_layout()
    return fig


__all__ = ["show_pets", "plot_grids_over_time", "animate_grids", "plot_d_accuracy", "plot_quality",
           "compare_real_fake"]

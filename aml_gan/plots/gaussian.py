"""Figures of notebook 06: Gaussian fits drawn as covariance ellipses, D's accuracy over training."""
from __future__ import annotations

import math
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Ellipse

_STYLES = [
    dict(color="black", linestyle="-", linewidth=2.0),
    dict(color="tab:blue", linestyle="--", linewidth=2.0),
    dict(color="tab:red", linestyle="-", linewidth=2.0),
    dict(color="tab:green", linestyle=":", linewidth=2.0),
    dict(color="tab:purple", linestyle="-.", linewidth=2.0),
]


def _np(x):
    return torch.as_tensor(x).detach().to("cpu", torch.float64).numpy()


def covariance_ellipse(mean, cov, *, n_std: float = 2.0, ax=None, **kwargs) -> Ellipse:
    """Draw the ``n_std``-standard-deviation ellipse of a 2-D Gaussian (mean (2,), cov (2, 2)).

    Extra keyword arguments go to ``matplotlib.patches.Ellipse`` (color, linestyle, label, ...).
    Returns the patch, already added to ``ax`` (default: the current axes).
    """
    m, c = _np(mean).reshape(-1), _np(cov)
    if m.shape != (2,) or c.shape != (2, 2):
        raise ValueError(f"covariance_ellipse draws 2-D Gaussians: mean must be (2,) and cov (2, 2), "
                         f"got {m.shape} and {c.shape}.")
    if n_std <= 0:
        raise ValueError(f"n_std must be positive, got {n_std}.")
    ax = ax or plt.gca()
    values, vectors = torch.linalg.eigh(torch.as_tensor((c + c.T) / 2))
    values = values.clamp(min=0)
    width, height = (2 * n_std * values.sqrt()).tolist()[::-1]  # major axis first
    major = vectors[:, 1]
    angle = math.degrees(math.atan2(float(major[1]), float(major[0])))
    kwargs.setdefault("fill", False)
    patch = Ellipse(xy=tuple(m), width=width, height=height, angle=angle, **kwargs)
    ax.add_patch(patch)
    return patch


def plot_gaussian_fit(
    real,
    fake=None,
    *,
    estimates: Optional[Mapping[str, Tuple[object, object]]] = None,
    n_std: float = 2.0,
    ax=None,
    title: Optional[str] = None,
    max_points: int = 1000,
):
    """Scatter real (n, 2) and generated (m, 2) points and draw each estimate's ellipse.

    ``estimates`` maps a label to ``(mean (2,), cov (2, 2))``, drawn in order: the
    first in black, then blue dashed, red, green dotted... (for example
    ``{"true": ..., "closed form": ..., "GAN": ...}``). Ellipses enclose ``n_std``
    standard deviations (about 86% of the mass for 2). Returns the axes.
    """
    ax = ax or plt.subplots(figsize=(6, 6))[1]
    real = _np(real)
    if real.ndim != 2 or real.shape[1] != 2:
        raise ValueError(f"real must be points of shape (n, 2), got {real.shape}.")
    ax.scatter(real[:max_points, 0], real[:max_points, 1], s=6, alpha=0.35, color="tab:blue", label="real")
    if fake is not None:
        fake = _np(fake)
        if fake.ndim != 2 or fake.shape[1] != 2:
            raise ValueError(f"fake must be points of shape (m, 2), got {fake.shape}.")
        ax.scatter(fake[:max_points, 0], fake[:max_points, 1], s=6, alpha=0.35, color="tab:orange", label="generated")
    for i, (label, (mean, cov)) in enumerate((estimates or {}).items()):
        style = dict(_STYLES[i % len(_STYLES)])
        covariance_ellipse(mean, cov, n_std=n_std, ax=ax, label=f"{label} ({n_std:g} sd)", **style)
        ax.plot(*_np(mean).reshape(-1), marker="x", markersize=9, color=style["color"])
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper left", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_accuracy(
    accuracy: Union[Sequence[float], Mapping[str, Sequence[float]]],
    *,
    reference: Optional[Sequence[float]] = None,
    reference_label: str = "original (MXNet)",
    chance: float = 0.5,
    ax=None,
    title: Optional[str] = "discriminator's training accuracy",
):
    """D's accuracy per epoch: one curve, or a dict ``{label: curve}`` for several runs.

    ``reference`` (optional) is drawn dashed for comparison, and a dotted line marks
    ``chance`` (0.5: D cannot tell real from fake). Epochs are numbered from 0. Returns the axes.
    """
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    curves: Dict[str, Sequence[float]] = dict(accuracy) if isinstance(accuracy, Mapping) else {"this run": accuracy}
    if not curves or any(len(v) == 0 for v in curves.values()):
        raise ValueError("accuracy is empty: pass one accuracy per epoch (a list of floats) or a dict of such lists.")
    many = len(curves) > 3
    for label, values in curves.items():
        ax.plot(range(len(values)), list(values), marker="o" if not many else None, markersize=4,
                alpha=0.5 if many else 1.0, linewidth=1 if many else 2, label=None if many else label)
    if many:
        ax.plot([], [], color="grey", label=f"{len(curves)} runs")
    if reference is not None:
        ax.plot(range(len(reference)), list(reference), "k--", marker="s", markersize=3, label=reference_label)
    ax.axhline(chance, color="grey", linestyle=":", label=f"chance ({chance:g})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    lowest = min(min(v) for v in list(curves.values()) + ([reference] if reference is not None else []))
    ax.set_ylim(min(0.3, lowest - 0.05), 1.0)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


__all__ = ["covariance_ellipse", "plot_gaussian_fit", "plot_accuracy"]

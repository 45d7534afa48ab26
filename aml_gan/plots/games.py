"""Figures for the xy game of notebook 07: trajectories in the (x, y) plane and the radius over time."""
from __future__ import annotations

from typing import Mapping, Optional

import matplotlib.pyplot as plt
import numpy as np

from ..games import radius

METHOD_COLOURS = {
    "simultaneous": "tab:red",
    "alternating": "tab:blue",
    "optimistic": "tab:green",
    "extragradient": "tab:purple",
}


def _as_traj(name: str, traj) -> np.ndarray:
    traj = np.asarray(traj, dtype=float)
    if traj.ndim != 2 or traj.shape[1] != 2 or len(traj) == 0:
        raise ValueError(f"trajectory {name!r} must have shape (steps + 1, 2), got {traj.shape}: pass simulate(...).")
    return traj


def plot_trajectory(traj, ax=None, label: Optional[str] = None, color=None, title: Optional[str] = None):
    """One path (steps + 1, 2) in the (x, y) plane: start marked with a circle, end with a cross,
    the equilibrium (0, 0) with a star. Returns the axis."""
    traj = _as_traj(label or "trajectory", traj)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2))
    line, = ax.plot(traj[:, 0], traj[:, 1], lw=1.2, color=color, label=label)
    ax.plot(*traj[0], "o", color=line.get_color(), ms=5)
    ax.plot(*traj[-1], "x", color=line.get_color(), ms=7, mew=2)
    ax.plot(0, 0, "*", color="black", ms=11, zorder=5)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel("x (minimises xy)")
    ax.set_ylabel("y (maximises xy)")
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)
    return ax


def plot_game(trajectories: Mapping[str, np.ndarray], lr: Optional[float] = None, axes=None):
    """Paths (left) and distance to the equilibrium per step on a log scale (right).

    ``trajectories``: name -> array (steps + 1, 2), e.g. ``{m: simulate(m, 1, 0, 0.1, 200) for m in METHODS}``.
    Returns the Figure.
    """
    if not trajectories:
        raise ValueError("plot_game needs at least one trajectory: {'simultaneous': simulate(...), ...}.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
    else:
        fig = axes[0].figure
    for name, traj in trajectories.items():
        traj = _as_traj(name, traj)
        colour = METHOD_COLOURS.get(name)
        plot_trajectory(traj, ax=axes[0], label=name, color=colour)
        axes[1].plot(radius(traj), color=colour, label=name)
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("distance to the equilibrium (0, 0)")
    axes[1].grid(alpha=0.3)
    suffix = f" (lr = {lr:g})" if lr is not None else ""
    axes[0].set_title("paths in the (x, y) plane" + suffix)
    axes[1].set_title("radius per step" + suffix)
    return fig


__all__ = ["METHOD_COLOURS", "plot_trajectory", "plot_game"]

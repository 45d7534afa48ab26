"""Notebook 07's xy-game explorer: pick an update rule and a step size, watch the path.

``game_explorer`` builds the live ipywidgets version (method buttons, a step-size
slider on a log scale, a steps slider) and returns ``None`` with a message when
ipywidgets cannot be used. ``show_game_explorer`` first draws a static figure for
a few step sizes (so a PDF export, nbconvert or CI still shows something), then
displays the live widget when it can.

Your own update functions can join the menu: pass
``extra_steps={"my simultaneous": simultaneous_step}`` (each ``f(x, y, lr) -> (x, y)``).
"""
from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..games import METHODS, radius, simulate, trajectory
from ..config import live_widgets

__all__ = ["game_trajectory", "plot_game_grid", "game_explorer", "show_game_explorer"]


def game_trajectory(method: str, lr: float, steps: int, x0: float = 1.0, y0: float = 0.0,
                    extra_steps: Optional[Mapping[str, Callable]] = None) -> np.ndarray:
    """The path for a built-in method or one of ``extra_steps``: array (steps + 1, 2)."""
    extra_steps = dict(extra_steps or {})
    if method in extra_steps:
        return trajectory(extra_steps[method], x0, y0, lr, steps)
    return simulate(method, x0, y0, lr, steps)


def _draw(ax_path, ax_radius, method: str, lr: float, steps: int, x0: float, y0: float, extra_steps) -> None:
    from ..plots.games import METHOD_COLOURS, plot_trajectory

    try:
        traj = game_trajectory(method, lr, steps, x0, y0, extra_steps)
    except Exception as err:  # noqa: BLE001 (a student's step may raise: show it instead of crashing)
        ax_path.text(0.5, 0.5, f"{method} failed:\n{type(err).__name__}: {err}", ha="center", va="center",
                     transform=ax_path.transAxes, fontsize=8, wrap=True)
        return
    colour = METHOD_COLOURS.get(method, "tab:orange")
    r = radius(traj)
    plot_trajectory(traj, ax=ax_path, color=colour,
                    title=f"{method}, lr = {lr:g}: radius {r[0]:.2f} -> {r[-1]:.3g}")
    if ax_radius is not None:
        ax_radius.plot(r, color=colour)
        ax_radius.set_yscale("log")
        ax_radius.set_xlabel("step")
        ax_radius.set_ylabel("distance to (0, 0)")
        ax_radius.grid(alpha=0.3)


def plot_game_grid(methods: Sequence[str] = METHODS, lrs: Sequence[float] = (0.05, 0.2, 0.6), steps: int = 100,
                   x0: float = 1.0, y0: float = 0.0, extra_steps: Optional[Mapping[str, Callable]] = None):
    """Static stand-in for the widget: one row per method, one column per step size. Returns the Figure."""
    methods, lrs = list(methods), list(lrs)
    fig, axes = plt.subplots(len(methods), len(lrs), figsize=(3.1 * len(lrs), 3.0 * len(methods)),
                             constrained_layout=True, squeeze=False)
    for i, method in enumerate(methods):
        for j, lr in enumerate(lrs):
            _draw(axes[i, j], None, method, lr, steps, x0, y0, extra_steps)
            axes[i, j].title.set_fontsize(8)
    return fig


def game_explorer(*, x0: float = 1.0, y0: float = 0.0, lr: float = 0.1, steps: int = 100,
                  extra_steps: Optional[Mapping[str, Callable]] = None):
    """Live explorer: method buttons, step size (log slider) and number of steps.

    Returns an ipywidgets ``VBox`` to display, or ``None`` (with a printed message)
    when ipywidgets is missing or broken.
    """
    if not live_widgets():
        return None
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except Exception as err:  # noqa: BLE001 (any import problem means "no live widget")
        print(f"(The live explorer needs ipywidgets, which is not usable here: {type(err).__name__}. "
              "The static figure above shows the same thing.)")
        return None

    options = list(METHODS) + [name for name in (extra_steps or {}) if name not in METHODS]
    method_w = widgets.ToggleButtons(options=options, value="simultaneous", description="update")
    lr_w = widgets.FloatLogSlider(value=lr, base=10, min=-2.5, max=0.3, step=0.05, description="step size",
                                  readout_format=".3f", continuous_update=False)
    steps_w = widgets.IntSlider(value=steps, min=5, max=500, step=5, description="steps", continuous_update=False)
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig, (ax_path, ax_radius) = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True)
            _draw(ax_path, ax_radius, method_w.value, lr_w.value, steps_w.value, x0, y0, extra_steps)
            display(fig)
            plt.close(fig)

    for w in (method_w, lr_w, steps_w):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([method_w, widgets.HBox([lr_w, steps_w]), out])


def show_game_explorer(*, static: bool = True, live: bool = True, lrs: Sequence[float] = (0.05, 0.2, 0.6),
                       steps: int = 100, extra_steps: Optional[Mapping[str, Callable]] = None, **kwargs):
    """Draw the static grid (``static=True``), then display the live explorer (``live=True``).

    Returns the widget, or ``None`` when it could not be built.
    """
    if static:
        fig = plot_game_grid(lrs=lrs, steps=steps, extra_steps=extra_steps)
        plt.show()
        plt.close(fig)
    if not live:
        return None
    box = game_explorer(steps=steps, extra_steps=extra_steps, **kwargs)
    if box is not None:
        from IPython.display import display

        display(box)
    return box

"""Notebook 01's demo: slide a fake distribution onto a real one and watch the detector give up.

The real samples come from N(0, 1); the fake ones from N(shift, spread^2).
For each setting a small classifier is trained on half of the samples and its
accuracy measured on the other half (:func:`aml_gan.metrics.two_sample_accuracy`),
next to the best accuracy any detector could reach
(:func:`aml_gan.metrics.gaussian_best_accuracy`). As the two distributions meet,
both fall to 0.5: the detective is reduced to guessing.

``plot_accuracy_vs_shift`` draws a static figure (works everywhere: nbconvert,
CI, a PDF export); ``two_sample_explorer`` builds the live ipywidgets version
and returns ``None`` with a message when ipywidgets cannot be used, so a
notebook never breaks on it. ``show_two_sample_demo`` does both, in that order.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from ..metrics.two_sample import gaussian_best_accuracy, two_sample_accuracy
from ..config import live_widgets

__all__ = ["accuracy_vs_shift", "plot_accuracy_vs_shift", "two_sample_explorer", "show_two_sample_demo"]

REAL_COLOUR, FAKE_COLOUR = "tab:blue", "tab:orange"


def _samples(n: int, shift: float, spread: float, seed: int):
    gen = torch.Generator().manual_seed(int(seed))
    real = torch.randn(n, 1, generator=gen)
    fake = shift + spread * torch.randn(n, 1, generator=gen)
    return real, fake


def accuracy_vs_shift(
    shifts: Sequence[float], *, spread: float = 1.0, n: int = 500, seed: int = 0, steps: int = 150
) -> list:
    """Held-out detector accuracy for fake = N(shift, spread^2) against real = N(0, 1), per shift.

    Same seed for every shift, so the curve moves only because the fake moves.
    """
    if n < 10:
        raise ValueError(f"n={n} is too small: use at least 10 samples per distribution (500 is a good default).")
    if not spread > 0:
        raise ValueError(f"spread must be positive, got {spread}.")
    return [two_sample_accuracy(*_samples(n, float(s), spread, seed), steps=steps, seed=seed) for s in shifts]


def _draw_densities(ax, shift: float, spread: float, n: int, seed: int, accuracy: Optional[float] = None):
    real, fake = _samples(n, shift, spread, seed)
    lo, hi = min(-4.0, shift - 4 * spread), max(4.0, shift + 4 * spread)
    x = np.linspace(lo, hi, 400)
    bins = np.linspace(lo, hi, 30)
    ax.hist(real.numpy().ravel(), bins=bins, density=True, alpha=0.3, color=REAL_COLOUR)
    ax.hist(fake.numpy().ravel(), bins=bins, density=True, alpha=0.3, color=FAKE_COLOUR)
    ax.plot(x, np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi), color=REAL_COLOUR, label="real  N(0, 1)")
    ax.plot(x, np.exp(-0.5 * ((x - shift) / spread) ** 2) / (spread * np.sqrt(2 * np.pi)),
            color=FAKE_COLOUR, label=f"fake  N({shift:g}, {spread:g}²)")
    ax.set_yticks([])
    best = gaussian_best_accuracy(shift, spread)
    title = f"shift {shift:g}" + (f": detector {accuracy:.2f}" if accuracy is not None else "")
    ax.set_title(f"{title}\nbest possible {best:.2f} on average", fontsize=9)


def plot_accuracy_vs_shift(
    shifts: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0),
    *,
    panels: Sequence[float] = (3.0, 1.0, 0.0),
    spread: float = 1.0,
    n: int = 500,
    seed: int = 0,
):
    """Static version of the demo: a few density panels, then accuracy against shift.

    Top row: real and fake densities (curves) and samples (histograms) for each
    shift in ``panels``. Bottom: the trained detector's held-out accuracy at
    each shift in ``shifts`` (dots) and the best possible accuracy (line).
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    shifts = sorted(set(float(s) for s in shifts) | set(float(p) for p in panels))
    accs = dict(zip(shifts, accuracy_vs_shift(shifts, spread=spread, n=n, seed=seed)))
    fig = plt.figure(figsize=(10, 6), constrained_layout=True)
    grid = fig.add_gridspec(2, len(panels))
    for i, p in enumerate(panels):
        ax = fig.add_subplot(grid[0, i])
        _draw_densities(ax, float(p), spread, n, seed, accs[float(p)])
        if i == 0:
            ax.legend(fontsize=8, loc="upper left")
    ax = fig.add_subplot(grid[1, :])
    fine = np.linspace(0, max(shifts), 100)
    ax.plot(fine, [gaussian_best_accuracy(s, spread) for s in fine], color="grey",
            label="best possible detector, on average: 1/2 + TV/2 (a finite test set can beat it by chance)")
    ax.plot(shifts, [accs[s] for s in shifts], "o", color="black", label="trained detector, held-out accuracy")
    ax.axhline(0.5, ls="--", color="tab:red", lw=1, label="a coin flip: 0.5")
    ax.set_xlabel("shift of the fake mean (in standard deviations of the real data)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0.4, 1.02)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def two_sample_explorer(*, n: int = 500, seed: int = 0, steps: int = 150):
    """The live demo: sliders for the fake's shift and spread, densities and accuracies.

    Returns an ipywidgets ``VBox`` to display, or ``None`` (with a printed
    message) when ipywidgets is missing or broken.
    """
    if not live_widgets():
        return None
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except Exception as err:  # noqa: BLE001 - any import problem means "no live widget"
        print(f"(The live slider needs ipywidgets, which is not usable here: {type(err).__name__}. "
              "The static figure above shows the same thing.)")
        return None
    import matplotlib.pyplot as plt

    shift = widgets.FloatSlider(value=2.0, min=-4.0, max=4.0, step=0.25, description="fake shift",
                                continuous_update=False)
    spread = widgets.FloatSlider(value=1.0, min=0.25, max=3.0, step=0.25, description="fake spread",
                                 continuous_update=False)

    def update(shift: float, spread: float) -> None:
        real, fake = _samples(n, shift, spread, seed)
        acc = two_sample_accuracy(real, fake, steps=steps, seed=seed)
        fig, ax = plt.subplots(figsize=(7, 3.2))
        _draw_densities(ax, shift, spread, n, seed, acc)
        ax.legend(fontsize=8, loc="upper left")
        plt.show()
        display(widgets.HTML(
            f"<b>trained detector: {acc:.3f}</b> held-out accuracy &nbsp;|&nbsp; "
            f"best possible on average: {gaussian_best_accuracy(shift, spread):.3f} (a finite test set can "
            "beat it by chance) &nbsp;|&nbsp; a coin flip: 0.500"
        ))

    out = widgets.interactive_output(update, {"shift": shift, "spread": spread})
    return widgets.VBox([widgets.HBox([shift, spread]), out])


def show_two_sample_demo(shifts: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0), *,
                         n: int = 500, seed: int = 0) -> None:
    """Draw the static figure, then display the live widget when ipywidgets works.

    Returns nothing (so the figure is not shown twice as a cell's last value).
    """
    import matplotlib.pyplot as plt

    plot_accuracy_vs_shift(shifts, n=n, seed=seed)
    plt.show()
    box = two_sample_explorer(n=n, seed=seed)
    if box is not None:
        from IPython.display import display

        display(box)

"""Loss/gradient explorer for notebook 02: the two generator losses, and the margin loss.

``show_loss_explorer()`` first draws a static figure (so the notebook shows something
when widgets are not live: a saved notebook, nbviewer, CI), then displays sliders:
drag D(G(z)) and read off each generator loss and the gradient that reaches the
generator; drag the margin m and watch the hinge of the energy-based cost loss move.

Gradients are taken with respect to the discriminator's *score before its sigmoid*
(the logit s, with D = sigmoid(s)): that is the path back to the generator, and it is
where the minimax loss loses its gradient when D confidently rejects the fakes.
"""
from __future__ import annotations

from typing import Dict, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from ..config import live_widgets

__all__ = ["generator_loss_curves", "plot_generator_losses", "plot_margin_loss", "show_loss_explorer"]


def generator_loss_curves(d_fake: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Both generator losses and their gradients with respect to the logit, by autograd.

    ``d_fake``: values of D(G(z)) in (0, 1), any shape. Returns a dict of tensors of the
    same shape: ``minimax`` = log(1 - D), ``non_saturating`` = -log D, and
    ``grad_minimax``, ``grad_non_saturating``: d(loss)/d(logit), per sample.
    """
    d_fake = torch.as_tensor(d_fake, dtype=torch.float64)
    if not bool(((d_fake > 0) & (d_fake < 1)).all()):
        raise ValueError("d_fake must lie strictly between 0 and 1 (the logit of 0 or 1 is infinite).")
    logit = torch.logit(d_fake).requires_grad_(True)
    d = torch.sigmoid(logit)
    out = {}
    for name, loss in (("minimax", torch.log1p(-d)), ("non_saturating", -torch.log(d))):
        (grad,) = torch.autograd.grad(loss.sum(), logit, retain_graph=True)
        out[name] = loss.detach()
        out["grad_" + name] = grad
    return out


def plot_generator_losses(marks: Sequence[float] = (0.02, 0.3, 0.8), axes=None):
    """Two panels against D(G(z)): the losses, and the gradient reaching the generator.

    ``marks``: values of D(G(z)) to mark with dots. Returns the figure.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    else:
        fig = axes[0].figure
    p = torch.linspace(0.001, 0.999, 500, dtype=torch.float64)
    c = generator_loss_curves(p)
    m = torch.tensor(list(marks), dtype=torch.float64)
    cm = generator_loss_curves(m) if len(marks) else None
    left, right = axes
    for key, label, colour in (("minimax", "minimax: log(1 - D)", "C3"), ("non_saturating", "non-saturating: -log D", "C0")):
        left.plot(p, c[key], color=colour, label=label)
        right.plot(p, c["grad_" + key].abs(), color=colour, label=label)
        if cm is not None:
            left.scatter(m, cm[key], color=colour, zorder=3)
            right.scatter(m, cm["grad_" + key].abs(), color=colour, zorder=3)
    left.set_xlabel("D(G(z)): how real the fake looks to D")
    left.set_ylabel("generator loss")
    left.set_title("The two generator losses")
    left.legend(fontsize=8)
    right.set_xlabel("D(G(z))")
    right.set_ylabel("|d loss / d logit|")
    right.set_title("Gradient that reaches the generator")
    right.axvspan(0, 0.1, color="grey", alpha=0.15)
    right.text(0.02, 0.5, "D confident:\nearly training", fontsize=8, va="center")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_margin_loss(margins: Sequence[float] = (0.5, 1.0, 2.0), ax=None):
    """The hinge max(0, m - C(G(z))) of the cost loss against the cost of a fake, for a few m."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    c = np.linspace(0, 3, 301)
    for i, m in enumerate(margins):
        ax.plot(c, np.maximum(0.0, m - c), color=f"C{i}", label=f"m = {m:g}")
        ax.axvline(m, color=f"C{i}", ls=":", lw=1)
    ax.plot(c, c, color="black", ls="--", lw=1, label="generator's loss C(G(z))")
    ax.set_xlabel("C(G(z)): cost of a fake")
    ax.set_ylabel("loss")
    ax.set_title("Cost loss, fake term: up to m, then nothing")
    ax.legend(fontsize=8)
    return ax


def show_loss_explorer(marks: Sequence[float] = (0.02, 0.3, 0.8), margins: Sequence[float] = (0.5, 1.0, 2.0)):
    """Draw the static figures, then return the sliders (a notebook cell ending with
    this call displays them; they respond when widgets are live).

    Returns the widget (or None when ipywidgets is missing).
    """
    fig = plt.figure(figsize=(15, 3.6))
    grid = fig.add_gridspec(1, 3)
    axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    plot_generator_losses(marks, axes=axes[:2])
    plot_margin_loss(margins, ax=axes[2])
    fig.tight_layout()
    plt.show()
    if not live_widgets():
        return None
    try:
        import ipywidgets as W
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        return None

    p_slider = W.FloatSlider(value=0.05, min=0.005, max=0.995, step=0.005, description="D(G(z))", readout_format=".3f")
    m_slider = W.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="margin m")
    text = W.HTML()
    out = W.Output()

    def update(_=None):
        p, m = p_slider.value, m_slider.value
        c = generator_loss_curves(torch.tensor([p], dtype=torch.float64))
        g_mm, g_ns = float(c["grad_minimax"].abs()), float(c["grad_non_saturating"].abs())
        text.value = (
            f"<b>minimax</b> loss {float(c['minimax']):.3f}, gradient {g_mm:.4f} &nbsp;|&nbsp; "
            f"<b>non-saturating</b> loss {float(c['non_saturating']):.3f}, gradient {g_ns:.4f} "
            f"&nbsp;(ratio {g_ns / max(g_mm, 1e-12):.1f}x)"
        )
        with out:
            out.clear_output(wait=True)
            f = plt.figure(figsize=(15, 3.6))
            gs = f.add_gridspec(1, 3)
            ax = [f.add_subplot(gs[0, i]) for i in range(3)]
            plot_generator_losses([p], axes=ax[:2])
            plot_margin_loss([m], ax=ax[2])
            f.tight_layout()
            plt.show()

    p_slider.observe(update, names="value")
    m_slider.observe(update, names="value")
    update()
    return W.VBox([W.HBox([p_slider, m_slider]), text, out])

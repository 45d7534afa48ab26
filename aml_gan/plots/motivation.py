"""Notebook 01's diagram: how a VAE and a GAN tell their generator it did well."""
from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["plot_vae_vs_gan"]

_REAL, _NET, _CODE, _FAKE = "#cfe2f3", "#fff2cc", "#e6e6e6", "#fce5cd"


def _box(ax, xy, text, colour):
    return ax.text(*xy, text, ha="center", va="center", fontsize=9,
                   bbox=dict(boxstyle="round,pad=0.45", fc=colour, ec="black"))


def _arrow(ax, box_a, box_b, feedback=False):
    """An arrow from ``box_a``'s edge to ``box_b``'s; red, dashed and curved for a learning signal."""
    ax.annotate("", xy=(0.5, 0.5), xycoords=box_b, xytext=(0.5, 0.5), textcoords=box_a,
                arrowprops=dict(arrowstyle="->", lw=1.4, ls="--" if feedback else "-",
                                color="tab:red" if feedback else "black",
                                connectionstyle="arc3,rad=0.4" if feedback else "arc3",
                                patchA=box_a.get_bbox_patch(), patchB=box_b.get_bbox_patch()))


def plot_vae_vs_gan():
    """Two block diagrams side by side: a VAE's pixel-by-pixel signal and a GAN's verdict signal.

    Returns the figure (two axes: the VAE, then the GAN).
    """
    fig, (vae, gan) = plt.subplots(1, 2, figsize=(13, 3.6))
    for ax in (vae, gan):
        ax.set_xlim(-0.3, 7.0)
        ax.set_ylim(-0.6, 2.2)
        ax.axis("off")

    x_in = _box(vae, (0.4, 1), "x\nreal goat", _REAL)
    encoder = _box(vae, (1.9, 1), "encoder", _NET)
    code_z = _box(vae, (3.3, 1), "z", _CODE)
    decoder = _box(vae, (4.7, 1), "decoder", _NET)
    x_out = _box(vae, (6.2, 1), "x̂\nreconstruction", _FAKE)
    for a, b in [(x_in, encoder), (encoder, code_z), (code_z, decoder), (decoder, x_out)]:
        _arrow(vae, a, b)
    _arrow(vae, x_out, x_in, feedback=True)
    vae.text(3.3, 0.45, "a KL term keeps z close to N(0, I)", ha="center", fontsize=8)
    vae.text(3.3, 2.05, "learning signal: compare x̂ with ITS OWN x, pixel by pixel",
             ha="center", color="tab:red", fontsize=9)
    vae.set_title("VAE: each output is matched to one input", fontsize=11)

    noise = _box(gan, (0.4, 1.2), "z\nnoise", _CODE)
    generator = _box(gan, (1.9, 1.2), "generator G\n(counterfeiter)", _NET)
    fake = _box(gan, (3.5, 1.2), "x̂ = G(z)\nfake goat", _FAKE)
    real = _box(gan, (3.5, -0.2), "x\nreal goat", _REAL)
    detective = _box(gan, (5.1, 0.5), "discriminator D\n(detective)", _NET)
    verdict = _box(gan, (6.5, 0.5), "real or\nfake?", _CODE)
    for a, b in [(noise, generator), (generator, fake), (fake, detective), (real, detective), (detective, verdict)]:
        _arrow(gan, a, b)
    _arrow(gan, verdict, generator, feedback=True)
    gan.text(3.5, 2.05, "learning signal: D's verdict only; G never sees a real goat",
             ha="center", color="tab:red", fontsize=9)
    gan.set_title("GAN: the fakes are judged as a whole by a learned critic", fontsize=11)
    return fig

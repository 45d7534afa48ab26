"""Notebook 01's VAE-versus-GAN diagram."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from aml_gan.plots import plot_vae_vs_gan


def test_vae_vs_gan_draws_both_diagrams():
    fig = plot_vae_vs_gan()
    vae, gan = fig.axes
    assert vae.get_title().startswith("VAE") and gan.get_title().startswith("GAN")
    boxes = [[t.get_text() for t in ax.texts if t.get_bbox_patch() is not None] for ax in (vae, gan)]
    assert len(boxes[0]) == 5 and len(boxes[1]) == 6
    assert any("discriminator" in t for t in boxes[1])
    # every arrow (a learning signal included) is drawn
    assert len([c for c in vae.texts if c.get_text() == ""]) == 5
    assert len([c for c in gan.texts if c.get_text() == ""]) == 6
    plt.close(fig)

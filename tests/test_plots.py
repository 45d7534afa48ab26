import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from aml_gan.plots import plot_losses, scatter_real_fake, show_image_grid
from aml_gan.training import History


def test_plot_losses_draws_both_curves():
    h = History(gen_loss=[1.0, 0.9, 0.8, 0.7], disc_loss=[1.4, 1.3, 1.35, 1.3], step=4)
    ax = plot_losses(h)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["generator", "discriminator"]
    with pytest.raises(ValueError, match="train first"):
        plot_losses(History())


def test_image_grid_scales_to_unit_range():
    images = torch.linspace(-1, 1, 4 * 3 * 8 * 8).reshape(4, 3, 8, 8)
    ax = show_image_grid(images, nrow=2)
    data = ax.get_images()[0].get_array()
    assert data.min() >= 0 and data.max() <= 1
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        show_image_grid(torch.zeros(2, 5, 8, 8))


def test_scatter_checks_shapes():
    scatter_real_fake(torch.randn(10, 2), torch.randn(5, 2))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        scatter_real_fake(torch.randn(10, 3), torch.randn(5, 2))

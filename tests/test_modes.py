"""2-D mixtures (aml_gan.data.mixtures) and the mode metrics (aml_gan.metrics.modes)."""
import math

import numpy as np
import pytest
import torch

from aml_gan.data import grid_mixture, ring_mixture
from aml_gan.metrics import high_quality_fraction, mode_stats, modes_covered

# ------------------------------------------------------------------------------------------------ mixtures


def test_ring_centres_and_std():
    ring = ring_mixture()
    assert ring.n_modes == 8 and ring.centers.shape == (8, 2) and ring.centers.dtype == torch.float32
    np.testing.assert_allclose(ring.centers.norm(dim=1).numpy(), 2.0, rtol=1e-6)
    np.testing.assert_allclose(ring.centers[0].numpy(), [2.0, 0.0], atol=1e-6)
    angles = torch.atan2(ring.centers[:, 1], ring.centers[:, 0])
    gaps = torch.diff(torch.sort(torch.remainder(angles, 2 * math.pi)).values)
    np.testing.assert_allclose(gaps.numpy(), 2 * math.pi / 8, rtol=1e-5)
    assert ring.std > 0


def test_grid_centres():
    grid = grid_mixture()
    assert grid.n_modes == 25
    xs = sorted(set(np.round(grid.centers[:, 0].numpy(), 6)))
    assert xs == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in np.round(grid.centers.numpy(), 6)}) == 25


def test_samples_are_seeded_and_near_the_modes():
    ring = ring_mixture(std=0.05)
    a, b = ring.sample(1000, seed=3), ring.sample(1000, seed=3)
    assert a.shape == (1000, 2) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, ring.sample(1000, seed=4))
    dist = torch.cdist(a, ring.centers).min(dim=1).values
    assert dist.max() < 6 * ring.std
    # every mode gets about 1/8 of the points, spread with the right std
    nearest = torch.cdist(a, ring.centers).argmin(dim=1)
    counts = torch.bincount(nearest, minlength=8)
    assert counts.min() > 80
    offsets = a - ring.centers[nearest]
    assert offsets.std().item() == pytest.approx(0.05, rel=0.1)


def test_stream_and_dataset():
    ring = ring_mixture()
    batches = list(ring.stream(16, seed=0, steps=3))
    assert len(batches) == 3 and all(b.shape == (16, 2) for b in batches)
    assert torch.equal(batches[0], next(iter(ring.stream(16, seed=0))))
    ds = ring.dataset(50, seed=1)
    assert len(ds) == 50 and len(ds[0]) == 1


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: ring_mixture(n_modes=0), ValueError),
        (lambda: ring_mixture(n_modes=2.5), TypeError),
        (lambda: ring_mixture(std=-1), ValueError),
        (lambda: ring_mixture(std=float("nan")), ValueError),
        (lambda: grid_mixture(side=0), ValueError),
        (lambda: grid_mixture(spacing="2"), TypeError),
        (lambda: ring_mixture().sample(0), ValueError),
        (lambda: ring_mixture().sample(5, seed=1, generator=torch.Generator()), ValueError),
        (lambda: next(ring_mixture().stream(0)), ValueError),
    ],
)
def test_mixture_bad_input(call, error):
    with pytest.raises(error):
        call()


# ------------------------------------------------------------------------------------------------ metrics


def test_real_data_covers_everything():
    for mix in (ring_mixture(std=0.05), grid_mixture(std=0.05)):
        stats = mode_stats(mix.sample(2500, seed=0), mixture=mix)
        assert stats.modes_covered == mix.n_modes
        # within 3 std in 2-D: 1 - exp(-9/2) = 98.9%
        assert stats.high_quality_fraction == pytest.approx(1 - math.exp(-4.5), abs=0.01)
        assert stats.counts.sum() == pytest.approx(2500 * stats.high_quality_fraction)


def test_collapsed_generator_scores_one_mode():
    ring = ring_mixture(std=0.05)
    collapsed = ring.centers[3] + 0.01 * torch.randn(500, 2)
    stats = mode_stats(collapsed, mixture=ring)
    assert stats.modes_covered == 1 and stats.covered[3] and stats.high_quality_fraction == 1.0
    assert "1/8 modes" in str(stats)


def test_blurry_generator_covers_but_low_quality():
    ring = ring_mixture(std=0.05)
    blurry = 3 * torch.rand(5000, 2) - 1.5 + 0  # a square blob around the centre
    blurry = torch.cat([blurry * 1.6, ring.centers])  # plus one exact hit per mode
    stats = mode_stats(blurry, mixture=ring)
    assert stats.modes_covered == 8
    assert stats.high_quality_fraction < 0.1


def test_well_covered_needs_a_share_of_the_samples():
    ring = ring_mixture(std=0.05)
    real = mode_stats(ring.sample(2500, seed=0), mixture=ring)
    assert real.n_samples == 2500 and real.well_covered() == 8  # about 12% on each mode
    # the blurry generator reaches every mode with one exact hit each, but covers none of them well
    blurry = torch.cat([3 * torch.rand(5000, 2) - 1.5, ring.centers])
    stats = mode_stats(blurry, mixture=ring)
    assert stats.modes_covered == 8 and stats.well_covered() == 0
    # two modes with 40% each, one with 1% (below the 2% share), the rest missed
    pts = torch.cat([ring.centers[0].expand(400, 2), ring.centers[1].expand(400, 2), ring.centers[2].expand(10, 2),
                     torch.full((190, 2), 9.0)])
    stats = mode_stats(pts, mixture=ring)
    assert stats.modes_covered == 3 and stats.well_covered() == 2 and stats.well_covered(0.005) == 3
    with pytest.raises(ValueError, match="min_share"):
        stats.well_covered(0)


def test_threshold_and_min_count():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    pts = torch.tensor([[0.25, 0.0], [10.05, 0.0], [10.0, 0.05], [5.0, 5.0]])
    assert modes_covered(pts, centers, 0.1) == 2
    assert high_quality_fraction(pts, centers, 0.1) == 0.75
    assert modes_covered(pts, centers, 0.1, threshold=2.0) == 1
    assert modes_covered(pts, centers, 0.1, min_count=2) == 1
    # exactly on the boundary counts as high quality
    assert high_quality_fraction(torch.tensor([[0.3, 0.0]], dtype=torch.float64), centers, 0.1) == 1.0


def test_non_finite_samples_count_as_low_quality():
    ring = ring_mixture()
    pts = torch.cat([ring.centers, torch.full((8, 2), float("nan")), torch.full((8, 2), float("inf"))])
    stats = mode_stats(pts, mixture=ring)
    assert stats.modes_covered == 8 and stats.high_quality_fraction == pytest.approx(1 / 3)


def test_numpy_and_lists_accepted():
    ring = ring_mixture()
    assert modes_covered(ring.centers.numpy(), ring.centers.numpy(), ring.std) == 8
    assert modes_covered([[2.0, 0.0]], ring.centers.tolist(), ring.std) == 1


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(samples=torch.zeros(5)), ValueError, "shape"),
        (dict(samples=torch.zeros(0, 2)), ValueError, "N >= 1"),
        (dict(samples=torch.zeros(5, 3)), ValueError, "coordinates"),
        (dict(std=0.0), ValueError, "std"),
        (dict(std=None), ValueError, "centers and std"),
        (dict(threshold=0), ValueError, "threshold"),
        (dict(min_count=0), ValueError, "min_count"),
        (dict(samples="points"), TypeError, "array or tensor"),
    ],
)
def test_metric_bad_input(kwargs, error, words):
    ring = ring_mixture()
    args = dict(samples=torch.zeros(5, 2), centers=ring.centers, std=ring.std)
    args.update(kwargs)
    with pytest.raises(error, match=words):
        mode_stats(args.pop("samples"), args.pop("centers"), args.pop("std"), **args)


def test_mixture_and_centres_are_exclusive():
    ring = ring_mixture()
    with pytest.raises(ValueError, match="not both"):
        mode_stats(ring.centers, ring.centers, 0.1, mixture=ring)


# ---------------------------------------------------------------------------- plots and remedies


def test_mode_plots_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aml_gan.plots import plot_metric_curves, plot_mode_comparison, plot_modes, plot_modes_over_training

    ring = ring_mixture(std=0.05)
    pts = torch.cat([ring.sample(100, seed=0), torch.full((3, 2), float("nan")), torch.full((3, 2), 50.0)])
    ax = plot_modes(pts, ring)
    assert "8/8 modes" in ax.get_title()
    assert len(plot_modes_over_training([(0, pts), (10, pts[:5])], ring).axes) == 2
    assert len(plot_mode_comparison({"a": pts, "b": pts}, ring).axes) == 2
    plot_metric_curves({"run": ([0, 1], [1, 2])}, n_modes=8)
    with pytest.raises(ValueError, match="snapshots"):
        plot_modes_over_training([], ring)
    with pytest.raises(ValueError, match="shape"):
        plot_modes(torch.zeros(4, 3), ring)
    plt.close("all")


def test_remedy_steps_run_and_return_floats():
    from aml_gan.config import torch_threads
    from aml_gan.remedies import WassersteinStep, make_networks, margin_step, minimax_step

    ring = ring_mixture()
    real = ring.sample(32, seed=0)
    with torch_threads(1):
        for kind, step in [("classifier", minimax_step), ("cost", margin_step(1.0)),
                           ("critic", WassersteinStep(2, clip=0.01)), ("critic", WassersteinStep(1, gp_weight=0.1))]:
            torch.manual_seed(0)
            gen, disc = make_networks(kind, latent_dim=4, hidden=8)
            before = [p.clone() for p in gen.parameters()]
            g_opt = torch.optim.Adam(gen.parameters(), 1e-2)
            d_opt = torch.optim.Adam(disc.parameters(), 1e-2)
            g, d = step(gen, disc, g_opt, d_opt, real, 4)
            assert isinstance(g, float) and isinstance(d, float) and math.isfinite(g) and math.isfinite(d)
            assert any(not torch.equal(a, b) for a, b in zip(before, gen.parameters()))
            assert all(p.grad is None for p in disc.parameters())
            if getattr(step, "clip", None):
                assert max(p.abs().max().item() for p in disc.parameters()) <= 0.01 + 1e-7
            if kind == "cost":
                assert (disc(real) >= 0).all()


def test_remedy_settings_validated():
    from aml_gan.remedies import Recipe, WassersteinStep, make_networks, margin_step, mlp

    with pytest.raises(ValueError, match="clip=0.01 or gp_weight"):
        WassersteinStep(2)
    with pytest.raises(ValueError, match="n_critic"):
        WassersteinStep(0, clip=0.01)
    with pytest.raises(ValueError, match="margin"):
        margin_step(0)
    with pytest.raises(ValueError, match="kind"):
        make_networks("detective")
    with pytest.raises(ValueError, match="hidden"):
        mlp(2, 1, hidden=0)
    gen, disc = make_networks()
    with pytest.raises(ValueError, match="optimizer"):
        Recipe("x", None, optimizer="sgd").optimizers(gen, disc)


def test_run_recipe_and_table_are_repeatable():
    from aml_gan.config import torch_threads
    from aml_gan.remedies import compare_recipes, default_recipes, format_table, run_recipe, summarize

    ring = ring_mixture(std=0.05)
    recipes = default_recipes()
    with torch_threads(1):
        a = run_recipe(recipes["WGAN-GP"], ring, seed=3, steps=6, snapshot_every=3, n_eval=200, hidden=16)
        b = run_recipe(recipes["WGAN-GP"], ring, seed=3, steps=6, n_eval=200, hidden=16)
        results = compare_recipes({"vanilla GAN": recipes["vanilla GAN"], "WGAN-GP": recipes["WGAN-GP"]}, ring,
                                  seeds=(3,), steps=6, n_eval=200, hidden=16, verbose=False, reuse=[a])
    assert [s for s, _, _ in a.curve] == [0, 3, 6] and len(a.snapshots) == 3
    # looking at the generator during training does not change the run
    assert a.history.gen_loss == b.history.gen_loss and a.history.disc_loss == b.history.disc_loss
    assert np.array_equal(a.stats.counts, b.stats.counts)
    assert results["WGAN-GP"][0] is a
    assert len(a.history.gen_loss) == 6
    rows = summarize(results)
    text = format_table(rows)
    assert "vanilla GAN" in text and "WGAN-GP" in text and "seeds 3" in text and "well covered" in text
    assert all(len(r["well_covered"]) == 1 and r["mean_well_covered"] <= r["mean_modes"] for r in rows)
    with pytest.raises(ValueError, match="steps"):
        run_recipe(recipes["vanilla GAN"], ring, steps=0)

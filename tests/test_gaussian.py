"""Notebook 06's package parts: the Gaussian data, the linear G and tanh D, the moment
metrics, the figures, the original's training epoch, and the check of the exercise
``implied_gaussian`` against a catalog of correct and buggy student versions."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from aml_gan.checks.gaussian import (  # noqa: E402
    check_implied_gaussian,
    default_probes,
    probe_generator,
    random_probe_generator,
)
from aml_gan.config import seed_everything, torch_threads  # noqa: E402
from aml_gan.data.gaussian import gaussian_data, gaussian_params, true_covariance, true_mean  # noqa: E402
from aml_gan.metrics.moments import (  # noqa: E402
    covariance_error,
    discriminator_accuracy,
    discriminator_score_spread,
    lowest_variance_direction,
    lowest_variance_report,
    mean_error,
    moment_errors,
    sample_moments,
    variance_along,
)
from aml_gan.models.gaussian import (  # noqa: E402
    gaussian_discriminator,
    gaussian_generator,
    init_normal_,
    linear_generator_moments,
    linear_layer,
    train_gaussian_epoch,
)
from aml_gan.plots.gaussian import covariance_ellipse, plot_accuracy, plot_gaussian_fit  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    with torch_threads(1):
        yield


# ---------------------------------------------------------------- data


def test_true_moments_match_the_original():
    assert torch.allclose(true_mean(), torch.tensor([1.0, 2.0]))
    assert torch.allclose(true_covariance(), torch.tensor([[1.01, 1.95], [1.95, 4.25]]), atol=1e-6)
    A, b = gaussian_params()
    assert torch.allclose(true_covariance(), A.T @ A)


def test_gaussian_data_shape_seed_and_moments():
    x = gaussian_data(1000, seed=3)
    assert x.shape == (1000, 2) and x.dtype == torch.float32
    assert torch.equal(x, gaussian_data(1000, seed=3))
    assert not torch.equal(x, gaussian_data(1000, seed=4))
    big = gaussian_data(200_000, seed=0, dtype=torch.float64)
    m, c = sample_moments(big)
    assert mean_error(m, true_mean()) < 0.02
    assert covariance_error(c, true_covariance()) < 0.06


def test_gaussian_data_uses_the_global_generator_after_seeding():
    seed_everything(11)
    a = gaussian_data(10)
    seed_everything(11)
    assert torch.equal(a, gaussian_data(10))


def test_gaussian_data_custom_parameters():
    x = gaussian_data(5, seed=0, A=torch.eye(3), b=torch.zeros(3))
    assert x.shape == (5, 3)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_gaussian_data_rejects_bad_n(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        gaussian_data(bad)


def test_gaussian_data_rejects_mismatched_shapes_and_double_seeding():
    with pytest.raises(ValueError, match="one entry per column"):
        gaussian_data(4, A=torch.eye(2), b=torch.zeros(3))
    with pytest.raises(ValueError, match="either seed or generator"):
        gaussian_data(4, seed=0, generator=torch.Generator())


# ---------------------------------------------------------------- models


def test_generator_is_one_linear_layer():
    g = gaussian_generator()
    assert isinstance(g, nn.Sequential) and len(g) == 1 and isinstance(g[0], nn.Linear)
    assert sum(p.numel() for p in g.parameters()) == 6
    assert g(torch.randn(7, 2)).shape == (7, 2)
    assert gaussian_generator(3, 2)[0].weight.shape == (2, 3)


def test_discriminator_architecture_and_parameter_count():
    d = gaussian_discriminator()
    linears = [m for m in d if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 5), (5, 3), (3, 2)]
    assert sum(isinstance(m, nn.Tanh) for m in d) == 2
    assert sum(p.numel() for p in d.parameters()) == 15 + 18 + 8
    assert d(torch.randn(4, 2)).shape == (4, 2)


def test_init_is_normal_002_with_zero_bias():
    torch.manual_seed(0)
    layer = init_normal_(nn.Linear(200, 300))
    assert abs(layer.weight.std().item() - 0.02) < 0.001
    assert abs(layer.weight.mean().item()) < 0.001
    assert torch.count_nonzero(layer.bias) == 0
    for m in gaussian_discriminator():
        if isinstance(m, nn.Linear):
            assert m.weight.abs().max() < 0.2 and torch.count_nonzero(m.bias) == 0
    with pytest.raises(ValueError):
        init_normal_(nn.Linear(2, 2), std=0)


def test_bad_model_arguments_raise():
    with pytest.raises(ValueError, match="latent_dim"):
        gaussian_generator(0)
    with pytest.raises(ValueError, match="exactly one nn.Linear"):
        linear_layer(gaussian_discriminator())
    with pytest.raises(TypeError):
        linear_layer("generator")


def test_linear_generator_moments_match_samples():
    g = probe_generator([[1.0, 2.0], [0.0, 1.0]], [3.0, -1.0])
    m, c = linear_generator_moments(g)
    assert torch.allclose(m, torch.tensor([3.0, -1.0], dtype=torch.float64))
    assert torch.allclose(c, torch.tensor([[5.0, 2.0], [2.0, 1.0]], dtype=torch.float64))
    torch.manual_seed(0)
    with torch.no_grad():
        xs = g(torch.randn(200_000, 2))
    sm, sc = sample_moments(xs)
    assert (sm - m).norm() < 0.03 and (sc - c).norm() < 0.08
    assert linear_generator_moments(g[0])[1].shape == (2, 2)


def test_linear_generator_moments_are_detached_copies():
    g = gaussian_generator()
    m, c = linear_generator_moments(g)
    with torch.no_grad():
        g[0].bias.add_(1.0)
    assert torch.count_nonzero(m) == 0 and not m.requires_grad and not c.requires_grad


# ---------------------------------------------------------------- metrics


def test_sample_moments_agree_with_numpy():
    x = np.random.default_rng(0).normal(size=(50, 3))
    m, c = sample_moments(x)
    assert np.allclose(m.numpy(), x.mean(0)) and np.allclose(c.numpy(), np.cov(x.T))
    _, c_mle = sample_moments(x, unbiased=False)
    assert np.allclose(c_mle.numpy(), np.cov(x.T, bias=True))
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        sample_moments(np.zeros(5))


def test_errors():
    assert mean_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert mean_error([4.0, 6.0], [1.0, 2.0]) == pytest.approx(5.0)
    eye = torch.eye(2)
    assert covariance_error(2 * eye, eye) == pytest.approx(math.sqrt(2))
    assert covariance_error(2 * eye, eye, relative=True) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        mean_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        covariance_error(torch.eye(2), torch.eye(3))
    with pytest.raises(TypeError):
        mean_error(object(), [1.0])


def test_lowest_variance_direction_of_the_course_gaussian():
    var, u = lowest_variance_direction(true_covariance())
    assert var == pytest.approx(0.0949, abs=1e-3)
    assert u[0] > 0 and torch.allclose(u, torch.tensor([0.905, -0.425], dtype=torch.float64), atol=1e-3)
    assert variance_along(true_covariance(), u) == pytest.approx(var)
    assert variance_along(true_covariance(), 3 * u) == pytest.approx(var)
    var2, u2 = lowest_variance_direction(torch.diag(torch.tensor([4.0, 1.0])))
    assert var2 == pytest.approx(1.0) and torch.allclose(u2.abs(), torch.tensor([0.0, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="zero vector"):
        variance_along(torch.eye(2), [0.0, 0.0])


def test_lowest_variance_report():
    true = true_covariance()
    same = lowest_variance_report(true, true)
    assert same["relative_error"] == pytest.approx(0, abs=1e-9) and same["angle_deg"] == pytest.approx(0, abs=1e-4)
    assert same["largest_variance"] == pytest.approx(5.165, abs=1e-3)
    inflated = lowest_variance_report(true + 0.0949 * torch.eye(2), true)
    assert inflated["relative_error"] == pytest.approx(1.0, rel=1e-2)
    rotated = lowest_variance_report(torch.diag(torch.tensor([1.0, 4.0])), torch.diag(torch.tensor([4.0, 1.0])))
    assert rotated["angle_deg"] == pytest.approx(90.0)


def test_moment_errors_keys_and_shape_checks():
    out = moment_errors(true_mean(), true_covariance(), true_mean(), true_covariance())
    assert set(out) == {"mean_error", "cov_error", "cov_rel_error", "minor_variance", "minor_rel_error", "minor_angle_deg"}
    assert out["mean_error"] == 0 and out["cov_error"] == 0
    with pytest.raises(ValueError, match=r"shape \(d,\)"):
        moment_errors(true_mean().reshape(1, 2), true_covariance(), true_mean(), true_covariance())
    with pytest.raises(ValueError, match="covariance must have shape"):
        moment_errors(true_mean(), torch.eye(3), true_mean(), true_covariance())


def test_discriminator_accuracy_two_class_scores():
    real = torch.tensor([[0.0, 1.0], [0.0, 2.0], [3.0, 0.0], [0.0, 1.0]])  # 3 of 4 say real
    fake = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [5.0, 0.0]])  # 3 of 4 say fake
    assert discriminator_accuracy(real, fake) == pytest.approx(6 / 8)
    assert discriminator_accuracy(real, fake, real_class=0) == pytest.approx(2 / 8)


def test_discriminator_accuracy_one_score():
    real_logits = torch.tensor([[2.0], [-1.0]])
    fake_logits = torch.tensor([-3.0, -0.5, 0.5])
    assert discriminator_accuracy(real_logits, fake_logits) == pytest.approx(3 / 5)
    probs = torch.tensor([0.9, 0.2]), torch.tensor([0.1, 0.7])
    assert discriminator_accuracy(*probs, from_logits=False) == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match=r"\(B, 2\)"):
        discriminator_accuracy(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="empty"):
        discriminator_accuracy(torch.zeros(0), torch.zeros(0))


def test_discriminator_score_spread():
    x = gaussian_data(100, seed=0)
    d = gaussian_discriminator()
    assert 0 < discriminator_score_spread(d, x) < 0.01  # N(0, 0.02) weights: D barely reacts at first
    with torch.no_grad():
        d[-1].weight.zero_()
        d[-1].weight[1, 0] = 1.0  # D's verdict = the first tanh unit of layer 2
        d[0].weight.mul_(100)
    assert discriminator_score_spread(d, x) > 0.01
    saturated = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    with torch.no_grad():
        saturated[0].weight.zero_()
        saturated[0].bias.copy_(torch.tensor([-50.0, 50.0]))
    assert discriminator_score_spread(saturated, x) == 0.0
    one = nn.Linear(2, 1)
    assert discriminator_score_spread(one, x) == pytest.approx(float(one(x).detach().double().std()), rel=1e-5)
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        discriminator_score_spread(d, torch.zeros(2))
    with pytest.raises(ValueError, match="output"):
        discriminator_score_spread(nn.Linear(2, 3), x)


# ---------------------------------------------------------------- plots


def test_plots_draw_ellipses_and_curves():
    x = gaussian_data(200, seed=0)
    ests = {"true": (true_mean(), true_covariance()), "closed form": sample_moments(x), "GAN": (x.mean(0), torch.eye(2))}
    ax = plot_gaussian_fit(x, x + 0.1, estimates=ests, title="t")
    assert len(ax.patches) == 3
    e = ax.patches[0]
    assert e.width == pytest.approx(4 * math.sqrt(5.165), rel=1e-3)
    assert e.height == pytest.approx(4 * math.sqrt(0.0949), rel=1e-2)
    ax2 = plot_accuracy([0.76, 0.6, 0.5], reference=[0.7645, 0.639, 0.551])
    assert len(ax2.lines) == 3
    plot_accuracy({f"seed {i}": [0.7, 0.5] for i in range(5)})
    with pytest.raises(ValueError, match="2-D"):
        covariance_ellipse(torch.zeros(3), torch.eye(3))
    with pytest.raises(ValueError, match="empty"):
        plot_accuracy([])
    plt.close("all")


# ---------------------------------------------------------------- the original's epoch


def _setup(seed, n=1000):
    seed_everything(seed)
    x = gaussian_data(n)
    g, d = gaussian_generator(), gaussian_discriminator()
    og = torch.optim.Adam(g.parameters(), lr=0.01)
    od = torch.optim.Adam(d.parameters(), lr=0.05)
    return x, g, d, og, od, DataLoader(TensorDataset(x), batch_size=4, shuffle=True)


def test_train_epoch_learns_the_gaussian():
    x, g, d, og, od, loader = _setup(0)
    accs = [train_gaussian_epoch(g, d, og, od, loader) for _ in range(3)]
    assert accs[0] > 0.6, accs  # D wins at first ...
    assert abs(accs[-1] - 0.5) < 0.1, accs  # ... then cannot tell them apart
    m, c = linear_generator_moments(g)
    assert mean_error(m, true_mean()) < 1.5  # an untrained G is 2.24 away
    assert covariance_error(c, true_covariance()) < 4.0  # and 5.2 away


def test_train_epoch_is_reproducible_and_accepts_plain_tensors():
    *_, g1, d1, og1, od1, l1 = _setup(5, n=40)
    train_gaussian_epoch(g1, d1, og1, od1, l1)
    *_, g2, d2, og2, od2, l2 = _setup(5, n=40)
    train_gaussian_epoch(g2, d2, og2, od2, l2)
    assert all(torch.equal(a, b) for a, b in zip(g1.parameters(), g2.parameters()))
    x = torch.randn(8, 2)
    acc = train_gaussian_epoch(g1, d1, og1, od1, [x[:4], x[4:]])
    assert 0.0 <= acc <= 1.0
    with pytest.raises(ValueError, match="no batches"):
        train_gaussian_epoch(g1, d1, og1, od1, [])


def test_train_epoch_updates_d_before_g_on_the_same_fake():
    """D's step comes first (on the detached fake); G is then scored by the *updated* D."""
    seed_everything(0)
    g, d = gaussian_generator(), gaussian_discriminator()
    calls = []
    og = torch.optim.SGD(g.parameters(), lr=0.1)
    od = torch.optim.SGD(d.parameters(), lr=0.1)
    og.register_step_post_hook(lambda *a: calls.append("G"))
    od.register_step_post_hook(lambda *a: calls.append("D"))
    train_gaussian_epoch(g, d, og, od, [torch.randn(4, 2), torch.randn(4, 2)])
    assert calls == ["D", "G", "D", "G"]


# ---------------------------------------------------------------- the exercise's check: catalog


def _W(g):
    return g[0].weight.detach()


def _b(g):
    return g[0].bias.detach().clone()


def correct_basic(g):
    return _b(g), _W(g) @ _W(g).T


def correct_no_grad(g):
    with torch.no_grad():
        layer = g[0]
        return layer.bias.clone(), layer.weight @ layer.weight.t()


def correct_float64_einsum(g):
    W = g[0].weight.detach().double()
    return g[0].bias.detach().double(), torch.einsum("ik,jk->ij", W, W)


def correct_list_and_modules(g):
    layer = [m for m in g.modules() if isinstance(m, nn.Linear)][0]
    W = layer.weight.data
    return [layer.bias.data.clone(), torch.mm(W, W.transpose(0, 1))]


def correct_by_pushing_identity(g):
    # covariance as a sum of outer products of the columns of W
    with torch.no_grad():
        cols = g(torch.eye(g[0].in_features)) - g[0].bias
        return g[0].bias.clone(), cols.T @ cols


CORRECT = [correct_basic, correct_no_grad, correct_float64_einsum, correct_list_and_modules, correct_by_pushing_identity]


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
def test_check_accepts_correct_versions(fn):
    probes = default_probes() + [random_probe_generator(3, 2, seed=1), random_probe_generator(2, 3, seed=2)]
    report = check_implied_gaussian(fn, probes)
    assert report.passed, str(report)
    assert not report.warnings, str(report)


def test_check_warns_when_tied_to_parameters():
    report = check_implied_gaussian(lambda g: (g[0].bias, g[0].weight @ g[0].weight.T))
    assert report.passed and [w.code for w in report.warnings] == ["not_detached"]
    report = check_implied_gaussian(lambda g: (g[0].bias.data, _W(g) @ _W(g).T))
    assert report.passed and [w.code for w in report.warnings] == ["not_detached"]


def _stub(g):
    raise NotImplementedError()


def _sampled(n):
    def fn(g):
        torch.manual_seed(1)
        with torch.no_grad():
            xs = g(torch.randn(n, g[0].in_features))
        return xs.mean(0), torch.cov(xs.T)

    return fn


def _mean_bad_sampled_cov_ok(g):
    torch.manual_seed(1)
    with torch.no_grad():
        xs = g(torch.randn(2000, 2))
    return xs.mean(0), _W(g) @ _W(g).T


def _inplace(g):
    W = g[0].weight.data
    W.mul_(1.0)  # harmless no-op in value ...
    g[0].bias.data.add_(1.0)  # ... but this one changes the generator
    b = g[0].bias.detach().clone() - 1.0
    return b, W @ W.T


BUGGY = [
    ("stub", _stub, "not_implemented"),
    ("transposed product", lambda g: (_b(g), _W(g).T @ _W(g)), "cov_transposed"),
    ("forgot the bias", lambda g: (torch.zeros(2), _W(g) @ _W(g).T), "mean_missing_bias"),
    ("weight as covariance", lambda g: (_b(g), _W(g).clone()), "cov_is_weight"),
    ("second moment", lambda g: (_b(g), _W(g) @ _W(g).T + torch.outer(_b(g), _b(g))), "cov_second_moment"),
    ("diagonal only", lambda g: (_b(g), torch.diag((_W(g) ** 2).sum(1))), "cov_diagonal_only"),
    ("variances as a vector", lambda g: (_b(g), (_W(g) ** 2).sum(1)), "cov_shape"),
    ("flattened covariance", lambda g: (_b(g), (_W(g) @ _W(g).T).reshape(-1)), "cov_shape"),
    ("mean as a row", lambda g: (_b(g).reshape(1, -1), _W(g) @ _W(g).T), "mean_shape"),
    ("swapped outputs", lambda g: (_W(g) @ _W(g).T, _b(g)), "outputs_swapped"),
    ("numpy arrays", lambda g: (_b(g).numpy(), (_W(g) @ _W(g).T).numpy()), "returns_wrong_type"),
    ("python lists", lambda g: (_b(g).tolist(), (_W(g) @ _W(g).T).tolist()), "returns_wrong_type"),
    ("returns a dict", lambda g: {"mean": _b(g), "cov": _W(g) @ _W(g).T}, "returns_wrong_type"),
    ("returns only the mean", lambda g: _b(g), "returns_wrong_type"),
    ("returns nothing", lambda g: None, "returns_wrong_type"),
    ("data's moments", lambda g: (true_mean(), true_covariance()), "mean_is_data"),
    ("data's covariance", lambda g: (_b(g), true_covariance()), "cov_is_data"),
    ("sampled estimate", _sampled(20_000), "cov_approximate"),
    ("sampled mean", _mean_bad_sampled_cov_ok, "mean_approximate"),
    ("weight on the Sequential", lambda g: (g.bias, g.weight @ g.weight.T), "raised"),
    ("modifies the generator", _inplace, "mutates_inputs"),
    ("covariance is W squared elementwise", lambda g: (_b(g), _W(g) ** 2), "cov_wrong"),
    ("mean is the column sums", lambda g: (_W(g).sum(1), _W(g) @ _W(g).T), "mean_wrong"),
    ("not a function", 42, "not_callable"),
]


_GLOBAL_G = gaussian_generator(latent_dim=2, data_dim=2)


def test_a_function_that_ignores_its_argument_is_told_so():
    """It reads a global generator (the notebook's G): the message says the argument was ignored."""
    def uses_global(generator):
        W = _GLOBAL_G[0].weight.detach()
        return _GLOBAL_G[0].bias.detach().clone(), W @ W.T

    for probes in (None, [random_probe_generator(2, 3, seed=1)]):
        report = check_implied_gaussian(uses_global, probes)
        assert report.codes == ["ignores_input"] * len(report.codes) and report.codes, str(report)
        assert "ignores its argument" in str(report)


def test_the_visible_shapes_include_noise_of_size_one():
    """A squeeze of W passes on square generators and fails the noise size 1 that grading tries."""
    def squeezed(generator):
        W = generator[0].weight.detach().squeeze()
        return generator[0].bias.detach().clone(), W @ W.T

    assert check_implied_gaussian(squeezed).passed
    assert "cov_shape" in check_implied_gaussian(squeezed, [random_probe_generator(1, 3, seed=53)]).codes


@pytest.mark.parametrize("name,fn,code", BUGGY, ids=[b[0] for b in BUGGY])
def test_check_names_each_bug(name, fn, code):
    report = check_implied_gaussian(fn)
    assert not report.passed
    assert code in report.codes, str(report)
    for p in report.problems:
        assert "Traceback" not in p.message and len(p.message) < 400


def test_check_messages_for_common_bugs_name_the_fix():
    r = check_implied_gaussian(lambda g: (_b(g), _W(g).T @ _W(g)))
    assert "W @ W.T" in r.problems[0].message
    r = check_implied_gaussian(lambda g: (g.bias, g.weight))
    assert "generator[0]" in r.problems[0].message


def test_hidden_probes_catch_hard_coded_two_dimensions():
    """Buggy code that passes the square default probes but fails on other shapes."""

    def hard_coded(g):
        W = _W(g)[:2, :2]
        return _b(g)[:2], W @ W.T

    assert check_implied_gaussian(hard_coded).passed  # the visible probes are 2 -> 2 ...
    r = check_implied_gaussian(hard_coded, [random_probe_generator(2, 3, seed=0)])
    assert not r.passed and "mean_shape" in r.codes  # ... a 2 -> 3 generator is not
    r = check_implied_gaussian(lambda g: (_b(g), _W(g).T @ _W(g)), [random_probe_generator(2, 3, seed=0)])
    assert r.codes == ["cov_transposed"]
    r = check_implied_gaussian(lambda g: (_b(g), _W(g).T @ _W(g)), [random_probe_generator(3, 2, seed=0)])
    assert r.codes == ["cov_transposed"]


def test_check_restores_a_modified_generator_and_uses_given_generators():
    g = probe_generator([[1.0, 0.0], [0.5, 2.0]], [0.0, 1.0])
    before = [p.detach().clone() for p in g.parameters()]
    check_implied_gaussian(_inplace, [g])
    assert all(torch.equal(a, b) for a, b in zip(before, g.parameters()))
    seed_everything(0)
    trained_like = gaussian_generator()
    assert check_implied_gaussian(correct_basic, [trained_like]).passed


def test_check_rejects_bad_probes():
    with pytest.raises(ValueError, match="empty"):
        check_implied_gaussian(correct_basic, [])
    with pytest.raises(ValueError, match="exactly one nn.Linear"):
        check_implied_gaussian(correct_basic, [gaussian_discriminator()])
    with pytest.raises(ValueError, match="bias"):
        check_implied_gaussian(correct_basic, [nn.Sequential(nn.Linear(2, 2, bias=False))])

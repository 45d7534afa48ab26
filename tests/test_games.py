"""The xy game (aml_gan.games) and the grading checks of its exercise (aml_gan.checks.games)."""
import math

import numpy as np
import pytest
import torch

from aml_gan import games
from aml_gan.checks import check_alternating_step, check_simultaneous_step


# ----------------------------------------------------------------------------------------- simulate


@pytest.mark.parametrize("method", games.METHODS)
def test_simulate_shape_and_start(method):
    out = games.simulate(method, 1.0, -0.5, 0.1, 25)
    assert out.shape == (26, 2)
    assert out.dtype == np.float64
    assert tuple(out[0]) == (1.0, -0.5)


def test_simultaneous_radius_grows_exactly():
    lr = 0.2
    r = games.radius(games.simulate("simultaneous", 0.6, 0.8, lr, 100))
    np.testing.assert_allclose(r, (1 + lr**2) ** (np.arange(101) / 2), rtol=1e-12)


def test_alternating_conserves_invariant_and_stays_bounded():
    lr = 0.3
    out = games.simulate("alternating", 1.0, 0.4, lr, 2000)
    inv = games.alternating_invariant(out, lr)
    np.testing.assert_allclose(inv, inv[0], rtol=1e-10)
    assert games.radius(out).max() < 1.5


@pytest.mark.parametrize("method", ["optimistic", "extragradient"])
def test_optimistic_and_extragradient_converge(method):
    r = games.radius(games.simulate(method, 1.0, 0.0, 0.2, 400))
    assert r[-1] < 0.05 * r[0]


def test_extragradient_factor():
    lr = 0.3
    r = games.radius(games.simulate("extragradient", 1.0, 0.0, lr, 10))
    np.testing.assert_allclose(r[1:] / r[:-1], math.sqrt(1 - lr**2 + lr**4), rtol=1e-12)


def test_zero_steps_and_origin():
    assert games.simulate("alternating", 0.0, 0.0, 0.1, 0).shape == (1, 2)
    assert np.all(games.simulate("optimistic", 0.0, 0.0, 0.1, 5) == 0)


def test_methods_accept_case_and_spaces():
    assert games.simulate(" Simultaneous ", 1, 0, 0.1, 2).shape == (3, 2)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(method="simultanous"), ValueError, "Did you mean 'simultaneous'"),
        (dict(method="adam"), ValueError, "choose one of"),
        (dict(method=3), TypeError, "string"),
        (dict(lr=0.0), ValueError, "positive"),
        (dict(lr=-0.1), ValueError, "positive"),
        (dict(lr=float("inf")), ValueError, "finite"),
        (dict(x0=float("nan")), ValueError, "finite"),
        (dict(y0="1"), TypeError, "real number"),
        (dict(steps=2.5), TypeError, "whole number"),
        (dict(steps=-1), ValueError, "0 or more"),
        (dict(steps=True), TypeError, "whole number"),
    ],
)
def test_simulate_bad_input(kwargs, error, words):
    args = dict(method="simultaneous", x0=1.0, y0=0.0, lr=0.1, steps=5)
    args.update(kwargs)
    with pytest.raises(error, match=words):
        games.simulate(**args)


def test_trajectory_matches_simulate():
    np.testing.assert_allclose(
        games.trajectory(games.alternating_step, 1.0, 0.2, 0.1, 30),
        games.simulate("alternating", 1.0, 0.2, 0.1, 30),
    )
    with pytest.raises(TypeError, match="return two numbers"):
        games.trajectory(lambda x, y, lr: None, 1.0, 0.0, 0.1, 3)


# ------------------------------------------------------------------------------------- checks catalog


def sim_correct(x, y, lr):
    return x - lr * y, y + lr * x


def sim_correct_tuple_unpacking(x, y, lr):
    x_new, y_new = x - lr * y, y + lr * x
    return (x_new, y_new)


def sim_correct_via_gradients(x, y, lr):
    grad_x, grad_y = y, x
    return [x - lr * grad_x, y + lr * grad_y]


def sim_correct_numpy_return(x, y, lr):
    return np.array([x, y]) + lr * np.array([-y, x])


def alt_correct(x, y, lr):
    x = x - lr * y
    y = y + lr * x
    return x, y


def alt_correct_via_simultaneous(x, y, lr):
    x_new = x - lr * y
    return x_new, y + lr * x_new


def alt_correct_float32(x, y, lr):
    x_new = np.float64(x) - lr * np.float64(y)
    return float(x_new), float(y + lr * x_new)


def sim_autograd(x, y, lr, dtype=torch.float32):  # torch's default dtype, gradients from autograd
    px, py = torch.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(y, dtype=dtype, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px - lr * gx).item(), (py + lr * gy).item()


def sim_autograd_signs_swapped(x, y, lr):
    px, py = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px + lr * gx).item(), (py - lr * gy).item()


def alt_autograd(x, y, lr, dtype=torch.float32):
    px = torch.tensor(x, dtype=dtype, requires_grad=True)
    (gx,) = torch.autograd.grad(px * torch.tensor(y, dtype=dtype), px)
    x_new = (px - lr * gx).detach()
    py = torch.tensor(y, dtype=dtype, requires_grad=True)
    (gy,) = torch.autograd.grad(x_new * py, py)
    return x_new.item(), (py + lr * gy).item()


def stub(x, y, lr):
    raise NotImplementedError()


def crashes(x, y, lr):
    return x - lr * z  # noqa: F821 (a NameError on purpose)


SIMULTANEOUS_CATALOG = [
    (sim_correct, []),
    (sim_correct_tuple_unpacking, []),
    (sim_correct_via_gradients, []),
    (sim_correct_numpy_return, []),
    (sim_autograd, []),
    (lambda x, y, lr: sim_autograd(x, y, lr, torch.float64), []),
    (lambda x, y, lr: alt_autograd(x, y, lr), ["uses_new_x"]),
    (sim_autograd_signs_swapped, ["sign_flipped"]),
    (stub, ["not_implemented"]),
    (crashes, ["raised"]),
    (lambda x, y, lr: x - lr * y, ["returns_wrong_type"]),
    (lambda x, y, lr: (x - lr * y, y + lr * x, 0.0), ["returns_wrong_type"]),
    (lambda x, y, lr: (float("nan"), y), ["not_finite"]),
    (alt_correct, ["uses_new_x"]),
    (lambda x, y, lr: (x - lr * (y + lr * x), y + lr * x), ["uses_new_y"]),
    (lambda x, y, lr: (x + lr * y, y - lr * x), ["sign_flipped"]),
    (lambda x, y, lr: (x + lr * y, y + lr * x), ["x_ascends"]),
    (lambda x, y, lr: (x - lr * y, y - lr * x), ["y_descends"]),
    (lambda x, y, lr: (x - lr * x, y + lr * y), ["wrong_gradient"]),
    (lambda x, y, lr: (y + lr * x, x - lr * y), ["outputs_swapped"]),
    (lambda x, y, lr: (x - y, y + x), ["lr_ignored"]),
    (lambda x, y, lr: (x, y), ["no_update"]),
    (lambda x, y, lr: (x - 1.01 * lr * y, y + lr * x), ["radius"]),
    (lambda x, y, lr: (x - lr * y, y + lr * x + 1e-3), ["radius"]),
    (lambda x, y, lr: (x - lr * math.sin(y), y + lr * x), ["radius"]),
    # right along the graded trajectory (|x| + |y| < 2 there), wrong at the far probe points
    (lambda x, y, lr: (x - lr * y, y + lr * x) if abs(x) + abs(y) < 2 else (x, y), ["wrong_value"]),
]

ALTERNATING_CATALOG = [
    (alt_correct, []),
    (alt_correct_via_simultaneous, []),
    (alt_correct_float32, []),
    (alt_autograd, []),
    (lambda x, y, lr: alt_autograd(x, y, lr, torch.float64), []),
    (sim_autograd, ["not_alternating"]),
    (stub, ["not_implemented"]),
    (crashes, ["raised"]),
    (lambda x, y, lr: None, ["returns_wrong_type"]),
    (sim_correct, ["not_alternating"]),
    (lambda x, y, lr: (x - lr * (y + lr * x), y + lr * x), ["y_first"]),
    (lambda x, y, lr: (x + lr * y, y - lr * (x + lr * y)), ["sign_flipped"]),
    (lambda x, y, lr: (x + lr * y, y + lr * (x + lr * y)), ["x_ascends"]),
    (lambda x, y, lr: (x - lr * y, y - lr * (x - lr * y)), ["y_descends"]),
    (lambda x, y, lr: (x - lr * x, y + lr * y), ["wrong_gradient"]),
    (lambda x, y, lr: (y + lr * (x - lr * y), x - lr * y), ["outputs_swapped"]),
    (lambda x, y, lr: (x - y, y + (x - y)), ["lr_ignored"]),
    (lambda x, y, lr: (x, y), ["no_update"]),
    (lambda x, y, lr: (x - 2 * lr * y, y + 2 * lr * (x - 2 * lr * y)), ["not_conserved"]),
    (lambda x, y, lr: (x - lr * y, y + lr * (x - lr * y) * 0.999), ["not_conserved"]),
]


@pytest.mark.parametrize("fn, codes", SIMULTANEOUS_CATALOG)
def test_check_simultaneous_catalog(fn, codes):
    report = check_simultaneous_step(fn)
    assert report.codes == codes, str(report)
    if codes:
        with pytest.raises(AssertionError):
            report.raise_for_problems()
        assert all(len(p.message) > 40 and "Traceback" not in p.message for p in report.problems)


@pytest.mark.parametrize("fn, codes", ALTERNATING_CATALOG)
def test_check_alternating_catalog(fn, codes):
    report = check_alternating_step(fn)
    assert report.codes == codes, str(report)


@pytest.mark.parametrize("lr, start, steps", [(0.3, (-0.5, 2.0), 80), (0.05, (0.0, -1.0), 300)])
def test_checks_pass_at_other_settings(lr, start, steps):
    assert check_simultaneous_step(sim_correct, lr=lr, start=start, steps=steps).passed
    assert check_alternating_step(alt_correct, lr=lr, start=start, steps=steps).passed


@pytest.mark.parametrize("lr, start, steps", [(0.35, (-0.4, 1.2), 120), (0.02, (0.0, -3.0), 400),
                                              (0.45, (0.7, -0.2), 500), (0.01, (-2.0, 2.0), 300)])
def test_float32_updates_pass_the_hidden_settings(lr, start, steps):
    """A correct update in float32 (what autograd gives by default) passes every setting the notebook grades with."""
    assert check_simultaneous_step(sim_autograd, lr=lr, start=start, steps=steps).passed
    assert check_alternating_step(alt_autograd, lr=lr, start=start, steps=steps).passed


def test_stateful_step_caught_by_the_trajectory():
    calls = []

    def drifting(x, y, lr):  # right for the first few calls, then drifts
        calls.append(1)
        scale = 1.0 if len(calls) < 8 else 1.001
        return x - lr * y * scale, y + lr * x

    assert check_simultaneous_step(drifting).codes == ["radius"]


def test_check_settings_validated():
    with pytest.raises(ValueError, match="lr"):
        check_simultaneous_step(sim_correct, lr=2.0)
    with pytest.raises(ValueError, match="origin"):
        check_alternating_step(alt_correct, start=(0.0, 0.0))


# ---------------------------------------------------------------------------------- plots and widget


def test_game_plots_draw(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aml_gan.plots import plot_game

    fig = plot_game({m: games.simulate(m, 1.0, 0.0, 0.1, 20) for m in games.METHODS}, lr=0.1)
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 4
    with pytest.raises(ValueError, match="at least one"):
        plot_game({})
    with pytest.raises(ValueError, match="shape"):
        plot_game({"bad": np.zeros((3, 3))})
    plt.close("all")


def test_game_explorer_static_and_live():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aml_gan.widgets.games import game_explorer, game_trajectory, plot_game_grid, show_game_explorer

    def broken(x, y, lr):
        raise NotImplementedError()

    fig = plot_game_grid(methods=("simultaneous", "mine"), lrs=(0.1, 0.3), steps=10,
                         extra_steps={"mine": broken})
    assert len(fig.axes) == 4  # a failing student step is shown as text, not raised
    assert game_trajectory("mine", 0.1, 5, extra_steps={"mine": sim_correct}).shape == (6, 2)
    box = game_explorer(steps=10, extra_steps={"mine": sim_correct})
    assert box is not None and "mine" in box.children[0].options
    box.children[0].value = "mine"  # redraws without error
    assert show_game_explorer(live=False, steps=10) is None
    plt.close("all")

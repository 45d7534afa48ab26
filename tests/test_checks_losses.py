"""The catalog of student losses that specifies the loss checks of notebook 02.

Every correct version must pass with no problem; every buggy one must fail with the
named code. Conventions: ``discriminator_loss(d_real, d_fake)``, ``generator_loss(d_fake)``
(sigmoid outputs of shape (batch, 1), 0-d tensor back), and
``margin_losses(c_real, c_fake, margin) -> (cost_loss, gen_loss)``.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aml_gan import losses as package_losses
from aml_gan.checks import check_discriminator_loss, check_generator_loss, check_margin_losses
from student_copies import as_student, student_module

# The package's losses as a student's own code (the checks refuse the package's twins).
reference = student_module(package_losses)

EPS = 1e-7

# ============================================================================ discriminator loss

D_CORRECT = [
    ("reference", reference.discriminator_loss),
    ("clamped_logs_mean", lambda r, f: (-torch.log(r.clamp(min=EPS)) - torch.log((1 - f).clamp(min=EPS))).mean()),
    ("two_means", lambda r, f: -torch.log(r.clamp(EPS, 1)).mean() - torch.log((1 - f).clamp(EPS, 1)).mean()),
    ("bce_functional", lambda r, f: F.binary_cross_entropy(r, torch.ones_like(r)) + F.binary_cross_entropy(f, torch.zeros_like(f))),
    ("bce_module_on_cat", lambda r, f: nn.BCELoss()(torch.cat([r, f]), torch.cat([torch.ones_like(r), torch.zeros_like(f)]))),
    ("sum", lambda r, f: (-torch.log(r.clamp(min=EPS)) - torch.log((1 - f).clamp(min=EPS))).sum()),
    ("bce_sum", lambda r, f: F.binary_cross_entropy(r, torch.ones_like(r), reduction="sum")
     + F.binary_cross_entropy(f, torch.zeros_like(f), reduction="sum")),
    ("log_plus_eps", lambda r, f: -(torch.log(r + 1e-8) + torch.log(1 - f + 1e-8)).mean()),
]

D_BUGGY = [
    ("plain_logs_inf_at_saturation", lambda r, f: (-torch.log(r) - torch.log(1 - f)).mean(), "not_finite_at_saturation"),
    ("labels_swapped", lambda r, f: F.binary_cross_entropy(r, torch.zeros_like(r)) + F.binary_cross_entropy(f, torch.ones_like(f)),
     "wrong_discriminator_loss"),
    ("sign_flipped", lambda r, f: (torch.log(r.clamp(min=EPS)) + torch.log((1 - f).clamp(min=EPS))).mean(), "wrong_discriminator_loss"),
    ("missing_one_minus", lambda r, f: (-torch.log(r.clamp(min=EPS)) - torch.log(f.clamp(min=EPS))).mean(), "wrong_discriminator_loss"),
    ("missing_fake_term", lambda r, f: -torch.log(r.clamp(min=EPS)).mean(), "wrong_discriminator_loss"),
    ("least_squares", lambda r, f: ((r - 1) ** 2).mean() + (f ** 2).mean(), "wrong_discriminator_loss"),
    ("no_logs", lambda r, f: (1 - r).mean() + f.mean(), "wrong_discriminator_loss"),
    ("mean_and_sum_mixed", lambda r, f: -torch.log(r.clamp(min=EPS)).mean() - torch.log((1 - f).clamp(min=EPS)).sum(),
     "wrong_discriminator_loss"),
    ("constant_added", lambda r, f: 1 + reference.discriminator_loss(r, f), "wrong_discriminator_loss"),
    ("not_averaged", lambda r, f: -torch.log(r.clamp(min=EPS)) - torch.log((1 - f).clamp(min=EPS)), "not_scalar"),
    ("item", lambda r, f: reference.discriminator_loss(r, f).item(), "returns_wrong_type"),
    ("detached", lambda r, f: reference.discriminator_loss(r, f).detach(), "not_differentiable"),
    ("numpy", lambda r, f: float(np.mean(-np.log(r.detach().numpy()) - np.log(1 - f.detach().numpy()))), "returns_wrong_type"),
    ("two_values", lambda r, f: (-torch.log(r).mean(), -torch.log(1 - f).mean()), "returns_wrong_type"),
    # BCEWithLogitsLoss on the sigmoid's outputs: https://github.com/NVIDIA-Merlin/models/pull/1175
    ("bce_with_logits", lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
     + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), "sigmoid_applied_twice"),
    ("stub", lambda r, f: (_ for _ in ()).throw(NotImplementedError()), "not_implemented"),
]


@pytest.mark.parametrize("fn", [f for _, f in D_CORRECT], ids=[n for n, _ in D_CORRECT])
def test_correct_discriminator_losses_pass(fn):
    report = check_discriminator_loss(fn)
    assert report.passed and not report.warnings, str(report)


@pytest.mark.parametrize("fn,code", [(f, c) for _, f, c in D_BUGGY], ids=[n for n, _, _ in D_BUGGY])
def test_buggy_discriminator_losses_fail(fn, code):
    report = check_discriminator_loss(fn)
    assert code in report.codes, str(report)
    with pytest.raises(AssertionError):
        report.raise_for_problems()


def test_discriminator_loss_messages_name_the_bug():
    swapped = check_discriminator_loss(D_BUGGY[1][1])
    assert "swapped" in str(swapped)
    stub = check_discriminator_loss(D_BUGGY[-1][1])
    assert "NotImplementedError" in str(stub) and "Traceback" not in str(stub)


# ============================================================================ generator loss

G_CORRECT = [
    ("reference", reference.generator_loss),
    ("clamped_log", lambda f: -torch.log(f.clamp(min=EPS)).mean()),
    ("bce_target_one", lambda f: F.binary_cross_entropy(f, torch.ones_like(f))),
    ("bce_module_sum", lambda f: nn.BCELoss(reduction="sum")(f, torch.ones_like(f))),
    ("log_plus_eps", lambda f: -torch.log(f + 1e-8).mean()),
]

G_BUGGY = [
    ("saturating", lambda f: torch.log((1 - f).clamp(min=EPS)).mean(), "saturating_generator_loss"),
    ("saturating_reference", reference.minimax_generator_loss, "saturating_generator_loss"),
    ("sign_flipped", lambda f: torch.log(f.clamp(min=EPS)).mean(), "wrong_generator_loss"),
    ("disc_fake_term", lambda f: -torch.log((1 - f).clamp(min=EPS)).mean(), "wrong_generator_loss"),
    ("no_log", lambda f: (1 - f).mean(), "wrong_generator_loss"),
    ("log_of_mean", lambda f: -torch.log(f.mean()), "wrong_generator_loss"),
    ("least_squares", lambda f: ((f - 1) ** 2).mean(), "wrong_generator_loss"),
    ("plain_log", lambda f: -torch.log(f).mean(), "not_finite_at_saturation"),
    ("not_averaged", lambda f: -torch.log(f.clamp(min=EPS)), "not_scalar"),
    ("item", lambda f: reference.generator_loss(f).item(), "returns_wrong_type"),
    ("no_grad", lambda f: torch.tensor(reference.generator_loss(f).item()), "not_differentiable"),
    ("stub", lambda f: (_ for _ in ()).throw(NotImplementedError()), "not_implemented"),
    ("bce_with_logits", lambda f: nn.BCEWithLogitsLoss()(f, torch.ones_like(f)), "sigmoid_applied_twice"),
]


@pytest.mark.parametrize("fn", [f for _, f in G_CORRECT], ids=[n for n, _ in G_CORRECT])
def test_correct_generator_losses_pass(fn):
    report = check_generator_loss(fn)
    assert report.passed and not report.warnings, str(report)


@pytest.mark.parametrize("fn,code", [(f, c) for _, f, c in G_BUGGY], ids=[n for n, _, _ in G_BUGGY])
def test_buggy_generator_losses_fail(fn, code):
    report = check_generator_loss(fn)
    assert code in report.codes, str(report)


def test_saturating_is_not_also_called_wrong():
    report = check_generator_loss(reference.minimax_generator_loss)
    assert report.codes == ["saturating_generator_loss"]


# ============================================================================ margin losses


def _margin(cost_real=lambda r: r.mean(), hinge=lambda m, f: torch.relu(m - f).mean(), gen=lambda f: f.mean()):
    def fn(c_real, c_fake, margin):
        return cost_real(c_real) + hinge(margin, c_fake), gen(c_fake)

    return fn


M_CORRECT = [
    ("reference", reference.margin_losses),
    ("relu", _margin()),
    ("clamp", _margin(hinge=lambda m, f: (m - f).clamp(min=0).mean())),
    ("max_zero", _margin(hinge=lambda m, f: torch.maximum(m - f, torch.zeros_like(f)).mean())),
    ("sums", _margin(cost_real=lambda r: r.sum(), hinge=lambda m, f: F.relu(m - f).sum(), gen=lambda f: f.sum())),
]

M_BUGGY = [
    ("no_hinge", _margin(hinge=lambda m, f: (m - f).mean()), "wrong_cost_loss"),
    ("hinge_sign", _margin(hinge=lambda m, f: torch.relu(f - m).mean()), "wrong_cost_loss"),
    ("margin_hard_coded", _margin(hinge=lambda m, f: torch.relu(1.0 - f).mean()), "margin_ignored"),
    ("no_real_term", _margin(cost_real=lambda r: 0 * r.sum()), "wrong_cost_loss"),
    ("real_sign", _margin(cost_real=lambda r: -r.mean()), "wrong_cost_loss"),
    ("gen_sign", _margin(gen=lambda f: -f.mean()), "wrong_generator_loss"),
    ("gen_uses_hinge", _margin(gen=lambda f: torch.relu(1.0 - f).mean()), "wrong_generator_loss"),
    ("gen_uses_real", lambda r, f, m: (r.mean() + torch.relu(m - f).mean(), r.mean()), "wrong_generator_loss"),
    ("one_value", lambda r, f, m: r.mean() + torch.relu(m - f).mean() + f.mean(), "returns_wrong_type"),
    ("not_averaged", lambda r, f, m: (r + torch.relu(m - f), f.mean()), "not_scalar"),
    ("stub", lambda r, f, m: (_ for _ in ()).throw(NotImplementedError()), "not_implemented"),
    ("hinge_after_mean", _margin(hinge=lambda m, f: torch.relu(m - f.mean())), "wrong_cost_loss"),
    ("fake_term_detached", _margin(hinge=lambda m, f: torch.relu(m - f.detach()).mean()), "wrong_cost_loss"),
    ("real_term_detached", _margin(cost_real=lambda r: r.detach().mean()), "wrong_cost_loss"),
]


@pytest.mark.parametrize("fn", [f for _, f in M_CORRECT], ids=[n for n, _ in M_CORRECT])
def test_correct_margin_losses_pass(fn):
    report = check_margin_losses(fn)
    assert report.passed and not report.warnings, str(report)


@pytest.mark.parametrize("fn,code", [(f, c) for _, f, c in M_BUGGY], ids=[n for n, _, _ in M_BUGGY])
def test_buggy_margin_losses_fail(fn, code):
    report = check_margin_losses(fn)
    assert code in report.codes, str(report)


def test_loss_messages_name_the_issue_11_patterns():
    """Each message names the bug, not a generic "is not the formula"."""
    named = {name: fn for name, fn, _ in M_BUGGY}
    assert "hinge after the mean" in str(check_margin_losses(named["hinge_after_mean"]))
    assert "fake term max(0, margin - C(G(z)))" in str(check_margin_losses(named["fake_term_detached"]))
    assert "detached" in str(check_margin_losses(named["real_term_detached"]))
    d_named = {name: fn for name, fn, _ in D_BUGGY}
    assert "already ends in a sigmoid" in str(check_discriminator_loss(d_named["bce_with_logits"]))
    assert "least-squares" in str(check_discriminator_loss(d_named["least_squares"]))
    g_named = {name: fn for name, fn, _ in G_BUGGY}
    assert "log taken after the mean" in str(check_generator_loss(g_named["log_of_mean"]))


@pytest.mark.parametrize("check, twin", [
    (check_discriminator_loss, package_losses.discriminator_loss),
    (check_discriminator_loss, package_losses.discriminator_loss_from_logits),
    (check_generator_loss, package_losses.generator_loss),
    (check_margin_losses, package_losses.margin_losses),
])
def test_the_package_losses_are_refused(check, twin):
    report = check(twin)
    assert report.codes == ["used_reference"], str(report)
    assert twin.__name__ in report.problems[0].message
    wrapper = lambda *args: twin(*args)  # noqa: E731  (a student's wrapper around the twin)
    assert check(wrapper).codes == ["used_reference"]


def test_bad_arguments():
    report = check_generator_loss(torch.tensor(1.0))  # the student's object is reported on, never raised on
    assert report.codes == ["not_callable"] and "a tensor of shape ()" in str(report), str(report)
    with pytest.raises(ValueError, match="positive"):
        check_margin_losses(reference.margin_losses, margins=(0.0,))


# ============================================================================ the explorer widget (notebook 02)


def test_loss_explorer_curves_and_static_figure():
    import matplotlib

    matplotlib.use("Agg")
    from aml_gan.widgets.losses import generator_loss_curves, plot_generator_losses, show_loss_explorer

    c = generator_loss_curves(torch.tensor([0.01, 0.5, 0.99]))
    # gradients at the logit: minimax -D (vanishes as D -> 0), non-saturating -(1 - D)
    assert torch.allclose(c["grad_minimax"], -torch.tensor([0.01, 0.5, 0.99], dtype=torch.float64), atol=1e-6)
    assert torch.allclose(c["grad_non_saturating"], -torch.tensor([0.99, 0.5, 0.01], dtype=torch.float64), atol=1e-6)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        generator_loss_curves(torch.tensor([0.0]))
    assert len(plot_generator_losses().axes) == 2
    widget = show_loss_explorer()
    assert widget is not None and len(widget.children) == 3

"""The machinery of notebook 02's loss checks: messages, refusals, bad arguments.

The student losses are the corpus's (``tests/corpus/nb02_losses.py``), graded there by the
notebook's own test cells. Here they are loaded by name where a test needs more than the
corpus says: a message's words, exact codes, no warning on correct work. Conventions:
``discriminator_loss(d_real, d_fake)``, ``generator_loss(d_fake)`` (sigmoid outputs of shape
(batch, 1), 0-d tensor back), and ``margin_losses(c_real, c_fake, margin) -> (cost_loss, gen_loss)``.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aml_gan import losses as package_losses
from aml_gan.checks import check_discriminator_loss, check_generator_loss, check_margin_losses
from corpus import answer, entry
from corpus.nb02_losses import SUBMISSIONS
from student_copies import student_module

# The package's losses as a student's own code (the checks refuse the package's twins).
reference = student_module(package_losses)

CHECKS = {"discriminator_loss": check_discriminator_loss, "generator_loss": check_generator_loss,
          "margin_losses": check_margin_losses}


def loss(name: str):
    """The corpus entry ``name``'s function, defined as notebook 02 defines it."""
    sub = entry(SUBMISSIONS, name)
    (cell,) = sub.cells
    return answer(sub, cell, torch=torch, nn=nn, F=F)


def check(name: str):
    (cell,) = entry(SUBMISSIONS, name).cells
    return CHECKS[cell](loss(name))


CORRECT = [s.name for s in SUBMISSIONS if s.correct] + ["package_copies"]


@pytest.mark.parametrize("name", CORRECT)
def test_correct_losses_pass_without_a_warning(name):
    if name == "package_copies":  # the course's own answers, as a student's copy of their source
        reports = [check_discriminator_loss(reference.discriminator_loss), check_generator_loss(reference.generator_loss),
                   check_margin_losses(reference.margin_losses)]
    else:
        reports = [check(name)]
    for report in reports:
        assert report.passed and not report.warnings, str(report)


def test_messages_name_the_bug():
    """Each message names the bug, not a generic "is not the formula"."""
    assert "swapped" in str(check("d_labels_swapped"))
    stub = str(check("d_not_written"))
    assert "NotImplementedError" in stub and "Traceback" not in stub
    assert "hinge after the mean" in str(check("m_hinge_after_the_mean"))
    assert "fake term max(0, margin - C(G(z)))" in str(check("m_fake_term_detached"))
    assert "detached" in str(check("m_real_term_detached"))
    assert "already ends in a sigmoid" in str(check("d_logits_loss_on_probabilities"))
    assert "least-squares" in str(check("d_least_squares"))
    assert "log taken after the mean" in str(check("g_log_of_the_mean"))


def test_saturating_is_not_also_called_wrong():
    assert check("g_minimax_loss").codes == ["saturating_generator_loss"]
    assert check_generator_loss(reference.minimax_generator_loss).codes == ["saturating_generator_loss"]


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

"""The machinery of notebook 07's critic-loss and gradient-penalty checks.

The student code is the corpus's (``tests/corpus/nb07_pitfalls.py``), graded there by the
notebook's own test cells (the critic loss with its hidden settings; the penalty on points and
on images), with the exact problem codes where an entry names ``codes``. Here entries are loaded
by name where a test needs what the corpus does not say: exact codes of the older entries,
short messages without tracebacks, other sample shapes, the random state, bad arguments.
"""
import pytest
import torch

from aml_gan import losses as package_losses
from aml_gan.checks import check_critic_loss, check_gradient_penalty
from corpus import answer, entry
from corpus.nb07_pitfalls import SUBMISSIONS
from student_copies import student_module

losses = student_module(package_losses)  # the package's answers as a student's own code

CRITICS = [s for s in SUBMISSIONS if "critic_loss" in s.cells]
PENALTIES = [s for s in SUBMISSIONS if "gradient_penalty" in s.cells]
HIDDEN_CRITIC = dict(seed=7, batch_sizes=(3, 7), dtype=torch.float64)  # as in the notebook's hidden test


def fn(name: str):
    """The corpus entry ``name``'s function, defined as notebook 07 defines it (torch imported)."""
    sub = entry(SUBMISSIONS, name)
    (cell,) = sub.cells
    return answer(sub, cell, torch=torch)


def reference_critic(critic_real, critic_fake):
    return losses.critic_loss(critic_real, critic_fake)


def reference_penalty(critic, real, fake):
    return losses.gradient_penalty(critic, real, fake)


# ------------------------------------------------------------------------------------------ critic loss

# the corpus's earlier entries (whose mentions are not exact), with the codes they must get exactly
CRITIC_CODES = {
    "critic_torch_mean": [], "critic_sum_over_len": [], "critic_negative_gap": [],
    "critic_sign_flipped": ["sign_flipped"], "critic_with_log": ["not_finite"],
    "critic_bce_classifier": ["classifier_loss"], "critic_sigmoid_scores": ["uses_sigmoid"],
    "critic_elementwise": ["needs_equal_batches"], "critic_item": ["returns_wrong_type"],
    "critic_sum": ["sum_not_mean"], "critic_clamped_scores": ["clamped_scores"],
}


@pytest.mark.parametrize("settings", [{}, HIDDEN_CRITIC], ids=["visible", "hidden"])
@pytest.mark.parametrize("name", list(CRITIC_CODES))
def test_critic_loss_exact_codes(name, settings):
    report = check_critic_loss(fn(name), **settings)
    assert report.codes == CRITIC_CODES[name], str(report)


@pytest.mark.parametrize("sub", [s for s in CRITICS if not s.correct], ids=lambda s: s.name)
def test_critic_loss_messages_are_short_and_traceback_free(sub):
    for p in check_critic_loss(fn(sub.name)).problems:
        assert 40 < len(p.message) < 500 and "Traceback" not in p.message, p.message


def test_the_package_answer_copied_passes():
    assert check_critic_loss(reference_critic).passed
    assert check_critic_loss(losses.discriminator_loss_from_logits).codes == ["classifier_loss"]


def test_critic_loss_check_rejects_non_callable():
    report = check_critic_loss(3)
    assert report.codes == ["not_callable"] and "your function" in str(report), str(report)


def test_critic_loss_check_keeps_global_rng():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check_critic_loss(reference_critic)
    assert torch.equal(torch.rand(3), expected)


def test_critic_loss_check_settings():
    with pytest.raises(ValueError, match="different"):
        check_critic_loss(reference_critic, batch_sizes=(4, 4))
    assert check_critic_loss(reference_critic, seed=1, batch_sizes=(1, 9)).passed


# ------------------------------------------------------------------------------------- gradient penalty

# the corpus's earlier entries, with their exact codes on 2-D points (the notebook's visible cell
# shows the image-shaped report when the one on points passes)
PENALTY_CODES = {
    "gp_grad_outputs_ones": [], "gp_sqrt_of_squares": [], "gp_lerp_vector_norm": [],
    "gp_no_create_graph": ["no_create_graph"], "gp_norm_over_whole_batch": ["norm_over_batch"],
    "gp_one_eps_for_batch": ["one_eps_for_batch"], "gp_eps_per_feature": ["eps_per_feature"],
    "gp_grad_of_mean": ["grad_of_mean"], "gp_at_real_points": ["real_only"],
    "gp_no_requires_grad": ["interpolates_without_grad"], "gp_eps_shape_batch_only": ["eps_shape"],
}


@pytest.mark.parametrize("name", list(PENALTY_CODES))
def test_gradient_penalty_exact_codes(name):
    report = check_gradient_penalty(fn(name))
    assert report.codes == PENALTY_CODES[name], str(report)


@pytest.mark.parametrize("sub", [s for s in PENALTIES if not s.correct], ids=lambda s: s.name)
def test_gradient_penalty_messages_are_short_and_traceback_free(sub):
    for p in check_gradient_penalty(fn(sub.name)).problems:
        assert 40 < len(p.message) < 500 and "Traceback" not in p.message, p.message


@pytest.mark.parametrize("name, codes", [
    ("gp_grad_outputs_ones", []),
    ("gp_lerp_sqrt_of_squares", []),
    ("gp_norm_dim1_on_images", ["norm_not_per_sample"]),
    ("gp_eps_per_feature", ["eps_per_feature"]),
    ("gp_eps_shaped_for_points", ["eps_shape"]),
    ("gp_eps_shape_batch_only", ["eps_shape"]),
])
def test_gradient_penalty_on_images(name, codes):
    assert check_gradient_penalty(fn(name), sample_shape=(1, 4, 4)).codes == codes


def test_gradient_penalty_on_points_accepts_eps_of_shape_batch_by_one():
    assert check_gradient_penalty(fn("gp_eps_shaped_for_points")).passed
    assert check_gradient_penalty(fn("gp_norm_dim1_on_images")).passed
    assert check_gradient_penalty(reference_penalty, sample_shape=(1, 4, 4)).passed


def test_gradient_penalty_check_settings():
    with pytest.raises(ValueError, match="batch"):
        check_gradient_penalty(reference_penalty, batch=4)
    with pytest.raises(ValueError, match="sample_shape"):
        check_gradient_penalty(reference_penalty, sample_shape=())
    assert check_gradient_penalty(None).codes == ["not_callable"]


def test_gradient_penalty_check_keeps_global_rng():
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    check_gradient_penalty(reference_penalty)
    assert torch.equal(torch.rand(3), expected)


def test_the_package_answers_are_refused():
    assert check_critic_loss(package_losses.critic_loss).codes == ["used_reference"]
    assert check_gradient_penalty(package_losses.gradient_penalty).codes == ["used_reference"]
    assert check_gradient_penalty(lambda c, r, f: package_losses.gradient_penalty(c, r, f)).codes == ["used_reference"]

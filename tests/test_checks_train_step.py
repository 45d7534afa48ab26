"""The machinery of ``check_train_step``: other networks, clear errors, state left as found.

The student steps are the corpus's (``tests/corpus/train_step.py``, its ``CHECK_CATALOGUE``, the
``train_step`` entries of ``nb03_training_loop.py`` and the shortcuts), graded there by the
notebooks' own test cells on the probe networks and dense networks with batch norm. Here they are
loaded by name and run at check level where the notebooks cannot: a small convolutional pair,
discriminators that give raw scores or have a ``logits`` method, non-default arguments, and what
the check leaves behind. Add student code to the corpus, not here.

Steps follow the course convention:
``train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``.
"""
import random

import numpy as np
import pytest
import torch
from torch import nn

from aml_gan.checks import check_train_step
from aml_gan.config import seed_everything
from corpus import answer, entry
from corpus.nb03_training_loop import SUBMISSIONS as NB03
from corpus.shortcuts import SUBMISSIONS_BY_ASSIGNMENT as SHORTCUTS
from corpus.train_step import CHECK_CATALOGUE, RAW_SCORE_STEPS, SUBMISSIONS
from student_copies import as_student

STEPS = [s for s in SUBMISSIONS + CHECK_CATALOGUE + NB03 + SHORTCUTS["03_training_loop"] if "train_step" in s.cells]


def step(name: str):
    """The corpus entry ``name``'s train_step, defined as the notebooks define it (torch and nn imported)."""
    return answer(entry(STEPS + RAW_SCORE_STEPS, name), "train_step", torch=torch, nn=nn)


def judge(sub, report) -> list:
    """The corpus's rules at check level: what is wrong with ``report`` for the entry ``sub``."""
    text, wrong = str(report), []
    if sub.correct != report.passed:
        wrong.append(f"{'correct' if sub.correct else 'mistaken'} entry, but passed={report.passed}")
    wrong += [f"{m!r} not said" for m in sub.mentions if m not in text]
    if sub.codes is not None and tuple(report.codes) != sub.codes:
        wrong.append(f"codes {report.codes}, expected {list(sub.codes)}")
    if sub.warnings is not None and tuple(w.code for w in report.warnings) != sub.warnings:
        wrong.append(f"warnings {[w.code for w in report.warnings]}, expected {list(sub.warnings)}")
    return wrong


# ============================================================================ student networks


class DenseG(nn.Module):
    def __init__(self, nz=4, out=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(nz, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, out), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class DenseD(nn.Module):
    def __init__(self, inp=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inp, 16), nn.BatchNorm1d(16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class ConvG(nn.Module):
    """A tiny DCGAN-like generator: noise (B, nz) -> images (B, 1, 8, 8) (viewed as (B, nz, 1, 1) inside)."""

    def __init__(self, nz=4, ngf=4):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class ConvD(nn.Module):
    """A tiny DCGAN-like discriminator: images (B, 1, 8, 8) -> probabilities (B,)."""

    def __init__(self, ndf=4, logits=False):
        super().__init__()
        layers = [
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False),
        ]
        if not logits:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1)


class ConvDWithLogits(ConvD):
    """Like the package's DCGAN discriminator: forward gives probabilities, logits() raw scores."""

    def __init__(self):
        super().__init__(logits=True)

    def logits(self, x):
        return self.main(x).view(-1, 1)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


class DenseLogitD(nn.Module):
    """A dense discriminator with no sigmoid: raw scores (B, 1)."""

    def __init__(self, inp=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inp, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


def _pair(gen, disc):
    def make():
        torch.manual_seed(0)
        return dict(gen=gen(), disc=disc(), latent_dim=4)
    return make


NETS = {"probe": dict, "dense_bn": _pair(DenseG, DenseD), "conv": _pair(ConvG, ConvD)}
LOGIT_NETS = {"dense_raw": _pair(DenseG, DenseLogitD), "conv_raw": _pair(ConvG, lambda: ConvD(logits=True)),
              "conv_logits_method": _pair(ConvG, ConvDWithLogits)}


# ============================================================================ the corpus on other networks

CORRECT = [s.name for s in SUBMISSIONS + CHECK_CATALOGUE if s.correct]


@pytest.mark.parametrize("nets", ["dense_bn", "conv"])
@pytest.mark.parametrize("name", CORRECT)
def test_correct_steps_pass_on_other_networks(name, nets):
    report = check_train_step(step(name), **NETS[nets]())
    assert report.passed, str(report)


# the bugs that depend only on the step (not on the probe networks) are found on the students' own networks too
NET_BUGS = [
    ("step_no_disc_zero_after_g", "disc_updated_by_generator_loss"),
    ("step_no_detach_g_first", "generator_grads_from_disc_loss"),
    ("step_minimax_generator", "saturating_generator_loss"),
    ("step_g_sign_flipped", "wrong_generator_loss"),
    ("step_d_labels_swapped", "wrong_discriminator_loss"),
    ("step_d_least_squares", "wrong_discriminator_loss"),
    ("step_never_zero", "stale_gradients"),
    ("step_no_gen_step", "generator_not_updated"),
    ("step_detach_in_g_phase", "generator_not_updated"),
    ("step_optimizers_swapped", "optimizers_swapped"),
    ("step_returns_tensors", "returns_wrong_type"),
    ("step_d_steps_one_zero_grad", "stale_gradients"),
    ("step_step_before_backward", "step_before_backward"),
    ("step_combined_backward", "combined_backward"),
    ("step_lsgan_no_zero_grad", "non_course_loss"),
    ("step_wgan_no_disc_step", "non_course_loss"),
]


@pytest.mark.parametrize("nets", ["dense_bn", "conv"])
@pytest.mark.parametrize("name,code", NET_BUGS)
def test_buggy_steps_on_student_networks(name, code, nets):
    report = check_train_step(step(name), **NETS[nets]())
    assert code in report.codes, str(report)


@pytest.mark.parametrize("sub", [s for s in SUBMISSIONS if not s.correct], ids=lambda s: s.name)
def test_shared_mistakes_named_on_dense_networks(sub):
    """The entries notebooks 03-05 share, on dense networks with batch norm, as notebook 04 grades them."""
    report = check_train_step(step(sub.name), **NETS["dense_bn"]())
    missing = [m for m in sub.mentions if m not in str(report)]
    assert not report.passed and not missing, f"{sub.name}: {missing} not in {report}"


def test_adversarial_term_without_gradient_fails_on_every_network():
    for nets in NETS:
        report = check_train_step(step("step_adversarial_detached"), **NETS[nets]())
        assert report.codes == ["no_adversarial_gradient"], str(report)


# ============================================================================ exact codes, and what a message must not say

# (corpus entry, the exact problem codes on the probe networks, words its report must not contain)
EXACT = [
    ("step_wgan_no_disc_step", ["discriminator_not_updated", "non_course_loss"], None),
    ("step_step_before_backward", ["step_before_backward"], None),
    ("step_combined_backward", ["combined_backward"], "not detached"),
    ("step_d_steps_one_zero_grad", ["stale_gradients"], None),
    ("step_two_g_steps_old_fake", ["raised"], None),
    ("step_scores_reused_after_d_step", None, "Paint the fakes"),
    ("step_one_sided_label_smoothing", [], "one-sided"),
    ("step_broken_step_with_its_line_put_back", ["noise_not_standard_normal", "not_finite_at_saturation"], None),
]


@pytest.mark.parametrize("name,codes,absent", EXACT, ids=[e[0] for e in EXACT])
def test_exact_codes_and_no_stray_advice(name, codes, absent):
    report = check_train_step(step(name))
    if codes is not None:
        assert report.codes == codes, str(report)
    if absent is not None:
        assert absent not in str(report), str(report)


# what the messages say, beyond the code (the corpus's mentions are codes)
MESSAGES = [
    ("step_step_before_backward", "`zero_grad()`, then `backward()`, then `step()`"),
    ("step_step_before_backward_d_first", "`zero_grad()`, then `backward()`, then `step()`"),
    ("step_d_steps_one_zero_grad", "one `zero_grad()` before several updates"),
    ("step_two_g_steps_old_fake", "Paint the fakes again after each generator step"),
    ("step_scores_reused_after_d_step", "`disc_optim.step()`"),
    ("step_lsgan_no_zero_grad", "least-squares"),
    ("step_generator_target_half", "target 0.50"),
    ("step_target_shape", "same shape"),
    ("step_smooths_every_target", "one-sided label smoothing"),
    ("step_smooths_every_target", "generator's fakes get 0.90"),
]


@pytest.mark.parametrize("name,words", MESSAGES)
def test_messages_name_the_cause(name, words):
    report = check_train_step(step(name))
    assert words in str(report), str(report)


def test_structural_bugs_come_before_another_gans_loss():
    codes = check_train_step(step("step_lsgan_no_zero_grad")).codes
    assert codes.index("stale_gradients") < codes.index("non_course_loss"), codes
    assert "wrong_generator_loss" not in codes and "wrong_discriminator_loss" not in codes
    report = check_train_step(step("step_hinge_wrong_optimizer"))
    assert report.codes.index("discriminator_not_updated") < report.codes.index("non_course_loss"), str(report)
    assert "`gen_optim.step()` ran right after the discriminator's loss" in str(report)


# ============================================================================ raw scores and logits


@pytest.mark.parametrize("sub", [s for s in RAW_SCORE_STEPS if s.name.startswith("raw_")], ids=lambda s: s.name)
def test_raw_score_discriminators_get_messages_for_logits(sub):
    report = check_train_step(step(sub.name), **LOGIT_NETS["dense_raw"]())
    assert not judge(sub, report), f"{judge(sub, report)}: {report}"
    assert "torch.log(disc(fake))" not in str(report)
    if sub.name in ("raw_minimax_softplus", "raw_generator_target_zero"):  # the fix in the loss the step used
        assert "BCEWithLogitsLoss" in str(report), str(report)


def test_bce_with_logits_on_a_convolutional_critic_without_sigmoid():
    assert check_train_step(step("raw_bce_with_logits"), **LOGIT_NETS["conv_raw"]()).passed
    assert not check_train_step(step("step_minimax_generator"), **LOGIT_NETS["conv_raw"]()).passed


def test_steps_that_call_disc_logits_directly():
    """A step may score with ``disc.logits(x)`` (autocast-safe) instead of ``disc(x)``."""
    for sub in [s for s in RAW_SCORE_STEPS if s.name.startswith("logits_")]:
        report = check_train_step(step(sub.name), **LOGIT_NETS["conv_logits_method"]())
        assert not judge(sub, report), f"{sub.name}: {judge(sub, report)}: {report}"
    # disc(x) on the same network, with BCELoss on probabilities, passes too
    assert check_train_step(step("step_examples_dcgan"), **LOGIT_NETS["conv_logits_method"]()).passed


def test_a_discriminator_without_its_sigmoid_is_blamed_once_not_the_step():
    """Notebook 04: the student's discriminator lost its sigmoid; the step is right for probabilities."""
    for name in ("step_float_returns", "step_d_first_functional_bce_g_sum"):
        report = check_train_step(step(name), **LOGIT_NETS["dense_raw"]())
        assert report.passed, str(report)
        assert [w.code for w in report.warnings] == ["output_not_probability"], str(report)
    report = check_train_step(step("step_minimax_generator"), **LOGIT_NETS["dense_raw"]())
    assert report.codes == ["saturating_generator_loss"], str(report)
    assert "output_not_probability" in [w.code for w in report.warnings]
    lsgan = check_train_step(step("step_lsgan_no_zero_grad"), **LOGIT_NETS["dense_raw"]())  # no sigmoid needed
    assert "non_course_loss" in lsgan.codes and "output_not_probability" not in [w.code for w in lsgan.warnings], str(lsgan)


def test_package_networks():
    from aml_gan import models

    gen, disc = models.make_dcgan(latent_dim=8, image_size=8, width=4, seed=0)
    report = check_train_step(step("logits_method_bce"), gen=gen, disc=disc, latent_dim=8)
    assert report.passed, str(report)
    assert "saturating_generator_loss" in check_train_step(step("step_minimax_generator"), gen=gen, disc=disc,
                                                           latent_dim=8).codes
    assert check_train_step(step("step_float_returns"), gen=gen, disc=disc, latent_dim=8).passed
    torch.manual_seed(0)
    gen, disc = models.DenseGenerator(latent_dim=4, out_dim=5), models.DenseDiscriminator(in_dim=5)
    assert check_train_step(step("step_freeze_disc_g_first"), gen=gen, disc=disc, latent_dim=4).passed
    report = check_train_step(step("step_no_detach_g_first"), gen=gen, disc=disc, latent_dim=4)
    assert "generator_grads_from_disc_loss" in report.codes


# ============================================================================ the check's machinery


def test_raised_message_shows_exception_and_hint_without_traceback():
    msg = check_train_step(step("step_not_written")).problems[0].message
    assert "NotImplementedError" in msg and "raise NotImplementedError()" in msg
    assert "Traceback" not in msg and 'File "' not in msg


def test_cuda_on_a_cpu_machine_gets_a_clear_message():
    report = check_train_step(step("step_hard_coded_cuda"))
    assert "raised" in report.codes
    if not torch.cuda.is_available():
        assert "hardcoded_device" in report.codes
        assert "real_batch.device" in str(report)


def test_real_batch_tensor_and_batch_size():
    torch.manual_seed(0)
    real = torch.rand(6, 1, 8, 8) * 2 - 1
    assert check_train_step(step("step_float_returns"), batch=real, **NETS["conv"]()).passed
    assert check_train_step(step("step_float_returns"), batch=5).passed
    assert check_train_step(step("step_d_first_functional_bce_g_sum"), batch=4, **NETS["dense_bn"]()).passed


def test_the_students_networks_are_left_untouched():
    nets = NETS["dense_bn"]()
    gen, disc = nets["gen"], nets["disc"]
    before = {k: v.clone() for k, v in list(gen.state_dict().items()) + [("d." + k, v) for k, v in disc.state_dict().items()]}
    check_train_step(step("step_never_zero"), **nets)
    after = {k: v for k, v in list(gen.state_dict().items()) + [("d." + k, v) for k, v in disc.state_dict().items()]}
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None and p.requires_grad for p in list(gen.parameters()) + list(disc.parameters()))
    check_train_step(step("step_frozen_forever"), **nets)
    assert all(p.requires_grad for p in disc.parameters())
    assert not gen._forward_hooks and not disc._forward_hooks


def test_deterministic_and_restores_random_state():
    seed_everything(42)
    expected = (torch.rand(3), random.random(), np.random.rand())
    seed_everything(42)
    minimax = step("step_minimax_generator")
    first = check_train_step(minimax)
    got = (torch.rand(3), random.random(), np.random.rand())
    assert torch.equal(expected[0], got[0]) and expected[1:] == got[1:]
    second = check_train_step(minimax)
    assert str(first) == str(second)


def test_bad_arguments_raise_clear_errors():
    assert check_train_step(3).codes == ["not_callable"]  # the student's object: reported on, not raised on
    with pytest.raises(ValueError, match="both networks"):
        check_train_step(step("step_float_returns"), gen=DenseG())
    with pytest.raises(ValueError, match="at least 2"):
        check_train_step(step("step_float_returns"), calls=1)


def test_shape_mismatch_between_generator_and_real_batch():
    report = check_train_step(step("step_float_returns"), batch=torch.rand(8, 7), **NETS["dense_bn"]())
    assert "wrong_output_shape" in report.codes


def test_torch_autograd_backward_is_restored():
    original = torch.autograd.backward
    check_train_step(step("step_not_written"))
    check_train_step(step("step_examples_dcgan"))
    assert torch.autograd.backward is original


def test_the_package_reference_step_passes_as_a_students_copy():
    from aml_gan import training

    for nets in ("probe", "dense_bn"):
        report = check_train_step(as_student(training.train_step), **NETS[nets]())
        assert report.passed and not report.warnings, str(report)


def test_the_package_steps_are_refused():
    import functools

    from aml_gan import speed, training

    for twin in (training.train_step, functools.partial(training.gan_step, gen_loss_fn=None), speed.FastTrainStep()):
        assert check_train_step(twin).codes == ["used_reference"]
    report = check_train_step(step("shortcut_wrap_reference"))  # the message names what was used
    assert report.codes == ["used_reference"], str(report)
    assert "aml_gan.training.train_step" in report.problems[0].message

"""The skeleton every check shares (``aml_gan.checks.student.grading_check``): it names the report after
the check, reports a student's object that is not callable (never raises on it), restores every random
generator and the thread count, and reruns a second input where the hidden tests vary one."""
from __future__ import annotations

import inspect
import random

import numpy as np
import pytest
import torch

import aml_gan.checks as checks
from aml_gan.checks.report import Report

#: the arguments, besides the student's work, that each public check needs
REQUIRED = {
    "check_sequence_generator": dict(latent_dim=3),
    "check_sequence_gan_training": dict(latent_dim=3),
    "check_dcgan_pair": dict(latent_dim=8, image_size=16),
}
PUBLIC = sorted(n for n in dir(checks) if n.startswith("check_") and callable(getattr(checks, n)))


def _student_params(check) -> list:
    params = [p for p in inspect.signature(check).parameters.values()
              if p.default is inspect.Parameter.empty and p.kind is not p.KEYWORD_ONLY]
    return [p.name for p in params if p.name not in REQUIRED.get(check.__name__, {})]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_check_reports_work_that_is_not_callable(name):
    check = getattr(checks, name)
    assert "report" not in inspect.signature(check).parameters  # the skeleton hands the body its report
    work = {p: 42 for p in _student_params(check)}
    report = check(**work, **REQUIRED.get(name, {}))
    assert isinstance(report, Report) and report.check == name
    assert report.codes == ["not_callable"], str(report)
    assert "was given an int" in report.problems[0].message


def _correct_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    z = torch.randn(real_batch.shape[0], latent_dim)
    bce = torch.nn.BCELoss()
    real_scores, fake_scores = disc(real_batch), disc(gen(z).detach())
    d_loss = bce(real_scores, torch.ones_like(real_scores)) + bce(fake_scores, torch.zeros_like(fake_scores))
    disc_optim.zero_grad()
    d_loss.backward()
    disc_optim.step()
    scores = disc(gen(z))
    g_loss = bce(scores, torch.ones_like(scores))
    gen_optim.zero_grad()
    g_loss.backward()
    gen_optim.step()
    print("step done")  # captured into a warning, never written out
    return g_loss.item(), d_loss.item()


def test_a_check_restores_every_generator_and_the_thread_count(capfd):
    def draws():
        return random.random(), float(np.random.rand()), float(torch.rand(()))

    previous = torch.get_num_threads()
    torch.set_num_threads(2)  # the check runs the probe networks on one
    try:
        random.seed(3), np.random.seed(3), torch.manual_seed(3)
        expected = draws()
        random.seed(3), np.random.seed(3), torch.manual_seed(3)
        report = checks.check_train_step(_correct_step)  # seeds all three generators inside
        assert report.passed and [w.code for w in report.warnings] == ["printed_output"], str(report)
        assert draws() == expected and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)
    assert capfd.readouterr() == ("", "")


def test_the_visible_loss_check_tries_a_second_batch():
    def even_batches_only(d_real, d_fake):
        pairs = d_real.reshape(2, -1)  # written for the probe's six scores: fails on an odd batch
        return -(torch.log(pairs.clamp(min=1e-7)).mean() + torch.log((1 - d_fake).clamp(min=1e-7)).mean())

    visible = checks.check_discriminator_loss(even_batches_only)
    assert visible.codes == ["raised"] and visible.problems[0].message.startswith("On a batch of 9 scores: ")
    assert checks.check_discriminator_loss(even_batches_only, seed=3, batch=8).passed  # hidden-test style: one input
    assert "random batch of 9" in checks.check_discriminator_loss.__doc__

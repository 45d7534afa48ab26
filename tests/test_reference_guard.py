"""The guard around the course's answers and the sealed grading code, against the shortcuts of issue 21.

Each shortcut either scores 0 (what these tests pin down) or is flagged by the tamper scan of
``make grade``; the notebook-level versions are in ``tests/corpus/shortcuts.py``.
"""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import aml_gan.checks
import aml_gan.checks.report
import aml_gan.losses
from aml_gan.checks import Report, check_discriminator_loss, check_sequence_generator
from aml_gan.models import DenseGenerator
from aml_gan.reference import reference_of


def _wrong_loss(d_real, d_fake):
    return (d_fake - d_real).mean()


def test_a_twins_closure_holds_no_callable_original():
    for twin in (aml_gan.losses.discriminator_loss, DenseGenerator.__init__):
        assert not [c for c in twin.__closure__ if callable(c.cell_contents)]


def test_code_exec_d_under_a_package_name_or_namespace_is_refused():
    namespace = {"__name__": "aml_gan.x"}
    exec("from aml_gan.losses import discriminator_loss as d\n\ndef mine(a, b):\n    return d(a, b)\n", namespace)
    assert check_discriminator_loss(namespace["mine"]).codes == ["used_reference"]
    in_package = eval("lambda a, b: discriminator_loss(a, b)", vars(aml_gan.losses))
    assert check_discriminator_loss(in_package).codes == ["used_reference"]


def test_a_twin_reached_through_other_package_code_is_refused():
    """fit's default step is the course's train_step: package code calls it, but a student's step
    called fit, so student code stands between the check and the twin."""
    from aml_gan.checks import check_train_step
    from aml_gan.training import fit

    def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        history = fit(gen, disc, gen_optim, disc_optim, [real_batch], latent_dim=latent_dim, epochs=1, progress=False)
        return history.gen_loss[-1], history.disc_loss[-1]

    assert check_train_step(train_step).codes == ["used_reference"]


def test_writes_into_a_sealed_namespace_change_nothing(monkeypatch):
    fake = lambda *a, **k: Report("check_discriminator_loss")  # noqa: E731
    monkeypatch.setitem(vars(aml_gan.checks), "check_discriminator_loss", fake)
    monkeypatch.setitem(vars(aml_gan.checks.report), "_fail", lambda text: None)
    from aml_gan.checks import check_discriminator_loss as imported

    assert imported is not fake
    report = imported(_wrong_loss)
    with pytest.raises(AssertionError):
        report.raise_for_problems()


def test_the_report_class_refuses_type_setattr():
    with pytest.raises((TypeError, AttributeError)):
        type.__setattr__(Report, "raise_for_problems", lambda self: None)
    with pytest.raises((TypeError, AttributeError)):
        setattr(type(Report("x")), "passed", True)


def test_a_copy_of_a_network_a_twin_built_is_the_twins():
    prebuilt = DenseGenerator(4)

    class Copied(nn.Module):
        def __init__(self, latent_dim=4):
            super().__init__()
            self.net = copy.deepcopy(prebuilt.net)
            self.net[0] = nn.Linear(latent_dim, self.net[0].out_features)

        def forward(self, z):
            return self.net(z)

    class Borrowed(nn.Module):
        forward = DenseGenerator.forward

        def __init__(self, latent_dim=4):
            super().__init__()
            self.latent_dim, self.net = latent_dim, nn.Sequential(nn.Linear(latent_dim, 5), nn.Tanh())

    assert reference_of(Copied(3)) == reference_of(DenseGenerator)
    for cls in (Copied, Borrowed):
        assert check_sequence_generator(cls, latent_dim=3).codes == ["used_reference"], cls.__name__
    assert prebuilt(torch.randn(2, 4)).shape == (2, 5)  # outside a check the twin works as usual

"""The one fallback rule of every notebook: the student's version when its check passes."""
import torch

from aml_gan import losses
from aml_gan.checks import check_generator_loss
from aml_gan.fallback import yours_or_reference


def test_a_passing_version_is_used(capsys):
    def generator_loss(d_fake):
        return -torch.log(d_fake.clamp(min=1e-7)).mean()

    assert yours_or_reference(generator_loss, losses.generator_loss, check_generator_loss) is generator_loss
    assert "Using your generator_loss" in capsys.readouterr().out


def test_a_stub_or_a_wrong_version_falls_back_and_says_why(capsys):
    def generator_loss(d_fake):
        raise NotImplementedError()

    assert yours_or_reference(generator_loss, losses.generator_loss, check_generator_loss) is losses.generator_loss
    out = capsys.readouterr().out
    assert "aml_gan.losses.generator_loss" in out and "(not_implemented)" in out

    def wrong_sign(d_fake):  # runs without error, but its check fails: still the reference
        return torch.log(d_fake.clamp(min=1e-7)).mean()

    assert yours_or_reference(wrong_sign, losses.generator_loss, check_generator_loss) is losses.generator_loss
    assert "wrong_generator_loss" in capsys.readouterr().out

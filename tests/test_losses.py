import math

import pytest
import torch
import torch.nn.functional as F

from aml_gan import losses


def test_goodfellow_losses_match_formulas():
    d_real = torch.tensor([[0.9], [0.6]])
    d_fake = torch.tensor([[0.2], [0.7]])
    expected_d = (-(torch.log(d_real)) - torch.log(1 - d_fake)).mean()
    assert torch.allclose(losses.discriminator_loss(d_real, d_fake), expected_d)
    assert torch.allclose(losses.generator_loss(d_fake), (-torch.log(d_fake)).mean())
    assert torch.allclose(losses.minimax_generator_loss(d_fake), torch.log(1 - d_fake).mean())


def test_bce_is_the_same_thing():
    d_real, d_fake = torch.rand(8, 1) * 0.98 + 0.01, torch.rand(8, 1) * 0.98 + 0.01
    bce = F.binary_cross_entropy(d_real, torch.ones_like(d_real)) + F.binary_cross_entropy(d_fake, torch.zeros_like(d_fake))
    assert torch.allclose(losses.discriminator_loss(d_real, d_fake), bce, atol=1e-6)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_finite_when_saturated(value):
    d = torch.full((4, 1), value, requires_grad=True)
    for loss in (losses.discriminator_loss(d, d), losses.generator_loss(d), losses.minimax_generator_loss(d)):
        assert loss.dim() == 0 and math.isfinite(loss.item())
        (g,) = torch.autograd.grad(loss, d)
        assert torch.isfinite(g).all()


def test_logit_versions_match_probability_versions():
    real_logits, fake_logits = torch.randn(16, 1), torch.randn(16, 1)
    p_real, p_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    assert torch.allclose(losses.discriminator_loss_from_logits(real_logits, fake_logits),
                          losses.discriminator_loss(p_real, p_fake), atol=1e-5)
    assert torch.allclose(losses.generator_loss_from_logits(fake_logits), losses.generator_loss(p_fake), atol=1e-5)


def test_logit_losses_work_under_autocast():
    with torch.autocast("cpu", dtype=torch.bfloat16):
        x = torch.randn(8, 4)
        logits = torch.nn.Linear(4, 1)(x)
        loss = losses.discriminator_loss_from_logits(logits, logits) + losses.generator_loss_from_logits(logits)
    assert math.isfinite(loss.float().item())


def test_margin_losses():
    c_real = torch.tensor([[0.1], [0.3]])
    c_fake = torch.tensor([[0.5], [2.0]])
    cost, gen = losses.margin_losses(c_real, c_fake, margin=1.0)
    assert torch.isclose(cost, torch.tensor(0.2 + (0.5 + 0.0) / 2))
    assert torch.isclose(gen, torch.tensor(1.25))
    with pytest.raises(ValueError, match="margin"):
        losses.margin_losses(c_real, c_fake, margin=0)


def test_wasserstein_and_gradient_penalty():
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    assert torch.isclose(losses.critic_loss(real[:, :1], fake[:, :1]), fake[:, 0].mean() - real[:, 0].mean())
    assert torch.isclose(losses.wasserstein_generator_loss(fake[:, :1]), -fake[:, 0].mean())
    # A linear critic with weight norm exactly 1 has zero penalty; with norm 3 it is (3 - 1)^2 = 4.
    critic = torch.nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[0.6, 0.8]]))
    assert losses.gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-6)
    with torch.no_grad():
        critic.weight.mul_(3)
    gp = losses.gradient_penalty(critic, real, fake)
    assert gp.item() == pytest.approx(4.0, rel=1e-5)
    gp.backward()
    assert critic.weight.grad is not None
    with pytest.raises(ValueError, match="same shape"):
        losses.gradient_penalty(critic, real, fake[:3])

"""Reference GAN losses.

Probability versions take the discriminator's sigmoid outputs ``d_real`` and
``d_fake`` of shape ``(batch, 1)`` (values in [0, 1]) and return a 0-d tensor
(the batch mean). Logs are clamped, so every loss is finite at D = 0 and D = 1.
Logit versions take raw scores of the same shape and use
``binary_cross_entropy_with_logits``: stable, and safe under autocast.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from .reference import reference

_EPS = 1e-7


def _safe_log(p: torch.Tensor) -> torch.Tensor:
    return torch.log(p.clamp(min=_EPS))


@reference("discriminator_loss")
def discriminator_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Goodfellow's D loss: mean of ``-log D(x) - log(1 - D(G(z)))``. Shapes (B, 1) -> ()."""
    return (-_safe_log(d_real)).mean() + (-_safe_log(1 - d_fake)).mean()


@reference("generator_loss")
def generator_loss(d_fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss: mean of ``-log D(G(z))``. Shape (B, 1) -> ()."""
    return (-_safe_log(d_fake)).mean()


def minimax_generator_loss(d_fake: torch.Tensor) -> torch.Tensor:
    """Saturating (minimax) G loss: mean of ``log(1 - D(G(z)))``. Shape (B, 1) -> ().

    Its gradient vanishes when D confidently rejects the fakes (D(G(z)) near 0).
    """
    return _safe_log(1 - d_fake).mean()


@reference("discriminator_loss")
def discriminator_loss_from_logits(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The D loss on raw scores (before the sigmoid). Shapes (B, 1) -> ()."""
    ones = torch.ones_like(real_logits)
    zeros = torch.zeros_like(fake_logits)
    return F.binary_cross_entropy_with_logits(real_logits, ones) + F.binary_cross_entropy_with_logits(
        fake_logits, zeros
    )


@reference("generator_loss")
def generator_loss_from_logits(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss on raw scores: ``softplus(-s)`` = ``-log sigmoid(s)``. (B, 1) -> ()."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


@reference("margin_losses")
def margin_losses(c_real: torch.Tensor, c_fake: torch.Tensor, margin: float = 1.0):
    """Energy-based losses with a cost network C (low cost = real).

    ``c_real`` = C(x), ``c_fake`` = C(G(z)), shape (B, 1), non-negative costs.
    Returns ``(cost_loss, generator_loss)``:
    ``L_C = C(x) + max(0, m - C(G(z)))`` and ``L_G = C(G(z))``, each a batch mean.
    For the cost update pass ``c_fake`` computed on detached fakes.
    """
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}: the margin is how far above 0 fakes are pushed.")
    cost_loss = c_real.mean() + F.relu(margin - c_fake).mean()
    gen_loss = c_fake.mean()
    return cost_loss, gen_loss


@reference("critic_loss")
def critic_loss(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein critic loss: ``mean C(G(z)) - mean C(x)`` (the critic maximises the gap)."""
    return critic_fake.mean() - critic_real.mean()


def wasserstein_generator_loss(critic_fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein generator loss: ``-mean C(G(z))``."""
    return -critic_fake.mean()


@reference("gradient_penalty")
def gradient_penalty(critic: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP penalty: mean of ``(||grad_x C(x_hat)||_2 - 1)^2`` on random interpolates.

    ``real`` and ``fake`` share a shape (B, ...); ``x_hat = eps * real + (1 - eps) * fake``
    with one ``eps ~ U(0, 1)`` per sample. Returns a 0-d tensor that keeps the graph
    (create_graph=True) so the critic can be trained through it.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} must have the same shape.")
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grads,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


__all__ = [
    "discriminator_loss",
    "generator_loss",
    "minimax_generator_loss",
    "discriminator_loss_from_logits",
    "generator_loss_from_logits",
    "margin_losses",
    "critic_loss",
    "wasserstein_generator_loss",
    "gradient_penalty",
]

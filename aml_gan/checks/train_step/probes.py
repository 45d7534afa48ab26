"""The networks a step is checked on: the check's own probe pair, or copies of the student's.

The probe pair is small and fast: a dense generator from noise ``(B, latent_dim)`` to 2-D
points and a dense discriminator ending in a sigmoid. Its scores are spread out, away from
0.5, where the BCE and least-squares gradients look alike (see ``_fit.py``); the student's
discriminator gets the same treatment on the check's copy (:func:`spread_scores`).
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..student import call_student

DEFAULT_LATENT = 3
DEFAULT_BATCH = 12
STUDENT_BATCH = 8


class ProbeGenerator(nn.Module):
    """Noise (B, latent_dim) -> 2-D points (B, 2)."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2))
        with torch.no_grad():  # fakes spread out, so the discriminator's scores do too
            self.net[2].weight.mul_(2.0)

    def forward(self, z):
        return self.net(z)


class ProbeDiscriminator(nn.Module):
    """2-D points (B, 2) -> probabilities (B, 1)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
        with torch.no_grad():  # scores spread over about [0.2, 0.95], away from 0.5
            self.net[0].weight.mul_(1.5)
            self.net[2].weight.mul_(4.0)

    def forward(self, x):
        return self.net(x)


class WithSigmoid(nn.Module):
    """A student's raw-score discriminator with the sigmoid the course's convention asks for."""

    def __init__(self, disc: nn.Module):
        super().__init__()
        self.disc = disc

    def forward(self, x):
        return torch.sigmoid(self.disc(x))


def probe_real_batch(batch) -> torch.Tensor:
    """The real batch for the probe networks: the one given, or 2-D points near (1, -0.5)."""
    if isinstance(batch, torch.Tensor):
        real = batch.detach().float()
        if real.dim() != 2 or real.shape[1] != 2:
            raise ValueError("The probe networks work on 2-D points: pass a batch of shape (B, 2), or your own networks.")
        return real
    return torch.randn(batch or DEFAULT_BATCH, 2) * 0.6 + torch.tensor([1.0, -0.5])


def infer_latent_dim(gen: nn.Module) -> Optional[int]:
    """The noise size, read off the generator's first layer."""
    for m in gen.modules():
        for attr in ("in_features", "in_channels"):
            v = getattr(m, attr, None)
            if isinstance(v, int):
                return v
    return None


def noise_shapes(batch: int, latent_dim) -> List[Tuple[int, ...]]:
    if isinstance(latent_dim, (tuple, list)):
        return [(batch, *latent_dim)]
    return [(batch, latent_dim), (batch, latent_dim, 1, 1)]


def try_generate(gen: nn.Module, batch: int, latent_dim, device) -> Optional[torch.Tensor]:
    """The generator's samples for noise of the shape it takes, or None when no shape works."""
    for shape in noise_shapes(batch, latent_dim):
        with torch.no_grad():
            out = call_student(gen, torch.randn(*shape, device=device)).value
        if isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] == batch:
            return out
    return None


def last_weight_module(net: nn.Module) -> Optional[nn.Module]:
    """The last module with a trainable weight matrix (the layer that makes the scores)."""
    last = None
    for m in net.modules():
        w = getattr(m, "weight", None)
        if isinstance(w, torch.Tensor) and w.dim() >= 2 and w.requires_grad:
            last = m
    return last


def _logits(out: torch.Tensor, probabilities: bool) -> torch.Tensor:
    out = out.double().flatten()
    if probabilities:
        out = out.clamp(1e-6, 1 - 1e-6)
        return torch.log(out / (1 - out))
    return out


def spread_scores(disc: nn.Module, probe: nn.Module, batches: Sequence[torch.Tensor], probabilities: bool) -> None:
    """Spread the discriminator's scores around 0.5 by scaling (and centring) its last layer, on the check's copy.

    Where scores bunch up (all near 0.5, or all near 1) the BCE gradients look like least-squares
    or linear ones and the saturating and non-saturating generator losses look alike; spread-out
    scores keep them apart. ``probe`` is a second copy on which each change is tried first: the
    last layer's weight is scaled so the scores' logits have a spread of about 1.5, and its bias
    (when it has one) moves their mean to 0.
    """
    def logits():
        with torch.no_grad():
            outs = [call_student(probe, b).value for b in batches]
        if not all(isinstance(o, torch.Tensor) for o in outs):
            return None
        out = torch.cat([_logits(o, probabilities) for o in outs])
        return out if bool(torch.isfinite(out).all()) else None

    before = logits()
    if before is None:
        return
    std, mean = float(before.std()), float(before.mean())
    if std >= 0.8 and abs(mean) <= 2.0:
        return
    m_probe, m_disc = last_weight_module(probe), last_weight_module(disc)
    if m_probe is None or m_disc is None:
        return
    factor = min(1.5 / max(std, 1e-3), 50.0) if std < 0.8 else 1.0
    bias = getattr(m_probe, "bias", None)
    old_bias = bias.detach().clone() if isinstance(bias, torch.Tensor) else None
    with torch.no_grad():
        m_probe.weight.mul_(factor)
        if old_bias is not None:  # logits = w.h + b: scaled by factor and centred, k (L - mean)
            bias.copy_(factor * (old_bias - mean))
    after = logits()
    better = after is not None and (float(after.std()) > std or abs(float(after.mean())) < abs(mean))
    with torch.no_grad():
        if better:
            m_disc.weight.mul_(factor)
            if old_bias is not None:
                m_disc.bias.copy_(bias)
        m_probe.weight.div_(factor)
        if old_bias is not None:
            bias.copy_(old_bias)


def outputs_probabilities(probe: nn.Module, observed: List[torch.Tensor], real: torch.Tensor) -> bool:
    """Does the discriminator end in a sigmoid? Its outputs stay in [0, 1] even for wild inputs."""
    def inside(t):
        return isinstance(t, torch.Tensor) and bool(((t >= 0) & (t <= 1)).all())

    if observed and not all(inside(o) for o in observed):
        return False
    leaves = [m for m in probe.modules() if not list(m.children())]
    if leaves and isinstance(leaves[-1], nn.Sigmoid):
        return True
    was = probe.training
    probe.eval()
    g = torch.Generator(device="cpu").manual_seed(3)
    wild = [real * 30, torch.randn(real.shape, generator=g).to(real.device) * 30]
    with torch.no_grad():
        outs = [call_student(probe, w) for w in wild]
    probe.train(was)
    if any(not out.ok for out in outs):
        return True
    return all(inside(out.value) for out in outs)


def score_range(observed: List[torch.Tensor]) -> Tuple[float, float]:
    """The lowest and highest score the discriminator gave during the check."""
    if not observed:
        return 0.0, 0.0
    allv = torch.cat([o.flatten().float() for o in observed])
    allv = allv[torch.isfinite(allv)]
    return (float(allv.min()), float(allv.max())) if allv.numel() else (0.0, 0.0)

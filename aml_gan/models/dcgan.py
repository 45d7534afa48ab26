"""The classic DCGAN pair (Radford et al., 2015), written plainly, for pictures of 8 to 256 pixels.

Generator: noise ``z`` (B, nz) or (B, nz, 1, 1) -> picture (B, 3, S, S) in [-1, 1]::

    z (B, nz, 1, 1)
    -> generator_block(nz, w*2^(k-1), first=True)   (B, w*2^(k-1), 4, 4)   ConvT k4 s1 p0 + BN + ReLU
    -> generator_block(c, c/2)  ... k-1 times       doubles H and W        ConvT k4 s2 p1 + BN + ReLU
    -> ConvTranspose2d(w, 3, 4, 2, 1) + Tanh        (B, 3, S, S)

with ``k = log2(S) - 2`` (S=64: 4 -> 8 -> 16 -> 32 -> 64, widths 8w, 4w, 2w, w).

Discriminator: picture (B, 3, S, S) -> probability "real" (B, 1)::

    x (B, 3, S, S)
    -> discriminator_block(3, w, batch_norm=False)   (B, w, S/2, S/2)       Conv k4 s2 p1 + LeakyReLU(0.2)
    -> discriminator_block(c, 2c) ... k-1 times     halves H and W         Conv k4 s2 p1 + BN + LeakyReLU(0.2)
    -> Conv2d(w*2^(k-1), 1, 4, 1, 0)                (B, 1, 1, 1) -> (B, 1)  the score (a logit)

How D exposes its score: ``disc(x)`` (``forward``) returns the probability
``sigmoid(score)``, the course's convention; ``disc.logits(x)`` returns the raw
score before the sigmoid. Fast training steps use ``logits`` with
``BCEWithLogits``, which is numerically stable and safe under autocast
(``BCELoss`` on a bf16/fp16 sigmoid is not).

Convolutions carry no bias: the batch norm after them removes any constant anyway.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Tuple

import torch
from torch import nn
from ..reference import reference


@reference("generator_block")
def generator_block(in_channels: int, out_channels: int, first: bool = False) -> nn.Sequential:
    """One generator block: ConvTranspose2d (kernel 4, no bias) + BatchNorm2d + ReLU.

    ``first=True``: stride 1, padding 0, turning (B, in, 1, 1) into (B, out, 4, 4).
    Otherwise stride 2, padding 1: (B, in, H, W) -> (B, out, 2H, 2W).
    Parameters: ``in*out*16`` (convolution) + ``2*out`` (batch norm scale and shift).
    """
    stride, padding = (1, 0) if first else (2, 1)
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=stride, padding=padding, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


@reference("discriminator_block")
def discriminator_block(in_channels: int, out_channels: int, batch_norm: bool = True) -> nn.Sequential:
    """One discriminator block: Conv2d (kernel 4, stride 2, padding 1, no bias) + [BatchNorm2d] + LeakyReLU(0.2).

    (B, in, H, W) -> (B, out, H/2, W/2). Parameters: ``in*out*16`` (+ ``2*out`` with batch norm).
    The first block of a DCGAN discriminator has no batch norm (``batch_norm=False``).
    """
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


def weights_init(module: nn.Module) -> None:
    """DCGAN initialisation, for ``model.apply(weights_init)``.

    Convolution weights ~ N(0, 0.02); batch norm scale ~ N(1, 0.02) and shift 0.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _levels(image_size: int) -> int:
    if not isinstance(image_size, int) or isinstance(image_size, bool) or image_size < 8 or image_size > 256 \
            or image_size & (image_size - 1):
        raise ValueError(f"image_size must be a power of two from 8 to 256 (32 or 64 are usual), got {image_size!r}.")
    return int(math.log2(image_size)) - 2


def _positive(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    return value


class DCGANGenerator(nn.Module):
    """DCGAN generator: noise (B, latent_dim) or (B, latent_dim, 1, 1) -> pictures (B, channels, S, S) in [-1, 1].

    Args:
        latent_dim: size ``nz`` of the noise vector.
        image_size: ``S``, a power of two from 8 to 256.
        width: channels of the last hidden block (``ngf``); earlier blocks double it.
        channels: colour channels of the output (3 for RGB).
        block: the block factory, ``block(in, out, first=...)`` (default :func:`generator_block`);
            pass your own to build the generator from it.
        init: apply :func:`weights_init`.
    """

    def __init__(self, latent_dim: int = 100, image_size: int = 64, width: int = 64, channels: int = 3,
                 block: Callable[..., nn.Module] = generator_block, init: bool = True):
        super().__init__()
        levels = _levels(image_size)
        self.latent_dim = _positive("latent_dim", latent_dim)
        self.image_size, self.width = image_size, _positive("width", width)
        ch = width * 2 ** (levels - 1)
        layers = [block(latent_dim, ch, first=True)]
        for _ in range(levels - 1):
            layers.append(block(ch, ch // 2))
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, _positive("channels", channels), 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        if init:
            self.apply(weights_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]
        if z.dim() != 4 or z.shape[1] != self.latent_dim or z.shape[2:] != (1, 1):
            raise ValueError(f"The generator expects noise of shape (B, {self.latent_dim}) or "
                             f"(B, {self.latent_dim}, 1, 1), got {tuple(z.shape)}.")
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator: pictures (B, channels, S, S) -> probability of "real" (B, 1).

    ``forward(x)`` returns ``sigmoid(score)`` in (0, 1); ``logits(x)`` returns the raw
    score (B, 1), for losses with logits (stable, autocast-safe).

    Args:
        image_size: ``S``, a power of two from 8 to 256.
        width: channels of the first block (``ndf``); later blocks double it.
        channels: colour channels of the input.
        block: the block factory, ``block(in, out, batch_norm=...)`` (default :func:`discriminator_block`).
        init: apply :func:`weights_init`.
    """

    def __init__(self, image_size: int = 64, width: int = 64, channels: int = 3,
                 block: Callable[..., nn.Module] = discriminator_block, init: bool = True):
        super().__init__()
        levels = _levels(image_size)
        self.image_size, self.width = image_size, _positive("width", width)
        ch = width
        layers = [block(_positive("channels", channels), ch, batch_norm=False)]
        for _ in range(levels - 1):
            layers.append(block(ch, ch * 2))
            ch *= 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(ch, 1, 4, 1, 0, bias=False)
        if init:
            self.apply(weights_init)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The raw score (B, 1) before the sigmoid: large positive means "real"."""
        if x.dim() != 4 or x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(f"The discriminator expects pictures (B, C, {self.image_size}, {self.image_size}), "
                             f"got {tuple(x.shape)}.")
        return self.head(self.features(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))


def make_dcgan(latent_dim: int = 100, image_size: int = 64, width: int = 64, *,
               gen_block: Callable[..., nn.Module] = generator_block,
               disc_block: Callable[..., nn.Module] = discriminator_block,
               device: Optional[torch.device] = None, seed: Optional[int] = None
               ) -> Tuple[DCGANGenerator, DCGANDiscriminator]:
    """A generator and a discriminator of matching size, initialised, on ``device``.

    ``seed`` (optional) seeds the initial weights without touching the global RNG.
    """
    def build():
        g = DCGANGenerator(latent_dim, image_size, width, block=gen_block)
        d = DCGANDiscriminator(image_size, width, block=disc_block)
        return g, d

    if seed is None:
        gen, disc = build()
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen, disc = build()
    if device is not None:
        gen, disc = gen.to(device), disc.to(device)
    return gen, disc


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "generator_block",
    "discriminator_block",
    "weights_init",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "make_dcgan",
    "count_parameters",
]

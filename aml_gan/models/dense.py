"""Reference dense (fully connected) generator and discriminator.

Used by notebook 04 (sequences of five numbers) and anywhere a small dense GAN
on vectors is needed (for example 2-D mixtures). Sizes are parameters:

- ``DenseGenerator(latent_dim, out_dim=5, hidden=(64, 64))``: noise ``(B, latent_dim)``
  -> samples ``(B, out_dim)``, ending in ``tanh`` (data scaled to ``[-1, 1]``) or,
  with ``out_activation=None``, in a plain linear layer (unbounded data).
- ``DenseDiscriminator(in_dim=5, hidden=(64, 64))``: samples ``(B, in_dim)`` -> probabilities
  ``(B, 1)`` that the sample is real, ending in ``sigmoid``.

Hidden layers are ``Linear -> LeakyReLU(0.2)``; no batch norm, so any batch size works.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn
from ..reference import reference

_ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, None: nn.Identity, "none": nn.Identity}


def _check_size(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    return value


def _mlp(in_dim: int, hidden: Sequence[int], out_dim: int, slope: float) -> list:
    layers, width = [], in_dim
    for i, h in enumerate(hidden):
        _check_size(h, f"hidden[{i}]")
        layers += [nn.Linear(width, h), nn.LeakyReLU(slope)]
        width = h
    layers.append(nn.Linear(width, out_dim))
    return layers


@reference("sequence_networks")
class DenseGenerator(nn.Module):
    """Noise ``(B, latent_dim)`` -> samples ``(B, out_dim)`` in ``(-1, 1)`` (``tanh``)."""

    def __init__(
        self,
        latent_dim: int = 8,
        out_dim: int = 5,
        hidden: Sequence[int] = (64, 64),
        out_activation: Optional[str] = "tanh",
        negative_slope: float = 0.2,
    ):
        super().__init__()
        self.latent_dim = _check_size(latent_dim, "latent_dim")
        self.out_dim = _check_size(out_dim, "out_dim")
        if out_activation not in _ACTIVATIONS:
            raise ValueError(f"out_activation must be 'tanh', 'sigmoid' or None, got {out_activation!r}.")
        self.net = nn.Sequential(*_mlp(latent_dim, tuple(hidden), out_dim, negative_slope), _ACTIVATIONS[out_activation]())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"the generator expects noise of shape (batch, {self.latent_dim}), got {tuple(z.shape)}: "
                f"draw it with torch.randn(batch, {self.latent_dim})."
            )
        return self.net(z)


@reference("sequence_networks")
class DenseDiscriminator(nn.Module):
    """Samples ``(B, in_dim)`` -> probability of "real" ``(B, 1)`` (``sigmoid``)."""

    def __init__(self, in_dim: int = 5, hidden: Sequence[int] = (64, 64), negative_slope: float = 0.2):
        super().__init__()
        self.in_dim = _check_size(in_dim, "in_dim")
        self.net = nn.Sequential(*_mlp(in_dim, tuple(hidden), 1, negative_slope), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(
                f"the discriminator expects samples of shape (batch, {self.in_dim}), got {tuple(x.shape)}."
            )
        return self.net(x)


__all__ = ["DenseGenerator", "DenseDiscriminator"]

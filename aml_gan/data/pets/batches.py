"""Pictures as training batches: the one conversion from uint8 to [-1, 1] (and back), and ``PetBatches``."""
from __future__ import annotations

import math
from typing import Iterator, Optional, Union

import torch


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 pictures 0..255 -> floats in [-1, 1] (the range of a tanh output). Shape kept."""
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        raise TypeError("to_unit_range expects a uint8 tensor of pictures (values 0..255), "
                        f"got {getattr(images, 'dtype', type(images).__name__)}.")
    return images.float().mul_(2.0 / 255.0).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] (a generator's tanh output) -> uint8 0..255, on the CPU. Shape kept."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


class PetBatches:
    """Shuffled float batches in [-1, 1] from uint8 pictures, for ``fit``; one pass = one epoch.

    Much faster than a ``DataLoader`` over single pictures: each batch is one
    indexing of the uint8 tensor and one conversion. With ``device`` the uint8
    pictures move there once (on a GPU the whole cache fits easily). The order
    comes from the global torch RNG, drawn once per pass (as ``DataLoader`` does),
    so seeding and checkpoint/resume reproduce it.

    Args:
        images: uint8 tensor (N, 3, S, S), or the ``PetImages`` that holds it.
        batch_size: pictures per batch.
        shuffle: new random order each pass.
        drop_last: skip the last, smaller batch (BatchNorm prefers equal batches).
        flip: mirror a random half of each batch left-right (pets look fine mirrored).
        device: where batches are made.
        channels_last: return batches in channels-last memory format.

    Yields float32 tensors (batch_size, 3, S, S) in [-1, 1].
    """

    def __init__(self, images: torch.Tensor, batch_size: int = 64, *, shuffle: bool = True,
                 drop_last: bool = True, flip: bool = True, device: Optional[Union[str, torch.device]] = None,
                 channels_last: bool = False):
        images = getattr(images, "images", images)  # a PetImages holds its tensor in .images
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.dim() != 4:
            raise TypeError("PetBatches needs a uint8 tensor (N, 3, S, S), like load_pet_images(...).images.")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}.")
        if drop_last and images.shape[0] < batch_size:
            raise ValueError(f"Only {images.shape[0]} pictures for batches of {batch_size}: "
                             "use a smaller batch_size or drop_last=False.")
        self.images = images.to(device) if device is not None else images
        self.batch_size = batch_size
        self.shuffle, self.drop_last, self.flip, self.channels_last = shuffle, drop_last, flip, channels_last

    def __len__(self) -> int:
        n = self.images.shape[0]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        n, device = self.images.shape[0], self.images.device
        gen = torch.Generator().manual_seed(int(torch.empty((), dtype=torch.int64).random_().item()))
        order = torch.randperm(n, generator=gen) if self.shuffle else torch.arange(n)
        flips = torch.rand(n, generator=gen) < 0.5 if self.flip else None
        order = order.to(device)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            x = to_unit_range(self.images[idx])
            if flips is not None:
                mask = flips[i * self.batch_size:(i + 1) * self.batch_size].to(device).view(-1, 1, 1, 1)
                x = torch.where(mask, x.flip(-1), x)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x


__all__ = ["PetBatches", "to_unit_range", "to_uint8"]

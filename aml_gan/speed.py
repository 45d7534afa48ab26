"""A fast DCGAN training step: same signature as ``aml_gan.training.train_step``, so ``fit(step_fn=...)`` takes it.

What makes it fast, and what it keeps the same:

* **Scores as logits.** The discriminator's last sigmoid is left out inside the
  step and the losses are :func:`~aml_gan.losses.discriminator_loss_from_logits` and
  :func:`~aml_gan.losses.generator_loss_from_logits` (the same non-saturating GAN
  losses, computed stably with ``binary_cross_entropy_with_logits``). This is what makes mixed
  precision safe: a bf16/fp16 sigmoid followed by ``log`` loses the small
  probabilities that matter. The step finds the scores with
  :func:`discriminator_logits`: ``disc.logits(x)`` when the network has that
  method (the course's :class:`~aml_gan.models.DCGANDiscriminator` does; its
  ``forward`` returns the probability, the course's convention), else an
  ``nn.Sequential`` ending in ``nn.Sigmoid`` is run without that last layer.
* **Mixed precision.** On CPUs with bf16 support (AVX512-BF16 or AMX) the forward
  passes run under ``torch.autocast("cpu", torch.bfloat16)``. On CUDA: bf16 where
  the GPU does it natively (Ampere and newer), else fp16 with a ``GradScaler``
  per network. Weights, optimizer states and BatchNorm statistics stay fp32.
* **channels_last** memory format for the networks and the batches (the layout
  oneDNN and cuDNN convolutions prefer), and ``cudnn.benchmark`` on GPU.
* **No wasted gradients.** During the generator's update the discriminator's
  parameters do not require gradients, so its weight gradients are not computed
  (the gradient still flows through D to G).

It is built from the same two turns as the reference step
(:func:`~aml_gan.training.update_discriminator`, then
:func:`~aml_gan.training.update_generator`): D learns first on the real batch and the
detached fakes, then G learns with the non-saturating loss on the same fakes; noise is
``torch.randn(batch, latent_dim)`` on the batch's device; the two losses come back as
Python floats.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Tuple

import torch
from torch import nn

from .losses import discriminator_loss_from_logits, generator_loss_from_logits
from .reference import reference
from .training import update_discriminator, update_generator


def discriminator_logits(disc: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The discriminator's raw scores (B, 1) for pictures ``x``, before any sigmoid.

    Uses ``disc.logits(x)`` if it exists; else, for an ``nn.Sequential`` ending in
    ``nn.Sigmoid``, runs every layer but the last. Anything else raises a
    ``TypeError`` that says how to expose the scores.
    """
    logits = getattr(disc, "logits", None)
    if callable(logits):
        return logits(x)
    if isinstance(disc, nn.Sequential) and len(disc) > 1 and isinstance(disc[-1], nn.Sigmoid):
        return disc[:-1](x)
    raise TypeError(
        f"The fast step needs the discriminator's score before the sigmoid, but {type(disc).__name__} has no "
        "logits(x) method and is not an nn.Sequential ending in nn.Sigmoid. Add a method logits(x) that returns "
        "the raw score, and let forward(x) return torch.sigmoid(self.logits(x)); or train with the course's "
        "train_step instead."
    )


def cpu_supports_bf16() -> bool:
    """True when this CPU runs bf16 convolutions natively (AVX512-BF16 or AMX) through oneDNN."""
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # noqa: BLE001 - private helpers may move between versions
        return False


def autocast_dtype(device: torch.device, amp: Optional[bool] = None) -> Optional[torch.dtype]:
    """The autocast dtype the fast step uses on ``device``: bf16, fp16 or None (plain fp32).

    ``amp=None`` decides by the hardware; ``amp=False`` turns mixed precision off.
    """
    device = torch.device(device)
    if amp is False:
        return None
    if device.type == "cuda":
        major, _ = torch.cuda.get_device_capability(device)
        return torch.bfloat16 if major >= 8 else torch.float16
    if device.type == "cpu":
        if amp or cpu_supports_bf16():
            return torch.bfloat16
        return None
    return None  # mps and others: stay in fp32


@contextlib.contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    """Inside, ``module``'s parameters need no gradient (it still passes gradients to its input)."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)


def _to_channels_last(module: nn.Module) -> None:
    for p in module.parameters():
        if p.dim() == 4 and not p.is_contiguous(memory_format=torch.channels_last):
            module.to(memory_format=torch.channels_last)
            return


@reference("train_step")
class FastTrainStep:
    """A callable training step: ``step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g, d)``.

    Args:
        amp: mixed precision; ``None`` (default) uses it where the hardware supports it.
        dtype: force the autocast dtype (``torch.bfloat16`` or ``torch.float16``); with
            ``float16`` gradient scalers guard against underflow. Default: by hardware.
        channels_last: use the channels-last layout; ``None`` (default) uses it for
            4-D image batches.
        cudnn_benchmark: let cuDNN time its algorithms once and keep the fastest (GPU).

    ``state_dict``/``load_state_dict`` carry the fp16 gradient scalers, so
    ``fit`` checkpoints them. ``last_settings`` tells what the last call used.
    """

    def __init__(self, amp: Optional[bool] = None, channels_last: Optional[bool] = None,
                 cudnn_benchmark: bool = True, dtype: Optional[torch.dtype] = None):
        if dtype not in (None, torch.bfloat16, torch.float16):
            raise ValueError(f"dtype must be torch.bfloat16, torch.float16 or None (automatic), got {dtype!r}.")
        self.amp, self.channels_last, self.cudnn_benchmark, self.dtype = amp, channels_last, cudnn_benchmark, dtype
        self._scalers: Dict[str, Any] = {}
        self._pending_scaler_state: Dict[str, Any] = {}
        self.last_settings: Dict[str, Any] = {}

    # -- checkpointing (fit calls these when they exist)
    def state_dict(self) -> Dict[str, Any]:
        return {name: scaler.state_dict() for name, scaler in self._scalers.items()}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self._pending_scaler_state = dict(state)
        for name, scaler in self._scalers.items():
            if name in state:
                scaler.load_state_dict(state[name])

    def _scaler(self, name: str, device: torch.device):
        if name not in self._scalers:
            scaler = torch.amp.GradScaler(device.type)
            if name in self._pending_scaler_state:
                scaler.load_state_dict(self._pending_scaler_state[name])
            self._scalers[name] = scaler
        return self._scalers[name]

    def _dtype(self, device: torch.device) -> Optional[torch.dtype]:
        if self.amp is False:
            return None
        return self.dtype or autocast_dtype(device, self.amp)

    def settings(self, device: torch.device, real_batch: Optional[torch.Tensor] = None) -> Dict[str, Any]:
        """What the step does on ``device``: autocast dtype, channels_last, scaler."""
        device = torch.device(device)
        dtype = self._dtype(device)
        channels_last = self.channels_last
        if channels_last is None:
            channels_last = real_batch is None or real_batch.dim() == 4
        return {"device": device.type, "autocast": None if dtype is None else str(dtype).replace("torch.", ""),
                "channels_last": bool(channels_last), "grad_scaler": dtype is torch.float16,
                "cudnn_benchmark": device.type == "cuda" and self.cudnn_benchmark}

    def __call__(self, gen: nn.Module, disc: nn.Module, gen_optim: torch.optim.Optimizer,
                 disc_optim: torch.optim.Optimizer, real_batch: torch.Tensor, latent_dim: int) -> Tuple[float, float]:
        device = real_batch.device
        dtype = self._dtype(device)
        settings = self.settings(device, real_batch)
        self.last_settings = settings
        if settings["cudnn_benchmark"]:
            torch.backends.cudnn.benchmark = True
        if settings["channels_last"]:
            _to_channels_last(gen)
            _to_channels_last(disc)
            real_batch = real_batch.contiguous(memory_format=torch.channels_last)

        def autocast():
            return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)

        def logits(x: torch.Tensor) -> torch.Tensor:
            return discriminator_logits(disc, x).float()  # the losses run in fp32

        def scaler(name: str):
            return self._scaler(name, device) if dtype is torch.float16 else None

        noise = torch.randn(real_batch.shape[0], latent_dim, device=device)
        with autocast():
            fake = gen(noise)
        d_loss = update_discriminator(disc, disc_optim, real_batch, fake, discriminator_loss_from_logits,
                                      score=logits, autocast=autocast(), scaler=scaler("disc"))
        with _frozen(disc):  # G's update needs no gradients for D's weights
            g_loss = update_generator(gen, disc, gen_optim, disc_optim, fake, generator_loss_from_logits,
                                      score=logits, autocast=autocast(), scaler=scaler("gen"))
        return g_loss.item(), d_loss.item()

    def __repr__(self) -> str:
        return f"FastTrainStep(amp={self.amp}, channels_last={self.channels_last})"


fast_train_step = FastTrainStep()
"""A ready :class:`FastTrainStep` with automatic settings: ``fit(..., step_fn=fast_train_step)``."""


__all__ = ["FastTrainStep", "fast_train_step", "discriminator_logits", "autocast_dtype", "cpu_supports_bf16"]

"""Device, seeds, fast mode and thread settings shared by every notebook.

Fast mode shrinks every training budget so that a notebook runs top to bottom
in seconds. It is on when ``AML_GAN_FAST=1`` is set, or while nbgrader executes
a notebook (nbgrader sets ``NBGRADER_EXECUTION``), so autograding stays quick.
"""
from __future__ import annotations

import contextlib
import os
import random
from typing import Iterator, TypeVar

import numpy as np
import torch

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DEVICES = ("cpu", "cuda", "mps")


def get_device() -> torch.device:
    """The device to train on: CUDA, then Apple's MPS, then the CPU.

    Set ``AML_GAN_DEVICE`` (for example ``cpu`` or ``cuda:1``) to force one.
    """
    forced = os.environ.get("AML_GAN_DEVICE", "").strip()
    if forced:
        kind = forced.split(":", 1)[0]
        if kind not in _DEVICES:
            raise ValueError(
                f"AML_GAN_DEVICE={forced!r} is not a device this course knows. "
                f"Use one of {', '.join(_DEVICES)} (optionally with an index, like cuda:0), "
                "or unset AML_GAN_DEVICE to choose automatically."
            )
        if kind == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(
                f"AML_GAN_DEVICE={forced!r} asks for CUDA, but PyTorch sees no CUDA GPU here. "
                "Unset AML_GAN_DEVICE, or install a CUDA build of PyTorch on a machine with a GPU."
            )
        if kind == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(
                f"AML_GAN_DEVICE={forced!r} asks for MPS, but it is not available on this machine. "
                "Unset AML_GAN_DEVICE to fall back to the CPU."
            )
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_of(module: torch.nn.Module) -> torch.device:
    """The device ``module``'s parameters live on (the CPU for a module without parameters)."""
    for p in module.parameters():
        return p.device
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (all devices); returns a seeded torch Generator."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: pass a whole number like 0.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def is_fast() -> bool:
    """True when notebooks should run with tiny budgets (CI, grading, ``AML_GAN_FAST=1``)."""
    flag = os.environ.get("AML_GAN_FAST", "").strip().lower()
    if flag in _TRUE:
        return True
    if flag not in _FALSE:
        raise ValueError(f"AML_GAN_FAST={flag!r} is not understood: set it to 1 (fast) or 0 (full).")
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def live_widgets() -> bool:
    """False (after saying so) while nbgrader grades a notebook: sliders do nothing there, and
    building live widgets in a headless kernel can stall nbclient (jupyter/nbclient#312)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        print("(The live sliders appear when you run this notebook yourself; the figure above shows the same.)")
        return False
    return True


def budget(*, full: T, fast: T) -> T:
    """Pick a budget (steps, epochs, sizes): ``fast`` in fast mode, ``full`` otherwise."""
    return fast if is_fast() else full


def tiny_model_threads(n: int = 1) -> int:
    """Use ``n`` intra-op threads (default 1) and return the previous setting.

    Tiny dense networks spend more time synchronising threads than computing;
    on a busy two-core machine one thread was 5-10 times faster than two.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    return previous


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Context manager: run the body with ``n`` torch threads, then restore."""
    previous = tiny_model_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


__all__ = ["get_device", "device_of", "seed_everything", "is_fast", "budget", "tiny_model_threads", "torch_threads"]

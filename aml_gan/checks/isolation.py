"""A check leaves the world as it found it: every random generator and the thread count.

:func:`isolated` is the one place that saves and restores them (torch's CPU generator and the
current CUDA device's when CUDA is in use, Python's ``random``, NumPy's global generator, and
torch's intra-op thread count). :func:`~aml_gan.checks.student.grading_check` runs every check
inside it, so a check body may seed and set threads freely: ``seed_all(7)`` before each run it
wants reproducible, ``torch.set_num_threads(1)`` for tiny networks.
"""
from __future__ import annotations

import contextlib
import random
from typing import Iterator, Optional

import numpy as np
import torch

from ..config import torch_threads

__all__ = ["isolated", "seed_all"]


def _cuda_devices(device: Optional[torch.device]) -> list:
    """The CUDA device whose generator a check may use: ``device``'s, else the current one if CUDA is in use."""
    if device is not None and device.type == "cuda":
        return [device.index if device.index is not None else torch.cuda.current_device()]
    if device is None and torch.cuda.is_initialized():  # (is_available() would load the driver: seconds)
        return [torch.cuda.current_device()]
    return []


def seed_all(seed: int, device: Optional[torch.device] = None) -> None:
    """Seed torch (CPU, and ``device``'s or the current CUDA generator), Python's ``random`` and NumPy with ``seed``."""
    torch.random.default_generator.manual_seed(seed)
    for index in _cuda_devices(device):
        with torch.cuda.device(index):
            torch.cuda.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


@contextlib.contextmanager
def isolated(seed: Optional[int] = None, *, threads: Optional[int] = None,
             device: Optional[torch.device] = None) -> Iterator[None]:
    """Run the body with every random generator (and ``threads`` torch threads), then restore them all.

    ``seed``: seed every generator with it on entry (None: leave them as they are). ``threads``:
    torch's intra-op thread count inside (None: unchanged). ``device``: a CUDA device whose
    generator is saved too (default: the current one, when CUDA is in use).
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    # torch_threads puts back the count it found, also when the body changes it
    with torch.random.fork_rng(devices=_cuda_devices(device)), torch_threads(threads or torch.get_num_threads()):
        try:
            if seed is not None:
                seed_all(seed, device)
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)

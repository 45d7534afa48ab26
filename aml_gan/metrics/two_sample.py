"""A GAN's judge, on its own: the classifier two-sample test.

Two samples ``real`` (n, d) and ``fake`` (m, d) come from the same distribution
exactly when no classifier can tell them apart. So: label real 1 and fake 0,
train a small classifier on part of the rows, and measure its accuracy on the
rows it never saw. Held-out accuracy near 0.5 means "cannot tell them apart";
near 1.0 means "easy to tell apart". The best any classifier can reach is
``1/2 + TV(p, q)/2`` (TV: total variation distance), which for two 1-D Gaussians
:func:`gaussian_best_accuracy` computes in closed form (numerically).
"""
from __future__ import annotations

import math
from typing import Tuple

import numpy as np
import torch
from torch import nn

from ..config import torch_threads
from ..reference import reference

MIN_SAMPLES = 10


def _as_rows(x, name: str) -> torch.Tensor:
    """Validate one sample and return it as a float (n, d) tensor (a new tensor: input untouched)."""
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(np.asarray(x))
        except Exception as err:  # noqa: BLE001 - re-raised with a clear message
            raise TypeError(
                f"{name} must be a torch tensor of shape (n, d) or (n,), got {type(x).__name__}. "
                "Convert it with torch.as_tensor(...)."
            ) from err
    if x.is_complex():
        raise TypeError(f"{name} is complex; pass real-valued samples of shape (n, d) or (n,).")
    x = x.detach().to(torch.float32)
    if x.dim() == 0:
        raise ValueError(
            f"{name} is a single number; pass a batch of samples of shape (n, d) or (n,)."
        )
    if x.dim() == 1:
        x = x.reshape(-1, 1)
    elif x.dim() > 2:
        x = x.reshape(x.shape[0], -1)  # images and sequences: one flat row per sample
    if x.shape[1] == 0:
        raise ValueError(f"{name} has shape {tuple(x.shape)}: each sample needs at least one feature.")
    if x.shape[0] < MIN_SAMPLES:
        raise ValueError(
            f"{name} has only {x.shape[0]} samples; the two-sample test needs at least {MIN_SAMPLES} "
            "of each (some to train the detector, the rest to test it). Draw more samples: "
            "with a handful, the accuracy is mostly noise."
        )
    if not torch.isfinite(x).all():
        raise ValueError(
            f"{name} contains NaN or infinite values (a generator that diverged produces these). "
            "Check the samples, e.g. torch.isfinite(x).all(), before testing them."
        )
    return x


def _split(n: int, test_fraction: float, gen: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    perm = torch.randperm(n, generator=gen)
    n_test = min(max(1, int(round(n * test_fraction))), n - 1)
    return perm[n_test:], perm[:n_test]


@reference("two_sample_test")
def two_sample_accuracy(
    real,
    fake,
    *,
    steps: int = 200,
    hidden: int = 32,
    lr: float = 0.05,
    test_fraction: float = 0.5,
    seed: int = 0,
    evaluate_on: str = "held_out",
) -> float:
    """Held-out accuracy of a small classifier trained to tell ``real`` from ``fake``.

    Args:
        real: (n, d) tensor of real samples; (n,) is read as (n, 1), and
            (n, ...) with more dims is flattened to (n, prod(...)).
        fake: (m, d) tensor of generated samples, same d (m may differ from n).
        steps: full-batch Adam steps for the classifier.
        hidden: width of the one hidden layer (``0``: logistic regression).
        lr: Adam's learning rate.
        test_fraction: share of each sample held out to measure accuracy.
        seed: seeds the split and the classifier; the global RNG is left untouched.
        evaluate_on: ``"held_out"`` (the test). ``"train"`` scores the training
            rows instead: only for the lesson that training accuracy lies.

    Returns:
        A float in [0, 1]: the balanced held-out accuracy (mean of the accuracy
        on held-out real rows and on held-out fake rows), so 0.5 is chance
        even when n != m. About 0.5: the detector cannot tell the samples apart.

    Raises:
        TypeError / ValueError with the fix, for non-tensors, different feature
        counts, fewer than 10 samples per side, or NaN/inf values.
    """
    real, fake = _checked_samples(real, fake, test_fraction=test_fraction, evaluate_on=evaluate_on, steps=steps)
    gen = torch.Generator().manual_seed(int(seed))
    r_train, r_test = _split(real.shape[0], test_fraction, gen)
    f_train, f_test = _split(fake.shape[0], test_fraction, gen)
    r_eval, f_eval = (r_test, f_test) if evaluate_on == "held_out" else (r_train, f_train)
    device = real.device
    x_train, y_train, w_train = _training_rows(real, fake, r_train, f_train)
    # Standardise with training statistics only: the held-out rows stay unseen.
    mean = x_train.mean(0, keepdim=True)
    std = x_train.std(0, keepdim=True).clamp_min(1e-6)

    threads = torch.get_num_threads() if device.type != "cpu" else 1
    with torch_threads(threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = _fit_detector((x_train - mean) / std, y_train, w_train, hidden=hidden, lr=lr, steps=steps)
        with torch.no_grad():
            said_real = model((real[r_eval.to(device)] - mean) / std) > 0
            said_fake = model((fake[f_eval.to(device)] - mean) / std) <= 0
    acc = 0.5 * (said_real.float().mean() + said_fake.float().mean())
    return float(acc)


def _checked_samples(real, fake, *, test_fraction: float, evaluate_on: str, steps: int
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Validate both samples and the options; return real (n, d) and fake (m, d) on real's device."""
    real = _as_rows(real, "real")
    fake = _as_rows(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real has {real.shape[1]} features per sample but fake has {fake.shape[1]}: "
            "both must be (n, d) with the same d (flatten images the same way on both sides)."
        )
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}.")
    if evaluate_on not in ("held_out", "train"):
        raise ValueError(f"evaluate_on must be 'held_out' or 'train', got {evaluate_on!r}.")
    if int(steps) < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    return real, fake.to(real.device)


def _training_rows(real: torch.Tensor, fake: torch.Tensor, r_train: torch.Tensor, f_train: torch.Tensor
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The detector's training set: rows x (k, d), labels y (k, 1) (real 1, fake 0) and
    loss weights w (k, 1), where k = len(r_train) + len(f_train)."""
    device = real.device
    x_train = torch.cat([real[r_train.to(device)], fake[f_train.to(device)]])
    y_train = torch.cat([torch.ones(len(r_train)), torch.zeros(len(f_train))]).to(device).unsqueeze(1)
    # Each class counts equally in the loss, so unequal sample sizes do not bias the detector.
    w_train = torch.cat([torch.full((len(r_train),), 0.5 / len(r_train)),
                         torch.full((len(f_train),), 0.5 / len(f_train))]).to(device).unsqueeze(1)
    return x_train, y_train, w_train


def _fit_detector(xs: torch.Tensor, y: torch.Tensor, w: torch.Tensor, *, hidden: int, lr: float, steps: int
                  ) -> nn.Module:
    """Train the detector on standardised rows ``xs`` (k, d) with labels and weights (k, 1):
    ``steps`` full-batch Adam steps on the weighted BCE. Returns the model (logit > 0: "real").
    Draws its initial weights from the global RNG (the caller forks and seeds it)."""
    d = xs.shape[1]
    if hidden and int(hidden) > 0:
        model = nn.Sequential(nn.Linear(d, int(hidden)), nn.Tanh(), nn.Linear(int(hidden), 1))
    else:
        model = nn.Linear(d, 1)
    model = model.to(xs.device)
    optim = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    for _ in range(int(steps)):
        optim.zero_grad(set_to_none=True)
        loss = (loss_fn(model(xs), y) * w).sum()
        loss.backward()
        optim.step()
    return model


def gaussian_best_accuracy(
    mean_fake: float, std_fake: float = 1.0, mean_real: float = 0.0, std_real: float = 1.0
) -> float:
    """The best accuracy any detector can reach between two 1-D Gaussians (equal priors).

    It is ``1/2 + TV/2`` with TV the total variation distance
    ``1/2 * integral |p(x) - q(x)| dx``, integrated on a fine grid. For equal
    spreads it equals ``Phi(|mean_fake - mean_real| / (2 * std))``.
    """
    for name, s in (("std_fake", std_fake), ("std_real", std_real)):
        if not s > 0:
            raise ValueError(f"{name} must be positive, got {s}.")
    lo = min(mean_real - 10 * std_real, mean_fake - 10 * std_fake)
    hi = max(mean_real + 10 * std_real, mean_fake + 10 * std_fake)
    x = np.linspace(lo, hi, 20001)

    def pdf(m, s):
        return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))

    integrate = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz
    tv = 0.5 * integrate(np.abs(pdf(mean_real, std_real) - pdf(mean_fake, std_fake)), x)
    return float(min(1.0, 0.5 + 0.5 * tv))


__all__ = ["two_sample_accuracy", "gaussian_best_accuracy"]

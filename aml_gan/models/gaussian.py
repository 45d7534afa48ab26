"""The networks of notebook 06 and the original chapter's training epoch.

Generator: one linear layer, ``x = z W^T + b`` (torch's ``nn.Linear``), so with
``z ~ N(0, I)`` its output is exactly Gaussian with mean ``b`` and covariance
``W W^T``. Discriminator: dense 5 (tanh), dense 3 (tanh), dense 2, two class
scores (index 1 = real, 0 = fake) for a softmax cross-entropy. Both start with
weights from N(0, 0.02) and zero biases, like Gluon's ``mx.init.Normal(0.02)``
(which initialises weights only; Gluon's ``Dense`` biases start at zero).
"""
from __future__ import annotations

from typing import Iterable, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..metrics.moments import discriminator_accuracy
from ..reference import reference
from ..training import update_discriminator, update_generator

REAL, FAKE = 1, 0  # class indices of the two-class discriminator


def init_normal_(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Every ``nn.Linear`` in ``module``: weights from N(0, std), biases zero. Returns ``module``."""
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}: the original used 0.02.")
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def gaussian_generator(latent_dim: int = 2, data_dim: int = 2, *, init_std: float = 0.02) -> nn.Sequential:
    """The linear generator: ``nn.Sequential(nn.Linear(latent_dim, data_dim))``.

    Input noise (B, latent_dim), output points (B, data_dim). ``generator[0]`` is the
    linear layer: its ``weight`` W has shape (data_dim, latent_dim), its ``bias`` (data_dim,).
    """
    for name, v in (("latent_dim", latent_dim), ("data_dim", data_dim)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive whole number, got {v!r}.")
    return init_normal_(nn.Sequential(nn.Linear(latent_dim, data_dim)), init_std)


def gaussian_discriminator(
    data_dim: int = 2, hidden: Sequence[int] = (5, 3), *, n_classes: int = 2, init_std: float = 0.02
) -> nn.Sequential:
    """The small tanh discriminator: dense 5 (tanh), dense 3 (tanh), dense 2.

    Input points (B, data_dim), output class scores (B, n_classes): raw logits for
    ``F.cross_entropy``; column 1 says "real", column 0 "fake". 41 parameters by default.
    """
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}.")
    layers, width = [], data_dim
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.Tanh()]
        width = int(h)
    layers.append(nn.Linear(width, n_classes))
    return init_normal_(nn.Sequential(*layers), init_std)


def linear_layer(generator: nn.Module) -> nn.Linear:
    """The one ``nn.Linear`` inside a linear generator (or the generator itself if it is one)."""
    if isinstance(generator, nn.Linear):
        return generator
    if not isinstance(generator, nn.Module):
        raise TypeError(f"generator must be an nn.Module, got {type(generator).__name__}.")
    linears = [m for m in generator.modules() if isinstance(m, nn.Linear)]
    if len(linears) != 1:
        raise ValueError(
            f"expected a generator with exactly one nn.Linear (like gaussian_generator()), found {len(linears)}: "
            "only a single linear layer turns Gaussian noise into a Gaussian we can read off its weights."
        )
    return linears[0]


@torch.no_grad()
@reference("implied_gaussian")
def linear_generator_moments(generator: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean (d,) and covariance (d, d) of ``generator(z)`` for ``z ~ N(0, I)``: ``b`` and ``W W^T``.

    The package's reference, used by notebook 06 when the exercise is not done yet.
    Returns detached copies (float64), so later training does not change them.
    """
    layer = linear_layer(generator)
    W = layer.weight.detach().to("cpu", torch.float64)
    b = torch.zeros(W.shape[0], dtype=torch.float64) if layer.bias is None else layer.bias.detach().to("cpu", torch.float64)
    return b.clone(), W @ W.T


def _two_class_loss(scores: torch.Tensor, label: int) -> torch.Tensor:
    """Softmax cross-entropy of class scores (B, 2) against one ``label`` (REAL or FAKE) for all. -> ()"""
    return F.cross_entropy(scores, torch.full((scores.shape[0],), label, dtype=torch.long, device=scores.device))


def train_gaussian_epoch(
    gen: nn.Module,
    disc: nn.Module,
    gen_optim: torch.optim.Optimizer,
    disc_optim: torch.optim.Optimizer,
    data: Iterable,
    *,
    latent_dim: int = 2,
) -> float:
    """One epoch of the original chapter's loop; returns D's binary training accuracy.

    Per batch ``x`` (B, d) (or a 1-tuple holding it): draw ``z ~ N(0, I)`` (B, latent_dim);
    (1) D on real (label 1) and on the detached fake (label 0), softmax cross-entropy,
    one D step; (2) G on the *same* fake, scored by the updated D with label 1 (the
    non-saturating loss), one G step. The accuracy is counted from D's outputs before
    its step, over every real and fake point of the epoch, as the original's metric did.
    Notebook 06 writes this loop out in its own cells and checks that this copy, built
    from the package's two updates, trains the same generator; ``bench/`` times it.
    """
    device = next(gen.parameters()).device
    correct, seen = 0.0, 0
    for batch in data:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        x = x.to(device)
        fake = gen(torch.randn(x.shape[0], latent_dim, device=device))

        def disc_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
            nonlocal correct  # the original counts D's hits on the outputs it learns from
            correct += discriminator_accuracy(real_out, fake_out) * 2 * x.shape[0]
            return _two_class_loss(real_out, REAL) + _two_class_loss(fake_out, FAKE)

        update_discriminator(disc, disc_optim, x, fake, disc_loss)
        update_generator(gen, disc, gen_optim, disc_optim, fake, lambda fake_out: _two_class_loss(fake_out, REAL))
        seen += 2 * x.shape[0]
    if seen == 0:
        raise ValueError("data yielded no batches: pass a DataLoader over the points (batch_size=4 in the original).")
    return correct / seen


__all__ = [
    "init_normal_",
    "gaussian_generator",
    "gaussian_discriminator",
    "linear_layer",
    "linear_generator_moments",
    "train_gaussian_epoch",
]

"""The catalog of student training steps that specifies ``check_train_step``.

Every CORRECT step must pass with no problem (on the probe networks, on dense networks
with batch norm, and on a tiny DCGAN-like convolutional pair); every BUGGY step must fail
with the named problem code. Extend the catalog whenever a new bug turns up.

Steps follow the course convention:
``train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``.
"""
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aml_gan.checks import check_train_step
from aml_gan.config import seed_everything
from student_copies import as_student


def noise(gen, n, nz, device, uniform=False):
    """Noise in the shape the generator takes: (n, nz), or (n, nz, 1, 1) for the conv one."""
    shape = (n, nz, 1, 1) if getattr(gen, "takes_4d", False) else (n, nz)
    return torch.rand(*shape, device=device) if uniform else torch.randn(*shape, device=device)


def nlog(p):
    """-log p, guarded: a step must keep its logs finite when the discriminator is sure."""
    return -torch.log(p.clamp(min=1e-7))


# ============================================================================ correct steps


def ok_source_g_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """The unit's own loop, as the exercise asks for it: G first, D's grads zeroed after G's backward,
    normal noise and guarded logs."""
    b = real_batch.shape[0]
    disc_score = disc(gen(noise(gen, b, latent_dim, real_batch.device)))
    generator_loss = nlog(disc_score).mean()
    generator_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    disc_score_false = disc(gen(noise(gen, b, latent_dim, real_batch.device)).detach())
    disc_score_true = disc(real_batch)
    discriminator_loss = (nlog(disc_score_true) + nlog(1 - disc_score_false)).mean()
    discriminator_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return generator_loss.item(), discriminator_loss.item()


def bug_source_as_printed(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """The unit's pseudo-code line by line (notebook 03's broken_step with its one line put back):
    uniform noise (torch.rand) and logs with no guard."""
    b = real_batch.shape[0]
    disc_score = disc(gen(noise(gen, b, latent_dim, real_batch.device, uniform=True)))
    generator_loss = -torch.log(disc_score).mean()
    generator_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    disc_score_false = disc(gen(noise(gen, b, latent_dim, real_batch.device, uniform=True)).detach())
    disc_score_true = disc(real_batch)
    discriminator_loss = (-torch.log(disc_score_true) - torch.log(1 - disc_score_false)).mean()
    discriminator_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return generator_loss.item(), discriminator_loss.item()


def bug_unguarded_logs(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Normal noise, but logs with no guard: inf once the discriminator is sure."""
    b = real_batch.shape[0]
    generator_loss = -torch.log(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    gen_optim.zero_grad()
    generator_loss.backward()
    gen_optim.step()
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    discriminator_loss = (-torch.log(disc(real_batch)) - torch.log(1 - disc(fake))).mean()
    discriminator_loss.backward()
    disc_optim.step()
    return generator_loss.item(), discriminator_loss.item()


def ok_d_first_functional_bce(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """D first, F.binary_cross_entropy, one fake batch reused (detached for D), sum for G."""
    b = real_batch.shape[0]
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    disc_optim.zero_grad()
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = F.binary_cross_entropy(p_real, torch.ones_like(p_real)) + F.binary_cross_entropy(
        p_fake, torch.zeros_like(p_fake)
    )
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    p_fake = disc(fake)
    g_loss = F.binary_cross_entropy(p_fake, torch.ones_like(p_fake), reduction="sum")
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


_bce = nn.BCELoss()


def ok_bce_module_cat(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """nn.BCELoss with labels on one concatenated batch; zero_grad(set_to_none=False)."""
    b = real_batch.shape[0]
    disc_optim.zero_grad(set_to_none=False)
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    scores = disc(torch.cat([real_batch, fake]))
    labels = torch.cat([torch.ones(b, 1), torch.zeros(b, 1)]).to(scores.device).view_as(scores)
    d_loss = _bce(scores, labels)
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad(set_to_none=False)
    scores = disc(gen(noise(gen, b, latent_dim, real_batch.device)))
    g_loss = _bce(scores, torch.ones_like(scores))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def ok_model_zero_grad(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """model.zero_grad() instead of the optimizers', clamped logs."""
    b = real_batch.shape[0]
    eps = 1e-7
    gen.zero_grad()
    g_loss = -torch.log(disc(gen(noise(gen, b, latent_dim, real_batch.device))).clamp(min=eps)).mean()
    g_loss.backward()
    gen_optim.step()
    disc.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d_loss = -(torch.log(disc(real_batch).clamp(min=eps)) + torch.log((1 - disc(fake)).clamp(min=eps))).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()


def ok_freeze_disc(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Freezes D with requires_grad_(False) during G's update instead of zeroing D's grads."""
    b = real_batch.shape[0]
    for p in disc.parameters():
        p.requires_grad_(False)
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake)).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()


def ok_split_backward(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """pytorch/examples dcgan: errD_real.backward(); errD_fake.backward(); one D step."""
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    out = disc(real_batch)
    err_real = _bce(out, torch.ones_like(out))
    err_real.backward()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    out = disc(fake.detach())
    err_fake = _bce(out, torch.zeros_like(out))
    err_fake.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    out = disc(fake)
    err_g = _bce(out, torch.ones_like(out))
    err_g.backward()
    gen_optim.step()
    return err_g.item(), (err_real + err_fake).item()


def ok_zero_after_step_d_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Clears gradients only after each step (clean at entry); sums instead of means."""
    b = real_batch.shape[0]
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).sum()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    g_loss = nlog(disc(fake)).sum()
    g_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    return g_loss.item(), d_loss.item()


def ok_undetached_but_cleared(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """D loss not detached, but G's grads are cleared before G's own backward: only a warning."""
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake)).mean()
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def ok_backward_inputs(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """G's backward restricted to G's parameters with backward(inputs=...)."""
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward(inputs=list(gen.parameters()))
    gen_optim.step()
    disc_optim.zero_grad()
    with torch.no_grad():
        fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = _bce(disc(real_batch), torch.ones_like(disc(real_batch))) + _bce(
        disc(fake), torch.zeros_like(disc(fake))
    )
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()


def ok_clip_grad(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Clips the discriminator's gradient norm before stepping."""
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake.detach())).mean()
    d_loss.backward()
    torch.nn.utils.clip_grad_norm_(disc.parameters(), 0.05)
    disc_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def ok_zero_both_at_start_d_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Clears both optimizers once at the start; D first on detached fakes, then G."""
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    b = real_batch.shape[0]
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = 0.5 * (_bce(disc(real_batch), torch.ones(b, 1).view_as(disc(real_batch)))
                    + _bce(disc(fake.detach()), torch.zeros(b, 1).view_as(disc(real_batch))))
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def ok_generator_twice(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Two generator updates per call, each on fresh fakes: accepted (the warning extra_steps)."""
    d = _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim)
    for _ in range(2):
        gen_optim.zero_grad()
        g = nlog(disc(gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)))).mean()
        g.backward()
        gen_optim.step()
    return g.item(), d.item()


def ok_float_returns(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Returns float(loss) instead of loss.item() (PyTorch warns; the check reports the warning)."""
    d = _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim)
    gen_optim.zero_grad()
    pg = disc(gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)))
    g = _bce(pg, torch.ones_like(pg))
    g.backward()
    gen_optim.step()
    return float(g), float(d)


def ok_one_sided_label_smoothing(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Real target 0.9 for the discriminator only (Salimans et al. 2016): the warning label_smoothing."""
    disc_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    pr, pf = disc(real_batch), disc(fake.detach())
    d = _bce(pr, torch.full_like(pr, 0.9)) + _bce(pf, torch.zeros_like(pf))
    d.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    pg = disc(fake)
    g = _bce(pg, torch.ones_like(pg))
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim):
    disc_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)).detach()
    d = (nlog(disc(real_batch).clamp(min=1e-7)) + nlog((1 - disc(fake)).clamp(min=1e-7))).mean()
    d.backward()
    disc_optim.step()
    return d


CORRECT = [
    ok_generator_twice,
    ok_float_returns,
    ok_one_sided_label_smoothing,
    ok_zero_both_at_start_d_first,
    ok_source_g_first,
    ok_d_first_functional_bce,
    ok_bce_module_cat,
    ok_model_zero_grad,
    ok_freeze_disc,
    ok_split_backward,
    ok_zero_after_step_d_first,
    ok_undetached_but_cleared,
    ok_backward_inputs,
    ok_clip_grad,
]


# ============================================================================ buggy steps


def _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=None):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    pr, pf = disc(real_batch), disc(fake)
    d_loss = loss(pr, pf) if loss else (nlog(pr) + nlog(1 - pf)).mean()
    d_loss.backward()
    disc_optim.step()
    return d_loss


def _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=None):
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    pf = disc(gen(noise(gen, b, latent_dim, real_batch.device)))
    g_loss = loss(pf) if loss else nlog(pf).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss


def bug_no_disc_zero_after_g(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return g_loss.item(), d_loss.item()


def bug_no_detach(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """G first, G's grads cleared only after its step: D's loss leaks into the next G step."""
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))  # not detached
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return g_loss.item(), d_loss.item()


def bug_no_detach_d_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """D first without detach and without clearing G's grads before G's backward."""
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    return g_loss.item(), d_loss.item()


def bug_saturating(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: torch.log(1 - pf).mean())
    return g.item(), d.item()


def bug_g_sign_flipped(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: torch.log(pf).mean())
    return g.item(), d.item()


def bug_g_uses_fake_term(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: nlog(1 - pf).mean())
    return g.item(), d.item()


def bug_g_no_log(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: (1 - pf).mean())
    return g.item(), d.item()


def bug_d_labels_swapped(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: _bce(pr, torch.zeros_like(pr)) + _bce(pf, torch.ones_like(pf)))
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_d_no_fake_term(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: nlog(pr).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_d_sign_flipped(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: (torch.log(pr) + torch.log(1 - pf)).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_d_least_squares(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: ((pr - 1) ** 2).mean() + (pf ** 2).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_d_missing_one_minus(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: (nlog(pr) + nlog(pf)).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_never_zero(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def bug_gen_never_zeroed(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    for p in disc.parameters():
        p.requires_grad_(False)
    g = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g.backward()
    gen_optim.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    return g.item(), d.item()


def bug_no_gen_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g.backward()
    return g.item(), d.item()


def bug_no_disc_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_zero_between_backward_and_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    disc_optim.zero_grad()
    disc_optim.step()
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_detach_in_g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)).detach())).mean()
    g.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    return g.item(), d.item()


def bug_optimizers_swapped(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """The unit's loop with every gen_optim/disc_optim exchanged."""
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.zero_grad()
    disc_optim.step()
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    return g_loss.item(), d_loss.item()


def bug_optimizers_swapped_d_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    d_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()


def bug_frozen_forever(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    for p in disc.parameters():
        p.requires_grad_(False)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: (nlog(pr) + nlog(1 - pf)).mean())
    return g.item(), d.item()


def bug_returns_tensors(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g, d


def bug_returns_nothing(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)


def bug_returns_swapped(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return d.item(), g.item()


def bug_not_written(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    raise NotImplementedError()


def bug_cuda(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    z = noise(gen, b, latent_dim, "cpu").cuda()
    g = nlog(disc(gen(z))).mean()
    return g.item(), g.item()


def bug_double_sigmoid(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """BCEWithLogitsLoss on a discriminator that already ends in a sigmoid."""
    crit = nn.BCEWithLogitsLoss()
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: crit(pr, torch.ones_like(pr)) + crit(pf, torch.zeros_like(pf)))
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                 loss=lambda pf: crit(pf, torch.ones_like(pf)))
    return g.item(), d.item()


def bug_new_optimizer_inside(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    own = torch.optim.Adam(gen.parameters(), lr=1e-3)
    own.zero_grad()
    b = real_batch.shape[0]
    g = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    g.backward()
    own.step()
    return g.item(), d.item()


_GLOBAL_GEN = nn.Linear(3, 2)


def bug_uses_globals(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    with torch.no_grad():
        _GLOBAL_GEN(torch.randn(4, 3))
    return 0.0, 0.0


def bug_reuse_output_after_disc_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    p_fake = disc(fake)
    d = (nlog(disc(real_batch)) + nlog(1 - p_fake)).mean()
    d.backward(retain_graph=True)
    disc_optim.step()
    gen_optim.zero_grad()
    g = nlog(p_fake).mean()
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def bug_loss_not_scalar(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d = nlog(disc(real_batch)) + nlog(1 - disc(fake))
    d.backward()
    disc_optim.step()
    return 0.0, 0.0


def bug_zero_both_at_start_g_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Clears both once at the start, but G goes first: its backward leaks into D's step."""
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    g = nlog(disc(gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)))).mean()
    g.backward()
    gen_optim.step()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    disc_optim.step()
    return g.item(), d.item()


def bug_target_shape(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    out = disc(real_batch)
    d = _bce(out, torch.ones(b))          # (b,) targets for (b, 1) scores
    d.backward()
    disc_optim.step()
    return 0.0, d.item()


# ---------------------------------------------------------------------------- loops from real threads
# (more, as whole answer cells, in tests/corpus/train_step.py)


def bug_adversarial_term_detached(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """pix2pix-style G loss whose adversarial term is detached; only the L1 term trains G.

    Seen in https://github.com/ooples/AiDotNet/issues/2155 (the D forward of G's loss runs without gradient).
    """
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    gen_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    pred = disc(fake).detach()
    g = _bce(pred, torch.ones_like(pred)) + 100 * F.l1_loss(fake, real_batch)
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def bug_d_steps_one_zero_grad(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """k discriminator steps after one zero_grad: https://github.com/ajbrock/BigGAN-PyTorch/issues/25"""
    disc_optim.zero_grad()
    for _ in range(2):
        fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)).detach()
        d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
        d.backward()
        disc_optim.step()
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()


def bug_g_steps_one_zero_grad(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Two generator steps after one zero_grad: the second steps with both batches' gradients."""
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    gen_optim.zero_grad()
    for _ in range(2):
        g = nlog(disc(gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device)))).mean()
        g.backward()
        gen_optim.step()
    return g.item(), d.item()


def bug_step_before_backward_d_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """optimizer.step() before loss.backward() in both turns, D first.

    https://github.com/MyeongJin-Kim/Learning-Texture-Invariant-Representation/issues/10
    """
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device))
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    disc_optim.step()
    d.backward()
    gen_optim.zero_grad()
    g = nlog(disc(fake)).mean()
    gen_optim.step()
    g.backward()
    return g.item(), d.item()


def bug_step_before_backward_g_first(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """The same with the generator's turn first (once reported as "the optimizers are swapped")."""
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g = nlog(disc(gen(noise(gen, b, latent_dim, real_batch.device)))).mean()
    gen_optim.step()
    g.backward()
    disc_optim.zero_grad()
    fake = gen(noise(gen, b, latent_dim, real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    disc_optim.step()
    d.backward()
    return g.item(), d.item()


def bug_combined_backward(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """(d_loss + g_loss).backward(), then both steps (the fakes are detached for D's term)."""
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    g = nlog(disc(fake)).mean()
    (d + g).backward()
    disc_optim.step()
    gen_optim.step()
    return g.item(), d.item()


def bug_combined_backward_one_score(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """One disc(fake) used by both losses and one backward for both."""
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    pr, pf = disc(real_batch), disc(fake)
    d = _bce(pr, torch.ones_like(pr)) + _bce(pf, torch.zeros_like(pf))
    g = _bce(pf, torch.ones_like(pf))
    (d + g).backward()
    disc_optim.step()
    gen_optim.step()
    return g.item(), d.item()


def bug_second_g_step_on_old_fake(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Two G steps on one fake painted before the first: https://github.com/tamarott/SinGAN/issues/148"""
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    disc_optim.zero_grad()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    d.backward()
    disc_optim.step()
    for _ in range(2):
        gen_optim.zero_grad()
        g = nlog(disc(fake)).mean()
        g.backward(retain_graph=True)
        gen_optim.step()
    return g.item(), d.item()


def bug_lsgan_no_zero_grad(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Least-squares losses and no zero_grad: https://github.com/Adversarial-Deep-Learning/code-soup/issues/69"""
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    d = 0.5 * (((disc(real_batch) - 1) ** 2).mean() + (disc(fake.detach()) ** 2).mean())
    d.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    g = 0.5 * ((disc(fake) - 1) ** 2).mean()
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def bug_wgan_no_disc_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Wasserstein losses, disc_optim.step() missing: https://github.com/zhaoyuzhi/deepfillv2/issues/6"""
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    disc_optim.zero_grad()
    d = disc(fake.detach()).mean() - disc(real_batch).mean()
    d.backward()
    gen_optim.zero_grad()
    g = -disc(fake).mean()
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def bug_hinge_gen_optim_for_disc(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """Hinge losses; D's turn steps gen_optim: https://github.com/Lornatang/SRGAN-PyTorch/issues/85"""
    gen_optim.zero_grad()
    fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
    disc_optim.zero_grad()
    d = torch.relu(1 - disc(real_batch)).mean() + torch.relu(1 + disc(fake.detach())).mean()
    d.backward()
    gen_optim.step()
    g = -disc(fake).mean()
    g.backward()
    gen_optim.step()
    return g.item(), d.item()


def bug_generator_target_half(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """A generator target of 0.5: too far from 1 to be label smoothing."""
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                 loss=lambda pf: _bce(pf, torch.full_like(pf, 0.5)))
    return g.item(), d.item()


BUGGY = [
    (bug_source_as_printed, "noise_not_standard_normal"),
    (bug_source_as_printed, "not_finite_at_saturation"),
    (bug_unguarded_logs, "not_finite_at_saturation"),
    (bug_adversarial_term_detached, "no_adversarial_gradient"),
    (bug_d_steps_one_zero_grad, "stale_gradients"),
    (bug_g_steps_one_zero_grad, "stale_gradients"),
    (bug_step_before_backward_d_first, "step_before_backward"),
    (bug_step_before_backward_g_first, "step_before_backward"),
    (bug_combined_backward, "combined_backward"),
    (bug_combined_backward_one_score, "combined_backward"),
    (bug_second_g_step_on_old_fake, "raised"),
    (bug_lsgan_no_zero_grad, "non_course_loss"),
    (bug_wgan_no_disc_step, "non_course_loss"),
    (bug_hinge_gen_optim_for_disc, "discriminator_not_updated"),
    (bug_generator_target_half, "wrong_generator_loss"),
    (bug_zero_both_at_start_g_first, "disc_updated_by_generator_loss"),
    (bug_target_shape, "raised"),
    (bug_no_disc_zero_after_g, "disc_updated_by_generator_loss"),
    (bug_no_detach, "generator_grads_from_disc_loss"),
    (bug_no_detach_d_first, "generator_grads_from_disc_loss"),
    (bug_saturating, "saturating_generator_loss"),
    (bug_g_sign_flipped, "wrong_generator_loss"),
    (bug_g_uses_fake_term, "wrong_generator_loss"),
    (bug_g_no_log, "wrong_generator_loss"),
    (bug_d_labels_swapped, "wrong_discriminator_loss"),
    (bug_d_no_fake_term, "wrong_discriminator_loss"),
    (bug_d_sign_flipped, "wrong_discriminator_loss"),
    (bug_d_least_squares, "wrong_discriminator_loss"),
    (bug_d_missing_one_minus, "wrong_discriminator_loss"),
    (bug_never_zero, "stale_gradients"),
    (bug_gen_never_zeroed, "stale_gradients"),
    (bug_no_gen_step, "generator_not_updated"),
    (bug_no_disc_step, "discriminator_not_updated"),
    (bug_zero_between_backward_and_step, "discriminator_not_updated"),
    (bug_detach_in_g_phase, "generator_not_updated"),
    (bug_optimizers_swapped, "optimizers_swapped"),
    (bug_optimizers_swapped_d_first, "optimizers_swapped"),
    (bug_frozen_forever, "discriminator_not_updated"),
    (bug_returns_tensors, "returns_wrong_type"),
    (bug_returns_nothing, "returns_wrong_type"),
    (bug_returns_swapped, "outputs_swapped"),
    (bug_not_written, "not_implemented"),
    (bug_double_sigmoid, "sigmoid_applied_twice"),
    (bug_new_optimizer_inside, "params_changed_outside_optimizer"),
    (bug_uses_globals, "ignored_arguments"),
    (bug_reuse_output_after_disc_step, "raised"),
    (bug_loss_not_scalar, "not_scalar"),
]


# ============================================================================ student networks


class DenseG(nn.Module):
    def __init__(self, nz=4, out=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(nz, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, out), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class DenseD(nn.Module):
    def __init__(self, inp=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inp, 16), nn.BatchNorm1d(16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class ConvG(nn.Module):
    """A tiny DCGAN-like generator: noise (B, nz, 1, 1) -> images (B, 1, 8, 8)."""

    takes_4d = True

    def __init__(self, nz=4, ngf=4):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class ConvD(nn.Module):
    """A tiny DCGAN-like discriminator: images (B, 1, 8, 8) -> probabilities (B,)."""

    def __init__(self, ndf=4, logits=False):
        super().__init__()
        layers = [
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 2, 1, 0, bias=False),
        ]
        if not logits:
            layers.append(nn.Sigmoid())
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1)


def dense_pair():
    torch.manual_seed(0)
    return dict(gen=DenseG(), disc=DenseD(), latent_dim=4)


def conv_pair():
    torch.manual_seed(0)
    return dict(gen=ConvG(), disc=ConvD(), latent_dim=4)


NETS = {"probe": lambda: {}, "dense_bn": dense_pair, "conv": conv_pair}


# ============================================================================ tests


@pytest.mark.parametrize("nets", list(NETS))
@pytest.mark.parametrize("step", CORRECT, ids=lambda f: f.__name__)
def test_correct_steps_pass(step, nets):
    report = check_train_step(step, **NETS[nets]())
    assert report.passed, str(report)


def test_undetached_but_cleared_is_only_a_warning():
    report = check_train_step(ok_undetached_but_cleared)
    assert report.passed
    assert "disc_loss_not_detached" in [w.code for w in report.warnings]


@pytest.mark.parametrize("step,code", BUGGY, ids=lambda x: getattr(x, "__name__", x))
def test_buggy_steps_fail_with_the_right_code(step, code):
    report = check_train_step(step)
    assert not report.passed
    assert code in report.codes, str(report)
    with pytest.raises(AssertionError):
        report.raise_for_problems()


# the bugs that depend only on the step (not on the probe networks) must be found on
# the students' own networks too
NET_BUGS = [
    (bug_no_disc_zero_after_g, "disc_updated_by_generator_loss"),
    (bug_no_detach, "generator_grads_from_disc_loss"),
    (bug_saturating, "saturating_generator_loss"),
    (bug_g_sign_flipped, "wrong_generator_loss"),
    (bug_d_labels_swapped, "wrong_discriminator_loss"),
    (bug_d_least_squares, "wrong_discriminator_loss"),
    (bug_never_zero, "stale_gradients"),
    (bug_no_gen_step, "generator_not_updated"),
    (bug_detach_in_g_phase, "generator_not_updated"),
    (bug_optimizers_swapped, "optimizers_swapped"),
    (bug_returns_tensors, "returns_wrong_type"),
    (bug_d_steps_one_zero_grad, "stale_gradients"),
    (bug_step_before_backward_g_first, "step_before_backward"),
    (bug_combined_backward, "combined_backward"),
    (bug_lsgan_no_zero_grad, "non_course_loss"),
    (bug_wgan_no_disc_step, "non_course_loss"),
]


@pytest.mark.parametrize("nets", ["dense_bn", "conv"])
@pytest.mark.parametrize("step,code", NET_BUGS, ids=lambda x: getattr(x, "__name__", x))
def test_buggy_steps_on_student_networks(step, code, nets):
    report = check_train_step(step, **NETS[nets]())
    assert code in report.codes, str(report)


def test_raised_message_shows_exception_and_hint_without_traceback():
    report = check_train_step(bug_not_written)
    msg = report.problems[0].message
    assert "NotImplementedError" in msg and "raise NotImplementedError()" in msg
    assert "Traceback" not in msg and 'File "' not in msg


def test_cuda_on_a_cpu_machine_gets_a_clear_message():
    report = check_train_step(bug_cuda)
    assert "raised" in report.codes
    if not torch.cuda.is_available():
        assert "hardcoded_device" in report.codes
        assert "real_batch.device" in str(report)


def test_logit_discriminator_with_bce_with_logits_passes():
    crit = nn.BCEWithLogitsLoss()

    def step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                     loss=lambda pr, pf: crit(pr, torch.ones_like(pr)) + crit(pf, torch.zeros_like(pf)))
        g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                     loss=lambda pf: crit(pf, torch.ones_like(pf)))
        return g.item(), d.item()

    torch.manual_seed(0)
    report = check_train_step(step, gen=ConvG(), disc=ConvD(logits=True), latent_dim=4)
    assert report.passed, str(report)
    torch.manual_seed(0)
    bad = check_train_step(bug_saturating, gen=ConvG(), disc=ConvD(logits=True), latent_dim=4)
    assert not bad.passed


def test_real_batch_tensor_and_batch_size():
    torch.manual_seed(0)
    real = torch.rand(6, 1, 8, 8) * 2 - 1
    assert check_train_step(ok_source_g_first, batch=real, **conv_pair()).passed
    assert check_train_step(ok_source_g_first, batch=5).passed
    assert check_train_step(ok_d_first_functional_bce, batch=4, **dense_pair()).passed


def test_the_students_networks_are_left_untouched():
    nets = dense_pair()
    gen, disc = nets["gen"], nets["disc"]
    before = {k: v.clone() for k, v in list(gen.state_dict().items()) + [("d." + k, v) for k, v in disc.state_dict().items()]}
    check_train_step(bug_never_zero, **nets)
    after = {k: v for k, v in list(gen.state_dict().items()) + [("d." + k, v) for k, v in disc.state_dict().items()]}
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None and p.requires_grad for p in list(gen.parameters()) + list(disc.parameters()))
    check_train_step(bug_frozen_forever, **nets)
    assert all(p.requires_grad for p in disc.parameters())
    assert not gen._forward_hooks and not disc._forward_hooks


def test_deterministic_and_restores_random_state():
    seed_everything(42)
    expected = (torch.rand(3), random.random(), np.random.rand())
    seed_everything(42)
    first = check_train_step(bug_saturating)
    got = (torch.rand(3), random.random(), np.random.rand())
    assert torch.equal(expected[0], got[0]) and expected[1:] == got[1:]
    second = check_train_step(bug_saturating)
    assert str(first) == str(second)


def test_bad_arguments_raise_clear_errors():
    assert check_train_step(3).codes == ["not_callable"]  # the student's object: reported on, not raised on
    with pytest.raises(ValueError, match="both networks"):
        check_train_step(ok_source_g_first, gen=DenseG())
    with pytest.raises(ValueError, match="at least 2"):
        check_train_step(ok_source_g_first, calls=1)


def test_shape_mismatch_between_generator_and_real_batch():
    nets = dense_pair()
    report = check_train_step(ok_source_g_first, batch=torch.rand(8, 7), **nets)
    assert "wrong_output_shape" in report.codes


def test_torch_autograd_backward_is_restored():
    original = torch.autograd.backward
    check_train_step(bug_not_written)
    check_train_step(ok_split_backward)
    assert torch.autograd.backward is original


class ConvDWithLogits(ConvD):
    """Like the package's DCGAN discriminator: forward gives probabilities, logits() raw scores."""

    def __init__(self):
        super().__init__(logits=True)

    def logits(self, x):
        return self.main(x).view(-1, 1)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def _logits_step(saturating=False, detach=True):
    crit = nn.BCEWithLogitsLoss()

    def step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        b = real_batch.shape[0]
        fake = gen(noise(gen, b, latent_dim, real_batch.device))
        disc_optim.zero_grad()
        sr, sf = disc.logits(real_batch), disc.logits(fake.detach() if detach else fake)
        d = crit(sr, torch.ones_like(sr)) + crit(sf, torch.zeros_like(sf))
        d.backward()
        disc_optim.step()
        gen_optim.zero_grad()
        sf = disc.logits(gen(noise(gen, b, latent_dim, real_batch.device)))
        g = -F.softplus(sf).mean() if saturating else crit(sf, torch.ones_like(sf))
        g.backward()
        gen_optim.step()
        return g.item(), d.item()

    return step


def test_steps_that_call_disc_logits_directly():
    """A step may score with ``disc.logits(x)`` (autocast-safe) instead of ``disc(x)``."""
    for step, code in [(_logits_step(), None), (_logits_step(saturating=True), "saturating_generator_loss")]:
        torch.manual_seed(0)
        report = check_train_step(step, gen=ConvG(), disc=ConvDWithLogits(), latent_dim=4)
        if code is None:
            assert report.passed, str(report)
        else:
            assert code in report.codes, str(report)
    torch.manual_seed(0)
    # disc(x) on the same network, with BCELoss on probabilities, passes too
    assert check_train_step(ok_split_backward, gen=ConvG(), disc=ConvDWithLogits(), latent_dim=4).passed


def test_package_networks():
    models = pytest.importorskip("aml_gan.models")
    if not hasattr(models, "make_dcgan") or not hasattr(models, "DenseGenerator"):
        pytest.skip("package networks not there yet")
    gen, disc = models.make_dcgan(latent_dim=8, image_size=8, width=4, seed=0)
    report = check_train_step(_logits_step(), gen=gen, disc=disc, latent_dim=8)
    assert report.passed, str(report)
    assert "saturating_generator_loss" in check_train_step(bug_saturating, gen=gen, disc=disc, latent_dim=8).codes
    assert check_train_step(ok_source_g_first, gen=gen, disc=disc, latent_dim=8).passed
    torch.manual_seed(0)
    gen, disc = models.DenseGenerator(latent_dim=4, out_dim=5), models.DenseDiscriminator(in_dim=5)
    assert check_train_step(ok_freeze_disc, gen=gen, disc=disc, latent_dim=4).passed
    assert "generator_grads_from_disc_loss" in check_train_step(bug_no_detach, gen=gen, disc=disc, latent_dim=4).codes


def test_the_package_reference_step_passes_as_a_students_copy():
    training = pytest.importorskip("aml_gan.training")
    for nets in ("probe", "dense_bn"):
        report = check_train_step(as_student(training.train_step), **NETS[nets]())
        assert report.passed and not report.warnings, str(report)


def test_the_package_steps_are_refused():
    import functools

    from aml_gan import speed, training

    for twin in (training.train_step, functools.partial(training.gan_step, gen_loss_fn=None), speed.FastTrainStep()):
        assert check_train_step(twin).codes == ["used_reference"]

    def from_the_package_turns(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        fake = gen(noise(gen, real_batch.shape[0], latent_dim, real_batch.device))
        d_loss = training.update_discriminator(disc, disc_optim, real_batch, fake,
                                               lambda pr, pf: (nlog(pr) + nlog(1 - pf)).mean())
        g_loss = training.update_generator(gen, disc, gen_optim, disc_optim, fake, lambda pf: nlog(pf).mean())
        return g_loss.item(), d_loss.item()

    assert check_train_step(from_the_package_turns).codes == ["used_reference"]

    def wrapper(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        return training.train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)

    report = check_train_step(wrapper)
    assert report.codes == ["used_reference"], str(report)
    assert "aml_gan.training.train_step" in report.problems[0].message

    def swallowing(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        try:
            return training.train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
        except Exception:  # a student's catch-all does not hide the use
            return 0.0, 0.0

    assert check_train_step(swallowing).codes == ["used_reference"]


def test_label_smoothing_is_a_warning_not_a_failure():
    def smooth(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                     loss=lambda pr, pf: _bce(pr, torch.full_like(pr, 0.9)) + _bce(pf, torch.zeros_like(pf)))
        g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
        return g.item(), d.item()

    report = check_train_step(smooth)
    assert report.passed, str(report)
    assert "label_smoothing" in [w.code for w in report.warnings]


def test_shape_hint_for_bce_targets():
    report = check_train_step(bug_target_shape)
    assert "same shape" in report.problems[0].message


# ============================================================================ the issue-11 patterns: codes and messages


def _codes_and_text(step, **nets):
    report = check_train_step(step, **nets)
    return report.codes, str(report)


def test_structural_bugs_come_before_another_gans_loss_said_once():
    codes, text = _codes_and_text(bug_lsgan_no_zero_grad)
    assert codes.index("stale_gradients") < codes.index("non_course_loss"), text
    assert "least-squares" in text and "wrong_generator_loss" not in codes and "wrong_discriminator_loss" not in codes
    codes, text = _codes_and_text(bug_wgan_no_disc_step)
    assert codes == ["discriminator_not_updated", "non_course_loss"], text
    codes, text = _codes_and_text(bug_hinge_gen_optim_for_disc)
    assert codes.index("discriminator_not_updated") < codes.index("non_course_loss"), text
    assert "`gen_optim.step()` ran right after the discriminator's loss" in text


def test_order_and_combined_backward_messages_name_the_cause():
    for step in (bug_step_before_backward_d_first, bug_step_before_backward_g_first):
        codes, text = _codes_and_text(step)
        assert codes == ["step_before_backward"], text
        assert "`zero_grad()`, then `backward()`, then `step()`" in text
    codes, text = _codes_and_text(bug_combined_backward)
    assert codes == ["combined_backward"] and "not detached" not in text, text
    codes, text = _codes_and_text(bug_d_steps_one_zero_grad)
    assert codes == ["stale_gradients"] and "one `zero_grad()` before several updates" in text, text


def test_a_second_generator_step_on_old_fakes_says_to_paint_them_again():
    codes, text = _codes_and_text(bug_second_g_step_on_old_fake)
    assert codes == ["raised"] and "Paint the fakes again after each generator step" in text, text
    codes, text = _codes_and_text(bug_reuse_output_after_disc_step)  # the discriminator's weights changed
    assert "`disc_optim.step()`" in text and "Paint the fakes" not in text, text


def test_adversarial_term_without_gradient_fails_on_every_network():
    for nets in NETS:
        codes, text = _codes_and_text(bug_adversarial_term_detached, **NETS[nets]())
        assert codes == ["no_adversarial_gradient"], text


class DenseLogitD(nn.Module):
    """A dense discriminator with no sigmoid: raw scores (B, 1)."""

    def __init__(self, inp=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inp, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


def _logit_pair():
    torch.manual_seed(0)
    return dict(gen=DenseG(), disc=DenseLogitD(), latent_dim=4)


def _with_logits(g_loss):
    crit = nn.BCEWithLogitsLoss()

    def step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                     loss=lambda sr, sf: crit(sr, torch.ones_like(sr)) + crit(sf, torch.zeros_like(sf)))
        g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=g_loss)
        return g.item(), d.item()

    return step


def test_raw_score_discriminators_get_messages_for_logits():
    crit = nn.BCEWithLogitsLoss()
    ok = check_train_step(_with_logits(lambda s: crit(s, torch.ones_like(s))), **_logit_pair())
    assert ok.passed and not ok.warnings, str(ok)
    for g_loss, code in [(lambda s: -F.softplus(s).mean(), "saturating_generator_loss"),   # log(1 - sigmoid(s))
                         (lambda s: crit(s, torch.zeros_like(s)), "wrong_generator_loss")]:
        report = check_train_step(_with_logits(g_loss), **_logit_pair())
        assert report.codes == [code], str(report)
        assert "BCEWithLogitsLoss" in str(report) and "torch.log(disc(fake))" not in str(report)
    # a step written for raw scores whose generator loss fits nothing (the log of the mean): still a wrong loss
    report = check_train_step(_with_logits(lambda s: -torch.log(torch.sigmoid(s).mean())), **_logit_pair())
    assert report.codes == ["wrong_generator_loss"] and not report.warnings, str(report)


def test_a_discriminator_without_its_sigmoid_is_blamed_once_not_the_step():
    """Notebook 04: the student's discriminator lost its sigmoid; the step is right for probabilities."""
    for step in (ok_source_g_first, ok_d_first_functional_bce):
        report = check_train_step(step, **_logit_pair())
        assert report.passed, str(report)
        assert [w.code for w in report.warnings] == ["output_not_probability"], str(report)
    report = check_train_step(bug_saturating, **_logit_pair())
    assert report.codes == ["saturating_generator_loss"], str(report)
    assert "output_not_probability" in [w.code for w in report.warnings]
    lsgan = check_train_step(bug_lsgan_no_zero_grad, **_logit_pair())  # least squares on raw scores: no sigmoid needed
    assert "non_course_loss" in lsgan.codes and "output_not_probability" not in [w.code for w in lsgan.warnings], str(lsgan)


def test_soft_targets_policy():
    """Within 0.3 of the hard target: a warning (one-sided smoothing advised); further away: a wrong loss."""
    report = check_train_step(ok_one_sided_label_smoothing)
    assert report.passed and [w.code for w in report.warnings] == ["label_smoothing"], str(report)
    assert "one-sided" not in str(report)

    def smooth_everything(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
        d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                     loss=lambda pr, pf: _bce(pr, torch.full_like(pr, 0.9)) + _bce(pf, torch.full_like(pf, 0.1)))
        g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                     loss=lambda pf: _bce(pf, torch.full_like(pf, 0.9)))
        return g.item(), d.item()

    report = check_train_step(smooth_everything)
    assert report.passed, str(report)
    assert "one-sided label smoothing" in str(report) and "generator's fakes get 0.90" in str(report)
    report = check_train_step(bug_generator_target_half)
    assert report.codes == ["wrong_generator_loss"] and "target 0.50" in str(report), str(report)


def test_several_generator_updates_per_call_are_a_warning():
    report = check_train_step(ok_generator_twice)
    assert report.passed and [w.code for w in report.warnings] == ["extra_steps"], str(report)


# ============================================================================ the submission corpus, at check level

from corpus.train_step import SUBMISSIONS  # noqa: E402  (tests/ is on the import path)


def _student_step(source: str):
    namespace = {"torch": torch, "nn": nn}  # what notebooks 03, 04 and 05 import before the answer cell
    exec(compile(source, "<answer cell>", "exec"), namespace)
    return namespace["train_step"]


@pytest.mark.parametrize("nets", ["probe", "dense_bn"])
@pytest.mark.parametrize("sub", SUBMISSIONS, ids=lambda s: s.name)
def test_corpus_submissions_at_check_level(sub, nets):
    report = check_train_step(_student_step(sub.cells["train_step"]), **NETS[nets]())
    if sub.correct:
        assert report.passed, f"{sub.name} ({sub.origin}): {report}"
    else:
        missing = [m for m in sub.mentions if m not in str(report)]
        assert not report.passed and not missing, f"{sub.name}: {missing} not in {report}"

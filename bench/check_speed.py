"""How long the grading checks of notebooks 02 and 03 take (they run inside autograding).

    python -m bench.check_speed            # table to stdout
    python -m bench.check_speed --save     # also bench/results/check_speed.md

Times ``check_train_step`` on the probe networks (the notebook 03 test cells), on a
dense pair with batch norm (also without the discriminator's sigmoid, which the check
runs a second time with the sigmoid added) and on a small DCGAN-like pair, for correct
and buggy steps; and the three loss checks. Median of several repeats after one warm-up.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
from torch import nn

from aml_gan import losses as L
from aml_gan.checks import (
    check_discriminator_loss,
    check_generator_loss,
    check_margin_losses,
    check_train_step,
)


def _step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, saturating=False):
    b = real_batch.shape[0]
    shape = (b, latent_dim, 1, 1) if getattr(gen, "takes_4d", False) else (b, latent_dim)
    disc_optim.zero_grad()
    fake = gen(torch.randn(*shape, device=real_batch.device))
    d_loss = L.discriminator_loss(disc(real_batch), disc(fake.detach()))
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    p = disc(fake)
    g_loss = L.minimax_generator_loss(p) if saturating else L.generator_loss(p)
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


def _buggy(*args):
    return _step(*args, saturating=True)


def _combined(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """A buggy step with one backward for both losses (the analysis reads every pass)."""
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_loss = L.discriminator_loss(disc(real_batch), disc(fake.detach()))
    g_loss = L.generator_loss(disc(fake))
    (d_loss + g_loss).backward()
    disc_optim.step()
    gen_optim.step()
    return g_loss.item(), d_loss.item()


# The loss checks refuse the package's own losses (aml_gan.reference), so they are timed on these copies.
def _d_loss(d_real, d_fake):
    return (-torch.log(d_real.clamp(min=1e-7)) - torch.log((1 - d_fake).clamp(min=1e-7))).mean()


def _g_loss(d_fake):
    return -torch.log(d_fake.clamp(min=1e-7)).mean()


def _margin(c_real, c_fake, margin):
    return c_real.mean() + torch.relu(margin - c_fake).mean(), c_fake.mean()


def _dense(sigmoid=True):
    g = nn.Sequential(nn.Linear(8, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 5), nn.Tanh())
    d = nn.Sequential(nn.Linear(5, 64), nn.BatchNorm1d(64), nn.LeakyReLU(0.2), nn.Linear(64, 1),
                      *([nn.Sigmoid()] if sigmoid else []))
    return dict(gen=g, disc=d, latent_dim=8)


class _ConvG(nn.Module):
    takes_4d = True

    def __init__(self, nz=32, ngf=16):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


def _conv():
    ndf = 16
    d = nn.Sequential(
        nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Flatten(), nn.Sigmoid())
    return dict(gen=_ConvG(), disc=d, latent_dim=32)


def _time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--save", action="store_true", help="also write bench/results/check_speed.md")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    dense, raw, conv = _dense(), _dense(sigmoid=False), _conv()
    rows = [
        ("check_train_step, probe nets, correct step", lambda: check_train_step(_step)),
        ("check_train_step, probe nets, saturating step", lambda: check_train_step(_buggy)),
        ("check_train_step, probe nets, one backward for both losses", lambda: check_train_step(_combined)),
        ("check_train_step, dense+BN (64 hidden), correct", lambda: check_train_step(_step, **dense)),
        ("check_train_step, dense+BN, D without its sigmoid (checked twice)", lambda: check_train_step(_step, **raw)),
        ("check_train_step, DCGAN-like 16x16 (B=8), correct", lambda: check_train_step(_step, **conv)),
        ("check_discriminator_loss (a correct copy)", lambda: check_discriminator_loss(_d_loss)),
        ("check_generator_loss (a correct copy)", lambda: check_generator_loss(_g_loss)),
        ("check_margin_losses (a correct copy)", lambda: check_margin_losses(_margin)),
    ]
    lines = [
        f"# check speed ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__})",
        "",
        "| check | median ms |",
        "|---|---:|",
    ]
    for name, fn in rows:
        lines.append(f"| {name} | {_time(fn, args.repeats):.1f} |")
    text = "\n".join(lines)
    print(text)
    if args.save:
        os.makedirs(os.path.join("bench", "results"), exist_ok=True)
        with open(os.path.join("bench", "results", "check_speed.md"), "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()

import copy

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aml_gan.config import seed_everything, torch_threads
from aml_gan.training import (CHECKPOINT_NAME, History, every, fit, load_checkpoint, pretrain_discriminator,
                              train_step)


def make(seed=0, n=256, batch=32):
    seed_everything(seed)
    gen = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
    disc = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Sigmoid())
    g_opt = torch.optim.Adam(gen.parameters(), 2e-3, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(disc.parameters(), 2e-3, betas=(0.5, 0.999))
    loader = DataLoader(TensorDataset(torch.randn(n, 2) * 0.5 + 3), batch_size=batch, shuffle=True)
    return gen, disc, g_opt, d_opt, loader


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def test_train_step_updates_both_and_leaves_no_disc_grads():
    gen, disc, g_opt, d_opt, loader = make()
    g0, d0 = copy.deepcopy(gen.state_dict()), copy.deepcopy(disc.state_dict())
    real = next(iter(loader))[0]
    g_loss, d_loss = train_step(gen, disc, g_opt, d_opt, real, 2)
    assert isinstance(g_loss, float) and isinstance(d_loss, float)
    assert any(not torch.equal(g0[k], v) for k, v in gen.state_dict().items())
    assert any(not torch.equal(d0[k], v) for k, v in disc.state_dict().items())
    assert all(p.grad is None for p in disc.parameters())


def test_fit_moves_generator_toward_data():
    gen, disc, g_opt, d_opt, loader = make()
    with torch.no_grad():
        before = gen(torch.randn(512, 2)).mean(0)
    history = fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, epochs=25, progress=False)
    with torch.no_grad():
        after = gen.eval()(torch.randn(512, 2)).mean(0)
    target = torch.tensor([3.0, 3.0])
    assert (after - target).norm() < 0.5 * (before - target).norm()
    assert history.epoch == 25 and history.step == 25 * len(loader) == len(history.gen_loss)


def test_fit_steps_budget_and_callbacks():
    gen, disc, g_opt, d_opt, loader = make()
    seen = []
    history = fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, steps=13, progress=False,
                  callbacks=[every(5, lambda ctx: seen.append((ctx.step, ctx.last_step))),
                             lambda ctx: ctx.history.log("d", ctx.disc_loss)])
    assert history.step == 13 and history.epoch == 1  # 8 batches per epoch
    assert seen == [(5, False), (10, False), (13, True)]
    steps, values = history.series("d")
    assert steps == list(range(1, 14)) and values == history.disc_loss
    with pytest.raises(KeyError, match="recorded so far: d"):
        history.series("nope")


class Interrupt(Exception):
    pass


def _run(tmp, interrupt_at=None, resume=False, fixed=None):
    gen, disc, g_opt, d_opt, loader = make()
    fixed = torch.randn(4, 2) if fixed is None else fixed

    def snap(ctx):
        with torch.no_grad():
            ctx.history.log("samples", ctx.gen.eval()(ctx.extra["fixed_noise"]))
        ctx.gen.train()

    def crash(ctx):
        if interrupt_at is not None and ctx.step == interrupt_at:
            raise Interrupt

    if resume:
        torch.manual_seed(12345)  # a restarted kernel is in some other random state
    history = fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, epochs=5, progress=False,
                  checkpoint_dir=tmp, resume=resume, extra_state={"fixed_noise": fixed},
                  callbacks=[every(7, snap), crash])
    return gen, disc, history


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path):
    gen_a, disc_a, hist_a = _run(tmp_path / "a")
    with pytest.raises(Interrupt):
        _run(tmp_path / "b", interrupt_at=21)  # mid third epoch; two epochs are saved
    saved = load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)
    assert saved["history"]["epoch"] == 2
    gen_b, disc_b, hist_b = _run(tmp_path / "b", resume=True, fixed=torch.zeros(4, 2))
    assert hist_b.gen_loss == hist_a.gen_loss and hist_b.disc_loss == hist_a.disc_loss
    for a, b in zip(hist_a.records["samples"], hist_b.records["samples"]):
        assert a[0] == b[0] and torch.equal(a[1], b[1])
    for ma, mb in ((gen_a, gen_b), (disc_a, disc_b)):
        for (ka, va), (kb, vb) in zip(ma.state_dict().items(), mb.state_dict().items()):
            assert ka == kb and torch.equal(va, vb), ka


def test_resume_without_checkpoint_starts_fresh(tmp_path, capsys):
    gen, disc, g_opt, d_opt, loader = make()
    history = fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, epochs=1, checkpoint_dir=tmp_path, resume=True,
                  progress=True)
    assert history.epoch == 1 and (tmp_path / CHECKPOINT_NAME).exists()
    assert "starting from scratch" in capsys.readouterr().out


def test_resume_into_different_networks_names_the_fix(tmp_path):
    gen, disc, g_opt, d_opt, loader = make()
    fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, epochs=1, checkpoint_dir=tmp_path, progress=False)
    other = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(RuntimeError, match="fresh checkpoint_dir"):
        fit(other, disc, torch.optim.Adam(other.parameters()), d_opt, loader, latent_dim=2, epochs=2,
            checkpoint_dir=tmp_path, resume=True, progress=False)


def test_fit_input_errors():
    gen, disc, g_opt, d_opt, loader = make()
    with pytest.raises(ValueError, match="exactly one budget"):
        fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, progress=False)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, steps=1, resume=True, progress=False)
    labelled = DataLoader(TensorDataset(torch.randn(8, 2), torch.zeros(8)), batch_size=4)
    with pytest.raises(ValueError, match="one argument"):
        fit(gen, disc, g_opt, d_opt, labelled, latent_dim=2, steps=1, progress=False)
    with pytest.raises(ValueError, match="empty"):
        fit(gen, disc, g_opt, d_opt, DataLoader(TensorDataset(torch.randn(3, 2)), batch_size=4, drop_last=True),
            latent_dim=2, steps=1, progress=False)

    def bad_step(*args):
        return float("nan"), 0.0

    with pytest.raises(FloatingPointError, match="diverged"):
        fit(gen, disc, g_opt, d_opt, loader, latent_dim=2, steps=1, step_fn=bad_step, progress=False)


def test_history_rejects_unsaveable_values():
    h = History()
    h.log("ok", torch.tensor(1.5))
    assert h.records["ok"] == [(0, 1.5)]
    with pytest.raises(TypeError, match="log numbers"):
        h.log("bad", object())


def test_pretrain_discriminator_only_moves_d():
    gen, disc, g_opt, d_opt, loader = make()
    g0 = {k: v.clone() for k, v in gen.named_parameters()}
    losses = pretrain_discriminator(gen, disc, d_opt, loader, latent_dim=2, steps=20)
    assert len(losses) == 20 and losses[-1] < losses[0]
    assert all(torch.equal(g0[k], v) for k, v in gen.named_parameters())

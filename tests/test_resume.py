"""Checkpoint and resume: a run interrupted mid-epoch and resumed ends exactly where an uninterrupted run ends (CPU)."""
from __future__ import annotations

import pytest
import torch

from aml_gan.config import seed_everything
from aml_gan.data import PetBatches, make_stand_in_pets
from aml_gan.models import make_dcgan
from aml_gan.speed import FastTrainStep
from aml_gan.training import fit, train_step

NZ, SIZE, WIDTH, EPOCHS = 8, 16, 4, 3
IMAGES = make_stand_in_pets(48, image_size=SIZE, seed=3)  # 6 batches of 8: 18 steps in all


class Interrupt(Exception):
    """Stands for a crash or a Colab disconnect."""


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _session(seed: int):
    """What a notebook does from the top: seed, build, (re)start training."""
    seed_everything(seed)
    gen, disc = make_dcgan(NZ, SIZE, WIDTH)
    gopt = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))
    fixed_noise = torch.randn(4, NZ)
    return gen, disc, gopt, dopt, fixed_noise


def _grids(ctx):
    """Save a sample grid per epoch into the checkpointed extra state, as the notebook does."""
    if ctx.end_of_epoch:
        ctx.gen.eval()
        with torch.no_grad():
            ctx.extra.setdefault("grids", []).append(ctx.gen(ctx.extra["fixed_noise"]).clone())
        ctx.gen.train()


def _run(step_fn, checkpoint_dir, interrupt_at=None, resume=False, seed=0):
    gen, disc, gopt, dopt, fixed_noise = _session(seed)

    def crash(ctx):
        if interrupt_at is not None and ctx.step == interrupt_at:
            raise Interrupt()

    history = fit(gen, disc, gopt, dopt, PetBatches(IMAGES, batch_size=8), latent_dim=NZ, epochs=EPOCHS,
                  step_fn=step_fn, callbacks=[_grids, crash], checkpoint_dir=checkpoint_dir, resume=resume,
                  extra_state={"fixed_noise": fixed_noise}, progress=False)
    return gen, disc, gopt, history


def _state(gen, disc):
    return {**{f"g.{k}": v for k, v in gen.state_dict().items()}, **{f"d.{k}": v for k, v in disc.state_dict().items()}}


@pytest.mark.parametrize("step_name", ["train_step", "fast_train_step_fp32"])
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, step_name):
    make_step = {"train_step": lambda: train_step,
                 "fast_train_step_fp32": lambda: FastTrainStep(amp=False, channels_last=False)}[step_name]
    gen_a, disc_a, gopt_a, hist_a = _run(make_step(), tmp_path / "a")

    with pytest.raises(Interrupt):
        _run(make_step(), tmp_path / "b", interrupt_at=9)  # in the middle of the second epoch
    saved = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert saved["history"]["epoch"] == 1 and saved["history"]["step"] == 6
    assert len(saved["extra"]["grids"]) == 1 and torch.is_tensor(saved["extra"]["fixed_noise"])

    # A new session: other seed, freshly initialised networks; resume must restore everything.
    gen_b, disc_b, gopt_b, hist_b = _run(make_step(), tmp_path / "b", resume=True, seed=123)

    assert hist_b.step == hist_a.step == 18 and hist_b.epoch == EPOCHS
    assert hist_b.gen_loss == hist_a.gen_loss and hist_b.disc_loss == hist_a.disc_loss
    state_a, state_b = _state(gen_a, disc_a), _state(gen_b, disc_b)
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        assert torch.equal(state_a[key], state_b[key]), key
    opt_a, opt_b = gopt_a.state_dict()["state"], gopt_b.state_dict()["state"]
    for i in opt_a:
        assert torch.equal(opt_a[i]["exp_avg"], opt_b[i]["exp_avg"])
    final = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert len(final["extra"]["grids"]) == EPOCHS
    for ga, gb in zip(torch.load(tmp_path / "a" / "last.pt", weights_only=True)["extra"]["grids"],
                      final["extra"]["grids"]):
        assert torch.equal(ga, gb)


def test_resume_with_mixed_precision_matches_closely(tmp_path):
    """bf16 autocast on CPU: resuming gives the same run (compared with a tolerance)."""
    gen_a, disc_a, _, hist_a = _run(FastTrainStep(amp=True), tmp_path / "a")
    with pytest.raises(Interrupt):
        _run(FastTrainStep(amp=True), tmp_path / "b", interrupt_at=8)
    gen_b, disc_b, _, hist_b = _run(FastTrainStep(amp=True), tmp_path / "b", resume=True, seed=7)
    assert hist_b.gen_loss == pytest.approx(hist_a.gen_loss, rel=1e-3, abs=1e-4)
    for (key, a), b in zip(_state(gen_a, disc_a).items(), _state(gen_b, disc_b).values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-4), key


def test_resume_after_finishing_does_nothing_more(tmp_path):
    _, _, _, first = _run(train_step, tmp_path)
    gen, disc, _, again = _run(train_step, tmp_path, resume=True, seed=5)
    assert again.step == first.step and again.gen_loss == first.gen_loss


def test_resume_into_other_networks_says_how_to_fix_it(tmp_path):
    _run(train_step, tmp_path)
    gen, disc = make_dcgan(NZ, SIZE, WIDTH * 2)
    gopt = torch.optim.Adam(gen.parameters())
    dopt = torch.optim.Adam(disc.parameters())
    with pytest.raises(RuntimeError, match="fresh checkpoint_dir"):
        fit(gen, disc, gopt, dopt, PetBatches(IMAGES, 8), latent_dim=NZ, epochs=EPOCHS, checkpoint_dir=tmp_path,
            resume=True, progress=False)

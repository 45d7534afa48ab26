"""The CUDA code paths: the fast DCGAN step in fp16 (with gradient scalers), bf16 and fp32,
data made on the GPU, and a run on the GPU that checkpoints and resumes.

Skipped without a CUDA GPU; ``tools/gpu_check.sh`` runs them on a GPU machine.
"""
from __future__ import annotations

import pytest
import torch

from aml_gan.config import get_device, seed_everything
from aml_gan.data import PetBatches, make_stand_in_pets
from aml_gan.models import make_dcgan
from aml_gan.speed import FastTrainStep, autocast_dtype
from aml_gan.training import fit, train_step

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (tools/gpu_check.sh runs these)")

CUDA = torch.device("cuda")
NZ, SIZE, WIDTH = 8, 16, 4


def _pair(seed=0):
    gen, disc = make_dcgan(NZ, SIZE, WIDTH, seed=seed)
    gen, disc = gen.to(CUDA), disc.to(CUDA)
    gopt = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))
    return gen, disc, gopt, dopt


def _real(n=8):
    return torch.rand(n, 3, SIZE, SIZE, device=CUDA) * 2 - 1


def test_aml_gan_device_cuda_is_honoured(monkeypatch):
    monkeypatch.setenv("AML_GAN_DEVICE", "cuda")
    assert get_device().type == "cuda"


def test_automatic_precision_follows_the_gpu():
    major, _ = torch.cuda.get_device_capability(CUDA)
    assert autocast_dtype(CUDA) is (torch.bfloat16 if major >= 8 else torch.float16)
    assert FastTrainStep().settings(CUDA)["grad_scaler"] is (major < 8)


@pytest.mark.parametrize("precision", ["float16", "bfloat16", "float32"])
def test_fast_step_trains_on_cuda(precision):
    if precision == "bfloat16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    step = FastTrainStep(amp=False) if precision == "float32" else FastTrainStep(dtype=getattr(torch, precision))
    gen, disc, gopt, dopt = _pair()
    before = [p.detach().clone() for p in (*gen.parameters(), *disc.parameters())]
    losses = [step(gen, disc, gopt, dopt, _real(), NZ) for _ in range(6)]  # fp16 may skip a first overflowing step
    assert all(isinstance(v, float) and torch.isfinite(torch.tensor(v)) for pair in losses for v in pair)
    settings = step.last_settings
    assert settings["device"] == "cuda" and settings["cudnn_benchmark"] and settings["channels_last"]
    assert settings["autocast"] == (None if precision == "float32" else precision)
    assert settings["grad_scaler"] is (precision == "float16")
    after = list((*gen.parameters(), *disc.parameters()))
    assert all(p.is_cuda and p.dtype == torch.float32 for p in after)  # weights stay fp32 on the GPU
    assert all(not torch.equal(a, b) for a, b in zip(before, after) if a.dim() == 4)
    assert all(p.requires_grad for p in disc.parameters())
    if precision == "float16":
        state = step.state_dict()
        assert set(state) == {"disc", "gen"} and state["disc"]["scale"] > 0


def test_reference_step_trains_on_cuda():
    gen, disc, gopt, dopt = _pair()
    g, d = train_step(gen, disc, gopt, dopt, _real(), NZ)
    assert torch.isfinite(torch.tensor([g, d])).all()


def test_pet_batches_on_the_gpu():
    batches = PetBatches(make_stand_in_pets(32, SIZE), batch_size=8, device=CUDA, channels_last=True)
    batch = next(iter(batches))
    assert batch.is_cuda and batch.shape == (8, 3, SIZE, SIZE) and batch.dtype == torch.float32
    assert -1.0 <= batch.min().item() and batch.max().item() <= 1.0
    assert batch.is_contiguous(memory_format=torch.channels_last)


def test_fit_on_cuda_checkpoints_and_resumes_with_gradient_scalers(tmp_path):
    """An fp16 run on the GPU, stopped after one epoch and resumed in a new session."""
    images = make_stand_in_pets(32, SIZE, seed=3)  # 4 batches of 8

    def run(epochs, resume, seed):
        seed_everything(seed)
        gen, disc, gopt, dopt = _pair(seed)
        step = FastTrainStep(dtype=torch.float16)
        history = fit(gen, disc, gopt, dopt, PetBatches(images, 8, device=CUDA), latent_dim=NZ, epochs=epochs,
                      step_fn=step, checkpoint_dir=tmp_path, resume=resume, progress=False)
        return history, step, gen

    first, first_step, _ = run(epochs=1, resume=False, seed=0)
    saved = torch.load(tmp_path / "last.pt", weights_only=True)
    assert saved["history"]["epoch"] == 1 and "cuda" in saved["rng"]
    assert saved["step_fn"]["gen"]["scale"] == first_step.state_dict()["gen"]["scale"]

    resumed, _, gen = run(epochs=2, resume=True, seed=99)
    assert resumed.epoch == 2 and resumed.step == 2 * first.step
    assert resumed.gen_loss[: first.step] == first.gen_loss  # the first epoch came from the checkpoint
    assert all(p.is_cuda for p in gen.parameters())

"""DCGAN networks, their initialisation, the block checks (catalog of correct and buggy blocks), the fast step."""
from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aml_gan.checks import check_dcgan_pair, check_discriminator_block, check_generator_block
from student_copies import as_student
from aml_gan.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    count_parameters,
    discriminator_block,
    generator_block,
    make_dcgan,
    weights_init,
)
from aml_gan.speed import FastTrainStep, autocast_dtype, discriminator_logits, fast_train_step
from aml_gan.training import fit, train_step


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# ----------------------------------------------------------------------------- networks
@pytest.mark.parametrize("size, width", [(16, 4), (32, 8), (64, 4)])
def test_shapes_and_ranges(size, width):
    gen, disc = make_dcgan(latent_dim=10, image_size=size, width=width, seed=0)
    for z in (torch.randn(3, 10), torch.randn(3, 10, 1, 1)):
        fake = gen(z)
        assert fake.shape == (3, 3, size, size)
        assert fake.min() >= -1 and fake.max() <= 1
    score = disc(fake)
    assert score.shape == (3, 1)
    assert ((score > 0) & (score < 1)).all()
    assert torch.allclose(torch.sigmoid(disc.logits(fake)), score)
    assert check_dcgan_pair(gen, disc, latent_dim=10, image_size=size).passed


def test_classic_parameter_counts():
    """nz=100, ngf=ndf=64 at 64x64: the numbers of the original DCGAN."""
    gen, disc = DCGANGenerator(100, 64, 64), DCGANDiscriminator(64, 64)
    assert count_parameters(gen) == 3_576_704
    assert count_parameters(disc) == 2_765_568
    convs = [m for m in gen.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [c.out_channels for c in convs] == [512, 256, 128, 64, 3]
    assert all(c.bias is None for c in convs)


def test_intermediate_shapes_at_32():
    gen = DCGANGenerator(latent_dim=8, image_size=32, width=4)
    shapes, x = [], torch.randn(2, 8, 1, 1)
    for layer in gen.net:
        x = layer(x)
        shapes.append(tuple(x.shape))
    assert shapes == [(2, 16, 4, 4), (2, 8, 8, 8), (2, 4, 16, 16), (2, 3, 32, 32), (2, 3, 32, 32)]


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="power of two"):
        DCGANGenerator(image_size=48)
    with pytest.raises(ValueError, match="positive whole number"):
        DCGANDiscriminator(width=0)
    gen = DCGANGenerator(latent_dim=5, image_size=16, width=2)
    with pytest.raises(ValueError, match=r"\(B, 5\)"):
        gen(torch.randn(2, 6))
    disc = DCGANDiscriminator(image_size=16, width=2)
    with pytest.raises(ValueError, match="16, 16"):
        disc(torch.randn(2, 3, 32, 32))


def test_weights_init_draws_from_n_0_002():
    torch.manual_seed(0)
    conv, convt, bn = nn.Conv2d(64, 128, 4), nn.ConvTranspose2d(128, 64, 4), nn.BatchNorm2d(4096)
    for m in (conv, convt, bn):
        weights_init(m)
    for w in (conv.weight, convt.weight):
        assert abs(w.mean().item()) < 1e-3
        assert abs(w.std().item() - 0.02) < 1e-3
    assert abs(bn.weight.mean().item() - 1) < 2e-3 and abs(bn.weight.std().item() - 0.02) < 2e-3
    assert (bn.bias == 0).all()
    gen = DCGANGenerator(latent_dim=16, image_size=32, width=16)  # init=True by default
    big = gen.net[1][0].weight
    assert abs(big.std().item() - 0.02) < 2e-3


def test_models_accept_student_blocks():
    calls = []

    def my_block(c_in, c_out, first=False):
        calls.append((c_in, c_out, first))
        return generator_block(c_in, c_out, first=first)

    gen = DCGANGenerator(latent_dim=6, image_size=32, width=2, block=my_block)
    assert calls == [(6, 8, True), (8, 4, False), (4, 2, False)]
    assert gen(torch.randn(2, 6)).shape == (2, 3, 32, 32)


def test_make_dcgan_seed_leaves_global_rng_alone():
    torch.manual_seed(1)
    expected = torch.rand(1)
    torch.manual_seed(1)
    g1, _ = make_dcgan(8, 16, 2, seed=3)
    assert torch.rand(1) == expected
    g2, _ = make_dcgan(8, 16, 2, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(g1.parameters(), g2.parameters()))


# The package's blocks as a student's own code would be seen (the checks refuse the twins).
student_generator_block = as_student(generator_block)
student_discriminator_block = as_student(discriminator_block)


# ----------------------------------------------------------------------------- block checks: correct blocks
def _gen_conv(i, o, first):
    return nn.ConvTranspose2d(i, o, 4, 1 if first else 2, 0 if first else 1, bias=False)


class ModuleGenBlock(nn.Module):
    """A correct block written as a class with a functional ReLU."""

    def __init__(self, i, o, first=False):
        super().__init__()
        self.conv, self.bn = _gen_conv(i, o, first), nn.BatchNorm2d(o)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class ModuleDiscBlock(nn.Module):
    def __init__(self, i, o, batch_norm=True):
        super().__init__()
        self.conv = nn.Conv2d(i, o, kernel_size=4, stride=2, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(o) if batch_norm else nn.Identity()

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), negative_slope=0.2)


CORRECT_GEN = {
    "package": student_generator_block,
    "sequential_inplace_false": lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.BatchNorm2d(o),
                                                                        nn.ReLU()),
    "ordered_dict": lambda i, o, first=False: nn.Sequential(OrderedDict(
        conv=nn.ConvTranspose2d(i, o, kernel_size=4, stride=1 if first else 2, padding=0 if first else 1, bias=False),
        bn=nn.BatchNorm2d(o), act=nn.ReLU(True))),
    "module_class": ModuleGenBlock,
    "spectral_norm_parametrization": lambda i, o, first=False: nn.Sequential(
        torch.nn.utils.parametrizations.spectral_norm(_gen_conv(i, o, first)), nn.BatchNorm2d(o), nn.ReLU()),
}

def _normalised_disc(wrap):
    """A correct block whose convolution carries a normalisation (a Conv2d subclass, or hooks on a Conv2d)."""
    return lambda i, o, batch_norm=True: nn.Sequential(
        wrap(nn.Conv2d(i, o, 4, 2, 1, bias=False)), *([nn.BatchNorm2d(o)] if batch_norm else []), nn.LeakyReLU(0.2))


class SubclassConv(nn.Conv2d):
    """A student's own Conv2d subclass (same behaviour)."""


CORRECT_DISC = {
    "package": student_discriminator_block,
    "spectral_norm_parametrization": _normalised_disc(torch.nn.utils.parametrizations.spectral_norm),
    "spectral_norm_old_api": _normalised_disc(torch.nn.utils.spectral_norm),
    "weight_norm_parametrization": _normalised_disc(torch.nn.utils.parametrizations.weight_norm),
    "weight_norm_old_api": _normalised_disc(torch.nn.utils.weight_norm),
    "conv_subclass": lambda i, o, batch_norm=True: nn.Sequential(
        SubclassConv(i, o, 4, 2, 1, bias=False), *([nn.BatchNorm2d(o)] if batch_norm else []), nn.LeakyReLU(0.2)),
    "list_then_sequential": lambda i, o, batch_norm=True: nn.Sequential(
        *([nn.Conv2d(i, o, 4, 2, 1, bias=False)] + ([nn.BatchNorm2d(o)] if batch_norm else [])
          + [nn.LeakyReLU(negative_slope=0.2)])),
    "module_class": ModuleDiscBlock,
}


@pytest.mark.parametrize("name", sorted(CORRECT_GEN))
def test_correct_generator_blocks_pass(name):
    report = check_generator_block(CORRECT_GEN[name])
    assert report.passed, str(report)


@pytest.mark.parametrize("name", sorted(CORRECT_DISC))
def test_correct_discriminator_blocks_pass(name):
    report = check_discriminator_block(CORRECT_DISC[name])
    assert report.passed, str(report)


# ----------------------------------------------------------------------------- block checks: buggy blocks
_SHARED = nn.Sequential(nn.ConvTranspose2d(6, 4, 4, 2, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU())


def _gen_stub(i, o, first=False):
    raise NotImplementedError()


def _gen_raises(i, o, first=False):
    raise ValueError("oops")


def _gen_shared(i, o, first=False):
    if (i, o) == (6, 4) and not first:
        return _SHARED
    return student_generator_block(i, o, first)


BUGGY_GEN = {  # name: (block factory, expected problem code)
    "stub": (_gen_stub, "not_implemented"),
    "raises": (_gen_raises, "raised"),
    "no_first_keyword": (lambda i, o: student_generator_block(i, o), "signature"),
    "returns_list": (lambda i, o, first=False: [_gen_conv(i, o, first), nn.BatchNorm2d(o), nn.ReLU()], "not_a_module"),
    "conv_bias": (lambda i, o, first=False: nn.Sequential(
        nn.ConvTranspose2d(i, o, 4, 1 if first else 2, 0 if first else 1), nn.BatchNorm2d(o), nn.ReLU()), "conv_bias"),
    "no_batch_norm": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.ReLU()),
                      "batch_norm_missing"),
    "leaky_relu": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.BatchNorm2d(o),
                                                           nn.LeakyReLU(0.2)), "activation"),
    "tanh": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.BatchNorm2d(o), nn.Tanh()),
             "activation"),
    "no_activation": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.BatchNorm2d(o)),
                      "activation"),
    "relu_before_bn": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.ReLU(), nn.BatchNorm2d(o)),
                       "order"),
    "always_stride_2": (lambda i, o, first=False: nn.Sequential(
        nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()), "wrong_output_shape"),
    "conv2d_not_transposed": (lambda i, o, first=False: nn.Sequential(
        nn.Conv2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()), "not_transposed"),
    "wrong_channels": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, i, first), nn.BatchNorm2d(i), nn.ReLU()),
                       "wrong_output_shape"),
    "kernel_2": (lambda i, o, first=False: nn.Sequential(
        nn.ConvTranspose2d(i, o, 2 if not first else 4, 2 if not first else 1, 0, bias=False), nn.BatchNorm2d(o),
        nn.ReLU()), "kernel"),
    "upsample_conv": (lambda i, o, first=False: nn.Sequential(
        nn.Upsample(scale_factor=4 if first else 2), nn.Conv2d(i, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o),
        nn.ReLU()), "not_transposed"),
    "shared_layers": (_gen_shared, "shared_layers"),
    "batch_norm_of_in_channels": (lambda i, o, first=False: nn.Sequential(_gen_conv(i, o, first), nn.BatchNorm2d(i),
                                                                          nn.ReLU()), "raised"),
}


_SHARED_D = nn.Sequential(nn.Conv2d(4, 6, 4, 2, 1, bias=False), nn.BatchNorm2d(6), nn.LeakyReLU(0.2))


def _disc_layers(i, o, batch_norm, act, bias=False, k=4, s=2, p=1):
    return nn.Sequential(*([nn.Conv2d(i, o, k, s, p, bias=bias)] + ([nn.BatchNorm2d(o)] if batch_norm else [])
                           + [act]))


BUGGY_DISC = {
    "stub": (lambda i, o, batch_norm=True: (_ for _ in ()).throw(NotImplementedError()), "not_implemented"),
    "no_keyword": (lambda i, o: student_discriminator_block(i, o), "signature"),
    "relu": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.ReLU()), "activation"),
    "slope_0_01": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.LeakyReLU()), "activation"),
    "sigmoid": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.Sigmoid()), "activation"),
    "no_activation": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.Identity()), "activation"),
    "always_batch_norm": (lambda i, o, batch_norm=True: _disc_layers(i, o, True, nn.LeakyReLU(0.2)),
                          "batch_norm_flag"),
    "never_batch_norm": (lambda i, o, batch_norm=True: _disc_layers(i, o, False, nn.LeakyReLU(0.2)),
                         "batch_norm_missing"),
    "conv_bias": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.LeakyReLU(0.2), bias=True),
                  "conv_bias"),
    "stride_1": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.LeakyReLU(0.2), s=1), "wrong_output_shape"),
    "kernel_3": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.LeakyReLU(0.2), k=3), "kernel"),
    "transposed": (lambda i, o, batch_norm=True: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False),
                                                               nn.LeakyReLU(0.2)), "wrong_output_shape"),
    "act_before_bn": (lambda i, o, batch_norm=True: nn.Sequential(
        nn.Conv2d(i, o, 4, 2, 1, bias=False), nn.LeakyReLU(0.2), *([nn.BatchNorm2d(o)] if batch_norm else [])),
        "order"),
    "returns_tensor_fn": (lambda i, o, batch_norm=True: torch.relu, "not_a_module"),
    "shared_layers": (lambda i, o, batch_norm=True: _SHARED_D if (i, o) == (4, 6) else student_discriminator_block(
        i, o, batch_norm), "shared_layers"),
    # downsampling with a pooling layer after a size-keeping convolution (kernel 3): the pooling is the bug
    "max_pool": (lambda i, o, batch_norm=True: nn.Sequential(
        nn.Conv2d(i, o, 3, 1, 1, bias=False), *([nn.BatchNorm2d(o)] if batch_norm else []), nn.LeakyReLU(0.2),
        nn.MaxPool2d(2)), "pooling"),
    "padding_same_strided": (lambda i, o, batch_norm=True: _disc_layers(i, o, batch_norm, nn.LeakyReLU(0.2),
                                                                        p="same"), "padding_same"),
    "spectral_norm_conv_bias": (lambda i, o, batch_norm=True: nn.Sequential(
        torch.nn.utils.parametrizations.spectral_norm(nn.Conv2d(i, o, 4, 2, 1)),
        *([nn.BatchNorm2d(o)] if batch_norm else []), nn.LeakyReLU(0.2)), "conv_bias"),
    "batch_norm_of_in_channels": (lambda i, o, batch_norm=True: _disc_layers(i, o, False, nn.Sequential(
        *([nn.BatchNorm2d(i)] if batch_norm else []), nn.LeakyReLU(0.2))), "raised"),
}


def test_padding_same_names_padding_1():
    report = check_discriminator_block(BUGGY_DISC["padding_same_strided"][0])
    assert "padding=1" in str(report) and "Build the layers only" not in str(report), str(report)
    # a transposed convolution accepts padding='same' when built, and fails when called
    report = check_generator_block(lambda i, o, first=False: nn.Sequential(
        nn.ConvTranspose2d(i, o, 4, 1 if first else 2, 0 if first else "same", bias=False), nn.BatchNorm2d(o), nn.ReLU()))
    assert report.codes == ["padding_same"] and "in_channels" not in str(report), str(report)


def test_the_failing_layer_is_named():
    """A layer that does not fit its input is named, not blamed on the block's first layer."""
    report = check_discriminator_block(BUGGY_DISC["batch_norm_of_in_channels"][0])
    assert "BatchNorm2d(4) receives 6 channels" in str(report), str(report)
    assert "first layer must take" not in str(report)
    report = check_generator_block(BUGGY_GEN["batch_norm_of_in_channels"][0])
    assert "BatchNorm2d(5) receives 3 channels" in str(report), str(report)
    report = check_discriminator_block(BUGGY_DISC["max_pool"][0])
    assert "MaxPool2d" in str(report) and "kernel_size=(3, 3)" not in str(report), str(report)


@pytest.mark.parametrize("name", sorted(BUGGY_GEN))
def test_buggy_generator_blocks_are_named(name):
    fn, code = BUGGY_GEN[name]
    report = check_generator_block(fn)
    assert not report.passed
    assert report.codes[0] == code, str(report)
    message = report.problems[0].message
    assert "Traceback" not in message and len(message) < 400


@pytest.mark.parametrize("name", sorted(BUGGY_DISC))
def test_buggy_discriminator_blocks_are_named(name):
    fn, code = BUGGY_DISC[name]
    report = check_discriminator_block(fn)
    assert not report.passed
    assert report.codes[0] == code, str(report)
    assert "Traceback" not in report.problems[0].message


def test_block_checks_leave_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check_generator_block(student_generator_block)
    check_discriminator_block(student_discriminator_block)
    assert torch.equal(torch.rand(3), expected)


def test_the_package_blocks_are_refused():
    assert check_generator_block(generator_block).codes == ["used_reference"]
    assert check_discriminator_block(discriminator_block).codes == ["used_reference"]
    report = check_generator_block(lambda i, o, first=False: generator_block(i, o, first))
    assert report.codes == ["used_reference"], str(report)


def test_pair_check_catches_wrong_ranges():
    gen, disc = make_dcgan(8, 16, 2, seed=0)
    gen.net[-1] = nn.Identity()  # no tanh: outputs leave [-1, 1] for large noise
    gen.net[-2].weight.data.mul_(500)
    report = check_dcgan_pair(gen, disc, latent_dim=8, image_size=16)
    assert "output_out_of_range" in report.codes
    _, disc2 = make_dcgan(8, 16, 2, seed=0)
    report = check_dcgan_pair(make_dcgan(8, 16, 2, seed=0)[0], disc2.features, 8, 16)
    assert "wrong_output_shape" in report.codes


# ----------------------------------------------------------------------------- the fast step
def _pair(seed=0, size=16, width=4, nz=8):
    gen, disc = make_dcgan(nz, size, width, seed=seed)
    gopt = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))
    return gen, disc, gopt, dopt


def test_fast_step_in_fp32_matches_the_reference_step():
    real = torch.rand(8, 3, 16, 16) * 2 - 1
    results = []
    for step in (train_step, FastTrainStep(amp=False, channels_last=False)):
        gen, disc, gopt, dopt = _pair()
        torch.manual_seed(7)
        losses = [step(gen, disc, gopt, dopt, real, 8) for _ in range(3)]
        results.append((losses, [p.detach().clone() for p in (*gen.parameters(), *disc.parameters())]))
    (ref_losses, ref_params), (fast_losses, fast_params) = results
    for (g1, d1), (g2, d2) in zip(ref_losses, fast_losses):
        assert isinstance(g2, float) and isinstance(d2, float)
        assert g1 == pytest.approx(g2, rel=1e-4) and d1 == pytest.approx(d2, rel=1e-4)
    for a, b in zip(ref_params, fast_params):
        assert torch.allclose(a, b, atol=1e-5)


def test_fast_step_mixed_precision_and_channels_last_on_cpu():
    gen, disc, gopt, dopt = _pair()
    step = FastTrainStep(amp=True, channels_last=True)
    before = [p.detach().clone() for p in (*gen.parameters(), *disc.parameters())]
    g, d = step(gen, disc, gopt, dopt, torch.rand(8, 3, 16, 16) * 2 - 1, 8)
    assert step.last_settings["autocast"] == "bfloat16" and step.last_settings["channels_last"]
    assert all(torch.isfinite(torch.tensor(v)) for v in (g, d))
    after = list((*gen.parameters(), *disc.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(before, after) if a.dim() == 4)
    assert all(p.dtype == torch.float32 for p in after)  # weights stay fp32
    assert all(p.requires_grad for p in disc.parameters())  # D unfrozen again
    assert disc.features[0][0].weight.is_contiguous(memory_format=torch.channels_last)


def test_autocast_dtype_choices():
    assert autocast_dtype(torch.device("cpu"), amp=False) is None
    assert autocast_dtype(torch.device("cpu"), amp=True) is torch.bfloat16
    assert autocast_dtype(torch.device("mps"), amp=None) is None


def test_discriminator_logits_for_sequential_and_clear_error():
    seq = nn.Sequential(nn.Flatten(), nn.Linear(12, 1), nn.Sigmoid())
    x = torch.randn(5, 3, 2, 2)
    assert torch.allclose(torch.sigmoid(discriminator_logits(seq, x)), seq(x))

    class NoLogits(nn.Module):
        def forward(self, x):
            return torch.sigmoid(x.flatten(1).sum(1, keepdim=True))

    with pytest.raises(TypeError, match="logits"):
        discriminator_logits(NoLogits(), x)


def test_fast_step_plugs_into_fit_and_checkpoints(tmp_path):
    from aml_gan.data import PetBatches, make_stand_in_pets

    torch.manual_seed(0)
    gen, disc, gopt, dopt = _pair()
    data = PetBatches(make_stand_in_pets(32, 16), batch_size=8)
    history = fit(gen, disc, gopt, dopt, data, latent_dim=8, epochs=1, step_fn=fast_train_step, progress=False,
                  checkpoint_dir=tmp_path)
    assert len(history.gen_loss) == 4
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["history"]["epoch"] == 1


def test_fast_step_float16_uses_gradient_scalers_and_checkpoints_them(tmp_path):
    """The float16 path (older GPUs such as Colab's T4), exercised on the CPU."""
    gen, disc, gopt, dopt = _pair()
    step = FastTrainStep(dtype=torch.float16, channels_last=False)
    g, d = step(gen, disc, gopt, dopt, torch.rand(8, 3, 16, 16) * 2 - 1, 8)
    assert step.last_settings["autocast"] == "float16" and step.last_settings["grad_scaler"]
    state = step.state_dict()
    assert set(state) == {"disc", "gen"} and state["disc"]["scale"] > 0
    torch.save(state, tmp_path / "s.pt")
    restored = FastTrainStep(dtype=torch.float16)
    restored.load_state_dict(torch.load(tmp_path / "s.pt", weights_only=True))
    restored(gen, disc, gopt, dopt, torch.rand(8, 3, 16, 16) * 2 - 1, 8)  # scalers created from the saved state
    assert restored.state_dict()["gen"]["_growth_tracker"] >= 0
    with pytest.raises(ValueError, match="dtype"):
        FastTrainStep(dtype=torch.float64)


def test_fast_step_state_dict_round_trip():
    step = FastTrainStep()
    assert step.state_dict() == {}
    step.load_state_dict({"disc": {"scale": 1024.0}})  # kept until a scaler exists (GPU fp16 only)
    assert "FastTrainStep" in repr(step)


# ----------------------------------------------------------------------------- block checks: other sizes


@pytest.mark.parametrize("name", sorted(CORRECT_GEN))
def test_generator_block_check_other_sizes(name):
    # the notebook's hidden test: a block on 6x6 pictures and a first block with 10 noise channels
    report = check_generator_block(CORRECT_GEN[name], sizes=[(10, 6, True, 1, 1), (7, 5, False, 6, 6)])
    assert report.passed, str(report)


@pytest.mark.parametrize("name", sorted(CORRECT_DISC))
def test_discriminator_block_check_other_sizes(name):
    report = check_discriminator_block(CORRECT_DISC[name], sizes=[(3, 5, False, 10, 10), (6, 9, True, 12, 12)])
    assert report.passed, str(report)


def test_block_checks_at_other_sizes_still_name_the_bug():
    fn, code = BUGGY_GEN["conv_bias"]
    assert code in check_generator_block(fn, sizes=[(7, 5, False, 6, 6)]).codes
    fn, code = BUGGY_DISC["act_before_bn"]
    assert check_discriminator_block(fn, sizes=[(6, 9, True, 12, 12)]).codes == [code]
    with pytest.raises(ValueError, match="even"):
        check_discriminator_block(student_discriminator_block, sizes=[(3, 4, True, 5, 5)])

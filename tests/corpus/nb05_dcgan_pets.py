"""Notebook 05 (DCGAN on pets): student answers to the two DCGAN blocks.

The training step's entries are shared with notebooks 03 and 04 (``tests/corpus/train_step.py``);
it is listed here with the test cell that grades it in this notebook.
"""
from __future__ import annotations

from . import correct, mistake

ASSIGNMENT = "05_dcgan_pets"
EXERCISES = {
    "generator_block": ("test_generator_block",),
    "discriminator_block": ("test_discriminator_block",),
    "train_step": ("test_train_step",),
}

_GEN_HEAD = '''def generator_block(in_channels, out_channels, first=False):
    """ConvTranspose2d (kernel 4, no bias) -> BatchNorm2d -> ReLU.

    first=True:  (B, in_channels, 1, 1) -> (B, out_channels, 4, 4)    stride 1, padding 0
    first=False: (B, in_channels, H, W) -> (B, out_channels, 2H, 2W)  stride 2, padding 1
    """
'''
_DISC_HEAD = '''def discriminator_block(in_channels, out_channels, batch_norm=True):
    """Conv2d (kernel 4, stride 2, padding 1, no bias) -> [BatchNorm2d] -> LeakyReLU(0.2).

    (B, in_channels, H, W) -> (B, out_channels, H/2, W/2)
    """
'''


_STEP_HEAD = '''def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """One GAN update on real pictures real_batch (B, 3, S, S) in [-1, 1].

    disc returns probabilities (B, 1). Update D first (real and detached fakes), then G
    with the non-saturating loss. Returns (generator_loss, discriminator_loss) as floats.
    """
'''


def _gen(body: str) -> str:
    return _GEN_HEAD + body


def _disc(body: str) -> str:
    return _DISC_HEAD + body


SUBMISSIONS = [
    # ------------------------------------------------------------------ generator block: correct styles
    correct(
        "gen_if_else_positional",  # positional arguments, ReLU(True), as pytorch/examples writes them
        origin="https://github.com/pytorch/examples/blob/main/dcgan/main.py",
        generator_block=_gen('''    if first:
        conv = nn.ConvTranspose2d(in_channels, out_channels, 4, 1, 0, bias=False)
    else:
        conv = nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels), nn.ReLU(True))
'''),
    ),
    correct(
        "gen_module_class",  # a small nn.Module of its own
        generator_block='''class UpBlock(nn.Module):
    def __init__(self, in_channels, out_channels, first):
        super().__init__()
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4,
                                       stride=1 if first else 2, padding=0 if first else 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


''' + _gen('''    return UpBlock(in_channels, out_channels, first)
'''),
    ),
    correct(
        "gen_ordered_dict",  # named layers
        generator_block="from collections import OrderedDict\n\n\n" + _gen('''    stride, padding = (1, 0) if first else (2, 1)
    return nn.Sequential(OrderedDict([
        ("upconv", nn.ConvTranspose2d(in_channels, out_channels, 4, stride, padding, bias=False)),
        ("norm", nn.BatchNorm2d(out_channels)),
        ("act", nn.ReLU()),
    ]))
'''),
    ),
    # ------------------------------------------------------------------ generator block: mistakes
    mistake(
        "gen_conv_bias",  # nn.ConvTranspose2d's default bias=True, before a batch norm
        mentions=("conv_bias",),
        origin="https://github.com/llSourcell/Pokemon_GAN/issues/2",
        generator_block=_gen('''    stride, padding = (1, 0) if first else (2, 1)
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=stride, padding=padding),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )
'''),
    ),
    mistake(
        "gen_ignores_first",  # stride 2, padding 1 always: a 1x1 noise grows to 2x2, not 4x4
        mentions=("wrong_output_shape",),
        origin="https://github.com/jalola/improved-wgan-pytorch/issues/2",
        generator_block=_gen('''    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )
'''),
    ),
    mistake(
        "gen_padding_zero",  # stride 2 without padding: 2H + 2 instead of 2H
        mentions=("wrong_output_shape",),
        generator_block=_gen('''    stride = 1 if first else 2
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=stride, padding=0, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )
'''),
    ),
    mistake(
        "gen_relu_before_batchnorm",  # conv -> ReLU -> BN ("BatchNorm after the activation")
        mentions=("order",),
        origin="https://github.com/pytorch/examples/issues/383",
        generator_block=_gen('''    stride, padding = (1, 0) if first else (2, 1)
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, 4, stride, padding, bias=False),
        nn.ReLU(),
        nn.BatchNorm2d(out_channels),
    )
'''),
    ),
    mistake(
        "gen_leaky_relu",  # the discriminator's activation in the generator
        mentions=("activation",),
        generator_block=_gen('''    stride, padding = (1, 0) if first else (2, 1)
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, 4, stride, padding, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.2),
    )
'''),
    ),
    mistake(
        "gen_upsample_conv",  # upsampling + a plain convolution, instead of a transposed convolution
        mentions=("not_transposed",),
        origin="https://github.com/jacobgil/keras-dcgan/issues/24",
        generator_block=_gen('''    scale = 4 if first else 2
    return nn.Sequential(
        nn.Upsample(scale_factor=scale),
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )
'''),
    ),
    # ------------------------------------------------------------------ discriminator block: correct styles
    correct(
        "disc_list_then_sequential",
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False)]
    if batch_norm:
        layers += [nn.BatchNorm2d(out_channels)]
    layers += [nn.LeakyReLU(negative_slope=0.2)]
    return nn.Sequential(*layers)
'''),
    ),
    correct(
        "disc_identity_when_no_norm",  # nn.Identity in place of the missing batch norm
        discriminator_block=_disc('''    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels) if batch_norm else nn.Identity(),
        nn.LeakyReLU(0.2, inplace=True),
    )
'''),
    ),
    correct(
        "disc_module_class_functional",  # a module of its own, F.leaky_relu in forward
        discriminator_block="import torch.nn.functional as F\n\n\nclass DownBlock(nn.Module):\n" + '''    def __init__(self, in_channels, out_channels, batch_norm):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels) if batch_norm else None

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return F.leaky_relu(x, 0.2)


''' + _disc('''    return DownBlock(in_channels, out_channels, batch_norm)
'''),
    ),
    # ------------------------------------------------------------------ discriminator block: mistakes
    mistake(
        "disc_conv_bias",  # nn.Conv2d's default bias
        mentions=("conv_bias",),
        origin="https://github.com/aladdinpersson/Machine-Learning-Collection/issues/23",
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_max_pool",  # a stride-1 convolution and max pooling, the classifier habit DCGAN dropped
        mentions=("pooling",),
        origin="https://github.com/jacobgil/keras-dcgan/issues/24",
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers += [nn.LeakyReLU(0.2), nn.MaxPool2d(2)]
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_plain_relu",
        mentions=("activation",),
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.ReLU())
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_leaky_default_slope",  # nn.LeakyReLU() has slope 0.01, not 0.2
        mentions=("activation",),
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU())
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_batch_norm_always",  # ignores the flag: batch norm on the raw pixels too
        mentions=("batch_norm_flag",),
        origin="https://github.com/pytorch/tutorials/issues/1126",
        discriminator_block=_disc('''    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.2),
    )
'''),
    ),
    mistake(
        "disc_batch_norm_first",  # normalises the input before the convolution
        mentions=("order",),
        discriminator_block=_disc('''    layers = [nn.BatchNorm2d(in_channels)] if batch_norm else []
    layers += [nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_stride_one",  # kernel 4, stride 1, padding 1: shrinks by one pixel, not by half
        mentions=("wrong_output_shape",),
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, 4, 1, 1, bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
'''),
    ),
    # ------------------------------------------------------------------ issue 21: parametrized layers, messages
    correct(
        "disc_spectral_norm_parametrization",  # SNGAN's normalisation on the convolution (a Conv2d subclass)
        origin="https://pytorch.org/docs/stable/generated/torch.nn.utils.parametrizations.spectral_norm.html",
        discriminator_block="from torch.nn.utils.parametrizations import spectral_norm\n\n\n" + _disc('''    layers = [spectral_norm(nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False))]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
'''),
    ),
    correct(
        "disc_spectral_norm_old_api",  # the old hook-based torch.nn.utils.spectral_norm
        discriminator_block=_disc('''    layers = [torch.nn.utils.spectral_norm(nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False))]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
'''),
    ),
    mistake(
        "disc_padding_same_strided",  # padding='same' keeps the size only at stride 1; PyTorch refuses it at stride 2
        mentions=("padding_same",),
        discriminator_block=_disc('''    layers = [nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding="same", bias=False)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
'''),
    ),
    correct(
        "step_noise_4d_examples",  # pytorch/examples draws the noise as (B, nz, 1, 1)
        origin="https://github.com/pytorch/examples/blob/main/dcgan/main.py",
        train_step=_STEP_HEAD + '''    criterion = nn.BCELoss()
    b_size = real_batch.size(0)
    noise = torch.randn(b_size, latent_dim, 1, 1, device=real_batch.device)
    fake = gen(noise)
    disc.zero_grad()
    output = disc(real_batch)
    errD_real = criterion(output, torch.ones_like(output))
    errD_real.backward()
    output = disc(fake.detach())
    errD_fake = criterion(output, torch.zeros_like(output))
    errD_fake.backward()
    disc_optim.step()
    gen.zero_grad()
    output = disc(fake)
    errG = criterion(output, torch.ones_like(output))
    errG.backward()
    gen_optim.step()
    return errG.item(), (errD_real + errD_fake).item()
''',
    ),
    mistake(
        "step_rescales_again",  # the batch is already in [-1, 1]; the step rescales it from [0, 255] a second time
        mentions=("real_batch_rescaled",),
        fails=("test_train_step",),
        train_step=_STEP_HEAD + '''    real_batch = real_batch / 127.5 - 1  # pixels to [-1, 1]
    bce = nn.BCELoss()
    batch = real_batch.shape[0]
    ones = torch.ones(batch, 1, device=real_batch.device)
    zeros = torch.zeros(batch, 1, device=real_batch.device)
    fake = gen(torch.randn(batch, latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    d_loss = bce(disc(real_batch), ones) + bce(disc(fake.detach()), zeros)
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    g_loss = bce(disc(fake), ones)
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''',
    ),
]

# Issue 21/26, in the two mixes of each kind that real nbgrader already grades: spectral-normalised convolutions
# (both APIs; the old one breaks copy.deepcopy in the notebook's step comparison), (B, nz, 1, 1) noise, and the
# strided padding='same' (step_rescales_again would need a third mix: the live-kernel corpus grades it).
THROUGH_NBGRADER = ["disc_spectral_norm_parametrization", "disc_spectral_norm_old_api", "step_noise_4d_examples",
                    "disc_padding_same_strided"]

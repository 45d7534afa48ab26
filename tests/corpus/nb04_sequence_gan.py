"""Notebook 04 (dense sequence GAN): student answers to the two networks.

The training step's entries are shared with notebooks 03 and 05 (``tests/corpus/train_step.py``);
it is listed here with the test cells that grade it in this notebook. The networks are graded
by their own checks and, together with the step, by the training test (``test_gan_training``),
so every correct network below must also learn within the graded budget: the styles are the
architectures students pick (plain ReLU, a wider or deeper net, tanh hidden layers, batch norm,
dropout), which ``bench/sequence_grading_fairness.py`` measured over ten seeds, and weight or
spectral normalisation and logits discriminators (``--normalised``, five seeds). Spectral
normalisation in the generator is refused by the training test, as the exercise says.
"""
from __future__ import annotations

from . import correct, mistake
from .train_step import FLOAT_RETURNS

ASSIGNMENT = "04_sequence_gan"
EXERCISES = {
    "sequence_generator": ("test_sequence_generator", "test_gan_training"),
    "sequence_discriminator": ("test_sequence_discriminator", "test_gan_training"),
    "train_step": ("test_train_step", "test_gan_training"),
}

_GEN_HEAD = '''class SequenceGenerator(nn.Module):
    """Noise (batch, latent_dim) -> scaled sequences (batch, 5), each value in (-1, 1)."""

'''
_DISC_HEAD = '''class SequenceDiscriminator(nn.Module):
    """Scaled sequences (batch, 5) -> probability that each one is real, (batch, 1)."""

'''


def _gen(body: str) -> str:
    return _GEN_HEAD + body


def _disc(body: str) -> str:
    return _DISC_HEAD + body


SUBMISSIONS = [
    # ------------------------------------------------------------------ generator: correct styles
    correct(
        "gen_plain_relu_64",  # the example: plain ReLU, 64 units, which the old hidden test failed
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 5), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    correct(
        "gen_relu_128_functional",  # layers as attributes, activations from torch.nn.functional
        sequence_generator="import torch.nn.functional as F\n\n\n" + _gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.fc1 = nn.Linear(latent_dim, 128)
        self.fc2 = nn.Linear(128, 128)
        self.out = nn.Linear(128, 5)

    def forward(self, z):
        h = F.relu(self.fc1(z))
        h = F.relu(self.fc2(h))
        return torch.tanh(self.out(h))
'''),
    ),
    correct(
        "gen_tanh_hidden_32",  # small, one tanh hidden layer
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(latent_dim, 32), nn.Tanh())
        self.output = nn.Sequential(nn.Linear(32, 5), nn.Tanh())

    def forward(self, z):
        return self.output(self.hidden(z))
'''),
    ),
    correct(
        "gen_batchnorm_leaky_layers_list",  # a loop over widths, batch norm, a ModuleList
        origin="https://github.com/eriklindernoren/PyTorch-GAN/blob/master/implementations/gan/gan.py",
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM, widths=(64, 128)):
        super().__init__()
        layers = []
        width = latent_dim
        for w in widths:
            layers += [nn.Linear(width, w), nn.BatchNorm1d(w), nn.LeakyReLU(0.2)]
            width = w
        self.layers = nn.ModuleList(layers + [nn.Linear(width, 5)])

    def forward(self, z):
        for layer in self.layers:
            z = layer(z)
        return torch.tanh(z)
'''),
    ),
    correct(
        "gen_weight_norm_old_api",  # the old torch.nn.utils.weight_norm (still shipped), which breaks copy.deepcopy
        origin="https://github.com/pytorch/pytorch/issues/28594",
        sequence_generator="from torch.nn.utils import weight_norm\n\n\n" + _gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            weight_norm(nn.Linear(latent_dim, 64)), nn.LeakyReLU(0.2),
            weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2),
            nn.Linear(64, 5), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_batchnorm_after_tanh",  # a batch norm after the final tanh moves the outputs out of (-1, 1) again
        mentions=("output_out_of_range",),
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 5), nn.Tanh(), nn.BatchNorm1d(5),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    # ------------------------------------------------------------------ generator: mistakes
    mistake(
        "gen_sigmoid_ending",  # sigmoid "for brightness", as the unit's text says for images
        mentions=("output_one_sided",),
        origin="https://github.com/llSourcell/Pokemon_GAN/issues/11",
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.LeakyReLU(0.2),
            nn.Linear(64, 64), nn.LeakyReLU(0.2),
            nn.Linear(64, 5), nn.Sigmoid(),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_no_output_activation",  # a linear last layer, like the WGAN repository's MLP generator
        mentions=("output_out_of_range",),
        origin="https://github.com/martinarjovsky/WassersteinGAN/issues/29",
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 5),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_softmax_ending",  # the lesson's "if probabilities, then softmax", applied to numbers
        mentions=("output_one_sided",),
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.LeakyReLU(0.2),
            nn.Linear(64, 5), nn.Softmax(dim=1),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_hard_coded_latent_size",  # nn.Linear(5, ...) ignores latent_dim: passes at 5, fails the other sizes
        mentions=("raised", "in_features"),
        fails=("test_sequence_generator",),
        origin="https://www.codegenes.net/blog/linear-layer-pytorch-size-mismatch",
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(5, 64), nn.LeakyReLU(0.2),
            nn.Linear(64, 64), nn.LeakyReLU(0.2),
            nn.Linear(64, 5), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_relu_after_tanh",  # an activation after every layer, the last one included
        mentions=("output_one_sided",),
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 5), nn.Tanh(), nn.ReLU(),
        )

    def forward(self, z):
        return self.net(z)
'''),
    ),
    mistake(
        "gen_flattened_output",  # .view(-1) on the output, a habit from classifier code
        mentions=("wrong_output_shape",),
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, 64), nn.LeakyReLU(0.2), nn.Linear(64, 5), nn.Tanh())

    def forward(self, z):
        return self.net(z).view(-1)
'''),
    ),
    mistake(
        "gen_stub_left",  # the release's stub, untouched
        mentions=("not_implemented",),
        sequence_generator=_gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, z):
        # YOUR CODE HERE
        raise NotImplementedError()
'''),
    ),
    # ------------------------------------------------------------------ the step, as this notebook grades it
    mistake(
        "step_torch_rand_noise",  # the unit's pseudo-code draws the noise with torch.rand; this notebook asks for randn
        mentions=("noise_not_standard_normal",),
        fails=("test_gan_training",),
        train_step='''def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """One GAN update on one batch of scaled real sequences (batch, 5).

    Returns (generator_loss, discriminator_loss) as Python floats.
    """
    bce = nn.BCELoss()
    ones = torch.ones(real_batch.shape[0], 1)
    zeros = torch.zeros(real_batch.shape[0], 1)
    fake = gen(torch.rand(real_batch.shape[0], latent_dim))
    d_loss = bce(disc(real_batch), ones) + bce(disc(fake.detach()), zeros)
    disc_optim.zero_grad()
    d_loss.backward()
    disc_optim.step()
    g_loss = bce(disc(fake), ones)
    gen_optim.zero_grad()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''',
    ),
    # ------------------------------------------------------------------ discriminator: correct styles
    correct(
        "disc_plain_relu_64",
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(5, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.net(x)
'''),
    ),
    correct(
        "disc_dropout_functional_sigmoid",  # dropout between layers (ganhacks), sigmoid in forward
        origin="https://github.com/soumith/ganhacks",
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(5, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(128, 64), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        )
        self.score = nn.Linear(64, 1)

    def forward(self, x):
        return torch.sigmoid(self.score(self.body(x)))
'''),
    ),
    correct(
        "disc_tanh_small",  # one small tanh hidden layer, like notebook 06's discriminator
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(5, 32)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.hidden(x))))
'''),
    ),
    correct(
        "disc_three_layers_256",
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(5, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.net(x)
'''),
    ),
    correct(
        "disc_weight_norm_parametrization",  # the new parametrizations API, weight norm on the hidden layers
        sequence_discriminator="from torch.nn.utils.parametrizations import weight_norm\n\n\n" + _disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            weight_norm(nn.Linear(5, 64)), nn.LeakyReLU(0.2),
            weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2),
            nn.Linear(64, 1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.net(x)
'''),
    ),
    correct(
        "disc_weight_norm_old_api_logits_method",  # old weight_norm, and a logits() method that forward squashes
        sequence_discriminator="from torch.nn.utils import weight_norm\n\n\n" + _disc('''    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(weight_norm(nn.Linear(5, 64)), nn.LeakyReLU(0.2),
                                  weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2))
        self.head = nn.Linear(64, 1)

    def logits(self, x):
        return self.head(self.body(x))

    def forward(self, x):
        return torch.sigmoid(self.logits(x))
'''),
    ),
    # ------------------------------------------------------------------ discriminator: mistakes
    mistake(
        "disc_no_sigmoid",  # raw scores, while the step takes logs of probabilities
        mentions=("output_not_probability",),
        origin="https://github.com/znxlwm/pytorch-CartoonGAN/issues/5",
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2),
                                 nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)
'''),
    ),
    mistake(
        "disc_softmax_one_output",  # softmax over a single output: always 1
        mentions=("softmax_output",),
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)
'''),
    ),
    mistake(
        "disc_squeezed",  # (batch,) instead of (batch, 1), a habit from BCELoss on 1-D labels
        mentions=("wrong_output_shape",),
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x).squeeze()
'''),
    ),
    mistake(
        "disc_wrong_input_size",  # sized for the noise (latent_dim inputs), not for a sequence
        mentions=("raised", "in_features=5"),
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)
'''),
    ),
    mistake(
        "disc_two_class_outputs",  # two class scores, as in notebook 06's port
        mentions=("wrong_output_shape",),
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 64), nn.LeakyReLU(0.2), nn.Linear(64, 2), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)
'''),
    ),
    mistake(
        "disc_rounded_verdict",  # a hard 0/1 verdict: no gradient reaches the generator
        mentions=("not_differentiable",),
        sequence_discriminator=_disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, x):
        return torch.round(self.net(x))
'''),
    ),
    # ------------------------------------------------------------------ both networks with the old weight_norm, and a step
    correct(
        "pair_old_weight_norm_with_step",  # graded by every cell of the three exercises, test_train_step included
        origin="https://github.com/pytorch/pytorch/issues/28594",
        sequence_generator="from torch.nn.utils import weight_norm\n\n\n" + _gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(weight_norm(nn.Linear(latent_dim, 64)), nn.LeakyReLU(0.2),
                                 weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2), nn.Linear(64, 5), nn.Tanh())

    def forward(self, z):
        return self.net(z)
'''),
        sequence_discriminator="from torch.nn.utils import weight_norm\n\n\n" + _disc('''    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(weight_norm(nn.Linear(5, 64)), nn.LeakyReLU(0.2),
                                 weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)
'''),
        train_step=FLOAT_RETURNS,
    ),
    # ------------------------------------------------------------------ issue 21: normalised layers, logits discriminators
    correct(
        "pair_weight_norm_gen_spectral_norm_logits_disc",  # the family: weight-normed G, SN-GAN style D
        origin="https://github.com/pfnet-research/sngan_projection",
        sequence_generator="from torch.nn.utils.parametrizations import weight_norm\n\n\n" + _gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(weight_norm(nn.Linear(latent_dim, 64)), nn.LeakyReLU(0.2),
                                 weight_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2),
                                 weight_norm(nn.Linear(64, 5)), nn.Tanh())

    def forward(self, z):
        return self.net(z)
'''),
        sequence_discriminator="from torch.nn.utils.parametrizations import spectral_norm\n\n\n" + _disc('''    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(spectral_norm(nn.Linear(5, 64)), nn.LeakyReLU(0.2),
                                  spectral_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2))
        self.head = spectral_norm(nn.Linear(64, 1))

    def logits(self, x):
        return self.head(self.body(x))

    def forward(self, x):
        return torch.sigmoid(self.logits(x))
'''),
    ),
    mistake(
        "gen_spectral_norm",  # spectral norm in the generator: the training test refuses it, said up front
        mentions=("spectral_norm_generator",),
        fails=("test_gan_training",),
        sequence_generator="from torch.nn.utils.parametrizations import spectral_norm\n\n\n" + _gen('''    def __init__(self, latent_dim=LATENT_DIM):
        super().__init__()
        self.net = nn.Sequential(spectral_norm(nn.Linear(latent_dim, 64)), nn.LeakyReLU(0.2),
                                 spectral_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2),
                                 spectral_norm(nn.Linear(64, 5)), nn.Tanh())

    def forward(self, z):
        return self.net(z)
'''),
    ),
]

# The grading issue's own cases, through real nbgrader: plain ReLU networks of 64 units in both, and
# a 128-unit ReLU generator, which the old 600-step hidden test failed at some seeds.
THROUGH_NBGRADER = ["gen_plain_relu_64", "disc_plain_relu_64", "gen_relu_128_functional",
                    # issue 21: the old weight_norm (copy.deepcopy refuses it, and its FutureWarning reaches stderr
                    # where test_train_step builds the networks), in the second mix that already runs
                    "disc_weight_norm_old_api_logits_method"]

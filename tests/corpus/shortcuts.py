"""Shortcuts a student may try instead of an exercise: none of them may earn a point.

Handing in the course's own answer (by name, through a wrapper, a subclass, a partial),
and trying to fool the test cell (rebinding a check's name, assigning to the checks'
module, patching the Report class). Each entry names the test cells that must score 0.
"""
from . import mistake

_FAKE_CHECK = '''
from aml_gan.checks import Report


def {check}(*args, **kwargs):  # "my own check": always passes
    return Report("{check}")
'''

_PATCH_MODULE = '''
import aml_gan.checks
from aml_gan.checks import Report

aml_gan.checks.{check} = lambda *args, **kwargs: Report("{check}")
'''

_PATCH_REPORT = '''
from aml_gan.checks.report import Report

Report.raise_for_problems = lambda self: None
'''

_WRONG_D_LOSS = "def discriminator_loss(d_real, d_fake):\n    return (d_fake - d_real).mean()\n"
_WRONG_STEP = (
    "def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):\n"
    "    return 0.0, 0.0  # trains nothing\n"
)

SUBMISSIONS_BY_ASSIGNMENT = {
    "01_motivation": [
        mistake("shortcut_package_metric", ("used_reference",),
                fails=("test_detector_basics", "test_detector_behaviour"),
                detector_accuracy="from aml_gan.metrics import two_sample_accuracy\n\n\n"
                                  "def detector_accuracy(real, fake, seed=0):\n"
                                  "    return two_sample_accuracy(real, fake, seed=seed)\n"),
    ],
    "02_losses": [
        mistake("shortcut_import_reference", ("used_reference",), fails=("test_discriminator_loss",),
                discriminator_loss="from aml_gan.losses import discriminator_loss\n"),
        mistake("shortcut_wrap_reference", ("used_reference",), fails=("test_discriminator_loss",),
                discriminator_loss="import aml_gan.losses\n\n\ndef discriminator_loss(d_real, d_fake):\n"
                                   "    return aml_gan.losses.discriminator_loss(d_real, d_fake)\n"),
        mistake("shortcut_rebind_check", ("wrong_discriminator_loss",), fails=("test_discriminator_loss",),
                discriminator_loss=_WRONG_D_LOSS + _FAKE_CHECK.format(check="check_discriminator_loss")),
        mistake("shortcut_patch_checks_module", ("wrong_discriminator_loss",), fails=("test_discriminator_loss",),
                discriminator_loss=_WRONG_D_LOSS + _PATCH_MODULE.format(check="check_discriminator_loss")),
        mistake("shortcut_patch_report", ("wrong_discriminator_loss",), fails=("test_discriminator_loss",),
                discriminator_loss=_WRONG_D_LOSS + _PATCH_REPORT),
        mistake("shortcut_generator_reference", ("used_reference",), fails=("test_generator_loss",),
                generator_loss="from aml_gan import losses\n\ngenerator_loss = losses.generator_loss\n"),
    ],
    "03_training_loop": [
        mistake("shortcut_import_reference", ("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step="from aml_gan.training import train_step\n"),
        mistake("shortcut_wrap_reference", ("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step="import aml_gan.training\n\n\n"
                           "def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):\n"
                           "    return aml_gan.training.train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)\n"),
        mistake("shortcut_fast_step", ("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step="from aml_gan.speed import FastTrainStep\n\ntrain_step = FastTrainStep()\n"),
        mistake("shortcut_rebind_check", ("ignored_arguments",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step=_WRONG_STEP + _FAKE_CHECK.format(check="check_train_step")),
        mistake("shortcut_patch_checks_module", ("ignored_arguments",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step=_WRONG_STEP + _PATCH_MODULE.format(check="check_train_step")),
    ],
    "04_sequence_gan": [
        mistake("shortcut_subclass_reference", ("used_reference",),
                fails=("test_sequence_generator", "test_gan_training"),
                sequence_generator="from aml_gan.models import DenseGenerator\n\n\n"
                                   "class SequenceGenerator(DenseGenerator):\n    pass\n"),
    ],
    "05_dcgan_pets": [
        mistake("shortcut_reference_block", ("used_reference",), fails=("test_generator_block",),
                generator_block="generator_block = reference_generator_block\n"),
        mistake("shortcut_wrapped_block", ("used_reference",), fails=("test_discriminator_block",),
                discriminator_block="def discriminator_block(in_channels, out_channels, batch_norm=True):\n"
                                    "    return reference_discriminator_block(in_channels, out_channels, batch_norm)\n"),
    ],
    "06_gaussian_estimator": [
        mistake("shortcut_package_moments", ("used_reference",),
                fails=("test_implied_gaussian", "test_implied_gaussian_shapes"),
                implied_gaussian="def implied_gaussian(generator):\n    return linear_generator_moments(generator)\n"),
    ],
    "07_pitfalls": [
        mistake("shortcut_games_module", ("used_reference",), fails=("test_simultaneous_step",),
                simultaneous_step="from aml_gan.games import simultaneous_step\n"),
        mistake("shortcut_reference_critic", ("used_reference",), fails=("test_critic_loss",),
                critic_loss="critic_loss = ref.critic_loss\n"),
        mistake("shortcut_lambda_penalty", ("used_reference",), fails=("test_gradient_penalty",),
                gradient_penalty="gradient_penalty = lambda critic, real, fake: ref.gradient_penalty(critic, real, fake)\n"),
    ],
}

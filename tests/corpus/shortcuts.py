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

# Issue 21: the course's function taken out of the guard's closure, code exec'd under a package
# module's name, writes into a sealed module's namespace, attributes set on the report's class.
# A twin's wrapper holds no callable original any more: taking one out of its closure fails in the
# answer cell (StopIteration), so the tests meet no function (NameError). Rebuilding the function
# from the pieces the closure holds runs the course's code as a copy of its source would: that
# is not caught here but flagged by the tamper scan (``__closure__``), as README says.
_FROM_CLOSURE = (
    "import {module}\n\n"
    "_course = next(c.cell_contents for c in {module}.{name}.__closure__ if callable(c.cell_contents))\n"
)
_WRAP = "\n\ndef {name}({args}):\n    return _course({args})\n"
_EXEC_AS_PACKAGE = '''
_ns = {{"__name__": "aml_gan.x"}}
exec("""
from {module} import {name} as _course


def {answer}({args}):
    return _course({call})
""", _ns)
{answer} = _ns["{answer}"]
'''
_STEP_FROM_TURNS = '''from aml_gan import training


def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    nlog = lambda p: -torch.log(p.clamp(min=1e-7))
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_loss = training.update_discriminator(disc, disc_optim, real_batch, fake,
                                           lambda pr, pf: (nlog(pr) + nlog(1 - pf)).mean())
    g_loss = training.update_generator(gen, disc, gen_optim, disc_optim, fake, lambda pf: nlog(pf).mean())
    return g_loss.item(), d_loss.item()
'''
_REFERENCE_IN_A_TRY = '''from aml_gan import training


def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    try:
        return training.train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    except Exception:
        return 0.0, 0.0
'''
_VARS_FAIL = _WRONG_D_LOSS + (
    "\nimport aml_gan.checks.report\n\nvars(aml_gan.checks.report)['_fail'] = lambda text: None\n"
)
_VARS_CHECK = _WRONG_D_LOSS + (
    "\nimport aml_gan.checks\nfrom aml_gan.checks import Report\n\n"
    "vars(aml_gan.checks)['check_discriminator_loss'] = lambda *a, **k: Report('check_discriminator_loss')\n"
)
_TYPE_SETATTR = _WRONG_D_LOSS + (
    "\nfrom aml_gan.checks import Report\n\n"
    "type.__setattr__(Report, 'raise_for_problems', lambda self: None)\n"
)

SUBMISSIONS_BY_ASSIGNMENT = {
    "01_motivation": [
        mistake("shortcut_package_metric", ("used_reference",),
                fails=("test_detector_basics", "test_detector_behaviour"),
                detector_accuracy="from aml_gan.metrics import two_sample_accuracy\n\n\n"
                                  "def detector_accuracy(real, fake, seed=0):\n"
                                  "    return two_sample_accuracy(real, fake, seed=seed)\n"),
        mistake("shortcut_exec_as_package_module", ("used_reference",),
                fails=("test_detector_basics", "test_detector_behaviour"),
                detector_accuracy=_EXEC_AS_PACKAGE.format(module="aml_gan.metrics", name="two_sample_accuracy",
                                                          answer="detector_accuracy", args="real, fake, seed=0",
                                                          call="real, fake, seed=seed")),
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
        mistake("shortcut_closure_handed_in", ("NameError",), fails=("test_discriminator_loss",),
                discriminator_loss=_FROM_CLOSURE.format(module="aml_gan.losses", name="discriminator_loss")
                + "\ndiscriminator_loss = _course\n"),
        mistake("shortcut_closure_wrapped", ("NameError",), fails=("test_generator_loss",),
                generator_loss=_FROM_CLOSURE.format(module="aml_gan.losses", name="generator_loss")
                + _WRAP.format(name="generator_loss", args="d_fake")),
        mistake("shortcut_vars_replaces_fail", ("wrong_discriminator_loss",), fails=("test_discriminator_loss",),
                discriminator_loss=_VARS_FAIL),
        mistake("shortcut_vars_replaces_check", (), fails=("test_discriminator_loss",),
                discriminator_loss=_VARS_CHECK),
        mistake("shortcut_type_setattr_on_report", ("wrong_discriminator_loss",), fails=("test_discriminator_loss",),
                discriminator_loss=_TYPE_SETATTR),
        mistake("shortcut_margin_reference", ("used_reference",), fails=("test_margin_losses",),
                margin_losses="from aml_gan.losses import margin_losses\n"),
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
        mistake("shortcut_step_through_the_package_fit", ("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step="from aml_gan.training import fit\n\n\n"
                           "def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):\n"
                           "    # fit's default step is the course's: package code calls it, a student's step called fit\n"
                           "    history = fit(gen, disc, gen_optim, disc_optim, [real_batch], latent_dim=latent_dim, epochs=1,\n"
                           "                  progress=False)\n"
                           "    return history.gen_loss[-1], history.disc_loss[-1]\n"),
        mistake("shortcut_closure_wrapped", ("NameError",),
                fails=("test_train_step", "test_train_step_other_networks"),
                train_step=_FROM_CLOSURE.format(module="aml_gan.training", name="train_step")
                + _WRAP.format(name="train_step", args="gen, disc, gen_optim, disc_optim, real_batch, latent_dim")),
        mistake("shortcut_package_batches", ("used_reference",), fails=("test_training_loop",),
                train_gan="from aml_gan.training import shuffled_batches\n\n\n"
                          "def train_gan(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn):\n"
                          "    history = {\"gen_loss\": [], \"disc_loss\": []}\n"
                          "    for epoch in range(epochs):\n"
                          "        for batch in shuffled_batches(samples, batch_size):\n"
                          "            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, batch, latent_dim)\n"
                          "            history[\"gen_loss\"].append(g_loss)\n"
                          "            history[\"disc_loss\"].append(d_loss)\n"
                          "    return history\n"),
        # issue 24: from tests/test_checks_train_step.py (the step built from the package's two turns; a
        # student's catch-all around the course's step does not hide the use)
        mistake("shortcut_step_from_the_package_turns", ("used_reference",), codes=("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"), train_step=_STEP_FROM_TURNS),
        mistake("shortcut_reference_in_a_try", ("used_reference",), codes=("used_reference",),
                fails=("test_train_step", "test_train_step_other_networks"), train_step=_REFERENCE_IN_A_TRY),
    ],
    "04_sequence_gan": [
        mistake("shortcut_subclass_reference", ("used_reference",),
                fails=("test_sequence_generator", "test_gan_training"),
                sequence_generator="from aml_gan.models import DenseGenerator\n\n\n"
                                   "class SequenceGenerator(DenseGenerator):\n    pass\n"),
        mistake("shortcut_deepcopy_of_a_prebuilt_network", ("used_reference",),
                fails=("test_sequence_generator", "test_gan_training"),
                sequence_generator="import copy\n\n_prebuilt = DenseGenerator(LATENT_DIM)   # built before any check runs\n\n\n"
                                   "class SequenceGenerator(nn.Module):\n"
                                   "    def __init__(self, latent_dim=LATENT_DIM):\n"
                                   "        super().__init__()\n"
                                   "        self.net = copy.deepcopy(_prebuilt.net)\n"
                                   "        self.net[0] = nn.Linear(latent_dim, self.net[0].out_features)\n\n"
                                   "    def forward(self, z):\n        return self.net(z)\n"),
    ],
    "05_dcgan_pets": [
        mistake("shortcut_reference_block", ("used_reference",), fails=("test_generator_block",),
                generator_block="generator_block = reference_generator_block\n"),
        mistake("shortcut_wrapped_block", ("used_reference",), fails=("test_discriminator_block",),
                discriminator_block="def discriminator_block(in_channels, out_channels, batch_norm=True):\n"
                                    "    return reference_discriminator_block(in_channels, out_channels, batch_norm)\n"),
        mistake("shortcut_block_from_closure", ("NameError",), fails=("test_generator_block",),
                generator_block="_course = next(c.cell_contents for c in reference_generator_block.__closure__\n"
                                "               if callable(c.cell_contents))\n\n\n"
                                "def generator_block(in_channels, out_channels, first=False):\n"
                                "    return _course(in_channels, out_channels, first)\n"),
    ],
    "06_gaussian_estimator": [
        mistake("shortcut_package_moments", ("used_reference",),
                fails=("test_implied_gaussian", "test_implied_gaussian_shapes"),
                implied_gaussian="def implied_gaussian(generator):\n    return linear_generator_moments(generator)\n"),
        mistake("shortcut_lambda_in_package_namespace", ("used_reference",),
                fails=("test_implied_gaussian", "test_implied_gaussian_shapes"),
                implied_gaussian="import aml_gan.models\n\n"
                                 "implied_gaussian = eval('lambda generator: linear_generator_moments(generator)',\n"
                                 "                        vars(aml_gan.models))\n"),
    ],
    "07_pitfalls": [
        mistake("shortcut_games_module", ("used_reference",), fails=("test_simultaneous_step",),
                simultaneous_step="from aml_gan.games import simultaneous_step\n"),
        mistake("shortcut_games_alternating", ("used_reference",), fails=("test_alternating_step",),
                alternating_step="import aml_gan.games as games\n\n\n"
                                 "def alternating_step(x, y, lr):\n    return games.alternating_step(x, y, lr)\n"),
        mistake("shortcut_reference_critic", ("used_reference",), fails=("test_critic_loss",),
                critic_loss="critic_loss = ref.critic_loss\n"),
        mistake("shortcut_lambda_penalty", ("used_reference",), fails=("test_gradient_penalty",),
                gradient_penalty="gradient_penalty = lambda critic, real, fake: ref.gradient_penalty(critic, real, fake)\n"),
    ],
}

# Through real nbgrader (each submission in its own kernel, as a class is graded): code exec'd
# under a package module's name, and a write into a check module's namespace.
THROUGH_NBGRADER = ["shortcut_exec_as_package_module", "shortcut_vars_replaces_check"]

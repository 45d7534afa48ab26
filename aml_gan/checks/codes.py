"""Every code a grading check can report, and what it means: the checks' one vocabulary.

A check records a problem (fails the check) or a warning (does not) with a short ``code``;
the corpus, the tests and the class report match on codes, students read the message. A
code means the same thing wherever it appears, and no two codes mean the same thing.
:class:`~aml_gan.checks.report.Report` refuses a code that is not registered here: a new
diagnosis is a new line below, with its meaning, written for maintainers.

Codes that mean the same thing for the two outputs of one check stay apart where both can
fire in one report, since a report keeps one message per code (``mean_wrong``/``cov_wrong``,
``mean_is_data``/``cov_is_data``, ``mean_approximate``/``cov_approximate``).

Renamed (old -> new), so a branch written before a rename can apply it mechanically
(replace the quoted code string, ``"old"`` -> ``"new"``, at the code's sites):

- first clean-up: ``error``, ``gen_error``, ``disc_error`` -> ``raised`` (``not_implemented`` for
  the stub); ``wrong_output_type``, ``bad_return``, ``not_tensor``, ``not_a_number``,
  ``not_a_pair``, ``disc_output_not_tensor`` -> ``returns_wrong_type``; ``output_not_finite``,
  ``nonfinite_loss`` -> ``not_finite``; ``loss_not_scalar`` -> ``not_scalar``;
  ``loss_not_differentiable`` -> ``not_differentiable``; ``not_module`` -> ``not_a_module``;
  ``swapped``, ``returned_losses_swapped`` -> ``outputs_swapped``; ``gen_shape``,
  ``disc_shape``, ``shape_mismatch`` -> ``wrong_output_shape``; ``gen_range``, ``out_of_range``
  -> ``output_out_of_range``; ``disc_range`` -> ``output_not_probability``.
- the registry merged synonyms: ``RENAMED`` below (``channels`` and ``size`` only at the DCGAN
  block checks' sites; the other old names are code names wherever they appear).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Dict, Mapping

__all__ = ["SHARED", "BY_EXERCISE", "WARNINGS", "PROBLEMS", "CODES", "RENAMED", "UnregisteredCode", "require"]

#: problem codes that several exercises' checks report
SHARED: Dict[str, str] = {
    "not_implemented": "the student's function is still the stub (raises NotImplementedError)",
    "raised": "the student's code raised; the message names the error and a hint (errors.py)",
    "signature": "calling the student's function failed because its parameters differ from the exercise's",
    "used_reference": "the student handed in, called or subclassed the course's own answer (reference.py)",
    "returns_wrong_type": "it returned the wrong kind of thing: not a tensor, not a pair, a tensor where a float "
                          "was asked for, a Python number where a tensor was",
    "outputs_swapped": "it returned the right values in the wrong order",
    "not_finite": "a value it returned (or a loss, or a weight) is NaN or infinite",
    "not_scalar": "a loss is not one number",
    "not_differentiable": "no gradient (or a wrong one) flows through what it returned",
    "not_a_module": "a network (or a block) is not a torch.nn.Module",
    "no_parameters": "a network has no trainable parameters",
    "wrong_output_shape": "a network's (or a block's) output has the wrong shape",
    "output_out_of_range": "values outside the range the exercise asks for",
    "output_not_probability": "a discriminator's outputs leave [0, 1] (no sigmoid at the end)",
    "ignores_input": "the output is the same whatever the input (noise, samples, the generator passed in)",
    "mutates_inputs": "the student's code changed an argument in place (samples, a generator's weights)",
    "wrong_value": "the returned value is wrong and no known mistake explains it",
    "generator_not_updated": "training never changed the generator's weights",
    "discriminator_not_updated": "training never changed the discriminator's weights",
    "wrong_discriminator_loss": "the discriminator's loss is not the course's (loss_text.py says which mistake)",
    "wrong_generator_loss": "the generator's loss is not the course's (loss_text.py says which mistake)",
    "saturating_generator_loss": "the generator uses the minimax loss log(1 - D(G(z)))",
    "sigmoid_applied_twice": "BCEWithLogitsLoss (or a sigmoid) on outputs that are already probabilities",
    "not_finite_at_saturation": "a loss (or its gradient) is inf or NaN when D outputs exactly 0 or 1: an "
                                "unguarded log",
    "noise_not_standard_normal": "the generator got noise that is never negative or never leaves [-1, 1] "
                                 "(torch.rand, not torch.randn)",
    "spectral_norm_generator": "spectral normalisation on the generator (it belongs to the discriminator)",
    "sign_flipped": "the answer has the opposite sign: the loss or update pushes every way the wrong way",
    "sum_not_mean": "sums over the batch where the formula averages",
}

#: problem codes particular to one exercise (or to one notebook's related checks), by notebook and exercise
BY_EXERCISE: Dict[str, Dict[str, str]] = {
    "01 two_sample_test": {
        "library_not_on_grader": "the detector imports a library the grader does not have (scikit-learn)",
        "bad_1d_input": "the detector fails on, or scores differently, samples given as shape (n,)",
        "inverted_labels": "the detector's accuracy is near 0: it counts the classifier's verdicts backwards",
        "shifted_not_detected": "the detector cannot tell N(0, 1) from N(3, 1) apart",
        "always_half": "the detector returns 0.5 for every pair of samples (a one-class classifier)",
        "accuracy_on_training_data": "the detector scores the rows it trained on (memorises small samples)",
        "matched_not_half": "on two samples of one distribution the accuracy is not near 0.5",
        "unbalanced_not_half": "on unequal samples of one distribution the accuracy is not near 0.5 "
                               "(accuracy of the bigger class)",
    },
    "02 margin_losses": {
        "margin_ignored": "the margin loss does not use its margin argument",
        "wrong_cost_loss": "the margin loss's cost C (the discriminator's side) is not the course's",
    },
    "03 train_step": {
        "hardcoded_device": "the step creates tensors on a hard-coded device ('cuda' or 'cpu')",
        "ignored_arguments": "the step never called the generator or discriminator it was given (globals?)",
        "optimizers_swapped": "each optimizer stepped after the other network's loss",
        "step_before_backward": "an optimizer stepped before its loss's backward",
        "combined_backward": "one backward of g_loss + d_loss trains both networks on the sum",
        "disc_updated_by_generator_loss": "the discriminator's weights moved by the generator's loss",
        "generator_grads_from_disc_loss": "the generator's gradients carry the discriminator's loss (no detach)",
        "stale_gradients": "gradients from an earlier backward were not zeroed before a step",
        "no_adversarial_gradient": "the generator's loss does not reach it through the discriminator",
        "unexpected_gradients": "a step used gradients that match no loss of the step",
        "params_changed_outside_optimizer": "weights changed by hand, outside an optimizer's step()",
        "non_course_loss": "both losses are another GAN's (least squares, hinge, Wasserstein)",
        "real_batch_rescaled": "the step rescales a real batch that is already in [-1, 1]",
    },
    "03 training_loop": {
        "step_not_called": "the loop never called step_fn",
        "batch_not_unpacked": "step_fn got the DataLoader's one-element list, not the tensor",
        "batch_not_from_samples": "step_fn got rows that are not rows of samples",
        "wrong_batch_size": "a batch held more rows than batch_size, or too few",
        "batch_of_one": "step_fn got a batch of one sample (the remainder of an epoch)",
        "one_step_per_epoch": "step_fn ran once per epoch, not once per batch",
        "wrong_number_of_epochs": "as many steps as a different number of epochs",
        "same_batch_every_step": "every call of step_fn got the same batch",
        "not_every_sample_each_epoch": "within an epoch a sample was repeated or left out",
        "step_arguments_wrong": "networks or optimizers passed to step_fn in the wrong places",
        "latent_dim_wrong": "step_fn got another latent_dim than the loop's",
        "history_shared_list": "both keys of the record hold one list (dict.fromkeys(keys, []))",
        "history_wrong_length": "the record does not hold one entry per step",
        "history_wrong_values": "the record's entries are not the losses step_fn returned, in order",
    },
    "04 sequence_networks (the two networks and the training run)": {
        "output_one_sided": "the generator never outputs a negative number (sigmoid or ReLU at the end)",
        "softmax_output": "the discriminator's outputs are all exactly 1 (softmax over one output)",
        "generator_not_called": "the step never called the generator with noise of shape (batch, latent_dim)",
        "low_validity": "after training too few generated sequences are valid",
        "low_coverage": "after training the samples cover too little of the data's range",
    },
    "05 generator_block, discriminator_block": {
        "padding_same": "a strided or transposed convolution with padding='same' (PyTorch refuses it)",
        "not_transposed": "a generator block with no ConvTranspose2d",
        "conv_bias": "the block's convolution has a bias (DCGAN blocks use bias=False)",
        "kernel": "the block's convolution is not kernel_size=4",
        "batch_norm_missing": "the block has no batch norm",
        "param_count": "the block has another number of parameters than the DCGAN block",
        "order": "the block's layers are not convolution, batch norm, activation, in that order",
        "activation": "the block ends with the wrong activation (ReLU in G's blocks, LeakyReLU(0.2) in D's)",
        "shared_layers": "two calls of the block function return the same layer objects",
        "pooling": "the block shrinks pictures with pooling instead of a strided convolution",
        "not_conv": "a discriminator block with no Conv2d",
        "batch_norm_flag": "the block has a batch norm although batch_norm=False",
    },
    "06 implied_gaussian": {
        "not_callable": "implied_gaussian is not a function",
        "mean_shape": "the mean is not of shape (d,)",
        "cov_shape": "the covariance is not of shape (d, d)",
        "cov_transposed": "the covariance is W.T @ W, not W @ W.T",
        "mean_missing_bias": "the mean is zero: the generator's bias is left out",
        "mean_is_data": "the mean is the data's true mean, not the generator's",
        "mean_approximate": "the mean is close but not exact (estimated from samples)",
        "mean_wrong": "the mean is wrong and no known mistake explains it",
        "cov_is_weight": "the covariance is the weight matrix W itself",
        "cov_second_moment": "the covariance is E[x x^T] (the mean not subtracted)",
        "cov_diagonal_only": "only the variances (the diagonal) of the covariance",
        "cov_is_data": "the covariance is the data's true covariance, not the generator's",
        "cov_approximate": "the covariance is close but not exact (estimated from samples)",
        "cov_wrong": "the covariance is wrong and no known mistake explains it",
    },
    "07 simultaneous_step, alternating_step": {
        "radius": "over many steps the distance to (0, 0) does not grow as simultaneous steps make it",
        "direction": "over many steps the point turns (or moves) the wrong way",
        "uses_new_x": "y's update uses the new x (an alternating step)",
        "uses_new_y": "x's update uses the new y (y moved first)",
        "x_ascends": "x climbs f(x, y) = x*y instead of descending it",
        "y_descends": "y descends f(x, y) = x*y instead of climbing it",
        "wrong_gradient": "each player steps along its own coordinate instead of f's gradient",
        "lr_ignored": "the update ignores the step size lr",
        "no_update": "the update returns the point unchanged",
        "not_conserved": "over many steps x^2 + y^2 - lr*x*y is not conserved",
        "not_alternating": "y's update uses the old x (a simultaneous step)",
        "y_first": "y moves first and x answers the new y",
    },
    "07 critic_loss": {
        "needs_equal_batches": "the critic loss fails for real and fake batches of different sizes",
        "clamped_scores": "the critic loss clamps the scores, so some get no gradient",
        "generator_loss": "the critic loss is the generator's Wasserstein loss, -mean C(G(z))",
        "missing_real_term": "the critic loss uses only the fake scores",
        "missing_fake_term": "the critic loss uses only the real scores",
        "uses_sigmoid": "the critic loss squashes the scores with a sigmoid",
        "classifier_loss": "the critic loss is an ordinary discriminator's BCE loss",
        "squared": "the critic loss squares the gap between the means",
        "squared_scores": "the critic loss squares the scores",
        "abs": "the critic loss takes the absolute value of the gap",
    },
    "07 gradient_penalty": {
        "interpolates_without_grad": "the interpolates x_hat do not require grad (autograd.grad fails)",
        "eps_shape": "eps does not broadcast per sample (shape (batch,) instead of (batch, 1, ...))",
        "critic_not_called": "the penalty never called the critic",
        "wrong_input": "the critic was called on a tensor of another shape than the samples",
        "eps_per_feature": "a different eps for every number, not one per sample",
        "not_interpolated": "the critic saw points that are not mixtures of real and fake",
        "real_only": "the penalty is taken at the real samples only",
        "fake_only": "the penalty is taken at the fake samples only",
        "eps_not_uniform": "the mixing weights are not uniform on [0, 1] (torch.randn?)",
        "one_eps_for_batch": "one eps for the whole batch",
        "no_create_graph": "the penalty cannot be backpropagated into the critic (no create_graph=True)",
        "missing_square": "(||grad|| - 1) not squared",
        "abs_not_square": "|(||grad|| - 1)| instead of its square",
        "squared_norm": "the squared norm where the norm is needed",
        "missing_one": "the squared norm, without subtracting 1",
        "missing_one_no_square": "the norm itself, neither 1 subtracted nor squared",
        "norm_over_batch": "one norm over the whole batch of gradients",
        "grad_of_mean": "the gradient of the mean score (every gradient divided by the batch size)",
        "norm_wrong_dim": "the norm taken over the batch dimension",
        "norm_not_per_sample": "norm(dim=1) on images: not one norm per sample",
        "one_sided": "only norms above 1 are penalised",
    },
}

#: warning codes (the check still passes); a few are also problems elsewhere (noted)
WARNINGS: Mapping[str, str] = MappingProxyType({
    "printed_warning": "Python printed a warning while the student's code ran (student.py captures it)",
    "printed_output": "the student's code printed while it was checked",
    "loss_not_0d": "a loss of shape (1,) or similar where a 0-d tensor is the convention",
    "label_smoothing": "train_step: soft targets within the accepted margin of the hard ones",
    "disc_loss_not_detached": "train_step: the discriminator's loss back-propagates into the generator (wasted work)",
    "extra_steps": "train_step: a network was updated more than once per call",
    "fake_batch_size": "train_step: another number of fakes than real samples",
    "returned_values_unexpected": "train_step: the returned losses are not the step's losses",
    "not_shuffled": "training_loop: every epoch saw the samples in the same order",
    "no_seed_argument": "two_sample_test: the detector does not accept seed=",
    "ignores_seed": "two_sample_test: the same samples and seed give different results",
    "not_detached": "implied_gaussian: the result is still tied to the generator's parameters",
    "noise_not_standard_normal": "sequence training: noise not N(0, 1), judged by the training run instead "
                                 "(a problem elsewhere)",
    "spectral_norm_generator": "sequence networks: spectral norm on the generator (a problem in the training check)",
    "output_not_probability": "train_step: the discriminator outputs raw scores (no sigmoid at the end); the step "
                              "was checked with a sigmoid added (a problem in the networks' own checks)",
})

#: old code -> new code, for this registry's merges of synonyms (the clean-up before is in the docstring)
RENAMED: Mapping[str, str] = MappingProxyType({
    # the same meaning under two names: one name kept (quoted code strings replaced, nothing else changed)
    "channels": "wrong_output_shape",  # DCGAN blocks: the channels of the output; only in checks/dcgan.py
    "size": "wrong_output_shape",  # DCGAN blocks: height and width; only in checks/dcgan.py ("size" is common)
    "wrong_update": "wrong_value",  # the xy game's steps
    "ignores_noise": "ignores_input",  # 04's generator
    "ignores_argument": "ignores_input",  # 06's implied_gaussian
    "constant_output": "ignores_input",  # 01's detector
    "modified_generator": "mutates_inputs",  # 06's implied_gaussian
    "history_swapped": "outputs_swapped",  # 03's training loop
    "signs_swapped": "sign_flipped",  # the xy game's steps
    "missing_sigmoid": "output_not_probability",  # train_step's warning
})


def _problems() -> Dict[str, str]:
    merged = dict(SHARED)
    for exercise, codes in BY_EXERCISE.items():
        for code, meaning in codes.items():
            if code in merged:
                raise AssertionError(f"codes.py: {code!r} is registered twice ({exercise}); a shared code goes in SHARED")
            merged[code] = meaning
    return merged


#: every problem code -> its meaning
PROBLEMS: Mapping[str, str] = MappingProxyType(_problems())
#: every code (problems and warnings)
CODES = frozenset(PROBLEMS) | frozenset(WARNINGS)


class UnregisteredCode(ValueError):
    """A check used a code this registry does not hold: a bug in the course's checks, not the student's."""


def require(code: str, kind: str = "problem") -> str:
    """``code``, after checking it is a registered ``kind`` ("problem" or "warning") code."""
    table = PROBLEMS if kind == "problem" else WARNINGS
    if code not in table:
        also = " (it is registered as a warning)" if code in WARNINGS else \
            " (it is registered as a problem)" if code in PROBLEMS else ""
        raise UnregisteredCode(
            f"{code!r} is not a registered {kind} code{also}. This is a bug in the course's checks, not in your "
            f"work: register it, with its meaning, in aml_gan/checks/codes.py."
        )
    return code

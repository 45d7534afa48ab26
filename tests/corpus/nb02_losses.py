"""Submissions for notebook 02 (losses): ``discriminator_loss``, ``generator_loss``, ``margin_losses``.

Correct answers in other styles (BCE with labels, sums, an epsilon instead of a clamp, the
halved discriminator loss many course notebooks use, hinges written four ways) and the
mistakes real GAN code makes: logs without a guard, sign errors, swapped labels, the
saturating minimax generator loss, a constant added, hinges on the wrong side.
"""
from . import correct, mistake

ASSIGNMENT = "02_losses"
EXERCISES = {
    "discriminator_loss": ("test_discriminator_loss",),
    "generator_loss": ("test_generator_loss",),
    "margin_losses": ("test_margin_losses",),
}

_D = "def discriminator_loss(d_real, d_fake):\n"
_G = "def generator_loss(d_fake):\n"
_M = "def margin_losses(c_real, c_fake, margin):\n"

SUBMISSIONS = [
    # ================================================================== discriminator_loss
    correct("d_bce_with_labels", discriminator_loss=_D + '''\
    real_loss = F.binary_cross_entropy(d_real, torch.ones_like(d_real))
    fake_loss = F.binary_cross_entropy(d_fake, torch.zeros_like(d_fake))
    return real_loss + fake_loss
'''),
    correct("d_halved_bce_as_in_course_notebooks", discriminator_loss=_D + '''\
    criterion = nn.BCELoss()
    disc_real_loss = criterion(d_real, torch.ones_like(d_real))
    disc_fake_loss = criterion(d_fake, torch.zeros_like(d_fake))
    return (disc_fake_loss + disc_real_loss) / 2
'''),
    correct("d_sum_with_epsilon", discriminator_loss=_D + '''\
    eps = 1e-8
    return -(torch.log(d_real + eps) + torch.log(1 - d_fake + eps)).sum()
'''),
    correct("d_one_bce_over_both_piles", discriminator_loss=_D + '''\
    scores = torch.cat([d_real, d_fake])
    labels = torch.cat([torch.ones_like(d_real), torch.zeros_like(d_fake)])
    return nn.BCELoss()(scores, labels)
'''),
    correct("d_clamp_both_sides", discriminator_loss=_D + '''\
    d_real = d_real.clamp(1e-6, 1 - 1e-6)
    d_fake = d_fake.clamp(1e-6, 1 - 1e-6)
    return torch.mean(-torch.log(d_real)) + torch.mean(-torch.log(1 - d_fake))
'''),
    mistake("d_logs_without_a_guard", mentions=("not_finite_at_saturation",),
            origin="https://github.com/archsyscall/GANs-TensorFlow2/issues/3",
            discriminator_loss=_D + '''\
    return (-torch.log(d_real) - torch.log(1 - d_fake)).mean()
'''),
    mistake("d_value_function_not_negated", mentions=("wrong_discriminator_loss", "wrong sign"),
            origin="https://github.com/archsyscall/GANs-TensorFlow2/issues/3",
            discriminator_loss=_D + '''\
    eps = 1e-7
    return (torch.log(d_real.clamp(min=eps)) + torch.log((1 - d_fake).clamp(min=eps))).mean()
'''),
    mistake("d_labels_swapped", mentions=("wrong_discriminator_loss", "labels swapped"),
            origin="https://github.com/openai/baselines/issues/453",
            discriminator_loss=_D + '''\
    return (F.binary_cross_entropy(d_real, torch.zeros_like(d_real))
            + F.binary_cross_entropy(d_fake, torch.ones_like(d_fake)))
'''),
    mistake("d_fake_term_is_the_generators", mentions=("wrong_discriminator_loss", "-log D(G(z))"),
            discriminator_loss=_D + '''\
    eps = 1e-7
    return (-torch.log(d_real.clamp(min=eps)) - torch.log(d_fake.clamp(min=eps))).mean()
'''),
    mistake("d_mean_for_one_term_sum_for_the_other",
            mentions=("wrong_discriminator_loss", "weighs the real and the fake term differently"),
            discriminator_loss=_D + '''\
    eps = 1e-7
    return -torch.log(d_real.clamp(min=eps)).mean() - torch.log((1 - d_fake).clamp(min=eps)).sum()
'''),
    mistake("d_epsilon_too_large", mentions=("wrong_discriminator_loss",),
            discriminator_loss=_D + '''\
    return (-torch.log(d_real + 0.1) - torch.log(1 - d_fake + 0.1)).mean()
'''),
    mistake("d_returns_a_python_number", mentions=("returns_wrong_type",),
            discriminator_loss=_D + '''\
    eps = 1e-7
    loss = (-torch.log(d_real.clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).mean()
    return loss.item()
'''),
    mistake("d_logits_loss_on_probabilities", mentions=("sigmoid_applied_twice",),
            discriminator_loss=_D + '''\
    criterion = nn.BCEWithLogitsLoss()          # applies a sigmoid again: D already ends in one
    return criterion(d_real, torch.ones_like(d_real)) + criterion(d_fake, torch.zeros_like(d_fake))
'''),
    # ================================================================== generator_loss
    correct("g_bce_with_flipped_label", generator_loss=_G + '''\
    return F.binary_cross_entropy(d_fake, torch.ones_like(d_fake))
'''),
    correct("g_sum_with_epsilon", generator_loss=_G + '''\
    return -torch.log(d_fake + 1e-8).sum()
'''),
    correct("g_bceloss_sum_reduction", generator_loss=_G + '''\
    return nn.BCELoss(reduction="sum")(d_fake, torch.ones_like(d_fake))
'''),
    correct("g_clamp_both_sides", generator_loss=_G + '''\
    return -torch.mean(torch.log(torch.clamp(d_fake, 1e-7, 1.0)))
'''),
    mistake("g_minimax_loss", mentions=("saturating_generator_loss",),
            origin="https://github.com/llSourcell/Generative_Adversarial_networks_LIVE/issues/5",
            generator_loss=_G + '''\
    return torch.log((1 - d_fake).clamp(min=1e-7)).mean()
'''),
    mistake("g_sign_error", mentions=("wrong_generator_loss", "wrong sign"),
            origin="https://github.com/odegeasslbc/FastGAN-pytorch/issues/36",
            generator_loss=_G + '''\
    return torch.log(d_fake.clamp(min=1e-7)).mean()
'''),
    mistake("g_one_minus_log", mentions=("wrong_generator_loss", "constant added"),
            origin="https://github.com/blmoistawinde/ml_equations_latex/issues/4",
            generator_loss=_G + '''\
    return (1 - torch.log(d_fake.clamp(min=1e-7))).mean()
'''),
    mistake("g_log_without_a_guard", mentions=("not_finite_at_saturation",),
            generator_loss=_G + '''\
    return -torch.log(d_fake).mean()
'''),
    mistake("g_fake_label_kept_at_zero", mentions=("wrong_generator_loss", "get caught"),
            origin="https://github.com/openai/baselines/issues/453",
            generator_loss=_G + '''\
    return F.binary_cross_entropy(d_fake, torch.zeros_like(d_fake))
'''),
    mistake("g_returns_a_python_number", mentions=("returns_wrong_type",),
            generator_loss=_G + '''\
    return float(-torch.log(d_fake.clamp(min=1e-7)).mean())
'''),
    # ================================================================== margin_losses
    correct("m_clamp_and_sums", margin_losses=_M + '''\
    cost_loss = c_real.sum() + (margin - c_fake).clamp(min=0).sum()
    gen_loss = c_fake.sum()
    return cost_loss, gen_loss
'''),
    correct("m_functional_relu", margin_losses=_M + '''\
    hinge = F.relu(margin - c_fake)
    return torch.mean(c_real) + torch.mean(hinge), torch.mean(c_fake)
'''),
    correct("m_maximum_with_zeros", margin_losses=_M + '''\
    hinge = torch.maximum(torch.zeros_like(c_fake), margin - c_fake)
    return c_real.mean() + hinge.mean(), c_fake.mean()
'''),
    correct("m_where", margin_losses=_M + '''\
    hinge = torch.where(c_fake < margin, margin - c_fake, torch.zeros_like(c_fake))
    cost_loss = c_real.mean() + hinge.mean()
    return cost_loss, c_fake.mean()
'''),
    mistake("m_hinge_on_the_wrong_side", mentions=("wrong_cost_loss",),
            origin="https://github.com/L-YeZhu/D2M-GAN/issues/2",
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + torch.relu(c_fake - margin).mean()
    return cost_loss, c_fake.mean()
'''),
    mistake("m_hinge_left_out", mentions=("wrong_cost_loss",),
            origin="https://github.com/grey-eye/talking-heads/issues/13",
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + (margin - c_fake).mean()
    return cost_loss, c_fake.mean()
'''),
    mistake("m_python_max_on_a_tensor", mentions=("raised",),
            origin="https://github.com/grey-eye/talking-heads/issues/13",
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + max(0, margin - c_fake).mean()
    return cost_loss, c_fake.mean()
'''),
    mistake("m_margin_hard_coded", mentions=("margin_ignored",),
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + torch.relu(1.0 - c_fake).mean()
    return cost_loss, c_fake.mean()
'''),
    mistake("m_generator_maximises_the_cost", mentions=("wrong_generator_loss", "wrong sign"),
            origin="https://github.com/zurutech/ashpy/issues/23",
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + torch.relu(margin - c_fake).mean()
    return cost_loss, -c_fake.mean()
'''),
    mistake("m_pair_in_the_wrong_order", mentions=("wrong_cost_loss", "wrong_generator_loss"),
            margin_losses=_M + '''\
    cost_loss = c_real.mean() + torch.relu(margin - c_fake).mean()
    gen_loss = c_fake.mean()
    return gen_loss, cost_loss
'''),
    # passes on the six visible scores only if the visible check tried one batch size
    mistake("d_fixed_batch_size", mentions=("raised", "any batch size"), discriminator_loss=_D + '''\
    targets = torch.ones(6, 1)
    real_loss = F.binary_cross_entropy(d_real, targets)
    fake_loss = F.binary_cross_entropy(d_fake, 1 - targets)
    return real_loss + fake_loss
'''),
    # ------------------------------------------------------------------ issue 21: every reasonable guard
    correct("d_additive_epsilon_1e4_mean", discriminator_loss=_D + '''\
    return -(torch.log(d_real + 1e-4) + torch.log(1 - d_fake + 1e-4)).mean()
'''),
    correct("d_additive_epsilon_1e3_each_term", discriminator_loss=_D + '''\
    eps = 1e-3
    return -torch.log(d_real + eps).mean() - torch.log(1 - d_fake + eps).mean()
'''),
    correct("d_log1p_with_clamps", discriminator_loss=_D + '''\
    eps = 1e-6
    return -(torch.log(torch.clamp(d_real, min=eps)) + torch.log1p(-torch.clamp(d_fake, max=1 - eps))).mean()
'''),
    correct("d_torch_clamp_both_sides_1e5", discriminator_loss=_D + '''\
    real = torch.clamp(d_real, 1e-5, 1.0)
    fake = torch.clamp(1 - d_fake, 1e-5, 1.0)
    return torch.mean(-torch.log(real) - torch.log(fake))
'''),
    correct("g_additive_epsilon_1e4", generator_loss=_G + '''\
    return -torch.log(d_fake + 1e-4).mean()
'''),
    mistake("d_bce_module_called_with_two_tensors", mentions=("raised", "nn.BCELoss()("),
            discriminator_loss=_D + '''\
    return nn.BCELoss(d_real, torch.ones_like(d_real)) + nn.BCELoss(d_fake, torch.zeros_like(d_fake))
'''),
    mistake("d_torch_max_with_a_number", mentions=("raised", "clamp(min="),
            discriminator_loss=_D + '''\
    eps = 1e-7
    return -(torch.log(torch.max(d_real, eps)) + torch.log(torch.max(1 - d_fake, eps))).mean()
'''),
    mistake("d_clamp_after_the_log", mentions=("not_finite_at_saturation",),
            discriminator_loss=_D + '''\
    return -(torch.log(d_real).clamp(min=-100) + torch.log(1 - d_fake).clamp(min=-100)).mean()
'''),
    # ------------------------------------------------------------------ issue 24: from tests/test_checks_losses.py
    correct("d_two_clamped_means", discriminator_loss=_D + '''\
    return -torch.log(d_real.clamp(1e-7, 1)).mean() - torch.log((1 - d_fake).clamp(1e-7, 1)).mean()
'''),
    correct("d_clamped_sum", discriminator_loss=_D + '''\
    eps = 1e-7
    return (-torch.log(d_real.clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).sum()
'''),
    correct("d_bce_sums", discriminator_loss=_D + '''\
    return (F.binary_cross_entropy(d_real, torch.ones_like(d_real), reduction="sum")
            + F.binary_cross_entropy(d_fake, torch.zeros_like(d_fake), reduction="sum"))
'''),
    correct("d_additive_epsilon_1e8_mean", discriminator_loss=_D + '''\
    return -(torch.log(d_real + 1e-8) + torch.log(1 - d_fake + 1e-8)).mean()
'''),
    mistake("d_fake_term_left_out", mentions=("wrong_discriminator_loss",), discriminator_loss=_D + '''\
    return -torch.log(d_real.clamp(min=1e-7)).mean()
'''),
    mistake("d_least_squares", mentions=("wrong_discriminator_loss",), discriminator_loss=_D + '''\
    return ((d_real - 1) ** 2).mean() + (d_fake ** 2).mean()
'''),
    mistake("d_no_logs", mentions=("wrong_discriminator_loss",), discriminator_loss=_D + '''\
    return (1 - d_real).mean() + d_fake.mean()
'''),
    mistake("d_constant_added", mentions=("wrong_discriminator_loss",), discriminator_loss=_D + '''\
    eps = 1e-7
    return 1 + (-torch.log(d_real.clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).mean()
'''),
    mistake("d_not_averaged", mentions=("not_scalar",), discriminator_loss=_D + '''\
    eps = 1e-7
    return -torch.log(d_real.clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))
'''),
    mistake("d_detached", mentions=("not_differentiable",), discriminator_loss=_D + '''\
    eps = 1e-7
    return (-torch.log(d_real.clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).mean().detach()
'''),
    mistake("d_through_numpy", mentions=("returns_wrong_type",), discriminator_loss=_D + '''\
    import numpy as np
    return float(np.mean(-np.log(d_real.detach().numpy()) - np.log(1 - d_fake.detach().numpy())))
'''),
    mistake("d_two_values", mentions=("returns_wrong_type",), discriminator_loss=_D + '''\
    return -torch.log(d_real).mean(), -torch.log(1 - d_fake).mean()
'''),
    mistake("d_not_written", mentions=("not_implemented",), discriminator_loss=_D + '''\
    raise NotImplementedError()
'''),
    correct("g_additive_epsilon_1e8_mean", generator_loss=_G + '''\
    return -torch.log(d_fake + 1e-8).mean()
'''),
    mistake("g_discriminators_fake_term", mentions=("wrong_generator_loss",), generator_loss=_G + '''\
    return -torch.log((1 - d_fake).clamp(min=1e-7)).mean()
'''),
    mistake("g_no_log", mentions=("wrong_generator_loss",), generator_loss=_G + '''\
    return (1 - d_fake).mean()
'''),
    mistake("g_log_of_the_mean", mentions=("wrong_generator_loss",), generator_loss=_G + '''\
    return -torch.log(d_fake.mean())
'''),
    mistake("g_least_squares", mentions=("wrong_generator_loss",), generator_loss=_G + '''\
    return ((d_fake - 1) ** 2).mean()
'''),
    mistake("g_not_averaged", mentions=("not_scalar",), generator_loss=_G + '''\
    return -torch.log(d_fake.clamp(min=1e-7))
'''),
    mistake("g_returns_item", mentions=("returns_wrong_type",), generator_loss=_G + '''\
    return (-torch.log(d_fake.clamp(min=1e-7)).mean()).item()
'''),
    mistake("g_new_tensor_from_the_value", mentions=("not_differentiable",), generator_loss=_G + '''\
    return torch.tensor(-torch.log(d_fake.clamp(min=1e-7)).mean().item())
'''),
    mistake("g_not_written", mentions=("not_implemented",), generator_loss=_G + '''\
    raise NotImplementedError()
'''),
    mistake("g_logits_loss_on_probabilities", mentions=("sigmoid_applied_twice",), generator_loss=_G + '''\
    return nn.BCEWithLogitsLoss()(d_fake, torch.ones_like(d_fake))
'''),
    correct("m_clamp_and_means", margin_losses=_M + '''\
    return c_real.mean() + (margin - c_fake).clamp(min=0).mean(), c_fake.mean()
'''),
    correct("m_relu_and_sums", margin_losses=_M + '''\
    return c_real.sum() + F.relu(margin - c_fake).sum(), c_fake.sum()
'''),
    mistake("m_real_term_left_out", mentions=("wrong_cost_loss",), margin_losses=_M + '''\
    return 0 * c_real.sum() + torch.relu(margin - c_fake).mean(), c_fake.mean()
'''),
    mistake("m_real_term_sign", mentions=("wrong_cost_loss",), margin_losses=_M + '''\
    return -c_real.mean() + torch.relu(margin - c_fake).mean(), c_fake.mean()
'''),
    mistake("m_generator_hinge", mentions=("wrong_generator_loss",), margin_losses=_M + '''\
    return c_real.mean() + torch.relu(margin - c_fake).mean(), torch.relu(1.0 - c_fake).mean()
'''),
    mistake("m_generator_uses_real_costs", mentions=("wrong_generator_loss",), margin_losses=_M + '''\
    return c_real.mean() + torch.relu(margin - c_fake).mean(), c_real.mean()
'''),
    mistake("m_one_value", mentions=("returns_wrong_type",), margin_losses=_M + '''\
    return c_real.mean() + torch.relu(margin - c_fake).mean() + c_fake.mean()
'''),
    mistake("m_not_averaged", mentions=("not_scalar",), margin_losses=_M + '''\
    return c_real + torch.relu(margin - c_fake), c_fake.mean()
'''),
    mistake("m_not_written", mentions=("not_implemented",), margin_losses=_M + '''\
    raise NotImplementedError()
'''),
    mistake("m_hinge_after_the_mean", mentions=("wrong_cost_loss",), margin_losses=_M + '''\
    return c_real.mean() + torch.relu(margin - c_fake.mean()), c_fake.mean()
'''),
    mistake("m_fake_term_detached", mentions=("wrong_cost_loss",), margin_losses=_M + '''\
    return c_real.mean() + torch.relu(margin - c_fake.detach()).mean(), c_fake.mean()
'''),
    mistake("m_real_term_detached", mentions=("wrong_cost_loss",), margin_losses=_M + '''\
    return c_real.detach().mean() + torch.relu(margin - c_fake).mean(), c_fake.mean()
'''),
]

# The cases of the grading issue that only the real pipeline can show: a halved loss (another
# course's convention) earns full marks; a loss written for one batch size fails where it is seen.
THROUGH_NBGRADER = ["d_halved_bce_as_in_course_notebooks", "d_fixed_batch_size",
                    "d_additive_epsilon_1e4_mean", "d_clamp_after_the_log"]

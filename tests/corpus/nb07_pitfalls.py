"""Notebook 07 (pitfalls): student answers to the xy-game updates, the critic loss and the gradient penalty."""
from __future__ import annotations

from . import correct, mistake

ASSIGNMENT = "07_pitfalls"
EXERCISES = {
    "simultaneous_step": ("test_simultaneous_step",),
    "alternating_step": ("test_alternating_step",),
    "critic_loss": ("test_critic_loss",),
    "gradient_penalty": ("test_gradient_penalty",),
}

_SIM = '''def simultaneous_step(x, y, lr):
    """One simultaneous step on f(x, y) = x*y: x descends, y ascends, both from the OLD point.

    Args: x, y: floats, the current point; lr: the step size.
    Returns: (x_new, y_new).
    """
'''
_ALT = '''def alternating_step(x, y, lr):
    """One alternating step on f(x, y) = x*y: x moves first, then y answers the NEW x.

    Args: x, y: floats, the current point; lr: the step size.
    Returns: (x_new, y_new).
    """
'''
_CRITIC = '''def critic_loss(critic_real, critic_fake):
    """Wasserstein critic loss: mean C(G(z)) - mean C(x).

    Args: critic_real: (B_r, 1) scores of real samples; critic_fake: (B_f, 1) scores of fakes.
    Returns: a 0-d tensor (it must stay differentiable).
    """
'''
_GP = '''def gradient_penalty(critic, real, fake):
    """WGAN-GP penalty: mean over random interpolates x_hat of (||grad C(x_hat)||_2 - 1)^2.

    Args: critic: a module (B, ...) -> (B, 1); real, fake: tensors of the same shape (B, ...).
    Returns: a 0-d tensor that keeps the graph (create_graph=True).
    """
'''

SUBMISSIONS = [
    # ------------------------------------------------------------------ simultaneous step
    correct("sim_tuple_update", simultaneous_step=_SIM + '''    x, y = x - lr * y, y + lr * x  # the right-hand side uses the old x and y
    return x, y
'''),
    correct("sim_gradients_named", simultaneous_step=_SIM + '''    grad_x = y   # df/dx
    grad_y = x   # df/dy
    return x - lr * grad_x, y + lr * grad_y
'''),
    correct("sim_complex_rotation", simultaneous_step=_SIM + '''    z = complex(x, y) * complex(1, lr)  # a rotation and a stretch by sqrt(1 + lr^2)
    return z.real, z.imag
'''),
    mistake("sim_uses_new_x", mentions=("uses_new_x",),  # updates x in place, then y sees the new x
            simultaneous_step=_SIM + '''    x = x - lr * y
    y = y + lr * x
    return x, y
'''),
    mistake("sim_x_ascends", mentions=("x_ascends",),
            simultaneous_step=_SIM + '''    return x + lr * y, y + lr * x
'''),
    mistake("sim_y_descends", mentions=("y_descends",),
            simultaneous_step=_SIM + '''    return x - lr * y, y - lr * x
'''),
    mistake("sim_own_gradient", mentions=("wrong_gradient",),  # each player follows its own coordinate
            simultaneous_step=_SIM + '''    return x - lr * x, y + lr * y
'''),
    mistake("sim_returns_swapped", mentions=("outputs_swapped",),
            simultaneous_step=_SIM + '''    return y + lr * x, x - lr * y
'''),
    # ------------------------------------------------------------------ alternating step
    correct("alt_two_lines", alternating_step=_ALT + '''    x = x - lr * y
    y = y + lr * x   # x is already the new x
    return x, y
'''),
    correct("alt_via_simultaneous_pieces", alternating_step=_ALT + '''    def x_move(x, y):
        return x - lr * y

    def y_move(x, y):
        return y + lr * x

    x_new = x_move(x, y)
    return x_new, y_move(x_new, y)
'''),
    correct("alt_expanded", alternating_step=_ALT + '''    # substitute x_new = x - lr*y into y + lr*x_new
    return x - lr * y, y + lr * x - lr * lr * y
'''),
    mistake("alt_uses_old_x", mentions=("not_alternating",),  # this is the simultaneous step
            alternating_step=_ALT + '''    return x - lr * y, y + lr * x
'''),
    mistake("alt_y_first", mentions=("y_first",),
            alternating_step=_ALT + '''    y_new = y + lr * x
    x_new = x - lr * y_new
    return x_new, y_new
'''),
    mistake("alt_wrong_sign", mentions=("x_ascends",),
            alternating_step=_ALT + '''    x_new = x + lr * y
    return x_new, y + lr * x_new
'''),
    mistake("alt_both_descend", mentions=("y_descends",),
            alternating_step=_ALT + '''    x_new = x - lr * y
    return x_new, y - lr * x_new
'''),
    mistake("alt_returns_only_x", mentions=("returns_wrong_type",),
            alternating_step=_ALT + '''    x_new = x - lr * y
    y_new = y + lr * x_new
    return x_new
'''),
    # ------------------------------------------------------------------ critic loss
    correct("critic_torch_mean", critic_loss=_CRITIC + '''    return torch.mean(critic_fake) - torch.mean(critic_real)
'''),
    correct("critic_sum_over_len", critic_loss=_CRITIC + '''    return critic_fake.sum() / critic_fake.shape[0] - critic_real.sum() / critic_real.shape[0]
'''),
    correct("critic_negative_gap", critic_loss=_CRITIC + '''    wasserstein_estimate = critic_real.mean() - critic_fake.mean()
    return -wasserstein_estimate
'''),
    mistake("critic_sign_flipped", mentions=("sign_flipped",),
            origin="https://github.com/eriklindernoren/PyTorch-GAN/issues/17",
            critic_loss=_CRITIC + '''    return critic_real.mean() - critic_fake.mean()
'''),
    mistake("critic_with_log", mentions=("not_finite",),  # logs of raw scores: NaN for negative scores
            origin="https://github.com/marian42/shapegan/issues/2",
            critic_loss=_CRITIC + '''    return torch.mean(-torch.log(critic_real)) - torch.mean(-torch.log(critic_fake))
'''),
    mistake("critic_bce_classifier", mentions=("classifier_loss",),
            origin="https://github.com/keras-team/keras-contrib/issues/280",
            critic_loss=_CRITIC + '''    bce = torch.nn.BCEWithLogitsLoss()
    return bce(critic_real, torch.ones_like(critic_real)) + bce(critic_fake, torch.zeros_like(critic_fake))
'''),
    mistake("critic_sigmoid_scores", mentions=("uses_sigmoid",),
            origin="https://github.com/martinarjovsky/WassersteinGAN/issues/72",
            critic_loss=_CRITIC + '''    return torch.sigmoid(critic_fake).mean() - torch.sigmoid(critic_real).mean()
'''),
    mistake("critic_elementwise", mentions=("needs_equal_batches",),  # pairs real and fake sample by sample
            critic_loss=_CRITIC + '''    return (critic_fake - critic_real).mean()
'''),
    mistake("critic_item", mentions=("returns_wrong_type",),  # a Python float: nothing to backpropagate
            critic_loss=_CRITIC + '''    return critic_fake.mean().item() - critic_real.mean().item()
'''),
    mistake("critic_sum", mentions=("sum_not_mean",),
            critic_loss=_CRITIC + '''    return critic_fake.sum() - critic_real.sum()
'''),
    # ------------------------------------------------------------------ gradient penalty
    correct("gp_grad_outputs_ones", origin="https://github.com/caogang/wgan-gp/blob/master/gan_toy.py",
            gradient_penalty=_GP + '''    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device)
    interpolates = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    scores = critic(interpolates)
    gradients = torch.autograd.grad(outputs=scores, inputs=interpolates, grad_outputs=torch.ones_like(scores),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()
'''),
    correct("gp_sqrt_of_squares", gradient_penalty=_GP + '''    batch = real.shape[0]
    eps = torch.rand([batch] + [1] * (real.dim() - 1)).to(real)
    x_hat = eps * real.detach() + (1 - eps) * fake.detach()
    x_hat.requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    slopes = torch.sqrt((grad ** 2).reshape(batch, -1).sum(dim=1))
    return torch.mean((slopes - 1) ** 2)
'''),
    correct("gp_lerp_vector_norm", gradient_penalty=_GP + '''    weight = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), dtype=real.dtype, device=real.device)
    x_hat = torch.lerp(fake.detach(), real.detach(), weight).requires_grad_()
    grads = torch.autograd.grad(critic(x_hat), x_hat, torch.ones(real.shape[0], 1, dtype=real.dtype,
                                                                 device=real.device), create_graph=True)[0]
    norms = torch.linalg.vector_norm(grads.flatten(start_dim=1), dim=1)
    return (norms - 1).pow(2).mean()
'''),
    mistake("gp_no_create_graph", mentions=("no_create_graph",),
            origin="https://github.com/caogang/wgan-gp/issues/4",
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_norm_over_whole_batch", mentions=("norm_over_batch",),
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grads.norm(2) - 1) ** 2
'''),
    mistake("gp_one_eps_for_batch", mentions=("one_eps_for_batch",),
            gradient_penalty=_GP + '''    eps = torch.rand(1).item()
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_norm_dim1_on_images", mentions=("norm_not_per_sample",),
            origin="https://github.com/caogang/wgan-gp/issues/27",
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_eps_per_feature", mentions=("eps_per_feature",),
            gradient_penalty=_GP + '''    eps = torch.rand_like(real)
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_grad_of_mean", mentions=("grad_of_mean",),
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).mean(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_at_real_points", mentions=("real_only",),
            gradient_penalty=_GP + '''    x_hat = real.detach().clone().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    # ------------------------------------------------------------------ issue 21: autograd in float32, messages
    correct("sim_autograd_float32", simultaneous_step=_SIM + '''    px = torch.tensor(x, requires_grad=True)  # float32, torch's default
    py = torch.tensor(y, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px - lr * gx).item(), (py + lr * gy).item()
'''),
    correct("sim_autograd_float64", simultaneous_step=_SIM + '''    px = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    py = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px - lr * gx).item(), (py + lr * gy).item()
'''),
    mistake("sim_autograd_float32_signs_swapped", mentions=("sign_flipped",),
            simultaneous_step=_SIM + '''    px = torch.tensor(x, requires_grad=True)
    py = torch.tensor(y, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px + lr * gx).item(), (py - lr * gy).item()
'''),
    correct("alt_autograd_float32", alternating_step=_ALT + '''    px = torch.tensor(x, requires_grad=True)
    (gx,) = torch.autograd.grad(px * torch.tensor(y), px)
    x_new = (px - lr * gx).detach()
    py = torch.tensor(y, requires_grad=True)
    (gy,) = torch.autograd.grad(x_new * py, py)
    return x_new.item(), (py + lr * gy).item()
'''),
    mistake("alt_autograd_float32_old_x", mentions=("not_alternating",),  # y's gradient taken at the old x
            alternating_step=_ALT + '''    px = torch.tensor(x, requires_grad=True)
    py = torch.tensor(y, requires_grad=True)
    gx, gy = torch.autograd.grad(px * py, (px, py))
    return (px - lr * gx).item(), (py + lr * gy).item()
'''),
    mistake("critic_clamped_scores", mentions=("clamped_scores",),  # weight clipping's range applied to the scores
            critic_loss=_CRITIC + '''    return critic_fake.clamp(-1, 1).mean() - critic_real.clamp(-1, 1).mean()
'''),
    mistake("gp_no_requires_grad", mentions=("interpolates_without_grad",),
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x_hat = eps * real.detach() + (1 - eps) * fake.detach()
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_eps_shape_batch_only", mentions=("eps_shape",),  # one eps per sample, but shaped (B,): no broadcast
            gradient_penalty=_GP + '''    eps = torch.rand(real.shape[0])
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
'''),
    # ------------------------------------------------------------------ issue 24: from tests/test_checks_wasserstein.py
    correct("critic_flattened", critic_loss=_CRITIC + '''\
    return critic_fake.view(-1).mean() - critic_real.view(-1).mean()
'''),
    mistake("critic_not_written", mentions=("not_implemented",), codes=("not_implemented",), critic_loss=_CRITIC + '''\
    raise NotImplementedError()
'''),
    mistake("critic_name_typo", mentions=("raised",), codes=("raised",), critic_loss=_CRITIC + '''\
    return critic_fake.mean() - critic_reel.mean()
'''),
    mistake("critic_generator_loss", mentions=("generator_loss",), codes=("generator_loss",), critic_loss=_CRITIC + '''\
    return -critic_fake.mean()
'''),
    mistake("critic_real_term_left_out", mentions=("missing_real_term",), codes=("missing_real_term",), critic_loss=_CRITIC + '''\
    return critic_fake.mean()
'''),
    mistake("critic_fake_term_left_out", mentions=("missing_fake_term",), codes=("missing_fake_term",), critic_loss=_CRITIC + '''\
    return -critic_real.mean()
'''),
    mistake("critic_softplus_classifier", mentions=("classifier_loss",), codes=("classifier_loss",), critic_loss=_CRITIC + '''\
    import torch.nn.functional as F
    return F.softplus(-critic_real).mean() + F.softplus(critic_fake).mean()
'''),
    mistake("critic_gap_squared", mentions=("squared",), codes=("squared",), critic_loss=_CRITIC + '''\
    return (critic_fake.mean() - critic_real.mean()) ** 2
'''),
    mistake("critic_squared_scores", mentions=("squared_scores",), codes=("squared_scores",), critic_loss=_CRITIC + '''\
    return (critic_fake ** 2).mean() - (critic_real ** 2).mean()
'''),
    mistake("critic_abs_gap", mentions=("abs",), codes=("abs",), critic_loss=_CRITIC + '''\
    return (critic_fake.mean() - critic_real.mean()).abs()
'''),
    mistake("critic_halved", mentions=("wrong_value",), codes=("wrong_value",), critic_loss=_CRITIC + '''\
    return 0.5 * (critic_fake.mean() - critic_real.mean())
'''),
    mistake("critic_scores_clamped_above", mentions=("clamped_scores",), codes=("clamped_scores",), critic_loss=_CRITIC + '''\
    return critic_fake.clamp(max=0.5).mean() - critic_real.clamp(max=0.5).mean()
'''),
    mistake("critic_scores_clipped_like_weights", mentions=("clamped_scores",), codes=("clamped_scores",), critic_loss=_CRITIC + '''\
    return torch.clip(critic_fake, -0.01, 0.01).mean() - torch.clip(critic_real, -0.01, 0.01).mean()
'''),
    mistake("critic_returns_two_means", mentions=("returns_wrong_type",), codes=("returns_wrong_type",), critic_loss=_CRITIC + '''\
    return critic_fake.mean(), critic_real.mean()
'''),
    mistake("critic_per_sample", mentions=("not_scalar",), codes=("not_scalar",), critic_loss=_CRITIC + '''\
    return critic_fake - critic_real.mean()
'''),
    mistake("critic_fake_detached", mentions=("not_differentiable",), codes=("not_differentiable",), critic_loss=_CRITIC + '''\
    return critic_fake.detach().mean() - critic_real.mean()
'''),
    mistake("critic_under_no_grad", mentions=("not_differentiable",), codes=("not_differentiable",), critic_loss=_CRITIC + '''\
    with torch.no_grad():
        return critic_fake.mean() - critic_real.mean()
'''),
    mistake("critic_through_numpy", mentions=("not_differentiable",), codes=("not_differentiable",), critic_loss=_CRITIC + '''\
    return torch.tensor(critic_fake.detach().numpy().mean() - critic_real.detach().numpy().mean())
'''),
    correct("gp_lerp_sqrt_of_squares", gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)
    x_hat = torch.lerp(fake, real, eps).detach().requires_grad_()
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = torch.sqrt((grads.flatten(1) ** 2).sum(dim=1) + 1e-12)
    return torch.mean((norms - 1) ** 2)
'''),
    correct("gp_eps_weights_the_fakes", gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * fake + (1 - eps) * real).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (norms - 1).pow(2).mean()
'''),
    mistake("gp_not_written", mentions=("not_implemented",), codes=("not_implemented",), gradient_penalty=_GP + '''\
    raise NotImplementedError()
'''),
    mistake("gp_critic_never_called", mentions=("critic_not_called",), codes=("critic_not_called",), gradient_penalty=_GP + '''\
    return torch.zeros((), requires_grad=True)
'''),
    mistake("gp_first_interpolate_only", mentions=("wrong_input",), codes=("wrong_input",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake)[:1].detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_eps_one_half", mentions=("one_eps_for_batch",), codes=("one_eps_for_batch",), gradient_penalty=_GP + '''\
    eps = torch.full((real.shape[0],) + (1,) * (real.dim() - 1), 0.5)
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_eps_normal", mentions=("eps_not_uniform",), codes=("eps_not_uniform",), gradient_penalty=_GP + '''\
    eps = torch.randn((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_eps_squeezed_to_the_middle", mentions=("eps_not_uniform",), codes=("eps_not_uniform",), gradient_penalty=_GP + '''\
    eps = 0.4 + 0.2 * torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_at_fake_points", mentions=("fake_only",), codes=("fake_only",), gradient_penalty=_GP + '''\
    x_hat = fake.clone().detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_at_real_plus_fake", mentions=("not_interpolated",), codes=("not_interpolated",), gradient_penalty=_GP + '''\
    x_hat = (real + fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_square_left_out", mentions=("missing_square",), codes=("missing_square",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (norms - 1).mean()
'''),
    mistake("gp_abs_not_square", mentions=("abs_not_square",), codes=("abs_not_square",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (norms - 1).abs().mean()
'''),
    mistake("gp_one_left_out", mentions=("missing_one",), codes=("missing_one",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (norms ** 2).mean()
'''),
    mistake("gp_just_the_norm", mentions=("missing_one_no_square",), codes=("missing_one_no_square",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return norms.mean()
'''),
    mistake("gp_squared_norm", mentions=("squared_norm",), codes=("squared_norm",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = (grads.flatten(1) ** 2).sum(dim=1)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_sum_over_batch", mentions=("sum_not_mean",), codes=("sum_not_mean",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).sum()
'''),
    mistake("gp_norm_over_dim0", mentions=("norm_wrong_dim",), codes=("norm_wrong_dim",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.norm(2, dim=0)
    return ((norms - 1) ** 2).mean()
'''),
    mistake("gp_one_sided", mentions=("one_sided",), codes=("one_sided",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (torch.relu(norms - 1) ** 2).mean()
'''),
    mistake("gp_per_sample", mentions=("not_scalar",), codes=("not_scalar",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return (norms - 1) ** 2
'''),
    mistake("gp_returns_item", mentions=("returns_wrong_type",), codes=("returns_wrong_type",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean().item()
'''),
    mistake("gp_penalty_detached", mentions=("no_create_graph",), codes=("no_create_graph",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).detach().mean()
'''),
    mistake("gp_backward_then_grad_attribute", mentions=("no_create_graph",), codes=("no_create_graph",), gradient_penalty=_GP + '''\
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    critic(x_hat).sum().backward()
    return ((x_hat.grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
'''),
    mistake("gp_eps_shaped_for_points", mentions=("eps_shape",), codes=("eps_shape",), gradient_penalty=_GP + '''\
    eps = torch.rand(real.shape[0], 1)            # (B, 1): right for points, not for images
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
'''),
]

# Issue 21: updates written with torch.autograd.grad in float32, through real nbgrader (one mix each).
THROUGH_NBGRADER = ["sim_autograd_float32", "alt_autograd_float32", "critic_clamped_scores", "gp_eps_shape_batch_only"]

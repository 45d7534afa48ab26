"""Catalogs of correct and buggy critic losses and gradient penalties, with the codes the checks must give."""
import pytest
import torch
import torch.nn.functional as F

from aml_gan import losses as package_losses
from student_copies import student_module

losses = student_module(package_losses)  # the package's answers as a student's own code
from aml_gan.checks import check_critic_loss, check_gradient_penalty

# ------------------------------------------------------------------------------------------ critic loss


def cl_reference(critic_real, critic_fake):
    return losses.critic_loss(critic_real, critic_fake)


def cl_negated_gap(critic_real, critic_fake):
    return -(critic_real.mean() - critic_fake.mean())


def cl_torch_mean(critic_real, critic_fake):
    return torch.mean(critic_fake) - torch.mean(critic_real)


def cl_flattened(critic_real, critic_fake):
    return critic_fake.view(-1).mean() - critic_real.view(-1).mean()


def cl_sum_over_len(critic_real, critic_fake):
    return critic_fake.sum() / len(critic_fake) - critic_real.sum() / len(critic_real)


def cl_stub(critic_real, critic_fake):
    raise NotImplementedError()


def cl_elementwise(critic_real, critic_fake):
    return (critic_fake - critic_real).mean()


def cl_item(critic_real, critic_fake):
    return (critic_fake.mean() - critic_real.mean()).item()


def cl_detached(critic_real, critic_fake):
    return critic_fake.detach().mean() - critic_real.mean()


def cl_no_grad(critic_real, critic_fake):
    with torch.no_grad():
        return critic_fake.mean() - critic_real.mean()


def cl_numpy(critic_real, critic_fake):
    return torch.tensor(critic_fake.detach().numpy().mean() - critic_real.detach().numpy().mean())


def cl_per_sample(critic_real, critic_fake):
    return critic_fake - critic_real.mean()


def cl_returns_tuple(critic_real, critic_fake):
    return critic_fake.mean(), critic_real.mean()


def cl_typo(critic_real, critic_fake):
    return critic_fake.mean() - critic_reel.mean()  # noqa: F821 (a NameError on purpose)


def cl_log(critic_real, critic_fake):
    return torch.log(critic_fake).mean() - torch.log(critic_real).mean()


def cl_half(critic_real, critic_fake):
    return 0.5 * (critic_fake.mean() - critic_real.mean())


CRITIC_CATALOG = [
    (cl_reference, []),
    (cl_negated_gap, []),
    (cl_torch_mean, []),
    (cl_flattened, []),
    (cl_sum_over_len, []),
    (cl_stub, ["not_implemented"]),
    (cl_typo, ["raised"]),
    (cl_elementwise, ["needs_equal_batches"]),
    (lambda r, f: r.mean() - f.mean(), ["sign_flipped"]),
    (lambda r, f: f.sum() - r.sum(), ["sum_not_mean"]),
    (lambda r, f: -f.mean(), ["generator_loss"]),
    (lambda r, f: f.mean(), ["missing_real_term"]),
    (lambda r, f: -r.mean(), ["missing_fake_term"]),
    (lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), ["uses_sigmoid"]),
    (lambda r, f: losses.discriminator_loss_from_logits(r, f), ["classifier_loss"]),
    (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), ["classifier_loss"]),
    (lambda r, f: (f.mean() - r.mean()) ** 2, ["squared"]),
    (lambda r, f: (f**2).mean() - (r**2).mean(), ["squared_scores"]),
    (lambda r, f: (f.mean() - r.mean()).abs(), ["abs"]),
    (cl_half, ["wrong_value"]),
    (lambda r, f: f.clamp(-1, 1).mean() - r.clamp(-1, 1).mean(), ["clamped_scores"]),
    (lambda r, f: f.clamp(max=0.5).mean() - r.clamp(max=0.5).mean(), ["clamped_scores"]),
    (lambda r, f: torch.clip(f, -0.01, 0.01).mean() - torch.clip(r, -0.01, 0.01).mean(), ["clamped_scores"]),
    (cl_item, ["returns_wrong_type"]),
    (cl_returns_tuple, ["returns_wrong_type"]),
    (cl_per_sample, ["not_scalar"]),
    (cl_log, ["not_finite"]),
    (cl_detached, ["not_differentiable"]),
    (cl_no_grad, ["not_differentiable"]),
    (cl_numpy, ["not_differentiable"]),
]


@pytest.mark.parametrize("fn, codes", CRITIC_CATALOG)
def test_critic_loss_catalog(fn, codes):
    report = check_critic_loss(fn)
    assert report.codes == codes, str(report)
    for p in report.problems:
        assert 40 < len(p.message) < 500 and "Traceback" not in p.message


def test_critic_loss_check_rejects_non_callable():
    report = check_critic_loss(3)
    assert report.codes == ["not_callable"] and "your function" in str(report), str(report)


def test_critic_loss_check_keeps_global_rng():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check_critic_loss(cl_reference)
    assert torch.equal(torch.rand(3), expected)


# ------------------------------------------------------------------------------------- gradient penalty


def _eps(real):
    return torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)


def _grads(critic, x_hat, *, create_graph=True, reduce="sum"):
    scores = critic(x_hat)
    if reduce == "sum":
        (g,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=create_graph)
    elif reduce == "ones":
        (g,) = torch.autograd.grad(scores, x_hat, grad_outputs=torch.ones_like(scores), create_graph=create_graph)
    else:
        (g,) = torch.autograd.grad(scores.mean(), x_hat, create_graph=create_graph)
    return g


def gp_reference(critic, real, fake):
    return losses.gradient_penalty(critic, real, fake)


def gp_grad_outputs(critic, real, fake):
    eps = _eps(real)
    x_hat = eps * real + (1 - eps) * fake
    x_hat.requires_grad_(True)
    g = _grads(critic, x_hat, reduce="ones")
    return ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()


def gp_lerp_sqrt(critic, real, fake):
    eps = _eps(real)
    x_hat = torch.lerp(fake, real, eps).detach().requires_grad_()
    g = _grads(critic, x_hat)
    norms = torch.sqrt((g.flatten(1) ** 2).sum(dim=1) + 1e-12)
    return torch.mean((norms - 1) ** 2)


def gp_eps_on_fake(critic, real, fake):  # eps weights the fake side: still U(0, 1) per sample
    eps = _eps(real)
    x_hat = (eps * fake + (1 - eps) * real).requires_grad_(True)
    g = _grads(critic, x_hat)
    return (g.flatten(1).norm(dim=1) - 1).pow(2).mean()


def make_gp(*, eps="sample", point="interp", create_graph=True, reduce="sum", norm="flat", penalty="two_sided",
            batch_reduce="mean"):
    """Build a gradient penalty with one mistake switched on."""

    def fn(critic, real, fake):
        if eps == "sample":
            e = _eps(real)
        elif eps == "batch":
            e = torch.rand(1)
        elif eps == "feature":
            e = torch.rand_like(real)
        elif eps == "normal":
            e = torch.randn((real.shape[0],) + (1,) * (real.dim() - 1))
        elif eps == "half":
            e = torch.full((real.shape[0],) + (1,) * (real.dim() - 1), 0.5)
        elif eps == "beta":  # squeezed towards 0.5
            e = 0.4 + 0.2 * _eps(real)
        if point == "interp":
            x_hat = e * real + (1 - e) * fake
        elif point == "real":
            x_hat = real.clone()
        elif point == "fake":
            x_hat = fake.clone()
        elif point == "sum":
            x_hat = real + fake
        elif point == "first":
            x_hat = (e * real + (1 - e) * fake)[:1]
        x_hat = x_hat.detach().requires_grad_(True)
        g = _grads(critic, x_hat, create_graph=create_graph, reduce=reduce)
        if norm == "flat":
            n = g.flatten(1).norm(2, dim=1)
        elif norm == "dim1":
            n = g.norm(2, dim=1)
        elif norm == "dim0":
            n = g.norm(2, dim=0)
        elif norm == "batch":
            n = g.norm()
        elif norm == "squared":
            n = (g.flatten(1) ** 2).sum(dim=1)
        if penalty == "two_sided":
            per = (n - 1) ** 2
        elif penalty == "no_square":
            per = n - 1
        elif penalty == "abs":
            per = (n - 1).abs()
        elif penalty == "no_one":
            per = n**2
        elif penalty == "norm":
            per = n
        elif penalty == "one_sided":
            per = F.relu(n - 1) ** 2
        elif penalty == "detached":
            per = ((n - 1) ** 2).detach()
        if batch_reduce == "mean":
            return per.mean()
        if batch_reduce == "sum":
            return per.sum()
        if batch_reduce == "none":
            return per
        if batch_reduce == "item":
            return per.mean().item()

    return fn


def gp_stub(critic, real, fake):
    raise NotImplementedError()


def gp_uses_grad_attr(critic, real, fake):  # .backward() then x_hat.grad: no create_graph possible
    eps = _eps(real)
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    critic(x_hat).sum().backward()
    return ((x_hat.grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_forgets_requires_grad(critic, real, fake):
    eps = _eps(real)
    x_hat = eps * real + (1 - eps) * fake
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_eps_flat(critic, real, fake):  # one eps per sample, shaped (B,): it cannot broadcast against (B, ...)
    eps = torch.rand(real.shape[0])
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_eps_two_dims(critic, real, fake):  # (B, 1): right for points, not for images
    eps = torch.rand(real.shape[0], 1)
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_no_critic(critic, real, fake):
    return torch.zeros((), requires_grad=True)


GP_CATALOG = [
    (gp_reference, []),
    (gp_grad_outputs, []),
    (gp_lerp_sqrt, []),
    (gp_eps_on_fake, []),
    (make_gp(), []),
    (gp_stub, ["not_implemented"]),
    (gp_forgets_requires_grad, ["interpolates_without_grad"]),
    (gp_eps_flat, ["eps_shape"]),
    (gp_no_critic, ["critic_not_called"]),
    (make_gp(point="first"), ["wrong_input"]),
    (make_gp(eps="batch"), ["one_eps_for_batch"]),
    (make_gp(eps="half"), ["one_eps_for_batch"]),
    (make_gp(eps="feature"), ["eps_per_feature"]),
    (make_gp(eps="normal"), ["eps_not_uniform"]),
    (make_gp(eps="beta"), ["eps_not_uniform"]),
    (make_gp(point="real"), ["real_only"]),
    (make_gp(point="fake"), ["fake_only"]),
    (make_gp(point="sum"), ["not_interpolated"]),
    (make_gp(penalty="no_square"), ["missing_square"]),
    (make_gp(penalty="abs"), ["abs_not_square"]),
    (make_gp(penalty="no_one"), ["missing_one"]),
    (make_gp(penalty="norm"), ["missing_one_no_square"]),
    (make_gp(norm="squared"), ["squared_norm"]),
    (make_gp(batch_reduce="sum"), ["sum_not_mean"]),
    (make_gp(norm="batch"), ["norm_over_batch"]),
    (make_gp(reduce="mean"), ["grad_of_mean"]),
    (make_gp(norm="dim0"), ["norm_wrong_dim"]),
    (make_gp(penalty="one_sided"), ["one_sided"]),
    (make_gp(batch_reduce="none"), ["not_scalar"]),
    (make_gp(batch_reduce="item"), ["returns_wrong_type"]),
    (make_gp(create_graph=False), ["no_create_graph"]),
    (make_gp(penalty="detached"), ["no_create_graph"]),
    (gp_uses_grad_attr, ["no_create_graph"]),
]


@pytest.mark.parametrize("fn, codes", GP_CATALOG)
def test_gradient_penalty_catalog(fn, codes):
    report = check_gradient_penalty(fn)
    assert report.codes == codes, str(report)
    for p in report.problems:
        assert 40 < len(p.message) < 500 and "Traceback" not in p.message


@pytest.mark.parametrize(
    "fn, codes",
    [
        (gp_reference, []),
        (gp_grad_outputs, []),
        (gp_lerp_sqrt, []),
        (make_gp(norm="dim1"), ["norm_not_per_sample"]),
        (make_gp(eps="feature"), ["eps_per_feature"]),
        (gp_eps_two_dims, ["eps_shape"]),
        (gp_eps_flat, ["eps_shape"]),
    ],
)
def test_gradient_penalty_on_images(fn, codes):
    assert check_gradient_penalty(fn, sample_shape=(1, 4, 4)).codes == codes


def test_gradient_penalty_check_settings():
    with pytest.raises(ValueError, match="batch"):
        check_gradient_penalty(gp_reference, batch=4)
    with pytest.raises(ValueError, match="sample_shape"):
        check_gradient_penalty(gp_reference, sample_shape=())
    assert check_gradient_penalty(None).codes == ["not_callable"]


def test_gradient_penalty_check_keeps_global_rng():
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    check_gradient_penalty(gp_reference)
    assert torch.equal(torch.rand(3), expected)


def test_the_package_answers_are_refused():
    assert check_critic_loss(package_losses.critic_loss).codes == ["used_reference"]
    assert check_gradient_penalty(package_losses.gradient_penalty).codes == ["used_reference"]
    assert check_gradient_penalty(lambda c, r, f: package_losses.gradient_penalty(c, r, f)).codes == ["used_reference"]


@pytest.mark.parametrize("fn, codes", CRITIC_CATALOG)
def test_critic_loss_catalog_other_scores(fn, codes):
    # the notebook's hidden test: other scores, other batch sizes, double precision
    report = check_critic_loss(fn, seed=7, batch_sizes=(3, 7), dtype=torch.float64)
    assert report.codes == codes, str(report)


def test_critic_loss_check_settings():
    with pytest.raises(ValueError, match="different"):
        check_critic_loss(cl_reference, batch_sizes=(4, 4))
    assert check_critic_loss(cl_reference, seed=1, batch_sizes=(1, 9)).passed

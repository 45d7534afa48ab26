"""``train_step`` as students hand it in: the same answer cell in notebooks 03, 04 and 05.

Each source is the whole answer cell, written to the course's signature
``train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``
and usable in all three notebooks: noise of shape ``(batch, latent_dim)`` drawn with
``torch.randn`` on the batch's device (notebook 04 samples its generator with normal noise),
discriminators that end in a sigmoid, only ``torch`` and ``nn`` from the notebook (anything
else is imported in the cell). The mistakes are loops from public help threads and issue
trackers, ported to the signature (``origin`` is the thread), plus the course's own.

Decisions written down here (the checker's docstring says the same):

- the generator trained twice per call, each time on fresh fakes, is accepted with the
  warning ``extra_steps`` (some recipes update one network more often);
- soft targets within 0.3 of the hard ones pass with the warning ``label_smoothing``.

``tests/test_checks_train_step.py`` runs every entry through ``check_train_step`` at check
level; ``tests/test_corpus.py`` grades them with the notebooks' own test cells.
"""
from . import correct, mistake

_HEAD = '''def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    """One GAN update on one batch. Returns (generator_loss, discriminator_loss) as Python floats."""
'''


def _cell(body: str) -> str:
    return _HEAD + body


# ============================================================================ correct styles

# d2l's split of the step into two helpers (BCE summed over the batch, the discriminator's loss halved)
D2L_HELPERS = _cell('''    batch = real_batch.shape[0]
    z = torch.randn(batch, latent_dim, device=real_batch.device)
    loss = nn.BCELoss(reduction="sum")
    d_loss = update_D(real_batch, z, disc, gen, loss, disc_optim)
    g_loss = update_G(z, disc, gen, loss, gen_optim)
    return g_loss, d_loss


def update_D(X, Z, net_D, net_G, loss, trainer_D):
    """Update the discriminator on a real batch X and noise Z."""
    ones = torch.ones((X.shape[0], 1), device=X.device)
    zeros = torch.zeros((X.shape[0], 1), device=X.device)
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())          # no gradient into the generator here
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D.item()


def update_G(Z, net_D, net_G, loss, trainer_G):
    """Update the generator: make the discriminator call the fakes real."""
    ones = torch.ones((Z.shape[0], 1), device=Z.device)
    trainer_G.zero_grad()
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X)
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G.item()
''')

# pytorch/examples dcgan/main.py: model.zero_grad(), one label tensor refilled with fill_, two D backwards
EXAMPLES_DCGAN = _cell('''    criterion = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    b = real_batch.size(0)

    # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
    disc.zero_grad()
    label = torch.full((b,), real_label, dtype=real_batch.dtype, device=real_batch.device)
    output = disc(real_batch).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    noise = torch.randn(b, latent_dim, device=real_batch.device)
    fake = gen(noise)
    label.fill_(fake_label)
    output = disc(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    disc_optim.step()

    # (2) Update G network: maximize log(D(G(z)))
    gen.zero_grad()
    label.fill_(real_label)  # fake labels are real for generator cost
    output = disc(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    gen_optim.step()
    return errG.item(), errD.item()
''')

# the unit's own order (generator first) with clamped logs and float(...) returns
FLOAT_RETURNS = _cell('''    n = real_batch.shape[0]
    gen_optim.zero_grad()
    scores = disc(gen(torch.randn(n, latent_dim, device=real_batch.device)))
    g_loss = -torch.log(scores.clamp(min=1e-7)).mean()
    g_loss.backward()
    disc_optim.zero_grad()          # the generator's backward filled D's gradients too
    gen_optim.step()

    fake = gen(torch.randn(n, latent_dim, device=real_batch.device)).detach()
    d_loss = -(torch.log(disc(real_batch).clamp(min=1e-7)).mean()
               + torch.log((1 - disc(fake)).clamp(min=1e-7)).mean())
    disc_optim.zero_grad()
    d_loss.backward()
    disc_optim.step()
    return float(g_loss), float(d_loss)
''')

# freezing the discriminator for the generator's turn, one batch of fakes reused, functional BCE
FREEZE_DISC = _cell('''    import torch.nn.functional as F

    noise = torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)
    fake = gen(noise)

    disc_optim.zero_grad(set_to_none=True)
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = F.binary_cross_entropy(p_real, torch.ones_like(p_real)) + \\
        F.binary_cross_entropy(p_fake, torch.zeros_like(p_fake))
    d_loss.backward()
    disc_optim.step()

    for p in disc.parameters():      # D is only a judge in the generator's turn
        p.requires_grad_(False)
    gen_optim.zero_grad(set_to_none=True)
    p_fake = disc(fake)
    g_loss = F.binary_cross_entropy(p_fake, torch.ones_like(p_fake))
    g_loss.backward()
    gen_optim.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    return g_loss.item(), d_loss.item()
''')

# one discriminator call on real and fakes together, with a label vector; gradients zeroed without set_to_none
CONCATENATED_BATCH = _cell('''    bce = nn.BCELoss()
    n = real_batch.shape[0]
    fake = gen(torch.randn(n, latent_dim, device=real_batch.device))

    disc_optim.zero_grad(set_to_none=False)
    scores = disc(torch.cat([real_batch, fake.detach()]))
    labels = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(scores.device).view_as(scores)
    d_loss = bce(scores, labels)
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad(set_to_none=False)
    scores = disc(fake)
    g_loss = bce(scores, torch.ones_like(scores))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# gradients cleared only after each step (so they are clean when the step is entered), sums over the batch
CLEAR_AFTER_STEP = _cell('''    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_loss = -(torch.log(disc(real_batch) + 1e-8) + torch.log(1 - disc(fake.detach()) + 1e-8)).sum()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()

    g_loss = -torch.log(disc(fake) + 1e-8).sum()
    g_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    disc_optim.zero_grad()      # what g_loss.backward() left on D
    return g_loss.item(), d_loss.item()
''')

# the generator's backward restricted to its own parameters: D's gradients are never touched
BACKWARD_INPUTS = _cell('''    n = real_batch.shape[0]
    with torch.no_grad():
        fake = gen(torch.randn(n, latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    d_real, d_fake = disc(real_batch), disc(fake)
    d_loss = nn.functional.binary_cross_entropy(d_real, torch.ones_like(d_real)) + \\
        nn.functional.binary_cross_entropy(d_fake, torch.zeros_like(d_fake))
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    d_gen = disc(gen(torch.randn(n, latent_dim, device=real_batch.device)))
    g_loss = nn.functional.binary_cross_entropy(d_gen, torch.ones_like(d_gen))
    g_loss.backward(inputs=list(gen.parameters()))
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# ============================================================================ mistakes

# a pix2pix-style generator loss whose adversarial term is detached: only the L1 term trains G
ADVERSARIAL_DETACHED = _cell('''    bce, l1 = nn.BCELoss(), nn.L1Loss()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))

    disc_optim.zero_grad()
    pred_real, pred_fake = disc(real_batch), disc(fake.detach())
    d_loss = bce(pred_real, torch.ones_like(pred_real)) + bce(pred_fake, torch.zeros_like(pred_fake))
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    pred = disc(fake).detach()                      # "D is fixed in this phase"
    g_loss = bce(pred, torch.ones_like(pred)) + 100 * l1(fake, real_batch)
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# several discriminator updates per generator update, but one zero_grad before the loop
D_STEPS_ONE_ZERO_GRAD = _cell('''    n = real_batch.shape[0]
    bce = nn.BCELoss()
    disc_optim.zero_grad()
    for _ in range(3):                               # train D harder than G
        fake = gen(torch.randn(n, latent_dim, device=real_batch.device)).detach()
        p_real, p_fake = disc(real_batch), disc(fake)
        d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
        d_loss.backward()
        disc_optim.step()

    gen_optim.zero_grad()
    p_fake = disc(gen(torch.randn(n, latent_dim, device=real_batch.device)))
    g_loss = bce(p_fake, torch.ones_like(p_fake))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# each optimizer steps before its loss's backward (the gradients arrive one call late)
STEP_BEFORE_BACKWARD = _cell('''    bce = nn.BCELoss()
    n = real_batch.shape[0]
    gen_optim.zero_grad()
    p = disc(gen(torch.randn(n, latent_dim, device=real_batch.device)))
    g_loss = bce(p, torch.ones_like(p))
    gen_optim.step()
    g_loss.backward()

    disc_optim.zero_grad()
    fake = gen(torch.randn(n, latent_dim, device=real_batch.device)).detach()
    p_real, p_fake = disc(real_batch), disc(fake)
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    disc_optim.step()
    d_loss.backward()
    return g_loss.item(), d_loss.item()
''')

# one backward for both losses, then both steps
COMBINED_BACKWARD = _cell('''    bce = nn.BCELoss()
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    p_real, p_fake_d, p_fake_g = disc(real_batch), disc(fake.detach()), disc(fake)
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake_d, torch.zeros_like(p_fake_d))
    g_loss = bce(p_fake_g, torch.ones_like(p_fake_g))
    (d_loss + g_loss).backward()      # one pass for both
    disc_optim.step()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# every backward first, every step after
ALL_BACKWARDS_THEN_STEPS = _cell('''    bce = nn.BCELoss()
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    d_loss.backward()
    p_gen = disc(fake)
    g_loss = bce(p_gen, torch.ones_like(p_gen))
    g_loss.backward()
    disc_optim.step()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# two generator updates on one batch of fakes painted before the first update
TWO_G_STEPS_OLD_FAKE = _cell('''    bce = nn.BCELoss()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    d_loss.backward()
    disc_optim.step()

    for _ in range(2):                          # the generator is behind: give it two steps
        gen_optim.zero_grad()
        p = disc(fake)
        g_loss = bce(p, torch.ones_like(p))
        g_loss.backward(retain_graph=True)      # "needed for the second backward"
        gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# the discriminator's score of the fakes reused after its update (the classic in-place error)
SCORES_REUSED_AFTER_D_STEP = _cell('''    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    prob_real, prob_fake = disc(real_batch), disc(fake)
    D_loss = -torch.mean(torch.log(prob_real) + torch.log(1. - prob_fake))
    G_loss = torch.mean(torch.log(1. - prob_fake))

    disc_optim.zero_grad()
    D_loss.backward(retain_graph=True)      # reuse the graph for the generator
    disc_optim.step()

    gen_optim.zero_grad()
    G_loss.backward()
    gen_optim.step()
    return G_loss.item(), D_loss.item()
''')

# least-squares GAN losses, and the discriminator's gradients never cleared
LSGAN_NO_ZERO_GRAD = _cell('''    mse = nn.MSELoss()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = 0.5 * (mse(p_real, torch.ones_like(p_real)) + mse(p_fake, torch.zeros_like(p_fake)))
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    p = disc(fake)
    g_loss = 0.5 * mse(p, torch.ones_like(p))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# Wasserstein losses, and the discriminator's optimizer never steps
WGAN_NO_DISC_STEP = _cell('''    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    d_loss = disc(fake.detach()).mean() - disc(real_batch).mean()
    d_loss.backward()

    gen_optim.zero_grad()
    g_loss = -disc(fake).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# hinge losses, and the discriminator's update steps the generator's optimizer
HINGE_WRONG_OPTIMIZER = _cell('''    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    d_loss = torch.relu(1.0 - disc(real_batch)).mean() + torch.relu(1.0 + disc(fake.detach())).mean()
    d_loss.backward()
    gen_optim.step()                      # meant: disc_optim.step()

    gen_optim.zero_grad()
    g_loss = -disc(fake).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# the discriminator's gradients from the generator's loss are never cleared before its update
NO_DISC_ZERO_GRAD = _cell('''    bce = nn.BCELoss()
    n = real_batch.shape[0]
    gen_optim.zero_grad()
    p = disc(gen(torch.randn(n, latent_dim, device=real_batch.device)))
    g_loss = bce(p, torch.ones_like(p))
    g_loss.backward()
    gen_optim.step()

    fake = gen(torch.randn(n, latent_dim, device=real_batch.device)).detach()
    p_real, p_fake = disc(real_batch), disc(fake)
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    d_loss.backward()                     # no disc_optim.zero_grad() anywhere
    disc_optim.step()
    return g_loss.item(), d_loss.item()
''')

# BCEWithLogitsLoss on a discriminator that already ends in a sigmoid
BCE_WITH_LOGITS_ON_PROBABILITIES = _cell('''    criterion = nn.BCEWithLogitsLoss()   # "numerically more stable"
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    out_real, out_fake = disc(real_batch), disc(fake.detach())
    d_loss = criterion(out_real, torch.ones_like(out_real)) + criterion(out_fake, torch.zeros_like(out_fake))
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    out = disc(fake)
    g_loss = criterion(out, torch.ones_like(out))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# the generator trained with the fake label: it learns to be caught
GENERATOR_WITH_FAKE_LABELS = _cell('''    criterion = nn.BCELoss()
    n = real_batch.shape[0]
    real_labels = torch.ones(n, 1, device=real_batch.device)
    fake_labels = torch.zeros(n, 1, device=real_batch.device)
    fake_images = gen(torch.randn(n, latent_dim, device=real_batch.device))

    disc_optim.zero_grad()
    d_loss = criterion(disc(real_batch).view(n, 1), real_labels) + \\
        criterion(disc(fake_images.detach()).view(n, 1), fake_labels)
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    outputs = disc(fake_images).view(n, 1)
    g_loss = criterion(outputs, fake_labels)       # the images are fake, so ... fake labels?
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# a discriminator loss with no logs: 1 - D(x) + D(G(z))
D_LOSS_WITHOUT_LOGS = _cell('''    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    real_out, fake_out = disc(real_batch).mean(), disc(fake.detach()).mean()
    d_loss = 1 - real_out + fake_out
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    g_loss = -torch.log(disc(fake).clamp(min=1e-7)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

# a fresh optimizer created inside the step (its state is lost every call)
NEW_OPTIMIZER_INSIDE = _cell('''    bce = nn.BCELoss()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
    d_loss.backward()
    disc_optim.step()

    optimizer_G = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_G.zero_grad()
    p = disc(fake)
    g_loss = bce(p, torch.ones_like(p))
    g_loss.backward()
    optimizer_G.step()
    return g_loss.item(), d_loss.item()
''')

# the generator's loss is the minimax one, log(1 - D(G(z)))
MINIMAX_GENERATOR = _cell('''    eps = 1e-8
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    d_loss = -torch.mean(torch.log(disc(real_batch) + eps) + torch.log(1 - disc(fake.detach()) + eps))
    d_loss.backward()
    disc_optim.step()

    gen_optim.zero_grad()
    g_loss = torch.mean(torch.log(1 - disc(fake) + eps))    # min over G of log(1 - D(G(z)))
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')

_TEST = ("test_train_step",)  # the cell every notebook grades train_step with (03, 04 and 05)

SUBMISSIONS = [
    correct("step_d2l_helpers", "https://d2l.ai/chapter_generative-adversarial-networks/gan.html",
            train_step=D2L_HELPERS),
    correct("step_examples_dcgan", "https://github.com/pytorch/examples/blob/main/dcgan/main.py",
            train_step=EXAMPLES_DCGAN),
    correct("step_float_returns", train_step=FLOAT_RETURNS),
    correct("step_freeze_disc", train_step=FREEZE_DISC),
    correct("step_concatenated_batch", train_step=CONCATENATED_BATCH),
    correct("step_clear_after_step", train_step=CLEAR_AFTER_STEP),
    correct("step_backward_inputs", train_step=BACKWARD_INPUTS),
    mistake("step_adversarial_detached", ("no_adversarial_gradient",), fails=_TEST,
            origin="https://github.com/ooples/AiDotNet/issues/2155", train_step=ADVERSARIAL_DETACHED),
    mistake("step_d_steps_one_zero_grad", ("stale_gradients",),
            fails=_TEST, origin="https://github.com/ajbrock/BigGAN-PyTorch/issues/25", train_step=D_STEPS_ONE_ZERO_GRAD),
    mistake("step_step_before_backward", ("step_before_backward",),
            fails=_TEST, origin="https://github.com/MyeongJin-Kim/Learning-Texture-Invariant-Representation/issues/10",
            train_step=STEP_BEFORE_BACKWARD),
    mistake("step_combined_backward", ("combined_backward",), fails=_TEST, train_step=COMBINED_BACKWARD),
    mistake("step_all_backwards_then_steps", ("disc_updated_by_generator_loss",), fails=_TEST,
            origin="https://github.com/shoutOutYangJie/FaceID-GAN/issues/5", train_step=ALL_BACKWARDS_THEN_STEPS),
    mistake("step_two_g_steps_old_fake", ("raised", "Paint the fakes again"), fails=_TEST,
            origin="https://github.com/tamarott/SinGAN/issues/148", train_step=TWO_G_STEPS_OLD_FAKE),
    mistake("step_scores_reused_after_d_step", ("raised", "disc_optim.step()"), fails=_TEST,
            origin="https://github.com/pytorch/pytorch/issues/39141", train_step=SCORES_REUSED_AFTER_D_STEP),
    mistake("step_lsgan_no_zero_grad", ("stale_gradients", "non_course_loss"), fails=_TEST,
            origin="https://github.com/Adversarial-Deep-Learning/code-soup/issues/69", train_step=LSGAN_NO_ZERO_GRAD),
    mistake("step_wgan_no_disc_step", ("discriminator_not_updated", "non_course_loss"), fails=_TEST,
            origin="https://github.com/zhaoyuzhi/deepfillv2/issues/6", train_step=WGAN_NO_DISC_STEP),
    mistake("step_hinge_wrong_optimizer", ("discriminator_not_updated", "non_course_loss"), fails=_TEST,
            origin="https://github.com/Lornatang/SRGAN-PyTorch/issues/85", train_step=HINGE_WRONG_OPTIMIZER),
    mistake("step_no_disc_zero_grad", ("disc_updated_by_generator_loss",), fails=_TEST,
            origin="https://github.com/Hsintien-Ng/idinvert_pytorch-reproduced/issues/1", train_step=NO_DISC_ZERO_GRAD),
    mistake("step_bce_with_logits_on_probabilities", ("sigmoid_applied_twice",), fails=_TEST,
            origin="https://github.com/NVIDIA-Merlin/models/pull/1175", train_step=BCE_WITH_LOGITS_ON_PROBABILITIES),
    mistake("step_generator_with_fake_labels", ("wrong_generator_loss", "target 1"), fails=_TEST,
            origin="https://github.com/yunjey/pytorch-tutorial/issues/45", train_step=GENERATOR_WITH_FAKE_LABELS),
    mistake("step_d_loss_without_logs", ("wrong_discriminator_loss", "no log"), fails=_TEST,
            origin="https://github.com/leftthomas/SRGAN/issues/69", train_step=D_LOSS_WITHOUT_LOGS),
    mistake("step_new_optimizer_inside", ("params_changed_outside_optimizer",), fails=_TEST,
            train_step=NEW_OPTIMIZER_INSIDE),
    mistake("step_minimax_generator", ("saturating_generator_loss",), fails=_TEST, train_step=MINIMAX_GENERATOR),
]

THROUGH_NBGRADER = ["step_float_returns", "step_step_before_backward", "step_two_g_steps_old_fake"]

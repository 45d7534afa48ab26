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

``tests/test_corpus.py`` grades them with the notebooks' own test cells (``SUBMISSIONS`` in 03, 04
and 05; ``CHECK_CATALOGUE`` in 03); ``tests/test_checks_train_step.py`` loads them by name to run
the check where no notebook does (a convolutional pair, raw-score discriminators: ``RAW_SCORE_STEPS``).
This is the one catalogue of student steps: add new ones here, not in the test file.
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


# ============================================================================ the check's own catalogue
# Issue 24: the student steps that tests/test_checks_train_step.py held, as whole answer cells (one
# catalogue of student code). Several share the two turns a student may write as helpers (``_TURNS``,
# after the step in the cell). Graded by notebook 03's test cells only: its two cells run the probe
# networks and dense networks with batch norm (the test file runs a convolutional pair at check
# level); in notebook 04 every correct entry trains a GAN, and in 05 every correct style reruns the
# whole notebook (tests/test_notebook_styles.py), seconds each for what 03 already proves.

_TURNS = '''

def _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=None):
    """The discriminator's turn on detached fakes; loss(scores_real, scores_fake), default the course's."""
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    pr, pf = disc(real_batch), disc(fake)
    d_loss = loss(pr, pf) if loss else (nlog(pr) + nlog(1 - pf)).mean()
    d_loss.backward()
    disc_optim.step()
    return d_loss


def _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim):
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)).detach()
    d = (nlog(disc(real_batch).clamp(min=1e-7)) + nlog((1 - disc(fake)).clamp(min=1e-7))).mean()
    d.backward()
    disc_optim.step()
    return d


def _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=None):
    """The generator's turn on fresh fakes; loss(scores_fake), default the non-saturating one."""
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    pf = disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))
    g_loss = loss(pf) if loss else nlog(pf).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss


def nlog(p):
    """-log p, guarded: finite when the discriminator is sure."""
    return -torch.log(p.clamp(min=1e-7))
'''


def _turns(step: str) -> str:
    """A whole cell: the imports, the step, then the helpers it may call."""
    return "import torch.nn.functional as F\n\n_bce = nn.BCELoss()\n\n\n" + step + _TURNS


CHECK_CATALOGUE = [
    # Two generator updates per call, each on fresh fakes: accepted (the warning extra_steps).
    correct("step_generator_twice", warnings=("extra_steps",), train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim)
    for _ in range(2):
        gen_optim.zero_grad()
        g = nlog(disc(gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)))).mean()
        g.backward()
        gen_optim.step()
    return g.item(), d.item()
''')),
    # Returns float(loss) instead of loss.item() (PyTorch warns; the check reports the warning).
    correct("step_float_returns_d_first_bce", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase_ok(gen, disc, disc_optim, real_batch, latent_dim)
    gen_optim.zero_grad()
    pg = disc(gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)))
    g = _bce(pg, torch.ones_like(pg))
    g.backward()
    gen_optim.step()
    return float(g), float(d)
''')),
    # Real target 0.9 for the discriminator only (Salimans et al. 2016): the warning label_smoothing.
    correct("step_one_sided_label_smoothing", warnings=("label_smoothing",), train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    pr, pf = disc(real_batch), disc(fake.detach())
    d = _bce(pr, torch.full_like(pr, 0.9)) + _bce(pf, torch.zeros_like(pf))
    d.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    pg = disc(fake)
    g = _bce(pg, torch.ones_like(pg))
    g.backward()
    gen_optim.step()
    return g.item(), d.item()
''')),
    # Clears both optimizers once at the start; D first on detached fakes, then G.
    correct("step_zero_both_at_start_d_first", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    b = real_batch.shape[0]
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = 0.5 * (_bce(disc(real_batch), torch.ones(b, 1).view_as(disc(real_batch)))
                    + _bce(disc(fake.detach()), torch.zeros(b, 1).view_as(disc(real_batch))))
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # D first, F.binary_cross_entropy, one fake batch reused (detached for D), sum for G.
    correct("step_d_first_functional_bce_g_sum", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    p_real, p_fake = disc(real_batch), disc(fake.detach())
    d_loss = F.binary_cross_entropy(p_real, torch.ones_like(p_real)) + F.binary_cross_entropy(
        p_fake, torch.zeros_like(p_fake)
    )
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    p_fake = disc(fake)
    g_loss = F.binary_cross_entropy(p_fake, torch.ones_like(p_fake), reduction="sum")
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # model.zero_grad() instead of the optimizers', clamped logs.
    correct("step_model_zero_grad", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    eps = 1e-7
    gen.zero_grad()
    g_loss = -torch.log(disc(gen(torch.randn(b, latent_dim, device=real_batch.device))).clamp(min=eps)).mean()
    g_loss.backward()
    gen_optim.step()
    disc.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d_loss = -(torch.log(disc(real_batch).clamp(min=eps)) + torch.log((1 - disc(fake)).clamp(min=eps))).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # Freezes D with requires_grad_(False) during G's update instead of zeroing D's grads.
    correct("step_freeze_disc_g_first", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    for p in disc.parameters():
        p.requires_grad_(False)
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake)).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # D loss not detached, but G's grads are cleared before G's own backward: only a warning.
    correct("step_undetached_but_cleared", warnings=("disc_loss_not_detached",), train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake)).mean()
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # G's backward restricted to G's parameters with backward(inputs=...).
    correct("step_backward_inputs_g_first", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward(inputs=list(gen.parameters()))
    gen_optim.step()
    disc_optim.zero_grad()
    with torch.no_grad():
        fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = _bce(disc(real_batch), torch.ones_like(disc(real_batch))) + _bce(
        disc(fake), torch.zeros_like(disc(fake))
    )
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # Clips the discriminator's gradient norm before stepping.
    correct("step_clip_grad", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = nlog(disc(real_batch)).mean() + nlog(1 - disc(fake.detach())).mean()
    d_loss.backward()
    torch.nn.utils.clip_grad_norm_(disc.parameters(), 0.05)
    disc_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    # Two generator steps after one zero_grad: the second steps with both batches' gradients.
    mistake("step_g_steps_one_zero_grad", ("stale_gradients",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    gen_optim.zero_grad()
    for _ in range(2):
        g = nlog(disc(gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)))).mean()
        g.backward()
        gen_optim.step()
    return g.item(), d.item()
''')),
    # optimizer.step() before loss.backward() in both turns, D first
    mistake("step_step_before_backward_d_first", ("step_before_backward",), fails=_TEST, codes=("step_before_backward",),
            origin="https://github.com/MyeongJin-Kim/Learning-Texture-Invariant-Representation/issues/10", train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    disc_optim.step()
    d.backward()
    gen_optim.zero_grad()
    g = nlog(disc(fake)).mean()
    gen_optim.step()
    g.backward()
    return g.item(), d.item()
''')),
    # One disc(fake) used by both losses and one backward for both.
    mistake("step_combined_backward_one_score", ("combined_backward",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    pr, pf = disc(real_batch), disc(fake)
    d = _bce(pr, torch.ones_like(pr)) + _bce(pf, torch.zeros_like(pf))
    g = _bce(pf, torch.ones_like(pf))
    (d + g).backward()
    disc_optim.step()
    gen_optim.step()
    return g.item(), d.item()
''')),
    # A generator target of 0.5: too far from 1 to be label smoothing.
    mistake("step_generator_target_half", ("wrong_generator_loss",), fails=_TEST, codes=("wrong_generator_loss",), train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                 loss=lambda pf: _bce(pf, torch.full_like(pf, 0.5)))
    return g.item(), d.item()
''')),
    # Clears both once at the start, but G goes first: its backward leaks into D's step.
    mistake("step_zero_both_at_start_g_first", ("disc_updated_by_generator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    g = nlog(disc(gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)))).mean()
    g.backward()
    gen_optim.step()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    disc_optim.step()
    return g.item(), d.item()
''')),
    mistake("step_target_shape", ("raised",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    out = disc(real_batch)
    d = _bce(out, torch.ones(b))          # (b,) targets for (b, 1) scores
    d.backward()
    disc_optim.step()
    return 0.0, d.item()
''')),
    mistake("step_no_disc_zero_after_g", ("disc_updated_by_generator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return g_loss.item(), d_loss.item()
''')),
    # G first, G's grads cleared only after its step: D's loss leaks into the next G step.
    mistake("step_no_detach_g_first", ("generator_grads_from_disc_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))  # not detached
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return g_loss.item(), d_loss.item()
''')),
    # D first without detach and without clearing G's grads before G's backward.
    mistake("step_no_detach_d_first", ("generator_grads_from_disc_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    return g_loss.item(), d_loss.item()
''')),
    mistake("step_g_sign_flipped", ("wrong_generator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: torch.log(pf).mean())
    return g.item(), d.item()
''')),
    mistake("step_g_uses_fake_term", ("wrong_generator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: nlog(1 - pf).mean())
    return g.item(), d.item()
''')),
    mistake("step_g_no_log", ("wrong_generator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim, loss=lambda pf: (1 - pf).mean())
    return g.item(), d.item()
''')),
    mistake("step_d_labels_swapped", ("wrong_discriminator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: _bce(pr, torch.zeros_like(pr)) + _bce(pf, torch.ones_like(pf)))
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_d_no_fake_term", ("wrong_discriminator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: nlog(pr).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_d_sign_flipped", ("wrong_discriminator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: (torch.log(pr) + torch.log(1 - pf)).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_d_least_squares", ("wrong_discriminator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: ((pr - 1) ** 2).mean() + (pf ** 2).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_d_missing_one_minus", ("wrong_discriminator_loss",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: (nlog(pr) + nlog(pf)).mean())
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_never_zero", ("stale_gradients",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    d_loss.backward()
    disc_optim.step()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    mistake("step_gen_never_zeroed", ("stale_gradients",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    for p in disc.parameters():
        p.requires_grad_(False)
    g = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g.backward()
    gen_optim.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    return g.item(), d.item()
''')),
    mistake("step_no_gen_step", ("generator_not_updated",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g.backward()
    return g.item(), d.item()
''')),
    mistake("step_no_disc_step", ("discriminator_not_updated",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_zero_between_backward_and_step", ("discriminator_not_updated",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d.backward()
    disc_optim.zero_grad()
    disc_optim.step()
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g.item(), d.item()
''')),
    mistake("step_detach_in_g_phase", ("generator_not_updated",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    b = real_batch.shape[0]
    gen_optim.zero_grad()
    g = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)).detach())).mean()
    g.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    return g.item(), d.item()
''')),
    # The unit's loop with every gen_optim/disc_optim exchanged.
    mistake("step_optimizers_swapped", ("optimizers_swapped",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    g_loss = nlog(disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))).mean()
    g_loss.backward()
    gen_optim.zero_grad()
    disc_optim.step()
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake))).mean()
    d_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    return g_loss.item(), d_loss.item()
''')),
    mistake("step_optimizers_swapped_d_first", ("optimizers_swapped",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    d_loss = (nlog(disc(real_batch)) + nlog(1 - disc(fake.detach()))).mean()
    d_loss.backward()
    gen_optim.step()
    gen_optim.zero_grad()
    g_loss = nlog(disc(fake)).mean()
    g_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
''')),
    mistake("step_frozen_forever", ("discriminator_not_updated",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    for p in disc.parameters():
        p.requires_grad_(False)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim, loss=lambda pr, pf: (nlog(pr) + nlog(1 - pf)).mean())
    return g.item(), d.item()
''')),
    mistake("step_returns_tensors", ("returns_wrong_type",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return g, d
''')),
    mistake("step_returns_nothing", ("returns_wrong_type",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
''')),
    mistake("step_returns_swapped", ("outputs_swapped",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim)
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
    return d.item(), g.item()
''')),
    mistake("step_not_written", ("not_implemented",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    raise NotImplementedError()
''')),
    mistake("step_hard_coded_cuda", ("raised",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    z = torch.randn(b, latent_dim).cuda()
    g = nlog(disc(gen(z))).mean()
    return g.item(), g.item()
''')),
    mistake("step_uses_globals", ("ignored_arguments",), fails=_TEST, train_step=_turns('''\
_GLOBAL_GEN = nn.Linear(3, 2)


def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    with torch.no_grad():
        _GLOBAL_GEN(torch.randn(4, 3))
    return 0.0, 0.0
''')),
    mistake("step_loss_not_scalar", ("not_scalar",), fails=_TEST, train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    d = nlog(disc(real_batch)) + nlog(1 - disc(fake))
    d.backward()
    disc_optim.step()
    return 0.0, 0.0
''')),

    # Soft targets everywhere, each within 0.3 of the hard one: accepted, and the warning advises one-sided smoothing
    correct("step_smooths_every_target", warnings=("label_smoothing",), train_step=_turns('''\
def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    d = _d_phase(gen, disc, disc_optim, real_batch, latent_dim,
                 loss=lambda pr, pf: _bce(pr, torch.full_like(pr, 0.9)) + _bce(pf, torch.full_like(pf, 0.1)))
    g = _g_phase(gen, disc, gen_optim, disc_optim, real_batch, latent_dim,
                 loss=lambda pf: _bce(pf, torch.full_like(pf, 0.9)))
    return g.item(), d.item()
''')),
]

SUBMISSIONS_BY_ASSIGNMENT = {"03_training_loop": CHECK_CATALOGUE}

# Steps written for a discriminator that gives raw scores (no sigmoid), or that has a ``logits``
# method besides its probabilities (the package's DCGAN discriminator). No notebook grades
# ``train_step`` on such networks, so tests/test_checks_train_step.py judges these at check
# level on them, with the same rules (``correct``: passes; ``mentions``/``codes``: as said).

_WITH_LOGITS = '''import torch.nn.functional as F

criterion = nn.BCEWithLogitsLoss()


def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    disc_optim.zero_grad()
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device)).detach()
    sr, sf = disc(real_batch), disc(fake)
    d_loss = criterion(sr, torch.ones_like(sr)) + criterion(sf, torch.zeros_like(sf))
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    s = disc(gen(torch.randn(b, latent_dim, device=real_batch.device)))
    g_loss = {g_loss}
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
'''

_CALLS_LOGITS = '''import torch.nn.functional as F

criterion = nn.BCEWithLogitsLoss()


def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):
    b = real_batch.shape[0]
    fake = gen(torch.randn(b, latent_dim, device=real_batch.device))
    disc_optim.zero_grad()
    sr, sf = disc.logits(real_batch), disc.logits(fake.detach())     # raw scores: autocast-safe
    d_loss = criterion(sr, torch.ones_like(sr)) + criterion(sf, torch.zeros_like(sf))
    d_loss.backward()
    disc_optim.step()
    gen_optim.zero_grad()
    sf = disc.logits(gen(torch.randn(b, latent_dim, device=real_batch.device)))
    g_loss = {g_loss}
    g_loss.backward()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
'''

RAW_SCORE_STEPS = [
    correct("raw_bce_with_logits", warnings=(), train_step=_WITH_LOGITS.format(g_loss="criterion(s, torch.ones_like(s))")),
    mistake("raw_minimax_softplus", ("saturating_generator_loss",), codes=("saturating_generator_loss",),
            train_step=_WITH_LOGITS.format(g_loss="-F.softplus(s).mean()               # log(1 - sigmoid(s))")),
    mistake("raw_generator_target_zero", ("wrong_generator_loss",), codes=("wrong_generator_loss",),
            train_step=_WITH_LOGITS.format(g_loss="criterion(s, torch.zeros_like(s))")),
    mistake("raw_log_of_the_mean", ("wrong_generator_loss",), codes=("wrong_generator_loss",), warnings=(),
            train_step=_WITH_LOGITS.format(g_loss="-torch.log(torch.sigmoid(s).mean())")),
    correct("logits_method_bce", train_step=_CALLS_LOGITS.format(g_loss="criterion(sf, torch.ones_like(sf))")),
    mistake("logits_method_minimax", ("saturating_generator_loss",),
            train_step=_CALLS_LOGITS.format(g_loss="-F.softplus(sf).mean()")),
]

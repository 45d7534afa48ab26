"""Submissions for notebook 03 (the training loop).

The exercise ``train_step`` is graded by ``test_train_step`` and
``test_train_step_other_networks``; its submissions live in ``tests/corpus/train_step.py``.
This module holds the loop exercise ``train_gan`` (graded by ``test_training_loop``):
correct loops in other styles, and the loop bugs students and real code make.
"""
from . import correct, mistake

ASSIGNMENT = "03_training_loop"
EXERCISES = {
    "train_step": ("test_train_step", "test_train_step_other_networks"),
    "train_gan": ("test_training_loop",),
}

_STEP = "def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim):\n"
_SIGNATURE = "def train_gan(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn):\n"


def _loop(body: str) -> str:
    return _SIGNATURE + body


SUBMISSIONS = [
    # ------------------------------------------------------------------ correct loops, other styles
    correct("index_the_batch_drop_last", train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    gen_losses, disc_losses = [], []
    for epoch in range(epochs):
        for batch in loader:
            real_batch = batch[0]
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            gen_losses.append(g)
            disc_losses.append(d)
    return {"gen_loss": gen_losses, "disc_loss": disc_losses}
''')),
    correct("enumerate_and_print_progress", train_gan=_loop('''\
    dataset = TensorDataset(samples)                       # one tensor: no labels
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(1, epochs + 1):
        for i, (x,) in enumerate(loader):
            if len(x) == 1:                                # batch norm cannot normalise one sample
                continue
            losses = step_fn(gen, disc, gen_optim, disc_optim, x, latent_dim)
            history["gen_loss"].append(float(losses[0]))
            history["disc_loss"].append(float(losses[1]))
        print(f"epoch {epoch}/{epochs}: G {history['gen_loss'][-1]:.3f}, D {history['disc_loss'][-1]:.3f}")
    return history
''')),
    correct("while_loops_and_manual_iterator", train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    record = dict(gen_loss=[], disc_loss=[])
    epoch = 0
    while epoch < epochs:
        batches = iter(loader)                             # a fresh pass over the data each epoch
        while True:
            try:
                (real,) = next(batches)
            except StopIteration:
                break
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim)
            record["gen_loss"].append(g_loss)
            record["disc_loss"].append(d_loss)
        epoch += 1
    return record
''')),
    correct("keyword_arguments_and_tqdm_bar", train_gan=_loop('''\
    from tqdm.auto import tqdm
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    with tqdm(total=epochs * len(loader), desc="GAN") as bar:   # writes to stderr: the check keeps it
        for _ in range(epochs):
            for (real_batch,) in loader:
                if real_batch.shape[0] < 2:                   # a last batch of one row: skip it
                    bar.update(1)
                    continue
                g_loss, d_loss = step_fn(gen=gen, disc=disc, gen_optim=gen_optim, disc_optim=disc_optim,
                                         real_batch=real_batch, latent_dim=latent_dim)
                history["gen_loss"].append(g_loss)
                history["disc_loss"].append(d_loss)
                bar.update(1)
    return history
''')),
    correct("randperm_slices_without_a_loader", train_gan=_loop('''\
    gen_losses, disc_losses = [], []
    for _ in range(epochs):
        order = torch.randperm(len(samples), device=samples.device)
        for start in range(0, len(samples), batch_size):
            rows = order[start:start + batch_size]
            if len(rows) < 2:                              # never a batch of one sample
                break
            g, d = step_fn(gen, disc, gen_optim, disc_optim, samples[rows], latent_dim)
            gen_losses.append(g)
            disc_losses.append(d)
    return {"gen_loss": gen_losses, "disc_loss": disc_losses}
''')),
    # ------------------------------------------------------------------ mistakes
    mistake("keeps_a_last_batch_of_one", mentions=("batch_of_one",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("step_after_the_batch_loop", mentions=("one_step_per_epoch",),
            origin="https://github.com/DeepReinforcementLearning/DeepReinforcementLearningInAction/pull/13",
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            real_batch = real_batch
        g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
        history["gen_loss"].append(g_loss)
        history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("fresh_iterator_every_step", mentions=("not_every_sample_each_epoch",),
            origin="https://github.com/skhu101/GM-NAS/issues/4",
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for step in range(len(loader)):
            (real_batch,) = next(iter(loader))       # a new iterator each time: a random batch, not the next one
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("one_batch_drawn_before_the_loops", mentions=("same_batch_every_step",),
            origin="https://github.com/ZhaoJ9014/face.evoLVe/pull/39",
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    (real_batch,) = next(iter(loader))
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for _ in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("batch_not_unpacked", mentions=("batch_not_unpacked",),
            origin="https://github.com/davidbau/dissect/issues/10",
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for batch in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("epoch_and_batch_loops_swapped", mentions=("not_every_sample_each_epoch",),
            origin="https://github.com/zplizzi/pytorch-ppo/issues/4",
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for (real_batch,) in loader:
        for epoch in range(epochs):
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("calls_train_step_by_name", mentions=("step_not_called",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("epochs_off_by_one", mentions=("wrong_number_of_epochs",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(1, epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("global_batch_size", mentions=("wrong_batch_size",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=BATCH_SIZE, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("global_latent_dim", mentions=("latent_dim_wrong",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, LATENT_DIM)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("item_on_the_returned_floats", mentions=("raised", "without `.item()`"),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss.item())
            history["disc_loss"].append(d_loss.item())
    return history
''')),
    mistake("losses_unpacked_in_the_wrong_order", mentions=("outputs_swapped",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            d_loss, g_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
    return history
''')),
    mistake("records_once_per_epoch", mentions=("history_wrong_length",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        g_sum = d_sum = 0.0
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            g_sum += g_loss
            d_sum += d_loss
        history["gen_loss"].append(g_sum / len(loader))
        history["disc_loss"].append(d_sum / len(loader))
    return history
''')),
    mistake("forgets_to_return", mentions=("returns_wrong_type",),
            train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    history = {"gen_loss": [], "disc_loss": []}
    for epoch in range(epochs):
        for (real_batch,) in loader:
            g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g_loss)
            history["disc_loss"].append(d_loss)
''')),
    mistake("hands_in_the_course_fit", mentions=("used_reference",),
            train_gan=_loop('''\
    from aml_gan.training import fit
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    h = fit(gen, disc, gen_optim, disc_optim, loader, latent_dim=latent_dim, epochs=epochs,
            step_fn=step_fn, progress=False)
    return {"gen_loss": h.gen_loss, "disc_loss": h.disc_loss}
''')),
    # ------------------------------------------------------------------ issue 21
    correct("step_simultaneous_two_autograd_grads", train_step=_STEP + '''\
    eps = 1e-7
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_fake = disc(fake)
    g_loss = -torch.log(d_fake.clamp(min=eps)).mean()
    d_loss = (-torch.log(disc(real_batch).clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).mean()
    g_params, d_params = list(gen.parameters()), list(disc.parameters())
    g_grads = torch.autograd.grad(g_loss, g_params, retain_graph=True)   # each network: its own loss only
    d_grads = torch.autograd.grad(d_loss, d_params)
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    for p, g in zip(g_params, g_grads):
        p.grad = g
    for p, g in zip(d_params, d_grads):
        p.grad = g
    gen_optim.step()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    correct("step_simultaneous_grad_imported_in_the_cell", train_step='''\
from torch.autograd import grad


''' + _STEP + '''\
    eps = 1e-7
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    g_loss = -torch.log(disc(fake).clamp(min=eps)).mean()
    d_loss = (-torch.log(disc(real_batch).clamp(min=eps))
              - torch.log((1 - disc(fake.detach())).clamp(min=eps))).mean()
    d_grads = grad(d_loss, list(disc.parameters()))
    g_grads = grad(g_loss, list(gen.parameters()))
    for p, g in zip(list(disc.parameters()) + list(gen.parameters()), d_grads + g_grads):
        p.grad = g
    disc_optim.step()
    gen_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    correct("step_simultaneous_backward_inputs", train_step=_STEP + '''\
    eps = 1e-7
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_fake = disc(fake)
    g_loss = -torch.log(d_fake.clamp(min=eps)).mean()
    d_loss = (-torch.log(disc(real_batch).clamp(min=eps)) - torch.log((1 - d_fake).clamp(min=eps))).mean()
    g_loss.backward(inputs=list(gen.parameters()), retain_graph=True)
    d_loss.backward(inputs=list(disc.parameters()))
    gen_optim.step()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    correct("step_simultaneous_retain_graph_and_detach", train_step=_STEP + '''\
    eps = 1e-7
    gen_optim.zero_grad()
    disc_optim.zero_grad()
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    g_loss = -torch.log(disc(fake).clamp(min=eps)).mean()
    g_loss.backward(retain_graph=True)
    disc_optim.zero_grad()                                   # the generator's loss must not train D
    d_loss = (-torch.log(disc(real_batch).clamp(min=eps))
              - torch.log((1 - disc(fake.detach())).clamp(min=eps))).mean()
    d_loss.backward()
    gen_optim.step()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    mistake("step_broken_step_with_its_line_put_back",  # the notebook's broken_step, fixed where its comment says
            mentions=("noise_not_standard_normal",),
            train_step=_STEP + '''\
    batch = real_batch.shape[0]
    disc_score = disc(gen(torch.rand(batch, latent_dim, device=real_batch.device)))
    g_loss = -torch.log(disc_score).mean()
    g_loss.backward()
    disc_optim.zero_grad()
    gen_optim.step()
    gen_optim.zero_grad()
    fake = gen(torch.rand(batch, latent_dim, device=real_batch.device)).detach()
    d_loss = (-torch.log(disc(real_batch)) - torch.log(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    disc_optim.zero_grad()
    return g_loss.item(), d_loss.item()
'''),
    mistake("step_unguarded_logs", mentions=("not_finite_at_saturation",),
            train_step=_STEP + '''\
    noise = torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)
    gen_optim.zero_grad()
    g_loss = -torch.log(disc(gen(noise))).mean()
    g_loss.backward()
    gen_optim.step()
    disc_optim.zero_grad()
    fake = gen(torch.randn_like(noise)).detach()
    d_loss = -(torch.log(disc(real_batch)) + torch.log(1 - disc(fake))).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    mistake("step_reshapes_to_two_features", mentions=("raised", "real_batch"),
            fails=("test_train_step_other_networks",),
            train_step=_STEP + '''\
    real_batch = real_batch.view(-1, 2)                       # the notebook's data has two features
    batch, eps = real_batch.shape[0], 1e-7
    gen_optim.zero_grad()
    g_loss = -torch.log(disc(gen(torch.randn(batch, latent_dim))).clamp(min=eps)).mean()
    g_loss.backward()
    gen_optim.step()
    disc_optim.zero_grad()
    fake = gen(torch.randn(batch, latent_dim)).detach()
    d_loss = (-torch.log(disc(real_batch).clamp(min=eps)) - torch.log((1 - disc(fake)).clamp(min=eps))).mean()
    d_loss.backward()
    disc_optim.step()
    return g_loss.item(), d_loss.item()
'''),
    mistake("dict_fromkeys_shares_one_list", mentions=("history_shared_list",),
            train_gan=_loop('''\
    history = dict.fromkeys(["gen_loss", "disc_loss"], [])     # one list under both keys
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    for _ in range(epochs):
        for (real_batch,) in loader:
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("plus_equals_a_float_onto_a_list", mentions=("raised", "append"),
            train_gan=_loop('''\
    history = {"gen_loss": [], "disc_loss": []}
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)
    for _ in range(epochs):
        for (real_batch,) in loader:
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)
            history["gen_loss"] += g
            history["disc_loss"] += d
    return history
''')),
    # ------------------------------------------------------------------ issue 24: from tests/test_checks_training_loop.py
    correct("loader_not_shuffled", warnings=("not_shuffled",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=False, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("batch_centred_and_scaled", mentions=("batch_not_from_samples",), codes=("batch_not_from_samples",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            real = (real - real.mean()) / 10          # "normalised" once more
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("batch_flattened", mentions=("batch_not_from_samples",), codes=("batch_not_from_samples",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            real = real.reshape(-1)
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("optimizers_passed_swapped", mentions=("step_arguments_wrong",), codes=("step_arguments_wrong",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            g, d = step_fn(gen, disc, disc_optim, gen_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("networks_passed_swapped", mentions=("step_arguments_wrong",), codes=("step_arguments_wrong",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            g, d = step_fn(disc, gen, gen_optim, disc_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("extra_argument_to_the_step", mentions=("step_arguments_wrong",), codes=("step_arguments_wrong",), train_gan=_loop('''\
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim, 0.5)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("samples_normalised_in_place", mentions=("mutates_inputs",), train_gan=_loop('''\
    samples /= 1.0 + 1e-3                          # "normalised" in place
    loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=True)
    history = {"gen_loss": [], "disc_loss": []}
    for _ in range(epochs):
        for (real,) in loader:
            g, d = step_fn(gen, disc, gen_optim, disc_optim, real, latent_dim)
            history["gen_loss"].append(g)
            history["disc_loss"].append(d)
    return history
''')),
    mistake("loop_not_written", mentions=("not_implemented",), codes=("not_implemented",), train_gan=_loop('''\
    raise NotImplementedError()
''')),
]

# Through real nbgrader: a simultaneous update by autograd.grad (full marks), the notebook's
# broken_step with its one line put back, a shared record list, a last batch of one sample.
THROUGH_NBGRADER = ["step_simultaneous_two_autograd_grads", "step_broken_step_with_its_line_put_back",
                    "dict_fromkeys_shares_one_list", "keeps_a_last_batch_of_one"]

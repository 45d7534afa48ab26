"""What the loop checker tells the student: one function or constant per finding.

The text that names a loss (wrong, saturating, another GAN's, soft targets) is shared with
the loss checks of notebook 02 and lives in ``aml_gan/checks/loss_text.py``.
"""
from __future__ import annotations

from typing import Iterable, List

import torch

from ..student import describe

OPTIM = {"G": "gen_optim", "D": "disc_optim"}
NAME = {"G": "generator", "D": "discriminator"}
LOSS = {"G": "g_loss", "D": "d_loss"}

DISC_UPDATED_BY_GENERATOR_LOSS = (
    "Your discriminator's update used gradients of the generator's loss. The generator's loss asks the "
    "discriminator to be fooled, so the discriminator must not learn from it: call `disc_optim.zero_grad()` "
    "right after `generator_loss.backward()` (or freeze the discriminator during the generator's update), and "
    "step the discriminator only with its own loss."
)
GENERATOR_GRADS_FROM_DISC_LOSS = (
    "Your generator's update used gradients of the discriminator's loss: the fakes were not detached when you "
    "scored them for the discriminator. Use `disc(fake.detach())` in the discriminator's phase, so its loss "
    "treats the fakes as constants."
)
COMBINED_BACKWARD = (
    "One `backward()` carried both losses (like `(d_loss + g_loss).backward()`), so each optimizer stepped with "
    "the other network's loss too: the discriminator learned to be fooled and the generator to be caught. Give "
    "each loss its own `backward()` and `step()`: the discriminator's turn (`zero_grad()`, `d_loss.backward()`, "
    "`disc_optim.step()`), then the generator's (`zero_grad()`, `g_loss.backward()`, `gen_optim.step()`)."
)
OPTIMIZERS_SWAPPED = (
    "The optimizers are swapped: `disc_optim` stepped after the generator's loss and `gen_optim` after the "
    "discriminator's loss. Step `gen_optim` after `generator_loss.backward()` and `disc_optim` after "
    "`discriminator_loss.backward()`."
)
NO_ADVERSARIAL_GRADIENT = (
    "Your generator's update got no gradient through the discriminator: the discriminator's scores of the fakes "
    "were detached in its loss (`disc(fake).detach()`, `.item()`, `.data` or `torch.no_grad()`), so only the "
    "other terms of its loss trained it and it never learns to fool the discriminator. In the generator's turn, "
    "score the fakes with `disc(fake)` and keep that term attached."
)
DISC_LOSS_NOT_DETACHED = (
    "Your discriminator's loss back-propagated into the generator (the fakes were not detached). It does no "
    "harm here because you clear the generator's gradients before its own backward, but it is wasted work: "
    "score `fake.detach()` in the discriminator's phase."
)
UNEXPECTED_GRADIENTS = (
    "An optimizer stepped with gradients that no `backward()` of this step produced (were `.grad` tensors "
    "edited or only partly cleared?). Let `loss.backward()` fill the gradients, clear them with `zero_grad()`, "
    "and step."
)
IGNORED_ARGUMENTS = (
    "`train_step` never called the {missing} it was given. Use the arguments `gen`, `disc`, `gen_optim`, "
    "`disc_optim`, `real_batch` and `latent_dim`, not global variables."
)
DISC_OUTPUT_NOT_TENSOR = (
    "The discriminator returned something other than a tensor of scores. It must return one score per "
    "sample, shape (batch, 1)."
)
NOT_FINITE = (
    "A loss was infinite or NaN. Clamp the probabilities inside the logs, e.g. `torch.log(p.clamp(min=1e-7))`, "
    "or use `BCELoss`, which does this for you."
)
OUTPUTS_SWAPPED = (
    "`train_step` returned the losses in the wrong order. Return `(generator_loss, discriminator_loss)`, "
    "generator first."
)
RETURNED_VALUES_UNEXPECTED = (
    "The numbers `train_step` returned are not the losses it back-propagated. Return `g_loss.item(), "
    "d_loss.item()` of the very losses you called `backward()` on."
)
HARDCODED_DEVICE = (
    "Your step used a device other than the data's. Put new tensors on `real_batch.device` instead of calling "
    "`.cuda()` or naming a device."
)
LOSS_NOT_SCALAR = "A loss you back-propagated was not a single number: take its `.mean()`."
DISC_FROZEN_FOR_ITS_LOSS = (
    "The discriminator's parameters were still frozen (`requires_grad=False`) when its own loss was computed. "
    "If you freeze it for the generator's update, unfreeze it right after (`p.requires_grad_(True)` for every "
    "parameter)."
)


def stale_gradients(within_call: bool) -> str:
    where = (
        "an optimizer stepped twice with the same gradients: one `zero_grad()` before several updates in one "
        "call, so the second update still held the gradients of the first"
        if within_call else
        "an optimizer stepped with gradients left over from the previous batch (the previous call of `train_step`)"
    )
    return (
        f"Gradients pile up: {where}. Clear them before every update: call `zero_grad()` on the optimizer right "
        "before each `backward()` (or right after each `step()`)."
    )


def step_before_backward(nets: Iterable[str]) -> str:
    said = " and ".join(f"`{OPTIM[n]}.step()` ran before `{LOSS[n]}.backward()`" for n in nets)
    return (
        f"In your step {said}, so each update used the gradients of the previous batch (or none) and the new "
        "gradients waited for the next call. In each network's turn the order is: `zero_grad()`, then "
        "`backward()`, then `step()`."
    )


def not_updated(net: str, *, never_stepped: bool, frozen: bool, no_gradient: bool,
                other_stepped_instead: bool = False) -> str:
    name, opt = NAME[net], OPTIM[net]
    other = OPTIM["G" if net == "D" else "D"]
    if other_stepped_instead:
        return (f"The {name} was not updated: `{opt}.step()` was never called, and `{other}.step()` ran right "
                f"after the {name}'s loss's `backward()`. Step `{opt}` there: each optimizer updates only the "
                "network it was built for.")
    if never_stepped:
        return (f"The {name} was not updated: `{opt}.step()` was never called. After its loss's `backward()`, "
                f"call `{opt}.step()`.")
    if frozen:
        return (f"The {name} was not updated: its parameters were frozen (`requires_grad=False`) when "
                f"`{opt}.step()` ran. If you freeze it for the other network's update, unfreeze it afterwards.")
    if no_gradient:
        return (f"The {name} was not updated: no gradient reached it from its loss. Do not detach the fakes "
                "(or use `torch.no_grad()`) in the generator's phase: only the discriminator's phase detaches.")
    return (f"The {name} was not updated: `{opt}.step()` ran but its gradients were empty. Make sure the order "
            "is `zero_grad()`, `backward()`, `step()`, with no `zero_grad()` between the backward and the step.")


def params_changed_outside(net: str) -> str:
    return (f"The {NAME[net]}'s weights changed without `{OPTIM[net]}.step()`. Use the optimizers passed to "
            "`train_step` (do not create a new optimizer inside it: it would forget its state every call).")


def extra_steps(net: str) -> str:
    return (f"`{OPTIM[net]}.step()` ran more than once in one call. That is accepted (some recipes train one "
            "network more often), but one update of each network per batch is the course's recipe.")


def fake_batch_size(sizes: List[int], real_rows: int) -> str:
    return (f"Your generator made batches of {sorted(set(sizes))} samples for a real batch of {real_rows}. Draw as "
            "many noise vectors as there are real samples: `real_batch.shape[0]` (never a fixed BATCH_SIZE).")


def raised(exc_text: str, hint: str, call: int) -> str:
    when = "" if call == 0 else f" (on call {call + 1}; the earlier calls ran)"
    return f"Your train_step raised {exc_text}{when}. {hint}"


def noise_not_normal(low: float, high: float) -> str:
    what = "never negative (`torch.rand` draws from [0, 1))" if low >= 0 else "never outside [-1, 1]"
    return (f"Your step feeds the generator noise that is {what}: every value was between {low:.2f} and "
            f"{high:.2f}. The course's generators take standard normal noise: draw it with "
            "`torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device)` (notebook 04 shows "
            "what goes wrong when the noise at training and at sampling time differ).")


def not_finite_at_saturation(level: float, losses) -> str:
    shown = ", ".join(f"{v:g}" for v in losses)
    return (f"When the discriminator is sure (every output exactly {level:g}, as a trained discriminator's "
            f"soon are), your step returns ({shown}): a log without a guard gives log(0) = -inf, and the "
            "weights become NaN after the next update. Keep the logs finite: clamp inside the log, "
            "`torch.log(p.clamp(min=1e-7))`, or use `nn.BCELoss`, which clamps for you.")


def sizes_here(real_shape, latent_dim) -> str:
    return (f" Here `real_batch` has shape {real_shape} and `latent_dim` is {latent_dim}: take every size from "
            "the arguments (`real_batch.shape[0]`, `latent_dim`) and never assume the notebook's data "
            "(no `.view(-1, 2)`, no fixed batch size): the check also runs other networks on other data.")


def returns_wrong_type(value) -> str:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        g, d = value
        if any(isinstance(v, torch.Tensor) for v in (g, d)):  # a Parameter or any tensor subclass too
            return ("`train_step` returned tensors; return plain floats with `.item()`: "
                    "`return g_loss.item(), d_loss.item()` (a tensor keeps its whole graph alive in memory).")
        return (f"`train_step` returned ({describe(g)}, {describe(d)}); return two floats: "
                "`return g_loss.item(), d_loss.item()`.")
    return (f"`train_step` returned {describe(value)}; it must return two numbers, "
            "`(generator_loss, discriminator_loss)`, e.g. `return g_loss.item(), d_loss.item()`.")


def real_batch_rescaled(a: float, b: float) -> str:
    return (
        f"Your step rescales the real batch before the discriminator sees it (every value x becomes "
        f"{a:.4g} * x {'+' if b >= 0 else '-'} {abs(b):.4g}), but real_batch comes already in [-1, 1], scaled "
        "like the generator's tanh output. Rescaling it again squeezes the real samples into a sliver that "
        "the discriminator tells from the fakes by range alone. Pass real_batch to the discriminator as it is."
    )

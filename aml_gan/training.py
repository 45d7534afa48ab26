"""The course's GAN training step and a small training loop that can resume.

``train_step`` is the reference for the course's convention::

    train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)

It is built, like every step in the package (the fast step, pretraining, the remedies
of notebook 07, notebook 06's epoch), from the two turns written once here:
``update_discriminator`` and ``update_generator`` (d2l's ``update_D`` and ``update_G``),
which take the loss as an argument.

``fit`` runs any step with that signature over a data loader, shows a progress
bar, records a ``History`` and, given ``checkpoint_dir``, saves everything at
each epoch's end so that ``resume=True`` continues after a crash or a Colab
disconnect, giving the same result as a run that was never interrupted.
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .config import device_of
from .losses import discriminator_loss, generator_loss
from .reference import reference

StepFn = Callable[[nn.Module, nn.Module, torch.optim.Optimizer, torch.optim.Optimizer, torch.Tensor, int], Tuple[float, float]]

CHECKPOINT_NAME = "last.pt"


def _learn(loss: torch.Tensor, optim: torch.optim.Optimizer, scaler: Optional[Any]) -> None:
    """Backward and step; through ``scaler`` (a ``torch.amp.GradScaler``) when given, for fp16."""
    if scaler is None:
        loss.backward()
        optim.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optim)
        scaler.update()


@reference("train_step")
def update_discriminator(
    disc: nn.Module,
    disc_optim: torch.optim.Optimizer,
    real: torch.Tensor,
    fake: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    score: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
    autocast: Optional[ContextManager] = None,
    scaler: Optional[Any] = None,
) -> torch.Tensor:
    """The discriminator's turn: one step on ``loss_fn(score(real), score(fake))``; returns that loss (0-d).

    ``real`` and ``fake``: (B, ...) samples. ``fake`` is detached here, so nothing of this
    loss reaches the generator. ``score(x)`` gives the discriminator's scores, (B, 1) for
    the course's networks; it defaults to ``disc(x)`` (a probability), and the fast step
    passes raw logits. ``loss_fn(real_scores, fake_scores) -> ()`` is the discriminator's
    loss, e.g. :func:`aml_gan.losses.discriminator_loss`.

    Mixed precision (the fast step): the scores and the loss are computed inside
    ``autocast`` (a ``torch.autocast(...)``), the backward and the step outside it;
    ``scaler`` (a ``torch.amp.GradScaler``) scales the loss for fp16.
    """
    score = disc if score is None else score
    disc_optim.zero_grad(set_to_none=True)
    with autocast or contextlib.nullcontext():
        loss = loss_fn(score(real), score(fake.detach()))
    _learn(loss, disc_optim, scaler)
    return loss


@reference("train_step")
def update_generator(
    gen: nn.Module,
    disc: nn.Module,
    gen_optim: torch.optim.Optimizer,
    disc_optim: torch.optim.Optimizer,
    fake: torch.Tensor,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    *,
    score: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
    autocast: Optional[ContextManager] = None,
    scaler: Optional[Any] = None,
) -> torch.Tensor:
    """The generator's turn: one step on ``loss_fn(score(fake))``; returns that loss (0-d).

    ``fake``: (B, ...) the generator's output, *not* detached (its gradient reaches ``gen``
    through the discriminator). ``score`` defaults to ``disc(x)``; ``loss_fn(fake_scores) -> ()``
    is the generator's loss, e.g. :func:`aml_gan.losses.generator_loss`. The backward also
    fills the discriminator's gradients: they are cleared afterwards, so they can never leak
    into its next update. ``autocast`` and ``scaler``: as in :func:`update_discriminator`.
    """
    score = disc if score is None else score
    gen_optim.zero_grad(set_to_none=True)
    with autocast or contextlib.nullcontext():
        loss = loss_fn(score(fake))
    _learn(loss, gen_optim, scaler)
    disc_optim.zero_grad(set_to_none=True)
    return loss


@reference("train_step")
def train_step(
    gen: nn.Module,
    disc: nn.Module,
    gen_optim: torch.optim.Optimizer,
    disc_optim: torch.optim.Optimizer,
    real_batch: torch.Tensor,
    latent_dim: int,
) -> Tuple[float, float]:
    """One GAN update on one batch; returns ``(generator_loss, discriminator_loss)`` as floats.

    ``real_batch``: (B, ...) real samples on the networks' device. ``gen`` maps
    noise (B, latent_dim) to (B, ...); ``disc`` maps (B, ...) to sigmoid scores (B, 1).
    The discriminator learns first, on the real batch and the *detached* fakes;
    then the generator learns with the non-saturating loss on the same fakes.

    Why the discriminator first (notebook 03 teaches the generator first; either order
    is correct): then one batch of fakes serves both turns, so a step costs one
    generator forward. With the generator first, the discriminator would learn on fakes
    the generator has already moved away from, or need a second generator forward. It is
    also the DCGAN recipe notebook 05 teaches (as pytorch/examples' dcgan does), the step
    this one stands in for there, and the order ``FastTrainStep`` promises to match.
    """
    return gan_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)


@reference("train_step")
def gan_step(
    gen: nn.Module,
    disc: nn.Module,
    gen_optim: torch.optim.Optimizer,
    disc_optim: torch.optim.Optimizer,
    real_batch: torch.Tensor,
    latent_dim: int,
    gen_loss_fn: Callable[[torch.Tensor], torch.Tensor] = generator_loss,
    *,
    disc_loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = discriminator_loss,
) -> Tuple[float, float]:
    """``train_step`` with the losses swapped in: ``gen_loss_fn(d_fake) -> ()``, ``disc_loss_fn(d_real, d_fake) -> ()``."""
    fake = gen(torch.randn(real_batch.shape[0], latent_dim, device=real_batch.device))
    d_loss = update_discriminator(disc, disc_optim, real_batch, fake, disc_loss_fn)
    g_loss = update_generator(gen, disc, gen_optim, disc_optim, fake, gen_loss_fn)
    return g_loss.item(), d_loss.item()


def pretrain_discriminator(
    gen: nn.Module,
    disc: nn.Module,
    disc_optim: torch.optim.Optimizer,
    data: Iterable,
    *,
    latent_dim: int,
    steps: int,
) -> List[float]:
    """Give the detective a head start: ``steps`` discriminator-only updates.

    The generator's weights are not updated (its BatchNorm running statistics,
    if any, still follow the fakes). Returns the discriminator loss of each step.
    """
    device = device_of(gen)
    losses: List[float] = []
    while len(losses) < steps:
        progressed = False
        for batch in data:
            real = _unwrap(batch).to(device)
            with torch.no_grad():
                fake = gen(torch.randn(real.shape[0], latent_dim, device=device))
            losses.append(update_discriminator(disc, disc_optim, real, fake, discriminator_loss).item())
            progressed = True
            if len(losses) >= steps:
                break
        if not progressed:
            raise ValueError("pretrain_discriminator: the data loader yielded no batches.")
    return losses


# ----------------------------------------------------------------------------- history


_PLAIN = (int, float, str, bool, type(None))


def _plain(value: Any) -> Any:
    """Turn a logged value into something ``torch.load(weights_only=True)`` accepts."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.dim() == 0 else value.detach().cpu().clone()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    raise TypeError(
        f"History.log got a {type(value).__name__}; log numbers, strings, tensors, arrays, "
        "or lists/dicts of them (they are saved in checkpoints)."
    )


@dataclass
class History:
    """What happened during training.

    ``gen_loss`` and ``disc_loss`` hold one float per step. ``records[key]`` holds
    ``(step, value)`` pairs added with ``log``. ``step`` counts steps done, ``epoch``
    counts finished epochs, ``seconds`` the training time (without checkpointing).
    """

    gen_loss: List[float] = field(default_factory=list)
    disc_loss: List[float] = field(default_factory=list)
    records: Dict[str, List[Tuple[int, Any]]] = field(default_factory=dict)
    step: int = 0
    epoch: int = 0
    seconds: float = 0.0

    def log(self, key: str, value: Any) -> None:
        """Record ``value`` under ``key`` at the current step."""
        self.records.setdefault(key, []).append((self.step, _plain(value)))

    def series(self, key: str) -> Tuple[List[int], List[Any]]:
        """``(steps, values)`` recorded under ``key``."""
        if key not in self.records:
            known = ", ".join(sorted(self.records)) or "nothing yet"
            raise KeyError(f"No record named {key!r}; recorded so far: {known}.")
        pairs = self.records[key]
        return [s for s, _ in pairs], [v for _, v in pairs]

    def state_dict(self) -> Dict[str, Any]:
        return {
            "gen_loss": list(self.gen_loss),
            "disc_loss": list(self.disc_loss),
            "records": {k: list(v) for k, v in self.records.items()},
            "step": self.step,
            "epoch": self.epoch,
            "seconds": self.seconds,
        }

    @classmethod
    def from_state_dict(cls, state: Dict[str, Any]) -> "History":
        return cls(
            gen_loss=list(state["gen_loss"]),
            disc_loss=list(state["disc_loss"]),
            records={k: [tuple(p) for p in v] for k, v in state["records"].items()},
            step=int(state["step"]),
            epoch=int(state["epoch"]),
            seconds=float(state.get("seconds", 0.0)),
        )


# ----------------------------------------------------------------------------- callbacks


@dataclass
class StepContext:
    """What a callback sees after each step."""

    step: int
    epoch: int
    end_of_epoch: bool
    last_step: bool
    gen: nn.Module
    disc: nn.Module
    history: History
    gen_loss: float
    disc_loss: float
    extra: Dict[str, Any]


Callback = Callable[[StepContext], None]


def every(n: int, fn: Callback) -> Callback:
    """Wrap ``fn`` to run every ``n`` steps, and after the very last step."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"every(n, fn) needs a whole number n >= 1, got {n!r}.")

    def callback(ctx: StepContext) -> None:
        if ctx.step % n == 0 or ctx.last_step:
            fn(ctx)

    callback.__name__ = f"every_{n}_{getattr(fn, '__name__', 'callback')}"
    return callback


# ----------------------------------------------------------------------------- checkpoints


def _rng_state(data: Any) -> Dict[str, Any]:
    state: Dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": _numpy_state_to_plain(np.random.get_state()),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    generator = getattr(data, "generator", None)
    if isinstance(generator, torch.Generator):
        state["loader"] = generator.get_state()
    return state


def _set_rng_state(state: Dict[str, Any], data: Any) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(_numpy_state_from_plain(state["numpy"]))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    generator = getattr(data, "generator", None)
    if "loader" in state and isinstance(generator, torch.Generator):
        generator.set_state(state["loader"])


def _numpy_state_to_plain(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached))


def _numpy_state_from_plain(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, keys.numpy().astype(np.uint32), pos, has_gauss, cached)


def save_checkpoint(path: os.PathLike, state: Dict[str, Any]) -> Path:
    """Write ``state`` atomically (a crash mid-write never corrupts the last good file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: os.PathLike, map_location: Any = "cpu") -> Dict[str, Any]:
    """Load a checkpoint written by ``fit`` (safe: ``weights_only=True``)."""
    return torch.load(Path(path), map_location=map_location, weights_only=True)


def _checkpoint_state(gen, disc, gen_optim, disc_optim, history, extra, step_fn, data) -> Dict[str, Any]:
    state = {
        "format": "aml_gan.fit/1",
        "gen": gen.state_dict(),
        "disc": disc.state_dict(),
        "gen_optim": gen_optim.state_dict(),
        "disc_optim": disc_optim.state_dict(),
        "history": history.state_dict(),
        "extra": {k: _plain(v) for k, v in extra.items()},
        "rng": _rng_state(data),
    }
    if hasattr(step_fn, "state_dict"):
        state["step_fn"] = step_fn.state_dict()
    return state


def _restore(state, gen, disc, gen_optim, disc_optim, step_fn, data, path) -> Tuple[History, Dict[str, Any]]:
    if state.get("format") != "aml_gan.fit/1":
        raise ValueError(f"{path} was not written by aml_gan.training.fit; point checkpoint_dir at a folder fit wrote.")
    try:
        gen.load_state_dict(state["gen"])
        disc.load_state_dict(state["disc"])
        gen_optim.load_state_dict(state["gen_optim"])
        disc_optim.load_state_dict(state["disc_optim"])
    except (RuntimeError, ValueError, KeyError) as err:
        raise RuntimeError(
            f"The checkpoint {path} was saved for different networks or optimizers ({str(err).splitlines()[0]}). "
            "Rebuild them exactly as in the run that saved it, or use a fresh checkpoint_dir to start over."
        ) from None
    if "step_fn" in state and hasattr(step_fn, "load_state_dict"):
        step_fn.load_state_dict(state["step_fn"])
    _set_rng_state(state["rng"], data)
    return History.from_state_dict(state["history"]), dict(state["extra"])


# ----------------------------------------------------------------------------- fit


def _unwrap(batch: Any) -> torch.Tensor:
    if isinstance(batch, (list, tuple)):
        if len(batch) != 1:
            raise ValueError(
                f"Each batch should hold only real samples, but it has {len(batch)} parts. A GAN needs no labels: "
                "build the dataset with one argument, TensorDataset(samples)."
            )
        batch = batch[0]
    if not isinstance(batch, torch.Tensor):
        raise TypeError(f"A batch should be a tensor of real samples, got {type(batch).__name__}.")
    return batch


def _lookahead(iterable: Iterable) -> Iterable[Tuple[Any, bool]]:
    """Yield ``(item, is_last)``."""
    it = iter(iterable)
    try:
        current = next(it)
    except StopIteration:
        return
    for nxt in it:
        yield current, False
        current = nxt
    yield current, True


@reference("training_loop")
def shuffled_batches(samples: torch.Tensor, batch_size: int) -> Iterable:
    """Every sample once per pass, in a new random order each pass, in batches of ``batch_size``;
    a last batch of one sample is dropped (batch normalisation cannot normalise one sample).
    The course's answer to that part of ``train_gan``: refused while a student's loop is checked."""
    from torch.utils.data import DataLoader, TensorDataset

    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}.")
    one_left = batch_size > 1 and len(samples) % batch_size == 1
    return DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True, drop_last=one_left)


@reference("training_loop")
def fit(
    gen: nn.Module,
    disc: nn.Module,
    gen_optim: torch.optim.Optimizer,
    disc_optim: torch.optim.Optimizer,
    data: Iterable,
    *,
    latent_dim: int,
    epochs: Optional[int] = None,
    steps: Optional[int] = None,
    step_fn: StepFn = train_step,
    callbacks: Sequence[Callback] = (),
    checkpoint_dir: Optional[os.PathLike] = None,
    resume: bool = False,
    extra_state: Optional[Dict[str, Any]] = None,
    progress: bool = True,
    desc: Optional[str] = None,
) -> History:
    """Train a GAN for ``epochs`` passes over ``data`` or for ``steps`` steps.

    ``data``: an iterable of batches, e.g. a DataLoader over ``TensorDataset(samples)``
    (its 1-tuples are unwrapped); batches move to the generator's device.
    ``step_fn`` has the course's ``train_step`` signature. ``callbacks`` run after
    every step with a ``StepContext`` (see ``every``). ``extra_state`` (say, fixed
    noise) is saved with each checkpoint and handed to callbacks as ``ctx.extra``.

    With ``checkpoint_dir`` a checkpoint is written at every epoch's end (and at
    the last step). ``resume=True`` loads it, restores networks, optimizers,
    history, extra state and random number generators, and carries on.
    Returns the ``History``.
    """
    _check_budget(epochs, steps, latent_dim, resume, checkpoint_dir)
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    history, extra = _start_or_resume(
        gen, disc, gen_optim, disc_optim, step_fn, data, checkpoint_dir, extra_state, resume=resume, progress=progress
    )
    run = _Run(
        gen=gen, disc=disc, gen_optim=gen_optim, disc_optim=disc_optim, step_fn=step_fn, latent_dim=latent_dim,
        data=data, device=device_of(gen), callbacks=callbacks, history=history, extra=extra,
        ckpt_path=ckpt_path, epochs=epochs, steps=steps,
    )
    total = _total_steps(data, epochs, steps)
    if progress and not run.done():
        from tqdm.auto import tqdm

        run.bar = tqdm(total=total, initial=history.step, desc=desc or "training", unit="step", leave=True)
    try:
        while not run.done():
            _run_epoch(run)
    finally:
        if run.bar is not None:
            run.bar.close()
    return history


def _check_budget(epochs: Optional[int], steps: Optional[int], latent_dim: int, resume: bool,
                  checkpoint_dir: Optional[os.PathLike]) -> None:
    """Refuse, with the fix, a budget that is not exactly one whole number, a bad ``latent_dim``,
    or ``resume`` without a folder to resume from."""
    if (epochs is None) == (steps is None):
        raise ValueError("fit needs exactly one budget: epochs=... or steps=... (not both, not neither).")
    budget_value = epochs if epochs is not None else steps
    if not isinstance(budget_value, int) or isinstance(budget_value, bool) or budget_value < 0:
        raise ValueError(f"The training budget must be a whole number >= 0, got {budget_value!r}.")
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive whole number, got {latent_dim!r}.")
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir=... (the folder the interrupted run saved to).")


def _start_or_resume(gen, disc, gen_optim, disc_optim, step_fn, data, checkpoint_dir: Optional[os.PathLike],
                     extra_state: Optional[Dict[str, Any]], *, resume: bool, progress: bool
                     ) -> Tuple[History, Dict[str, Any]]:
    """A fresh ``(History(), extra_state)``, or, with ``resume`` and a checkpoint in ``checkpoint_dir``,
    everything restored from it (networks, optimizers, step, RNGs) and its history and extra state."""
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    history = History()
    extra: Dict[str, Any] = dict(extra_state or {})
    if resume and ckpt_path is not None and ckpt_path.exists():
        state = load_checkpoint(ckpt_path, map_location=device_of(gen))
        history, saved_extra = _restore(state, gen, disc, gen_optim, disc_optim, step_fn, data, ckpt_path)
        extra.update(saved_extra)
        if progress:
            print(f"Resuming from {ckpt_path}: {history.epoch} epoch(s), {history.step} step(s) already done.")
    elif resume and progress:
        print(f"No checkpoint in {checkpoint_dir} yet: starting from scratch.")
    return history, extra


def _total_steps(data: Iterable, epochs: Optional[int], steps: Optional[int]) -> Optional[int]:
    """The progress bar's length: ``steps``, or ``epochs`` times the batches per epoch
    (``None`` when ``data`` has no length). An empty loader is refused."""
    try:
        per_epoch = len(data)  # type: ignore[arg-type]
    except TypeError:
        per_epoch = None
    if steps is not None:
        total = steps
    else:
        total = per_epoch * epochs if per_epoch is not None else None
    if per_epoch == 0:
        raise ValueError("The data loader is empty: check the dataset, and batch_size with drop_last=True.")
    return total


@dataclass
class _Run:
    """One call of ``fit``: what it trains, with which step, its budget, and where each step
    is reported (history, callbacks, progress bar, checkpoint)."""

    gen: nn.Module
    disc: nn.Module
    gen_optim: torch.optim.Optimizer
    disc_optim: torch.optim.Optimizer
    step_fn: StepFn
    latent_dim: int
    data: Iterable
    device: torch.device
    callbacks: Sequence[Callback]
    history: History
    extra: Dict[str, Any]
    ckpt_path: Optional[Path]
    epochs: Optional[int]
    steps: Optional[int]
    bar: Any = None

    def done(self) -> bool:
        if self.steps is not None:
            return self.history.step >= self.steps
        return self.history.epoch >= self.epochs  # type: ignore[operator]

    def save(self) -> None:
        if self.ckpt_path is not None:
            save_checkpoint(self.ckpt_path, _checkpoint_state(
                self.gen, self.disc, self.gen_optim, self.disc_optim, self.history, self.extra, self.step_fn,
                self.data))


def _run_epoch(run: _Run) -> None:
    """One pass over ``run.data`` (cut short when the step budget runs out): a training step
    per batch, recorded in the history and shown to callbacks and the bar; the time is
    added and a checkpoint saved at the epoch's end or the last step."""
    history = run.history
    started = time.perf_counter()
    any_batch = False
    for batch, last_in_epoch in _lookahead(run.data):
        any_batch = True
        real = _unwrap(batch).to(run.device, non_blocking=True)
        g_loss, d_loss = run.step_fn(run.gen, run.disc, run.gen_optim, run.disc_optim, real, run.latent_dim)
        g_loss, d_loss = _as_float(g_loss, "generator"), _as_float(d_loss, "discriminator")
        history.gen_loss.append(g_loss)
        history.disc_loss.append(d_loss)
        history.step += 1
        if last_in_epoch:
            history.epoch += 1
        last_step = run.done()
        ctx = StepContext(
            step=history.step, epoch=history.epoch, end_of_epoch=last_in_epoch, last_step=last_step,
            gen=run.gen, disc=run.disc, history=history, gen_loss=g_loss, disc_loss=d_loss, extra=run.extra,
        )
        for cb in run.callbacks:
            cb(ctx)
        if run.bar is not None:
            run.bar.update(1)
            run.bar.set_postfix(G=f"{g_loss:.3f}", D=f"{d_loss:.3f}", refresh=False)
        if last_in_epoch or last_step:
            history.seconds += time.perf_counter() - started
            started = time.perf_counter()
            run.save()
        if last_step:
            break
    if not any_batch:
        raise ValueError("The data loader yielded no batches: check the dataset and batch_size.")


def _as_float(value: Any, which: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"The step returned a {which} loss with shape {tuple(value.shape)}; return one number "
                "per loss (average over the batch, then .item())."
            )
        value = value.item()
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"The step should return two numbers (generator loss, discriminator loss); got {value!r}.") from None
    if not math.isfinite(out):
        raise FloatingPointError(
            f"The {which} loss became {out}: training diverged. Lower the learning rate, or clamp the "
            "probabilities inside your logs."
        )
    return out


__all__ = [
    "shuffled_batches",
    "update_discriminator",
    "update_generator",
    "train_step",
    "gan_step",
    "pretrain_discriminator",
    "History",
    "StepContext",
    "every",
    "fit",
    "save_checkpoint",
    "load_checkpoint",
    "CHECKPOINT_NAME",
]

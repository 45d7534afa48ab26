"""Grading check for notebook 03's training loop: epochs over a DataLoader, one step per batch.

The student writes::

    train_gan(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn)
        -> {"gen_loss": [...], "disc_loss": [...]}

It wraps ``samples`` (N, ...) in a one-argument ``TensorDataset``, draws shuffled batches
of ``batch_size`` from a ``DataLoader``, and for ``epochs`` passes over the data calls
``step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)`` once per batch,
recording the two floats each call returns. The last, smaller batch may be kept or
dropped (``drop_last``), except a batch of one sample, which the step must never get
(batch normalisation cannot normalise one sample): the student decides how to avoid it.

``check_training_loop`` never reads the source. It hands the loop tiny networks and a
*spy* step that records what it was given and returns known numbers; every sample row
carries its own number, so the spy knows exactly which samples each batch held. From
that it tells whether every sample was seen once per epoch, whether the step ran once
per batch and with the right arguments, and whether the returned record holds the
step's losses in order. Each check runs the loop twice with different sizes, so a
loop that ignores ``epochs`` or ``batch_size`` cannot pass by accident.

Problem codes (besides ``raised``, ``used_reference``):

==============================  ===================================================
``not_implemented``             the stub still raises ``NotImplementedError``
``step_not_called``             ``step_fn`` was never called (a global step called instead?)
``batch_not_unpacked``          the step got the DataLoader's list ``[tensor]``, not the tensor
``batch_not_from_samples``      the step got rows that are not rows of ``samples``
``wrong_batch_size``            a batch held more rows than ``batch_size``, or too few
``batch_of_one``                the step got a batch of one sample (the remainder of an epoch:
                                batch normalisation fails on it; drop or skip it)
``one_step_per_epoch``          the step ran once per epoch (after the batch loop)
``wrong_number_of_epochs``      as many steps as a different number of epochs
``same_batch_every_step``       every call got the same batch
``not_every_sample_each_epoch`` within an epoch, a sample was repeated or left out
``step_arguments_wrong``        networks or optimizers passed in the wrong places
``latent_dim_wrong``            the step got another ``latent_dim`` than the loop's
``mutates_inputs``             the loop changed ``samples`` in place
``returns_wrong_type``          the record is not ``{"gen_loss": [...], "disc_loss": [...]}``
``history_shared_list``         both keys hold one list (``dict.fromkeys(keys, [])``)
``history_wrong_length``        not one entry per step
``outputs_swapped``             generator and discriminator losses swapped
``history_wrong_values``        the entries are not the step's returned losses, in order
==============================  ===================================================

Warning (does not fail): ``not_shuffled`` (every epoch saw the samples in the same order).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from .errors import exception_hint, exception_text
from .isolation import seed_all
from .report import Report
from .student import call_student, grading_check

__all__ = ["check_training_loop"]

#: (number of samples, batch_size, epochs) of the two runs the visible check makes
DEFAULT_RUNS = ((48, 16, 2), (30, 8, 3), (33, 8, 2))  # batches that divide, a last batch of 6, a last batch of 1
_DATA_DIM = 2


@dataclass
class _Call:
    """What one call of the spy step received."""

    args: Tuple[Any, ...]
    kwargs: dict
    ids: Optional[List[int]] = None  # sample numbers in the batch, None when not a batch of samples
    problem: Optional[str] = None  # why ids is None


@dataclass
class _Spy:
    """Stands in for ``train_step``: records its arguments, returns known losses."""

    samples: torch.Tensor
    calls: List[_Call] = field(default_factory=list)

    @staticmethod
    def losses(k: int) -> Tuple[float, float]:
        """What the k-th call returns: distinct, exact binary fractions, generator below discriminator."""
        return 0.25 + k / 1024, 1.25 + k / 1024

    def __call__(self, *args, **kwargs):
        call = _Call(args, kwargs)
        self.calls.append(call)
        batch = args[4] if len(args) > 4 else kwargs.get("real_batch")
        call.ids, call.problem = _ids_of(batch, self.samples)
        return self.losses(len(self.calls) - 1)


def _ids_of(batch: Any, samples: torch.Tensor) -> Tuple[Optional[List[int]], Optional[str]]:
    """The sample numbers in ``batch`` (column 0 holds the number, column 1 its negative)."""
    if isinstance(batch, (list, tuple)):
        return None, "list"
    if not isinstance(batch, torch.Tensor):
        return None, f"a {type(batch).__name__}"
    if batch.dim() != 2 or batch.shape[1:] != samples.shape[1:]:
        return None, f"a tensor of shape {tuple(batch.shape)}"
    values = batch.detach().to("cpu", torch.float64)
    ids = values[:, 0].round()
    if not (torch.equal(values[:, 0], ids) and torch.equal(values[:, 1], -ids)) \
            or (ids < 0).any() or (ids >= len(samples)).any():
        return None, "other rows"
    return [int(i) for i in ids.tolist()], None


def _networks(latent_dim: int) -> Tuple[nn.Module, nn.Module, torch.optim.Optimizer, torch.optim.Optimizer]:
    gen = nn.Linear(latent_dim, _DATA_DIM)
    disc = nn.Sequential(nn.Linear(_DATA_DIM, 1), nn.Sigmoid())
    return gen, disc, torch.optim.SGD(gen.parameters(), lr=1e-3), torch.optim.SGD(disc.parameters(), lr=1e-3)


def _samples(n: int) -> torch.Tensor:
    """Row i is (i, -i): every row names itself."""
    ids = torch.arange(n, dtype=torch.float32)
    return torch.stack([ids, -ids], dim=1)


def _check_runs(runs: Sequence[Tuple[int, int, int]]) -> List[Tuple[int, int, int]]:
    out = []
    for run in runs:
        if len(run) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) for v in run):
            raise ValueError(f"each run is (number of samples, batch_size, epochs), whole numbers; got {run!r}.")
        n, b, e = run
        if n < 2 or b < 1 or e < 1 or b > n:
            raise ValueError(f"a run needs samples >= 2, 1 <= batch_size <= samples and epochs >= 1; got {run!r}.")
        out.append((n, b, e))
    if not out:
        raise ValueError("runs must hold at least one (number of samples, batch_size, epochs).")
    return out


@grading_check("training_loop", student=("fn",))
def check_training_loop(
    report: Report,
    fn: Callable,
    *,
    runs: Sequence[Tuple[int, int, int]] = DEFAULT_RUNS,
    latent_dim: int = 3,
    seed: int = 0,
) -> None:
    """Run a student's ``train_gan`` with a spy step and report what its loop does wrong.

    ``runs``: (number of samples, batch_size, epochs) for each run (default: one run whose
    batches divide the samples, one with a smaller last batch, one whose last batch holds one sample). ``latent_dim`` and
    ``seed`` (the shuffling) vary too; hidden tests use other values. Deterministic; every
    random generator is restored afterwards. Returns a :class:`Report`.
    """
    runs = _check_runs(runs)
    if not isinstance(latent_dim, int) or isinstance(latent_dim, bool) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive whole number, got {latent_dim!r}.")
    for i, (n, batch_size, epochs) in enumerate(runs):
        seed_all(int(seed) * 7919 + i)  # grading_check restores every random generator afterwards
        _one_run(fn, report, n, batch_size, epochs, latent_dim)
        if not report.passed:
            break


def _one_run(fn: Callable, report: Report, n: int, batch_size: int, epochs: int, latent_dim: int) -> None:
    samples = _samples(n)
    kept = samples.clone()
    gen, disc, gen_optim, disc_optim = _networks(latent_dim)
    spy = _Spy(samples)
    setting = f"{n} samples, batch_size={batch_size}, epochs={epochs}"

    result = call_student(fn, gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, spy)
    if not result.ok:
        _report_error(report, result.error, setting)
        return
    if not torch.equal(samples, kept):
        report.problem(
            "mutates_inputs",
            f"Your loop changed `samples` in place ({setting}). Leave the caller's data alone: the "
            "DataLoader only reads it.",
        )
    calls = spy.calls
    if not calls:
        report.problem(
            "step_not_called",
            f"Your loop never called `step_fn` ({setting}). Either the loops never reached the call "
            f"(`for epoch in range(epochs):` runs {epochs} time(s) here; a range starting at 1 runs one time "
            "fewer), or it called another step by name: call the step you were given, "
            "`g_loss, d_loss = step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)`, once per "
            "batch, not `train_step(...)`: the notebook passes different steps.",
        )
        return
    if not _arguments_ok(report, calls, gen, disc, gen_optim, disc_optim, latent_dim):
        return
    if not _batches_ok(report, calls, n, batch_size, epochs, setting):
        return
    _history_ok(report, result.value, len(calls), setting)


def _report_error(report: Report, exc: BaseException, setting: str) -> None:
    if isinstance(exc, NotImplementedError):
        report.problem(
            "not_implemented",
            "train_gan still raises NotImplementedError. Replace the `raise NotImplementedError()` line with "
            "your loop: a DataLoader over TensorDataset(samples), epochs, one step_fn call per batch.",
        )
        return
    low = str(exc).lower()
    hint = exception_hint(exc)
    if "has no attribute 'item'" in low and "float" in low:
        hint = ("`step_fn` returns two Python floats already (`return g_loss.item(), d_loss.item()` inside "
                "the step): record them as they are, without `.item()`.")
    elif "unpack" in low:
        hint = ("A batch from a DataLoader over `TensorDataset(samples)` is a list holding ONE tensor: unpack it "
                "with `(real_batch,) = batch` (or `real_batch = batch[0]`); and `step_fn` returns exactly two "
                "numbers, `g_loss, d_loss`.")
    report.problem("raised", f"Your loop raised {exception_text(exc)} ({setting}). {hint}")


def _arguments_ok(report, calls, gen, disc, gen_optim, disc_optim, latent_dim) -> bool:
    names = ("gen", "disc", "gen_optim", "disc_optim", "real_batch", "latent_dim")
    expected = {"gen": gen, "disc": disc, "gen_optim": gen_optim, "disc_optim": disc_optim}
    for call in calls:
        bound = dict(zip(names, call.args))
        bound.update(call.kwargs)
        unknown = set(bound) - set(names)
        if len(call.args) > len(names) or unknown:
            report.problem(
                "step_arguments_wrong",
                "Your loop called `step_fn` with other arguments than the course's convention. Call it as "
                "`step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)`.",
            )
            return False
        wrong = [k for k, v in expected.items() if bound.get(k) is not v]
        if wrong:
            report.problem(
                "step_arguments_wrong",
                f"Your loop passed the wrong object as {', '.join('`' + w + '`' for w in wrong)} to `step_fn`. "
                "Pass your function's own arguments in the course's order: "
                "`step_fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim)` (networks first, then "
                "their optimizers, generator before discriminator).",
            )
            return False
        if bound.get("latent_dim") != latent_dim:
            report.problem(
                "latent_dim_wrong",
                f"Your loop passed latent_dim={bound.get('latent_dim')!r} to `step_fn`, but train_gan was given "
                f"latent_dim={latent_dim}. Pass the argument on unchanged (do not use a global such as LATENT_DIM).",
            )
            return False
    return True


def _batches_ok(report, calls, n, batch_size, epochs, setting) -> bool:
    """The batches ``step_fn`` got: rows of ``samples``, of ``batch_size``, one pass over the data per epoch."""
    return (_rows_of_samples(report, calls, setting) and _sizes_ok(report, calls, n, batch_size, epochs, setting)
            and _epochs_ok(report, calls, n, batch_size, epochs, setting))


def _counts(n: int, batch_size: int) -> Tuple[int, int, int, int]:
    """(full batches, rows left over, batches per epoch keeping the last one, and dropping it)."""
    full, rest = divmod(n, batch_size)
    return full, rest, full + (1 if rest else 0), full


def _rows_of_samples(report, calls, setting) -> bool:
    bad = next((c for c in calls if c.ids is None), None)
    if bad is not None:
        if bad.problem == "list":
            report.problem(
                "batch_not_unpacked",
                "Your loop handed `step_fn` the DataLoader's batch as it comes: a list holding one tensor. "
                "`TensorDataset(samples)` has one tensor, so each batch is a 1-element list: unpack it with "
                "`(real_batch,) = batch` (or `batch[0]`) and pass the tensor.",
            )
        else:
            report.problem(
                "batch_not_from_samples",
                f"Your loop handed `step_fn` {bad.problem} instead of a batch of rows of `samples` ({setting}). "
                "Draw the batches from `DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=True)` "
                "and pass each one on unchanged (no global data, no reshaping or rescaling).",
            )
        return False
    return True


def _sizes_ok(report, calls, n, batch_size, epochs, setting) -> bool:
    sizes = [len(c.ids) for c in calls]
    _, rest, keep_last, drop_last = _counts(n, batch_size)
    steps = len(calls)
    counts = f"{keep_last} per epoch" + (f" (or {drop_last} with drop_last=True)" if rest else "")

    if any(s > batch_size or (s < batch_size and s != rest) for s in sizes):
        report.problem(
            "wrong_batch_size",
            f"Your loop's batches held {sorted(set(sizes))} rows, but batch_size was {batch_size} ({setting}). "
            "Build the DataLoader with `batch_size=batch_size` (the argument, not a number of your own); only "
            "the last batch of an epoch may be smaller.",
        )
        return False
    if batch_size > 1 and 1 in sizes:
        report.problem(
            "batch_of_one",
            f"Your loop handed `step_fn` a batch of ONE sample ({setting}: the last batch of each epoch holds "
            f"{rest}). Batch normalisation cannot normalise a single sample (PyTorch raises \"Expected more than "
            "1 value per channel when training\"), so a step on networks that use it fails there. Decide what "
            "to do with that last batch: drop it (`drop_last=True`), or skip a batch of one row.",
        )
        return False
    if len(calls) > 1 and all(c.ids == calls[0].ids for c in calls):
        report.problem(
            "same_batch_every_step",
            f"Every call of `step_fn` got the very same batch ({setting}). Take a new batch for each step: "
            "`for batch in loader:` inside the epoch loop (a batch drawn once before the loop, or the last "
            "batch of a finished loop, is the same every time).",
        )
        return False
    if steps == epochs and keep_last > 1:
        report.problem(
            "one_step_per_epoch",
            f"Your loop called `step_fn` {steps} times, once per epoch, for {setting}: one call per batch is "
            f"{counts}, {keep_last * epochs} in all. Call the step inside `for batch in loader:`, not after it "
            "(after the loop, `batch` is just the last batch).",
        )
        return False
    return True


def _epochs_ok(report, calls, n, batch_size, epochs, setting) -> bool:
    full, rest, keep_last, drop_last = _counts(n, batch_size)
    steps = len(calls)
    counts = f"{keep_last} per epoch" + (f" (or {drop_last} with drop_last=True)" if rest else "")
    per_epoch = next((k for k in (keep_last, drop_last) if k and steps % k == 0 and steps // k == epochs), None)
    if per_epoch is None:
        other = next((steps // k for k in (keep_last, drop_last) if k and steps % k == 0), None)
        if other is not None:
            report.problem(
                "wrong_number_of_epochs",
                f"Your loop called `step_fn` {steps} times for {setting}: that is {other} epoch(s), not {epochs}. "
                "Loop `for epoch in range(epochs):` (the argument, from 0 to epochs - 1).",
            )
        else:
            report.problem(
                "not_every_sample_each_epoch",
                f"Your loop called `step_fn` {steps} times for {setting}; one call per batch is {counts}, "
                f"{keep_last * epochs} in all. Iterate over the DataLoader itself, `for batch in loader:`, "
                "inside `for epoch in range(epochs):` (drawing `next(iter(loader))` by hand gives random "
                "batches, not one pass over the data).",
            )
        return False

    orders = []
    for e in range(epochs):
        seen = [i for c in calls[e * per_epoch:(e + 1) * per_epoch] for i in c.ids]
        if len(set(seen)) != len(seen) or len(seen) < full * batch_size:
            report.problem(
                "not_every_sample_each_epoch",
                f"In epoch {e + 1} of {epochs} ({setting}) your loop's batches "
                + ("repeated some samples" if len(set(seen)) != len(seen) else "left samples out")
                + ": each epoch must show every sample once. Iterate over the DataLoader itself, "
                "`for batch in loader:`, inside `for epoch in range(epochs):`.",
            )
            return False
        orders.append(seen)
    if epochs > 1 and all(o == orders[0] for o in orders):
        report.warn(
            "not_shuffled",
            "Every epoch saw the samples in the same order. Shuffle them, `DataLoader(..., shuffle=True)`, so "
            "batches differ from epoch to epoch.",
        )
    return True


def _number(v: Any) -> Optional[float]:
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return float(v.detach().reshape(()))
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return float(v)
    return None


_SHARED_LIST = (
    'Both keys of your record hold ONE list (as `dict.fromkeys(keys, [])`, `[[]] * 2` or `g = d = []` '
    "make): every append lands under both keys, so each holds both players' losses. Give each key its "
    'own list: `{"gen_loss": [], "disc_loss": []}` (or `{k: [] for k in keys}`).'
)


def _history_ok(report: Report, history: Any, steps: int, setting: str) -> None:
    shape_hint = ('Return a dict with one list per player, one float per step: '
                  '`{"gen_loss": gen_losses, "disc_loss": disc_losses}`.')
    if not isinstance(history, dict) or not {"gen_loss", "disc_loss"} <= set(history):
        what = "None (no `return`?)" if history is None else (
            f"a dict with keys {sorted(map(str, history))}" if isinstance(history, dict) else f"a {type(history).__name__}")
        report.problem("returns_wrong_type", f"Your loop returned {what}. {shape_hint}")
        return
    if history["gen_loss"] is history["disc_loss"]:
        report.problem("history_shared_list", _SHARED_LIST)
        return
    lists = {}
    for key in ("gen_loss", "disc_loss"):
        values = history[key]
        try:
            numbers_ = [_number(v) for v in values]
        except TypeError:
            numbers_ = [None]
        if any(v is None for v in numbers_):
            report.problem("returns_wrong_type", f'`history["{key}"]` is not a list of numbers. {shape_hint}')
            return
        lists[key] = numbers_
    g, d = lists["gen_loss"], lists["disc_loss"]
    if len(g) == len(d) == 2 * steps and g == d:  # one list under both keys, copied at the end
        report.problem("history_shared_list", _SHARED_LIST)
        return
    if len(g) != steps or len(d) != steps:
        report.problem(
            "history_wrong_length",
            f'Your record holds {len(g)} generator and {len(d)} discriminator losses, but `step_fn` ran {steps} '
            f"times ({setting}). Append both losses after every step (one entry per batch, not per epoch).",
        )
        return
    want = [_Spy.losses(k) for k in range(steps)]
    same = lambda xs, ys: all(math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9) for x, y in zip(xs, ys))  # noqa: E731
    if same(g, [w[0] for w in want]) and same(d, [w[1] for w in want]):
        return
    if same(g, [w[1] for w in want]) and same(d, [w[0] for w in want]):
        report.problem(
            "outputs_swapped",
            '`step_fn` returns `(g_loss, d_loss)`, generator first; your record has them the other way round. '
            'Unpack `g_loss, d_loss = step_fn(...)` and append g_loss to "gen_loss", d_loss to "disc_loss".',
        )
        return
    report.problem(
        "history_wrong_values",
        "The losses in your record are not the ones `step_fn` returned, in order. Append exactly the two "
        "numbers each call returns, right after the call (no sums, averages or values from other steps).",
    )

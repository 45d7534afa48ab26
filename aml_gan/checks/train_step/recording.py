"""Recording what a student's ``train_step`` does, without reading its code.

- :class:`SpyOptimizer`: plain SGD with a small learning rate that logs every ``zero_grad``
  and ``step`` and copies the gradients it steps with;
- :class:`Instruments`: hooks on the networks (which rows the discriminator scored, the
  gradient arriving at its output, each parameter's gradient per backward pass);
- :func:`patched_backward`: marks where each ``backward()`` and ``autograd.grad`` starts and ends;

Everything lands in a :class:`Recording`, which the diagnosis reads.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set, Tuple

import torch
from torch import nn

from ..layers import leaf_layers
from .probes import last_weight_module

GEN, DISC = "G", "D"
NETS = (GEN, DISC)
REAL, FAKE, UNKNOWN = 0, 1, 2

SPY_LR = 1e-3  # small: a large step saturates the discriminator within a call or two
SEED = 1234  # what the check seeds every random generator with (grading_check restores them)


# ----------------------------------------------------------------------------- records


@dataclass
class DiscriminatorCall:
    """One forward call of the discriminator and the rows it scored."""

    index: int
    call: int  # which call of train_step
    scores: torch.Tensor  # detached outputs, (rows, k)
    row_kinds: torch.Tensor  # (rows,) REAL / FAKE / UNKNOWN
    attached: bool  # its input was still attached to the generator's graph
    family: Optional[str] = None  # "logit" when read at the last layer (e.g. ``disc.logits(x)``)


@dataclass
class BackwardPass:
    """One backward pass (``loss.backward()``) and the gradients it produced."""

    index: int
    call: int
    started: int  # clock time
    ended: int = -1
    losses: List[float] = field(default_factory=list)  # the value of each tensor back-propagated
    score_grads: List[Tuple[DiscriminatorCall, torch.Tensor]] = field(default_factory=list)
    param_grads: Dict[str, Dict[int, torch.Tensor]] = field(default_factory=lambda: {GEN: {}, DISC: {}})
    flat_grads: Dict[str, torch.Tensor] = field(default_factory=dict)  # cache of ``flat_grad``

    def touches(self, net: str) -> bool:
        return bool(self.param_grads[net])

    def flat_grad(self, net: str, params: List[torch.Tensor]) -> torch.Tensor:
        """This pass's contribution to one network's gradients, as one flat vector."""
        if net not in self.flat_grads:
            self.flat_grads[net] = flatten(params, self.param_grads[net])
        return self.flat_grads[net]


@dataclass
class OptimizerStep:
    """One ``step()`` of a spy optimizer and the gradients it used."""

    net: str
    clock: int
    call: int
    grad: torch.Tensor  # flat
    has_grad: bool
    frozen: bool  # some parameter had requires_grad=False


@dataclass
class GradientClear:
    """One ``zero_grad()`` of a spy optimizer."""

    net: str
    clock: int
    call: int


def flatten(params: List[torch.Tensor], grads: Dict[int, torch.Tensor]) -> torch.Tensor:
    parts = [grads[i].reshape(-1) if i in grads else torch.zeros(p.numel(), device=p.device)
             for i, p in enumerate(params)]
    return torch.cat(parts).float() if parts else torch.zeros(0)


def storage_key(x: torch.Tensor):
    """Identifies a tensor's memory: ``x`` and ``x.detach()`` share it."""
    try:
        return (x.untyped_storage().data_ptr(), x.storage_offset(), tuple(x.shape), tuple(x.stride()))
    except Exception:  # pragma: no cover - tensors without storage
        return None


# ----------------------------------------------------------------------------- which rows are real or fake


class RowIdentifier:
    """Tells, row by row, whether a batch the discriminator scored is the real batch or fakes."""

    def __init__(self, real: torch.Tensor):
        n = real[0].numel()
        g = torch.Generator(device="cpu").manual_seed(7)
        self.weights = torch.randn(n, generator=g, dtype=torch.float64).to(real.device)
        self.real_key = storage_key(real)
        self.real_prints = self.fingerprint(real)
        self.real = real.detach()
        self.fake_prints: List[torch.Tensor] = []
        self.fake_keys: Set = set()
        self.kept: List[torch.Tensor] = []  # keeps fake storage alive, so its address is not reused

    def fingerprint(self, x: torch.Tensor) -> Optional[torch.Tensor]:
        x = x.detach()
        if x.dim() == 0 or x.shape[0] == 0 or x[0].numel() != self.weights.numel():
            return None
        rows = x.reshape(x.shape[0], -1).double()
        return torch.stack([rows @ self.weights, rows.abs().sum(1)], dim=1)

    def remember_fakes(self, fakes: torch.Tensor) -> None:
        prints = self.fingerprint(fakes)
        if prints is not None:
            self.fake_prints.append(prints)
            self.fake_keys.add(storage_key(fakes))
            self.kept.append(fakes.detach())

    def kinds(self, x) -> Tuple[torch.Tensor, bool]:
        """(REAL / FAKE / UNKNOWN per row, whether ``x`` is attached to a graph)."""
        rows = x.shape[0]
        key = storage_key(x)
        if key == self.real_key:  # fast paths: the very batch, or a fake batch (detached or not)
            return torch.full((rows,), REAL, dtype=torch.long), bool(x.requires_grad)
        if key in self.fake_keys:
            return torch.full((rows,), FAKE, dtype=torch.long), bool(x.requires_grad)
        prints = self.fingerprint(x)
        if prints is None:
            return torch.full((rows,), UNKNOWN, dtype=torch.long), bool(x.requires_grad)
        return self._match(prints), bool(x.requires_grad)

    def rescaled_real(self, x: torch.Tensor) -> Optional[Tuple[float, float]]:
        """(a, b) when ``x`` is the real batch with every value mapped to a * value + b (not the identity); else None."""
        if tuple(x.shape) != tuple(self.real.shape) or self.real.numel() < 4:
            return None
        r = self.real.flatten().double()
        v = x.detach().flatten().double().to(r.device)
        design = torch.stack([r, torch.ones_like(r)], dim=1)
        coef = torch.linalg.lstsq(design, v[:, None]).solution.flatten()
        a, b = float(coef[0]), float(coef[1])
        if abs(a - 1) < 1e-6 and abs(b) < 1e-6:
            return None
        if (design @ coef[:, None]).flatten().sub(v).abs().max() > 1e-5 * (1 + v.abs().max()):
            return None
        return a, b

    def _match(self, prints: torch.Tensor) -> torch.Tensor:
        """Exact match of each row's fingerprint against the real rows and every fake made so far."""
        refs = [self.real_prints] + self.fake_prints
        ref = torch.cat(refs)
        label = torch.cat([torch.full((len(r),), REAL if i == 0 else FAKE, dtype=torch.long) for i, r in enumerate(refs)])
        diff = (prints[:, None, :] - ref[None, :, :]).abs()
        scale = ref.abs()[None, :, :] + prints.abs()[:, None, :] + 1e-12
        hit = ((diff / scale) < 1e-9).all(-1).cpu()  # (rows, refs)
        kinds = torch.full((prints.shape[0],), UNKNOWN, dtype=torch.long)
        found = hit.any(1)
        kinds[found] = label[hit.float().argmax(1)[found]]
        return kinds


# ----------------------------------------------------------------------------- the recording


class Recording:
    """Everything one check run saw, in order, on one clock."""

    def __init__(self, gen: nn.Module, disc: nn.Module, real: torch.Tensor):
        self.nets = {GEN: gen, DISC: disc}
        self.params = {k: list(m.parameters()) for k, m in self.nets.items()}
        self.real = real
        self.rows = RowIdentifier(real)
        self.clock = 0
        self.call = -1
        self.disc_calls: List[DiscriminatorCall] = []
        self.passes: List[BackwardPass] = []
        self.steps: List[OptimizerStep] = []
        self.clears: List[GradientClear] = []
        self.forward_calls: Dict[str, List[int]] = {GEN: [], DISC: []}  # the call of each forward
        self.fake_sizes: List[int] = []  # rows of every batch of fakes
        self.noise: List[torch.Tensor] = []  # every input the generator got, flattened
        self.disc_outputs: List[torch.Tensor] = []  # what disc(x) returned (tells a sigmoid ending)
        self.disc_output_not_tensor = False
        self.real_rescaled: Optional[Tuple[float, float]] = None  # (a, b) when D saw a * real + b instead of real
        self.changed_outside: Dict[str, Set[int]] = {GEN: set(), DISC: set()}  # calls
        self._open: Optional[BackwardPass] = None
        self._open_implicitly = False  # opened by a gradient hook (``torch.autograd.grad``), not ``backward``
        self._versions: Dict[str, Tuple[int, ...]] = {}

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    # --- calls of train_step
    def begin_call(self, call: int) -> None:
        self.call = call
        for net in NETS:
            self._versions[net] = self._current_versions(net)

    def end_call(self) -> None:
        self._close_implicit()
        if self._open is not None:  # a backward that raised
            self.on_backward_end()
        for net in NETS:
            self._note_outside_changes(net)

    # --- forwards
    def on_noise(self, z) -> None:
        if isinstance(z, torch.Tensor) and z.is_floating_point():
            self.noise.append(z.detach().flatten().float().cpu())

    def on_fakes(self, fakes) -> None:
        self._close_implicit()
        self.tick()
        self.forward_calls[GEN].append(self.call)
        if isinstance(fakes, torch.Tensor):
            self.rows.remember_fakes(fakes)
            self.fake_sizes.append(fakes.shape[0] if fakes.dim() else 0)

    def on_scores(self, x, scores: torch.Tensor, family: Optional[str]) -> DiscriminatorCall:
        self._close_implicit()
        self.tick()
        self.forward_calls[DISC].append(self.call)
        rows = scores.shape[0]
        kinds, attached = torch.full((rows,), UNKNOWN, dtype=torch.long), False
        if isinstance(x, torch.Tensor) and x.dim() > 0 and x.shape[0] == rows:
            kinds, attached = self.rows.kinds(x)
            if bool((kinds == UNKNOWN).all()) and self.real_rescaled is None:
                self.real_rescaled = self.rows.rescaled_real(x)  # the step rescaled the real batch again
        dcall = DiscriminatorCall(len(self.disc_calls), self.call, scores.detach().reshape(rows, -1).clone(),
                                  kinds, attached, family)
        self.disc_calls.append(dcall)
        if family is None:
            self.disc_outputs.append(dcall.scores)
        return dcall

    def on_bad_disc_output(self) -> None:
        self.forward_calls[DISC].append(self.call)
        self.disc_output_not_tensor = True

    # --- backward passes
    def on_backward_start(self, tensors) -> None:
        self._close_implicit()
        bpass = BackwardPass(len(self.passes), self.call, self.tick())
        for t in [tensors] if isinstance(tensors, torch.Tensor) else (tensors or []):
            if isinstance(t, torch.Tensor):
                with contextlib.suppress(Exception):
                    bpass.losses.append(float(t.detach().sum()))
        self.passes.append(bpass)
        self._open, self._open_implicitly = bpass, False

    def on_backward_end(self) -> None:
        if self._open is not None:
            self._open.ended = self.tick()
        self._open, self._open_implicitly = None, False

    def on_score_grad(self, dcall: DiscriminatorCall, grad: torch.Tensor) -> None:
        if self._open_implicitly and any(seen is dcall for seen, _ in self._open.score_grads):
            self._close_implicit()  # a second gradient through the same scores: a new pass began
        self._current_pass().score_grads.append((dcall, grad.detach().reshape(dcall.scores.shape).clone()))

    def on_param_grad(self, net: str, i: int, grad: torch.Tensor) -> None:
        if self._open_implicitly and i in self._open.param_grads[net]:
            self._close_implicit()  # a leaf's hook fires once per pass: a second one is a new pass
        store = self._current_pass().param_grads[net]
        store[i] = store[i] + grad.detach() if i in store else grad.detach().clone()

    # --- optimizers
    def on_zero_grad(self, net: str) -> None:
        self._close_implicit()
        self.clears.append(GradientClear(net, self.tick(), self.call))

    def on_step(self, net: str) -> None:
        self._close_implicit()
        clock = self.tick()
        params = self.params[net]
        self._note_outside_changes(net)
        grads = {i: p.grad.detach() for i, p in enumerate(params) if p.grad is not None}
        frozen = any(not p.requires_grad for p in params)
        self.steps.append(OptimizerStep(net, clock, self.call, flatten(params, grads), bool(grads), frozen))

    def after_step(self, net: str) -> None:
        self._versions[net] = self._current_versions(net)

    # --- helpers
    def _current_pass(self) -> BackwardPass:
        if self._open is None:
            self._open = BackwardPass(len(self.passes), self.call, self.tick())
            self.passes.append(self._open)
            self._open_implicitly = True
        return self._open

    def _close_implicit(self) -> None:
        if self._open is not None and self._open_implicitly:
            self._open.ended = self.tick()
            self._open, self._open_implicitly = None, False

    def _current_versions(self, net: str) -> Tuple[int, ...]:
        """In-place modification counters of a network's parameters (any optimizer step bumps them)."""
        return tuple(p._version for p in self.params[net])

    def _note_outside_changes(self, net: str) -> None:
        now = self._current_versions(net)
        if self._versions.get(net) not in (None, now):
            self.changed_outside[net].add(self.call)
        self._versions[net] = now


# ----------------------------------------------------------------------------- instruments


class SpyOptimizer(torch.optim.SGD):
    """Plain SGD that logs zero_grad/step to a Recording."""

    def __init__(self, params, recording: Recording, net: str):
        super().__init__(params, lr=SPY_LR)
        self._recording = recording
        self._net = net

    def zero_grad(self, set_to_none: bool = True):  # noqa: D102
        self._recording.on_zero_grad(self._net)
        return super().zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):  # noqa: D102
        self._recording.on_step(self._net)
        out = super().step(closure)
        self._recording.after_step(self._net)
        return out


class Instruments:
    """The hooks on the two networks that feed a Recording; ``remove()`` takes them all off.

    A discriminator may be used without its top-level forward (``disc.logits(x)``): then its
    input is read at the first layer that runs and its raw scores at its last weighted layer.
    """

    def __init__(self, recording: Recording):
        self.recording = recording
        self.handles = []
        self.inside_disc = 0  # depth of disc.forward calls in progress
        self.pending_input: Optional[torch.Tensor] = None  # input of a forward that bypasses disc.forward

    def install(self) -> "Instruments":
        rec = self.recording
        gen, disc = rec.nets[GEN], rec.nets[DISC]
        self.handles.append(gen.register_forward_pre_hook(lambda m, a: rec.on_noise(a[0] if a else None)))
        self.handles.append(gen.register_forward_hook(lambda m, a, out: rec.on_fakes(out)))
        self.handles.append(disc.register_forward_pre_hook(self._disc_enter))
        self.handles.append(disc.register_forward_hook(self._disc_exit, always_call=True))
        head = last_weight_module(disc)
        if head is not None and head is not disc:
            for m in leaf_layers(disc):  # parametrized layers count as one layer (their parametrizations are not)
                if m is not disc:
                    self.handles.append(m.register_forward_pre_hook(self._layer_enter))
            self.handles.append(head.register_forward_hook(self._head_exit))
        for net in NETS:
            for i, p in enumerate(rec.params[net]):
                if p.requires_grad:
                    self.handles.append(p.register_hook(self._param_hook(net, i)))
        return self

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []

    def reset(self) -> None:
        self.inside_disc, self.pending_input = 0, None

    def _disc_enter(self, module, args):
        self.inside_disc += 1

    def _disc_exit(self, module, args, output):
        self.inside_disc = max(0, self.inside_disc - 1)
        self.pending_input = None
        if not isinstance(output, torch.Tensor) or output.dim() == 0:
            self.recording.on_bad_disc_output()
            return
        self._scored(args[0] if args else None, output, None)

    def _layer_enter(self, module, args):
        if self.inside_disc == 0 and self.pending_input is None and args and isinstance(args[0], torch.Tensor):
            self.pending_input = args[0]

    def _head_exit(self, module, args, output):
        if self.inside_disc == 0:
            x, self.pending_input = self.pending_input, None
            if isinstance(output, torch.Tensor) and output.dim() > 0:
                self._scored(x, output, "logit")

    def _scored(self, x, output: torch.Tensor, family: Optional[str]) -> None:
        dcall = self.recording.on_scores(x, output, family)
        if output.requires_grad:
            output.register_hook(lambda grad: self.recording.on_score_grad(dcall, grad))

    def _param_hook(self, net: str, i: int):
        return lambda grad: self.recording.on_param_grad(net, i, grad)


@contextlib.contextmanager
def patched_backward(recording: Recording) -> Iterator[None]:
    """Every backward pass tells the recording when it starts and ends: ``tensor.backward()``,
    ``torch.autograd.backward`` and ``torch.autograd.grad`` alike, however they were imported
    (all three run ``torch.autograd._engine_run_backward``; older torch: the two functions)."""
    engine = "_engine_run_backward"
    names = [engine] if hasattr(torch.autograd, engine) else ["backward", "grad"]
    originals = {name: getattr(torch.autograd, name) for name in names}

    def marked(original):
        def run(tensors, *args, **kwargs):
            recording.on_backward_start(tensors)
            try:
                return original(tensors, *args, **kwargs)
            finally:
                recording.on_backward_end()

        return run

    for name, original in originals.items():
        setattr(torch.autograd, name, marked(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(torch.autograd, name, original)

"""The training-step checker: runs a student's ``train_step`` on instrumented networks
and names the bug, without ever reading the student's source code.

The student's step follows the course convention::

    train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss: float, d_loss: float)

``check_train_step`` calls it a few times in a row on copies of the networks and watches:

- **spy optimizers** (plain SGD with a small learning rate) that log every ``zero_grad``
  and ``step`` and copy the gradients they step with;
- **every backward pass**: the loss it starts from, the gradient arriving at the
  discriminator's output (which names the loss: see ``_fit.py``), and each parameter's
  contribution (hooks on the parameters), so the gradients used at a ``step`` can be
  explained exactly as "the passes since the last clearing";
- which rows the discriminator saw: the real batch or the generator's fakes, and
  whether the fakes were still attached to the generator's graph.

From those it tells apart: the wrong loss, a saturating generator loss, a
discriminator updated with the generator's loss, generator gradients from the
discriminator's loss (missing ``.detach()``), gradients left over from the previous
call, networks that were not updated, swapped optimizers, and errors. Every correct
style passes: generator or discriminator first, explicit logs or ``BCELoss``, mean or
sum, any ``zero_grad`` placement, ``set_to_none``, ``model.zero_grad()``, freezing the
discriminator, one fake batch reused (detached) or fresh noise per phase.
"""
from __future__ import annotations

import contextlib
import copy
import math
import numbers
import random
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from ._fit import exception_hint, exception_text, fit_gradient
from .report import Report
from .student import grading_check

__all__ = ["check_train_step"]

_SPY_LR = 1e-3
_SEED = 1234
_DEFAULT_LATENT = 3
_DEFAULT_BATCH = 12
_USER_BATCH = 8

REAL, FAKE, UNKNOWN = 0, 1, 2


# ----------------------------------------------------------------------------- probe networks


class _ProbeGenerator(nn.Module):
    """Noise (B, latent_dim) -> 2-D points (B, 2)."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2))
        with torch.no_grad():  # fakes spread out, so the discriminator's scores do too
            self.net[2].weight.mul_(2.0)

    def forward(self, z):
        return self.net(z)


class _ProbeDiscriminator(nn.Module):
    """2-D points (B, 2) -> probabilities (B, 1)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
        with torch.no_grad():  # scores spread over about [0.2, 0.95], away from 0.5 (see _fit.py)
            self.net[0].weight.mul_(1.5)
            self.net[2].weight.mul_(4.0)

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------- records


@dataclass
class _DCall:
    """One forward call of the discriminator."""

    idx: int
    call: int
    out: torch.Tensor  # detached output, flattened to (rows, k)
    kinds: torch.Tensor  # (rows,) REAL / FAKE / UNKNOWN
    attached: bool  # its input was still attached to the generator's graph
    family: Optional[str] = None  # "logit" when read at the last layer (e.g. ``disc.logits(x)``)


@dataclass
class _Pass:
    """One backward pass (``loss.backward()``) and what it did."""

    idx: int
    call: int
    seq: int
    roots: List[Tuple[Tuple[int, ...], float]] = field(default_factory=list)
    d_events: List[Tuple[_DCall, torch.Tensor]] = field(default_factory=list)
    contrib: Dict[str, Dict[int, torch.Tensor]] = field(default_factory=lambda: {"G": {}, "D": {}})
    end: int = -1
    cache: dict = field(default_factory=dict)
    # filled by the analysis
    fits: list = field(default_factory=list)  # (kind, fit, attached, dcall)
    role: str = "unknown"

    def touches(self, net: str) -> bool:
        return bool(self.contrib[net])


@dataclass
class _Step:
    net: str
    seq: int
    call: int
    grad: torch.Tensor  # flat
    has_grad: bool
    frozen: bool  # some parameter had requires_grad=False


class _Spy(torch.optim.SGD):
    """Plain SGD that logs zero_grad/step and copies the gradients it steps with."""

    def __init__(self, params, recorder: "_Recorder", net: str):
        super().__init__(params, lr=_SPY_LR)
        self._rec = recorder
        self._net = net

    def zero_grad(self, set_to_none: bool = True):  # noqa: D102
        self._rec.on_zero_grad(self._net)
        return super().zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):  # noqa: D102
        self._rec.on_step(self._net)
        out = super().step(closure)
        self._rec.after_step(self._net)
        return out


class _Recorder:
    """Holds the instrumentation of one check run."""

    def __init__(self, gen: nn.Module, disc: nn.Module, real: torch.Tensor):
        self.nets = {"G": gen, "D": disc}
        self.params = {k: [p for p in m.parameters()] for k, m in self.nets.items()}
        self.real = real
        self.seq = 0
        self.call = -1
        self.dcalls: List[_DCall] = []
        self.passes: List[_Pass] = []
        self.steps: List[_Step] = []
        self.zero_grads: List[Tuple[str, int, int]] = []
        self.forwards = {"G": [], "D": []}  # call index per forward
        self.fake_batches: List[torch.Tensor] = []  # fingerprints of every fake row made
        self.fake_sizes: List[Tuple[int, int]] = []  # (call, rows) per generator call
        self.fake_keys = set()  # storage of every fake batch (detach() shares it)
        self._alive: List[torch.Tensor] = []
        self.open: Optional[_Pass] = None
        self.implicit = False
        self.expected = {}  # net -> parameter versions expected (as left by the last spy step)
        self.outside = {"G": set(), "D": set()}  # calls where params changed outside the optimizer
        self.d_outputs: List[torch.Tensor] = []
        self.bad_output = False
        self._handles = []
        n = real[0].numel()
        g = torch.Generator(device="cpu").manual_seed(7)
        self._w = torch.randn(n, generator=g, dtype=torch.float64).to(real.device)
        self.real_fp = self.fingerprint(real)
        self.real_key = _storage_key(real)

    # --- helpers
    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def fingerprint(self, x: torch.Tensor) -> Optional[torch.Tensor]:
        x = x.detach()
        if x.dim() == 0 or x.shape[0] == 0 or x[0].numel() != self._w.numel():
            return None
        rows = x.reshape(x.shape[0], -1).double()
        return torch.stack([rows @ self._w, rows.abs().sum(1)], dim=1)

    def flat(self, net: str, grads: Dict[int, torch.Tensor]) -> torch.Tensor:
        parts = []
        for i, p in enumerate(self.params[net]):
            g = grads.get(i)
            parts.append(g.reshape(-1) if g is not None else torch.zeros(p.numel(), device=p.device))
        return torch.cat(parts).float() if parts else torch.zeros(0)

    def pass_flat(self, p: "_Pass", net: str) -> torch.Tensor:
        """A pass's contribution to one network's gradients, as one flat vector (cached)."""
        key = "flat_" + net
        if key not in p.cache:
            p.cache[key] = self.flat(net, p.contrib[net])
        return p.cache[key]

    def versions(self, net: str) -> Tuple[int, ...]:
        """In-place modification counters of a network's parameters (any optimizer step bumps them)."""
        return tuple(p._version for p in self.params[net])

    def close_implicit(self):
        if self.open is not None and self.implicit:
            self.open.end = self.tick()
            self.open = None
            self.implicit = False

    # --- instrumentation
    def install(self):
        gen, disc = self.nets["G"], self.nets["D"]
        self._handles.append(gen.register_forward_hook(self._gen_hook))
        self._handles.append(disc.register_forward_pre_hook(self._disc_pre))
        self._handles.append(disc.register_forward_hook(self._disc_hook, always_call=True))
        # a discriminator used without its top-level forward (e.g. ``disc.logits(x)``):
        # read its input at the first layer that runs and its raw score at its last layer
        self.top_active = 0
        self.pending = None
        head = _last_weight_module(disc)
        if head is not None and head is not disc:
            for m in disc.modules():
                if m is not disc and not list(m.children()):
                    self._handles.append(m.register_forward_pre_hook(self._leaf_pre))
            self._handles.append(head.register_forward_hook(self._head_hook))
        for net in ("G", "D"):
            for i, p in enumerate(self.params[net]):
                if p.requires_grad:
                    self._handles.append(p.register_hook(self._param_hook(net, i)))

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    def _gen_hook(self, module, args, output):
        self.close_implicit()
        self.tick()
        self.forwards["G"].append(self.call)
        if isinstance(output, torch.Tensor):
            fp = self.fingerprint(output)
            if fp is not None:
                self.fake_batches.append(fp)
                self.fake_keys.add(_storage_key(output))
                self._alive.append(output.detach())  # keeps the storage from being reused during the check
            self.fake_sizes.append((self.call, output.shape[0] if output.dim() else 0))

    def _disc_pre(self, module, args):
        self.top_active += 1

    def _leaf_pre(self, module, args):
        if self.top_active == 0 and self.pending is None and args and isinstance(args[0], torch.Tensor):
            self.pending = args[0]

    def _head_hook(self, module, args, output):
        if self.top_active == 0:
            x, self.pending = self.pending, None
            if isinstance(output, torch.Tensor) and output.dim() > 0:
                self._record_dcall(x, output, "logit")

    def _disc_hook(self, module, args, output):
        self.top_active = max(0, self.top_active - 1)
        self.pending = None
        if not isinstance(output, torch.Tensor) or output.dim() == 0:
            self.forwards["D"].append(self.call)
            self.bad_output = True
            return
        self._record_dcall(args[0] if args else None, output, None)
        self.d_outputs.append(self.dcalls[-1].out)

    def _record_dcall(self, x, output, family):
        self.close_implicit()
        self.tick()
        self.forwards["D"].append(self.call)
        rows = output.shape[0]
        kinds = torch.full((rows,), UNKNOWN, dtype=torch.long)
        attached = False
        if isinstance(x, torch.Tensor) and x.dim() > 0 and x.shape[0] == rows:
            attached = bool(x.requires_grad)
            key = _storage_key(x)
            if key == self.real_key:  # fast paths: the very batch, or a fake batch (detached or not)
                kinds = torch.full((rows,), REAL, dtype=torch.long)
            elif key in self.fake_keys:
                kinds = torch.full((rows,), FAKE, dtype=torch.long)
            else:
                fp = self.fingerprint(x)
                if fp is not None:
                    kinds = self._classify_rows(fp)
        out = output.detach().reshape(rows, -1).clone()
        dcall = _DCall(len(self.dcalls), self.call, out, kinds, attached, family)
        self.dcalls.append(dcall)
        if output.requires_grad:
            output.register_hook(self._dout_hook(dcall))

    def _classify_rows(self, fp: torch.Tensor) -> torch.Tensor:
        """REAL / FAKE / UNKNOWN for each row, by exact match of the row's fingerprint."""
        refs = [self.real_fp] + self.fake_batches
        ref = torch.cat(refs)
        label = torch.cat([torch.full((len(r),), REAL if i == 0 else FAKE, dtype=torch.long) for i, r in enumerate(refs)])
        d = (fp[:, None, :] - ref[None, :, :]).abs()
        scale = ref.abs()[None, :, :] + fp.abs()[:, None, :] + 1e-12
        hit = ((d / scale) < 1e-9).all(-1).cpu()  # (rows, refs)
        kinds = torch.full((fp.shape[0],), UNKNOWN, dtype=torch.long)
        any_hit = hit.any(1)
        first = hit.float().argmax(1)
        kinds[any_hit] = label[first[any_hit]]
        return kinds

    def _dout_hook(self, dcall: _DCall):
        def hook(grad):
            p = self._current_pass()
            p.d_events.append((dcall, grad.detach().reshape(dcall.out.shape).clone()))

        return hook

    def _param_hook(self, net: str, i: int):
        def hook(grad):
            p = self._current_pass()
            store = p.contrib[net]
            g = grad.detach().clone()
            if i in store:
                store[i] = store[i] + g
            else:
                store[i] = g

        return hook

    def _current_pass(self) -> _Pass:
        if self.open is None:
            self.open = _Pass(len(self.passes), self.call, self.tick())
            self.passes.append(self.open)
            self.implicit = True
        return self.open

    def on_backward_start(self, tensors):
        self.close_implicit()
        p = _Pass(len(self.passes), self.call, self.tick())
        if isinstance(tensors, torch.Tensor):
            tensors = [tensors]
        for t in tensors or []:
            if isinstance(t, torch.Tensor):
                try:
                    p.roots.append((tuple(t.shape), float(t.detach().sum())))
                except Exception:  # pragma: no cover - exotic tensors
                    pass
        self.passes.append(p)
        self.open = p
        self.implicit = False

    def on_backward_end(self):
        if self.open is not None:
            self.open.end = self.tick()
        self.open = None
        self.implicit = False

    def on_zero_grad(self, net: str):
        self.close_implicit()
        self.zero_grads.append((net, self.tick(), self.call))

    def on_step(self, net: str):
        self.close_implicit()
        seq = self.tick()
        params = self.params[net]
        self._check_outside(net)
        grads = {i: p.grad.detach() for i, p in enumerate(params) if p.grad is not None}
        flat = self.flat(net, grads)  # torch.cat copies
        frozen = any(not p.requires_grad for p in params)
        self.steps.append(_Step(net, seq, self.call, flat, bool(grads), frozen))

    def after_step(self, net: str):
        self.expected[net] = self.versions(net)

    def _check_outside(self, net: str):
        now = self.versions(net)
        if self.expected.get(net) not in (None, now):
            self.outside[net].add(self.call)
        self.expected[net] = now

    def begin_call(self, call: int):
        self.call = call
        self.top_active = 0
        self.pending = None
        for net in ("G", "D"):
            self.expected[net] = self.versions(net)

    def end_call(self):
        self.close_implicit()
        if self.open is not None:  # a backward that raised
            self.on_backward_end()
        for net in ("G", "D"):
            self._check_outside(net)


def _storage_key(x: torch.Tensor):
    try:
        return (x.untyped_storage().data_ptr(), x.storage_offset(), tuple(x.shape), tuple(x.stride()))
    except Exception:  # pragma: no cover - tensors without storage
        return None


@contextlib.contextmanager
def _patched_backward(rec: _Recorder):
    original = torch.autograd.backward

    def backward(tensors, *args, **kwargs):
        rec.on_backward_start(tensors)
        try:
            return original(tensors, *args, **kwargs)
        finally:
            rec.on_backward_end()

    torch.autograd.backward = backward
    try:
        yield
    finally:
        torch.autograd.backward = original


@contextlib.contextmanager
def _sandbox(device: torch.device, threads: Optional[int]):
    """Seeded randomness inside; every RNG (Python, NumPy, torch) restored afterwards."""
    py_state = random.getstate()
    np_state = np.random.get_state()
    devices = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    previous_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(_SEED)
        if devices:
            torch.cuda.manual_seed(_SEED)
        random.seed(_SEED)
        np.random.seed(_SEED)
        if threads:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous_threads)
            random.setstate(py_state)
            np.random.set_state(np_state)


# ----------------------------------------------------------------------------- setup


def _infer_latent_dim(gen: nn.Module) -> Optional[int]:
    for m in gen.modules():
        for attr in ("in_features", "in_channels"):
            v = getattr(m, attr, None)
            if isinstance(v, int):
                return v
    return None


def _noise_shapes(batch: int, latent_dim) -> List[Tuple[int, ...]]:
    if isinstance(latent_dim, (tuple, list)):
        return [(batch, *latent_dim)]
    return [(batch, latent_dim), (batch, latent_dim, 1, 1)]


def _try_generate(gen: nn.Module, batch: int, latent_dim, device) -> Optional[torch.Tensor]:
    for shape in _noise_shapes(batch, latent_dim):
        try:
            with torch.no_grad():
                out = gen(torch.randn(*shape, device=device))
            if isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] == batch:
                return out
        except Exception:
            continue
    return None


def _last_weight_module(net: nn.Module) -> Optional[nn.Module]:
    last = None
    for m in net.modules():
        w = getattr(m, "weight", None)
        if isinstance(w, torch.Tensor) and w.dim() >= 2 and w.requires_grad:
            last = m
    return last


def _logits(out: torch.Tensor, prob_like: bool) -> torch.Tensor:
    out = out.double().flatten()
    if prob_like:
        out = out.clamp(1e-6, 1 - 1e-6)
        return torch.log(out / (1 - out))
    return out


def _spread(disc: nn.Module, probe: nn.Module, batches: Sequence[torch.Tensor], prob_like: bool) -> None:
    """Make the discriminator's outputs spread out (away from 0.5) by scaling its last layer.

    Near p = 0.5 the BCE gradient looks like a least-squares gradient, and the
    saturating and non-saturating generator losses look alike; spread-out outputs keep
    them apart. Works on the checker's own copies only.
    """
    def logit_std():
        with torch.no_grad():
            outs = [probe(b) for b in batches]
        if not all(isinstance(o, torch.Tensor) for o in outs):
            return None
        return float(torch.cat([_logits(o, prob_like) for o in outs]).std())

    try:
        std = logit_std()
    except Exception:
        return
    if std is None or not math.isfinite(std) or std >= 0.8:
        return
    m_probe, m_disc = _last_weight_module(probe), _last_weight_module(disc)
    if m_probe is None or m_disc is None:
        return
    factor = min(1.5 / max(std, 1e-3), 50.0)
    with torch.no_grad():
        m_probe.weight.mul_(factor)
    try:
        new = logit_std()
    except Exception:
        new = None
    with torch.no_grad():
        if new is not None and math.isfinite(new) and new > std:
            m_disc.weight.mul_(factor)
        else:
            m_probe.weight.div_(factor)


def _is_prob_like(probe: nn.Module, observed: List[torch.Tensor], real: torch.Tensor) -> bool:
    """Does the discriminator end in a sigmoid? Its outputs stay in [0, 1] even for wild inputs."""
    def inside(t):
        return bool(((t >= 0) & (t <= 1)).all())

    if observed and not all(inside(o) for o in observed):
        return False
    leaves = [m for m in probe.modules() if not list(m.children())]
    if leaves and isinstance(leaves[-1], nn.Sigmoid):
        return True
    try:
        was = probe.training
        probe.eval()
        with torch.no_grad():
            g = torch.Generator(device="cpu").manual_seed(3)
            wild = [real * 30, torch.randn(real.shape, generator=g).to(real.device) * 30]
            outs = [probe(w) for w in wild]
        probe.train(was)
        return all(isinstance(o, torch.Tensor) and inside(o) for o in outs)
    except Exception:
        return True


# ----------------------------------------------------------------------------- analysis


def _explain(step: _Step, passes: List[_Pass], rec: _Recorder) -> Tuple[Optional[List[_Pass]], float]:
    """Which passes since the last clearing add up to the gradients this step used?

    Returns (passes, scale) or (None, 0) when no suffix of the pass history explains them.
    A scale below 1 is allowed (gradient clipping).
    """
    cands = [p for p in passes if p.end <= step.seq and p.end >= 0 and p.touches(step.net)]
    s = step.grad
    sn = float(s.norm())
    if sn == 0.0:
        return [], 1.0
    total = torch.zeros_like(s)
    best = (None, float("inf"), 0.0)
    for k in range(len(cands) - 1, -1, -1):
        total = total + rec.pass_flat(cands[k], step.net)
        tn = float(total.norm())
        if tn == 0.0:
            continue
        err = float((s - total).norm()) / max(sn, tn)
        if err < 1e-4:
            return cands[k:], 1.0
        alpha = float(s @ total) / (tn * tn)
        if 0 < alpha <= 1.0001:
            err_scaled = float((s - alpha * total).norm()) / sn
            if err_scaled < 1e-4 and err_scaled < best[1]:
                best = (cands[k:], err_scaled, alpha)
    if best[0] is not None:
        return best[0], best[2]
    return None, 0.0


def _fit_pass(p: _Pass, prob_like: bool) -> None:
    p.fits = []
    for dcall, grad in p.d_events:
        family = dcall.family or ("prob" if prob_like else "logit")
        other = "logit" if family == "prob" else "prob"
        for kind in (REAL, FAKE, UNKNOWN):
            rows = dcall.kinds == kind
            if not bool(rows.any()):
                continue
            out = dcall.out[rows.to(dcall.out.device)]
            g = grad[rows.to(grad.device)]
            fit = fit_gradient(out, g, family)
            alt = fit_gradient(out, g, other)
            p.fits.append((kind, fit, alt, dcall))


def _family_bad(fit, alt) -> str:
    """The loss fits the other family: a sigmoid too many ("double") or one too few ("missing")."""
    family = fit.family if fit is not None else ("logit" if alt is not None and alt.family == "prob" else "prob")
    return "double" if family == "prob" else "missing"


def _has_kind(p: _Pass, kind: int) -> bool:
    return any(k == kind and (fit is None or not fit.zero) for k, fit, _, _ in p.fits)


def _assign_role(p: _Pass, used_by: Dict[str, set]) -> str:
    """'D' (a discriminator loss), 'G' (a generator loss) or 'unknown'."""
    if _has_kind(p, REAL):
        return "D"
    fake = [fit for k, fit, _, _ in p.fits if k == FAKE and fit is not None and not fit.zero]
    if not fake:
        fake_any = [fit for k, fit, _, _ in p.fits if k == FAKE]
        if fake_any and all(f is None for f in fake_any):
            return "G" if p.idx in used_by["G"] and p.idx not in used_by["D"] else "D"
        return "unknown"
    if any(f.fits("T0") for f in fake):
        # a target-0 term on fakes: the discriminator's fake term, unless only the
        # generator ever used it (then it is a wrong generator loss)
        if p.idx in used_by["G"] and p.idx not in used_by["D"]:
            return "G"
        return "D"
    soft = [f.soft_target for f in fake]
    if all(t is not None and t < 0.5 for t in soft):
        return "D"
    return "G"


_MSG = {
    "disc_updated_by_generator_loss": (
        "Your discriminator's update used gradients of the generator's loss. The generator's loss "
        "asks the discriminator to be fooled, so the discriminator must not learn from it: call "
        "`disc_optim.zero_grad()` right after `generator_loss.backward()` (or freeze the discriminator "
        "during the generator's update), and step the discriminator only with its own loss."
    ),
    "generator_grads_from_disc_loss": (
        "Your generator's update used gradients of the discriminator's loss: the fakes were not detached "
        "when you scored them for the discriminator. Use `disc(fake.detach())` in the discriminator's "
        "phase, so its loss treats the fakes as constants."
    ),
    "stale_gradients": (
        "Gradients pile up from one call of `train_step` to the next: an optimizer stepped with gradients "
        "left over from the previous batch. Clear them every step: call `zero_grad()` on each optimizer "
        "before its `backward()` (or right after its `step()`)."
    ),
    "optimizers_swapped": (
        "The optimizers are swapped: `disc_optim` stepped after the generator's loss and `gen_optim` after "
        "the discriminator's loss. Step `gen_optim` after `generator_loss.backward()` and `disc_optim` after "
        "`discriminator_loss.backward()`."
    ),
    "disc_loss_not_detached": (
        "Your discriminator's loss back-propagated into the generator (the fakes were not detached). "
        "It does no harm here because you clear the generator's gradients before its own backward, but it "
        "is wasted work: score `fake.detach()` in the discriminator's phase."
    ),
}


def _d_loss_message(labels_real: List[str], labels_fake: List[str], family_bad: Optional[str]) -> str:
    if family_bad == "double":
        return (
            "Your discriminator already ends in a sigmoid, but your loss applies another one "
            "(`BCEWithLogitsLoss`, `binary_cross_entropy_with_logits` or `torch.sigmoid`). Use `BCELoss` "
            "or explicit logs on the discriminator's outputs."
        )
    if family_bad == "missing":
        return (
            "Your discriminator outputs raw scores (not probabilities), but your loss treats them as "
            "probabilities. Use `BCEWithLogitsLoss`, or end the discriminator with a sigmoid."
        )
    if labels_real and all(lab == "T0" for lab in labels_real):
        return (
            "Your discriminator's loss has the labels swapped: it pushes real samples towards 0 and fakes "
            "towards 1. Real samples get target 1 (`-log D(x)`), fakes target 0 (`-log(1 - D(G(z)))`)."
        )
    if labels_real and all(lab in ("N1", "N0") for lab in labels_real):
        return (
            "Your discriminator's loss has the wrong sign: minimising it makes the discriminator worse. "
            "It is L_D = -log D(x) - log(1 - D(G(z))) (note the minus signs), averaged over the batch."
        )
    if not labels_real:
        return (
            "Your discriminator's loss never looks at the real batch. It has two terms: "
            "-log D(x) on real samples and -log(1 - D(G(z))) on fakes; add the real term."
        )
    if not labels_fake:
        return (
            "Your discriminator's loss has no fake term, so the discriminator never learns what a fake looks "
            "like. Add -log(1 - D(G(z))) on (detached) fakes to -log D(x) on the real batch."
        )
    return (
        "Your discriminator's loss is not the GAN loss L_D = -log D(x) - log(1 - D(G(z))) "
        "(binary cross-entropy with target 1 for real samples and 0 for fakes). Check each term: "
        "both need a log and a minus sign, and the fake term needs the `1 -`."
    )


def _g_loss_message(label: str) -> Tuple[str, str]:
    if label == "N0":
        return (
            "saturating_generator_loss",
            "Your generator minimises log(1 - D(G(z))), the original minimax loss. It saturates: when the "
            "discriminator confidently rejects the fakes its gradient vanishes and the generator stops "
            "learning. Use the non-saturating loss -log D(G(z)) (BCE with target 1 on the fakes).",
        )
    if label == "N1":
        return (
            "wrong_generator_loss",
            "Your generator's loss has the wrong sign: minimising log D(G(z)) makes the fakes *less* "
            "convincing. The generator minimises -log D(G(z)).",
        )
    if label == "T0":
        return (
            "wrong_generator_loss",
            "Your generator minimises -log(1 - D(G(z))), the discriminator's fake term: that trains the "
            "generator to be caught. The generator minimises -log D(G(z)) (target 1 on its fakes).",
        )
    return (
        "wrong_generator_loss",
        "Your generator's loss is not -log D(G(z)). The generator wants the discriminator to call its "
        "fakes real: use the mean of `-torch.log(disc(fake))` (or `BCELoss` with target 1 on the fakes).",
    )


def _analyse(rec: _Recorder, report: Report, prob_like: bool, calls_done: int, returns) -> None:
    passes = rec.passes
    for p in passes:
        _fit_pass(p, prob_like)

    # which passes each optimizer stepped with
    explained: Dict[int, Tuple[Optional[List[_Pass]], float]] = {}
    used_by = {"G": set(), "D": set()}
    for i, st in enumerate(rec.steps):
        used, scale = _explain(st, passes, rec)
        explained[i] = (used, scale)
        for p in used or []:
            used_by[st.net].add(p.idx)
    for p in passes:
        p.role = _assign_role(p, used_by)

    codes: Dict[str, str] = {}
    warns: Dict[str, str] = {}

    def problem(code, msg):
        codes.setdefault(code, msg)

    # optimizers swapped: each optimizer stepped right after the other network's loss
    def last_pass_before(st):
        before = [p for p in passes if 0 <= p.end <= st.seq and (p.touches("G") or p.touches("D"))]
        return before[-1] if before else None

    swapped = False
    for c in range(calls_done):
        d_steps = [s for s in rec.steps if s.call == c and s.net == "D"]
        g_steps = [s for s in rec.steps if s.call == c and s.net == "G"]
        if d_steps and g_steps:
            lp_d, lp_g = last_pass_before(d_steps[0]), last_pass_before(g_steps[0])
            if lp_d is not None and lp_g is not None and lp_d.role == "G" and lp_g.role == "D":
                swapped = True
    if swapped:
        problem("optimizers_swapped", _MSG["optimizers_swapped"])

    d_loss_labels: Dict[str, List[str]] = {"real": [], "fake": []}
    family_bad: Optional[str] = None
    soft_warned = False
    unexplained = False
    for c in range(calls_done):
        updated = {"G": False, "D": False}
        for i, st in enumerate(rec.steps):
            if st.call != c:
                continue
            used, scale = explained[i]
            if used is None:
                unexplained = True
                updated[st.net] = updated[st.net] or st.has_grad
                continue
            if any(p.touches(st.net) for p in used):
                updated[st.net] = True
            for p in used:
                stale = p.call < st.call
                if st.net == "D":
                    if p.role == "G":
                        problem("disc_updated_by_generator_loss", _MSG["disc_updated_by_generator_loss"])
                    elif p.role == "D" and stale:
                        problem("stale_gradients", _MSG["stale_gradients"])
                else:
                    if p.role == "D":
                        problem("generator_grads_from_disc_loss", _MSG["generator_grads_from_disc_loss"])
                    elif p.role == "G" and stale:
                        problem("stale_gradients", _MSG["stale_gradients"])
            if sum(1 for s in rec.steps if s.call == c and s.net == st.net) > 1:
                warns.setdefault(
                    "extra_steps",
                    f"`{'disc' if st.net == 'D' else 'gen'}_optim.step()` ran more than once in one call. "
                    "One update of each network per batch is the course's recipe.",
                )
        # loss contents: passes of this call used by an update of their own network
        for p in passes:
            if p.call != c:
                continue
            if p.role == "D" and p.idx in used_by["D"]:
                for kind, fit, alt, _ in p.fits:
                    if kind == UNKNOWN:
                        continue
                    want = "T1" if kind == REAL else "T0"
                    name = "real" if kind == REAL else "fake"
                    if fit is not None and (fit.zero or fit.fits(want)):
                        d_loss_labels[name].append(want)
                        continue
                    if alt is not None and alt.fits(want) and (fit is None or not fit.fits(want)):
                        family_bad = _family_bad(fit, alt)
                    label = fit.best if fit is not None else "other"
                    t = fit.soft_target if fit is not None else None
                    if label == "mix" and t is not None and ((kind == REAL and t >= 0.7) or (kind == FAKE and t <= 0.3)):
                        if not soft_warned:
                            warns.setdefault(
                                "label_smoothing",
                                f"Your discriminator's loss uses soft labels (about {t:.2f} instead of "
                                f"{1 if kind == REAL else 0}). That is a known trick, but the course's loss "
                                "uses hard targets 1 and 0.",
                            )
                            soft_warned = True
                        d_loss_labels[name].append(want)
                        continue
                    d_loss_labels[name].append(label)
            if p.role == "G" and p.idx in used_by["G"]:
                for kind, fit, alt, _ in p.fits:
                    if kind != FAKE or fit is None or fit.zero:
                        if kind == FAKE and fit is None and alt is not None and alt.fits("T1"):
                            family_bad = family_bad or (_family_bad(fit, alt))
                        continue
                    if fit.fits("T1"):
                        continue
                    if alt is not None and alt.fits("T1"):
                        family_bad = family_bad or (_family_bad(fit, alt))
                        continue
                    code, msg = _g_loss_message(fit.best)
                    problem(code, msg)
        # updated?
        for net, code, name in (("G", "generator_not_updated", "generator"), ("D", "discriminator_not_updated", "discriminator")):
            if updated[net] or c in rec.outside[net]:
                continue
            problem(code, _not_updated_message(rec, net, name, c))

    if family_bad == "double":
        problem("sigmoid_applied_twice", _d_loss_message([], [], "double"))
    elif family_bad == "missing":
        problem("missing_sigmoid", _d_loss_message([], [], "missing"))
    real_bad = [lab for lab in d_loss_labels["real"] if lab != "T1"]
    fake_bad = [lab for lab in d_loss_labels["fake"] if lab != "T0"]
    d_used = any(p.role == "D" and p.idx in used_by["D"] for p in passes)
    if family_bad is None and d_used:
        if real_bad or fake_bad or not d_loss_labels["real"] or not d_loss_labels["fake"]:
            problem("wrong_discriminator_loss", _d_loss_message(d_loss_labels["real"], d_loss_labels["fake"], None))
    if unexplained:
        problem(
            "unexpected_gradients",
            "An optimizer stepped with gradients that no `backward()` of this step produced (were `.grad` "
            "tensors edited or only partly cleared?). Let `loss.backward()` fill the gradients, clear them "
            "with `zero_grad()`, and step.",
        )
    for net, name, opt in (("G", "generator", "gen_optim"), ("D", "discriminator", "disc_optim")):
        if rec.outside[net]:
            problem(
                "params_changed_outside_optimizer",
                f"The {name}'s weights changed without `{opt}.step()`. Use the optimizers passed to "
                "`train_step` (do not create a new optimizer inside it: it would forget its state every call).",
            )

    # the discriminator's loss flowed into the generator but was cleared in time
    if "generator_grads_from_disc_loss" not in codes:
        if any(p.role == "D" and p.touches("G") for p in passes):
            warns.setdefault("disc_loss_not_detached", _MSG["disc_loss_not_detached"])

    # fake batch size
    real_rows = rec.real.shape[0]
    sizes = {n for _, n in rec.fake_sizes}
    if sizes and any(n != real_rows for n in sizes):
        warns.setdefault(
            "fake_batch_size",
            f"Your generator made batches of {sorted(sizes)} samples for a real batch of {real_rows}. Draw as "
            "many noise vectors as there are real samples: `real_batch.shape[0]` (never a fixed BATCH_SIZE).",
        )

    _check_returns(rec, report, returns, problem, warns)

    if swapped:
        for code in ("disc_updated_by_generator_loss", "generator_not_updated", "discriminator_not_updated",
                     "stale_gradients", "generator_grads_from_disc_loss", "wrong_discriminator_loss",
                     "wrong_generator_loss"):
            codes.pop(code, None)
    for code, msg in codes.items():
        report.problem(code, msg)
    for code, msg in warns.items():
        report.warn(code, msg)


def _not_updated_message(rec: _Recorder, net: str, name: str, call: int) -> str:
    opt = "gen_optim" if net == "G" else "disc_optim"
    steps = [s for s in rec.steps if s.call == call and s.net == net]
    if not steps:
        return (
            f"The {name} was not updated: `{opt}.step()` was never called. After its loss's "
            f"`backward()`, call `{opt}.step()`."
        )
    if net == "D" and any(s.frozen for s in steps):
        return (
            "The discriminator was not updated: its parameters were frozen (`requires_grad=False`) when "
            "`disc_optim.step()` ran. If you freeze it for the generator's update, unfreeze it afterwards."
        )
    if net == "G":
        g_passes = [p for p in rec.passes if p.call == call and p.role == "G"]
        if g_passes and not any(p.touches("G") for p in g_passes):
            return (
                "The generator was not updated: no gradient reached it from its loss. Do not detach the fakes "
                "(or use `torch.no_grad()`) in the generator's phase: only the discriminator's phase detaches."
            )
    return (
        f"The {name} was not updated: `{opt}.step()` ran but its gradients were empty. Make sure the "
        f"order is `zero_grad()`, `backward()`, `step()`, with no `zero_grad()` between the backward and the step."
    )


def _check_returns(rec: _Recorder, report: Report, returns, problem, warns) -> None:
    for c, value in enumerate(returns):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            problem(
                "returns_wrong_type",
                f"`train_step` returned {_describe(value)}; it must return two numbers, "
                "`(generator_loss, discriminator_loss)`, e.g. `return g_loss.item(), d_loss.item()`.",
            )
            return
        g, d = value
        if isinstance(g, torch.Tensor) or isinstance(d, torch.Tensor):
            problem(
                "returns_wrong_type",
                "`train_step` returned tensors; return plain floats with `.item()`: "
                "`return g_loss.item(), d_loss.item()` (a tensor keeps its whole graph alive in memory).",
            )
            return
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (g, d)):
            problem(
                "returns_wrong_type",
                f"`train_step` returned ({_describe(g)}, {_describe(d)}); return two floats: "
                "`return g_loss.item(), d_loss.item()`.",
            )
            return
        if not (math.isfinite(g) and math.isfinite(d)):
            problem(
                "nonfinite_loss",
                "A loss was infinite or NaN. Clamp the probabilities inside the logs, e.g. "
                "`torch.log(p.clamp(min=1e-7))`, or use `BCELoss`, which does this for you.",
            )
            return
        g_vals = [r for p in rec.passes if p.call == c and p.role == "G" for _, r in p.roots[:1]]
        d_vals = [r for p in rec.passes if p.call == c and p.role == "D" for _, r in p.roots[:1]]
        if not g_vals or not d_vals:
            continue

        def close(x, vals):
            cands = list(vals) + [sum(vals), sum(vals) / len(vals)]
            return any(math.isclose(x, v, rel_tol=1e-4, abs_tol=1e-6) for v in cands)

        if close(g, g_vals) and close(d, d_vals):
            continue
        if close(g, d_vals) and close(d, g_vals):
            problem(
                "returned_losses_swapped",
                "`train_step` returned the losses in the wrong order. Return `(generator_loss, "
                "discriminator_loss)`, generator first.",
            )
            return
        warns.setdefault(
            "returned_values_unexpected",
            "The numbers `train_step` returned are not the losses it back-propagated. Return "
            "`g_loss.item(), d_loss.item()` of the very losses you called `backward()` on.",
        )


def _describe(v) -> str:
    if isinstance(v, torch.Tensor):
        return f"a tensor of shape {tuple(v.shape)}"
    if v is None:
        return "None"
    return f"a {type(v).__name__}"


# ----------------------------------------------------------------------------- entry point


@grading_check("train_step", student=("fn",))
def check_train_step(
    fn: Callable,
    *,
    gen: Optional[nn.Module] = None,
    disc: Optional[nn.Module] = None,
    latent_dim: Optional[Union[int, Tuple[int, ...]]] = None,
    batch: Optional[Union[int, torch.Tensor]] = None,
    calls: int = 3,
) -> Report:
    """Run ``fn`` (a student's ``train_step``) on instrumented networks and report its bugs.

    ``fn(gen, disc, gen_optim, disc_optim, real_batch, latent_dim) -> (g_loss, d_loss)``
    is called ``calls`` times in a row (at least 2, to catch gradients that pile up
    between calls) on deep copies of the networks, with spy SGD optimizers.

    Networks:
      - ``gen=None, disc=None`` (default): small probe networks are built: a dense
        generator from noise ``(B, latent_dim)`` to 2-D points and a dense
        discriminator ending in a sigmoid, ``(B, 2) -> (B, 1)``.
      - ``gen`` and ``disc`` given (dense or convolutional, batch norm allowed): the check
        runs on copies; your networks, their weights and gradients are left untouched.
        The discriminator may end in a sigmoid (probabilities, the course's convention)
        or output raw scores (then the step must use ``BCEWithLogitsLoss``); the check
        tells which by looking at its outputs.

    ``latent_dim``: passed to ``fn`` unchanged (default 3 for the probe networks; for
    your own generator it is read from its first layer when not given).
    ``batch``: either a real data tensor ``(B, ...)`` (one batch, as the data loader gives
    it; moved to the networks' device) or a batch size ``B``; for your own networks the
    real batch is then drawn uniformly in [-1, 1] with the shape of the generator's
    samples. Default: 12 for the probe networks, 8 for yours.

    Deterministic (seeded inside; every random generator is restored afterwards).
    Returns a :class:`Report`; ``report.raise_for_problems()`` fails a test cell.

    Problem codes: ``raised`` (with ``hardcoded_device``, ``loss_not_scalar`` or
    ``discriminator_not_updated`` when the error says so), ``returns_wrong_type``,
    ``returned_losses_swapped``, ``nonfinite_loss``, ``wrong_discriminator_loss``,
    ``wrong_generator_loss``, ``saturating_generator_loss``, ``sigmoid_applied_twice``,
    ``missing_sigmoid``, ``disc_updated_by_generator_loss``, ``generator_grads_from_disc_loss``,
    ``stale_gradients``, ``generator_not_updated``, ``discriminator_not_updated``,
    ``optimizers_swapped``, ``params_changed_outside_optimizer``, ``unexpected_gradients``,
    ``ignored_arguments``, ``disc_output_not_tensor``, ``shape_mismatch``.
    Warnings (do not fail): ``disc_loss_not_detached``, ``label_smoothing``, ``extra_steps``,
    ``fake_batch_size``, ``returned_values_unexpected``.

    Example (a notebook test cell)::

        report = check_train_step(train_step)                     # the probe networks
        report = check_train_step(train_step, gen=my_gen, disc=my_disc, latent_dim=100,
                                  batch=next(iter(loader))[0][:8])  # your own networks
        display(report)
        report.raise_for_problems()
    """
    if not callable(fn):
        raise TypeError(f"check_train_step needs your train_step function, got {_describe(fn)}: pass it without calling it.")
    if (gen is None) != (disc is None):
        raise ValueError("Pass both networks (gen=... and disc=...) or neither (the check then builds its own).")
    for name, net in (("gen", gen), ("disc", disc)):
        if net is not None and not isinstance(net, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {_describe(net)}.")
    if not isinstance(calls, int) or calls < 2:
        raise ValueError("calls must be a whole number of at least 2 (staleness shows only across calls).")
    if batch is not None and not isinstance(batch, (int, torch.Tensor)) or isinstance(batch, bool):
        raise TypeError("batch must be a real data tensor (B, ...) or a batch size (int).")
    if isinstance(batch, int) and batch < 2:
        raise ValueError("batch must be at least 2 (batch norm needs two samples).")

    user_nets = gen is not None
    if user_nets:
        params = list(gen.parameters())
        device = params[0].device if params else torch.device("cpu")
        if latent_dim is None:
            latent_dim = _infer_latent_dim(gen)
            if latent_dim is None:
                raise ValueError("Could not read the noise size off your generator: pass latent_dim=...")
        n_params = sum(p.numel() for p in gen.parameters()) + sum(p.numel() for p in disc.parameters())
    else:
        device = torch.device("cpu")
        latent_dim = _DEFAULT_LATENT if latent_dim is None else latent_dim
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError("latent_dim must be a positive whole number for the probe networks.")
        n_params = 0
    threads = 1 if n_params < 200_000 else None

    report = Report("check_train_step")
    with _sandbox(device, threads):
        if user_nets:
            try:
                g_copy, d_copy = copy.deepcopy(gen), copy.deepcopy(disc)
                g_probe, d_probe = copy.deepcopy(gen), copy.deepcopy(disc)
            except Exception as exc:
                raise TypeError(f"Could not copy your networks ({exception_text(exc)}); the check works on copies.") from exc
            d_params = list(d_copy.parameters())
            if d_params and d_params[0].device != device:
                raise ValueError("gen and disc are on different devices: move both with .to(device).")
            size = batch.shape[0] if isinstance(batch, torch.Tensor) else (batch or _USER_BATCH)
            sample = _try_generate(g_probe, size, latent_dim, device)
            if isinstance(batch, torch.Tensor):
                real = batch.detach().to(device)
            elif sample is None:
                raise ValueError(
                    f"Could not run your generator on noise of shape (B, {latent_dim}) or (B, {latent_dim}, 1, 1). "
                    "Pass latent_dim=... as your generator expects it, or a real batch with batch=..."
                )
            else:
                real = torch.rand(sample.shape, device=device) * 2 - 1
            if sample is not None and sample[0].numel() != real[0].numel():
                report.problem(
                    "shape_mismatch",
                    f"Your generator makes samples of shape {tuple(sample.shape[1:])}, but a real sample has "
                    f"shape {tuple(real.shape[1:])}. The generator's output must have the shape of one real sample.",
                )
                return report
            prob_guess = _is_prob_like(d_probe, [], real)
            spread_batches = [real] + ([sample.reshape(real.shape)] if sample is not None else [])
            _spread(d_copy, d_probe, spread_batches, prob_guess)
        else:
            g_copy, d_copy, d_probe = _ProbeGenerator(latent_dim), _ProbeDiscriminator(), None
            if isinstance(batch, torch.Tensor):
                real = batch.detach().float()
                if real.dim() != 2 or real.shape[1] != 2:
                    raise ValueError("The probe networks work on 2-D points: pass a batch of shape (B, 2), or your own networks.")
            else:
                real = torch.randn(batch or _DEFAULT_BATCH, 2) * 0.6 + torch.tensor([1.0, -0.5])
        if real.dim() == 0 or real.shape[0] < 2:
            raise ValueError("batch must hold at least 2 samples along its first dimension.")
        for p in list(g_copy.parameters()) + list(d_copy.parameters()):
            p.grad = None

        rec = _Recorder(g_copy, d_copy, real)
        gen_optim = _Spy(g_copy.parameters(), rec, "G")
        disc_optim = _Spy(d_copy.parameters(), rec, "D")
        rec.install()
        returns = []
        calls_done = 0
        raised = None
        try:
            with _patched_backward(rec):
                for c in range(calls):
                    rec.begin_call(c)
                    try:
                        out = fn(g_copy, d_copy, gen_optim, disc_optim, real, latent_dim)
                    except Exception as exc:  # the student's code raised: report it, no traceback
                        raised = exc
                        frozen = any(not p.requires_grad for p in d_copy.parameters())
                        rec.end_call()
                        break
                    rec.end_call()
                    calls_done += 1
                    returns.append(out)
        finally:
            rec.remove()

        if raised is not None:
            _report_raised(report, raised, calls_done, frozen)
            if calls_done:  # what the calls that finished show
                _analyse(rec, report, _prob_like(d_probe, rec, real), calls_done, returns)
            return report
        if not rec.forwards["G"] or not rec.forwards["D"]:
            missing = " and ".join(n for n, k in (("generator", "G"), ("discriminator", "D")) if not rec.forwards[k])
            report.problem(
                "ignored_arguments",
                f"`train_step` never called the {missing} it was given. Use the arguments `gen`, `disc`, "
                "`gen_optim`, `disc_optim`, `real_batch` and `latent_dim`, not global variables.",
            )
            return report
        if rec.bad_output:
            report.problem(
                "disc_output_not_tensor",
                "The discriminator returned something other than a tensor of scores. It must return "
                "one score per sample, shape (batch, 1).",
            )
            return report
        _analyse(rec, report, _prob_like(d_probe, rec, real), calls_done, returns)
    return report


def _prob_like(d_probe: Optional[nn.Module], rec: _Recorder, real: torch.Tensor) -> bool:
    if d_probe is None:  # the probe discriminator ends in a sigmoid
        return True
    return _is_prob_like(d_probe, rec.d_outputs, real)


def _report_raised(report: Report, exc: BaseException, call: int, disc_frozen: bool = False) -> None:
    when = "" if call == 0 else f" (on call {call + 1}; the earlier calls ran)"
    report.problem("raised", f"Your train_step raised {exception_text(exc)}{when}. {exception_hint(exc)}")
    low = str(exc).lower()
    if "cuda" in low or "nvidia" in low or "same device" in low:
        report.problem(
            "hardcoded_device",
            "Your step used a device other than the data's. Put new tensors on `real_batch.device` "
            "instead of calling `.cuda()` or naming a device.",
        )
    if "implicitly created only for scalar outputs" in low:
        report.problem("loss_not_scalar", "A loss you back-propagated was not a single number: take its `.mean()`.")
    if "does not require grad" in low and disc_frozen:
        report.problem(
            "discriminator_not_updated",
            "The discriminator's parameters were still frozen (`requires_grad=False`) when its own loss was "
            "computed. If you freeze it for the generator's update, unfreeze it right after "
            "(`p.requires_grad_(True)` for every parameter).",
        )

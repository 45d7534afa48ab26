"""Running a student's network layer by layer: the order its layers ran in, and the layer that failed.

The network checks (notebooks 04 and 05) use it to name the layer at fault ("your second
nn.Linear", "nn.BatchNorm2d(3)"), rather than guess from PyTorch's error text.

A "layer" is a module with no children, or a module carrying a parametrization
(``torch.nn.utils.parametrizations.spectral_norm``, ``weight_norm``, ...): such a layer is
still an ``nn.Conv2d`` / ``nn.Linear`` (a subclass), and the parametrization modules
inside it are not layers of the network. ``copy_network`` copies any working network,
including those whose old-style hooks (``torch.nn.utils.weight_norm``) break ``copy.deepcopy``;
``parameter_count`` counts each layer's effective weights, however they are parametrized.
"""
from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import torch
from torch import nn
from torch.nn.utils import parametrize

from .student import call_student

__all__ = ["Traced", "run_traced", "ORDINALS", "layer_mismatch", "leaf_layers", "copyable", "copy_network", "parameter_count", "spectral_normalised",
           "last_layers_after"]


def _inside_parametrizations(net: nn.Module) -> set:
    """ids of the modules that compute a parametrized tensor (not layers of the network)."""
    inside = set()
    for m in net.modules():
        if parametrize.is_parametrized(m):
            inside.update(id(sub) for sub in m.parametrizations.modules())
    return inside


def leaf_layers(net: nn.Module) -> List[nn.Module]:
    """The network's layers, in registration order: childless modules and parametrized modules."""
    inside = _inside_parametrizations(net)
    out = []
    for m in net.modules():
        if id(m) in inside:
            continue
        children = [c for c in m.children() if id(c) not in inside]
        if not children:
            out.append(m)
    return out


def _reparametrized_names(m: nn.Module) -> Tuple[set, List[str]]:
    """(names of the raw tensors a reparametrization hides, names of the effective tensors) for one module."""
    hidden, effective = set(), []
    for hook in m._forward_pre_hooks.values():
        name = getattr(hook, "name", None)
        if isinstance(name, str) and isinstance(getattr(m, name, None), torch.Tensor) and hasattr(hook, "compute_weight"):
            effective.append(name)  # torch.nn.utils.weight_norm / spectral_norm (the old API)
            hidden.update(n for n, _ in m.named_parameters(recurse=False) if n.startswith(name + "_"))
    return hidden, effective


def parameter_count(net: nn.Module) -> int:
    """How many numbers the network's layers compute with: a parametrized weight counts as the weight itself.

    Equals ``sum(p.numel() for p in net.parameters())`` for a network without reparametrizations;
    spectral norm and weight norm (either API) do not change it.
    """
    inside = _inside_parametrizations(net)
    total = 0
    for m in net.modules():
        if id(m) in inside:
            continue
        hidden, effective = _reparametrized_names(m)
        if parametrize.is_parametrized(m):
            effective += list(m.parametrizations.keys())
        total += sum(getattr(m, n).numel() for n in effective)
        total += sum(p.numel() for n, p in m.named_parameters(recurse=False) if n not in hidden)
    return total


@contextlib.contextmanager
def copyable(net: nn.Module):
    """Inside, ``copy.deepcopy(net)`` works for every working network (also in code that copies it for us).

    ``copy.deepcopy`` refuses tensors that are not graph leaves, which the old
    ``torch.nn.utils.weight_norm`` and ``spectral_norm`` keep on the module (the weight they
    computed). Those are detached inside (their hooks recompute them on every forward) and
    put back afterwards.
    """
    stash = []
    for m in net.modules():
        for key, value in list(vars(m).items()):
            if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter) and value.grad_fn is not None:
                stash.append((m, key, value))
                vars(m)[key] = value.detach()
    try:
        yield net
    finally:
        for m, key, value in stash:
            vars(m)[key] = value


def copy_network(net: nn.Module) -> nn.Module:
    """A deep copy of ``net`` that works for every working network (see :func:`copyable`)."""
    with copyable(net):
        return copy.deepcopy(net)


def spectral_normalised(net: nn.Module) -> List[nn.Module]:
    """The layers that carry spectral normalisation, through either API (parametrizations or the old hook)."""
    from torch.nn.utils.parametrizations import _SpectralNorm
    from torch.nn.utils.spectral_norm import SpectralNorm

    found = []
    for m in leaf_layers(net):
        hooks = any(isinstance(h, SpectralNorm) for h in m._forward_pre_hooks.values())
        params = parametrize.is_parametrized(m) and any(
            isinstance(p, _SpectralNorm) for plist in m.parametrizations.values() for p in plist)
        if hooks or params:
            found.append(m)
    return found


def last_layers_after(order: List[nn.Module], kinds) -> List[nn.Module]:
    """The layers that ran after the last layer of ``kinds`` (empty when none ran after it, or none ran)."""
    for i in range(len(order) - 1, -1, -1):
        if isinstance(order[i], kinds):
            return list(order[i + 1:])
    return []

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


@dataclass
class Traced:
    """One forward call: its output or error, the leaf layers that finished (in order), and the one that failed."""

    output: Any = None
    error: Optional[BaseException] = None
    order: List[nn.Module] = field(default_factory=list)
    entered: List[Tuple[nn.Module, Optional[torch.Tensor]]] = field(default_factory=list)  # (layer, its input)
    failed_at: Optional[int] = None  # index into ``entered`` of the layer that raised

    @property
    def failed(self) -> Optional[nn.Module]:
        return self.entered[self.failed_at][0] if self.failed_at is not None else None

    @property
    def failed_input(self) -> Optional[torch.Tensor]:
        return self.entered[self.failed_at][1] if self.failed_at is not None else None

    def ordinal(self, kinds) -> str:
        """"first", "second", ...: the failed layer's rank among the layers of ``kinds`` that ran."""
        n = sum(1 for m, _ in self.entered[: self.failed_at + 1] if isinstance(m, kinds))
        return ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else f"{n}th"


def run_traced(net: nn.Module, x: torch.Tensor) -> Traced:
    """Call ``net(x)`` (student code) with hooks on every leaf layer."""
    traced = Traced()
    finished: List[bool] = []

    def enter(module, args):
        traced.entered.append((module, args[0] if args and isinstance(args[0], torch.Tensor) else None))
        finished.append(False)

    def leave(module, args, output):
        traced.order.append(module)
        for i in range(len(traced.entered) - 1, -1, -1):
            if traced.entered[i][0] is module and not finished[i]:
                finished[i] = True
                break

    leaves = leaf_layers(net)
    hooks = [m.register_forward_pre_hook(enter) for m in leaves] + [m.register_forward_hook(leave) for m in leaves]
    try:
        result = call_student(net, x)
    finally:
        for h in hooks:
            h.remove()
    traced.output, traced.error = result.value, result.error
    if result.error is not None:
        open_layers = [i for i, done in enumerate(finished) if not done]
        traced.failed_at = open_layers[-1] if open_layers else None
    return traced


def layer_mismatch(traced: Traced) -> Optional[str]:
    """When the failing layer does not fit its input, say which layer and what it should take; else None."""
    layer, x = traced.failed, traced.failed_input
    if layer is None or x is None or x.dim() < 2:
        return None
    if isinstance(layer, nn.Linear) and x.shape[-1] != layer.in_features:
        which = traced.ordinal(nn.Linear)
        if which == "first":
            return (f"Its first layer does not fit inputs of shape {tuple(x.shape)}: the first nn.Linear needs "
                    f"in_features={x.shape[-1]}.")
        return (f"Its {which} nn.Linear has in_features={layer.in_features} but receives {x.shape[-1]} features from "
                f"the layer before it: each nn.Linear's in_features must equal the previous layer's out_features "
                f"(here {x.shape[-1]}).")
    if isinstance(layer, nn.modules.batchnorm._BatchNorm) and x.shape[1] != layer.num_features:
        size = "out_features" if isinstance(layer, nn.BatchNorm1d) else "out_channels"
        unit = "features" if isinstance(layer, nn.BatchNorm1d) else "channels"
        return (f"Its {type(layer).__name__}({layer.num_features}) receives {x.shape[1]} {unit}: a batch norm "
                f"normalises the output of the layer before it, so it takes that layer's {size}, here {x.shape[1]}.")
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)) and x.shape[1] != layer.in_channels:
        which = traced.ordinal((nn.Conv2d, nn.ConvTranspose2d))
        return (f"Its {which} {type(layer).__name__} takes in_channels={layer.in_channels} but receives "
                f"{x.shape[1]} channels" + (": its first layer must take the block's in_channels."
                                            if which == "first" else ", the previous layer's out_channels."))
    return None

"""Running a student's network layer by layer: the order its layers ran in, and the layer that failed.

The network checks (notebooks 04 and 05) use it to name the layer at fault ("your second
nn.Linear", "nn.BatchNorm2d(3)"), rather than guess from PyTorch's error text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import torch
from torch import nn

from .student import call_student

__all__ = ["Traced", "run_traced", "ORDINALS", "layer_mismatch"]

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

    leaves = [m for m in net.modules() if not list(m.children())]
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

"""What every check of a student's network looks at, written once: notebooks 04, 05 and 07.

A network check builds the student's network (:func:`build`), runs it (:func:`forward`, which
names the layer that failed) and then judges its output with the checks below, each of which
records at most one problem and returns whether the output passed:

- :func:`output_shape`: ``wrong_output_shape``, with a hint chosen by the caller;
- :func:`finite`: ``not_finite``;
- :func:`tanh_range`: a generator's outputs in [-1, 1] (``output_out_of_range``) and, where the
  data are centred, on both sides of 0 (``output_one_sided``);
- :func:`probabilities`: a discriminator's outputs in [0, 1] (``softmax_output`` when every
  output is exactly 1, else ``output_not_probability``);
- :func:`differentiable`: a gradient flows from the output back to what must be reached
  (``not_differentiable``, with the caller's words for what was cut off).

Each message names the layer at fault when one runs after the last ``tanh`` or ``sigmoid``.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .errors import raised_problem
from .layers import copy_network, last_layers_after, layer_mismatch, run_traced
from .report import Report
from .student import call_student, describe

__all__ = [
    "Factory", "build", "forward", "has_parameters", "layers_after_last",
    "output_shape", "finite", "tanh_range", "probabilities", "differentiable",
]

Factory = Union[nn.Module, Callable[..., nn.Module]]

GENERIC = "Fix it and run the check again."  # errors.exception_hint shows the line first, or says how to see it


def build(factory: Factory, args: tuple, role: str, report: Report) -> Optional[nn.Module]:
    """A fresh module from a factory (a class or a function), or a deep copy of a module; None (with a problem) on failure."""
    if isinstance(factory, nn.Module):
        return copy_network(factory)
    result = call_student(factory, *args)
    if not result.ok:
        report.problem(*raised_problem(result.error, f"Building your {role}", generic=GENERIC))
        return None
    if not isinstance(result.value, nn.Module):
        report.problem(
            "not_a_module",
            f"Your {role} should be a torch.nn.Module (subclass nn.Module and call super().__init__()); "
            f"building it gave {describe(result.value)}.",
        )
        return None
    return result.value


def forward(net: nn.Module, x: torch.Tensor, role: str, report: Report,
            worked_for: Optional[int] = None) -> Optional[torch.Tensor]:
    """``net(x)``, or None with the problem (``raised``, naming the layer; ``returns_wrong_type``).

    ``worked_for``: the batch size that worked before, when this call tries another one.
    """
    traced = run_traced(net, x)
    if traced.error is not None:
        hint = layer_mismatch(traced)
        if worked_for is not None:
            hint = (
                f"It worked for a batch of {worked_for} but not of {x.shape[0]}: do not hard-code the batch size "
                f"in forward; use the input's .shape[0], or reshape with view(-1, ...)."
            )
        report.problem(*raised_problem(traced.error, f"Calling your {role}", context=f" on a batch of shape {tuple(x.shape)}",
                                       generic=GENERIC, hint=hint))
        return None
    if not isinstance(traced.output, torch.Tensor):
        report.problem("returns_wrong_type", f"Your {role} returned {describe(traced.output)}; return one tensor.")
        return None
    return traced.output


def layers_after_last(net: nn.Module, x: torch.Tensor, kinds) -> str:
    """The layers that run after the network's last layer of ``kinds`` ("nn.BatchNorm1d"), or "" when none do."""
    traced = run_traced(net, x)
    if traced.error is not None:
        return ""
    after = last_layers_after(traced.order, kinds)
    return ", then ".join(f"nn.{m._get_name()}" for m in after)


def has_parameters(net: nn.Module, role: str, report: Report) -> bool:
    if not any(p.requires_grad for p in net.parameters()):
        report.problem(
            "no_parameters",
            f"Your {role} has no trainable parameters, so no optimizer can teach it anything. Build its layers "
            "(nn.Linear, ...) in __init__ and store them on self, e.g. self.net = nn.Sequential(...).",
        )
        return False
    return True


# ----------------------------------------------------------------------------- judging an output


def output_shape(report: Report, out: torch.Tensor, want: Tuple[int, ...], role: str, given: str, each: str,
                 hint: Callable[[torch.Tensor], str] = lambda out: "") -> bool:
    """True when ``out`` has shape ``want``; else ``wrong_output_shape``.

    ``given``: what the network was given ("noise of shape (64, 8)"); ``each``: what one row of the
    output is ("one sequence per noise vector"); ``hint(out)``: a sentence on how to fix it, or "".
    """
    if tuple(out.shape) == tuple(want):
        return True
    report.problem(
        "wrong_output_shape",
        f"For {given} your {role} returned shape {tuple(out.shape)}; it should be {tuple(want)}, {each}.{hint(out)}",
    )
    return False


def finite(report: Report, values: torch.Tensor, role: str, when: str = "") -> bool:
    """True when every value is finite; else ``not_finite``. ``when``: " at initialisation", or ""."""
    if torch.isfinite(values).all():
        return True
    report.problem("not_finite", f"Your {role} produced NaN or infinite values{when}; check its layers.")
    return False


def tanh_range(report: Report, net: nn.Module, x: torch.Tensor, values: torch.Tensor, data: str,
               centred: bool = True) -> bool:
    """A generator's ``values`` (its outputs on ``x`` and others) must lie in [-1, 1], where the ``data`` live.

    ``centred``: the data are on both sides of 0, so outputs that never go below 0 (a sigmoid or
    ReLU at the end) are ``output_one_sided``. Returns True when the range is right.
    """
    if values.abs().max() > 1.0 + 1e-5:
        after = layers_after_last(net, x, (nn.Tanh, nn.Hardtanh))
        fix = (f"It has a tanh, but then runs {after} after it, which moves the outputs out of (-1, 1) again: "
               f"the tanh must be the very last layer (move {after} before it, or remove it)."
               if after else "End the generator with nn.Tanh(), so every output lands in (-1, 1).")
        report.problem(
            "output_out_of_range",
            f"Your generator's outputs reach {values.abs().max().item():.3g}, outside [-1, 1], where the {data} "
            f"live. {fix}",
        )
        return False
    if centred and values.min() >= 0:
        report.problem(
            "output_one_sided",
            f"Your generator never outputs a negative number, but half of the {data} are negative "
            "(they lie in [-1, 1]). A sigmoid or ReLU at the end only reaches [0, 1): end with nn.Tanh() instead.",
        )
        return False
    return True


def probabilities(report: Report, net: nn.Module, x: torch.Tensor, values: torch.Tensor, each: str) -> Optional[str]:
    """A discriminator's ``values`` (its outputs on ``x`` and others) must be probabilities, one per ``each``.

    Returns the code of the problem recorded, or None when they are."""
    if bool((values == 1.0).all()):
        report.problem(
            "softmax_output",
            "Every output of your discriminator is exactly 1: a softmax over a single output always gives 1. "
            f"Use nn.Sigmoid() for one probability per {each}.",
        )
        return "softmax_output"
    if values.min() < 0 or values.max() > 1:
        after = layers_after_last(net, x, nn.Sigmoid)
        fix = (f"It has a sigmoid, but then runs {after} after it: the sigmoid must be the very last layer "
               f"(move {after} before it, or remove it)." if after else "End it with nn.Sigmoid().")
        report.problem(
            "output_not_probability",
            f"Your discriminator's outputs range over [{values.min().item():.3g}, {values.max().item():.3g}], but they "
            f"should be probabilities in [0, 1] (the losses take their log). {fix}",
        )
        return "output_not_probability"
    return None


def differentiable(report: Report, out: torch.Tensor, tensors: Sequence[torch.Tensor], *, detached: str,
                   no_gradient: str) -> bool:
    """True when a non-zero gradient flows from ``out`` back to one of ``tensors``; else ``not_differentiable``
    with the message ``detached`` (``out`` does not require grad) or ``no_gradient`` (nothing arrives)."""
    if not out.requires_grad:
        report.problem("not_differentiable", detached)
        return False
    grads = torch.autograd.grad(out.sum(), list(tensors), allow_unused=True)
    if all(g is None or g.abs().sum() == 0 for g in grads):
        report.problem("not_differentiable", no_gradient)
        return False
    return True

"""Checks for the DCGAN blocks of notebook 05, by output shapes and parameter counts on tiny fixed inputs.

``check_generator_block(fn)`` grades ``fn(in_channels, out_channels, first=False)``:
ConvTranspose2d (kernel 4, no bias; stride 1 padding 0 when ``first``, else stride 2
padding 1) + BatchNorm2d + ReLU.

``check_discriminator_block(fn)`` grades ``fn(in_channels, out_channels, batch_norm=True)``:
Conv2d (kernel 4, stride 2, padding 1, no bias) + BatchNorm2d (when asked) + LeakyReLU(0.2).

``check_dcgan_pair(gen, disc, latent_dim, image_size)`` checks two assembled networks.

Each check builds the student's block on a few tiny sizes, runs it on seeded
inputs, and compares: the output shape (channels, then height and width), the
parameter count (which tells a convolution bias or a missing batch norm apart),
the activation's slope on the negative side (0 for ReLU, 0.2 for LeakyReLU),
and the order of the layers (read with forward hooks, never from source code). Layers are
found by behaviour and ``isinstance``, so subclasses and parametrized layers
(``torch.nn.utils.parametrizations.spectral_norm(nn.Conv2d(...))``) count as what they are.
The global RNG is left as it was.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import torch
from torch import nn

from .errors import exception_text, raised_problem
from .layers import layer_mismatch, parameter_count, run_traced
from .report import Report
from .student import call_student, describe, grading_check

_CONVS = (nn.Conv2d, nn.ConvTranspose2d)
_NORMS = (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)
_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d, nn.LPPool2d)


def _build(report: Report, fn: Callable, name: str, args: tuple, kwargs: dict) -> Optional[nn.Module]:
    """Call the student's factory; record why it failed, if it did."""
    call = f"{name}({', '.join(map(repr, args))}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    result = call_student(fn, *args, **kwargs)
    if not result.ok:
        if "padding='same'" in str(result.error) or "padding=\"same\"" in str(result.error):
            report.problem("padding_same", f"{call} failed. {_PADDING_SAME}")
            return None
        report.problem(*raised_problem(result.error, call, fn=fn,
                                       generic="Build the layers only from the arguments you are given."))
        return None
    if not isinstance(result.value, nn.Module):
        report.problem("not_a_module", f"{call} returned {describe(result.value)}, not a network. Return the layers "
                                       "wrapped in nn.Sequential(...).")
        return None
    return result.value


def _trace(block: nn.Module, x: torch.Tensor):
    """Run ``block(x)``; returns the Traced run and a short error text (None when it worked)."""
    traced = run_traced(block, x)
    if traced.error is not None:
        return traced, exception_text(traced.error, limit=160)
    if not isinstance(traced.output, torch.Tensor):
        return traced, f"it returned {describe(traced.output)}, not a tensor"
    return traced, None


def _negative_slope(block: nn.Module, x: torch.Tensor) -> Optional[float]:
    """How the block scales the negative side: -f(-x)/f(x) where f(x) > 0.

    A bias-free convolution is odd (conv(-x) = -conv(x)) and so is batch norm in
    training mode, so for conv + norm + activation this ratio is the activation's
    negative slope: 0 for ReLU, 0.2 for LeakyReLU(0.2), 1 for no activation.
    """
    with torch.no_grad():
        pos, neg = call_student(block, x).value, call_student(block, -x).value
    if not (isinstance(pos, torch.Tensor) and isinstance(neg, torch.Tensor)):
        return None
    mask = pos > 1e-3
    if mask.sum() < 4:
        return None
    return float((-neg[mask] / pos[mask]).median())


_PADDING_SAME = ("PyTorch refuses padding='same' for a strided (or transposed) convolution: 'same' keeps the size "
                 "only at stride 1, and these blocks must halve or double it. With kernel_size=4 and stride=2, "
                 "padding=1 gives exactly half (Conv2d) or double (ConvTranspose2d) the height and width.")


def _raised_problem(name: str, call: str, in_shape, error: str, traced, c_in: int) -> tuple:
    """(code, message) for a block that failed on its input: a string padding is named, else the failing layer."""
    layer = traced.failed
    pad = getattr(layer, "padding", None)
    if isinstance(pad, tuple) and pad and all(isinstance(p, str) for p in pad):
        pad = "".join(pad)  # ConvTranspose2d keeps padding="same" as ("s", "a", "m", "e")
    if isinstance(layer, _CONVS) and isinstance(pad, str):
        return "padding_same", f"{call} failed: its {type(layer).__name__} has padding={pad!r}. {_PADDING_SAME}"
    return "raised", _failed_on_input(name, call, in_shape, error, traced, c_in)


def _failed_on_input(name: str, call: str, in_shape, error: str, traced, c_in: int) -> str:
    where = layer_mismatch(traced) or f"Its first layer must take in_channels={c_in} channels."
    return f"{call} failed on an input of shape {in_shape}: {error}. {where}"


def _inputs(shape: Tuple[int, ...], seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen)


def _count(block: nn.Module) -> int:
    """Parameters of the block's layers; a spectral- or weight-normalised weight counts as the weight itself."""
    return parameter_count(block)


def _has(order: List[nn.Module], kinds) -> bool:
    return any(isinstance(m, kinds) for m in order)


def _first_index(order: List[nn.Module], kinds) -> int:
    for i, m in enumerate(order):
        if isinstance(m, kinds):
            return i
    return -1


def _conv_of(order: List[nn.Module], kind) -> Optional[nn.Module]:
    for m in order:
        if isinstance(m, kind):
            return m
    return None


def _check_params(report: Report, block: nn.Module, order: List[nn.Module], conv_kind, name: str,
                  c_in: int, c_out: int, norm: bool) -> None:
    """Parameter count: in*out*16 for the kernel-4 convolution, + 2*out with batch norm."""
    expected = c_in * c_out * 16 + (2 * c_out if norm else 0)
    got = _count(block)
    if got == expected:
        return
    conv = _conv_of(order, conv_kind)
    what = "transposed convolution" if conv_kind is nn.ConvTranspose2d else "convolution"
    if conv is not None and conv.bias is not None and got - c_out == expected:
        why = ("The batch norm right after it subtracts every constant again, so the bias does nothing"
               if norm else "DCGAN convolutions carry no bias")
        report.problem("conv_bias", f"The {what} in {name} has a bias ({c_out} extra parameters). {why}: "
                                    "create it with bias=False.")
        return
    if conv is not None and tuple(conv.kernel_size) != (4, 4):
        report.problem("kernel", f"The {what} in {name} has kernel_size={tuple(conv.kernel_size)}; DCGAN blocks "
                                 "use kernel_size=4, so that stride 2 and padding 1 exactly double (or halve) "
                                 "the picture.")
        return
    if norm and got in (expected - 2 * c_out, expected - c_out):
        report.problem("batch_norm_missing", f"{name} has no batch norm: {got} parameters instead of {expected}. "
                                             f"Add nn.BatchNorm2d({c_out}) right after the {what}.")
        return
    if not norm and got in (expected + 2 * c_out, expected + 3 * c_out):
        report.problem("batch_norm_flag", f"{name}(..., batch_norm=False) still has a batch norm ({got} parameters "
                                          f"instead of {expected}). Only add nn.BatchNorm2d when batch_norm is True.")
        return
    report.problem("param_count", f"{name}({c_in}, {c_out}, ...) has {got} parameters; the expected block has "
                                  f"{expected} ({c_in}*{c_out}*4*4 weights in one {what} without bias"
                                  + (f", plus 2*{c_out} in the batch norm)." if norm else ").")
                                  + " Check that it has exactly these layers.")


def _check_order(report: Report, order: List[nn.Module], name: str, conv_kind, act_name: str) -> None:
    i_conv, i_norm = _first_index(order, conv_kind), _first_index(order, _NORMS)
    i_act = _first_index(order, (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.GELU, nn.SiLU))
    if i_conv > 0 and (i_conv > i_act >= 0 or i_conv > i_norm >= 0):
        report.problem("order", f"In {name} the convolution does not come first. The order is: convolution, "
                                f"then batch norm, then {act_name}.")
    elif i_norm >= 0 and i_act >= 0 and i_act < i_norm:
        report.problem("order", f"In {name} the activation runs before the batch norm. The order is: "
                                f"convolution, then batch norm, then {act_name} last.")


def _check_fresh(report: Report, fn: Callable, name: str, args: tuple, kwargs: dict) -> None:
    """Two calls with the same arguments must give two separate sets of layers."""
    first, second = call_student(fn, *args, **kwargs), call_student(fn, *args, **kwargs)
    if not (first.ok and second.ok and isinstance(first.value, nn.Module) and isinstance(second.value, nn.Module)):
        return  # reported by the other tests already
    shared = {id(p) for p in first.value.parameters()} & {id(p) for p in second.value.parameters()}
    if shared or second.value is first.value:
        report.problem("shared_layers", f"Two calls of {name} return the same layers. Create new layers inside "
                                        "the function each time it is called (a network needs separate weights "
                                        "in every block).")


def _check_pooling(report: Report, order: List[nn.Module], name: str) -> None:
    pools = [type(m).__name__ for m in order if isinstance(m, _POOLS)]
    if pools:
        report.problem("pooling", f"{name} shrinks the picture with {pools[0]}. DCGAN blocks have no pooling: the "
                                  "strided convolution itself halves height and width (nn.Conv2d with kernel_size=4, "
                                  "stride=2, padding=1) and learns how to do it.")


def _sizes(sizes, grow: bool) -> list:
    """(c_in, c_out, flag, H, W) rows -> (c_in, c_out, flag, input shape, expected output shape), batch 4."""
    cases = []
    for row in sizes:
        c_in, c_out, flag, h, w = row
        if min(c_in, c_out, h, w) < 1 or (not grow and (h % 2 or w % 2)):
            raise ValueError(f"bad size {row!r}: channels and sizes must be positive (and even for a discriminator block).")
        if grow:
            shape_in = (4, c_in, 1, 1) if flag else (4, c_in, h, w)
            shape_out = (4, c_out, 4, 4) if flag else (4, c_out, 2 * h, 2 * w)
        else:
            shape_in, shape_out = (4, c_in, h, w), (4, c_out, h // 2, w // 2)
        cases.append((c_in, c_out, bool(flag), shape_in, shape_out))
    return cases


#: (in_channels, out_channels, first, height, width of the input) tried by default
GENERATOR_BLOCK_SIZES = ((5, 3, True, 1, 1), (6, 4, False, 4, 4), (4, 2, False, 3, 5))
#: (in_channels, out_channels, batch_norm, height, width of the input) tried by default
DISCRIMINATOR_BLOCK_SIZES = ((3, 4, False, 8, 8), (4, 6, True, 8, 6), (5, 3, True, 16, 16))


@grading_check("generator_block")
def check_generator_block(fn: Callable[..., nn.Module], sizes=GENERATOR_BLOCK_SIZES) -> Report:
    """Grade a generator block factory ``fn(in_channels, out_channels, first=False)``; see the module docstring.

    ``sizes``: the blocks to build and run, as ``(in_channels, out_channels, first, height, width)``
    of the input (a first block always gets a 1x1 input); hidden tests pass other sizes.

    Problem codes: ``not_implemented``, ``signature``, ``raised``, ``padding_same``, ``not_a_module``, ``not_transposed``,
    ``wrong_output_shape``, ``conv_bias``, ``kernel``, ``batch_norm_missing``, ``param_count``, ``order``,
    ``activation``, ``shared_layers``.
    """
    report = Report("generator block")
    name = getattr(fn, "__name__", "generator_block")
    cases = _sizes(sizes, grow=True)  # (c_in, c_out, first, input shape, expected output shape)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for k, (c_in, c_out, first, in_shape, out_shape) in enumerate(cases):
            kwargs = {"first": True} if first else {}
            block = _build(report, fn, name, (c_in, c_out), kwargs)
            if block is None:
                return report
            block.train()
            x = _inputs(in_shape, 10 + k)
            traced, error = _trace(block, x)
            out, order = traced.output, traced.order
            if error:
                if not any(isinstance(m, nn.ConvTranspose2d) for m in block.modules()):
                    report.problem("not_transposed", f"{name} has no nn.ConvTranspose2d, and failed on an input of "
                                                     f"shape {in_shape} ({error}). The generator grows pictures "
                                                     "with transposed convolutions.")
                else:
                    call = f"{name}({c_in}, {c_out}{', first=True' if first else ''})"
                    report.problem(*_raised_problem(name, call, in_shape, error, traced, c_in))
                return report
            if out.dim() != 4 or out.shape[:2] != out_shape[:2]:
                report.problem("wrong_output_shape", f"{name}({c_in}, {c_out}) turned {in_shape} into {tuple(out.shape)}, "
                                           f"expected {out_shape}. The block must output out_channels={c_out} "
                                           "channels.")
                return report
            if tuple(out.shape) != out_shape:
                if first:
                    hint = ("The first block turns the 1x1 noise into 4x4: use kernel_size=4, stride=1, "
                            "padding=0, and stride=2, padding=1 only when first is False.")
                else:
                    hint = ("Every later block doubles height and width: ConvTranspose2d with kernel_size=4, "
                            "stride=2, padding=1 (and nn.ConvTranspose2d, not nn.Conv2d, which shrinks).")
                report.problem("wrong_output_shape", f"{name}({c_in}, {c_out}{', first=True' if first else ''}) turned {in_shape} "
                                       f"into {tuple(out.shape)}, expected {out_shape}. {hint}")
                return report
            if not _has(order, nn.ConvTranspose2d):
                report.problem("not_transposed", f"{name} has the right output shape but no nn.ConvTranspose2d: the "
                                                 "generator grows pictures with transposed convolutions.")
                return report
            _check_params(report, block, order, nn.ConvTranspose2d, name, c_in, c_out, norm=True)
            _check_order(report, order, name, nn.ConvTranspose2d, "ReLU")
            if report.problems:
                return report
            slope = _negative_slope(block, x)
            if out.min() < 0 or slope is None or abs(slope) > 0.005:
                shown = "nothing (no activation)" if slope is not None and abs(slope - 1) < 0.05 else (
                    f"an activation that keeps negative values (scaled by {slope:.2f})" if slope is not None
                    else "an unusual activation")
                report.problem("activation", f"{name} ends with {shown}. Generator blocks end with nn.ReLU(): "
                                             "negative values become 0 (LeakyReLU belongs to the discriminator; "
                                             "Tanh only to the generator's very last layer).")
                return report
        _check_fresh(report, fn, name, (6, 4), {})
    return report


@grading_check("discriminator_block")
def check_discriminator_block(fn: Callable[..., nn.Module], sizes=DISCRIMINATOR_BLOCK_SIZES) -> Report:
    """Grade a discriminator block factory ``fn(in_channels, out_channels, batch_norm=True)``; see the module docstring.

    ``sizes``: the blocks to build and run, as ``(in_channels, out_channels, batch_norm, height, width)``
    of the input (even sizes); hidden tests pass other sizes.

    Problem codes: ``not_implemented``, ``signature``, ``raised``, ``padding_same``, ``not_a_module``, ``pooling``,
    ``wrong_output_shape``, ``not_conv``, ``conv_bias``, ``kernel``, ``batch_norm_missing``, ``batch_norm_flag``,
    ``param_count``, ``order``, ``activation``, ``shared_layers``.
    """
    report = Report("discriminator block")
    name = getattr(fn, "__name__", "discriminator_block")
    cases = _sizes(sizes, grow=False)  # (c_in, c_out, batch_norm, input shape, expected output shape)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for k, (c_in, c_out, norm, in_shape, out_shape) in enumerate(cases):
            block = _build(report, fn, name, (c_in, c_out), {"batch_norm": norm})
            if block is None:
                return report
            block.train()
            x = _inputs(in_shape, 20 + k)
            traced, error = _trace(block, x)
            out, order = traced.output, traced.order
            if error:
                call = f"{name}({c_in}, {c_out}, batch_norm={norm})"
                report.problem(*_raised_problem(name, call, in_shape, error, traced, c_in))
                return report
            _check_pooling(report, order, name)
            if report.problems:
                return report
            if out.dim() != 4 or out.shape[:2] != out_shape[:2]:
                report.problem("wrong_output_shape", f"{name}({c_in}, {c_out}, batch_norm={norm}) turned {in_shape} into "
                                           f"{tuple(out.shape)}, expected {out_shape}. The block must output "
                                           f"out_channels={c_out} channels.")
                return report
            if tuple(out.shape) != out_shape:
                report.problem("wrong_output_shape", f"{name}({c_in}, {c_out}) turned {in_shape} into {tuple(out.shape)}, expected "
                                       f"{out_shape}. Each discriminator block halves height and width: nn.Conv2d "
                                       "with kernel_size=4, stride=2, padding=1.")
                return report
            if not _has(order, nn.Conv2d):
                report.problem("not_conv", f"{name} has the right output shape but no nn.Conv2d: the discriminator "
                                           "shrinks pictures with strided convolutions.")
                return report
            _check_params(report, block, order, nn.Conv2d, name, c_in, c_out, norm=norm)
            _check_order(report, order, name, nn.Conv2d, "LeakyReLU(0.2)")
            if report.problems:
                return report
            slope = _negative_slope(block, x)
            if slope is None or abs(slope - 0.2) > 0.02:
                if slope is not None and abs(slope) <= 0.005:
                    what = "a plain ReLU (slope 0 on the negative side), which can kill gradients"
                elif slope is not None and abs(slope - 1) < 0.05:
                    what = "no activation at all"
                elif slope is not None:
                    what = f"an activation that scales negative values by {slope:.2f}, not 0.2"
                else:
                    what = "an activation that never lets anything positive through"
                report.problem("activation", f"{name} ends with {what}. Discriminator blocks end with "
                                             "nn.LeakyReLU(0.2): negative values are kept, scaled by 0.2, so "
                                             "gradients flow back to the generator everywhere.")
                return report
        _check_fresh(report, fn, name, (4, 6), {"batch_norm": True})
    return report


@grading_check(student=("gen", "disc"))
def check_dcgan_pair(gen: nn.Module, disc: nn.Module, latent_dim: int, image_size: int, batch: int = 4) -> Report:
    """Check assembled networks: G maps (B, nz) to (B, 3, S, S) in [-1, 1]; D maps that to (B, 1) in (0, 1).

    Problem codes: ``not_implemented``, ``raised``, ``returns_wrong_type``, ``wrong_output_shape``,
    ``output_out_of_range``, ``output_not_probability``.
    """
    report = Report("DCGAN networks")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        device = next(iter(gen.parameters()), torch.empty(0)).device
        z = torch.randn(batch, latent_dim, device=device)
        with torch.no_grad():
            made = call_student(gen, z)
        if not made.ok:
            report.problem(*raised_problem(made.error, "The generator", context=f" on noise of shape {(batch, latent_dim)}"))
            return report
        fake, want = made.value, (batch, 3, image_size, image_size)
        if not isinstance(fake, torch.Tensor):
            report.problem("returns_wrong_type", f"The generator returned {describe(fake)}; it must return one tensor.")
            return report
        if tuple(fake.shape) != want:
            report.problem("wrong_output_shape", f"The generator made {tuple(fake.shape)} from noise "
                                                 f"{(batch, latent_dim)}; expected {want}.")
            return report
        if fake.min() < -1 - 1e-5 or fake.max() > 1 + 1e-5:
            report.problem("output_out_of_range", "The generator's pictures leave [-1, 1]: end it with nn.Tanh(), "
                                                  "the range of the data.")
        with torch.no_grad():
            scored = call_student(disc, fake)
        if not scored.ok:
            report.problem(*raised_problem(scored.error, "The discriminator", context=f" on pictures of shape {want}"))
            return report
        score = scored.value
        if not isinstance(score, torch.Tensor):
            report.problem("returns_wrong_type", f"The discriminator returned {describe(score)}; it must return one "
                                                 "tensor of scores.")
        elif tuple(score.shape) != (batch, 1):
            report.problem("wrong_output_shape", f"The discriminator returned {tuple(score.shape)}; expected "
                                                 f"({batch}, 1), one probability per picture.")
        elif score.min() < 0 or score.max() > 1:
            report.problem("output_not_probability", "The discriminator's outputs leave [0, 1]: it should return the "
                                                      "probability that a picture is real (a sigmoid at the end).")
    return report


__all__ = ["check_generator_block", "check_discriminator_block", "check_dcgan_pair"]

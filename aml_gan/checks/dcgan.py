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
from ..config import device_of
from .networks import forward, output_shape, probabilities, tanh_range
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


class _Kind:
    """What differs between the two kinds of block; :func:`_check_blocks` does the rest, the same for both.

    ``grow``: the block doubles (generator) or halves (discriminator) height and width; ``conv``: its
    convolution; ``activation``: the name of its last layer; ``seed``: the first input's seed;
    ``fresh``: the arguments of the two calls that must give separate layers. A kind also says
    ``kwargs(flag)`` (the call's keyword for a size's flag), ``size_hint(flag)``, ``missing_conv(name)``
    (the code and message when the block has no such convolution) and
    ``wrong_activation(name, slope, out)`` (a message, or None when the last layer is right).
    """

    role, grow, conv, activation, seed, fresh = "", True, nn.Conv2d, "", 0, ((), {})

    def norm(self, flag: bool) -> bool:
        return True

    def failed(self, name: str, call: str, in_shape, error: str, traced, c_in: int, block: nn.Module) -> tuple:
        return _raised_problem(name, call, in_shape, error, traced, c_in)

    def layout(self, report: Report, order: List[nn.Module], name: str) -> None:
        """Problems with the block's layers that show before its output is judged."""


class _GeneratorBlock(_Kind):
    role, grow, conv, activation, seed, fresh = "generator", True, nn.ConvTranspose2d, "ReLU", 10, ((6, 4), {})

    def kwargs(self, flag: bool) -> dict:
        return {"first": True} if flag else {}

    def failed(self, name, call, in_shape, error, traced, c_in, block) -> tuple:
        if not any(isinstance(m, nn.ConvTranspose2d) for m in block.modules()):
            return "not_transposed", (f"{name} has no nn.ConvTranspose2d, and failed on an input of shape {in_shape} "
                                      f"({error}). The generator grows pictures with transposed convolutions.")
        return super().failed(name, call, in_shape, error, traced, c_in, block)

    def size_hint(self, flag: bool) -> str:
        if flag:
            return ("The first block turns the 1x1 noise into 4x4: use kernel_size=4, stride=1, "
                    "padding=0, and stride=2, padding=1 only when first is False.")
        return ("Every later block doubles height and width: ConvTranspose2d with kernel_size=4, "
                "stride=2, padding=1 (and nn.ConvTranspose2d, not nn.Conv2d, which shrinks).")

    def missing_conv(self, name: str) -> Tuple[str, str]:
        return "not_transposed", (f"{name} has the right output shape but no nn.ConvTranspose2d: the generator "
                                  "grows pictures with transposed convolutions.")

    def wrong_activation(self, name, slope, out) -> Optional[str]:
        if not (out.min() < 0 or slope is None or abs(slope) > 0.005):
            return None
        shown = "nothing (no activation)" if slope is not None and abs(slope - 1) < 0.05 else (
            f"an activation that keeps negative values (scaled by {slope:.2f})" if slope is not None
            else "an unusual activation")
        return (f"{name} ends with {shown}. Generator blocks end with nn.ReLU(): negative values become 0 "
                "(LeakyReLU belongs to the discriminator; Tanh only to the generator's very last layer).")


class _DiscriminatorBlock(_Kind):
    role, grow, conv, activation, seed = "discriminator", False, nn.Conv2d, "LeakyReLU(0.2)", 20
    fresh = ((4, 6), {"batch_norm": True})

    def kwargs(self, flag: bool) -> dict:
        return {"batch_norm": flag}

    def norm(self, flag: bool) -> bool:
        return flag

    def size_hint(self, flag: bool) -> str:
        return "Each discriminator block halves height and width: nn.Conv2d with kernel_size=4, stride=2, padding=1."

    def layout(self, report: Report, order: List[nn.Module], name: str) -> None:
        _check_pooling(report, order, name)

    def missing_conv(self, name: str) -> Tuple[str, str]:
        return "not_conv", (f"{name} has the right output shape but no nn.Conv2d: the discriminator shrinks "
                            "pictures with strided convolutions.")

    def wrong_activation(self, name, slope, out) -> Optional[str]:
        if slope is not None and abs(slope - 0.2) <= 0.02:
            return None
        if slope is not None and abs(slope) <= 0.005:
            what = "a plain ReLU (slope 0 on the negative side), which can kill gradients"
        elif slope is not None and abs(slope - 1) < 0.05:
            what = "no activation at all"
        elif slope is not None:
            what = f"an activation that scales negative values by {slope:.2f}, not 0.2"
        else:
            what = "an activation that never lets anything positive through"
        return (f"{name} ends with {what}. Discriminator blocks end with nn.LeakyReLU(0.2): negative values are "
                "kept, scaled by 0.2, so gradients flow back to the generator everywhere.")


def _check_blocks(report: Report, fn: Callable, kind: _Kind, sizes) -> None:
    """Build and run ``fn``'s block for each size; the first wrong thing found is the problem."""
    name = getattr(fn, "__name__", f"{kind.role}_block")
    cases = _sizes(sizes, grow=kind.grow)  # (c_in, c_out, flag, input shape, expected output shape)
    torch.manual_seed(0)
    for k, (c_in, c_out, flag, in_shape, out_shape) in enumerate(cases):
        kwargs = kind.kwargs(flag)
        call = f"{name}({c_in}, {c_out}{''.join(f', {key}={value!r}' for key, value in kwargs.items())})"
        block = _build(report, fn, name, (c_in, c_out), kwargs)
        if block is None:
            return
        block.train()
        x = _inputs(in_shape, kind.seed + k)
        traced, error = _trace(block, x)
        if error:
            report.problem(*kind.failed(name, call, in_shape, error, traced, c_in, block))
            return
        if not _block_output_ok(report, kind, traced, call, name, flag, in_shape, out_shape):
            return
        _check_params(report, block, traced.order, kind.conv, name, c_in, c_out, norm=kind.norm(flag))
        _check_order(report, traced.order, name, kind.conv, kind.activation)
        if report.problems:
            return
        message = kind.wrong_activation(name, _negative_slope(block, x), traced.output)
        if message:
            report.problem("activation", message)
            return
    _check_fresh(report, fn, name, *kind.fresh)


def _block_output_ok(report: Report, kind: _Kind, traced, call: str, name: str, flag: bool, in_shape, out_shape) -> bool:
    """Its layers before anything else, then the channels, then height and width, then its convolution."""
    kind.layout(report, traced.order, name)
    if report.problems:
        return False
    out = traced.output
    if out.dim() != 4 or out.shape[:2] != out_shape[:2]:
        report.problem("wrong_output_shape", f"{call} turned {in_shape} into {tuple(out.shape)}, expected {out_shape}. The block "
                                   f"must output out_channels={out_shape[1]} channels.")
        return False
    if tuple(out.shape) != out_shape:
        report.problem("wrong_output_shape", f"{call} turned {in_shape} into {tuple(out.shape)}, expected {out_shape}. "
                               f"{kind.size_hint(flag)}")
        return False
    if not _has(traced.order, kind.conv):
        report.problem(*kind.missing_conv(name))
        return False
    return True


@grading_check("generator_block")
def check_generator_block(report: Report, fn: Callable[..., nn.Module], sizes=GENERATOR_BLOCK_SIZES) -> None:
    """Grade a generator block factory ``fn(in_channels, out_channels, first=False)``; see the module docstring.

    ``sizes``: the blocks to build and run, as ``(in_channels, out_channels, first, height, width)``
    of the input (a first block always gets a 1x1 input); hidden tests pass other sizes.

    Problem codes: ``not_implemented``, ``signature``, ``raised``, ``padding_same``, ``not_a_module``, ``not_transposed``,
    ``wrong_output_shape``, ``conv_bias``, ``kernel``, ``batch_norm_missing``, ``param_count``, ``order``,
    ``activation``, ``shared_layers``.
    """
    _check_blocks(report, fn, _GeneratorBlock(), sizes)


@grading_check("discriminator_block")
def check_discriminator_block(report: Report, fn: Callable[..., nn.Module], sizes=DISCRIMINATOR_BLOCK_SIZES) -> None:
    """Grade a discriminator block factory ``fn(in_channels, out_channels, batch_norm=True)``; see the module docstring.

    ``sizes``: the blocks to build and run, as ``(in_channels, out_channels, batch_norm, height, width)``
    of the input (even sizes); hidden tests pass other sizes.

    Problem codes: ``not_implemented``, ``signature``, ``raised``, ``padding_same``, ``not_a_module``, ``pooling``,
    ``wrong_output_shape``, ``not_conv``, ``conv_bias``, ``kernel``, ``batch_norm_missing``, ``batch_norm_flag``,
    ``param_count``, ``order``, ``activation``, ``shared_layers``.
    """
    _check_blocks(report, fn, _DiscriminatorBlock(), sizes)


@grading_check(student=("gen", "disc"))
def check_dcgan_pair(report: Report, gen: nn.Module, disc: nn.Module, latent_dim: int, image_size: int,
                     batch: int = 4) -> None:
    """Check assembled networks: G maps (B, nz) to (B, 3, S, S) in [-1, 1]; D maps that to (B, 1) in (0, 1).

    Problem codes: ``not_implemented``, ``raised``, ``returns_wrong_type``, ``wrong_output_shape``,
    ``output_out_of_range``, ``softmax_output``, ``output_not_probability`` (see :mod:`.networks`).
    """
    torch.manual_seed(0)
    z = torch.randn(batch, latent_dim, device=device_of(gen))
    want = (batch, 3, image_size, image_size)
    with torch.no_grad():
        fake = forward(gen, z, "generator", report)
        if fake is None or not output_shape(report, fake, want, "generator", f"noise of shape {(batch, latent_dim)}",
                                            "one picture per noise vector"):
            return
        tanh_range(report, gen, z, fake, "images", centred=False)
        score = forward(disc, fake, "discriminator", report)
        if score is not None and output_shape(report, score, (batch, 1), "discriminator", f"pictures of shape {want}",
                                              "one probability per picture"):
            probabilities(report, disc, fake, score, "picture")


__all__ = ["check_generator_block", "check_discriminator_block", "check_dcgan_pair"]

"""Check for notebook 06's exercise ``implied_gaussian(generator) -> (mean, cov)``.

The student reads the Gaussian a linear generator produces off its layer: for
``G(z) = z W^T + b`` (torch's ``nn.Linear``) and ``z ~ N(0, I)``, the mean is ``b``
and the covariance is ``W W^T``. The check calls the student's function on probe
generators with known weights (never the same numbers as the trained one) and
compares with those formulas; it names the common slips (``W^T W``, the weight
itself, a forgotten bias, the data's moments instead of the generator's, a
sampled estimate, NumPy arrays, wrong shapes, swapped outputs).
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn as nn

from ..data.gaussian import true_covariance, true_mean
from ..models.gaussian import gaussian_generator, linear_layer
from .errors import error_kind, exception_text, raised_problem
from .report import Report
from .mistakes import Row, name_first
from .student import call_student, describe, grading_check


def probe_generator(weight, bias) -> nn.Sequential:
    """A linear generator (like ``gaussian_generator``) with the given ``weight`` (d, k) and ``bias`` (d,)."""
    W = torch.as_tensor(weight, dtype=torch.float32)
    b = torch.as_tensor(bias, dtype=torch.float32)
    if W.dim() != 2 or b.shape != (W.shape[0],):
        raise ValueError(f"weight must be (d, k) and bias (d,), got {tuple(W.shape)} and {tuple(b.shape)}.")
    gen = gaussian_generator(latent_dim=W.shape[1], data_dim=W.shape[0])
    with torch.no_grad():
        gen[0].weight.copy_(W)
        gen[0].bias.copy_(b)
    return gen


def random_probe_generator(latent_dim: int = 2, data_dim: int = 2, *, seed: int = 0) -> nn.Sequential:
    """A linear generator with seeded weights of order one (not the tiny N(0, 0.02) start)."""
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(data_dim, latent_dim, generator=g)
    b = 2 * torch.randn(data_dim, generator=g)
    return probe_generator(W, b)


def default_probes() -> List[nn.Sequential]:
    """Two 2-to-2 generators whose W W^T, W^T W, W and b all differ from each other and from the data's."""
    return [
        probe_generator([[1.0, 2.0], [0.0, 1.0]], [3.0, -1.0]),
        probe_generator([[0.5, -1.5], [2.0, 0.25]], [-0.5, 0.75]),
    ]


def _fmt(t: torch.Tensor) -> str:
    return str([round(float(v), 3) for v in t.reshape(-1)]) if t.dim() <= 1 else str(
        [[round(float(v), 3) for v in row] for row in t]
    )


def _close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=atol * (1 + float(b.abs().max()))))


def _snapshot(gen: nn.Module):
    return [p.detach().clone() for p in gen.parameters()]


def _restore(gen: nn.Module, snap) -> None:
    with torch.no_grad():
        for p, s in zip(gen.parameters(), snap):
            p.copy_(s)


def _raised_message(err: BaseException) -> str:
    text = f"Calling implied_gaussian(generator) raised {exception_text(err)}."
    if isinstance(err, AttributeError) and getattr(err, "name", None) in ("weight", "bias"):
        text += " The generator is an nn.Sequential: its linear layer is generator[0], with .weight and .bias."
    elif error_kind(err) in ("shape", "dimension"):
        text += " Check the shapes: the weight W is (data_dim, latent_dim), so W @ W.T is (data_dim, data_dim)."
    else:
        text += " Make sure it runs on any generator built like the one in this notebook."
    return text


def _ignores_argument(implied_gaussian: Callable, mean: torch.Tensor, cov: torch.Tensor, k: int, d: int) -> bool:
    """True when the function returns the same (mean, cov) for another generator with other weights."""
    other = random_probe_generator(k, d, seed=9001)
    result = call_student(implied_gaussian, other)
    if not result.ok or not isinstance(result.value, (tuple, list)) or len(result.value) != 2:
        return False
    try:
        m2, c2 = (torch.as_tensor(v).detach().to("cpu", torch.float64) for v in result.value)
    except Exception:  # noqa: BLE001
        return False
    return m2.shape == mean.shape and c2.shape == cov.shape and torch.equal(m2, mean) and torch.equal(c2, cov)


@grading_check("implied_gaussian")
def check_implied_gaussian(
    report: Report,
    implied_gaussian: Callable,
    generators: Optional[Sequence[nn.Module]] = None,
    *,
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> None:
    """Grade ``implied_gaussian(generator) -> (mean (d,), cov (d, d))``, both torch tensors.

    ``generators``: the linear generators to try (default ``default_probes()``); each must
    hold exactly one ``nn.Linear`` with a bias. Expected: mean = bias, cov = W W^T,
    within ``rtol``/``atol``. Problem codes: not_callable, not_implemented, raised, signature,
    mutates_inputs, ignores_input, returns_wrong_type, outputs_swapped, mean_shape, cov_shape,
    mean_missing_bias, mean_is_data, mean_approximate, mean_wrong, cov_transposed,
    cov_is_weight, cov_second_moment, cov_diagonal_only, cov_is_data, cov_approximate,
    cov_wrong. Warning: not_detached (returned tensors still tied to the parameters).
    """
    probes = list(default_probes() if generators is None else generators)
    if not probes:
        raise ValueError("generators is empty: pass at least one linear generator, or None for the default probes.")
    data_mean, data_cov = true_mean(torch.float64), true_covariance(torch.float64)

    for gen in probes:
        layer = linear_layer(gen)
        if layer.bias is None:
            raise ValueError("probe generators need a bias (nn.Linear(..., bias=True)): the mean is read off it.")
        returned = _returned_pair(report, implied_gaussian, gen)
        if returned is _STOP:
            return
        if returned is not None:
            _judge_moments(report, implied_gaussian, layer, *returned, data_mean, data_cov, rtol, atol)


_STOP = object()  # the student's function raised: nothing else can be checked


def _returned_pair(report: Report, implied_gaussian: Callable, gen: nn.Module):
    """(mean, cov) as tensors, None when this generator's answer cannot be judged, or _STOP when it raised.

    The generator is checked to be left as it was (and put back if it was not)."""
    snap = _snapshot(gen)
    result = call_student(implied_gaussian, gen)
    if not result.ok:
        code, _ = raised_problem(result.error, "implied_gaussian", fn=implied_gaussian)
        if code == "not_implemented":
            report.problem("not_implemented", "implied_gaussian still raises NotImplementedError. "
                           "Replace the stub with your code: return the generator's bias and W @ W.T.")
        else:
            report.problem(code, _raised_message(result.error))
            _restore(gen, snap)
        return _STOP
    out = result.value
    if any(not torch.equal(p.detach(), s) for p, s in zip(gen.parameters(), snap)):
        report.problem("mutates_inputs", "implied_gaussian changed the generator's weights or bias "
                       "(an in-place operation such as .t_(), .add_() or +=). Only read the parameters: "
                       "use W.T and W @ W.T, which make new tensors.")
        _restore(gen, snap)

    if not isinstance(out, (tuple, list)) or len(out) != 2:
        report.problem("returns_wrong_type", f"implied_gaussian returned {describe(out)}, not a pair. "
                       "Return two things: return mean, cov.")
        return None
    mean, cov = out
    if not (isinstance(mean, torch.Tensor) and isinstance(cov, torch.Tensor)):
        kinds = f"{describe(mean)} and {describe(cov)}"
        report.problem("returns_wrong_type", f"implied_gaussian returned {kinds}; both must be torch tensors. "
                       "Keep them as tensors (no .numpy() or .tolist()); torch.as_tensor(...) converts back.")
        try:
            mean, cov = torch.as_tensor(mean), torch.as_tensor(cov)
        except Exception:  # noqa: BLE001
            return None
    return mean, cov


def _judge_moments(report: Report, implied_gaussian: Callable, layer: nn.Linear, mean: torch.Tensor,
                   cov: torch.Tensor, data_mean: torch.Tensor, data_cov: torch.Tensor, rtol: float, atol: float) -> None:
    """Compare one answer with this generator's bias and W W^T; name what is wrong."""
    W = layer.weight.detach().to("cpu", torch.float64).clone()
    b = layer.bias.detach().to("cpu", torch.float64).clone()
    d, k = W.shape
    want_mean, want_cov = b, W @ W.T
    for t in (mean, cov):
        if t.requires_grad or (layer.bias is not None and t.data_ptr() in (layer.bias.data_ptr(), layer.weight.data_ptr())):
            report.warn("not_detached", "Your result is still tied to the generator's parameters, so it "
                        "would change (or carry gradients) when training goes on. Compute them from "
                        "generator[0].weight.detach() and generator[0].bias.detach().clone().")
    m = mean.detach().to("cpu", torch.float64)
    c = cov.detach().to("cpu", torch.float64)
    right = tuple(m.shape) == (d,) and tuple(c.shape) == (d, d) and _close(m, want_mean, rtol, atol) and \
        _close(c, want_cov, rtol, atol)
    data_moments = d == 2 and ((tuple(m.shape) == (2,) and _close(m, data_mean, 1e-3, 1e-3)) or
                               (tuple(c.shape) == (2, 2) and _close(c, data_cov, 1e-3, 1e-3)))  # named below
    if not right and not data_moments and _ignores_argument(implied_gaussian, m, c, k, d):
        report.problem("ignores_input", "implied_gaussian gives the same answer whatever generator it is "
                       "passed: it ignores its argument (it reads another generator, such as the notebook's G, "
                       "instead). Compute the mean and covariance from the generator you are given: "
                       "generator[0].weight and generator[0].bias.")
        return

    if tuple(m.shape) == (d, d) and tuple(c.shape) == (d,):
        report.problem("outputs_swapped", "You returned the covariance first and the mean second. "
                       "Return them in the order (mean, cov).")
        return
    mean_ok_shape = tuple(m.shape) == (d,)
    cov_ok_shape = tuple(c.shape) == (d, d)
    if not mean_ok_shape:
        hint = " Flatten it with .reshape(-1)." if m.numel() == d else ""
        report.problem("mean_shape", f"The mean must have shape ({d},), one number per output coordinate, "
                       f"but yours has shape {tuple(m.shape)}.{hint} The bias already has the right shape.")
    if not cov_ok_shape:
        if k != d and tuple(c.shape) == (k, k):
            report.problem("cov_transposed", f"Your covariance is {k}x{k}, the size of the noise, not of the "
                           f"output ({d}x{d}): that is W.T @ W. With x = z @ W.T + b the covariance is W @ W.T.")
        else:
            report.problem("cov_shape", f"The covariance must be a ({d}, {d}) matrix, but yours has shape "
                           f"{tuple(c.shape)}. Use W @ W.T, where W = generator[0].weight has shape ({d}, {k}).")

    if mean_ok_shape and not _close(m, want_mean, rtol, atol):
        name_first(report, _mean_mistakes(m, b, want_mean, want_cov, data_mean, d, rtol, atol))
    if cov_ok_shape and not _close(c, want_cov, rtol, atol):
        name_first(report, _cov_mistakes(c, W, b, want_cov, data_cov, d, k, rtol, atol))


def _mean_mistakes(m, b, want_mean, want_cov, data_mean, d: int, rtol: float, atol: float) -> List[Row]:
    """What a wrong mean (of the right shape) is, most specific first."""
    spread = math.sqrt(max(float(torch.trace(want_cov)), 1e-12) / d)
    return [
        ("mean_missing_bias", lambda: float(want_mean.abs().max()) > 1e-6 and _close(m, torch.zeros_like(m), rtol, atol),
         "Your mean is zero, but the generator adds its bias: "
         "E[z @ W.T + b] = b because E[z] = 0. Return generator[0].bias as the mean."),
        ("mean_is_data", lambda: d == 2 and _close(m, data_mean, 1e-3, 1e-3),
         "Your mean is the data's true mean b = [1, 2], not this "
         "generator's. Read it off the generator passed in: generator[0].bias."),
        ("mean_approximate", lambda: float((m - want_mean).norm()) < 0.25 * spread,
         "Your mean is close but not exact, as if estimated from "
         "samples. A linear generator's mean is exactly its bias: no sampling needed."),
        ("mean_wrong", lambda: True,
         lambda: f"For a generator with bias {_fmt(b)} the mean is that bias, "
                 f"but yours is {_fmt(m)}. The noise has mean zero, so only the bias survives."),
    ]


def _cov_mistakes(c, W, b, want_cov, data_cov, d: int, k: int, rtol: float, atol: float) -> List[Row]:
    """What a wrong covariance (of the right shape) is, most specific first."""
    return [
        ("cov_transposed", lambda: d == k and _close(c, W.T @ W, rtol, atol),
         "You returned W.T @ W. torch's nn.Linear computes "
         "x = z @ W.T + b, so Cov[x] = W Cov[z] W.T = W @ W.T. Swap the order of the product."),
        ("cov_is_weight", lambda: d == k and _close(c, W, rtol, atol),
         "You returned the weight matrix itself. The weight maps noise "
         "to points; the covariance of the points is W @ W.T."),
        ("cov_second_moment", lambda: _close(c, want_cov + torch.outer(b, b), rtol, atol),
         "You returned E[x x^T] = W W^T + b b^T, which still contains "
         "the mean. The covariance is centred: drop the b b^T term and return W @ W.T."),
        ("cov_diagonal_only", lambda: _close(c, torch.diag(torch.diag(want_cov)), rtol, atol),
         "You returned only the variances (the diagonal). The "
         "covariance also has the off-diagonal terms: return the full W @ W.T."),
        ("cov_is_data", lambda: d == 2 and _close(c, data_cov, 1e-3, 1e-3),
         "You returned the data's true covariance A^T A, not this "
         "generator's. Compute it from the generator passed in: W @ W.T with W = generator[0].weight."),
        ("cov_approximate", lambda: float((c - want_cov).norm()) < 0.2 * float(want_cov.norm()),
         "Your covariance is close but not exact, as if estimated from "
         "samples. For a linear generator it is exactly W @ W.T: no sampling needed."),
        ("cov_wrong", lambda: True,
         lambda: f"For a generator with weight W = {_fmt(W)} the covariance is "
                 f"W @ W.T = {_fmt(want_cov)}, but yours is {_fmt(c)}."),
    ]


__all__ = ["check_implied_gaussian", "probe_generator", "random_probe_generator", "default_probes"]

"""The bilinear game f(x, y) = x * y: the smallest GAN that refuses to converge.

Player x (think: the generator) wants f small, player y (the discriminator)
wants it large. The only equilibrium is (0, 0). The gradients are
``df/dx = y`` and ``df/dy = x``, so a gradient step with step size ``lr`` is

- **simultaneous**: both players use the old point.
  ``x' = x - lr*y``, ``y' = y + lr*x``. The distance to the equilibrium grows by
  exactly ``sqrt(1 + lr**2)`` every step: the iterates spiral outwards.
- **alternating**: x moves first, then y answers the *new* x.
  ``x' = x - lr*y``, ``y' = y + lr*x'``. The quantity
  ``x**2 + y**2 - lr*x*y`` never changes: the iterates circle forever on an
  ellipse, neither converging nor escaping (for ``lr < 2``).
- **optimistic** (optimistic gradient descent-ascent): each player steps with
  ``2 * (current gradient) - (previous gradient)``, which anticipates the
  other player's move; spirals inwards for small ``lr``.
- **extragradient**: look ahead with a trial simultaneous step, then step from
  the original point with the gradients measured at the trial point. The
  radius shrinks by ``sqrt(1 - lr**2 + lr**4)`` per step: converges.

Every function here works on plain floats and returns float64 numpy arrays.
"""
from __future__ import annotations

import difflib
import math
import numbers
from typing import Callable, Tuple

import numpy as np
from .reference import reference

METHODS: Tuple[str, ...] = ("simultaneous", "alternating", "optimistic", "extragradient")


def _number(name: str, value, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy scalars and 0-d arrays / tensors are welcome too
        try:
            if getattr(value, "ndim", None) == 0 or getattr(value, "shape", None) == ():
                value = float(value)
            else:
                raise TypeError
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be a real number, got {type(value).__name__}: pass a float such as 1.0."
            ) from None
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}: pass an ordinary number such as 1.0.")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}: a step size like 0.1 is typical.")
    return value


def _steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be a whole number, got {type(steps).__name__}: pass an int such as 100.")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be 0 or more, got {steps}.")
    return steps


def check_method(method: str) -> str:
    """Return ``method`` if it is one of :data:`METHODS`, else raise a ValueError suggesting the closest."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, one of {', '.join(METHODS)}; got {type(method).__name__}.")
    key = method.strip().lower()
    if key in METHODS:
        return key
    close = difflib.get_close_matches(key, METHODS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}.{hint}")


@reference("simultaneous_step")
def simultaneous_step(x: float, y: float, lr: float) -> Tuple[float, float]:
    """Both players step from the same old point: ``(x - lr*y, y + lr*x)``."""
    return x - lr * y, y + lr * x


@reference("alternating_step")
def alternating_step(x: float, y: float, lr: float) -> Tuple[float, float]:
    """x steps first; y then answers the new x: ``x' = x - lr*y``, ``y' = y + lr*x'``."""
    x_new = x - lr * y
    return x_new, y + lr * x_new


def extragradient_step(x: float, y: float, lr: float) -> Tuple[float, float]:
    """Trial simultaneous step to (xh, yh), then ``(x - lr*yh, y + lr*xh)`` from the original point."""
    x_half, y_half = x - lr * y, y + lr * x
    return x - lr * y_half, y + lr * x_half


def optimistic_step(x: float, y: float, x_prev: float, y_prev: float, lr: float) -> Tuple[float, float]:
    """Optimistic step: ``x' = x - lr*(2y - y_prev)``, ``y' = y + lr*(2x - x_prev)``."""
    return x - lr * (2 * y - y_prev), y + lr * (2 * x - x_prev)


def simulate(method: str, x0: float, y0: float, lr: float, steps: int) -> np.ndarray:
    """Play ``steps`` rounds of the xy game from ``(x0, y0)``.

    Args:
        method: one of "simultaneous", "alternating", "optimistic", "extragradient".
        x0, y0: the starting point (finite floats).
        lr: the step size, positive.
        steps: number of updates, 0 or more.

    Returns:
        float64 array of shape ``(steps + 1, 2)``: row ``t`` is ``(x_t, y_t)``, row 0 the start.
        The optimistic method's first step has no previous gradient and uses the current one,
        so it starts like a simultaneous step.
    """
    method = check_method(method)
    x, y = _number("x0", x0), _number("y0", y0)
    lr = _number("lr", lr, positive=True)
    steps = _steps(steps)
    out = np.empty((steps + 1, 2), dtype=np.float64)
    out[0] = x, y
    x_prev, y_prev = x, y
    for t in range(1, steps + 1):
        if method == "simultaneous":
            x_new, y_new = simultaneous_step(x, y, lr)
        elif method == "alternating":
            x_new, y_new = alternating_step(x, y, lr)
        elif method == "extragradient":
            x_new, y_new = extragradient_step(x, y, lr)
        else:
            x_new, y_new = optimistic_step(x, y, x_prev, y_prev, lr)
        x_prev, y_prev = x, y
        x, y = x_new, y_new
        out[t] = x, y
    return out


def trajectory(step_fn: Callable, x0: float, y0: float, lr: float, steps: int) -> np.ndarray:
    """Iterate your own ``step_fn(x, y, lr) -> (x_new, y_new)``; same output as :func:`simulate`."""
    if not callable(step_fn):
        raise TypeError(f"step_fn must be a function step_fn(x, y, lr) -> (x, y), got {type(step_fn).__name__}.")
    x, y = _number("x0", x0), _number("y0", y0)
    lr = _number("lr", lr, positive=True)
    steps = _steps(steps)
    out = np.empty((steps + 1, 2), dtype=np.float64)
    out[0] = x, y
    for t in range(1, steps + 1):
        result = step_fn(x, y, lr)
        try:
            x, y = (float(v) for v in result)
        except (TypeError, ValueError):
            raise TypeError(
                f"step_fn must return two numbers (x_new, y_new), got {result!r}: end it with `return x_new, y_new`."
            ) from None
        out[t] = x, y
    return out


def radius(points) -> np.ndarray:
    """Distance to the equilibrium (0, 0) of each row of an (N, 2) array: shape (N,)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected an array of shape (N, 2), got {points.shape}: pass the output of simulate().")
    return np.hypot(points[:, 0], points[:, 1])


def alternating_invariant(points, lr: float) -> np.ndarray:
    """``x**2 + y**2 - lr*x*y`` for each row of an (N, 2) array: constant along an alternating run."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected an array of shape (N, 2), got {points.shape}: pass the output of simulate().")
    lr = _number("lr", lr, positive=True)
    x, y = points[:, 0], points[:, 1]
    return x * x + y * y - lr * x * y


__all__ = [
    "METHODS",
    "check_method",
    "simulate",
    "trajectory",
    "simultaneous_step",
    "alternating_step",
    "extragradient_step",
    "optimistic_step",
    "radius",
    "alternating_invariant",
]

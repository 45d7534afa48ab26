"""Checks for the xy-game exercise: the student's simultaneous and alternating updates.

Both functions have the signature ``step(x, y, lr) -> (x_new, y_new)`` for the game
f(x, y) = x*y, where x descends (df/dx = y) and y ascends (df/dy = x).

The grade rests on closed-form behaviour, not on matching a reference (within what float32
arithmetic reaches, so updates computed with torch tensors pass as well as plain floats):

- simultaneous: after n steps from any start the radius is exactly
  ``(1 + lr**2) ** (n / 2)`` times the start radius, and the point turns
  anticlockwise by ``atan(lr)`` per step;
- alternating (x first, then y with the new x): ``x**2 + y**2 - lr*x*y`` stays exactly
  constant, and the first move goes the right way.

When the behaviour is wrong, the one-step output is compared with a list of
known mistakes (swapped signs, the new x in a simultaneous step, y moving
first, ...) so that the message can name the bug.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, Iterable, Sequence, Tuple

from .errors import raised_problem
from .report import Report
from .mistakes import formula_rows, name_first
from .student import call_student, grading_check

_PROBES: Tuple[Tuple[float, float, float], ...] = ((1.0, 0.5, 0.1), (-0.7, 1.3, 0.25), (0.3, -2.0, 0.5))
# Tolerances, relative: what a correct update reaches in float32 (torch's default dtype, e.g. written with
# torch.autograd.grad), with a margin. Measured: one step within 7e-8; over the longest runs the checks
# make (400 simultaneous steps at lr 0.02, 300 alternating at lr 0.01) the radius, the angle and the
# invariant within 1.2e-6. Every named mistake is off by at least lr^2 ~ 4e-4 per step.
_TOL = 1e-6  # one step
_DRIFT = 2e-5  # radius, angle and invariant along a trajectory


def _new_x_first(x, y, lr):
    xn = x - lr * y
    return xn, y + lr * xn


def _new_y_first(x, y, lr):
    yn = y + lr * x
    return x - lr * yn, yn


# One-step formulas of mistakes students make, per exercise: code -> (formula, message).
_SIM_BUGS: Dict[str, Tuple[Callable, str]] = {
    "uses_new_x": (
        _new_x_first,
        "Your y update uses the x you have just updated, which makes it an alternating step. In a simultaneous "
        "step both players move from the same old point: compute both new values from the old x and y "
        "(for example `return x - lr * y, y + lr * x`).",
    ),
    "uses_new_y": (
        _new_y_first,
        "Your x update uses the y you have just updated, so y moved first. In a simultaneous step both players "
        "move from the same old point: compute both new values from the old x and y.",
    ),
    "sign_flipped": (
        lambda x, y, lr: (x + lr * y, y - lr * x),
        "Both signs are swapped: your x climbs f and your y descends it. x minimises f(x, y) = x*y, so it "
        "steps against its gradient (x - lr*y); y maximises, so it steps along its gradient (y + lr*x).",
    ),
    "x_ascends": (
        lambda x, y, lr: (x + lr * y, y + lr * x),
        "Your x climbs f instead of descending it. x is the minimising player: its update is x - lr*y "
        "(minus the gradient df/dx = y).",
    ),
    "y_descends": (
        lambda x, y, lr: (x - lr * y, y - lr * x),
        "Your y descends f instead of climbing it. y is the maximising player: its update is y + lr*x "
        "(plus the gradient df/dy = x).",
    ),
    "wrong_gradient": (
        lambda x, y, lr: (x - lr * x, y + lr * y),
        "Each player steps along its own coordinate instead of the gradient of f(x, y) = x*y. The gradient "
        "with respect to x is y, and with respect to y is x: x - lr*y and y + lr*x.",
    ),
    "outputs_swapped": (
        lambda x, y, lr: (y + lr * x, x - lr * y),
        "You return the new values in the wrong order. Return (x_new, y_new): x first, then y.",
    ),
    "lr_ignored": (
        lambda x, y, lr: (x - y, y + x),
        "Your update ignores the step size lr. Multiply each gradient by lr: x - lr*y and y + lr*x.",
    ),
    "no_update": (
        lambda x, y, lr: (x, y),
        "Your function returns the point unchanged. Compute the new x and y from the gradients and return them.",
    ),
}

_ALT_BUGS: Dict[str, Tuple[Callable, str]] = {
    "not_alternating": (
        lambda x, y, lr: (x - lr * y, y + lr * x),
        "Your y update uses the old x, which makes this a simultaneous step. In an alternating step x moves "
        "first and y then answers the NEW x: x_new = x - lr*y, then y_new = y + lr*x_new.",
    ),
    "y_first": (
        _new_y_first,
        "Your y moves first and x answers the new y. This exercise lets x (the generator) move first: "
        "x_new = x - lr*y, then y_new = y + lr*x_new.",
    ),
    "sign_flipped": (
        lambda x, y, lr: (x + lr * y, y - lr * (x + lr * y)),
        "Both signs are swapped: your x climbs f and your y descends it. x minimises f(x, y) = x*y "
        "(x_new = x - lr*y); y maximises it (y_new = y + lr*x_new).",
    ),
    "x_ascends": (
        lambda x, y, lr: (x + lr * y, y + lr * (x + lr * y)),
        "Your x climbs f instead of descending it. x is the minimising player: x_new = x - lr*y.",
    ),
    "y_descends": (
        lambda x, y, lr: (x - lr * y, y - lr * (x - lr * y)),
        "Your y descends f instead of climbing it. y is the maximising player: y_new = y + lr*x_new.",
    ),
    "wrong_gradient": (
        lambda x, y, lr: (x - lr * x, y + lr * y),
        "Each player steps along its own coordinate instead of the gradient of f(x, y) = x*y. The gradient "
        "with respect to x is y and with respect to y is x: x_new = x - lr*y, then y_new = y + lr*x_new.",
    ),
    "outputs_swapped": (
        lambda x, y, lr: _new_x_first(x, y, lr)[::-1],
        "You return the new values in the wrong order. Return (x_new, y_new): x first, then y.",
    ),
    "lr_ignored": (
        lambda x, y, lr: _new_x_first(x, y, 1.0),
        "Your update ignores the step size lr. Multiply each gradient by lr: x_new = x - lr*y, "
        "y_new = y + lr*x_new.",
    ),
    "no_update": (
        lambda x, y, lr: (x, y),
        "Your function returns the point unchanged. Compute the new x and y from the gradients and return them.",
    ),
}


def _call(report: Report, fn: Callable, x: float, y: float, lr: float, name: str):
    """Call the student's step; record a problem and return None when it fails."""
    result = call_student(fn, x, y, lr)
    if not result.ok:
        code, _ = raised_problem(result.error, name, fn=fn)
        if code == "not_implemented":
            report.problem(
                "not_implemented",
                f"{name} still raises NotImplementedError. Replace the `raise NotImplementedError()` line with your "
                "update and return the pair (x_new, y_new).",
            )
        else:
            report.problem(*raised_problem(
                result.error, f"{name}({x}, {y}, {lr})", fn=fn,
                hint="It should take three numbers and return a pair (x_new, y_new)."))
        return None
    out = result.value
    try:
        seq = list(out)
        if len(seq) != 2:
            raise ValueError
        pair = tuple(float(v) for v in seq)
    except (TypeError, ValueError):
        report.problem(
            "returns_wrong_type",
            f"{name} returned {out!r:.80}, not a pair of numbers. End it with `return x_new, y_new`.",
        )
        return None
    if not all(math.isfinite(v) for v in pair):
        report.problem("not_finite", f"{name}({x}, {y}, {lr}) returned {pair}, which is not finite.")
        return None
    return pair


def _close(a: Sequence[float], b: Sequence[float], tol: float = _TOL) -> bool:
    return all(abs(u - v) <= tol * max(1.0, abs(v)) for u, v in zip(a, b))


def _one_step(report: Report, fn, name: str, probes):
    """The student's outputs on the probe points, or None after recording why the call failed."""
    outputs = []
    for x, y, lr in probes:
        out = _call(report, fn, x, y, lr, name)
        if out is None:
            return None
        outputs.append(out)
    return outputs


def _grade(report: Report, fn, name: str, reference: Callable, bugs, settings, behaviour: Callable) -> None:
    """Shared flow: one-step probes, then name a known mistake, then the closed-form behaviour of
    ``behaviour(report, points, start, lr)`` along ``steps`` steps from ``start``."""
    lr, steps, start = _validate(*settings)
    probes = _PROBES + ((start[0], start[1], lr),)
    outputs = _one_step(report, fn, name, probes)
    if outputs is None:
        return
    matches = all(_close(out, reference(*p)) for out, p in zip(outputs, probes))
    if not matches and name_first(report, formula_rows(bugs, outputs, probes, _close)):
        return
    points = _trajectory(report, fn, name, start, lr, steps)
    if points is not None:
        behaviour(report, points, start, lr)
    if matches or not report.passed:
        return
    x, y, lr = probes[0]
    got, want = outputs[0], reference(x, y, lr)
    report.problem(
        "wrong_value",
        f"{name}({x}, {y}, {lr}) returned ({got[0]:.6g}, {got[1]:.6g}); the update should give "
        f"({want[0]:.6g}, {want[1]:.6g}). Re-derive it from df/dx = y (x descends) and df/dy = x (y ascends).",
    )


def _trajectory(report: Report, fn, name: str, start: Tuple[float, float], lr: float, steps: int):
    x, y = start
    points = [(x, y)]
    for _ in range(steps):
        out = _call(report, fn, x, y, lr, name)
        if out is None:
            return None
        x, y = out
        points.append((x, y))
    return points


def _validate(lr: float, steps: int, start) -> Tuple[float, int, Tuple[float, float]]:
    lr = float(lr)
    if not (0 < lr < 1):
        raise ValueError(f"lr must be between 0 and 1 for these checks, got {lr}.")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps}.")
    start = tuple(float(v) for v in start)
    if len(start) != 2 or math.hypot(*start) == 0:
        raise ValueError(f"start must be a point (x, y) other than the origin, got {start}.")
    return lr, int(steps), start


def _simultaneous(x, y, lr):
    return x - lr * y, y + lr * x


@grading_check("simultaneous_step")
def check_simultaneous_step(report: Report, step_fn: Callable, *, lr: float = 0.1, start: Iterable[float] = (1.0, 0.0),
                            steps: int = 50) -> None:
    """Grade ``step_fn(x, y, lr) -> (x_new, y_new)``, a simultaneous gradient step on f = x*y.

    Passes when, over ``steps`` steps from ``start``, the radius grows by exactly
    ``sqrt(1 + lr**2)`` per step and the point turns anticlockwise by ``atan(lr)`` per step
    (and the one-step output is right at a few other points).

    Problem codes: ``not_implemented``, ``raised``, ``signature``, ``returns_wrong_type``, ``not_finite``,
    ``radius``, ``direction``, ``wrong_value``, and the named mistakes ``uses_new_x``, ``uses_new_y``,
    ``sign_flipped``, ``x_ascends``, ``y_descends``, ``wrong_gradient``, ``outputs_swapped``,
    ``lr_ignored``, ``no_update``.
    """
    _grade(report, step_fn, "simultaneous_step", _simultaneous, _SIM_BUGS, (lr, steps, start), _spirals_out)


def _spirals_out(report: Report, points, start, lr: float) -> None:
    """Simultaneous steps multiply the radius by sqrt(1 + lr^2) and turn by atan(lr), every step."""
    r0 = math.hypot(*start)
    factor = math.sqrt(1 + lr * lr)
    theta0 = math.atan2(start[1], start[0])
    for n, (x, y) in enumerate(points[1:], start=1):
        r, want = math.hypot(x, y), r0 * factor**n
        if abs(r - want) > _DRIFT * want:
            report.problem(
                "radius",
                f"After {n} step(s) from {start} with lr={lr} the distance to (0, 0) is {r:.6g}, but "
                f"simultaneous steps multiply it by exactly sqrt(1 + lr^2) = {factor:.6f} each time "
                f"(expected {want:.6g}). Compute both new values from the old x and y: x - lr*y and y + lr*x.",
            )
            return
        if abs(math.remainder(math.atan2(y, x) - theta0 - n * math.atan(lr), 2 * math.pi)) > _DRIFT:
            report.problem(
                "direction",
                f"After {n} step(s) the point is at the right distance from (0, 0) but has turned the wrong "
                "way. x descends f = x*y (x - lr*y) and y ascends it (y + lr*x): with these signs the point "
                "turns anticlockwise.",
            )
            return


@grading_check("alternating_step")
def check_alternating_step(report: Report, step_fn: Callable, *, lr: float = 0.1, start: Iterable[float] = (1.0, 0.0),
                           steps: int = 200) -> None:
    """Grade ``step_fn(x, y, lr) -> (x_new, y_new)``, an alternating step (x first) on f = x*y.

    Passes when ``x**2 + y**2 - lr*x*y`` is conserved exactly over ``steps`` steps from ``start``,
    the first move goes the right way, and the one-step output is right at a few other points.

    Problem codes: ``not_implemented``, ``raised``, ``signature``, ``returns_wrong_type``, ``not_finite``,
    ``not_conserved``, ``direction``, ``wrong_value``, and the named mistakes ``not_alternating``,
    ``y_first``, ``sign_flipped``, ``x_ascends``, ``y_descends``, ``wrong_gradient``, ``outputs_swapped``,
    ``lr_ignored``, ``no_update``.
    """
    _grade(report, step_fn, "alternating_step", _new_x_first, _ALT_BUGS, (lr, steps, start), _conserves)


def _conserves(report: Report, points, start, lr: float) -> None:
    """Alternating steps keep x^2 + y^2 - lr*x*y exactly, and the first move goes the right way."""
    x0, y0 = start
    invariant0 = x0 * x0 + y0 * y0 - lr * x0 * y0
    for n, (x, y) in enumerate(points[1:], start=1):
        value = x * x + y * y - lr * x * y
        if abs(value - invariant0) > _DRIFT * max(1.0, abs(invariant0)):
            report.problem(
                "not_conserved",
                f"After {n} step(s) from {start} with lr={lr}, x^2 + y^2 - lr*x*y is {value:.6g} instead of "
                f"{invariant0:.6g}. Alternating steps keep it exactly constant: move x first (x - lr*y), "
                "then move y using the NEW x (y + lr*x_new).",
            )
            return
    (x1, y1), (want_x, want_y) = points[1], _new_x_first(x0, y0, lr)
    if (x1 - x0) * (want_x - x0) < 0 or (y1 - y0) * (want_y - y0) < 0:
        report.problem(
            "direction",
            "Your steps keep x^2 + y^2 - lr*x*y constant but move the wrong way. x descends f = x*y "
            "(x_new = x - lr*y) and y ascends it (y_new = y + lr*x_new).",
        )


__all__ = ["check_simultaneous_step", "check_alternating_step"]

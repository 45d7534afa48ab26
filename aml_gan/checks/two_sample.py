"""Grading checks for notebook 01: a two-sample test by classifier accuracy.

The student writes ``fn(real, fake, seed=0) -> float``: train a classifier to
tell ``real`` rows (label 1) from ``fake`` rows (label 0) and return its
**balanced** accuracy on rows it did not train on (the mean of the accuracy on
held-out real rows and on held-out fake rows; subsampling the bigger sample to the
smaller one's size and then taking plain accuracy is accepted too). The checks only
call ``fn`` on seeded data and look at what comes back; they never read the source.

Two checks, so a notebook can give a point for the basics and more for the rest:

- ``check_two_sample_basics(fn, seed=0, n=400, dim=2, shift=3.0)``: it runs, returns
  one number in [0, 1], and tells two clearly separated Gaussians apart, given as
  (n, dim) tensors and as (n,) tensors.
- ``check_two_sample_test(fn, seed=0)``: everything a correct detector does.

What they ask of a correct function, and the problem code when it fails:

============================  ======================================================
code                          the behaviour that failed
============================  ======================================================
``not_implemented``           the stub still raises ``NotImplementedError``
``raised``                    any other exception on (n, d) Gaussian samples (``signature``:
                              the function does not take ``(real, fake, seed=...)``)
``returns_wrong_type``        the result is not one number (a tensor of predictions, None...)
``output_out_of_range``       NaN, below 0 or above 1 (a percentage, a count of hits)
``mutates_inputs``            ``real`` or ``fake`` changed during the call
``always_half``               0.5 every time, whatever the data
``ignores_input``              the same number every time, whatever the data
``matched_not_half``          two samples of N(0, 1) (1000 each) did not give 0.5 +/- 0.1
``unbalanced_not_half``       1000 real rows against 300 fake rows of the same N(0, 1)
                              did not give 0.5 +/- 0.1 (plain accuracy rewards always
                              answering "real": 0.77 here)
``inverted_labels``           clearly separated samples gave an accuracy below 0.25
``shifted_not_detected``      clearly separated samples (best possible 0.93 on average) gave 0.25-0.75
``bad_1d_input``              (n,) inputs raised or gave a different answer from (n, d)
``accuracy_on_training_data``  small matched samples in 512 dimensions averaged > 0.65
``library_not_on_grader``     scikit-learn's code ran (or its import failed): the grader
                              does not have it, so the visible check says so where the
                              student works, and the exercise text says "torch only"
============================  ======================================================

How the training-data bug is caught: with 150 points per side in 512
dimensions, any classifier that is trained to fit its data separates the
training rows perfectly (there are more dimensions than points), so accuracy
measured on training rows is near 1.0 even though both samples come from the
same Gaussian; accuracy measured on all rows after training on half of them is
near 0.75. On held-out rows every classifier, however over-fitted, averages
exactly 0.5 there (the test rows are independent of what it learned). The check
averages three such draws and flags a mean above 0.65: a correct function with
a 50/50 split stays 6 standard deviations below that, one with an 80/20 split 4.
Not caught: training accuracy reported by a classifier trained so little
that it does not fit its training rows (in 512 dimensions it then sits near
0.5 too). No behavioural test can see that bug, because the number it returns
is then almost the held-out one; the notebook explains why held-out data matters.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
from typing import Callable, Iterator, List, Optional

import numpy as np
import torch

from .report import Report
from .errors import exception_text, raised_problem
from .isolation import isolated
from .student import call_student, describe, grading_check

__all__ = ["check_two_sample_basics", "check_two_sample_test"]

N_MATCHED = 1000
N_UNBALANCED = 300
N_SHIFTED = 400
SHIFT = 3.0
MATCHED_TOLERANCE = 0.10
SHIFTED_PASS = 0.75
INVERTED_BELOW = 0.25
MEMORIZE_N, MEMORIZE_D, MEMORIZE_DRAWS = 150, 512, 3
MEMORIZE_THRESHOLD = 0.65


class _Stop(Exception):
    """Internal: stop checking after a problem that makes later cases meaningless."""


def _to_number(value) -> Optional[float]:
    """The returned value as a float, or None when it is not a single number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex():
            return None
        return float(value.detach().cpu().reshape(()))
    if isinstance(value, np.ndarray):
        if value.size != 1 or np.iscomplexobj(value):
            return None
        return float(value.reshape(()))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


#: libraries a student may have where they work but the grader does not: import name -> how to say it
_NOT_ON_THE_GRADER = {"sklearn": "scikit-learn (`sklearn`)"}


@contextlib.contextmanager
def _library_watch(names) -> Iterator[List[str]]:
    """Yields a list that names the first of ``names`` (top-level packages) whose Python code ran inside."""
    ran: List[str] = []
    previous = sys.gettrace()
    parts = {name: f"{os.sep}{name}{os.sep}" for name in names}

    def tracer(frame, event, arg):
        if event == "call" and not ran:
            path = frame.f_code.co_filename
            for name, part in parts.items():
                if part in path:
                    ran.append(name)
        return previous(frame, event, arg) if previous is not None else None

    sys.settrace(tracer)
    try:
        yield ran
    finally:
        sys.settrace(previous)


def _missing_module(exc: Optional[BaseException], names) -> Optional[str]:
    """The one of ``names`` an ``import`` failed to find, if that is what ``exc`` is."""
    if isinstance(exc, ModuleNotFoundError):
        top = (exc.name or "").split(".")[0]
        if top in names:
            return top
    return None


class _Session:
    """Calls the student's function on seeded Gaussians and turns what goes wrong into problems."""

    def __init__(self, fn: Callable, report: Report, seed: int, name: str):
        self.fn, self.report, self.seed, self.name = fn, report, int(seed), name
        self.gen = torch.Generator().manual_seed(10_000 + int(seed))
        self.calls: List[float] = []

    def gauss(self, n: int, d: int, shift: float = 0.0) -> torch.Tensor:
        """(n, d) standard normal rows; the mean moves by ``shift`` in Euclidean distance."""
        x = torch.randn(n, d, generator=self.gen)
        if shift:
            x = x + shift / math.sqrt(d)
        return x

    def call(self, real: torch.Tensor, fake: torch.Tensor, what: str, **kwargs) -> float:
        """The student's number for one pair of samples; records problems, raises _Stop on fatal ones."""
        report, name = self.report, self.name
        saved = (real.clone(), fake.clone())
        with isolated(self.seed + len(self.calls), threads=1), _library_watch(_NOT_ON_THE_GRADER) as ran:
            result = call_student(self.fn, real, fake, **kwargs)
        missing = (ran[0] if ran else None) or _missing_module(result.error, _NOT_ON_THE_GRADER)
        if missing:
            report.problem(
                "library_not_on_grader",
                f"{name} uses {_NOT_ON_THE_GRADER[missing]}, which the grader does not have, so there this cell "
                "fails and scores 0 (it may well be installed where you work, on Colab for example). Write the "
                "detector with torch alone, as the exercise asks: a small `nn.Linear` or `nn.Sequential` "
                "classifier trained with `BCEWithLogitsLoss` is enough.",
            )
            raise _Stop from None
        if not result.ok:
            return self._raised(result.error, real, fake, what)
        if not (torch.equal(real, saved[0]) and torch.equal(fake, saved[1])):
            report.problem(
                "mutates_inputs",
                f"{name} changed `real` or `fake` in place (an in-place op such as `-=`, `.sub_()` or "
                "`x[...] = `). The caller still needs its samples: work on a copy, e.g. "
                "`x = (x - mean) / std` instead of `x -= mean`.",
            )
        number = self._accuracy(result.value, what)
        self.calls.append(number)
        return number

    def _raised(self, err: BaseException, real: torch.Tensor, fake: torch.Tensor, what: str) -> float:
        """Record why the call raised; NaN for 1-D inputs (judged later), else raises _Stop."""
        report, name = self.report, self.name
        shape = f"real {tuple(real.shape)}, fake {tuple(fake.shape)}"
        if raised_problem(err, name)[0] == "not_implemented":
            report.problem(
                "not_implemented",
                f"{name} still raises NotImplementedError. Replace the `raise NotImplementedError()` "
                "line with your code: split, train a classifier, return its held-out accuracy.",
            )
            raise _Stop from None
        if real.dim() == 1:
            report.problem(
                "bad_1d_input",
                f"{name} raised {exception_text(err)} on 1-D inputs ({shape}). Samples of a 1-D "
                "distribution may come as shape (n,): reshape them to (n, 1) first, e.g. "
                "`real = real.reshape(len(real), -1)`.",
            )
            return float("nan")
        report.problem(*raised_problem(err, name, fn=self.fn, context=f" when called on {what} ({shape})"))
        raise _Stop from None

    def _accuracy(self, value, what: str) -> float:
        """The returned value as an accuracy in [0, 1]; raises _Stop (with the problem) when it is not one."""
        report, name = self.report, self.name
        number = _to_number(value)
        if number is None:
            report.problem(
                "returns_wrong_type",
                f"{name} returned {describe(value)}, not one number. Return the held-out accuracy as a float, e.g. "
                "`return (predictions == labels).float().mean().item()`.",
            )
            raise _Stop
        if math.isnan(number) or not 0.0 <= number <= 1.0:
            hint = ""
            if math.isnan(number):
                hint = " NaN usually means an empty test set (0 / 0) or a loss that blew up."
            elif number > 1.0 and number <= 2.0:
                hint = (" It looks like the sum of two accuracies (on the real rows and on the fake rows): "
                        "their mean is the balanced accuracy, so divide the sum by 2: `(acc_real + acc_fake) / 2`.")
            elif number > 2.0 and number <= 100.0:
                hint = (" It looks like a percentage (divide by 100) or a count of correct answers "
                        "(divide by the number of test rows).")
            elif number > 100.0:
                hint = " It looks like a count of correct answers: divide by the number of test rows."
            report.problem(
                "output_out_of_range",
                f"{name} returned {number:g} on {what}; an accuracy is a fraction between 0 and 1." + hint,
            )
            raise _Stop
        return number

    def judge_separated(self, value: float, what: str) -> None:
        """Problems for a clearly separated pair (best possible about 0.93) scored ``value``."""
        if value < INVERTED_BELOW:
            self.report.problem(
                "inverted_labels",
                f"On {what}, {self.name} returned {value:.3f}: almost always wrong, which means the "
                "classifier learned the difference but the score counts it backwards. Compare "
                "predictions with the same labels you trained on (real = 1, fake = 0), and return the "
                "accuracy, not the error rate."
                + (" Exactly 0 usually means the rows were not shuffled before the split, so the training "
                   "part holds only real rows and the test part only fake ones." if value == 0.0 else ""),
            )
        elif value < SHIFTED_PASS:
            self.report.problem(
                "shifted_not_detected",
                f"On {what} (the best possible detector scores 0.93 on average), {self.name} returned only "
                f"{value:.3f}. " + _near_half_causes(value),
            )

    def judge_flat(self, column: float, flat: float, shape: str) -> None:
        if column >= SHIFTED_PASS and not math.isnan(flat) and flat < SHIFTED_PASS:
            self.report.problem(
                "bad_1d_input",
                f"{self.name} scored {column:.3f} on samples of shape {shape} but {flat:.3f} on the "
                "same kind of samples of shape (n,). Treat (n,) as n samples of one feature: "
                "`x = x.reshape(len(x), -1)`.",
            )


_ONE_CLASS = (
    "Exactly 0.5: it predicts one class for every held-out row. With one output column `argmax` is "
    "always 0: threshold the output instead, `logits > 0`."
)
_NOT_ROW_BY_ROW = (
    "Near 0.5 often means `==` compared predictions of shape (k, 1) with labels of shape (k,): that "
    "broadcasts to a (k, k) table; give both one shape (`pred.squeeze(1)`). "
)
_NOT_LEARNING = (
    "Otherwise the classifier is not learning: train it enough steps with `optimizer.step()`, keep each "
    "row's own label when you shuffle, and scale (standardise) the inputs."
)


def _near_half_causes(value: float) -> str:
    """What a detector that cannot separate clearly different samples most likely does wrong."""
    if value == 0.5:
        return _ONE_CLASS + " " + _NOT_LEARNING
    if abs(value - 0.5) < 0.05:
        return _NOT_ROW_BY_ROW + _NOT_LEARNING
    return _NOT_LEARNING.replace("Otherwise the", "The", 1)


def _check_int(name: str, value, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}.")
    return value


@grading_check("two_sample_test")
def check_two_sample_basics(report: Report, fn: Callable, *, seed: int = 0, n: int = N_SHIFTED, dim: int = 2,
                            shift: float = SHIFT) -> None:
    """The basics of a student's ``fn(real, fake, seed=0) -> float``.

    Two calls: ``n`` rows of N(0, I) in ``dim`` dimensions against ``n`` rows whose mean
    moved by ``shift`` (Euclidean distance), given as (n, dim) tensors; then the same kind
    of samples in one dimension as (n,) tensors. Each must return one number in [0, 1]
    above 0.75 (``shift`` = 3: the best possible detector scores 0.93; keep ``shift`` >= 3).
    ``seed``, ``n``, ``dim`` and ``shift`` vary the data (hidden tests use other values).
    Problem codes: ``not_implemented``, ``raised``, ``returns_wrong_type``, ``output_out_of_range``,
    ``mutates_inputs``, ``inverted_labels``, ``shifted_not_detected``, ``bad_1d_input``,
    ``library_not_on_grader`` (scikit-learn ran: the grader does not have it).
    """
    _check_int("n", n, 20)
    _check_int("dim", dim, 1)
    if not float(shift) >= SHIFT:
        raise ValueError(f"shift must be at least {SHIFT} (clearly separated samples), got {shift!r}.")
    name = getattr(fn, "__name__", "your function")
    s = _Session(fn, report, seed, name)
    try:
        what = f"{dim}-D Gaussians {shift:g} apart (shape (n, {dim}))"
        column = s.call(s.gauss(n, dim), s.gauss(n, dim, shift), what)
        s.judge_separated(column, what)
        real_1d, fake_1d = s.gauss(n, 1).reshape(-1), s.gauss(n, 1, shift).reshape(-1)
        flat = s.call(real_1d, fake_1d, f"N(0, 1) against N({shift:g}, 1) as 1-D tensors of shape (n,)")
    except _Stop:
        return
    if not math.isnan(flat) and "inverted_labels" not in report.codes:
        s.judge_separated(flat, f"N(0, 1) against N({shift:g}, 1) given as (n,) tensors")
    s.judge_flat(column, flat, f"(n, {dim})")


@grading_check("two_sample_test")
def check_two_sample_test(report: Report, fn: Callable, *, seed: int = 0) -> None:
    """Check a student's ``fn(real, fake, seed=0) -> float`` (balanced held-out detector accuracy).

    Calls ``fn`` about a dozen times on seeded Gaussian samples of shapes (n, 1),
    (n, 2), (n,) and (n, 512), one pair of them of unequal sizes; takes about a second
    with a small torch classifier trained for a few hundred steps. ``seed`` changes the
    data (hidden tests use another one). Returns a Report; test cells call
    ``.raise_for_problems()``.
    """
    name = getattr(fn, "__name__", "your function")
    s = _Session(fn, report, seed, name)
    try:
        matched = _separates_what_differs(s)
        if matched is None:
            return
        memorised = matched > 0.5 - MATCHED_TOLERANCE and _memorises(s)
        if abs(matched - 0.5) > MATCHED_TOLERANCE and not memorised:
            report.problem(
                "matched_not_half",
                f"On two samples drawn from the same N(0, 1) (1000 each), {name} returned {matched:.3f}; "
                "no classifier can beat a coin flip there, so held-out accuracy must be near 0.5. "
                "Check that you test on rows the classifier never trained on, that real rows are labelled "
                "1 and fake rows 0 in both training and testing, and that the accuracy counts both classes.",
            )
        if report.passed:
            _balanced(s)
    except _Stop:
        return
    if report.passed:
        _reproducible(s)


def _separates_what_differs(s: _Session) -> Optional[float]:
    """The first calls: matched, shifted, 2-D and (n,) samples. Returns the matched samples' score,
    or None after a problem that makes the rest meaningless (a constant answer)."""
    gauss, call, report, name = s.gauss, s.call, s.report, s.name
    matched = call(gauss(N_MATCHED, 1), gauss(N_MATCHED, 1), "two samples of N(0, 1)")
    shifted = call(gauss(N_SHIFTED, 1), gauss(N_SHIFTED, 1, SHIFT), "N(0, 1) against N(3, 1)")
    shifted_2d = call(gauss(N_SHIFTED, 2), gauss(N_SHIFTED, 2, SHIFT), "2-D Gaussians 3 apart (shape (n, 2))")
    real_1d, fake_1d = gauss(N_SHIFTED, 1).reshape(-1), gauss(N_SHIFTED, 1, SHIFT).reshape(-1)
    shifted_flat = call(real_1d, fake_1d, "N(0, 1) against N(3, 1) as 1-D tensors of shape (n,)")
    if all(v == 0.5 for v in s.calls):
        report.problem(
            "always_half",
            f"{name} returned 0.5 for every pair of samples, also for N(0, 1) against N(3, 1), which a "
            "classifier tells apart 93% of the time. " + _ONE_CLASS + " Or, if it returns a constant: "
            "train the classifier and compute its accuracy on the held-out rows.",
        )
        return None
    if len(set(s.calls)) == 1:
        report.problem(
            "ignores_input",
            f"{name} returned {s.calls[0]:g} for every pair of samples, whatever the data. The accuracy "
            "must come from the classifier's predictions on the held-out rows."
            + (" Always 0 or 1 usually means the rows were not shuffled before the split, so the "
               "training part holds only real rows and the test part only fake ones."
               if s.calls[0] in (0.0, 1.0) else ""),
        )
        return None
    s.judge_separated(shifted, "N(0, 1) against N(3, 1)")
    s.judge_separated(shifted_2d, "2-D Gaussians 3 apart")
    s.judge_flat(shifted, shifted_flat, "(n, 1)")
    return matched


def _memorises(s: _Session) -> bool:
    """Small samples of one 512-D Gaussian: accuracy well above 0.5 means it was measured on training rows."""
    values = [
        s.call(s.gauss(MEMORIZE_N, MEMORIZE_D), s.gauss(MEMORIZE_N, MEMORIZE_D),
               f"two samples of the same {MEMORIZE_D}-D Gaussian (150 each)")
        for _ in range(MEMORIZE_DRAWS)
    ]
    mean = sum(values) / len(values)
    if mean <= MEMORIZE_THRESHOLD:
        return False
    s.report.problem(
        "accuracy_on_training_data",
        f"On small samples from the SAME {MEMORIZE_D}-D Gaussian, {s.name} reported {mean:.2f} "
        "on average. With more dimensions than points a classifier can memorise its training "
        "rows, so accuracy measured on them says nothing. Split the rows first, train on one "
        "part, and measure accuracy only on the held-out part.",
    )
    return True


def _balanced(s: _Session) -> None:
    """Unequal samples of one distribution: plain accuracy rewards guessing the bigger class."""
    unbalanced = s.call(s.gauss(N_MATCHED, 1), s.gauss(N_UNBALANCED, 1),
                        f"{N_MATCHED} real rows against {N_UNBALANCED} fake rows of the same N(0, 1)")
    if abs(unbalanced - 0.5) > MATCHED_TOLERANCE:
        share = N_MATCHED / (N_MATCHED + N_UNBALANCED)
        s.report.problem(
            "unbalanced_not_half",
            f"On {N_MATCHED} real rows against {N_UNBALANCED} fake rows drawn from the SAME N(0, 1), "
            f"{s.name} returned {unbalanced:.3f}. The samples do not differ, so the answer must be "
            f"near 0.5; but with unequal sizes a classifier that always says \"real\" is right "
            f"{share:.0%} of the time, so plain accuracy rewards guessing the bigger class. Return the "
            "balanced accuracy, (accuracy on held-out real rows + accuracy on held-out fake rows) / 2, "
            "or first subsample the bigger sample down to the size of the smaller one.",
        )


def _reproducible(s: _Session) -> None:
    """Reproducibility is a warning only: same data, same seed, different global RNG states."""
    fn, name, report = s.fn, s.name, s.report
    real, fake = s.gauss(200, 1), s.gauss(200, 1, 1.0)
    results = []
    for global_seed in (777, 12345):
        with isolated(global_seed, threads=1):
            again = call_student(fn, real, fake, seed=1)
        if again.ok:
            results.append(_to_number(again.value))
            continue
        if raised_problem(again.error, name, fn=fn)[0] == "signature":
            report.warn("no_seed_argument", f"{name} does not accept `seed=`; keep the signature "
                        "`(real, fake, seed=0)` so results can be reproduced.")
        break
    if len(results) == 2 and results[0] != results[1]:
        report.warn("ignores_seed", f"{name} gave {results[0]} and then {results[1]} for the same "
                    "samples and seed=1: seed your split and your model with `seed` so results repeat.")

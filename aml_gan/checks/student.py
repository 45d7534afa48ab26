"""Running a student's code under a check: one way in, and nothing leaks out.

Every public check is wrapped by :func:`grading_check`. While the check runs:

- what the student's code prints and every warning Python raises (stdout, stderr, the
  C-level stderr of libraries, log records, progress bars) are captured and become
  warnings in the report. A test cell therefore never writes to stderr, which nbgrader
  would score as 0 points however correct the work is;
- the course's own answers to the exercise refuse to run (see :mod:`aml_gan.reference`);
- the object under test must be the student's own: handing in the package's answer, or a
  ``partial``, method, subclass or wrapper of it, is the problem ``used_reference``.

Inside a check, call the student's code with :func:`call_student`, which turns any
exception into a value the check can explain.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import io
import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Sequence

from ..reference import ReferenceAnswerUsed, reference_of, refusing
from .report import Report

__all__ = ["Call", "call_student", "describe", "grading_check", "used_reference_message"]


@dataclass
class Call:
    """The outcome of one call of student code: its ``value``, or the ``error`` it raised."""

    value: Any = None
    error: Optional[BaseException] = None

    @property
    def ok(self) -> bool:
        return self.error is None


def call_student(fn: Callable, *args, **kwargs) -> Call:
    """Call ``fn(*args, **kwargs)``; an exception (or ``exit()``) becomes ``Call.error``."""
    try:
        return Call(value=fn(*args, **kwargs))
    except (Exception, SystemExit) as exc:  # the student's bug becomes a message, never a traceback
        return Call(error=exc)


def describe(value: Any) -> str:
    """A short phrase for what student code handed back: "a tensor of shape (3, 1)", "None", "a list"."""
    if value is None:
        return "None"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) or type(shape).__name__ == "Size":  # torch tensors and NumPy arrays
        kind = "tensor" if type(value).__name__ in ("Tensor", "Parameter") else type(value).__name__
        return f"a {kind} of shape {tuple(shape)}"
    return f"a {type(value).__name__}"


def used_reference_message(name: str) -> str:
    short = name.split(".")[-1]
    return (
        f"Your work uses `{name}`, the course's own answer to this exercise, so it cannot earn the points. "
        f"Write `{short}` yourself (the notebook's text and the cells above show every piece you need)."
    )


# ----------------------------------------------------------------------------- capture


@dataclass
class _Captured:
    warnings: List[warnings.WarningMessage] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""

    def lines(self) -> List[str]:
        text = self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr
        return [ln.rstrip() for ln in text.replace("\r", "\n").splitlines() if ln.strip()]

    def report_into(self, report: Report) -> None:
        if self.warnings:
            distinct: List[str] = []
            for w in self.warnings:
                text = f"{w.category.__name__}: {str(w.message).strip().splitlines()[0] if str(w.message).strip() else ''}"
                if text not in distinct:
                    distinct.append(_shorten(text))
            n = len(self.warnings)
            shown = "; ".join(f"`{t}`" for t in distinct[:3])
            report.warn(
                "printed_warning",
                f"Python raised {n} warning{'s' if n > 1 else ''} while your code was checked: {shown}. "
                "Warnings cost no points, but they often point at a real problem: read them.",
            )
        lines = self.lines()
        if lines:
            shown = " | ".join(_shorten(ln, 120) for ln in lines[:3])
            more = f" (and {len(lines) - 3} more lines)" if len(lines) > 3 else ""
            report.warn(
                "printed_output",
                f"Your code printed while it was checked: {shown}{more}. Printing costs no points; the check "
                "keeps it out of the way.",
            )


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _stderr_fd_captured() -> Iterator[tempfile.TemporaryFile]:
    """Send file descriptor 2 (C libraries' stderr) to a temporary file while inside."""
    sink = tempfile.TemporaryFile(mode="w+b")
    try:
        for stream in (sys.stderr, sys.__stderr__):
            with contextlib.suppress(Exception):
                stream.flush()
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (an embedded interpreter): nothing to capture
        sink.close()
        yield None
        return
    os.dup2(sink.fileno(), 2)
    try:
        yield sink
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def _logging_redirected(stream: io.StringIO) -> Iterator[None]:
    """Point logging handlers that write to the terminal at ``stream`` while inside."""
    terminals = {id(s) for s in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__) if s is not None}
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    moved = []
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and id(getattr(handler, "stream", None)) in terminals:
                moved.append((handler, handler.setStream(stream)))
    try:
        yield
    finally:
        for handler, original in moved:
            handler.setStream(original)


@contextlib.contextmanager
def captured() -> Iterator[_Captured]:
    """Capture warnings, prints and stderr (Python and C level) of everything run inside."""
    result = _Captured()
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err), _logging_redirected(err), _stderr_fd_captured() as fd_sink:
        warnings.simplefilter("always")
        try:
            yield result
        finally:
            result.warnings = list(caught)
            result.stdout = out.getvalue()
            c_level = b""
            if fd_sink is not None:
                fd_sink.seek(0)
                c_level = fd_sink.read()
                fd_sink.close()
            result.stderr = err.getvalue() + c_level.decode("utf-8", "replace")


# ----------------------------------------------------------------------------- the decorator


def grading_check(*exercises: str, student: Sequence[str] = ()) -> Callable:
    """Wrap a public check: capture output, refuse the twins of ``exercises``, refuse twins handed in.

    ``student`` names the check's parameters that hold the student's work (default: the
    first parameter).
    """

    def wrap(check: Callable[..., Report]) -> Callable[..., Report]:
        signature = inspect.signature(check)
        names = list(student) or [next(iter(signature.parameters))]

        @functools.wraps(check)
        def run(*args, **kwargs) -> Report:
            bound = signature.bind_partial(*args, **kwargs).arguments
            for name in names:
                twin = reference_of(bound.get(name))
                if twin is not None:
                    report = Report(check.__name__)
                    report.problem("used_reference", used_reference_message(twin))
                    return report
            with captured() as output, refusing(exercises) as refusal:
                report = check(*args, **kwargs)
            if refusal.used:
                report = Report(report.check)
                report.problem("used_reference", used_reference_message(refusal.used[0]))
            output.report_into(report)
            return report

        return run

    return wrap


def is_reference_refusal(exc: Optional[BaseException]) -> bool:
    """True when ``exc`` is the guard refusing a course answer (the decorator reports it)."""
    return isinstance(exc, ReferenceAnswerUsed)

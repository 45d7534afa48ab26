"""Running a student's code under a check: one way in, and nothing leaks out.

Every public check is a body ``body(report, work, ...)`` wrapped by :func:`grading_check`, which
owns what all checks share: it names the report, validates the student's object (callable, and
not the course's answer), isolates every random generator and the thread count
(:mod:`.isolation`), reruns a second input where the hidden tests vary one, and hands the body
the report to fill. While the check runs:

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
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from ..reference import ReferenceAnswerUsed, reference_of, refusing
from .isolation import isolated
from .report import Report

__all__ = ["Call", "SecondInput", "call_student", "describe", "grading_check", "not_callable_message",
           "used_reference_message"]


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


@dataclass(frozen=True)
class SecondInput:
    """Where the hidden tests vary an input, the visible check tries a second one too.

    When a call leaves every argument named in ``when`` at that value and the first run passed,
    the check body runs again with the arguments ``use``; its problems are prefixed with
    ``prefix`` ("On a batch of 9 scores: "). ``doc`` is added to the check's docstring.
    """

    when: Dict[str, Any]
    use: Dict[str, Any]
    prefix: str
    doc: str = ""

    def applies(self, arguments: Dict[str, Any]) -> bool:
        return all(arguments.get(name) == value for name, value in self.when.items())


class _Prefixed:
    """The check's one report, seen by the second run: its problems say which input they came from."""

    def __init__(self, report: Report, prefix: str):
        self._report, self._prefix = report, prefix

    def problem(self, code: str, message: str) -> None:
        self._report.problem(code, self._prefix + message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._report, name)


def not_callable_message(check: str, value: Any) -> str:
    given = describe(value)
    if given.startswith("a ") and given[2:3].lower() in "aeiou":
        given = "an " + given[2:]
    return (
        f"{check} needs your function (or class), but was given {given}. Define it in its answer cell "
        "(`def ...` or `class ...`), run that cell, then run this one again."
    )


def _refused(report: Report, arguments: Dict[str, Any], names: Sequence[str], defaults: Dict[str, Any]) -> bool:
    """Record why the student's objects cannot be checked (not callable, the course's answer); True if so."""
    for name in names:
        value = arguments.get(name)
        if value is None and name in defaults and defaults[name] is None:
            continue  # an optional piece of work left out (the check uses the course's)
        if not callable(value):
            report.problem("not_callable", not_callable_message(report.check, value))
            return True
        twin = reference_of(value)
        if twin is not None:
            report.problem("used_reference", used_reference_message(twin))
            return True
    return False


def grading_check(*exercises: str, student: Sequence[str] = (), threads: Optional[int] = None,
                  second: Optional[SecondInput] = None) -> Callable:
    """Turn a check body ``body(report, work, ...)`` into the public check ``check(work, ...) -> Report``.

    The public check (its signature is the body's without ``report``) does what every check shares:

    - names the report after the check (``check_discriminator_loss``);
    - validates the student's work: each parameter named in ``student`` (default: the first) must be
      callable (a function, a class or a module; else the problem ``not_callable``) and must not be
      the course's answer (``used_reference``); the body then never sees such an object;
    - runs the body isolated (:func:`~aml_gan.checks.isolation.isolated`: every random generator and
      the thread count restored afterwards; ``threads`` torch threads inside, when given), with the
      course's answers to ``exercises`` refusing to run, and the output and warnings of everything
      it runs captured into the report's warnings;
    - with ``second``, runs the body again on a second input (:class:`SecondInput`).
    """

    def wrap(body: Callable[..., None]) -> Callable[..., Report]:
        signature = inspect.signature(body)
        public = signature.replace(parameters=list(signature.parameters.values())[1:], return_annotation=Report)
        names = list(student) or [next(iter(public.parameters))]
        defaults = {n: p.default for n, p in public.parameters.items() if p.default is not inspect.Parameter.empty}

        @functools.wraps(body)
        def run(*args, **kwargs) -> Report:
            arguments = public.bind(*args, **kwargs).arguments
            report = Report(body.__name__)
            if _refused(report, arguments, names, defaults):
                return report
            with captured() as output, refusing(exercises) as refusal, isolated(threads=threads):
                body(report, *args, **kwargs)
                if second is not None and report.passed and second.applies({**defaults, **arguments}):
                    body(_Prefixed(report, second.prefix), *args, **{**kwargs, **second.use})
            if refusal.used:
                report = Report(report.check)
                report.problem("used_reference", used_reference_message(refusal.used[0]))
            output.report_into(report)
            return report

        run.__signature__ = public
        if second is not None and second.doc:
            run.__doc__ = (body.__doc__ or "") + second.doc
        return run

    return wrap


def is_reference_refusal(exc: Optional[BaseException]) -> bool:
    """True when ``exc`` is the guard refusing a course answer (the decorator reports it)."""
    return isinstance(exc, ReferenceAnswerUsed)

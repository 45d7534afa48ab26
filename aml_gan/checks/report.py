"""The report every grading check returns.

A check never raises on a student's bug: it collects problems (which fail the
check) and warnings (which do not), each with a short ``code`` the tests use and
a ``message`` written for the student: what happened and how to fix it.

Codes every check shares (the checks' docstrings list their own):

====================  ==========================================================
``raised``            the student's code raised (the message names the error and a hint)
``used_reference``    the student handed in, called or subclassed the course's own answer
``printed_warning``   (warning) Python printed a warning while the student's code ran
``printed_output``    (warning) the student's code printed while it was checked
====================  ==========================================================
"""
from __future__ import annotations

import linecache
from dataclasses import dataclass, field
from typing import Any, Dict, List

from ..sealed import ReadOnlyClass, seal_class


@dataclass(frozen=True)
class Problem:
    """One finding: ``code`` is stable (tests match on it), ``message`` is for people."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


# Raised from a function without source lines, so a student's traceback ends in the
# message rather than in this module's code (IPython always shows the raising frame).
_SOURCE = "def _fail(text):\n    raise AssertionError(text)  # what the check found is below\n"
linecache.cache["<grading check>"] = (len(_SOURCE), None, _SOURCE.splitlines(True), "<grading check>")
_namespace: Dict[str, Any] = {}
exec(compile(_SOURCE, "<grading check>", "exec"), _namespace)
_fail = _namespace.pop("_fail")


@dataclass
class Report(metaclass=ReadOnlyClass):
    """What a check found. ``passed`` is true when there are no problems.

    ``metrics`` holds numbers a check measured (for example a trained generator's
    validity), for display and for the course's own tests.
    """

    check: str
    problems: List[Problem] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)
    metrics: Dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> List[str]:
        """The problem codes, in the order found."""
        return [p.code for p in self.problems]

    def problem(self, code: str, message: str) -> None:
        """Record a problem, once per code."""
        if code not in self.codes:
            self.problems.append(Problem(code, message))

    def warn(self, code: str, message: str) -> None:
        """Record a warning (does not fail the check), once per code."""
        if code not in [w.code for w in self.warnings]:
            self.warnings.append(Problem(code, message))

    def raise_for_problems(self) -> None:
        """Raise ``AssertionError`` listing every problem.

        Returns None on purpose: in an nbgrader test cell a returned value would be
        displayed and read as a partial score.
        """
        __tracebackhide__ = True  # IPython and pytest: show the message, not this method's source
        if self.problems:
            _fail(self._text())

    def _text(self) -> str:
        if self.passed:
            lines = [f"{self.check}: all checks passed."]
        else:
            n = len(self.problems)
            lines = [f"{self.check}: {n} problem{'s' if n > 1 else ''} found."]
            lines += [f"  - {p}" for p in self.problems]
        lines += [f"  (warning) {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._text()

    def _repr_html_(self) -> str:
        import html

        colour = "#1a7f37" if self.passed else "#cf222e"
        head = "all checks passed" if self.passed else f"{len(self.problems)} problem(s)"
        items = "".join(
            f"<li><code>{html.escape(p.code)}</code>: {html.escape(p.message)}</li>" for p in self.problems
        )
        items += "".join(
            f"<li><em>warning</em> <code>{html.escape(w.code)}</code>: {html.escape(w.message)}</li>"
            for w in self.warnings
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<strong>{html.escape(self.check)}</strong>: {head}<ul>{items}</ul></div>"
        )


seal_class(Report)

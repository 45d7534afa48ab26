"""The report every grading check returns.

A check never raises on a student's bug: it collects problems (which fail the
check) and warnings (which do not), each with a short ``code`` the tests use and
a ``message`` written for the student: what happened and how to fix it.

Every code is registered, with its meaning, in ``codes.py`` (the one vocabulary of the checks,
and the history of its renames); a report refuses a code that is not registered there.
"""
from __future__ import annotations

import linecache
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List

from ..sealed import ReadOnlyClass, seal_class
from .codes import require


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

#: The vendor mime type under which a report records itself in a notebook, for the class report
#: (``aml_gan.grading.class_report``): ``{"exercise", "passed", "problems": [{"code", "message"}],
#: "warnings": [...]}``. No front end renders it: students see the HTML, feedback shows nothing.
MIME_TYPE = "application/vnd.aml-gan.check+json"


def _display_record(report: "Report") -> None:
    """Display only the machine-readable record, when an IPython kernel runs (nbgrader's does)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return
    from IPython.display import display

    display({MIME_TYPE: report.record()}, raw=True)


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
        """Record a problem, once per code; ``code`` must be registered in ``codes.py``."""
        require(code, "problem")
        if code not in self.codes:
            self.problems.append(Problem(code, message))

    def warn(self, code: str, message: str) -> None:
        """Record a warning (does not fail the check), once per code; ``code`` must be registered as a warning."""
        require(code, "warning")
        if code not in [w.code for w in self.warnings]:
            self.warnings.append(Problem(code, message))

    def _raise_for_problems(fail, record):  # noqa: N805 - runs once, in the class body
        def raise_for_problems(self) -> None:
            """Raise ``AssertionError`` listing every problem.

            Returns None on purpose: in an nbgrader test cell a returned value would be
            displayed and read as a partial score.
            """
            __tracebackhide__ = True  # IPython and pytest: show the message, not this method's source
            if self.problems:
                if not self.__dict__.get("_recorded"):  # a hidden test: record the codes before raising
                    record(self)
                fail(self._text())

        return raise_for_problems

    # ``_fail`` and the record are bound now, when the class is built: a later write into this
    # module's namespace does not change what raises.
    raise_for_problems = _raise_for_problems(_fail, _display_record)
    del _raise_for_problems

    def record(self) -> Dict[str, Any]:
        """What the class report reads: the check, whether it passed, the codes and messages."""
        return {
            "exercise": self.check,
            "passed": self.passed,
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }

    def _repr_mimebundle_(self, include=None, exclude=None) -> Dict[str, Any]:
        """``display(report)``: the record next to the HTML below (IPython merges the two)."""
        self.__dict__["_recorded"] = True  # raise_for_problems need not record it again
        return {MIME_TYPE: self.record()}

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

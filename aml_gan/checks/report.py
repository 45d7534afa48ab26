"""The report every grading check returns.

A check never raises on a student's bug: it collects problems (which fail the
check) and warnings (which do not), each with a short ``code`` the tests use and
a ``message`` written for the student: what happened and how to fix it.

One vocabulary for every check: a code means the same thing wherever it appears, and no
two codes mean the same thing. Each check's docstring lists the codes it can report; the
codes several checks share are these:

============================  ===========================================================
``not_implemented``           the student's function is still the stub (raises ``NotImplementedError``)
``raised``                    the student's code raised (the message names the error and a hint,
                              from ``errors.py``)
``signature``                 calling the student's function failed because its parameters differ
                              from the exercise's
``used_reference``            the student handed in, called or subclassed the course's own answer
``returns_wrong_type``        it returned the wrong kind of thing: not a tensor, not a pair, a tensor
                              where a float was asked for, a Python number where a tensor was
``outputs_swapped``           it returned the right values in the wrong order
``not_finite``                a value it returned (or a loss, or a weight) is NaN or infinite
``not_scalar``                a loss is not one number
``not_differentiable``        no gradient flows through what it returned
``not_a_module``              a network (or a block) is not a ``torch.nn.Module``
``wrong_output_shape``        a network's output has the wrong shape
``output_out_of_range``       values outside the range the exercise asks for
``output_not_probability``    a discriminator's outputs leave [0, 1] (no sigmoid at the end)
``generator_not_updated``     training never changed the generator's weights
``discriminator_not_updated`` training never changed the discriminator's weights
``wrong_discriminator_loss``  the discriminator's loss is not the course's (``loss_text.py`` says how)
``wrong_generator_loss``      the generator's loss is not the course's
``saturating_generator_loss`` the generator uses the minimax loss log(1 - D(G(z)))
``sigmoid_applied_twice``     ``BCEWithLogitsLoss`` (or a sigmoid) on outputs that are already probabilities
``printed_warning``           (warning) Python printed a warning while the student's code ran
``printed_output``            (warning) the student's code printed while it was checked
============================  ===========================================================

Renamed in the vocabulary's clean-up (old -> new): ``error``, ``gen_error``, ``disc_error``
-> ``raised`` (``not_implemented`` for the stub); ``wrong_output_type``, ``bad_return``,
``not_tensor``, ``not_a_number``, ``not_a_pair``, ``disc_output_not_tensor`` ->
``returns_wrong_type``; ``output_not_finite``, ``nonfinite_loss`` -> ``not_finite``;
``loss_not_scalar`` -> ``not_scalar``; ``loss_not_differentiable`` -> ``not_differentiable``;
``not_module`` -> ``not_a_module``; ``swapped``, ``returned_losses_swapped`` -> ``outputs_swapped``;
``gen_shape``, ``disc_shape``, ``shape_mismatch`` -> ``wrong_output_shape``; ``gen_range``,
``out_of_range`` -> ``output_out_of_range``; ``disc_range`` -> ``output_not_probability``.
"""
from __future__ import annotations

import linecache
import sys
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
        """Record a problem, once per code."""
        if code not in self.codes:
            self.problems.append(Problem(code, message))

    def warn(self, code: str, message: str) -> None:
        """Record a warning (does not fail the check), once per code."""
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

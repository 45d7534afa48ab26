"""Known mistakes, named from a table: the first row that fits the student's output is the problem.

A row is ``(code, holds, message)``: ``holds()`` says whether the output fits the mistake (rows
are tried in order and lazily, so a row may assume the ones above it did not hold, as an
``elif`` chain does), and ``message`` is the text, or a function that writes it. Mistakes
written as formulas of the exercise's inputs ("the sign flipped": ``lambda x, y, lr: ...``)
become rows with :func:`formula_rows`. Used by 06's ``implied_gaussian`` and 07's xy-game steps,
critic loss and gradient penalty.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .report import Report

__all__ = ["Row", "name_first", "formula_rows"]

Row = Tuple[str, Callable[[], bool], Union[str, Callable[[], str]]]


def name_first(report: Report, rows: Iterable[Row]) -> Optional[str]:
    """Record the problem of the first row whose ``holds()`` is true; returns its code (None: no row fits)."""
    for code, holds, message in rows:
        if holds():
            report.problem(code, message() if callable(message) else message)
            return code
    return None


def formula_rows(table: Dict[str, Tuple[Callable[..., Any], str]], outputs: Sequence[Any],
                 inputs: Sequence[Sequence[Any]], close: Callable[[Any, Any], bool]) -> List[Row]:
    """Rows for mistakes written as formulas, ``{code: (formula, message)}``.

    A mistake fits when, for every probe ``i``, ``close(outputs[i], formula(*inputs[i]))``.
    """
    def fits(formula: Callable[..., Any]) -> Callable[[], bool]:
        return lambda: all(close(out, formula(*args)) for out, args in zip(outputs, inputs))

    return [(code, fits(formula), message) for code, (formula, message) in table.items()]

"""The conventions that keep every test cell fair and sealed (CONTRIBUTING.md, "nbgrader cells").

- A test cell reaches the student's code only through a check, which captures warnings and
  prints (nbgrader scores a cell that writes to stderr 0), refuses the course's own answers
  and names the bug: no direct call of an answer, no bare ``assert``.
- It imports its checks itself, so a student's cell cannot rebind their names.
- Hidden tests print and display nothing (their outputs would reach the feedback).
- No trailing value: nbgrader would read a displayed value as a partial score.
- Every path records its codes for the class report: the visible part displays its report and
  calls ``raise_for_problems``; a hidden block calls ``raise_for_problems`` (a failing report
  records itself before it raises).
"""
from __future__ import annotations

import ast
import re

import pytest

from conftest import SOLUTIONS, assignments, nbgrader_meta, read_notebook

HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS\n(.*?)[ \t]*### END HIDDEN TESTS\n?", re.S)


def _answer_names(nb) -> set:
    names = set()
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
    return names


def _test_cells(assignment):
    nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
    return nb, [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]


def _calls(tree):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


@pytest.mark.parametrize("assignment", assignments())
def test_test_cells_follow_the_grading_conventions(assignment):
    nb, cells = _test_cells(assignment)
    answers = _answer_names(nb)
    wrong = []
    for cell in cells:
        gid = nbgrader_meta(cell)["grade_id"]
        tree = ast.parse(cell.source)
        called = {_name(c) for c in _calls(tree)}
        checks = {n for n in called if n.startswith("check_")}
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module == "aml_gan.checks" for a in n.names}
        if checks - imported:
            wrong.append(f"{gid}: import {sorted(checks - imported)} from aml_gan.checks in the cell itself")
        direct = called & answers
        if direct:
            wrong.append(f"{gid}: calls the student's {sorted(direct)} directly; pass it to a check instead")
        if any(isinstance(n, ast.Assert) for n in ast.walk(tree)):
            wrong.append(f"{gid}: a bare assert; let a check decide and name the bug")
        for block in HIDDEN.findall(cell.source):
            hidden_calls = {_name(c) for c in _calls(ast.parse(block))}
            if hidden_calls & {"print", "display"}:
                wrong.append(f"{gid}: the hidden tests print or display (it would reach the feedback)")
            if "raise_for_problems" not in hidden_calls:
                wrong.append(f"{gid}: the hidden tests never call raise_for_problems (their codes go unrecorded)")
        visible = {_name(c) for c in _calls(ast.parse(HIDDEN.sub("", cell.source)))}
        if not {"display", "raise_for_problems"} <= visible:
            wrong.append(f"{gid}: the visible part must display(report) and call report.raise_for_problems() "
                         "(the class report reads the codes they record)")
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr) and not cell.source.rstrip().endswith(";"):
            if not (isinstance(last.value, ast.Call) and _name(last.value) in ("raise_for_problems", "display", "print")):
                wrong.append(f"{gid}: ends with a value nbgrader would read as a score")
    assert not wrong, "\n".join(wrong)

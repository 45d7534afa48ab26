"""Every course assignment, graded end to end with plain nbgrader commands.

The solution notebook handed in as a student's work scores full autograded marks;
the untouched student notebook scores zero and the grader finishes normally; the
feedback a student gets shows no hidden test.
"""
from __future__ import annotations

import html
import re

import pytest

from conftest import SOLUTIONS, assignments, nbgrader_meta, read_notebook

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def _hidden_lines(nb) -> list:
    lines = []
    for cell in nb.cells:
        for block in HIDDEN.findall(cell.source):
            lines += [ln.strip() for ln in block.splitlines() if len(ln.strip()) >= 12 and not ln.strip().startswith("#")]
    return lines


@pytest.mark.grading
@pytest.mark.parametrize("assignment", assignments())
def test_assignment_grades_end_to_end(assignment, course_factory):
    source = SOLUTIONS / assignment
    course = course_factory({assignment: source})
    released = read_notebook(course.release(assignment))
    solution = read_notebook(source / f"{assignment}.ipynb")

    course.submit("solution_student", assignment, solution)
    course.submit("untouched_student", assignment, released)
    course.autograde(assignment)

    full = course.scores(assignment, "solution_student")
    assert full["max_auto"] > 0, f"{assignment} has no autograded points"
    failed = {k: v for k, v in full["grades"].items() if v is not None and v == 0}
    assert full["auto"] == full["max_auto"], f"solution lost points in {assignment}: {failed}"

    empty = course.scores(assignment, "untouched_student")
    assert empty["auto"] == 0, f"untouched {assignment} earned points: {empty['grades']}"
    assert empty["max_auto"] == full["max_auto"]

    course.nbgrader("generate_feedback", assignment, "--force")
    page = (course.root / "feedback" / "solution_student" / assignment / f"{assignment}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    visible = "\n".join(c.source for c in released.cells)
    leaked = [ln for ln in _hidden_lines(solution) if ln in text and ln not in visible]
    assert not leaked, f"feedback for {assignment} shows hidden tests: {leaked[:3]}"


def test_every_assignment_has_hidden_tests_and_points():
    for assignment in assignments():
        nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
        grade_cells = [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
        assert grade_cells, f"{assignment} has no autograded test cell"
        assert all(nbgrader_meta(c).get("points", 0) > 0 for c in grade_cells), assignment
        assert any("### BEGIN HIDDEN TESTS" in c.source for c in grade_cells), f"{assignment} has no hidden tests"

"""Every course assignment, graded end to end with plain nbgrader commands.

Handed in as students' notebooks: the solution (full marks), the untouched release (zero,
and the grader finishes normally), and mixes of the corpus (tests/corpus/): correct
answers in other styles (full marks) and realistic mistakes and shortcuts (each loses its
cells' points). Through real ``nbgrader autograde`` and ``generate_feedback`` it checks what
only the real pipeline shows: nothing a correct answer prints reaches stderr, no cell says
"all checks passed" while losing points, test cells are restored, and no feedback shows a
line of a hidden test.
"""
from __future__ import annotations

import html
import re

import nbformat
import pytest

from conftest import SOLUTIONS, assignments, nbgrader_meta, read_notebook
from corpus.runner import PASSED_TEXT, load_corpus, mixes, output_text

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
CORPUS = load_corpus()
MIXES_PER_KIND = 1  # at least: more where the corpus names more entries to hand in through nbgrader


def _hidden_lines(nb) -> list:
    lines = []
    for cell in nb.cells:
        for block in HIDDEN.findall(cell.source):
            lines += [ln.strip() for ln in block.splitlines() if len(ln.strip()) >= 12 and not ln.strip().startswith("#")]
    return lines


def _hand_in(released, cells):
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in cells:
            cell.source = cells[gid]
    return nb


@pytest.mark.grading
@pytest.mark.parametrize("assignment", assignments())
def test_assignment_grades_end_to_end(assignment, course_factory):
    source = SOLUTIONS / assignment
    course = course_factory({assignment: source})
    released = read_notebook(course.release(assignment))
    solution = read_notebook(source / f"{assignment}.ipynb")
    solution_answers = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells
                        if nbgrader_meta(c).get("solution") and c.cell_type == "code"}
    tests = [nbgrader_meta(c)["grade_id"] for c in solution.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]

    course.submit("solution_student", assignment, solution)
    course.submit("untouched_student", assignment, released)
    corpus = CORPUS.get(assignment)
    handed = []
    if corpus is not None:
        for kind in ("correct", "mistake"):
            for mix in mixes(corpus, kind, MIXES_PER_KIND):
                course.submit(mix.name, assignment, _hand_in(released, {**solution_answers, **mix.cells}))
                handed.append(mix)
    course.autograde(assignment)

    full = course.scores(assignment, "solution_student")
    assert full["max_auto"] > 0, f"{assignment} has no autograded points"
    failed = {k: v for k, v in full["grades"].items() if v is not None and v == 0}
    assert full["auto"] == full["max_auto"], f"solution lost points in {assignment}: {failed}"
    empty = course.scores(assignment, "untouched_student")
    assert empty["auto"] == 0, f"untouched {assignment} earned points: {empty['grades']}"
    assert empty["max_auto"] == full["max_auto"]

    points = {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"] for c in solution.cells
              if nbgrader_meta(c).get("grade") and c.cell_type == "code"}
    wrong = []
    for mix in handed:
        grades = course.scores(assignment, mix.name)["grades"]
        for cell, want in mix.expected(corpus, tests).items():
            got = grades.get(cell)
            if want == "full" and got != points[cell]:
                wrong.append(f"{mix.name} ({[e.name for e in mix.entries]}): {cell} scored {got}/{points[cell]}")
            if want == "zero" and got != 0:
                wrong.append(f"{mix.name} ({[e.name for e in mix.entries]}): {cell} kept {got}/{points[cell]}")
    assert not wrong, "\n".join(wrong)

    test_sources = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells if nbgrader_meta(c).get("grade")}
    for student in ["solution_student", "untouched_student"] + [m.name for m in handed]:
        graded = course.autograded(assignment, student)
        scores = course.scores(assignment, student)["grades"]
        for cell in graded.cells:
            gid = nbgrader_meta(cell).get("grade_id")
            if gid in points:
                assert cell.source == test_sources[gid], f"{student}: test cell {gid} was not restored"
                if PASSED_TEXT in output_text(cell):
                    assert scores[gid] == points[gid], f"{student}: {gid} says '{PASSED_TEXT}' but scored {scores[gid]}"

    course.nbgrader("generate_feedback", assignment, "--force")
    visible = "\n".join(c.source for c in released.cells)
    hidden = [ln for ln in _hidden_lines(solution) if ln not in visible]
    for student in ["solution_student", "untouched_student"] + [m.name for m in handed]:
        page = (course.root / "feedback" / student / assignment / f"{assignment}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked, f"feedback for {student} in {assignment} shows hidden tests: {leaked[:3]}"


def test_every_assignment_has_hidden_tests_and_points():
    for assignment in assignments():
        nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
        grade_cells = [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
        assert grade_cells, f"{assignment} has no autograded test cell"
        assert all(nbgrader_meta(c).get("points", 0) > 0 for c in grade_cells), assignment
        assert any("### BEGIN HIDDEN TESTS" in c.source for c in grade_cells), f"{assignment} has no hidden tests"

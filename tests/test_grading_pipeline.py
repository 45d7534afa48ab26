"""The grading pipeline itself, on a small fabricated assignment with plain nbgrader commands.

Each case is something students really do: hand in the solution, hand in nothing,
"fix" a failing test by editing it, delete a test cell, or hand in a loop that
never ends. The configured course (nbgrader_config.py) must grade all of them.
"""
from __future__ import annotations

import copy
import html
import re

import nbformat
import pytest

from conftest import Course, nbgrader_meta

pytestmark = pytest.mark.grading

ASSIGNMENT = "00_fixture"
HIDDEN_MARK = "secret_hidden_check_7731"


def _cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    meta = {"grade": False, "solution": False, "locked": False, "task": False, "schema_version": 3}
    meta.update(nbgrader)
    cell.metadata["nbgrader"] = meta
    return cell


def fixture_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny assignment"),
        _cell("code", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
              solution=True, grade_id="add"),
        _cell("code", "assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\n"
                      f"assert add(-5, 5) == 0, 'add must also work for negative numbers'  # {HIDDEN_MARK}\n"
                      "### END HIDDEN TESTS",
              grade=True, locked=True, points=2, grade_id="test_add"),
        _cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
              solution=True, grade_id="double"),
        _cell("code", "assert double(4) == 8", grade=True, locked=True, points=1, grade_id="test_double"),
        _cell("markdown", "A model answer and its mark scheme.", grade=True, solution=True, points=1, grade_id="why"),
    ]
    return nb


@pytest.fixture
def course(tmp_path) -> Course:
    src = tmp_path / "src" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(fixture_notebook(), src / f"{ASSIGNMENT}.ipynb")
    course = Course.create(tmp_path / "course", {ASSIGNMENT: src})
    course.release(ASSIGNMENT)
    return course


def _released(course: Course) -> nbformat.NotebookNode:
    return nbformat.read(course.root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def _by_id(nb, grade_id):
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def test_release_strips_solutions_and_hidden_tests(course):
    text = nbformat.writes(_released(course))
    assert "return a + b" not in text
    assert HIDDEN_MARK not in text
    assert "raise NotImplementedError" in text


def test_solution_full_marks_untouched_zero(course):
    course.submit("alice", ASSIGNMENT, fixture_notebook())
    course.submit("bob", ASSIGNMENT, _released(course))
    course.autograde(ASSIGNMENT)
    alice, bob = course.scores(ASSIGNMENT, "alice"), course.scores(ASSIGNMENT, "bob")
    assert alice["auto"] == alice["max_auto"] == 3
    assert bob["auto"] == 0 and bob["max_auto"] == 3


def test_edited_test_cell_is_graded_with_the_original(course):
    nb = _released(course)
    _by_id(nb, "double").source = "def double(x):\n    return x + 1"  # wrong
    _by_id(nb, "test_double").source = "pass  # tests are for other people"
    _by_id(nb, "add").source = "def add(a, b):\n    return a + b"
    course.submit("carol", ASSIGNMENT, nb)
    course.autograde(ASSIGNMENT)
    grades = course.scores(ASSIGNMENT, "carol")["grades"]
    assert grades["test_double"] == 0
    assert grades["test_add"] == 2
    restored = _by_id(course.autograded(ASSIGNMENT, "carol"), "test_double")
    assert "assert double(4) == 8" in restored.source


def test_deleted_test_cell_is_put_back(course):
    nb = _released(course)
    _by_id(nb, "add").source = "def add(a, b):\n    return a - b"  # wrong, and its test deleted
    _by_id(nb, "double").source = "def double(x):\n    return 2 * x"
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != "test_add"]
    course.submit("dave", ASSIGNMENT, nb)
    course.autograde(ASSIGNMENT)
    scores = course.scores(ASSIGNMENT, "dave")
    assert scores["max_auto"] == 3
    assert scores["grades"]["test_add"] == 0
    assert scores["grades"]["test_double"] == 1
    ids = [nbgrader_meta(c).get("grade_id") for c in course.autograded(ASSIGNMENT, "dave").cells]
    assert "test_add" in ids


def test_endless_loop_is_stopped_and_graded(course):
    nb = _released(course)
    _by_id(nb, "add").source = "def add(a, b):\n    return a + b"
    _by_id(nb, "double").source = "while True:\n    pass"
    course.submit("erin", ASSIGNMENT, nb)
    # The course's timeout is generous (minutes); a short one keeps this test quick.
    course.autograde(ASSIGNMENT, "--Execute.timeout=8")
    grades = course.scores(ASSIGNMENT, "erin")["grades"]
    assert grades["test_add"] == 2
    assert grades["test_double"] == 0
    outputs = _by_id(course.autograded(ASSIGNMENT, "erin"), "double").outputs
    assert any(o.get("output_type") == "error" for o in outputs)


def test_feedback_has_no_hidden_tests(course):
    course.submit("alice", ASSIGNMENT, fixture_notebook())
    course.autograde(ASSIGNMENT)
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    page = (course.root / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "add(1, 2) == 3" in text  # visible tests are shown
    assert HIDDEN_MARK not in text
    assert "add(-5, 5)" not in text


def test_feedback_on_a_failing_hidden_test_keeps_the_message_not_the_test(course):
    nb = _released(course)
    # passes the visible test (1 + 2), fails the hidden one (-5 + 5)
    _by_id(nb, "add").source = "def add(a, b):\n    return abs(a) + abs(b)"
    _by_id(nb, "double").source = "def double(x):\n    return 2 * x"
    course.submit("gina", ASSIGNMENT, nb)
    course.autograde(ASSIGNMENT)
    assert course.scores(ASSIGNMENT, "gina")["grades"]["test_add"] == 0
    # the autograded notebook (the instructor's copy) keeps the whole traceback ...
    autograded = nbformat.writes(course.autograded(ASSIGNMENT, "gina"))
    assert HIDDEN_MARK in autograded
    # ... the student's feedback keeps only the error and its message
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    page = (course.root / "feedback" / "gina" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "AssertionError: add must also work for negative numbers" in text
    assert HIDDEN_MARK not in text
    assert "add(-5, 5)" not in text

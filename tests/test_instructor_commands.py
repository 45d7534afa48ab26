"""The instructor's make commands work as written, with the environment not activated.

On a fresh course (no gradebook yet) nbgrader creates the gradebook by running ``alembic``
from PATH, so plain ``.venv/bin/nbgrader ...`` fails there unless the environment is active.
``make release``, ``make feedback A=...`` and ``make export`` put the environment first on
PATH themselves. These tests run them with a PATH that holds neither nbgrader nor alembic.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, Course
from test_grading_pipeline import ASSIGNMENT, fixture_notebook

pytestmark = pytest.mark.grading


def _not_activated_env() -> dict:
    """This environment as an instructor's shell that never activated it: no folder holding
    nbgrader or alembic on PATH, no VIRTUAL_ENV, no fast-mode flag."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "AML_GAN_FAST")}
    folders = [d for d in env.get("PATH", "").split(os.pathsep)
               if d and not any((Path(d) / tool).exists() for tool in ("alembic", "nbgrader"))]
    env["PATH"] = os.pathsep.join(folders)
    assert shutil.which("alembic", path=env["PATH"]) is None
    return env


def _make(course: Course, *args: str) -> subprocess.CompletedProcess:
    """``make ARGS`` in the course's folder with the repository's Makefile and this environment
    (``STAMP=``: the environment is already installed, never reinstall it from a test)."""
    cmd = ["make", "--no-print-directory", "-f", str(REPO / "Makefile"), f"VENV={sys.prefix}", "STAMP=", *args]
    return subprocess.run(cmd, cwd=course.root, env=_not_activated_env(), capture_output=True, text=True,
                          timeout=600)


def _fresh_course(tmp_path: Path) -> Course:
    src = tmp_path / "src" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(fixture_notebook(), src / f"{ASSIGNMENT}.ipynb")
    course = Course.create(tmp_path / "course", {ASSIGNMENT: src})
    assert not (course.root / "gradebook.db").exists()
    return course


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"{' '.join(proc.args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def test_make_export_on_a_fresh_course(tmp_path):
    course = _fresh_course(tmp_path)
    _ok(_make(course, "export"))
    assert (course.root / "gradebook.db").is_file()
    with open(course.root / "grades.csv") as f:
        assert "student_id" in next(csv.reader(f))


def test_release_feedback_and_export_without_activation(tmp_path):
    course = _fresh_course(tmp_path)
    _ok(_make(course, "release"))
    assert (course.root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    course.submit("alice", ASSIGNMENT, fixture_notebook())
    course.autograde(ASSIGNMENT)  # autograding is `make grade A=...` (its own tests)

    _ok(_make(course, "feedback", f"A={ASSIGNMENT}"))
    assert (course.root / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()

    _ok(_make(course, "export"))
    with open(course.root / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["alice"]["score"]) == 3.0  # every autograded point; the written answer awaits a human
    assert float(rows["alice"]["max_score"]) == 4.0


def test_make_feedback_names_the_missing_assignment(tmp_path):
    proc = _make(_fresh_course(tmp_path), "feedback")
    assert proc.returncode != 0
    assert "make feedback A=" in proc.stderr

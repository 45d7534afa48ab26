"""Shared helpers for the test suite: paths, and a throw-away nbgrader course.

nbformat is imported where it is used, so that the package tests load this file on a
machine without the Jupyter tools (tools/gpu_check.sh runs them there)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
RELEASE = REPO / "notebooks"


def assignments() -> List[str]:
    """Every assignment: a folder NN_topic under solutions/ holding NN_topic.ipynb."""
    return sorted(p.parent.name for p in SOLUTIONS.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb") if p.stem == p.parent.name)


def tool_env(**extra: str) -> Dict[str, str]:
    """Environment for nbgrader/jupyter subprocesses: this interpreter's bin first on PATH
    (the kernel spec runs plain ``python``), and no fast-mode flag: nbgrader's own
    NBGRADER_EXECUTION must be what turns fast mode on while grading."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("AML_GAN_FAST", None)
    env.update(extra)
    return env


class Course:
    """A temporary copy of the course in which plain nbgrader commands are run."""

    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def create(cls, root: Path, sources: Dict[str, Path]) -> "Course":
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
        for assignment, folder in sources.items():
            shutil.copytree(folder, root / "solutions" / assignment, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        return cls(root)

    def nbgrader(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=self.root, env=tool_env(), capture_output=True, text=True, timeout=timeout,
        )
        assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def release(self, assignment: str) -> Path:
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "notebooks" / assignment / f"{assignment}.ipynb"

    def submit(self, student: str, assignment: str, notebook: nbformat.NotebookNode) -> None:
        import nbformat

        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")

    def autograde(self, assignment: str, *extra: str) -> subprocess.CompletedProcess:
        return self.nbgrader("autograde", assignment, "--force", *extra)

    def scores(self, assignment: str, student: str) -> Dict[str, float]:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            return {
                "auto": sub.code_score,
                "max_auto": sub.max_code_score,
                "grades": {g.name: g.auto_score for g in sub.grades},
            }

    def autograded(self, assignment: str, student: str) -> nbformat.NotebookNode:
        import nbformat

        return nbformat.read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    import nbformat

    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.fixture
def course_factory(tmp_path):
    def make(sources: Dict[str, Path]) -> Course:
        return Course.create(tmp_path / "course", sources)

    return make

"""Read one graded assignment: the gradebook's scores, the autograded notebooks and their check records.

Everything comes from what ``make grade`` leaves in the course folder: ``gradebook.db`` (scores and
the released cells, with nbgrader's checksums), ``submitted/<student>/<assignment>/`` (who handed
in), ``autograded/<student>/<assignment>/<assignment>.ipynb`` (the code each student ran and what
the test cells showed, including the records the checks display under ``MIME_TYPE``) and, when the
grader saved one, ``grading_logs/<assignment>/<student>.json`` (why a submission was not graded).
Nothing here parses a message's text: the problem codes come from the records.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..tamper import PATTERNS, count_patterns

# aml_gan.checks.report.MIME_TYPE, spelt out: importing the checks would import PyTorch (seconds)
MIME_TYPE = "application/vnd.aml-gan.check+json"

__all__ = ["ReportError", "Cell", "Student", "Assignment", "read_assignment", "graded_assignments"]


class ReportError(Exception):
    """A problem with the course folder, not with a student's work; the message names the fix."""


@dataclass
class Cell:
    """A cell of the release that nbgrader grades or that holds an answer."""

    grade_id: str
    kind: str              # "test" (autograded), "answer" (a student's code), "manual"
    points: float
    source: str            # as released (an answer cell: the scaffold students start from)
    answers: List[str] = field(default_factory=list)  # a test cell: the answer cells it calls


@dataclass
class Student:
    """One student's submission of the assignment."""

    name: str
    score: Optional[float] = None                                   # autograded points; None: not graded
    scores: Dict[str, float] = field(default_factory=dict)          # test grade_id -> points
    answers: Dict[str, str] = field(default_factory=dict)           # answer grade_id -> source handed in
    raised: Dict[str, str] = field(default_factory=dict)            # test grade_id -> exception name
    records: Dict[str, List[dict]] = field(default_factory=dict)    # test grade_id -> check records
    reason: str = ""                                                # why it is not graded
    flags: List[str] = field(default_factory=list)                  # the tamper scan's notes, with lines


@dataclass
class Assignment:
    name: str
    cells: List[Cell]
    students: List[Student]
    max_score: float

    @property
    def tests(self) -> List[Cell]:
        return [c for c in self.cells if c.kind == "test"]

    @property
    def answers(self) -> List[Cell]:
        return [c for c in self.cells if c.kind == "answer"]

    @property
    def graded(self) -> List[Student]:
        return [s for s in self.students if s.score is not None]


def _course_dirs(root: Path):
    """nbgrader's own view of the course folder (its config file decides the folders and the gradebook)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config_file = root / "nbgrader_config.py"
    if not config_file.is_file():
        raise ReportError(f"no nbgrader_config.py in {root}: run this from the course folder (the repository "
                          "root) or pass --course")
    coursedir = CourseDirectory(config=PyFileConfigLoader(config_file.name, path=str(root)).load_config())
    if not coursedir.root:
        coursedir.root = str(root)
    url = coursedir.db_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not os.path.isabs(url[len(prefix):]):
        url = prefix + str(Path(coursedir.root) / url[len(prefix):])
    if url.startswith(prefix) and not Path(url[len(prefix):]).is_file():
        raise ReportError(f"there is no gradebook at {url[len(prefix):]}: release and grade the assignment first "
                          "(make release, then make grade A=<assignment>), or run this from the course folder")
    return coursedir, url


def _folder(coursedir, step: str, student: str, assignment: str) -> Path:
    return Path(coursedir.format_path(getattr(coursedir, f"{step}_directory"), student, assignment))


def graded_assignments(root: Path) -> List[str]:
    """The assignments of the gradebook that have at least one submission."""
    from nbgrader.api import Gradebook

    coursedir, url = _course_dirs(Path(root).resolve())
    with Gradebook(url, coursedir.course_id) as gb:
        return [a.name for a in gb.assignments if a.submissions]


def _defined_names(source: str) -> List[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]


def _used_names(source: str) -> set:
    try:
        return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _release_cells(gb, assignment: str, solution_sources: Dict[str, str]) -> List[Cell]:
    """The notebook's graded and answer cells, as the gradebook holds the release."""
    nb = gb.find_notebook(assignment, assignment)
    cells: List[Cell] = []
    for grade in nb.grade_cells:
        kind = "test" if grade.cell_type == "code" and not any(s.name == grade.name for s in nb.solution_cells) else "manual"
        cells.append(Cell(grade.name, kind, float(grade.max_score), gb.find_source_cell(grade.name, assignment, assignment).source))
    for sol in nb.solution_cells:
        src = gb.find_source_cell(sol.name, assignment, assignment)
        if src.cell_type == "code" and not any(c.grade_id == sol.name for c in cells):
            cells.append(Cell(sol.name, "answer", 0.0, src.source))
    answers = [c for c in cells if c.kind == "answer"]
    for test in (c for c in cells if c.kind == "test"):
        used = _used_names(test.source)
        # the answer cells whose functions the test calls (the solution defines them; the stub may not)
        test.answers = [a.grade_id for a in answers
                        if used & set(_defined_names(solution_sources.get(a.grade_id, "")) + _defined_names(a.source))]
    return cells


def _cell_records(cell) -> List[dict]:
    return [out["data"][MIME_TYPE] for out in cell.get("outputs", [])
            if out.get("output_type") == "display_data" and MIME_TYPE in out.get("data", {})]


def _check_release(path: Path, nb, cells: Dict[str, Cell]) -> None:
    """Refuse an autograded notebook graded against another release of the assignment."""
    from nbgrader.utils import compute_checksum, is_grade, is_solution

    unknown, changed = [], []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if not gid or not (meta.get("grade") or meta.get("solution")):
            continue
        if gid not in cells:
            unknown.append(gid)
        elif is_grade(cell) and not is_solution(cell) and cells[gid].kind == "test":
            if compute_checksum(cell) != meta.get("checksum") or cell.source != cells[gid].source:
                changed.append(gid)
    if unknown or changed:
        said = []
        if unknown:
            said.append(f"cells the release no longer has: {', '.join(unknown)}")
        if changed:
            said.append(f"test cells whose checksum differs from the release's: {', '.join(changed)}")
        raise ReportError(f"{path} was graded against an older release of the assignment ({'; '.join(said)}). "
                          "Grade it again against the current release: make grade A=<assignment> FORCE=1")


def _log(root: Path, assignment: str, student: str) -> dict:
    path = root / "grading_logs" / assignment / f"{student}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tamper_lines(submitted: dict, released: dict) -> List[str]:
    """The tamper scan's patterns the submission uses more than the release, each with its first line."""
    def code_lines(nb: dict) -> List[str]:
        return [ln.strip() for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"
                for ln in "".join(c.get("source", "")).splitlines()]

    mine, base = count_patterns(submitted), count_patterns(released)
    theirs = set(code_lines(released))
    own = [ln for ln in code_lines(submitted) if ln not in theirs]  # not the release's lines
    notes = []
    for pattern, why in PATTERNS.items():
        if mine.get(pattern, 0) > base.get(pattern, 0):
            line = next((ln for ln in own if pattern in ln), "")
            notes.append(f"{why}: {line}" if line else why)
    return notes


def read_assignment(root: Path, assignment: str) -> Assignment:
    """Everything the class report needs about one assignment."""
    root = Path(root).resolve()
    coursedir, url = _course_dirs(root)
    handed_in = Path(coursedir.root, coursedir.submitted_directory)
    submitted = sorted(p.name for p in handed_in.glob("*") if _folder(coursedir, "submitted", p.name, assignment).is_dir())
    cells, max_score, graded = _read_gradebook(url, coursedir, assignment, submitted)
    release_path = Path(coursedir.root, coursedir.release_directory, assignment, f"{assignment}.ipynb")
    released = json.loads(release_path.read_text()) if release_path.is_file() else {}
    by_id = {c.grade_id: c for c in cells}
    students = [_read_student(root, coursedir, assignment, name, graded, by_id, released)
                for name in sorted(set(submitted) | set(graded))]
    return Assignment(assignment, cells, students, max_score)


def _solution_sources(coursedir, assignment: str) -> Dict[str, str]:
    """grade_id -> source of each graded cell of the solution notebook (empty without one)."""
    import nbformat

    solution = Path(coursedir.root, coursedir.source_directory, assignment, f"{assignment}.ipynb")
    solution_sources = {}
    if solution.is_file():
        for c in nbformat.read(solution, as_version=4).cells:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid:
                solution_sources[gid] = c.source
    return solution_sources


def _read_gradebook(url: str, coursedir, assignment: str, submitted: List[str]
                    ) -> Tuple[List[Cell], float, Dict[str, Tuple[float, Dict[str, float]]]]:
    """The released cells, the most autograded points, and for each graded student
    ``(points, {test grade_id: points})``. An assignment not released or not graded is refused."""
    from nbgrader.api import Gradebook, MissingEntry

    solution_sources = _solution_sources(coursedir, assignment)
    with Gradebook(url, coursedir.course_id) as gb:
        try:
            gb_assignment = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in gb.assignments) or "none"
            raise ReportError(f"the gradebook has no assignment {assignment!r} (it has: {known}): release it with "
                              f"make release ASSIGNMENTS={assignment}, then grade it with make grade A={assignment}")
        if not gb_assignment.submissions:
            raise ReportError(f"{assignment} is not graded yet: nobody's submission is in the gradebook. "
                              f"Grade it first: make grade A={assignment}"
                              + (f" ({len(submitted)} submission(s) wait in submitted/)" if submitted else ""))
        cells = _release_cells(gb, assignment, solution_sources)
        by_id = {c.grade_id: c for c in cells}
        max_score = float(gb_assignment.max_code_score)
        graded = {}
        for sub in gb_assignment.submissions:
            nb_sub = next((n for n in sub.notebooks if n.name == assignment), None)
            if nb_sub is not None:
                graded[sub.student_id] = (float(nb_sub.code_score or 0.0),
                                          {g.name: float(g.score or 0.0) for g in nb_sub.grades if g.cell_type == "code"
                                           and g.name in by_id and by_id[g.name].kind == "test"})
    return cells, max_score, graded


def _read_student(root: Path, coursedir, assignment: str, name: str,
                  graded: Dict[str, Tuple[float, Dict[str, float]]], by_id: Dict[str, Cell], released: dict) -> Student:
    """One student: the tamper scan's flags, and their scores and autograded notebook, or why there are none."""
    student = Student(name)
    path = _folder(coursedir, "autograded", name, assignment) / f"{assignment}.ipynb"
    log = _log(root, assignment, name)
    sub_path = _folder(coursedir, "submitted", name, assignment) / f"{assignment}.ipynb"
    try:
        student.flags = _tamper_lines(json.loads(sub_path.read_text()), released)
    except (OSError, ValueError):
        pass
    student.flags += [str(f) for f in log.get("flags", []) if str(f) not in student.flags]
    if name in graded and path.is_file():
        student.score, student.scores = graded[name]
        _read_autograded(student, path, by_id)
    else:
        student.reason = str(log.get("reason") or (
            "no autograded notebook: not graded yet, or nbgrader could not grade it (see make grade's summary)"
            if name not in graded else "in the gradebook, but its autograded notebook is missing"))
    return student


def _read_autograded(student: Student, path: Path, by_id: Dict[str, Cell]) -> None:
    """Fill ``student`` from their autograded notebook: the answers they handed in, and each
    test cell's check records and the exception it raised, if any."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    _check_release(path, nb, by_id)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid not in by_id or cell.cell_type != "code":
            continue
        if by_id[gid].kind == "answer":
            student.answers[gid] = cell.source
        elif by_id[gid].kind == "test":
            student.records[gid] = _cell_records(cell)
            error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            if error is not None:
                student.raised[gid] = error.get("ename", "Error")

"""Grade corpus submissions in a live kernel, with nbgrader's own scoring rule.

``LiveNotebook`` executes a solution notebook once (fast mode, as nbgrader runs it), then
for each submission replaces the answer cells, re-runs the exercise's test cells (hidden
tests included) and scores each with ``nbgrader.utils.determine_grade``: 0 when the cell
raised or wrote to stderr, its points otherwise. It then puts the solution's answer cells
back, so each submission is graded as if it were the only change. This is what nbgrader's
autograde does to each cell, minus the kernel restart per student; ``tests/test_corpus.py``
checks the two agree by sending mixes of the same submissions through real nbgrader.
"""
from __future__ import annotations

import copy
import importlib
import os
import pkgutil
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import nbformat
from nbclient import NotebookClient

from . import Submission

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SOLUTIONS = REPO / "solutions"
PASSED_TEXT = "all checks passed"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


# ----------------------------------------------------------------------------- the corpus


@dataclass
class NotebookCorpus:
    """Everything the corpus holds for one assignment."""

    assignment: str
    exercises: Dict[str, Tuple[str, ...]]  # answer grade_id -> test grade_ids
    submissions: List[Submission] = field(default_factory=list)
    through_nbgrader: List[str] = field(default_factory=list)  # entries real nbgrader must grade

    def tests_for(self, sub: Submission) -> List[str]:
        """The test cells a submission is graded on: its exercises' cells and its ``fails``."""
        ids: List[str] = []
        for answer in sub.cells:
            ids += [t for t in self.exercises.get(answer, ()) if t not in ids]
        ids += [t for t in sub.fails if t not in ids]
        return ids


def load_corpus() -> Dict[str, NotebookCorpus]:
    """Every ``tests/corpus/nbNN_*.py`` module, plus the shared modules that apply to several notebooks.

    A shared module (``train_step.py``, ``shortcuts.py``) holds ``SUBMISSIONS`` for an exercise
    that several notebooks grade (added to every notebook whose EXERCISES has that answer cell),
    or ``SUBMISSIONS_BY_ASSIGNMENT``. A module's ``THROUGH_NBGRADER`` names entries that the
    end-to-end test must hand in through real nbgrader (the others may be sampled).
    """
    import corpus

    by_assignment: Dict[str, NotebookCorpus] = {}
    shared = []
    for info in pkgutil.iter_modules(corpus.__path__):
        if info.name == "runner":
            continue
        module = importlib.import_module(f"corpus.{info.name}")
        if hasattr(module, "ASSIGNMENT"):
            by_assignment[module.ASSIGNMENT] = NotebookCorpus(
                module.ASSIGNMENT, {k: tuple(v) for k, v in module.EXERCISES.items()}, list(module.SUBMISSIONS),
                list(getattr(module, "THROUGH_NBGRADER", ())),
            )
        else:
            shared.append(module)
    for module in shared:
        for sub in getattr(module, "SUBMISSIONS", []):
            for nb in by_assignment.values():
                if set(sub.cells) <= set(nb.exercises):
                    nb.submissions.append(sub)
        for assignment, subs in getattr(module, "SUBMISSIONS_BY_ASSIGNMENT", {}).items():
            if assignment in by_assignment:
                by_assignment[assignment].submissions.extend(subs)
            else:
                by_assignment[assignment] = NotebookCorpus(assignment, {}, list(subs))
    for nb in by_assignment.values():
        for module in shared:
            nb.through_nbgrader += [n for n in getattr(module, "THROUGH_NBGRADER", ())
                                    if any(s.name == n for s in nb.submissions)]
        names = [s.name for s in nb.submissions]
        dupes = {n for n in names if names.count(n) > 1}
        assert not dupes, f"{nb.assignment}: submission names must be unique, repeated: {sorted(dupes)}"
    return by_assignment


# ----------------------------------------------------------------------------- grading in a kernel


@dataclass
class CellGrade:
    grade_id: str
    score: float
    points: float
    text: str  # everything the cell showed: streams, displays, the error and its traceback
    records: List[dict] = field(default_factory=list)  # the check reports the cell recorded, in order

    @property
    def full(self) -> bool:
        return self.score == self.points

    @property
    def shows_passed(self) -> bool:
        return PASSED_TEXT in self.text


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(f"[{out.name}] {out.text}")
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}\n" + "\n".join(out.traceback))
        else:
            data = out.get("data", {})
            parts.append(str(data.get("text/html", "")) + "\n" + str(data.get("text/plain", "")))
    return _ANSI.sub("", "\n".join(parts))


def check_records(cell) -> List[dict]:
    """The reports a cell recorded (``display(report)``, a hidden test's report as it raised)."""
    from aml_gan.checks.report import MIME_TYPE

    return [dict(out["data"][MIME_TYPE]) for out in cell.get("outputs", []) if MIME_TYPE in out.get("data", {})]


def grade_cell(cell) -> CellGrade:
    from nbgrader.utils import determine_grade

    score, points = determine_grade(cell)
    return CellGrade(nbgrader_meta(cell)["grade_id"], float(score or 0.0), float(points), output_text(cell),
                     check_records(cell))


class LiveNotebook:
    """One kernel holding a solution notebook's state, for grading submissions cell by cell."""

    def __init__(self, assignment: str, timeout: int = 300):
        self.assignment = assignment
        self.nb = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        self.index = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(self.nb.cells) if nbgrader_meta(c)}
        # nbclient writes every executed cell back into the notebook (nb.cells[index] = cell), so the
        # solution's own sources are kept apart: restoring must not re-run the last submission.
        self.sources = {gid: self.nb.cells[i].source for gid, i in self.index.items()}
        self.workdir = Path(tempfile.mkdtemp(prefix=f"corpus_{assignment}_"))
        shutil.copytree(SOLUTIONS / assignment, self.workdir, dirs_exist_ok=True)
        self.client = NotebookClient(
            self.nb, timeout=timeout, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(self.workdir)}},
        )
        self._kernel = None

    def __enter__(self) -> "LiveNotebook":
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env.pop("AML_GAN_FAST", None)
        env["NBGRADER_EXECUTION"] = "autograde"  # what turns fast mode on while nbgrader grades
        self._kernel = self.client.setup_kernel(env=env, cwd=str(self.workdir))
        self._kernel.__enter__()
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, i)
                errors = [o for o in cell.outputs if o.output_type == "error"]
                assert not errors, f"{self.assignment} cell {i} failed in the live kernel: {output_text(cell)[-800:]}"
        return self

    def __exit__(self, *exc) -> None:
        self._kernel.__exit__(*exc)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def run(self, grade_id: str, source: Optional[str] = None):
        """Execute the cell ``grade_id`` (with ``source`` instead of its own, if given); returns a copy."""
        i = self.index[grade_id]
        cell = copy.deepcopy(self.nb.cells[i])
        cell.source = self.sources[grade_id] if source is None else source
        self.client.execute_cell(cell, i, store_history=False)
        return cell

    def grade(self, sub: Submission, tests: Sequence[str]) -> Dict[str, CellGrade]:
        """Hand in ``sub`` (its answer cells), grade ``tests``, then restore the solution's cells.

        The names the solution's answer cells define are removed first: an answer cell that
        raises before defining them leaves them undefined, as in a student's own kernel."""
        for gid in sub.cells:
            names = defined_names(self.sources[gid])
            if names:
                self.run(gid, f"for _name in {names!r}:\n    globals().pop(_name, None)\n")
        answers = {gid: self.run(gid, source) for gid, source in sub.cells.items()}
        try:
            return {t: grade_cell(self.run(t)) for t in tests}
        finally:
            for gid in answers:
                self.run(gid)  # the solution's own source: back to a correct state


def defined_names(source: str) -> List[str]:
    """The top-level names a cell defines (functions, classes, assignments, imports)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: List[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def shows(text: str, mention: str) -> bool:
    """A registered code must be shown as a code (``[code]`` in the text and the error, ``<code>code</code>``
    in the HTML), not merely appear in a message; a kept phrase (``corpus.WORDING``) anywhere."""
    from aml_gan.checks.codes import CODES

    if mention in CODES:
        return f"[{mention}]" in text or f"<code>{mention}</code>" in text
    return mention in text


def verdict(sub: Submission, grades: Dict[str, CellGrade]) -> List[str]:
    """What is wrong with how the corpus entry was graded (empty when it was graded as specified)."""
    wrong: List[str] = []
    for g in grades.values():
        if g.shows_passed and not g.full:
            wrong.append(f"{g.grade_id} shows '{PASSED_TEXT}' but scored {g.score}/{g.points}")
    if sub.correct:
        for g in grades.values():
            if not g.full:
                wrong.append(f"correct work lost points in {g.grade_id} ({g.score}/{g.points}): {g.text[-600:]}")
        return wrong + recorded_codes(sub, grades.values())
    failing = list(sub.fails) or list(grades)
    for gid in failing:
        g = grades[gid]
        if g.score != 0:
            wrong.append(f"the mistake kept {g.score}/{g.points} points in {gid}")
            continue
        missing = [m for m in sub.mentions if not shows(g.text, m)]
        if missing:
            wrong.append(f"{gid} failed without naming it: {missing} not in the output: {g.text[-600:]}")
    return wrong + recorded_codes(sub, [grades[gid] for gid in failing])


def recorded_codes(sub: Submission, grades: Iterable[CellGrade]) -> List[str]:
    """Where the entry names ``codes`` or ``warnings``: each report the cells recorded has exactly those."""
    wrong: List[str] = []
    for g in grades:
        if (sub.codes is not None or sub.warnings is not None) and not g.records:
            wrong.append(f"{g.grade_id} recorded no report to read the codes from")
        for record in g.records:
            codes = tuple(p["code"] for p in record["problems"])
            warned = tuple(w["code"] for w in record["warnings"])
            if sub.codes is not None and codes != sub.codes:
                wrong.append(f"{g.grade_id}: problem codes {codes}, expected {sub.codes}: {g.text[-400:]}")
            if sub.warnings is not None and warned != sub.warnings:
                wrong.append(f"{g.grade_id}: warning codes {warned}, expected {sub.warnings}: {g.text[-400:]}")
    return wrong


# ----------------------------------------------------------------------------- mixes for real nbgrader


@dataclass
class Mix:
    """Several corpus entries handed in together as one student's notebook."""

    name: str
    entries: List[Submission]

    @property
    def cells(self) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for e in self.entries:
            out.update(e.cells)
        return out

    def expected(self, corpus: NotebookCorpus, all_tests: Iterable[str]) -> Dict[str, Optional[str]]:
        """Per test cell: "full", "zero", or None when the entries do not say."""
        result: Dict[str, Optional[str]] = {t: "full" for t in all_tests}
        for e in self.entries:
            touched = corpus.tests_for(e)
            if e.correct:
                continue
            for t in touched:
                if t in (e.fails or touched):
                    result[t] = "zero"
                elif result.get(t) == "full":
                    result[t] = None
        return result


def mixes(corpus: NotebookCorpus, kind: str, count: int) -> List[Mix]:
    """At least ``count`` mixes of ``kind`` ("correct" or "mistake"): the k-th entry of that kind for
    each answer cell, entries named in ``through_nbgrader`` first (enough mixes to hand in all of them)."""
    want = kind == "correct"
    first = {n: i for i, n in enumerate(corpus.through_nbgrader)}
    pools = {a: sorted((s for s in corpus.submissions if s.correct == want and a in s.cells),
                       key=lambda s: first.get(s.name, len(first))) for a in corpus.exercises}
    count = max([count] + [sum(s.name in first for s in pool) for pool in pools.values()])
    out = []
    for k in range(count):
        chosen, used = [], set()
        for answer, pool in pools.items():
            if answer in used or not pool:
                continue
            entry = pool[k % len(pool)]
            if used & set(entry.cells):
                continue
            chosen.append(entry)
            used |= set(entry.cells)
        if chosen:
            out.append(Mix(f"{kind}_{k}", chosen))
    return out

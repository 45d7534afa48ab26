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
        self.held = {gid: self.sources[gid] for gid, i in self.index.items()  # the answers the later cells used
                     if nbgrader_meta(self.nb.cells[i]).get("solution") and self.nb.cells[i].cell_type == "code"}
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

    # ------------------------------------------------------------------------- the rest of the notebook

    def run_later_cells(self, answers: Dict[str, str], forget: Sequence[str] = ()) -> List[int]:
        """Hand in ``answers`` and run every later code cell that uses them; returns the cells it ran.

        An answer cell runs when its source differs from the one the kernel holds (answer cells
        not in ``answers`` keep theirs). A later code cell runs when one of its statements reads a
        name that an answer cell, or a statement run for that reason before it, binds or changes
        (``cell_statements``); the notebook's last code cell (its Outcome asserts) always runs. Test
        cells are left out (``grade`` scores every entry on them). Each cell must run without an
        error and without falling back to the course's reference (the text ``yours_or_reference``
        prints), or this raises AssertionError naming the cell. The global names in ``forget`` are
        deleted first and count as changed (05 forgets its checkpoint folder: a fresh training run)."""
        last = max(i for i, c in enumerate(self.nb.cells) if c.cell_type == "code")
        if forget:
            self._run_code(last, f"for _name in {list(forget)!r}:\n    globals().pop(_name, None)\n")
        defined = frozenset(b for c in self.nb.cells if c.cell_type == "code"  # modules, functions, classes
                            for _, binds, definition in cell_statements(c.source) or () if definition for b in binds)
        changed: set = set(forget)
        ran: List[int] = []
        for i in range(min(self.index[g] for g in self.held), last + 1):
            cell = self.nb.cells[i]
            meta = nbgrader_meta(cell)
            gid = meta.get("grade_id")
            if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
                continue
            source = answers.get(gid, self.held.get(gid, self.sources.get(gid, cell.source)))
            statements = cell_statements(source, defined)
            if gid in self.held:
                if self.held[gid] == source:
                    continue
                self.held[gid] = source
            elif not (i == last or statements is None or any(reads & changed for reads, _, _ in statements)):
                continue
            self._run_code(i, source)
            ran.append(i)
            answer, hit = gid in self.held, False
            for reads, binds, definition in statements or ():
                # after the first statement that uses a changed name, anything but a definition may differ
                # too (it may draw random numbers after it, for one); a def, class or import does not
                if answer or (hit and not definition) or reads & changed:
                    changed |= binds
                    hit = True
        return ran

    def restore_answers(self) -> None:
        """Put the solution's answer cells back (the later cells keep what the last run left)."""
        for gid, source in self.held.items():
            if source != self.sources[gid]:
                self._run_code(self.index[gid], self.sources[gid])
                self.held[gid] = self.sources[gid]

    def _run_code(self, i: int, source: str) -> None:
        cell = copy.deepcopy(self.nb.cells[i])
        cell.source = source
        self.client.execute_cell(cell, i, store_history=False)
        text = output_text(cell)
        assert not any(o.output_type == "error" for o in cell.outputs), f"cell {i} failed: {text[-1200:]}"
        assert FALLBACK_TEXT not in text, f"cell {i} fell back to the course's code: {text[-800:]}"


FALLBACK_TEXT = "Using the course's"  # what aml_gan.fallback.yours_or_reference prints when it falls back


def style_batches(corpus: NotebookCorpus) -> List[Dict[str, str]]:
    """Dicts {answer grade_id: source} that hand in every correct entry of ``corpus`` once (first fit).

    Entries answering several cells (a generator, a discriminator and a step) are placed first and
    stay together; a cell source that an earlier entry already brings is not handed in twice."""
    units: List[Dict[str, str]] = []
    seen: set = set()
    entries = [s for s in corpus.submissions if s.correct and set(s.cells) <= set(corpus.exercises)]
    for sub in sorted(entries, key=lambda s: -len(s.cells)):
        cells = {a: src for a, src in sub.cells.items() if len(sub.cells) > 1 or (a, src) not in seen}
        seen.update(cells.items())
        if cells:
            units.append(cells)
    batches: List[Dict[str, str]] = []
    for cells in units:
        home = next((b for b in batches if not set(b) & set(cells)), None)
        if home is None:
            home = {}
            batches.append(home)
        home.update(cells)
    return batches


def _scoped_names(source: str):
    """(global names the code reads, in it or in its functions and comprehensions; names it binds at its top)."""
    import symtable

    top = symtable.symtable(source, "<cell>", "exec")
    reads, binds, tables = set(), set(), [top]
    while tables:
        table = tables.pop()
        tables += table.get_children()
        for sym in table.get_symbols():
            if sym.is_referenced() and (table is top or sym.is_global()):
                reads.add(sym.get_name())
            if table is top and (sym.is_assigned() or sym.is_imported() or sym.is_namespace()):
                binds.add(sym.get_name())
    return reads, binds


def cell_statements(source: str, defined: frozenset = frozenset()):
    """[(names a top-level statement reads, names it binds or changes, whether it is a definition)] of a
    cell, or None when it does not parse (a definition: def, class or import).

    "Changes" is what a statement may alter in place: the object under an assignment to an item or an
    attribute (``recipes["x"] = ...``) and the receiver of a method call made as a statement
    (``runs.append(...)``), unless ``defined`` names it: a module, function or class the notebook
    imports or defines (``plt.show()`` changes nothing the later cells read)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None

    def base(node):  # the name under x.a[i].b (None under a call's result)
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    out = []
    for stmt in tree.body:
        reads, binds = _scoped_names(ast.unparse(stmt))
        definition = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
        for node in () if definition else ast.walk(stmt):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in getattr(node, "targets", None) or [node.target]:
                    binds.add(base(target))
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            binds.add(base(call.func.value))
            binds -= set(defined)
        out.append((reads, binds - {None}, definition))
    return out


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

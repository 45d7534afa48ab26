"""Realistic student submissions, graded by the notebooks' own test cells (see tests/corpus/).

Every entry of the corpus goes through its exercise's test cells, hidden tests included,
in a live kernel holding the solution notebook, and each cell is scored with nbgrader's
own rule (0 when it raised or wrote to stderr). Correct work must earn every point, each
mistake must lose its cells' points with a message that names it, and no cell may say
"all checks passed" while losing points.
"""
from __future__ import annotations

import pytest

from corpus.runner import LiveNotebook, load_corpus, verdict

CORPUS = load_corpus()
CASES = [(a, s.name) for a in sorted(CORPUS) for s in CORPUS[a].submissions]


@pytest.fixture(scope="module")
def live():
    """One kernel per notebook, opened when first needed (the cases come sorted by notebook)."""
    current = {}

    def get(assignment: str) -> LiveNotebook:
        if assignment not in current:
            for old in current.values():
                old.__exit__(None, None, None)
            current.clear()
            current[assignment] = LiveNotebook(assignment).__enter__()
        return current[assignment]

    yield get
    for nb in current.values():
        nb.__exit__(None, None, None)


@pytest.mark.corpus
@pytest.mark.parametrize("assignment, name", CASES, ids=[f"{a}-{n}" for a, n in CASES])
def test_submission_is_graded_fairly(assignment, name, live):
    corpus = CORPUS[assignment]
    sub = next(s for s in corpus.submissions if s.name == name)
    grades = live(assignment).grade(sub, corpus.tests_for(sub))
    assert grades, f"{name} names no test cell to grade it"
    problems = verdict(sub, grades)
    assert not problems, "\n".join(problems)


def test_every_graded_exercise_has_a_corpus():
    """At least three correct styles other than the solution's and five realistic mistakes per exercise,
    and every answer cell of every notebook is in its corpus."""
    from conftest import SOLUTIONS, assignments, nbgrader_meta, read_notebook

    short = []
    for assignment in assignments():
        nb = read_notebook(SOLUTIONS / assignment / f"{assignment}.ipynb")
        answers = [nbgrader_meta(c)["grade_id"] for c in nb.cells
                   if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
        corpus = CORPUS.get(assignment)
        for answer in answers:
            entries = [s for s in (corpus.submissions if corpus else []) if answer in s.cells]
            solution = next(c.source for c in nb.cells if nbgrader_meta(c).get("grade_id") == answer)
            styles = {s.cells[answer].strip() for s in entries if s.correct} - {solution.strip()}
            mistakes = [s for s in entries if not s.correct]
            if len(styles) < 3 or len(mistakes) < 5:
                short.append(f"{assignment}/{answer}: {len(styles)} other correct styles, {len(mistakes)} mistakes")
            if corpus is not None and answer not in corpus.exercises:
                short.append(f"{assignment}/{answer}: not in EXERCISES (its test cells are unknown)")
    assert not short, "\n".join(short)


def test_mistakes_expect_registered_codes():
    """A mistake names what the check must find by its code (aml_gan/checks/codes.py), not by the
    message's wording; a phrase is kept only where the wording (or an error that no check reports)
    is the point, and ``corpus.WORDING`` says why."""
    from aml_gan.checks.codes import CODES
    from corpus import WORDING

    wrong = [f"{a}/{s.name}: {m!r}" for a in sorted(CORPUS) for s in CORPUS[a].submissions
             for m in s.mentions if m not in CODES and m not in WORDING]
    assert not wrong, "expected mentions that are neither registered codes nor kept phrases:\n" + "\n".join(wrong)


def test_verdict_reads_the_codes_each_report_recorded():
    """``codes`` and ``warnings`` compare with every report a graded cell recorded; a cell with none fails."""
    from corpus import correct, mistake
    from corpus.runner import CellGrade

    def cell(score, *records):
        return {"t": CellGrade("t", score, 2.0, "output", [dict(problems=[{"code": c} for c in p],
                                                                 warnings=[{"code": w} for w in ws]) for p, ws in records])}

    wrong = mistake("m", ("output",), codes=("a", "b"), t="")
    assert verdict(wrong, cell(0.0, (["a", "b"], []), (["a", "b"], []))) == []
    assert verdict(wrong, cell(0.0, (["a", "b"], []), (["b"], []))), "a hidden test's report with other codes"
    assert verdict(wrong, cell(0.0)), "no report recorded"
    warned = correct("c", warnings=("w",), t="")
    assert verdict(warned, cell(2.0, ([], ["w"]))) == []
    assert verdict(warned, cell(2.0, ([], [])))
    assert verdict(correct("c", t=""), cell(2.0)) == []

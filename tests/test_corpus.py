"""Realistic student submissions, graded by the notebooks' own test cells (see tests/corpus/).

Every entry of the corpus goes through its exercise's test cells, hidden tests included,
in a live kernel holding the solution notebook, and each cell is scored with nbgrader's
own rule (0 when it raised or wrote to stderr). Correct work must earn every point, each
mistake must lose its cells' points with a message that names it, and no cell may say
"all checks passed" while losing points. In the notebooks whose later cells use the student's
answers, every correct entry must also run the rest of the notebook (the ``STYLES`` case).
"""
from __future__ import annotations

import pytest

from corpus.runner import LiveNotebook, load_corpus, style_batches, verdict

CORPUS = load_corpus()
# Notebooks whose later cells use the student's answers: 04 trains the student's networks with the
# student's step, 05 builds its DCGAN from the student's blocks, 06 reads every Gaussian with the
# student's implied_gaussian, 07 plays the xy game with the student's updates and trains WGAN-GP with
# the student's critic loss and penalty.
BUILDS_ON_ANSWERS = ["04_sequence_gan", "05_dcgan_pets", "06_gaussian_estimator", "07_pitfalls"]
FORGET = {"05_dcgan_pets": ("CHECKPOINT_DIR",)}  # a fresh training run, no resume
STYLES = "every_accepted_style_runs_the_notebook"  # the case that runs the rest of the notebook with the styles
# Each notebook's cases in a row, its style run first (in the notebook's fresh kernel), as they share its kernel.
CASES = [(a, n) for a in sorted(CORPUS)
         for n in [STYLES] * (a in BUILDS_ON_ANSWERS) + [s.name for s in CORPUS[a].submissions]]


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
    if name == STYLES:
        return every_accepted_style_runs_the_notebook(assignment, live(assignment))
    corpus = CORPUS[assignment]
    sub = next(s for s in corpus.submissions if s.name == name)
    grades = live(assignment).grade(sub, corpus.tests_for(sub))
    assert grades, f"{name} names no test cell to grade it"
    problems = verdict(sub, grades)
    assert not problems, "\n".join(problems)


def every_accepted_style_runs_the_notebook(assignment: str, nb: LiveNotebook) -> None:
    """Every correct style must also run the rest of its notebook (issue 26), Outcome asserts included.

    A style that passes its check but breaks a later cell (a block written as its own ``nn.Module``
    class that a cell indexes like an ``nn.Sequential``, noise drawn as ``(B, nz, 1, 1)``, an old-style
    ``weight_norm`` that ``copy.deepcopy`` refuses) would give full marks to a notebook that does not
    work. In the live kernel (fast mode, as nbgrader runs it), batches of styles are handed in, every
    correct entry once; after each, every later cell that uses them runs (``run_later_cells``), the
    notebook's Outcome cell included, and none may fail or fall back to the course's code. This runs
    before the notebook's submissions are graded, then puts the solution's answers back."""
    batches = style_batches(CORPUS[assignment])
    correct = {s.name: s.cells for s in CORPUS[assignment].submissions if s.correct}
    assert len(correct) >= 3 and all(any(set(c.items()) <= set(b.items()) for b in batches) for c in correct.values())
    failures = []
    try:
        for k, answers in enumerate(batches):
            try:
                nb.run_later_cells(answers, forget=FORGET.get(assignment, ()))
            except AssertionError as err:
                styles = [n for n, cells in correct.items() if set(cells.items()) <= set(answers.items())]
                failures.append(f"batch {k} ({', '.join(styles)}): {err}")
    finally:
        nb.restore_answers()
    assert not failures, "\n\n".join(failures)


def test_later_cells_are_found_by_the_names_they_read():
    """What ``run_later_cells`` decides from: a statement's global reads and what it binds or changes."""
    from corpus.runner import cell_statements

    source = (
        "def step(gen, noise):\n    x = gen(noise)\n    return [y for y in x]\n"  # parameters and locals are not reads
        "results = run(step, recipes)\n"
        "recipes['new'] = make(results)\n"  # an item assignment changes recipes
        "runs.append(results)\n"  # so does a method called as a statement
        "plt.show()\n"  # unless the receiver is a module the notebook imports
        "%matplotlib inline\n"
    )
    statements = cell_statements(source, frozenset({"plt"}))
    assert [(sorted(r), sorted(b), d) for r, b, d in statements] == [
        ([], ["step"], True),
        (["recipes", "run", "step"], ["results"], False),
        (["make", "recipes", "results"], ["recipes"], False),
        (["results", "runs"], ["runs"], False),
        (["plt"], [], False),
        (["get_ipython"], [], False),
    ]
    assert cell_statements("def broken(:\n") is None


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

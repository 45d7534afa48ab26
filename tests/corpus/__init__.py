"""A corpus of realistic student submissions, graded the way nbgrader grades them.

Each entry is the full source of one answer cell as a student would hand it in: correct
answers in styles other than the solution's, and the mistakes students and real code
make (ported from public help threads and issue trackers where ``origin`` says so).
``tests/test_corpus.py`` puts every entry through the notebook's own test cells, hidden
tests included, and scores each cell with nbgrader's own rule; a sample goes through real
``nbgrader autograde`` and ``generate_feedback``. What it asserts:

- a correct entry earns every point of its exercise's test cells;
- a mistake loses the points of the cells in ``fails`` (default: all of its exercise's
  test cells) and the failing output names it: every code in ``mentions`` is shown as a
  problem or warning code (``aml_gan/checks/codes.py``), and a phrase of ``WORDING`` appears;
- where an entry gives ``codes`` (a mistake) or ``warnings``, every report its cells record
  (``display(report)``, and a hidden test's report when it raises) has exactly those problem
  codes, in that order, or exactly those warning codes; ``None`` (the default) leaves them unchecked;
- no cell shows "all checks passed" and scores less than its points;
- no feedback shows a line of a hidden test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

_RAISED_HINT = "the code is `raised`; the hint that names this error's fix (errors.py) is the diagnosis"
_LOSS_TEXT = "the code is wrong_*_loss; which mistake the loss has is said in loss_text.py's wording"
_TWO_SAMPLE_HINT = "the two_sample check's hint names this cause; the code says only what the accuracy did"

#: the phrases a mistake may expect besides codes, each where the wording the student reads is the
#: point of the case (a code says the rest): phrase -> why it is kept
WORDING: Dict[str, str] = {
    "NameError": "no check runs: the answer cell defines nothing, and the test cell's own error is what shows",
    "not shuffled": _TWO_SAMPLE_HINT + " (and the two cells fail with different codes)",
    "argmax": _TWO_SAMPLE_HINT + " (and the two cells fail with different codes)",
    "broadcast": _TWO_SAMPLE_HINT,
    "/ 2": _TWO_SAMPLE_HINT,
    "BCEWithLogitsLoss": _RAISED_HINT,
    "nn.BCELoss()(": _RAISED_HINT,
    "clamp(min=": _RAISED_HINT,
    "real_batch": _RAISED_HINT,
    "append": _RAISED_HINT,
    "Paint the fakes again": _RAISED_HINT,
    "disc_optim.step()": _RAISED_HINT,
    "in_features": _RAISED_HINT,
    "in_features=5": _RAISED_HINT,
    "any batch size": _RAISED_HINT,
    "without `.item()`": _RAISED_HINT,
    "wrong sign": _LOSS_TEXT,
    "labels swapped": _LOSS_TEXT,
    "-log D(G(z))": _LOSS_TEXT,
    "weighs the real and the fake term differently": _LOSS_TEXT,
    "constant added": _LOSS_TEXT,
    "get caught": _LOSS_TEXT,
    "target 1": _LOSS_TEXT,
    "no log": _LOSS_TEXT,
}


@dataclass(frozen=True)
class Submission:
    """One student's answer to one exercise (one answer cell, or several for one exercise)."""

    name: str  # short, unique within the notebook
    cells: Dict[str, str]  # grade_id of an answer cell -> the student's full cell source
    correct: bool
    mentions: Tuple[str, ...] = ()  # mistakes: codes the failing output must show (and phrases of WORDING)
    fails: Tuple[str, ...] = ()  # mistakes: grade_ids of the test cells that must score 0 (default: all)
    origin: str = ""  # where the pattern was seen (a public thread's URL), or "" for the course's own
    codes: Optional[Tuple[str, ...]] = None  # mistakes: the exact problem codes of every recorded report
    warnings: Optional[Tuple[str, ...]] = None  # the exact warning codes of every recorded report


def _opt(codes: Optional[Sequence[str]]) -> Optional[Tuple[str, ...]]:
    return None if codes is None else tuple(codes)


def correct(name: str, origin: str = "", warnings: Optional[Sequence[str]] = None, **cells: str) -> Submission:
    return Submission(name, dict(cells), True, origin=origin, warnings=_opt(warnings))


def mistake(name: str, mentions: Sequence[str], origin: str = "", fails: Sequence[str] = (),
            codes: Optional[Sequence[str]] = None, warnings: Optional[Sequence[str]] = None, **cells: str) -> Submission:
    return Submission(name, dict(cells), False, tuple(mentions), tuple(fails), origin, _opt(codes), _opt(warnings))


def entry(submissions: Sequence[Submission], name: str) -> Submission:
    """The entry called ``name`` (for the checks' own tests, which load student code from here)."""
    found = [s for s in submissions if s.name == name]
    assert len(found) == 1, f"no corpus entry {name!r}" if not found else f"{name!r} is there twice"
    return found[0]


def answer(sub: Submission, cell: str, **namespace):
    """Run the entry's answer cell ``cell`` in ``namespace`` (what the notebook defined before it) and
    return what it defines under the cell's name (``train_step``, ``critic_loss``, ...)."""
    exec(compile(sub.cells[cell], f"<{sub.name}>", "exec"), namespace)
    return namespace[cell]

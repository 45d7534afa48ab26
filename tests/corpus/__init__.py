"""A corpus of realistic student submissions, graded the way nbgrader grades them.

Each entry is the full source of one answer cell as a student would hand it in: correct
answers in styles other than the solution's, and the mistakes students and real code
make (ported from public help threads and issue trackers where ``origin`` says so).
``tests/test_corpus.py`` puts every entry through the notebook's own test cells, hidden
tests included, and scores each cell with nbgrader's own rule; a sample goes through real
``nbgrader autograde`` and ``generate_feedback``. What it asserts:

- a correct entry earns every point of its exercise's test cells;
- a mistake loses the points of the cells in ``fails`` (default: all of its exercise's
  test cells) and the failing output names it (every string in ``mentions`` appears);
- no cell shows "all checks passed" and scores less than its points;
- no feedback shows a line of a hidden test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple


@dataclass(frozen=True)
class Submission:
    """One student's answer to one exercise (one answer cell, or several for one exercise)."""

    name: str  # short, unique within the notebook
    cells: Dict[str, str]  # grade_id of an answer cell -> the student's full cell source
    correct: bool
    mentions: Tuple[str, ...] = ()  # mistakes: problem codes / phrases the failing output must contain
    fails: Tuple[str, ...] = ()  # mistakes: grade_ids of the test cells that must score 0 (default: all)
    origin: str = ""  # where the pattern was seen (a public thread's URL), or "" for the course's own


def correct(name: str, origin: str = "", **cells: str) -> Submission:
    return Submission(name, dict(cells), True, origin=origin)


def mistake(name: str, mentions: Sequence[str], origin: str = "", fails: Sequence[str] = (), **cells: str) -> Submission:
    return Submission(name, dict(cells), False, tuple(mentions), tuple(fails), origin)

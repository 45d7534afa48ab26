"""The report's numbers for one assignment, as plain JSON-ready data (what ``<assignment>.json`` holds).

Shares are of the graded students (those with an autograded notebook and a score). A test cell
is "untouched" for a student when every answer cell it calls is still the release's code, and
"raised" when its output holds an error. A problem code counts once per student and test cell,
from the checks' records (visible cell and hidden tests together); a cell that raised with no
record at all (the student's function was never defined, say) is counted under ``(ExceptionName)``.
"""
from __future__ import annotations

import datetime
from typing import Dict, List, Optional

from .reading import Assignment
from .similarity import MIN_COMMON, THRESHOLD, references, similar_pairs

__all__ = ["summarise"]


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _untouched(assignment: Assignment, student, answer_ids: List[str]) -> bool:
    release = {c.grade_id: c.source for c in assignment.answers}
    return bool(answer_ids) and all(student.answers.get(a, release[a]).strip() == release[a].strip() for a in answer_ids)


def _mistakes(assignment: Assignment, test_id: str, total: int) -> List[dict]:
    groups: Dict[tuple, dict] = {}
    for student in assignment.graded:
        records = student.records.get(test_id, [])
        seen = set()
        for record in records:
            for kind in ("problems", "warnings"):
                for item in record.get(kind, []):
                    key = (kind[:-1], item.get("code", "?"))
                    group = groups.setdefault(key, {"kind": key[0], "code": key[1], "message": item.get("message", ""),
                                                    "students": []})
                    if key not in seen:
                        seen.add(key)
                        group["students"].append(student.name)
        has_problem = any(k[0] == "problem" for k in seen)
        if test_id in student.raised and not has_problem:
            ename = student.raised[test_id]
            key = ("problem", f"({ename})")
            group = groups.setdefault(key, {"kind": "problem", "code": key[1], "students": [],
                                            "message": f"the cell raised {ename} before a check could report "
                                                       "(for example the answer's function is not defined)"})
            group["students"].append(student.name)
    out = sorted(groups.values(), key=lambda g: (g["kind"] != "problem", -len(g["students"]), g["code"]))
    for g in out:
        g["count"] = len(g["students"])
        g["share"] = _share(g["count"], total)
    return out


def summarise(assignment: Assignment, threshold: float = THRESHOLD) -> dict:
    """Every number of the report, in the order the HTML shows them."""
    graded = assignment.graded
    n = len(graded)
    scores = {s.name: s.score for s in graded}
    cells = []
    for test in assignment.tests:
        got = [s.scores.get(test.grade_id, 0.0) for s in graded]
        cells.append({
            "grade_id": test.grade_id, "points": test.points, "answers": test.answers,
            "mean": round(sum(got) / n, 3) if n else None,
            "full_marks": _share(sum(g >= test.points for g in got), n),
            "untouched": _share(sum(_untouched(assignment, s, test.answers) for s in graded), n),
            "raised": _share(sum(test.grade_id in s.raised for s in graded), n),
            "mistakes": _mistakes(assignment, test.grade_id, n),
        })
    refs = references()
    similar, closest = [], []
    for answer in assignment.answers:
        pairs = similar_pairs(answer.grade_id, answer.source, {s.name: s.answers[answer.grade_id] for s in graded
                                                              if answer.grade_id in s.answers},
                              refs.get(answer.grade_id, []))
        similar += [p for p in pairs if p.flagged(threshold)]
        below = [p for p in pairs if not p.flagged(threshold)]
        if below and below[0].similarity > 0:
            closest.append(below[0])
    ungraded = [{"student": s.name, "reason": s.reason} for s in assignment.students if s.score is None]
    flagged = [{"student": s.name, "flags": s.flags} for s in assignment.students if s.flags]
    mean: Optional[float] = round(sum(scores.values()) / n, 3) if n else None
    return {
        "assignment": assignment.name,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "submissions": len(assignment.students), "graded": n, "max_score": assignment.max_score,
        "mean_score": mean, "scores": scores, "cells": cells,
        "ungraded": ungraded, "flagged": flagged,
        "similarity": {"threshold": threshold, "min_common_length": MIN_COMMON,
                       "method": "copydetect (winnowing), release scaffold as boilerplate",
                       "pairs": [p.to_json() for p in similar],
                       "closest_not_flagged": [p.to_json() for p in sorted(closest, key=lambda p: -p.similarity)]},
        "_pairs": similar,  # for the HTML (spans to highlight); left out of the JSON
    }

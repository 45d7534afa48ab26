"""Similar work: answer cells near-identical between students, or to the package's reference source.

The comparison is copydetect's (winnowing as in MOSS): each cell is tokenised with Pygments, names
become placeholders (so renaming variables does not hide a copy), and k-gram fingerprints are
compared; the fingerprints of the release's own cell (the ``def`` line, the docstring, the stub)
are boilerplate and never count. Two students' similarity is the smaller of the two shares that
the common fingerprints cover, so a short answer inside a long one is not a copy; a student and a
reference: the share of the reference found in the student's cell (pasting the package's answer
next to helpers of one's own is still a copy). Pairs whose common code is shorter than
``MIN_COMMON`` are never flagged. It only lists pairs for the instructor to read; it never changes a score.

``references()`` finds the course's answers, the functions and classes marked
``@reference("<exercise>")`` in ``aml_gan``, by reading the package's source (nothing is imported).
"""
from __future__ import annotations

import ast
import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

__all__ = ["Pair", "references", "similar_pairs", "THRESHOLD", "MIN_COMMON"]

THRESHOLD = 0.8   # flag a pair when at least this share of both cells is common code
MIN_COMMON = 40   # ... and the common code is at least this long (filtered characters, about a line):
                  # a one-line idiom (``return F.binary_cross_entropy(d_fake, torch.ones_like(d_fake))``)
                  # is written the same way by many students and says nothing
NOISE = 25        # copydetect's noise threshold: shared runs shorter than this (in filtered characters) never count
GUARANTEE = 25    # copydetect's guarantee threshold: shared runs this long are always found


@dataclass
class Pair:
    """Two answers to one cell and how much of both is common code (0..1)."""

    cell: str
    left: str           # a student
    right: str          # another student, or "aml_gan.losses.discriminator_loss" (a reference)
    similarity: float
    left_source: str
    right_source: str
    left_spans: List[Tuple[int, int]]   # character ranges of the common code in left_source
    right_spans: List[Tuple[int, int]]
    reference: bool = False
    common: int = 0     # length of the common code (filtered characters, as copydetect counts)

    def flagged(self, threshold: float = THRESHOLD) -> bool:
        return self.similarity >= threshold and self.common >= MIN_COMMON

    def to_json(self) -> dict:
        return {"cell": self.cell, "common_length": self.common, "students": [self.left] + ([] if self.reference else [self.right]),
                "reference": self.right if self.reference else None, "similarity": round(self.similarity, 3),
                "sources": [self.left_source, self.right_source]}


def references(package: Path = Path(__file__).resolve().parents[2]) -> Dict[str, List[Tuple[str, str]]]:
    """exercise -> [(dotted name, source)] for every ``@reference("exercise")`` definition in the package."""
    found: Dict[str, List[Tuple[str, str]]] = {}
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "@reference(" not in text:
            continue
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        lines = text.splitlines(keepends=True)
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", "")) == "reference"
                        and deco.args and isinstance(deco.args[0], ast.Constant)):
                    source = "".join(lines[node.lineno - 1:node.end_lineno])
                    found.setdefault(deco.args[0].value, []).append((f"{module}.{node.name}", source))
    return found


def _fingerprint(source: str, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("cell.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=boilerplate, fp=io.StringIO(source))


def _boilerplate(scaffold: str):
    import numpy as np
    from copydetect import CodeFingerprint

    # every k-gram of the release's cell (window 1), as copydetect's own boilerplate files are taken
    return np.unique(np.array(list(CodeFingerprint("cell.py", NOISE, 1, fp=io.StringIO(scaffold)).hashes)))


def _compare(cell: str, a: Tuple[str, str, object], b: Tuple[str, str, object], reference: bool) -> Pair:
    from copydetect import compare_files

    common, (sim_a, sim_b), (slices_a, slices_b) = compare_files(a[2], b[2])
    spans = [list(zip(map(int, s[0]), map(int, s[1]))) if len(s) and len(s[0]) else [] for s in (slices_a, slices_b)]
    similarity = float(sim_b if reference else min(sim_a, sim_b))
    return Pair(cell, a[0], b[0], similarity, a[1], b[1], spans[0], spans[1], reference, int(common))


def similar_pairs(cell: str, scaffold: str, answers: Dict[str, str],
                  reference_sources: Iterable[Tuple[str, str]] = ()) -> List[Pair]:
    """Every pair of students (and student-reference pair) for one answer cell, most similar first.

    ``answers``: student -> the cell's source; cells equal to the scaffold are left out.
    """
    boiler = _boilerplate(scaffold)
    prints = [(s, src, _fingerprint(src, boiler)) for s, src in sorted(answers.items())
              if src.strip() != scaffold.strip()]
    prints = [p for p in prints if p[2].hashes]  # nothing of one's own left: nothing to compare
    refs = [(name, src, _fingerprint(src, boiler)) for name, src in reference_sources]
    pairs = [_compare(cell, a, b, False) for a, b in itertools.combinations(prints, 2)]
    pairs += [_compare(cell, a, r, True) for a in prints for r in refs if r[2].hashes]
    return sorted(pairs, key=lambda p: -p.similarity)

"""Mangled submissions: what JupyterLab, Colab, VS Code, browsers and students do to a notebook.

Each case edits the student's intact notebook (nbformat JSON as a dict, nbformat 4.5) and names
the file it is handed in as and what the repair must say (a phrase
of one of its lines, or None when there is nothing to repair). Built in memory; used by
tests/test_repair.py and by the one-off "before" measurement (plain nbgrader on main).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from conftest import RELEASE, SOLUTIONS

ASSIGNMENT = "02_losses"
FILE = f"{ASSIGNMENT}.ipynb"
WRONG_D = '''def discriminator_loss(d_real, d_fake):
    eps = 1e-7
    return (torch.log(d_real.clamp(min=eps)) + torch.log((1 - d_fake).clamp(min=eps))).mean()
'''
HELPER = "def _safe_log(p, eps=1e-7):\n    return torch.log(p.clamp(min=eps))\n"
HELPED_G = "def generator_loss(d_fake):\n    return -_safe_log(d_fake).mean()\n"


def gid(cell: dict) -> Optional[str]:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def index(nb: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if gid(c) == grade_id)


def answers(assignment: str = ASSIGNMENT) -> Dict[str, str]:
    """The solution's answer cells, as a student would hand them in (no solution markers)."""
    nb = json.loads((SOLUTIONS / assignment / f"{assignment}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            text = "".join(cell["source"])
            out[meta["grade_id"]] = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", text)
    return out


def release(assignment: str = ASSIGNMENT) -> bytes:
    return (RELEASE / assignment / f"{assignment}.ipynb").read_bytes()


def intact(assignment: str = ASSIGNMENT, **override: str) -> dict:
    """The release with the solution's answers filled in (and any answer in ``override``)."""
    nb = json.loads(release(assignment))
    filled = {**answers(assignment), **override}
    for cell in nb["cells"]:
        if gid(cell) in filled:
            cell["source"] = filled[gid(cell)]
    return nb


def dump(nb: dict) -> bytes:
    return json.dumps(nb, indent=1, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- the cases
@dataclass
class Case:
    """One mangling: ``edit`` changes the notebook (a dict), ``file`` is the name it is handed in as."""

    edit: Optional[Callable[[dict], dict]] = None
    file: str = FILE
    extra: Dict[str, bytes] = field(default_factory=dict)
    says: Optional[str] = None          # a phrase of a repair line; None: nothing to repair


def hand_in(nb: dict, *cases: Case) -> Dict[str, bytes]:
    """The submitted folder for ``nb`` with every case applied in turn."""
    name, extra = FILE, {}
    for case in cases:
        nb = case.edit(copy.deepcopy(nb)) if case.edit else nb
        name = case.file if case.file != FILE else name
        extra.update(case.extra)
    return {name: dump(nb), **extra}


def _duplicate(grade_id: str, work_in_copy: bool = False):
    def edit(nb):
        i = index(nb, grade_id)
        twin = copy.deepcopy(nb["cells"][i])
        twin["id"] = "copied-cell"                        # JupyterLab gives a pasted cell a new id
        if work_in_copy:                                  # the original left as the stub, work in the copy
            nb["cells"][i]["source"] = _release_source(grade_id)
        nb["cells"].insert(i + 1, twin)
        return nb
    return edit


def _release_source(grade_id: str) -> str:
    nb = json.loads(release())
    return "".join(nb["cells"][index(nb, grade_id)]["source"])


def _delete(*grade_ids: str):
    def edit(nb):
        nb["cells"] = [c for c in nb["cells"] if gid(c) not in grade_ids]
        return nb
    return edit


def _retype(grade_id: str, cell_type: str):
    def edit(nb):
        cell = nb["cells"][index(nb, grade_id)]
        cell["cell_type"] = cell_type
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        cell["metadata"]["nbgrader"]["cell_type"] = cell_type  # as JupyterLab's cell-type switch leaves it
        return nb
    return edit


def _edit_meta(which: str, **changes):
    def edit(nb):
        nb["cells"][index(nb, which)]["metadata"]["nbgrader"].update(changes)
        return nb
    return edit


def _swap_with_test(grade_id: str):
    def edit(nb):
        i, j = index(nb, grade_id), index(nb, "test_" + grade_id)
        nb["cells"][i], nb["cells"][j] = nb["cells"][j], nb["cells"][i]   # the test above the answer
        return nb
    return edit


def _stripped(nb):
    for cell in nb["cells"]:
        cell["metadata"] = {}
    return nb


def _ids(nb):
    del nb["cells"][3]["id"]
    nb["cells"][index(nb, "test_margin_losses")]["id"] = nb["cells"][index(nb, "margin_losses")]["id"]
    return nb


def _v44(nb):
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    return nb


def _colab(nb):
    """Colab's own file: nbformat 4.0, no cell ids, its ids in metadata, nbgrader metadata gone."""
    nb["nbformat_minor"] = 0
    nb["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for k, cell in enumerate(nb["cells"]):
        del cell["id"]
        cell["metadata"] = {"id": f"Xq{k:04d}colab"}
    return nb


def _helper(nb):
    i = index(nb, "generator_loss")
    nb["cells"][i]["source"] = HELPED_G
    nb["cells"].insert(i, {"cell_type": "code", "id": "my-helper", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": HELPER})
    return nb


def _huge_output(nb, megabytes: int = 5):
    i = index(nb, "test_generator_loss") + 2            # the plain cell that plots the student's loss
    assert nb["cells"][i]["cell_type"] == "code" and not gid(nb["cells"][i])
    nb["cells"][i].setdefault("outputs", []).append(
        {"output_type": "stream", "name": "stdout", "text": "fake!\n" * (megabytes * 2**20 // 6)})
    return nb


CASES: Dict[str, Case] = {
    "renamed by Colab (Copy of X)": Case(file=f"Copy of {FILE}", says=f"notebook found as 'Copy of {FILE}'"),
    "renamed by a download (X (1))": Case(file=f"{ASSIGNMENT} (1).ipynb", says=f"notebook found as '{ASSIGNMENT} (1).ipynb'"),
    "renamed: the only notebook": Case(file="my_gan_losses.ipynb", extra={"notes.txt": b"my notes\n"},
                                       says="notebook found as 'my_gan_losses.ipynb'"),
    "duplicated answer cell": Case(_duplicate("generator_loss"), says="duplicate generator_loss removed"),
    "duplicated test cell": Case(_duplicate("test_discriminator_loss"), says="duplicate test_discriminator_loss removed"),
    "duplicate with the work in the copy": Case(_duplicate("margin_losses", work_in_copy=True),
                                                says="duplicate margin_losses removed"),
    "deleted answer cell": Case(_delete("generator_loss"), says="deleted answer generator_loss restored as the release stub"),
    "deleted test cells": Case(_delete("test_generator_loss", "test_margin_losses"),
                               says="deleted test test_margin_losses restored"),
    "answer retyped to markdown": Case(_retype("generator_loss", "markdown"),
                                       says="answer generator_loss was a markdown cell: turned back into code"),
    "answer retyped to raw": Case(_retype("margin_losses", "raw"),
                                  says="answer margin_losses was a raw cell: turned back into code"),
    "changed grade_id": Case(_edit_meta("test_generator_loss", grade_id="test_generator_loss_mine"),
                             says="nbgrader metadata of test test_generator_loss restored (its grade_id was"),
    "answer marked as a test with points": Case(_edit_meta("generator_loss", grade=True, points=5),
                                                says="nbgrader metadata of answer generator_loss restored (it was "
                                                     "marked as a graded test cell with 5 points)"),
    "cells reordered": Case(_swap_with_test("margin_losses"), says="graded cells put back in the release's order"),
    "metadata stripped from every cell": Case(_stripped, says="nbgrader metadata restored on 7 graded cells that had lost it"),
    "missing and duplicated cell ids": Case(_ids, says="1 duplicated cell id renamed"),
    "nbformat 4.4 without ids": Case(_v44),
    "Colab file: 4.0, no ids, no nbgrader metadata": Case(_colab, file=f"Copy of {FILE}",
                                                          says="nbgrader metadata restored on 7 graded cells"),
    "added cell with a helper the answer uses": Case(_helper),
    "5 MB of stored output": Case(_huge_output, says="outputs of cell #"),
}

# The end-to-end class: independent manglings together in a notebook (applied in this order), so that
# one short autograde run covers them all.
CLASS: Dict[str, List[str]] = {
    "colab": ["added cell with a helper the answer uses", "duplicated answer cell", "cells reordered",
              "metadata stripped from every cell", "Colab file: 4.0, no ids, no nbgrader metadata"],
    "copyof": ["renamed by Colab (Copy of X)", "duplicated test cell", "answer retyped to markdown", "5 MB of stored output"],
    "download": ["renamed by a download (X (1))", "answer retyped to raw", "changed grade_id",
                 "answer marked as a test with points"],
    "onlynb": ["renamed: the only notebook", "duplicate with the work in the copy", "missing and duplicated cell ids"],
    "deleted": ["deleted answer cell", "deleted test cells", "nbformat 4.4 without ids"],
}

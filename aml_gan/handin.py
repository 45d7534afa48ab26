"""Will my notebook be graded? The check students run before they hand in.

In the notebook's last cell (JupyterLab, Colab, VS Code)::

    from aml_gan.handin import check_handin
    check_handin()                      # add run=True to run a copy of the notebook too

or in a terminal: ``python -m aml_gan.handin 02_losses.ipynb [--run]``.

It compares the notebook with the graded cells of its release (``handin_manifest.py``, built
from notebooks/ by ``make release``; no nbgrader and no course folder needed) and names, cell
by cell, what would lose points or trouble the grader: graded cells missing, duplicated,
turned into markdown or raw, out of order or stripped of their grading tags; answers still
the release's stub; cells whose saved output is an error. It reads the saved file (JupyterLab
and VS Code: save first) or, in Colab, the notebook as it is in the browser. In seconds: it
runs nothing unless ``run=True`` (``--run``), which executes a copy in fast mode with nbclient
(as long as "Run All" takes) and names the cells that raise.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

__all__ = ["Problem", "Report", "check_handin", "report", "main"]


@dataclass
class Problem:
    """One thing to fix: the cell (grade_id or "cell N"), what is wrong, and what to do."""

    cell: str
    what: str
    fix: str
    loses_points: bool = True


@dataclass
class Report:
    """What the check found in one notebook."""

    notebook: str
    assignment: str
    problems: List[Problem] = field(default_factory=list)
    answered: int = 0
    answers: int = 0
    ran: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing found costs points (notes on outputs or tags may remain)."""
        return not any(p.loses_points for p in self.problems)

    def __str__(self) -> str:
        head = f"{self.notebook} ({self.assignment}): {self.answered} of {self.answers} answers written"
        if not self.problems:
            return head + (", every cell ran" if self.ran else "") + ". It will be graded as it is: hand it in."
        verdict = "it will be graded, but check" if self.ok else "to fix before you hand it in"
        lines = [head + f"; {len(self.problems)} thing{'s' * (len(self.problems) != 1)} {verdict}:"]
        for p in self.problems:
            lines.append(f"  - [{p.cell}] {p.what}\n      Fix: {p.fix}")
        return "\n".join(lines)


def check_handin(notebook: Optional[str] = None, assignment: Optional[str] = None, run: bool = False) -> None:
    """Print whether the notebook will be graded, and what to fix. With no ``notebook``: the one
    this kernel runs (Colab: as shown in the browser; JupyterLab and VS Code: as last saved)."""
    print(report(notebook, assignment, run=run))


def report(notebook: Optional[str] = None, assignment: Optional[str] = None, run: bool = False) -> Report:
    """The check's findings (what ``check_handin`` prints)."""
    from .handin_manifest import MANIFEST

    name, data = _locate(notebook)
    assignment = assignment or _guess_assignment(name, data, MANIFEST)
    if assignment not in MANIFEST:
        raise ValueError(f"unknown assignment {assignment!r}: name one of {', '.join(sorted(MANIFEST))}, "
                         f"e.g. check_handin(assignment='02_losses')")
    return _check(name, data, assignment, MANIFEST[assignment], run=run)


# --------------------------------------------------------------------------- finding the notebook
def _locate(notebook: Optional[str]) -> Tuple[str, bytes]:
    """The notebook's file name and bytes: the path given, else the one this kernel runs."""
    if notebook is not None:
        path = Path(notebook)
        if not path.is_file():
            raise FileNotFoundError(f"no notebook {path}: give its path, e.g. check_handin('02_losses.ipynb')")
        return path.name, path.read_bytes()
    if "google.colab" in sys.modules:  # Colab keeps the notebook in the browser: ask the front end for it
        from google.colab import _message  # type: ignore

        nb = _message.blocking_request("get_ipynb", request="", timeout_sec=60)["ipynb"]
        return "this Colab notebook", json.dumps(nb).encode("utf-8")
    for candidate in _kernel_notebook_paths():
        if candidate.is_file():
            return candidate.name, candidate.read_bytes()
    here = sorted(p for p in Path.cwd().glob("*.ipynb"))
    if len(here) == 1:
        return here[0].name, here[0].read_bytes()
    raise FileNotFoundError("cannot tell which notebook this is: give its path, e.g. check_handin('02_losses.ipynb')")


def _kernel_notebook_paths() -> List[Path]:
    """Where the front end says this kernel's notebook is (VS Code, JupyterLab / Jupyter Server 2)."""
    names = []
    try:
        from IPython import get_ipython

        shell = get_ipython()
        ns = shell.user_ns if shell is not None else {}
        names += [ns.get("__vsc_ipynb_file__"), ns.get("__session__")]
    except ImportError:
        pass
    names.append(os.environ.get("JPY_SESSION_NAME"))
    paths = []
    for name in filter(None, names):
        path = Path(str(name))
        paths += [path, Path.cwd() / path.name] if path.is_absolute() else [Path.cwd() / path, Path.cwd() / path.name]
    return [p for p in paths if p.suffix == ".ipynb"]


def _guess_assignment(name: str, data: bytes, manifest: dict) -> str:
    from .grading.repair import _stem

    for assignment in manifest:
        if _stem(name) == _stem(manifest[assignment]["notebook"]):
            return assignment
    try:
        cells = json.loads(data.decode("utf-8-sig")).get("cells", [])
    except ValueError:
        cells = []
    ids = {(c.get("metadata") or {}).get("nbgrader", {}).get("grade_id") for c in cells if isinstance(c, dict)}
    texts = {line.strip() for c in cells if isinstance(c, dict) for line in "".join(c.get("source", "")).splitlines()}

    def overlap(a: str) -> tuple:
        heads = {"".join(c["source"]).strip().splitlines()[0].strip() for c in manifest[a]["cells"] if c["source"].strip()}
        return len(ids & {_gid(c) for c in manifest[a]["cells"]}), len(heads & texts)

    best = max(manifest, key=overlap)
    if any(overlap(best)):
        return best
    raise ValueError(f"cannot tell which assignment {name} is: name it, e.g. check_handin(assignment='02_losses')")


def _gid(cell: dict) -> str:
    return (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id", "")


# --------------------------------------------------------------------------- the check
_NOT_POINTS = {"outputs", "renamed", "metadata", "restored", "unknown_cell"}


def _problem(event, entry: dict, release_name: str, name: str, tags_lost: bool) -> Problem:
    """A repair the grader would make, said to the student, with what to do about it."""
    kind, cell = event.kind, event.cell
    cell_type = next((c["cell_type"] for c in entry["cells"] if _gid(c) == cell), "code")
    if kind == "deleted":
        answer = "answer" in event.text
        what = "the answer cell is missing" + (": deleted, or it lost its grading tags." if tags_lost else " (deleted?).")
        fix = ("copy the cell from a fresh copy of the released notebook, above its test, and put your answer in it "
               "(as it is, it scores 0)." if answer else
               "nothing is lost: the grader puts the test back; keep your answer above it.")
        return Problem(cell, what if answer else "the test cell is missing (deleted?).", fix, answer)
    said = {
        "renamed": (f"the file is named {name!r}.",
                    f"rename it {release_name} before you hand it in (it is found anyway)."),
        "duplicate": ("this graded cell is there more than once (a copied cell).",
                      "delete the extra copy; keep the one that holds your answer."),
        "retyped": (f"this cell must be a {cell_type} cell.",
                    f"select it and make it {cell_type} again (JupyterLab: Esc then {'Y' if cell_type == 'code' else 'M'}; "
                    f"Colab: Ctrl+M {'Y' if cell_type == 'code' else 'M'}; VS Code: the language picker of the cell)."),
        "metadata": ("these cells lost their grading tags (nbgrader metadata)." if "lost it" in event.text
                     else "the grading tags (nbgrader metadata) of this cell were changed.",
                     "your answers are graded anyway; to be safe, copy them into a fresh copy of the released "
                     "notebook (some editors drop or change the tags; JupyterLab and Colab keep them)."),
        "restored": ("this test cell was edited.", "the grader puts the original back: undo your edits, and try "
                                                   "things in a new cell."),
        "reordered": ("an answer cell is below its test (cells out of order).",
                      "move each answer cell back above its test cell."),
        "outputs": (event.text.split(" dropped")[0].replace("outputs of", "the saved output of") + " is "
                    + event.text.split("(")[-1].split(";")[0] + ".",
                    "outputs are not graded, but clear it (Edit > Clear Outputs) so the file stays small."),
        "unknown_cell": ("this cell carries grading tags of no exercise.", "the grader ignores them; nothing to do."),
    }
    what, fix = said.get(kind, (event.text + ".", "see above."))
    return Problem(cell or name, what, fix, kind not in _NOT_POINTS)


def _check(name: str, data: bytes, assignment: str, entry: dict, run: bool) -> Report:
    import nbformat

    from .grading.repair import repair_submission

    release_name = entry["notebook"]
    new = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell, "raw": nbformat.v4.new_raw_cell}
    shell = nbformat.v4.new_notebook(cells=[new[c["cell_type"]](c["source"], id=c["id"], metadata=c["metadata"])
                                            for c in entry["cells"]])
    repaired = repair_submission({name: data}, {release_name: nbformat.writes(shell).encode()}, assignment)
    result = Report(notebook=name, assignment=assignment)
    refused = [e for e in repaired.events if e.kind in ("not_a_notebook", "not_this_notebook")]
    if refused:
        result.problems.append(Problem(name, refused[0].text.replace("nothing, ", "").replace(": left as it is", "")
                                       .replace(release_name, name, 1) + ".",
                                       f"hand in the .ipynb file of {assignment} (JupyterLab: File > Download; "
                                       f"Colab: File > Download > Download .ipynb)."))
        return result
    tags_lost = any(e.kind == "metadata" and "lost it" in e.text for e in repaired.events)
    for event in repaired.events:
        if event.kind != "ids":
            result.problems.append(_problem(event, entry, release_name, name, tags_lost))
    graded = nbformat.reads(repaired.files.get(release_name, data).decode("utf-8"), as_version=4)
    _stubs(graded, entry, result, skip={e.cell for e in repaired.events if e.kind == "deleted"})
    if run:
        _run(graded, result)
    else:
        _saved_errors(nbformat.reads(data.decode("utf-8-sig"), as_version=4), result)  # as the student saved it
    result.problems = list({(p.cell, p.what): p for p in result.problems}.values())  # a copied cell's copied error
    return result


def _stubs(nb, entry: dict, result: Report, skip: set) -> None:
    from .grading.repair import _norm

    stubs = {_gid(c): "".join(c["source"]) for c in entry["cells"] if c["metadata"]["nbgrader"].get("solution")}
    result.answers = len(stubs)
    for cell in nb.cells:
        gid = _gid(cell)
        if gid not in stubs or gid in skip:
            continue
        if _norm(cell.source) == _norm(stubs[gid]) or not cell.source.strip():
            what = "YOUR ANSWER HERE" if cell.cell_type == "markdown" else "YOUR CODE HERE"
            result.problems.append(Problem(gid, f"still the release's stub ({what}): it scores 0.",
                                           "write your answer in this cell."))
        else:
            result.answered += 1


def _errors(nb) -> List[Tuple[int, str, str]]:
    out = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                out.append((index, _gid(cell), f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"[:200]))
    return out


def _saved_errors(nb, result: Report) -> None:
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and not any(c.get("execution_count") for c in code):
        result.problems.append(Problem(
            "notebook", "the saved notebook holds no outputs: it was not run since it was last opened.",
            "run every cell (Run > Run All Cells), check the results, save; or check_handin(run=True).", False))
    for index, gid, error in _errors(nb):
        result.problems.append(_raised(index, gid, error))


def _raised(index: int, gid: str, error: str) -> Problem:
    if gid.startswith("test_"):
        return Problem(gid, f"the test raised {error}", "read the message: it names the bug in your answer above it.")
    return Problem(gid or f"cell {index + 1}", f"raised {error}",
                   "fix it, then Run All again: every later cell may depend on it.")


def _run(nb, result: Report) -> None:
    """Execute a copy in fast mode (nbclient), as the grader will, and name the cells that raise."""
    import copy
    import tempfile

    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    saved = os.environ.get("AML_GAN_FAST")
    os.environ["AML_GAN_FAST"] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="aml-handin-") as tmp:
            NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": tmp}}).execute()
    finally:
        if saved is None:
            os.environ.pop("AML_GAN_FAST", None)
        else:
            os.environ["AML_GAN_FAST"] = saved
    result.ran = True
    for index, gid, error in _errors(nb):
        result.problems.append(_raised(index, gid, error))


# --------------------------------------------------------------------------- the manifest
def build_manifest(release_root: Path) -> Dict[str, dict]:
    """{assignment: {"notebook": file name, "cells": graded cells of the release}} from notebooks/."""
    import nbformat

    from .grading.repair import graded_cells

    manifest = {}
    for path in sorted(Path(release_root).glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
        if path.stem != path.parent.name:
            continue
        nb = nbformat.read(path, as_version=4)
        manifest[path.parent.name] = {
            "notebook": path.name,
            "cells": [{"id": nb.cells[i].get("id"), "cell_type": nb.cells[i].cell_type,
                       "metadata": dict(nb.cells[i].metadata), "source": nb.cells[i].source}
                      for i in graded_cells(nb)],
        }
    return json.loads(json.dumps(manifest))


def write_manifest(release_root: Path, target: Optional[Path] = None) -> Path:
    import pprint

    target = target or Path(__file__).with_name("handin_manifest.py")
    text = ('"""The graded cells of every released notebook, for ``aml_gan.handin`` (students have no release\n'
            'folder). GENERATED from notebooks/ by `make release` (python -m aml_gan.handin --write-manifest);\n'
            'do not edit."""\n\nMANIFEST = ' + pprint.pformat(build_manifest(release_root), width=110, sort_dicts=True) + "\n")
    target.write_text(text)
    return target


# --------------------------------------------------------------------------- command line
def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aml_gan.handin",
                                     description="Say whether a notebook will be graded, and what to fix first.")
    parser.add_argument("notebook", nargs="?", help="the notebook to check, e.g. 02_losses.ipynb")
    parser.add_argument("--assignment", help="its assignment (default: from its name or its cells)")
    parser.add_argument("--run", action="store_true", help="also run a copy in fast mode and name cells that raise")
    parser.add_argument("--write-manifest", metavar="RELEASE", nargs="?", const="notebooks",
                        help=argparse.SUPPRESS)  # for contributors: `make release` runs it
    args = parser.parse_args(argv)
    if args.write_manifest:
        print(f"wrote {write_manifest(Path(args.write_manifest))}")
        return 0
    if not args.notebook:
        parser.error("name the notebook, e.g. python -m aml_gan.handin 02_losses.ipynb")
    try:
        found = report(args.notebook, args.assignment, run=args.run)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(found)
    return 0 if found.ok else 1


if __name__ == "__main__":
    sys.exit(main())

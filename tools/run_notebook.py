"""Run one notebook top to bottom and write what happened as JSON (used by tools/gpu_check.py).

    python tools/run_notebook.py NOTEBOOK --workdir DIR --result result.json [--runner auto|nbclient|script]

The notebook runs in ``--workdir`` (its working directory: checkpoints and other files
it writes land there). Two ways to run it:

* **nbclient** (when ``nbclient`` and ``ipykernel`` are installed): a real Jupyter kernel,
  no server; the executed notebook is saved next to the result;
* **script**: the code cells run one after the other in this process, in one namespace,
  like a script. IPython magics (``%pip``, ``!ls``) are skipped, a cell's last expression
  is shown as a notebook would show it, and ``display`` is IPython's when IPython is
  installed, else a stand-in that prints. Figures use matplotlib's Agg backend and are
  closed after each cell.

The result says whether the notebook ran to its end, where it stopped, and how many
``assert`` statements its last section, "Outcome", holds (all passed when it ran to the end).
The magic-skipping is done here, line by line, rather than with IPython's input
transformers: those turn a magic into a call to a running IPython shell, which the
script runner deliberately does without.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

OUTCOME_HEADING = re.compile(r"^#+\s*Outcome\b", re.M)
ASSERT_LINE = re.compile(r"^\s*assert\b", re.M)
MAGIC_LINE = re.compile(r"^(\s*)([%!].*)$")


def read_cells(path: Path) -> List[Dict[str, Any]]:
    """The notebook's cells as plain dicts (``cell_type``, ``source`` as one string)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        cells.append({"cell_type": cell.get("cell_type"), "source": text})
    return cells


def outcome_start(cells: List[Dict[str, Any]]) -> Optional[int]:
    """Index of the markdown cell that opens the last "Outcome" section (None if there is none)."""
    found = None
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and OUTCOME_HEADING.search(cell["source"]):
            found = i
    return found


def count_outcome_asserts(cells: List[Dict[str, Any]]) -> int:
    start = outcome_start(cells)
    if start is None:
        return 0
    return sum(len(ASSERT_LINE.findall(c["source"])) for c in cells[start:] if c["cell_type"] == "code")


# ----------------------------------------------------------------------------- script runner
def strip_magics(source: str) -> str:
    """The cell's Python with IPython magics and shell escapes replaced by ``pass`` (indentation kept)."""
    if source.lstrip().startswith("%%"):
        return "pass  # cell magic skipped"
    lines = []
    for line in source.splitlines():
        match = MAGIC_LINE.match(line)
        lines.append(f"{match.group(1)}pass  # skipped: {match.group(2)}" if match else line)
    return "\n".join(lines)


def show_last_expression(source: str) -> str:
    """Rewrite a cell whose last statement is an expression so that its value is displayed,
    as a notebook shows it (not when the line ends with ``;``, as in IPython)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # let exec report it with the cell's own line numbers
    if not tree.body or not isinstance(tree.body[-1], ast.Expr) or source.rstrip().endswith(";"):
        return source
    last = tree.body[-1]
    lines = source.splitlines()
    expr = ast.get_source_segment(source, last.value)
    head = lines[: last.lineno - 1]
    tail = lines[last.end_lineno:]
    return "\n".join(head + [f"__cell_value__ = ({expr})",
                             "if __cell_value__ is not None:",
                             "    display(__cell_value__)"] + tail)


def _display_function(use_ipython: bool):
    if use_ipython:
        try:
            from IPython.display import display  # prints the text form outside a kernel
            return display
        except ImportError:
            pass

    def display(*objs, **kwargs):
        for obj in objs:
            print(repr(obj))

    return display


def _close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def run_script(cells: List[Dict[str, Any]], use_ipython: bool = True) -> Dict[str, Any]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: Dict[str, Any] = {"__name__": "__main__", "display": _display_function(use_ipython)}
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not cell["source"].strip():
            continue
        code = show_last_expression(strip_magics(cell["source"]))
        print(f"\n# ---- cell {index}", flush=True)
        try:
            exec(compile(code, f"<cell {index}>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - a notebook may raise anything; SystemExit too
            if isinstance(exc, KeyboardInterrupt):
                raise
            traceback.print_exc()
            return {"ok": False, "error_cell": index, "error": f"{type(exc).__name__}: {exc}"}
        finally:
            _close_figures()
    return {"ok": True}


# ----------------------------------------------------------------------------- nbclient runner
def run_nbclient(path: Path, workdir: Path, cell_timeout: Optional[int], executed: Path) -> Dict[str, Any]:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(workdir)}})
    result: Dict[str, Any] = {"ok": True}
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        result = {"ok": False, "error_cell": None, "error": str(exc).strip().splitlines()[-1][:500]}
        for index, cell in enumerate(nb.cells):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                result.update(error_cell=index, error=f"{errors[0]['ename']}: {errors[0]['evalue']}")
                break
        if isinstance(exc, CellTimeoutError):
            result["error"] = f"cell timed out after {cell_timeout} s"
    finally:
        nbformat.write(nb, executed)
    return result


def nbclient_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("nbclient", "nbformat", "ipykernel"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--workdir", type=Path, required=True, help="the notebook's working directory")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON result")
    parser.add_argument("--runner", choices=("auto", "nbclient", "script"), default="auto")
    parser.add_argument("--cell-timeout", type=int, default=None, help="nbclient: seconds a cell may run")
    parser.add_argument("--no-ipython", action="store_true", help="script runner: use the plain display stand-in")
    args = parser.parse_args(argv)
    args.notebook, args.workdir, args.result = (p.resolve() for p in (args.notebook, args.workdir, args.result))

    runner = args.runner
    if runner == "auto":
        runner = "nbclient" if nbclient_available() else "script"
    cells = read_cells(args.notebook)
    args.workdir.mkdir(parents=True, exist_ok=True)
    # A SIGTERM (the caller's time limit) unwinds normally, so nbclient shuts its kernel down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tic = time.perf_counter()
    if runner == "nbclient":
        outcome = run_nbclient(args.notebook, args.workdir, args.cell_timeout,
                               args.result.with_name(args.notebook.stem + ".executed.ipynb"))
    else:
        os.chdir(args.workdir)
        sys.path.insert(0, str(args.workdir))  # as a kernel started in that folder would see it
        outcome = run_script(cells, use_ipython=not args.no_ipython)
    start = outcome_start(cells)
    error_cell = outcome.get("error_cell")
    result = dict(outcome, runner=runner, seconds=round(time.perf_counter() - tic, 1),
                  outcome_start=start, outcome_asserts=count_outcome_asserts(cells),
                  failed_in_outcome=bool(error_cell is not None and start is not None and error_cell > start))
    args.result.write_text(json.dumps(result, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""tools/gpu_check.sh: its dry run on this CPU, its plan for full and fast mode, the script
runner (no Jupyter at all), and the package tests it selects (they import no Jupyter tool)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, SOLUTIONS, assignments

sys.path.insert(0, str(REPO / "tools"))
import gpu_check  # noqa: E402
import run_notebook  # noqa: E402


def _table_rows(text: str) -> dict:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] not in ("step", "---"):
            rows[cells[0]] = dict(zip(("mode", "runner", "seconds", "result"), cells[1:]))
    return rows


@pytest.mark.notebook
def test_dry_run_on_the_cpu(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # its own pytest run is not ours
    env.update(AML_GAN_DEVICE="cpu", PYTHON=sys.executable)
    env.pop("AML_GAN_FAST", None)  # the check sets each step's mode itself
    proc = subprocess.run([str(REPO / "tools" / "gpu_check.sh"), "--dry-run", "--out", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = (tmp_path / "table.md").read_text()
    assert table.strip() in proc.stdout
    rows = _table_rows(table)

    tests = rows["package tests (AML_GAN_DEVICE=cpu)"]
    assert re.search(r"\d+ passed", tests["result"]) and "failed" not in tests["result"]
    bench = next(v for k, v in rows.items() if k.startswith("DCGAN throughput"))
    assert re.fullmatch(r"course \d+ img/s vs classic \d+ img/s: [\d.]+x", bench["result"])
    for name, runner in gpu_check.DRY_RUN_NOTEBOOKS:
        cells = run_notebook.read_cells(SOLUTIONS / name / f"{name}.ipynb")
        expected = run_notebook.count_outcome_asserts(cells)
        assert expected > 0
        assert rows[name]["mode"] == "fast" and rows[name]["runner"] == runner
        assert rows[name]["result"] == f"{expected} outcome assertions passed"
    assert (tmp_path / "02_losses" / "02_losses.executed.ipynb").is_file()  # nbclient keeps the executed notebook


def test_a_cuda_run_on_a_machine_without_cuda_says_what_to_do():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    env = dict(os.environ, AML_GAN_DEVICE="cuda", PYTHON=sys.executable)
    proc = subprocess.run([str(REPO / "tools" / "gpu_check.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "No CUDA GPU" in proc.stderr and "--dry-run" in proc.stderr


def test_readme_gives_every_notebook_a_full_mode_time():
    times = gpu_check.readme_full_mode_seconds((REPO / "README.md").read_text())
    assert sorted(times) == assignments()
    assert all(0 < t < 3600 for t in times.values())


def test_plan_upgrades_the_cheapest_notebooks_to_full_mode():
    fast = gpu_check.FAST_NOTEBOOK_S
    estimates = {"a": 35.0, "b": 45.0, "c": 255.0, "d": None}
    assert gpu_check.plan_modes(estimates, 10_000) == {"a": "full", "b": "full", "c": "full", "d": "fast"}
    just_a_and_b = 4 * fast + (35 - fast) + (45 - fast)
    assert gpu_check.plan_modes(estimates, just_a_and_b) == {"a": "full", "b": "full", "c": "fast", "d": "fast"}
    assert gpu_check.plan_modes(estimates, just_a_and_b - 1) == {"a": "full", "b": "fast", "c": "fast", "d": "fast"}
    assert set(gpu_check.plan_modes(estimates, 3 * fast).values()) == {"fast"}


def _notebook(tmp_path, outcome: str):
    def code(src):
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}

    def md(src):
        return {"cell_type": "markdown", "metadata": {}, "source": src}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        md("# A notebook"),
        code('import sys\nif "google.colab" in sys.modules:\n    %pip install -q something\n!echo skipped\nx = 41'),
        code("display(x + 1)"),
        code("x"),
        code("x;"),
        md("## Outcome"),
        code(outcome),
    ]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("outcome, ok", [("assert x == 41\nassert x > 0", True),
                                         ("assert x > 0\nassert x == 0, 'x should be zero'", False)])
def test_script_runner_without_ipython(tmp_path, outcome, ok):
    path = _notebook(tmp_path, outcome)
    result_file = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "run_notebook.py"), str(path),
                           "--workdir", str(tmp_path / "run"), "--result", str(result_file),
                           "--runner", "script", "--no-ipython"], capture_output=True, text=True, timeout=60)
    result = json.loads(result_file.read_text())
    assert result["runner"] == "script" and result["outcome_asserts"] == 2 and result["outcome_start"] == 5
    assert result["ok"] is ok and proc.returncode == (0 if ok else 1), proc.stdout + proc.stderr
    out = proc.stdout.split("\n# ---- cell ")
    assert out[2].splitlines()[1:] == ["42"] and out[3].splitlines()[1:] == ["41"] and out[4].splitlines()[1:] == []
    if not ok:
        assert result["failed_in_outcome"] and result["error_cell"] == 6
        assert result["error"] == "AssertionError: x should be zero"


def test_selected_package_tests_import_no_jupyter_tool():
    """The package tests gpu_check selects still collect when no Jupyter tool can be imported."""
    blocked = ("nbgrader", "nbformat", "nbclient", "nbconvert", "nbval", "jupyter_client", "jupyter_core",
               "jupyter_server", "jupyterlab", "notebook", "ipykernel")
    args = gpu_check.package_test_args(dry_run=False) + ["--collect-only"]
    code = (
        "import sys\n"
        f"BLOCKED = {blocked!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r} (blocked by the test)')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pytest\n"
        f"sys.exit(pytest.main({args!r}))\n"
    )
    env = dict(os.environ, AML_GAN_DEVICE="cpu")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        "a test file gpu_check runs needs a Jupyter tool: mark its tests `grading` or `notebook`, or add the file "
        f"to NEEDS_JUPYTER_TOOLS in tools/gpu_check.py\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    assert re.search(r"\d+ tests collected", proc.stdout)

"""The course on a CUDA GPU, in one go and within a time budget (run it as tools/gpu_check.sh).

    tools/gpu_check.sh                                 # on a machine with a CUDA GPU (default budget 480 s)
    AML_GAN_DEVICE=cpu tools/gpu_check.sh --dry-run    # a quick rehearsal on a CPU (what the test suite runs)

Three steps, all with ``AML_GAN_DEVICE`` set (``cuda`` unless given):

1. the package tests that need no Jupyter or nbgrader tools (``pytest -m "not notebook and
   not grading"`` without the files listed in ``NEEDS_JUPYTER_TOOLS``), the CUDA tests
   (``tests/test_cuda.py``) among them; skipped, and said so, when pytest is not installed;
2. the DCGAN throughput at 64x64 on the GPU, the course's step against the classic loop
   (``bench/dcgan_throughput.py --device cuda --quick`` on 1,024 pictures);
3. every solution notebook top to bottom, each in a fresh folder: in full mode where its
   estimated time fits what is left of the budget, else in fast mode. The estimate is the
   notebook's measured CPU full-mode time from README's table, times ``--margin``, plus
   kernel start-up; the plan is made again before each notebook with the time really left,
   upgrading the cheapest notebooks first. Notebooks run with nbclient (a kernel, no
   server) when it is installed, else as scripts (``tools/run_notebook.py``).

It prints one table (step, mode, runner, seconds, result; a notebook's result is its
"Outcome" section's assertions) and keeps logs and executed notebooks under ``--out``.
The exit status is 0 when every step that ran passed.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from run_notebook import nbclient_available  # this folder is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"

DEFAULT_BUDGET_S = 480
SAFETY_S = 20            # kept free for start-up, the table and clean-up
FAST_NOTEBOOK_S = 30     # a notebook in fast mode, kernel and CUDA start-up included (5-20 s measured on a CPU)
STARTUP_S = 15           # added to every full-mode estimate
TESTS_LIMIT_S = 180
BENCH_LIMIT_S = 150
# Test files that import or drive nbgrader, nbformat or JupyterLab (beyond the markers "notebook" and "grading").
NEEDS_JUPYTER_TOOLS = ("test_release.py", "test_lab.py", "test_grading_pipeline.py",
                       "test_instructor_commands.py", "test_browser.py", "test_corpus.py", "test_test_cells.py",
                       "test_grading_assignments.py", "test_grade_class.py", "test_class_report.py",
                       "test_repair.py", "test_sandbox_attacks.py")
DRY_RUN_TESTS = ("tests/test_config.py", "tests/test_cuda.py")
DRY_RUN_NOTEBOOKS = (("02_losses", "nbclient"), ("03_training_loop", "script"))
BENCH_ARGS = ("--quick", "--images", "1024")
DRY_RUN_BENCH_ARGS = ("--images", "48", "--size", "16", "--width", "8", "--batch", "8", "--steps", "2",
                      "--rounds", "1", "--warmup", "1", "--workers", "0", "--threads", "1")


@dataclass
class Row:
    step: str
    mode: str
    runner: str
    seconds: float
    result: str
    ok: Optional[bool]  # None: skipped


# ----------------------------------------------------------------------------- planning
def readme_full_mode_seconds(readme: str) -> Dict[str, float]:
    """Each notebook's measured CPU full-mode seconds, from README's notebook table.

    The column is the one headed "CPU, full mode"; the first "N s" or "N min" in a cell counts.
    """
    estimates: Dict[str, float] = {}
    column = None
    for line in readme.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:
            if "CPU, full mode" in cells:
                column = cells.index("CPU, full mode")
            continue
        link = re.search(r"\((?:notebooks|solutions)/([0-9]{2}_[^/]+)/", line)
        if not link or column >= len(cells):
            continue
        time_ = re.search(r"(\d+(?:\.\d+)?)\s*(s|min)\b", cells[column])
        if time_:
            estimates[link.group(1)] = float(time_.group(1)) * (60 if time_.group(2) == "min" else 1)
    return estimates


def full_mode_estimate(cpu_seconds: Optional[float], margin: float) -> Optional[float]:
    return None if cpu_seconds is None else cpu_seconds * margin + STARTUP_S


def plan_modes(full_estimates: Dict[str, Optional[float]], budget_s: float,
               fast_s: float = FAST_NOTEBOOK_S) -> Dict[str, str]:
    """"full" or "fast" for each notebook: all fast, then the cheapest upgrades to full mode
    while the total stays within ``budget_s``. A notebook without an estimate stays fast."""
    modes = {name: "fast" for name in full_estimates}
    spare = budget_s - fast_s * len(modes)
    known = sorted(((est, name) for name, est in full_estimates.items() if est is not None))
    for est, name in known:
        extra = max(0.0, est - fast_s)
        if extra <= spare:
            modes[name] = "full"
            spare -= extra
    return modes


def package_test_args(dry_run: bool, workers: int = 0) -> List[str]:
    """pytest's arguments (after ``python -m pytest``) for the package tests this check runs."""
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-m", "not notebook and not grading"]
    if dry_run:
        return args + list(DRY_RUN_TESTS)
    args += [f"--ignore=tests/{name}" for name in NEEDS_JUPYTER_TOOLS]
    if workers > 1:
        args += ["-n", str(workers), "--dist", "loadfile"]
    return args + ["tests"]


# ----------------------------------------------------------------------------- running things
def run_limited(cmd: Sequence[str], limit_s: float, log: Path, env: Dict[str, str], cwd: Path = REPO):
    """Run ``cmd`` with its output in ``log``; stop it and everything it started after ``limit_s``.

    Returns (exit status or None when it was stopped, seconds).
    """
    tic = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=max(1.0, limit_s))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            rc = None
    return rc, time.perf_counter() - tic


def tail(path: Path, n: int = 1) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return " / ".join(lines[-n:])


class Check:
    def __init__(self, args):
        self.args = args
        self.python = sys.executable
        self.started = time.perf_counter()
        self.deadline = self.started + args.budget - SAFETY_S
        self.out: Path = args.out
        self.rows: List[Row] = []
        self.notes: List[str] = []
        self.env = dict(os.environ)
        self.env["AML_GAN_DEVICE"] = args.device
        self.env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
        self.env["PATH"] = os.pathsep.join([str(Path(self.python).parent), os.environ.get("PATH", "")])

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    # -- 1. package tests
    def package_tests(self, reserve_s: float) -> None:
        label = f"package tests (AML_GAN_DEVICE={self.args.device})"
        if importlib.util.find_spec("pytest") is None:
            self.rows.append(Row(label, "-", "pytest", 0.0, "skipped: pytest is not installed", None))
            return
        workers = min(8, (os.cpu_count() or 2) // 2) if importlib.util.find_spec("xdist") is not None else 0
        cmd = [self.python, "-m", "pytest", *package_test_args(self.args.dry_run, workers)]
        env = dict(self.env, AML_GAN_FAST="1")
        log = self.out / "package_tests.log"
        rc, secs = run_limited(cmd, min(TESTS_LIMIT_S, self.left() - reserve_s), log, env)
        result = tail(log) if rc is not None else f"stopped after {secs:.0f} s"
        self.rows.append(Row(label, "fast", "pytest", secs, result, rc == 0))

    # -- 2. DCGAN throughput
    def throughput(self, reserve_s: float) -> None:
        args = DRY_RUN_BENCH_ARGS if self.args.dry_run else BENCH_ARGS
        cmd = [self.python, "-m", "bench.dcgan_throughput", "--device", self.args.device, *args]
        log = self.out / "dcgan_throughput.log"
        rc, secs = run_limited(cmd, min(BENCH_LIMIT_S, self.left() - reserve_s), log, self.env)
        text = log.read_text(errors="replace")
        size = re.search(r"\((\d+x\d+), width", text)
        label = f"DCGAN throughput {size.group(1) if size else ''}".strip()
        if rc != 0:
            result = f"FAILED: {tail(log)}" if rc is not None else f"stopped after {secs:.0f} s"
            self.rows.append(Row(label, "-", "bench", secs, result, False))
            return
        ips = {}
        for path in ("course", "reference"):
            row = re.search(rf"^\| {path} \|.*$", text, re.M)
            if row:
                ips[path] = row.group(0).strip("|").split("|")[4].strip()
        speedup = re.search(r"Speed-up \(median images/s\): ([\d.]+x)", text)
        result = (f"course {ips.get('course', '?')} img/s vs classic {ips.get('reference', '?')} img/s: "
                  f"{speedup.group(1) if speedup else '?'}")
        self.rows.append(Row(label, "quick", "bench", secs, result, True))

    # -- 3. notebooks
    def notebooks(self, names: List[str], runners: Dict[str, str], estimates: Dict[str, Optional[float]]) -> None:
        for i, name in enumerate(names):
            later = len(names) - i - 1
            reserve = FAST_NOTEBOOK_S * later
            left = self.left()
            if self.args.dry_run:
                mode = "fast"
            else:
                mode = plan_modes({n: estimates.get(n) for n in names[i:]}, left)[name]
                if mode == "fast":
                    est = estimates.get(name)
                    why = ("no CPU full-mode time in README" if est is None
                           else f"full mode (est. {est:.0f} s) did not fit: {left:.0f} s left for "
                                f"{len(names) - i} notebook(s)")
                    self.notes.append(f"{name}: fast mode: {why}")
            if left < 5:
                self.rows.append(Row(name, "-", "-", 0.0, "skipped: no time left in the budget", False))
                continue
            runner = runners.get(name, self.args.runner)
            if runner == "auto":
                runner = "nbclient" if nbclient_available() else "script"
            self.rows.append(self.notebook(name, mode, runner, limit_s=max(left - reserve, min(left, FAST_NOTEBOOK_S))))
            print(f"  {name}: {self.rows[-1].mode} mode, {self.rows[-1].seconds:.0f} s: {self.rows[-1].result}",
                  flush=True)

    def notebook(self, name: str, mode: str, runner: str, limit_s: float) -> Row:
        folder = self.out / name
        folder.mkdir(parents=True, exist_ok=True)
        notebook = folder / f"{name}.ipynb"
        shutil.copy(SOLUTIONS / name / f"{name}.ipynb", notebook)
        result_file = folder / "result.json"
        cmd = [self.python, str(REPO / "tools" / "run_notebook.py"), str(notebook), "--workdir", str(folder / "run"),
               "--result", str(result_file), "--runner", runner, "--cell-timeout", str(int(limit_s) + 1)]
        env = dict(self.env, AML_GAN_FAST="1" if mode == "fast" else "0")
        rc, secs = run_limited(cmd, limit_s, folder / "log.txt", env)
        if rc is None:
            return Row(name, mode, runner, secs, f"stopped after {secs:.0f} s (time limit)", False)
        if not result_file.exists():
            return Row(name, mode, runner, secs, f"runner failed: {tail(folder / 'log.txt')}", False)
        res = json.loads(result_file.read_text())
        if res["ok"]:
            text = f"{res['outcome_asserts']} outcome assertions passed"
        elif res.get("failed_in_outcome"):
            text = f"FAILED in Outcome (cell {res['error_cell']}): {res['error']}"
        else:
            text = f"FAILED before Outcome (cell {res.get('error_cell')}): {res['error']}"
        return Row(name, mode, res["runner"], secs, text[:300], bool(res["ok"]))

    # -- the table
    def table(self) -> str:
        lines = ["| step | mode | runner | seconds | result |", "|---|---|---|---|---|"]
        for r in self.rows:
            mark = "" if r.ok else (" (skipped)" if r.ok is None else " **FAILED**")
            lines.append(f"| {r.step} | {r.mode} | {r.runner} | {r.seconds:.0f} | {r.result.replace('|', '/')}{mark} |")
        total = time.perf_counter() - self.started
        lines += ["", f"total {total:.0f} s of a {self.args.budget:.0f} s budget"]
        lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def describe_device(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        d = torch.device(device)
        major, minor = torch.cuda.get_device_capability(d)
        return (f"{torch.cuda.get_device_name(d)} (compute capability {major}.{minor}), torch {torch.__version__}, "
                f"CUDA {torch.version.cuda}")
    return f"{device}, torch {torch.__version__}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true",
                        help="rehearse on any machine: a few tests, two notebooks in fast mode (one per runner), "
                             "a tiny benchmark")
    parser.add_argument("--budget", type=float, default=None,
                        help=f"seconds for everything (default {DEFAULT_BUDGET_S}; dry run 240)")
    parser.add_argument("--margin", type=float, default=2.0,
                        help="full-mode estimate = README's CPU full-mode time x margin + start-up (default 2)")
    parser.add_argument("--runner", choices=("auto", "nbclient", "script"), default="auto",
                        help="how notebooks run (auto: nbclient when installed, else as scripts)")
    parser.add_argument("--notebooks", nargs="*", default=None, help="only these assignments (e.g. 05_dcgan_pets)")
    parser.add_argument("--skip-tests", action="store_true", help="leave out the package tests")
    parser.add_argument("--skip-bench", action="store_true", help="leave out the throughput benchmark")
    parser.add_argument("--out", type=Path, default=None, help="folder for logs and executed notebooks")
    args = parser.parse_args(argv)

    args.budget = args.budget or (240 if args.dry_run else DEFAULT_BUDGET_S)
    args.device = os.environ.get("AML_GAN_DEVICE", "").strip() or ("cpu" if args.dry_run else "cuda")
    if args.out is None:
        args.out = Path(tempfile.gettempdir()) / time.strftime("aml_gan_gpu_check_%Y%m%d-%H%M%S")
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)

    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"No CUDA GPU is visible to PyTorch (torch {torch.__version__}, built for CUDA {torch.version.cuda}). "
              "Run this on a machine with an NVIDIA GPU and a CUDA build of PyTorch; to rehearse on a CPU, run "
              "`AML_GAN_DEVICE=cpu tools/gpu_check.sh --dry-run`.", file=sys.stderr)
        return 2

    all_names = sorted(p.name for p in SOLUTIONS.glob("[0-9][0-9]_*") if (p / f"{p.name}.ipynb").is_file())
    if args.dry_run and args.notebooks is None:
        names, runners = [n for n, _ in DRY_RUN_NOTEBOOKS], dict(DRY_RUN_NOTEBOOKS)
        if not nbclient_available() or args.runner == "script":
            runners = {n: "script" for n in names}
    else:
        names, runners = (args.notebooks or all_names), {}
    unknown = sorted(set(names) - set(all_names))
    if unknown:
        parser.error(f"no such notebook(s): {', '.join(unknown)}; choose from {', '.join(all_names)}")
    cpu_times = readme_full_mode_seconds((REPO / "README.md").read_text())
    estimates = {n: full_mode_estimate(cpu_times.get(n), args.margin) for n in names}

    print(f"GPU check{' (dry run)' if args.dry_run else ''}: {describe_device(args.device)}; budget "
          f"{args.budget:.0f} s; logs in {args.out}", flush=True)
    check = Check(args)
    notebooks_reserve = FAST_NOTEBOOK_S * len(names)
    if not args.skip_tests:
        check.package_tests(reserve_s=notebooks_reserve + (0 if args.skip_bench else 60))
        print(f"  {check.rows[-1].step}: {check.rows[-1].result}", flush=True)
    if not args.skip_bench:
        check.throughput(reserve_s=notebooks_reserve)
        print(f"  {check.rows[-1].step}: {check.rows[-1].result}", flush=True)
    check.notebooks(names, runners, estimates)

    table = check.table()
    (args.out / "table.md").write_text(table + "\n")
    print("\n" + table)
    return 0 if all(r.ok is not False for r in check.rows) else 1


if __name__ == "__main__":
    sys.exit(main())

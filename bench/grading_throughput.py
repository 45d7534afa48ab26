"""Grading a class: serial ``nbgrader autograde`` against ``make grade`` (JOBS=1, JOBS=2, a local Dask cluster).

    python -m bench.grading_throughput                       # 2 assignments x 6 students
    python -m bench.grading_throughput --students 9 --save   # also bench/results/grading_throughput.md
    python -m bench.grading_throughput --modes serial jobs2  # only some modes

A synthetic class: for each assignment (default ``03_training_loop`` and ``04_sequence_gan``:
no widget cells, which nbclient can stall on until the cell timeout, jupyter/nbclient#312),
``--students`` submissions cycling through the solution (full marks), the untouched release
and a partial one (the solution with its first exercise left as the stub). Each mode grades
the same submissions in its own fresh copy of the released course:

- **serial**: plain ``nbgrader autograde <assignment>``, one assignment after the other;
- **jobs1**, **jobs2**: ``python -m aml_gan.grading grade <assignment> --jobs N`` (what
  ``make grade A=... JOBS=N`` runs), sandboxed with bubblewrap where it works;
- **dask**: the same with ``--scheduler`` pointing at a ``distributed.LocalCluster`` of two
  worker processes with one thread each, started before the clock and stopped after;
- **jobs1-nosandbox** (only if named in ``--modes``): JOBS=1 without the sandbox, its cost.

Reported: wall time, submissions per minute, the speed-up over serial, and the CPU time per
submission (user + system of every process the mode ran: nbgrader, kernels, workers, sampled
every 0.2 s, so a process's last fraction of a second is missed), which a busy shared
machine disturbs much less than the wall time. Then a projection for 300
students x 7 notebooks on 16 cores from the CPU time per submission (its assumptions are
printed with it).
"""
from __future__ import annotations

import argparse
import copy
import os
import platform
import threading
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import nbformat

from bench._report import publish

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "grading_throughput.md"
MODES = ("serial", "jobs1", "jobs2", "dask")


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("AML_GAN_FAST", None)  # nbgrader's own NBGRADER_EXECUTION turns fast mode on
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def build_class(root: Path, assignments: List[str], students: int) -> int:
    """Release ``assignments`` in a course at ``root`` and hand in the synthetic submissions."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    count = 0
    for assignment in assignments:
        shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        _run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"], root)
        released = nbformat.read(root / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)
        solution = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
        partial = copy.deepcopy(solution)
        first = next(i for i, c in enumerate(partial.cells) if _meta(c).get("solution") and c.cell_type == "code")
        partial.cells[first] = copy.deepcopy(next(c for c in released.cells
                                                  if _meta(c).get("grade_id") == _meta(partial.cells[first])["grade_id"]))
        kinds = [solution, released, partial]
        for i in range(students):
            folder = root / "submitted" / f"student{i:03d}" / assignment
            folder.mkdir(parents=True)
            nbformat.write(kinds[i % 3], folder / f"{assignment}.ipynb")
            count += 1
    return count


def _grade_command(assignment: str, jobs: int, extra: List[str]) -> List[str]:
    return [sys.executable, "-m", "aml_gan.grading", "grade", assignment, "--jobs", str(jobs), *extra]


class CpuMeter:
    """CPU seconds (user + system) used by every descendant of this process while it runs.

    Sampled with psutil: ``RUSAGE_CHILDREN`` would miss the sandboxed kernels, which the
    sandbox's own init process reaps, not their parent.
    """

    def __init__(self, interval: float = 0.2):
        self.interval, self.seen, self._stop = interval, {}, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _snapshot(self) -> Dict[tuple, float]:
        import psutil

        out = {}
        for proc in psutil.Process().children(recursive=True):
            try:
                times = proc.cpu_times()
                out[(proc.pid, proc.create_time())] = times.user + times.system
            except psutil.Error:
                pass
        return out

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.seen.update(self._snapshot())

    def __enter__(self) -> "CpuMeter":
        self.before = self._snapshot()  # processes already running (a Dask cluster) count from now on
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(cpu - self.before.get(key, 0.0) for key, cpu in self.seen.items())


def run_mode(mode: str, course: Path, assignments: List[str]) -> Tuple[float, float]:
    """Grade every assignment of ``course`` in ``mode``: (wall seconds, CPU seconds of all it ran)."""
    cluster = None
    extra: List[str] = []
    if mode == "dask":
        from dask.distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1")
        extra = ["--scheduler", cluster.scheduler_address]
    if mode == "jobs1-nosandbox":
        extra = ["--sandbox", "off"]
    try:
        with CpuMeter() as meter:
            tic = time.perf_counter()
            for assignment in assignments:
                if mode == "serial":
                    _run([sys.executable, "-m", "nbgrader", "autograde", assignment], course)
                else:
                    jobs = 2 if mode in ("jobs2", "dask") else 1
                    _run(_grade_command(assignment, jobs, extra), course)
            wall = time.perf_counter() - tic
    finally:
        if cluster is not None:
            cluster.close()
    return wall, meter.seconds


def projection(per_submission: float, efficiency: float, students: int = 300, notebooks: int = 7,
               cores: int = 16) -> float:
    """Hours to grade ``students`` x ``notebooks`` with one worker per core."""
    return students * notebooks * per_submission / (cores * efficiency) / 3600


def main(argv: Optional[List[str]] = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="+", default=["03_training_loop", "04_sequence_gan"])
    parser.add_argument("--students", type=int, default=6, help="submissions per assignment (default 6)")
    parser.add_argument("--modes", nargs="+", default=list(MODES),
                        choices=[*MODES, "jobs1-nosandbox"], help="what to time (default: all four)")
    parser.add_argument("--save", action="store_true", help=f"also write {RESULTS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    from aml_gan.grading.sandbox import bwrap_works

    times: Dict[str, Tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        template = Path(tmp) / "template"
        print(f"releasing {', '.join(args.assignments)} and handing in {args.students} submissions each ...", flush=True)
        count = build_class(template, args.assignments, args.students)
        for mode in args.modes:
            course = Path(tmp) / mode
            shutil.copytree(template, course)
            print(f"grading {count} submissions: {mode} ...", flush=True)
            times[mode] = run_mode(mode, course, args.assignments)
            print(f"  {times[mode][0]:.0f} s, {times[mode][1]:.0f} CPU s", flush=True)

    base = times.get("serial", (None,))[0]
    load = os.getloadavg()[0]
    lines = [
        f"# Grading throughput: {count} submissions ({args.students} x {', '.join(args.assignments)})",
        "",
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (load average {load:.1f} when it "
        f"ended), Python {platform.python_version()}, sandbox: "
        f"{'bubblewrap' if bwrap_works() else 'none (bwrap not available)'}; fast mode (as nbgrader grades).",
        "",
        "| mode | wall time (s) | submissions / min | speed-up vs serial nbgrader | CPU s per submission |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, (wall, cpu) in times.items():
        ratio = f"{base / wall:.2f}x" if base else "-"
        lines.append(f"| {mode} | {wall:.0f} | {count / wall * 60:.1f} | {ratio} | {cpu / count:.1f} |")
    if "jobs1" in times:
        per = times["jobs1"][1] / count
        lines += [
            "",
            f"Projection, 300 students x 7 notebooks = 2100 submissions on 16 cores with JOBS=16: about "
            f"{projection(per, 1.0):.1f} h"
            + (f" (serial nbgrader on one core: {projection(times['serial'][1] / count, 1.0, cores=1):.1f} h)."
               if "serial" in times else "."),
            f"Assumes: every notebook costs what these did with JOBS=1 ({per:.1f} CPU s per submission, nbgrader "
            f"start, kernel start and sandbox included: `make grade` starts nbgrader once per worker, serial "
            f"nbgrader once per assignment); grading is CPU-bound and 16 workers keep 16 cores busy "
            f"(one thread per kernel, so they do not compete); memory for 16 kernels (about 1.1 GB peak each for "
            f"the heaviest notebooks) and a local disk. The seven notebooks are not equally heavy (5-20 s each "
            f"in fast mode; these two are among the lighter), so weigh the mix in.",
        ]
        if "jobs2" in times:
            efficiency = min(1.0, times["jobs1"][0] / times["jobs2"][0] / 2)
            lines.append(f"With the parallel efficiency measured here for 2 workers on {os.cpu_count()} cores "
                         f"({efficiency:.0%}, on a shared machine) it would be {projection(per, efficiency):.1f} h.")
    return publish("\n".join(lines), RESULTS, args.save)


if __name__ == "__main__":
    main()

"""One student's submission, autograded by plain ``nbgrader autograde`` in a throw-away working copy.

This is the unit of work that runs in a local worker process or on a Dask worker: a
``Job`` carries everything it needs as data (no shared disk needed), ``grade_submission``
returns a ``Result`` holding what nbgrader wrote (the student's grades, read from the
temporary gradebook, and the autograded folder). ``classroom.py`` merges it into the course.

The working copy holds the course's ``nbgrader_config.py`` (with the root, the gradebook
and the kernel's connection redirected to the copy), a temporary gradebook built from the
course gradebook (the assignment's cells and checksums, so edited or deleted test cells are
restored exactly as in the course; the student's earlier state where there is one), the
assignment's source files and the submission. nbgrader runs there unchanged; only the kernel
it starts is replaced by the sandboxed one (``sandbox.py``).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import sandbox, tamper

__all__ = ["Job", "Result", "grade_submission", "stop_on_interrupt"]


@dataclass
class Job:
    """Everything needed to grade one submission, as plain data (picklable, sent to a worker)."""

    student: str
    assignment: str
    files: Dict[str, bytes]            # the folder submitted/<student>/<assignment>/, by relative path
    source_files: Dict[str, bytes]     # the assignment's non-notebook source files (nbgrader copies them)
    config_text: str                   # the course's nbgrader_config.py
    gradebook: bytes                   # sqlite file holding the assignment only, no student
    course_id: str = ""
    prior: Optional[dict] = None       # the student's submission as the course gradebook has it, if any
    timeout: float = 600.0             # wall clock for the whole submission, seconds
    cell_timeout: int = 300            # nbgrader's per-cell limit, seconds
    memory: Optional[int] = None       # bytes of heap for the kernel (RLIMIT_DATA)
    sandbox: str = "auto"              # "auto", "on" (fail without bwrap) or "off"
    hide: List[str] = field(default_factory=list)   # more folders the kernel must not see (the course)
    threads: Optional[int] = None      # OMP_NUM_THREADS for the kernel, when set
    released_counts: Dict[str, int] = field(default_factory=dict)  # tamper-scan baseline
    repairs: List[str] = field(default_factory=list)  # what repair.py did to ``files`` before grading


@dataclass
class Result:
    """What grading one submission produced."""

    student: str
    assignment: str
    graded: bool                       # nbgrader wrote an autograded notebook
    record: Optional[dict]             # the student's grades to merge (None: nbgrader never got that far)
    files: Dict[str, Tuple[bytes, int]] = field(default_factory=dict)  # autograded folder: path -> (data, mode)
    problems: List[str] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool = False
    log: str = ""                      # the end of nbgrader's output, for the instructor


_interrupted = False  # set in a local worker process by Ctrl-C (see stop_on_interrupt)


def stop_on_interrupt() -> None:
    """For a local worker process: after Ctrl-C, stop the submission in hand and start no other."""
    def handler(signum, frame):
        global _interrupted
        _interrupted = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def grade_submission(job: Job) -> Result:
    """Autograde one submission in a fresh working copy and return its grades and files."""
    if _interrupted:
        raise KeyboardInterrupt("interrupted before it started")
    tic = time.monotonic()
    use_bwrap = _decide_sandbox(job.sandbox)
    with tempfile.TemporaryDirectory(prefix="aml-grade-") as tmp:
        work = Path(tmp)
        notebook_dir = work / "autograded" / job.student / job.assignment
        _write_working_copy(job, work, use_bwrap)
        returncode, log, timed_out = _run_nbgrader(job, work)
        graded = returncode == 0 and not timed_out and any(notebook_dir.glob("*.ipynb"))
        result = Result(student=job.student, assignment=job.assignment, graded=graded,
                        record=_read_record(work, job), sandboxed=use_bwrap, log=log[-4000:])
        if result.graded:
            result.files = _read_folder(notebook_dir)
        result.problems = _problems(job, result, returncode, log, timed_out)
    result.seconds = time.monotonic() - tic
    return result


# --------------------------------------------------------------------------- the working copy
def _decide_sandbox(mode: str) -> bool:
    if mode == "off":
        return False
    works = sandbox.bwrap_works()
    if mode == "on" and not works:
        raise RuntimeError("the sandbox was required but bubblewrap (bwrap) does not work on this machine: "
                           "install it (Debian/Ubuntu: apt-get install bubblewrap) or use --sandbox auto")
    return works


def _write_working_copy(job: Job, work: Path, use_bwrap: bool) -> None:
    db = work / "gradebook.db"
    db.write_bytes(job.gradebook)
    _write_files(work / "submitted" / job.student / job.assignment, job.files)
    _write_files(work / "source" / job.assignment, job.source_files)
    runtime = work / "runtime"
    runtime.mkdir()
    url = f"sqlite:///{db}"
    if job.prior:
        _seed_prior(url, job)
    overrides = {
        "CourseDirectory.root": str(work),
        "CourseDirectory.db_url": url,
        "CourseDirectory.source_directory": "source",
        "CourseDirectory.submitted_directory": "submitted",
        "CourseDirectory.autograded_directory": "autograded",
        "Execute.timeout": int(job.cell_timeout),
        # Unix sockets reach into the sandbox, which has no network; one connection file per copy.
        "KernelManager.transport": "ipc",
        "KernelManager.connection_file": str(runtime / "kernel.json"),
        "Application.log_format": "%(asctime)s [%(name)s | %(levelname)s] %(message)s",
    }
    lines = [f"c.{key} = {value!r}" for key, value in overrides.items()]
    (work / "nbgrader_config.py").write_text(
        job.config_text + "\n\n# Added by aml_gan.grading for one submission's working copy.\n" + "\n".join(lines) + "\n")
    notebook_dir = work / "autograded" / job.student / job.assignment
    specs = {name: sandbox.kernel_spec(
        base, sandbox=use_bwrap, memory=job.memory, cwd=str(notebook_dir),
        writable=[str(notebook_dir), str(runtime)],
        blank=[str(work), *(p for p in job.hide if os.path.exists(p))],
        exposed=sandbox.exposed_paths(),
    ) for name, base in _course_kernels(url, job).items()}
    sandbox.write_kernel_specs(work / "jupyter", specs)


def _write_files(folder: Path, files: Dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside {folder}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _course_kernels(url: str, job: Job) -> Dict[str, dict]:
    """The kernelspecs the assignment's notebooks name (as stored at release), as installed here."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbgrader.api import Gradebook

    with Gradebook(url, job.course_id) as gb:
        stored = [nb.kernelspec for nb in gb.find_assignment(job.assignment).notebooks]
    names = {json.loads(k).get("name") if k else None for k in stored}
    manager = KernelSpecManager()
    specs = {}
    for name in {n or manager.default_kernel_name for n in names}:
        try:
            specs[name] = manager.get_kernel_spec(name).to_dict()
        except NoSuchKernel:
            raise RuntimeError(f"the kernel {name!r} that the assignment's notebooks use is not installed "
                               f"on this machine (jupyter kernelspec list)") from None
    return specs


def _seed_prior(url: str, job: Job) -> None:
    """Give the temporary gradebook this student's submission as the course gradebook holds it, so
    that autograde sees what serial autograde would (manual scores decide which cells need manual
    grading, and with the extension the late penalty)."""
    from nbgrader.api import Gradebook

    prior = job.prior
    with Gradebook(url, job.course_id) as gb:
        gb.update_or_create_student(job.student)
        submission = gb.update_or_create_submission(job.assignment, job.student)
        submission.timestamp, submission.extension = prior["timestamp"], prior["extension"]
        for nb in submission.notebooks:
            state = prior["notebooks"].get(nb.name, {})
            nb.late_submission_penalty = state.get("late_submission_penalty")
            for grade in nb.grades:
                for key, value in state.get("grades", {}).get(grade.name, {}).items():
                    setattr(grade, key, value)
            for comment in nb.comments:
                for key, value in state.get("comments", {}).get(comment.name, {}).items():
                    setattr(comment, key, value)
        gb.db.commit()


# --------------------------------------------------------------------------- running nbgrader
def _run_nbgrader(job: Job, work: Path) -> Tuple[Optional[int], str, bool]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_PATH"] = str(work / "jupyter") + os.pathsep + env.get("JUPYTER_PATH", "")
    env["JUPYTER_RUNTIME_DIR"] = str(work / "runtime")
    env.pop("AML_GAN_FAST", None)  # nbgrader's own NBGRADER_EXECUTION turns fast mode on, as in serial grading
    if job.threads:
        env["OMP_NUM_THREADS"] = str(job.threads)
    log_file = work / "nbgrader.log"
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "autograde", job.assignment, "--force"],
            cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, untouched by the caller's Ctrl-C
        )
        timed_out = False
        try:
            proc.wait(timeout=job.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            if proc.poll() is None:  # timed out, or this worker was interrupted
                _kill_tree(proc)
    return proc.returncode, log_file.read_text(errors="replace"), timed_out


def _kill_tree(proc: subprocess.Popen) -> None:
    """Stop nbgrader and its kernel (which runs in a session of its own)."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait()


# --------------------------------------------------------------------------- reading what nbgrader wrote
def _read_record(work: Path, job: Job) -> Optional[dict]:
    """The student's submission as the temporary gradebook has it (the fields autograde writes)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", job.course_id) as gb:
        try:
            submission = gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            return None
        return {
            "timestamp": submission.timestamp,
            "notebooks": {
                nb.name: {
                    "late_submission_penalty": nb.late_submission_penalty,
                    "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                    "comments": {c.name: c.auto_comment for c in nb.comments},
                }
                for nb in submission.notebooks
            },
        }


def _read_folder(folder: Path) -> Dict[str, Tuple[bytes, int]]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[str(path.relative_to(folder))] = (path.read_bytes(), path.stat().st_mode & 0o777)
    return files


def _problems(job: Job, result: Result, returncode: Optional[int], log: str, timed_out: bool) -> List[str]:
    """Why a submission lost points it may not deserve to lose, in words, for the summary."""
    problems = ["repaired: " + "; ".join(job.repairs)] if job.repairs else []
    if timed_out:
        problems.append(f"stopped after {job.timeout:g} s (TIMEOUT): nothing graded")
    elif not result.graded:
        problems.append(_failure_reason(log, returncode))
    for name, data in job.files.items():
        if not name.endswith(".ipynb"):
            continue
        try:
            submitted = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        problems += tamper.flags(tamper.count_patterns(submitted), job.released_counts)
    for name, (data, _) in result.files.items():
        if name.endswith(".ipynb"):
            problems += _cell_problems(json.loads(data), job)
    for line in log.splitlines():
        if "No submitted file:" in line:
            problems.append(f"missing {Path(line.split('No submitted file:')[1].strip()).name} (scored 0)")
    return list(dict.fromkeys(problems))  # a stopped cell can report two errors


def _failure_reason(log: str, returncode: Optional[int]) -> str:
    if "DeadKernelError" in log or "Kernel died" in log:
        return "the kernel died (os._exit, a crash, or out of memory): nothing graded"
    if "NotJSONError" in log or "JSONDecodeError" in log or "does not appear to be JSON" in log:
        return "the notebook is not valid JSON (a broken file): nothing graded"
    errors = [ln.strip() for ln in log.splitlines() if ln.strip() and not ln.startswith((" ", "["))]
    last = errors[-1] if errors else f"nbgrader exited with {returncode}"
    return f"nbgrader could not grade it: {last[:160]}"


def _cell_problems(nb: dict, job: Job) -> List[str]:
    out = []
    for index, cell in enumerate(nb.get("cells", [])):
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"#{index + 1}"
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
            if ename in ("KeyboardInterrupt", "CellTimeoutError"):
                out.append(f"cell {name} stopped at the {job.cell_timeout} s cell limit")
            elif ename == "MemoryError" or "can't allocate memory" in evalue or "out of memory" in evalue.lower():
                out.append(f"cell {name} ran out of memory (limit {_size(job.memory)})")
    return out


def _size(n: Optional[int]) -> str:
    return "none" if not n else f"{n / 2**30:g} GiB"

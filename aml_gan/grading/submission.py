"""One student's submission, autograded by nbgrader in a throw-away working copy.

This is the unit of work that runs in a local worker process or on a Dask worker: a ``Job``
carries everything it needs as data (no shared disk needed), ``grade_submission`` returns a
``Result`` holding what nbgrader wrote (the student's grades, read from the temporary
gradebook, and the graded notebook). ``classroom.py`` merges it into the course.

The working copy holds the course's ``nbgrader_config.py`` (with the root, the gradebook, the
kernel's connection and the sandbox redirected to the copy), a temporary gradebook built from
the course gradebook (the assignment's cells and checksums, so edited or deleted test cells are
restored exactly as in the course; the student's earlier state where there is one), the
assignment's source files and the submission. nbgrader's own ``Autograde`` runs there, in the
worker's long-lived nbgrader process (``runner.py``); only the kernel it starts is replaced by
the sandboxed one (``kernel.py``, ``sandbox.py``, ``limits.py``). Nothing the kernel writes is
read back: the kernel never sees the folders nbgrader writes, and the graded notebook is read
as a regular file, never through a link, with a size cap (``files.py``).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import files as safe_files
from . import limits, sandbox, tamper
from .runner import runner_for_this_thread

__all__ = ["Job", "Result", "grade_submission", "stop_on_interrupt", "cell_limit"]

MAX_RESULT_FILE = 256 * 2**20   # a graded notebook's output is capped far below this (kernel.py)
MEMORY_HEADROOM = 512 * 2**20   # the cgroup's memory above the heap limit: code, tmpfs folders
_uids = itertools.count()


def cell_limit(course_cell: int, timeout: float) -> int:
    """The per-cell limit: the course's, but at most a third of the submission's limit, so a cell
    that loops is stopped (and loses its points) well before the whole submission would be."""
    return max(1, min(int(course_cell), int(timeout // 3)))


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
    timeout: float = 900.0             # wall clock for the whole submission, seconds
    cell_timeout: int = 300            # nbgrader's per-cell limit, seconds
    memory: Optional[int] = None       # bytes of heap for the kernel (RLIMIT_DATA; the cgroup adds headroom)
    processes: int = sandbox.PROCESS_LIMIT  # tasks (processes and threads) for the kernel
    sandbox: str = "auto"              # "auto", "on" (fail without bwrap) or "off"
    threads: Optional[int] = None      # OMP_NUM_THREADS for the kernel, when set
    released_counts: Dict[str, int] = field(default_factory=dict)  # tamper-scan baseline
    refused: List[str] = field(default_factory=list)  # what in submitted/ was not read (links, FIFOs, ...)
    repairs: List[str] = field(default_factory=list)  # what repair.py did to ``files`` before grading


@dataclass
class Result:
    """What grading one submission produced."""

    student: str
    assignment: str
    graded: bool                       # nbgrader wrote a graded notebook
    record: Optional[dict]             # the student's grades to merge (None: nbgrader never got that far)
    files: Dict[str, Tuple[bytes, int]] = field(default_factory=dict)  # graded folder: path -> (data, mode)
    problems: List[str] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool = False
    stopped: bool = False              # the submission's time limit stopped it
    reason: str = ""                   # why nothing was graded, in words ("" when graded)
    limits: str = ""                   # which limits were in force
    log: str = ""                      # nbgrader's log for this submission, for the instructor


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
    if not job.files and job.refused:  # the submission folder itself is a link: nothing to grade
        reason = "nothing graded: " + "; ".join(job.refused)
        return Result(student=job.student, assignment=job.assignment, graded=False, record=None, reason=reason,
                      problems=[reason], seconds=time.monotonic() - tic)
    use_bwrap = _decide_sandbox(job.sandbox)
    uid = _kernel_uid() if use_bwrap and os.geteuid() == 0 else None
    hard_memory = job.memory + 4 * sandbox.SCRATCH_SIZE + MEMORY_HEADROOM if job.memory else None
    group = limits.make_cgroup(hard_memory, job.processes)
    runner = runner_for_this_thread()
    try:
        with tempfile.TemporaryDirectory(prefix="aml-grade-") as tmp:
            work = Path(tmp)
            plan = sandbox.Plan(
                cwd=str(work / "autograded" / job.student / job.assignment), runtime=str(work / "runtime"),
                bwrap=use_bwrap, uid=uid, memory=job.memory, exposed=sandbox.exposed_paths(),
                cgroups=group.folders if group else [], threads=job.threads, processes=job.processes,
                rlimits=limits.fallback_rlimits(None if group else job.memory, job.processes, uid))
            _write_working_copy(job, work, plan)
            answer, stopped = runner.autograde(work, job.assignment, job.student, job.timeout)
            if group is not None:
                group.kill()
            hit = group.events() if group else {}
            notebook_dir = work / "autograded" / job.student / job.assignment
            graded = bool(answer and answer.get("success")) and any(notebook_dir.glob("*.ipynb"))
            result = Result(student=job.student, assignment=job.assignment, graded=graded,
                            record=_read_record(work, job), sandboxed=use_bwrap, stopped=stopped,
                            limits=limits.describe(group, uid))
            result.log = _log_text(answer)
            if graded:
                result.files, unread = _read_graded(notebook_dir)
                result.problems += unread
            else:
                result.reason = _failure_reason(job, answer, stopped, hit)
            result.problems = _problems(job, result, hit) + result.problems
    finally:
        if group is not None:
            group.remove()
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


def _kernel_uid() -> int:
    """A user id no other kernel on this machine has now: this worker's pid and a counter."""
    return 1_000_000_000 + (os.getpid() % 2**22) * 64 + next(_uids) % 64


def _write_working_copy(job: Job, work: Path, plan: sandbox.Plan) -> None:
    db = work / "gradebook.db"
    db.write_bytes(job.gradebook)
    safe_files.write_folder(work / "submitted" / job.student / job.assignment, job.files)
    safe_files.write_folder(work / "source" / job.assignment, job.source_files)
    Path(plan.runtime).mkdir()
    plan_file = work / "sandbox.json"
    plan.save(plan_file)
    url = f"sqlite:///{db}"
    if job.prior:
        _seed_prior(url, job)
    _check_kernels(url, job)
    overrides = {
        "CourseDirectory.root": str(work),
        "CourseDirectory.db_url": url,
        "CourseDirectory.source_directory": "source",
        "CourseDirectory.submitted_directory": "submitted",
        "CourseDirectory.autograded_directory": "autograded",
        "Execute.timeout": int(job.cell_timeout),
        "LimitedExecute.timeout": int(job.cell_timeout),
        "Autograde.autograde_preprocessors": [
            "aml_gan.grading.kernel.LimitedExecute", "nbgrader.preprocessors.IgnorePattern",
            "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
            "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
            "nbgrader.preprocessors.CheckCellMetadata"],
        "SandboxedKernelManager.plan_file": str(plan_file),
        # Unix sockets reach into the sandbox, which has no network; one connection file per copy.
        "KernelManager.transport": "ipc",
        "KernelManager.connection_file": str(Path(plan.runtime) / "kernel.json"),
    }
    lines = [f"c.{key} = {value!r}" for key, value in overrides.items()]
    (work / "nbgrader_config.py").write_text(
        job.config_text + "\n\n# Added by aml_gan.grading for one submission's working copy.\n" + "\n".join(lines) + "\n")


def _check_kernels(url: str, job: Job) -> None:
    """The kernels the assignment's notebooks name (as stored at release) must be installed here."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbgrader.api import Gradebook

    with Gradebook(url, job.course_id) as gb:
        stored = [nb.kernelspec for nb in gb.find_assignment(job.assignment).notebooks]
    manager = KernelSpecManager()
    for name in {(json.loads(k).get("name") if k else None) or manager.default_kernel_name for k in stored}:
        try:
            manager.get_kernel_spec(name)
        except NoSuchKernel:
            raise RuntimeError(f"the kernel {name!r} that the assignment's notebooks use is not installed "
                               f"on this machine (jupyter kernelspec list)") from None


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


def _read_graded(folder: Path) -> Tuple[Dict[str, Tuple[bytes, int]], List[str]]:
    found, refused = safe_files.read_folder(folder, max_file=MAX_RESULT_FILE)
    return {rel: (data, 0o644) for rel, data in found.items()}, [f"graded folder: {why}" for why in refused]


def _log_text(answer: Optional[dict]) -> str:
    if not answer:
        return ""
    return (answer.get("log") or "") + ("\n" + answer["error"] if answer.get("error") else "")


# --------------------------------------------------------------------------- reasons, in words
def _problems(job: Job, result: Result, hit: Dict[str, bool]) -> List[str]:
    """Why a submission lost points it may not deserve to lose, and what to look at, for the summary."""
    problems = ["repaired: " + "; ".join(job.repairs)] if job.repairs else []
    if result.reason:
        problems.append(result.reason)
    if hit.get("processes"):
        problems.append(f"hit the limit of {job.processes} processes and threads")
    if hit.get("memory") and not result.reason:
        problems.append("a process was killed at the memory limit")
    if job.refused:
        problems.append("not read from submitted/: " + "; ".join(job.refused))
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
            try:
                problems += _cell_problems(json.loads(data), job)
            except ValueError:
                pass
    for line in result.log.splitlines():
        if "No submitted file:" in line:
            problems.append(f"missing {Path(line.split('No submitted file:')[1].strip()).name} (scored 0)")
    return list(dict.fromkeys(problems))  # a stopped cell can report two errors


# nbgrader wraps every failure in "There was an error processing assignment ... Please see the the
# above traceback": the cause is the innermost exception line of the traceback nbgrader logged.
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s*(.*))?$")
_WRAPPERS = {"NbGraderException", "nbgrader.converters.base.NbGraderException", "CellExecutionError"}


def _failure_reason(job: Job, answer: Optional[dict], stopped: bool, hit: Dict[str, bool]) -> str:
    if stopped:
        return f"stopped after {job.timeout:g} s (TIMEOUT), not graded: not retried unless FORCE=1 or handed in again"
    if hit.get("memory"):
        return f"the kernel was killed at its memory limit ({_size(job.memory)} heap): not graded"
    if answer is None:
        return "the grading process died: not graded"
    text = _log_text(answer)
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "the kernel died (os._exit, a crash, or a limit): not graded"
    if "NotJSONError" in text or "JSONDecodeError" in text or "does not appear to be JSON" in text:
        return "the notebook is not valid JSON (a broken file): not graded"
    cause = _first_cause(text)
    if not cause:
        return "nbgrader could not grade it (see its log)"
    hint = next((h for key, h in _HINTS.items() if key in cause), "")
    return f"nbgrader could not grade it: {cause[:200]}" + (f" ({hint})" if hint else "")


_HINTS = {
    "CellTimeoutError": "a cell ran on after the interrupt at the per-cell limit: it ignores KeyboardInterrupt",
    "KeyError: 'grade_id'": "a graded cell was duplicated or lost its metadata: repair the notebook against the release",
    "duplicate": "a cell was copied: repair the notebook against the release",
    "NotJSONError": "the file is not a notebook",
}


def _first_cause(log: str) -> str:
    """The exception line that names the cause (``KeyError: 'grade_id'``), or nbgrader's error line."""
    causes = []
    for line in log.splitlines():
        match = _EXCEPTION_LINE.match(line.strip())
        if match and match.group(1).split(".")[-1] not in {w.split(".")[-1] for w in _WRAPPERS}:
            causes.append(line.strip())
    if causes:
        return causes[0]
    errors = [ln.split("] ", 1)[-1] for ln in log.splitlines() if "[ERROR]" in ln and "Please see" not in ln]
    return errors[0] if errors else ""


def _cell_problems(nb: dict, job: Job) -> List[str]:
    from .kernel import OUTPUT_CUT

    out = []
    cut = OUTPUT_CUT.split("{")[0]
    for index, cell in enumerate(nb.get("cells", [])):
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"#{index + 1}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and cut in str(output.get("text", "")):
                out.append(f"cell {name} printed more than the grader keeps (output cut)")
            if output.get("output_type") != "error":
                continue
            ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
            if ename in ("KeyboardInterrupt", "CellTimeoutError"):
                out.append(f"cell {name} stopped at the {job.cell_timeout} s cell limit")
            elif ename == "MemoryError" or "can't allocate memory" in evalue or "out of memory" in evalue.lower():
                out.append(f"cell {name} ran out of memory (limit {_size(job.memory)})")
            elif "No space left on device" in evalue:
                out.append(f"cell {name} filled its {sandbox.SCRATCH_SIZE // 2**20} MiB of disk")
            elif "Resource temporarily unavailable" in evalue and "fork" in evalue.lower() + ename.lower():
                out.append(f"cell {name} hit the process limit")
    return out


def _size(n: Optional[int]) -> str:
    return "none" if not n else f"{n / 2**30:g} GiB"

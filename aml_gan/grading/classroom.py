"""Grade a whole class: every submission of an assignment that is not graded yet, in parallel.

``grade_class`` finds the submissions under ``submitted/<student>/<assignment>/`` that nbgrader
would grade (not graded yet, or handed in again since; all with ``force``), turns each into a
``submission.Job``, runs the jobs in local worker processes or on a Dask cluster, and merges
each result into the course as it arrives: the student's grades through nbgrader's API, one
writer at a time (this process, holding a lock on the gradebook), then the autograded folder.
A result is merged completely or not at all, so an interrupted run loses only the
submissions in flight, and the next run grades exactly what is missing.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

from . import limits, sandbox, tamper
from . import files as safe_files
from . import submission
from .submission import Job, Result, grade_submission, stop_on_interrupt

__all__ = ["Course", "Summary", "grade_class"]


class GradingError(Exception):
    """A problem with the command or the course (not with a student's work); the message names the fix."""


@dataclass
class Course:
    """The instructor's nbgrader course folder, read through nbgrader's own configuration."""

    root: Path
    config_text: str
    coursedir: object  # nbgrader.coursedir.CourseDirectory
    cell_timeout: int

    @classmethod
    def load(cls, root: Path) -> "Course":
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        root = Path(root).resolve()
        config_file = root / "nbgrader_config.py"
        if not config_file.is_file():
            raise GradingError(f"no nbgrader_config.py in {root}: run this from the course folder "
                               "(the repository root) or pass --course")
        config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
        coursedir = CourseDirectory(config=config)
        if not coursedir.root:
            coursedir.root = str(root)
        timeout = 30  # nbgrader's own default per cell
        for section in ("ExecutePreprocessor", "Execute"):  # the more specific one wins
            if "timeout" in config[section]:
                timeout = config[section].timeout
        return cls(root=Path(coursedir.root), config_text=config_file.read_text(), coursedir=coursedir,
                   cell_timeout=int(timeout))

    @property
    def db_url(self) -> str:
        url = self.coursedir.db_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not os.path.isabs(url[len(prefix):]):
            url = prefix + str(self.root / url[len(prefix):])  # nbgrader resolves it from the course root
        return url

    @property
    def gradebook_file(self) -> Optional[Path]:
        return Path(self.db_url[len("sqlite:///"):]) if self.db_url.startswith("sqlite:///") else None

    def folder(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(self.db_url, self.coursedir.course_id)


@dataclass
class Row:
    student: str
    score: str
    seconds: float
    problems: List[str]


@dataclass
class Summary:
    """What one run did: a row per submission graded, and what it skipped."""

    assignment: str
    rows: List[Row] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    unsandboxed: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    where: str = ""

    def table(self) -> str:
        head = ("student", "score", "time", "problems")
        body = [(r.student, r.score, f"{r.seconds:.1f} s", "; ".join(r.problems) or "-") for r in self.rows]
        widths = [max(len(x[i]) for x in [head, *body]) for i in range(3)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(line[:3], widths)) + "  " + line[3] for line in [head, *body]]
        lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(head[3]))
        return "\n".join(lines)


def grade_class(root: Path, assignment: str, *, jobs: Optional[int] = None, timeout: float = 900.0,
                cell_timeout: Optional[int] = None, memory: Optional[int] = 4 * 2**30,
                scheduler: Optional[str] = None, force: bool = False, sandbox_mode: str = "auto",
                processes: Optional[int] = None,
                say: Callable[[str], None] = print) -> Summary:
    """Autograde every submission of ``assignment`` not graded yet; print progress with ``say``."""
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")  # alembic
    # nbgrader's add_submission trips this SQLAlchemy warning on every new submission; it is harmless.
    warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")
    tic = time.monotonic()
    course = Course.load(root)
    jobs = jobs or _cores()
    summary = Summary(assignment)
    with _gradebook_lock(course):
        plan = _plan(course, assignment, force)
        summary.skipped = len(plan.students) - len(plan.todo)
        if not plan.students:
            say(f"No submissions of {assignment} yet: they go in {course.folder('submitted', '<student>', assignment)}/.")
        _announce(say, assignment, len(plan.todo), summary.skipped, jobs, scheduler, sandbox_mode)
        options = dict(timeout=timeout, cell_timeout=submission.cell_limit(cell_timeout or course.cell_timeout, timeout),
                       memory=memory, sandbox=sandbox_mode, threads=None if scheduler else max(1, _cores() // jobs),
                       processes=processes or sandbox.PROCESS_LIMIT)
        job_list = [_make_job(course, plan, student, options) for student in plan.todo]
        runner = _run_dask(job_list, scheduler) if scheduler else _run_local(job_list, jobs)
        width = len(str(len(job_list)))
        try:
            for done, (job, result) in enumerate(runner, 1):
                if result is None:  # its worker was interrupted: nothing to merge, graded next time
                    summary.interrupted = True
                    continue
                with _interrupts_deferred():
                    _merge(course, result)
                    _save_status(course, job, result)
                row = _row(course, result)
                summary.rows.append(row)
                summary.failed += not result.graded
                summary.unsandboxed += not result.sandboxed and (result.record is not None or bool(result.log))
                say(f"[{done:>{width}}/{len(job_list)}] {row.student}: {row.score} in {row.seconds:.1f} s"
                    + (f" ({'; '.join(row.problems)})" if row.problems else ""))
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            runner.close()
    graded_now = {r.student for r in summary.rows}
    summary.rows += [_earlier_row(course, assignment, s) for s in plan.students if s not in graded_now]
    summary.rows.sort(key=lambda r: r.student)
    summary.seconds = time.monotonic() - tic
    summary.where = (f"Grades: {course.gradebook_file or course.db_url} (the Formgrader shows them; "
                     f"`nbgrader export` writes grades.csv)\n"
                     f"Graded notebooks: {course.folder('autograded', '<student>', assignment)}\n"
                     f"Logs, one per submission: {_log_folder(course, assignment)}\n"
                     f"Feedback for students: nbgrader generate_feedback {assignment}")
    return summary


# --------------------------------------------------------------------------- finding the work
@dataclass
class _Plan:
    assignment: str
    template: bytes                    # gradebook with the assignment only
    released: dict                     # tamper-scan counts of the release
    students: List[str]                # every student with a submission folder
    todo: List[str]                    # those to grade now
    prior: dict                        # student -> state in the course gradebook


def _plan(course: Course, assignment: str, force: bool) -> _Plan:
    if course.gradebook_file is not None and not course.gradebook_file.is_file():
        raise GradingError(f"there is no gradebook at {course.gradebook_file}: release the assignment first "
                           f"(nbgrader generate_assignment {assignment}, or make release)")
    students = _submitted_students(course, assignment)
    with course.gradebook() as gb:
        template = _assignment_template(course, gb, assignment)
        prior = {s.student.id: _state(s) for s in gb.find_assignment(assignment).submissions}
    todo = [s for s in students if force or ((s not in prior or _folder_outdated(course, assignment, s))
                                             and not _stopped_before(course, assignment, s))]
    return _Plan(assignment, template, _released_counts(course, assignment), students, todo, prior)


def _stopped_before(course: Course, assignment: str, student: str) -> bool:
    """A submission that could not be graded last time, handed in unchanged since: not retried."""
    status = _load_status(course, assignment, student)
    return bool(status) and not status.get("graded") and not status.get("worker_failed") \
        and status.get("fingerprint") == _fingerprint(course, assignment, student)


def _submitted_students(course: Course, assignment: str) -> List[str]:
    marker = "\0"  # the student's place in nbgrader's directory_structure
    pattern = course.folder("submitted", marker, assignment)
    index = pattern.parts.index(marker)
    found = glob.glob(str(course.folder("submitted", "*", assignment)))
    return sorted(Path(p).parts[index] for p in found if Path(p).is_dir())


def _folder_outdated(course: Course, assignment: str, student: str) -> bool:
    """nbgrader's own rule (BaseConverter.init_destination): no autograded folder, or a newer submission."""
    dest = course.folder("autograded", student, assignment)
    if not dest.is_dir():
        return True
    new = course.coursedir.get_existing_timestamp(str(course.folder("submitted", student, assignment)))
    old = course.coursedir.get_existing_timestamp(str(dest))
    return new is not None and old is not None and new > old


def _assignment_template(course: Course, gb, assignment: str) -> bytes:
    """A gradebook holding only the assignment: its cells, checksums and kernelspecs (no student)."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        source = gb.find_assignment(assignment)
    except MissingEntry:
        known = ", ".join(a.name for a in gb.assignments) or "none"
        raise GradingError(f"the gradebook has no assignment {assignment!r} (it has: {known}); release it "
                           f"first: nbgrader generate_assignment {assignment}") from None
    with tempfile.TemporaryDirectory(prefix="aml-grade-template-") as tmp:
        path = Path(tmp) / "gradebook.db"
        with Gradebook(f"sqlite:///{path}", course.coursedir.course_id) as copy:
            copy.update_or_create_assignment(assignment, duedate=source.duedate)
            for nb in source.notebooks:
                copy.update_or_create_notebook(nb.name, assignment, kernelspec=nb.kernelspec)
                for c in nb.grade_cells:
                    copy.update_or_create_grade_cell(c.name, nb.name, assignment, max_score=c.max_score,
                                                     cell_type=c.cell_type)
                for c in nb.solution_cells:
                    copy.update_or_create_solution_cell(c.name, nb.name, assignment)
                for c in nb.task_cells:
                    copy.update_or_create_task_cell(c.name, nb.name, assignment, max_score=c.max_score,
                                                    cell_type=c.cell_type)
                for c in nb.source_cells:
                    copy.update_or_create_source_cell(c.name, nb.name, assignment, cell_type=c.cell_type,
                                                      locked=c.locked, source=c.source, checksum=c.checksum)
        return path.read_bytes()


def _state(submission) -> dict:
    """A submission as the gradebook holds it (what autograde reads or writes)."""
    return {
        "timestamp": submission.timestamp,
        "extension": submission.extension,
        "notebooks": {nb.name: {
            "late_submission_penalty": nb.late_submission_penalty,
            "grades": {g.name: {"auto_score": g.auto_score, "manual_score": g.manual_score,
                                "extra_credit": g.extra_credit, "needs_manual_grade": g.needs_manual_grade}
                       for g in nb.grades},
            "comments": {c.name: {"auto_comment": c.auto_comment, "manual_comment": c.manual_comment}
                         for c in nb.comments},
        } for nb in submission.notebooks},
    }


def _released_counts(course: Course, assignment: str) -> dict:
    counts = {p: 0 for p in tamper.PATTERNS}
    for nb_file in course.folder("release", ".", assignment).glob("*.ipynb"):
        for p, n in tamper.count_patterns(json.loads(nb_file.read_text())).items():
            counts[p] += n
    return counts


def _read_submission(course: Course, assignment: str, student: str) -> Tuple[dict, List[str]]:
    """The submitted folder's regular files, and what was refused (links are never followed)."""
    base = course.folder("submitted", ".", assignment).parent.parent  # submitted/
    folder = course.folder("submitted", student, assignment)
    for part in (folder.parent, folder):  # submitted/<student> and submitted/<student>/<assignment>
        if part != base and part.is_symlink():
            return {}, [f"{part.relative_to(base)} is a symbolic link (not followed)"]
    return safe_files.read_folder(folder)


def _fingerprint(course: Course, assignment: str, student: str) -> str:
    files, refused = _read_submission(course, assignment, student)
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    digest.update("\n".join(refused).encode())
    return digest.hexdigest()


def _make_job(course: Course, plan: _Plan, student: str, options: dict) -> Job:
    from nbgrader.utils import find_all_files

    files, refused = _read_submission(course, plan.assignment, student)
    repaired = _repair(course, plan.assignment, student, files)
    source = course.folder("source", ".", plan.assignment)  # the instructor's own files
    source_files = {os.path.relpath(f, source): Path(f).read_bytes()
                    for f in find_all_files(str(source), course.coursedir.ignore + ["*.ipynb"])} if source.is_dir() else {}
    return Job(student=student, assignment=plan.assignment, files=repaired.files, repairs=repaired.repairs,
               refused=refused,
               source_files=source_files, config_text=course.config_text, gradebook=plan.template,
               course_id=course.coursedir.course_id, prior=plan.prior.get(student),
               released_counts=plan.released, **options)


# --------------------------------------------------------------------------- what each run leaves: status and log
def _log_folder(course: Course, assignment: str) -> Path:
    return course.root / "grading_logs" / assignment


def _load_status(course: Course, assignment: str, student: str) -> dict:
    try:
        return json.loads((_log_folder(course, assignment) / f"{student}.json").read_text())
    except (OSError, ValueError):
        return {}


def _save_status(course: Course, job: Job, result: Result) -> None:
    """``grading_logs/<assignment>/<student>.json`` (what happened) and ``.log`` (nbgrader's log)."""
    folder = _log_folder(course, job.assignment)
    folder.mkdir(parents=True, exist_ok=True)
    status = {"student": job.student, "graded": result.graded, "stopped": result.stopped,
              "worker_failed": result.record is None and not result.stopped and not result.log,
              "reason": result.reason, "flags": [p for p in result.problems if p.startswith("uses ")],
              "problems": result.problems, "seconds": round(result.seconds, 1), "sandboxed": result.sandboxed,
              "limits": result.limits, "fingerprint": _fingerprint(course, job.assignment, job.student),
              "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    for name, text in ((f"{job.student}.json", json.dumps(status, indent=1)), (f"{job.student}.log", result.log)):
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, folder / name)


def _earlier_row(course: Course, assignment: str, student: str) -> Row:
    """A row for a student not graded in this run: graded before, or recorded as not gradable."""
    from nbgrader.api import MissingEntry

    status = _load_status(course, assignment, student)
    score = "-"
    with course.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
            if status.get("graded", True) and course.folder("autograded", student, assignment).is_dir():
                score = f"{sub.code_score:g} / {sub.max_code_score:g}"
        except MissingEntry:
            pass
    if status and not status.get("graded"):
        problems = [status.get("reason") or "not graded", "recorded before: FORCE=1 regrades it"]
    else:
        problems = ["graded before"]
    return Row(student, score, float(status.get("seconds", 0.0)), problems)


def _repair(course: Course, assignment: str, student: str, files: dict):
    """The submission repaired against the release (repair.py); the log to grading_logs/<assignment>/."""
    from .repair import Repaired, repair_submission

    release = {p.name: p.read_bytes() for p in course.folder("release", ".", assignment).glob("*.ipynb")}
    try:
        repaired = repair_submission(files, release, assignment)
    except Exception as err:  # noqa: BLE001 - a failed repair must never cost the submission
        repaired = Repaired(files=files, log=f"repair failed ({type(err).__name__}: {err}): graded as handed in\n")
    log = course.root / "grading_logs" / assignment / f"{student}.repair.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(repaired.log)
    return repaired


# --------------------------------------------------------------------------- running the jobs
def _run_local(jobs: List[Job], workers: int) -> Iterator[Tuple[Job, Optional[Result]]]:
    if not jobs:
        return
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), initializer=stop_on_interrupt) as pool:
        futures = {pool.submit(grade_submission, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                yield futures[future], _outcome(futures[future], future.result)
        finally:
            for future in futures:
                future.cancel()


def _run_dask(jobs: List[Job], address: str) -> Iterator[Tuple[Job, Optional[Result]]]:
    try:
        from dask.distributed import Client, as_completed as dask_completed
    except ImportError:
        raise GradingError("SCHEDULER needs Dask: pip install -e '.[grading]' (or pip install 'dask[distributed]')") from None
    if not jobs:
        return
    try:
        client = Client(address, timeout="20s")
    except OSError as err:
        raise GradingError(f"no Dask scheduler answers at {address} ({err}); start one with `dask scheduler` "
                           f"and workers with `dask worker {address} --nthreads 1`") from None
    futures = {}
    try:
        for job in jobs:
            key = f"grade-{job.assignment}-{job.student}-{os.getpid()}-{time.time_ns()}"
            futures[client.submit(grade_submission, job, key=key, pure=False, retries=0)] = job
        for future in dask_completed(list(futures)):
            yield futures[future], _outcome(futures[future], future.result)
    finally:
        client.cancel(list(futures))
        client.close()


def _outcome(job: Job, get) -> Optional[Result]:
    """The job's Result; None if its worker was interrupted; a failed Result if the worker broke."""
    try:
        return get()
    except KeyboardInterrupt:
        return None
    except Exception as err:  # noqa: BLE001 - one worker's failure must not stop the class
        reason = f"the grading worker failed: {type(err).__name__}: {err}"[:300]
        return Result(student=job.student, assignment=job.assignment, graded=False, record=None,
                      reason=reason, problems=[reason])


# --------------------------------------------------------------------------- merging
def _merge(course: Course, result: Result) -> None:
    """Put what autograde wrote for one student into the course: grades first, then the folder.

    Nothing is merged when nbgrader did not run (``record`` is None: a worker broke). When
    nbgrader ran but could not grade, its autograded folder is removed, as nbgrader does.
    """
    if result.record is None:
        return
    with course.gradebook() as gb:
        gb.update_or_create_student(result.student)
        submission = gb.update_or_create_submission(result.assignment, result.student)
        submission.timestamp = result.record["timestamp"]
        for nb in submission.notebooks:
            got = result.record["notebooks"].get(nb.name)
            if got is None:
                continue
            nb.late_submission_penalty = got["late_submission_penalty"]
            for grade in nb.grades:
                if grade.name in got["grades"]:
                    grade.auto_score, grade.needs_manual_grade = got["grades"][grade.name]
            for comment in nb.comments:
                if comment.name in got["comments"]:
                    comment.auto_comment = got["comments"][comment.name]
        gb.db.commit()
    dest = course.folder("autograded", result.student, result.assignment)
    if not result.graded:
        if dest.exists():
            shutil.rmtree(dest)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=f".{dest.name}.incoming-", dir=dest.parent))
    for rel, (data, mode) in result.files.items():
        if not safe_files.safe_relative(rel):
            continue
        target = incoming / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, mode)
    os.chmod(incoming, 0o755)
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(incoming, dest)


def _row(course: Course, result: Result) -> Row:
    from nbgrader.api import MissingEntry

    score = "-"
    with course.gradebook() as gb:
        try:
            sub = gb.find_submission(result.assignment, result.student)
            score = f"{sub.code_score:g} / {sub.max_code_score:g}" if result.graded else "-"
        except MissingEntry:
            pass
    problems = (["UNSANDBOXED"] if not result.sandboxed and result.record is not None else []) + result.problems
    return Row(result.student, score, result.seconds, problems)


# --------------------------------------------------------------------------- small helpers
def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def _gradebook_lock(course: Course):
    """One grading run per gradebook; an advisory lock (flock), independent of sqlite's own locks."""
    path = course.gradebook_file
    if path is None or not path.is_file():
        yield
        return
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GradingError(f"another grading run is using {path}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _interrupts_deferred():
    """Let a merge finish before Ctrl-C takes effect, so a student is merged completely or not at all."""
    caught = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def _announce(say, assignment: str, todo: int, skipped: int, jobs: int,
              scheduler: Optional[str], sandbox_mode: str) -> None:
    where = f"on the Dask cluster at {scheduler}" if scheduler else f"in {jobs} worker process{'es' * (jobs != 1)}"
    say(f"Grading {todo} submission{'s' * (todo != 1)} of {assignment} {where}"
        + (f"; {skipped} already graded (--force / FORCE=1 regrades them)" if skipped else "") + ".")
    if not scheduler and todo:
        if sandbox_mode == "off" or not sandbox.bwrap_works():
            if sandbox_mode == "on":
                raise GradingError("the sandbox was required but bubblewrap (bwrap) does not work here: "
                                   "install it (Debian/Ubuntu: apt-get install bubblewrap)")
            say(_UNSANDBOXED)
        else:
            say("Limits: " + limits.describe_here())
            say("Sandbox: bubblewrap (only the system and Python visible, read-only; no network; own "
                "processes; an unprivileged user when run as root; empty environment; writable only "
                "size-capped folders in memory).")


_UNSANDBOXED = """
!!! WARNING: student code runs UNSANDBOXED, with your rights: it can read and change your files,
!!! including the gradebook, and use the network. Install bubblewrap (Debian/Ubuntu:
!!! apt-get install bubblewrap) to grade each submission in a sandbox.
"""

"""``make grade``: a whole class graded in parallel, sandboxed, on one machine or a Dask cluster.

A fabricated class on the tiny assignment of test_grading_pipeline.py (a few seconds per
student) holds every fault the command must survive: correct work, the untouched release, an
endless loop, a kernel that kills itself, a memory hog, a hostile submission that attacks
the gradebooks, the other students' files and the network, and a file that is not JSON.
One course assignment (04_sequence_gan) checks that the result equals serial ``nbgrader autograde``.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from aml_gan.grading.sandbox import bwrap_works, exposed_paths
from conftest import REPO, SOLUTIONS, Course, nbgrader_meta, tool_env
from test_grading_pipeline import ASSIGNMENT, fixture_notebook

pytestmark = pytest.mark.grading

SANDBOXED = bwrap_works()
DAEMON = "1234.5"  # `sleep 1234.5`: a process a student starts to outlive grading

ATTACK = '''\
import glob, os, shutil, socket, subprocess
COURSE, PORT = {course!r}, {port}

def attempt(what, action):
    try:
        print(f"ATTACK {{what}}: done {{action()!r}}"[:300])
    except BaseException as err:
        print(f"ATTACK {{what}}: blocked {{type(err).__name__}}: {{err}}"[:300])

def smash(path):
    with open(path, "wb") as handle:
        handle.write(b"pwned")

nearby, here = [], os.getcwd()
for _ in range(4):  # up to the working copy, where this submission's temporary gradebook is
    here = os.path.dirname(here)
    nearby += glob.glob(os.path.join(here, "*.db"))
attempt("find a gradebook near the notebook", lambda: nearby)
targets = [os.path.join(COURSE, "gradebook.db")] + glob.glob(os.path.join(os.path.dirname(COURSE), "**", "*.db"), recursive=True)
for path in sorted(set(targets + nearby)):
    attempt(f"overwrite {{path}}", lambda path=path: smash(path))
attempt("delete another student's submission", lambda: shutil.rmtree(os.path.join(COURSE, "submitted", "alice")))
attempt("delete the course's nbgrader_config.py", lambda: os.remove(os.path.join(COURSE, "nbgrader_config.py")))
import aml_gan
attempt("open the course package for writing", lambda: open(aml_gan.__file__, "a").close())
attempt("connect to 127.0.0.1", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=3).sendall(b"stolen"))
attempt("connect to the internet", lambda: socket.create_connection(("1.1.1.1", 80), timeout=3).close())
attempt("unmount /tmp", lambda: subprocess.run(["umount", "/tmp"], capture_output=True, check=True))
attempt("list the home folder", lambda: os.listdir(os.path.expanduser("~")))
attempt("start a process that outlives the kernel", lambda: subprocess.Popen(["sleep", "{daemon}"], start_new_session=True).pid)

def add(a, b):
    return a + b
'''


# --------------------------------------------------------------------------- building a class
def _by_id(nb, grade_id):
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def _variant(released, **sources):
    nb = copy.deepcopy(released)
    for grade_id, source in sources.items():
        _by_id(nb, grade_id).source = source
    return nb


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory) -> Path:
    """The tiny assignment, released once per module; tests grade copies of it."""
    root = tmp_path_factory.mktemp("tiny")
    src = root / "src" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(fixture_notebook(), src / f"{ASSIGNMENT}.ipynb")
    course = Course.create(root / "course", {ASSIGNMENT: src})
    course.release(ASSIGNMENT)
    return course.root


def _tiny_course(release: Path, root: Path) -> Course:
    shutil.copytree(release, root / "course")
    return Course(root / "course")


def _released(course: Course, assignment: str = ASSIGNMENT):
    return nbformat.read(course.root / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)


def _grade(course: Course, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aml_gan.grading", "grade", *args], cwd=course.root,
                          env=tool_env(), capture_output=True, text=True, timeout=timeout)


def _tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _outputs(nb) -> str:
    return "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def _daemons() -> list:
    return [p for p in psutil.process_iter(["cmdline"]) if DAEMON in (p.info["cmdline"] or [])]


def _row(stdout: str, student: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(student + " "))


# --------------------------------------------------------------------------- the fault class
@pytest.fixture(scope="module")
def fault_class(tiny_release, tmp_path_factory):
    course = _tiny_course(tiny_release, tmp_path_factory.mktemp("faults"))
    released = _released(course)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    received, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                received.append(conn.recv(100))
            except OSError:
                pass

    course.submit("alice", ASSIGNMENT, fixture_notebook())                    # correct
    course.submit("bob", ASSIGNMENT, released)                                # untouched
    course.submit("carol", ASSIGNMENT, _variant(released, add="def add(a, b):\n    return b + a",
                                                double="def double(x):\n    return x * 2"))  # correct, own words
    course.submit("erin", ASSIGNMENT, _variant(released, add="def add(a, b):\n    return a + b",
                                               double="while True:\n    pass"))
    course.submit("kate", ASSIGNMENT, _variant(released, add="import os\nos._exit(1)"))
    course.submit("hog", ASSIGNMENT, _variant(released, add="def add(a, b):\n    return a + b",
                                              double="hoard = []\nwhile True:\n    hoard.append(bytearray(64 * 2**20))"))
    jim = course.root / "submitted" / "jim" / ASSIGNMENT
    jim.mkdir(parents=True)
    (jim / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [ this is not JSON')
    if SANDBOXED:  # unsandboxed, this one would really damage the course (that is the point of the sandbox)
        attack = ATTACK.format(course=str(course.root), port=listener.getsockname()[1], daemon=DAEMON)
        course.submit("mallory", ASSIGNMENT, _variant(released, add=attack))
    before = _tree_digest(course.root / "submitted")
    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    tic = time.monotonic()
    proc = _grade(course, ASSIGNMENT, "--jobs", "2", "--timeout", "120", "--cell-timeout", "5", "--memory", "1G")
    seconds = time.monotonic() - tic
    stop.set()
    thread.join()
    listener.close()
    print(proc.stdout, proc.stderr, f"graded the fault class in {seconds:.0f} s", sep="\n")
    return SimpleNamespace(course=course, proc=proc, before=before, received=received)


def test_every_student_is_in_the_summary_with_the_reason(fault_class):
    out = fault_class.proc.stdout
    assert fault_class.proc.returncode == 1, "two submissions could not be graded: the exit status says so"
    assert "3 / 3" in _row(out, "alice") and "3 / 3" in _row(out, "carol")
    assert "0 / 3" in _row(out, "bob")
    assert "2 / 3" in _row(out, "erin") and "stopped at the 5 s cell limit" in _row(out, "erin")
    assert "kernel died" in _row(out, "kate")
    assert "2 / 3" in _row(out, "hog") and "ran out of memory" in _row(out, "hog")
    assert "not valid JSON" in _row(out, "jim")
    assert "gradebook.db" in out and "generate_feedback" in out


def test_each_fault_costs_only_its_own_points(fault_class):
    course = fault_class.course
    expected = {"alice": 3, "carol": 3, "bob": 0, "erin": 2, "hog": 2}
    for student, points in expected.items():
        scores = course.scores(ASSIGNMENT, student)
        assert scores["auto"] == points, f"{student}: {scores}"
        assert (course.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    for student in ("kate", "jim"):  # as serial nbgrader leaves them: a submission without scores
        assert course.scores(ASSIGNMENT, student)["auto"] == 0
        assert not (course.root / "autograded" / student).exists()


@pytest.mark.skipif(not SANDBOXED, reason="bubblewrap is not available: the attack would really run")
def test_the_sandbox_blocks_the_attacks(fault_class):
    course = fault_class.course
    assert course.scores(ASSIGNMENT, "mallory")["auto"] == 2  # its own points, nothing more
    log = _outputs(course.autograded(ASSIGNMENT, "mallory"))
    attacks = dict(line[len("ATTACK "):].split(": ", 1) for line in log.splitlines() if line.startswith("ATTACK "))
    print("\n".join(f"{what}: {outcome}" for what, outcome in attacks.items()))
    harmless = {"list the home folder", "start a process that outlives the kernel", "find a gradebook near the notebook"}
    assert attacks["find a gradebook near the notebook"] == "done []"
    assert any(what.startswith("overwrite") and what.endswith("course/gradebook.db") for what in attacks)
    assert len(attacks) == 10, attacks
    assert all(outcome.startswith("blocked") for what, outcome in attacks.items() if what not in harmless), attacks
    # The home folder is an empty scratch folder: what the sandbox put back (Python) and what the
    # kernel itself creates there (IPython's profile, caches) is all it holds.
    seen = ast.literal_eval(attacks["list the home folder"].split("done ", 1)[1])
    home = Path.home()
    put_back = {Path(p).relative_to(home).parts[0] for p in exposed_paths() if Path(p).is_relative_to(home)}
    assert set(seen) <= put_back | {".ipython", ".cache", ".config", ".local", ".jupyter"}, seen
    assert fault_class.received == [], "the sandbox let a student reach the network"
    assert not _daemons(), "a process started by a student outlived grading"
    row = _row(fault_class.proc.stdout, "mallory")
    assert "gradebook" in row and "shutil.rmtree" in row  # the tamper scan flags it for a human


def test_course_gradebook_and_other_submissions_are_untouched(fault_class):
    course = fault_class.course
    assert _tree_digest(course.root / "submitted") == fault_class.before
    assert (course.root / "nbgrader_config.py").is_file()
    assert not (course.root / "gradebook.db").read_bytes().startswith(b"pwned")
    course.nbgrader("generate_feedback", ASSIGNMENT, "--student", "alice")  # nbgrader still reads the course


def test_wall_clock_stops_a_submission_that_ignores_interrupts(tiny_release, tmp_path):
    course = _tiny_course(tiny_release, tmp_path)
    stubborn = ("import signal, subprocess\nsubprocess.Popen(['sleep', '%s'])\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass" % DAEMON)
    course.submit("stubborn", ASSIGNMENT, _variant(_released(course), add=stubborn))
    proc = _grade(course, ASSIGNMENT, "--timeout", "15", "--cell-timeout", "60")
    row = _row(proc.stdout, "stubborn")
    # nbclient gives up on a kernel that ignores the interrupt (then nbgrader fails the notebook), or
    # the wall clock stops it first: either way it is not graded, and the row says which.
    stopped = "stopped after 15 s" in row or "it ignores KeyboardInterrupt" in row
    assert stopped and row.split()[1] == "-", proc.stdout + proc.stderr
    assert not (course.root / "autograded" / "stubborn").exists()
    time.sleep(1)
    assert not _daemons()
    # Recorded: the next run does not spend another 15 s on it, and says why; FORCE=1 does.
    again = _grade(course, ASSIGNMENT, "--timeout", "15")
    assert "Grading 0 submissions" in again.stdout and "1 graded before" in again.stdout
    assert row.split("  ")[-1].split(";")[0] in _row(again.stdout, "stubborn") and "FORCE=1" in _row(again.stdout, "stubborn")
    forced = _grade(course, ASSIGNMENT, "--timeout", "15", "--force")
    assert "Grading 1 submission " in forced.stdout and "[1/1] stubborn" in forced.stdout


def test_failure_reasons_are_nbgraders_real_error(tiny_release, tmp_path):
    """nbgrader's own words for what it could not grade (here a copied test cell and a cell whose
    grade_id was deleted, nbgrader #1083), as plain ``nbgrader autograde`` logs them."""
    from aml_gan.grading import submission

    course = _tiny_course(tiny_release, tmp_path)
    copied = _released(course)
    copied.cells.insert(3, copy.deepcopy(copied.cells[2]))
    copied.cells[3].id = "copy-of-test-add"
    course.submit("dup", ASSIGNMENT, copied)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=course.root,
                          env=tool_env(), capture_output=True, text=True)
    reason = submission._failure_reason(submission.Job("dup", ASSIGNMENT, {}, {}, "", b""),
                                        {"success": False, "log": proc.stdout + proc.stderr}, False, {})
    assert reason.startswith("nbgrader could not grade it: KeyError: 'grade_id'"), reason
    assert "repair the notebook" in reason and "Please see" not in reason


# --------------------------------------------------------------------------- interrupt, rerun, Dask
def test_interrupted_run_then_rerun_on_a_dask_cluster_grades_only_what_is_missing(tiny_release, tmp_path):
    pytest.importorskip("dask.distributed")
    course = _tiny_course(tiny_release, tmp_path)
    students = ("ann", "ben", "dan")
    course.submit("ann", ASSIGNMENT, fixture_notebook())
    course.submit("ben", ASSIGNMENT, fixture_notebook())
    course.submit("dan", ASSIGNMENT, _released(course))
    proc = subprocess.Popen([sys.executable, "-m", "aml_gan.grading", "grade", ASSIGNMENT, "--jobs", "1"],
                            cwd=course.root, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    autograded = course.root / "autograded"
    deadline = time.monotonic() + 300
    while not (autograded.is_dir() and any(autograded.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    first = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, first
    done_first = {p.name for p in autograded.iterdir() if not p.name.startswith(".")}
    assert 1 <= len(done_first) < len(students), first
    stamps = {s: (autograded / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime_ns for s in done_first}

    with _dask_cluster(tmp_path) as address:
        second = _grade(course, ASSIGNMENT, "--scheduler", address, timeout=300)
    out = second.stdout
    assert second.returncode == 0, out + second.stderr
    graded_now = {s for s in students if f"] {s}:" in out}
    assert graded_now == set(students) - done_first, out
    assert f"{len(done_first)} graded before" in out
    assert all((autograded / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime_ns == t for s, t in stamps.items())
    for student in ("ann", "ben"):
        assert course.scores(ASSIGNMENT, student)["auto"] == 3
    assert course.scores(ASSIGNMENT, "dan")["auto"] == 0


class _dask_cluster:
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, stopped at the end."""

    def __init__(self, tmp_path: Path, env: dict = None):
        self.file = tmp_path / "scheduler.json"
        self.procs = []
        self.env = env or tool_env()

    def _start(self, *args):
        exe = Path(sys.executable).parent / "dask"
        self.procs.append(subprocess.Popen([str(exe), *args], env=self.env, cwd=self.file.parent,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def __enter__(self) -> str:
        self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.file))
        deadline = time.monotonic() + 60
        while not self.file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(self.file.read_text())["address"]
        for _ in range(2):
            self._start("worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                        "--host", "127.0.0.1")
        from dask.distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        return address

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------- equal to serial nbgrader
def _state(course: Course, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        out = {}
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                out[(sub.student.id, nb.name)] = {
                    "timestamp": sub.timestamp, "late": nb.late_submission_penalty,
                    "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades},
                    "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
                }
        return out


def _cells(nb) -> list:
    """Each cell's source and the errors and stream names it showed (a kernel may split one print
    into several stream messages, so consecutive pieces of the same stream count once)."""
    def shown(cell):
        kinds = [o.get("ename") or o.get("name") for o in cell.get("outputs", [])
                 if o["output_type"] in ("error", "stream")]
        return [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]

    return [(c.cell_type, c.source, shown(c)) for c in nb.cells]


def test_result_equals_serial_nbgrader_autograde(tmp_path):
    # 02_losses: several exercises, quick to run, and no widget cell (nbclient can stall on those
    # until the cell timeout, jupyter/nbclient#312, in serial nbgrader as much as here).
    assignment = "02_losses"
    serial = Course.create(tmp_path / "serial", {assignment: SOLUTIONS / assignment})
    released = nbformat.read(serial.release(assignment), as_version=4)
    partial = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    stub = _by_id(released, "generator_loss")  # one exercise left undone, the others solved
    partial.cells[partial.cells.index(_by_id(partial, "generator_loss"))] = copy.deepcopy(stub)
    serial.submit("partial", assignment, partial)
    serial.submit("untouched", assignment, released)
    parallel = Course(tmp_path / "parallel")
    shutil.copytree(serial.root, parallel.root)

    serial.autograde(assignment)
    proc = _grade(parallel, assignment, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    assert _state(parallel, assignment) == _state(serial, assignment)
    scores = serial.scores(assignment, "partial")
    assert 0 < scores["auto"] < scores["max_auto"], scores
    for student in ("partial", "untouched"):
        assert _cells(parallel.autograded(assignment, student)) == _cells(serial.autograded(assignment, student))


# --------------------------------------------------------------------------- cheap checks
def test_clear_errors_name_the_fix(tiny_release, tmp_path):
    course = _tiny_course(tiny_release, tmp_path)
    proc = _grade(course, "99_missing")
    assert proc.returncode == 2 and "generate_assignment 99_missing" in proc.stderr
    proc = _grade(course, ASSIGNMENT, "--memory", "lots")
    assert proc.returncode == 2 and "4G" in proc.stderr
    elsewhere = subprocess.run([sys.executable, "-m", "aml_gan.grading", "grade", ASSIGNMENT], cwd=tmp_path,
                               env=tool_env(), capture_output=True, text=True)
    assert elsewhere.returncode == 2 and "nbgrader_config.py" in elsewhere.stderr


def test_students_never_import_the_grading_tools():
    code = "import sys, aml_gan; print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbgrader', 'dask', 'distributed') or m.startswith('aml_gan.grading')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=tool_env(), capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

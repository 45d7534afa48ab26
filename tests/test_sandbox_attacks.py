"""Hostile students against ``make grade``: every attack of a class, graded locally and on Dask.

One class of the tiny assignment holds two honest classmates, an untouched release and one
submission per attack: a notebook swapped for links to the gradebook and other files, a cell
that prints the grader's environment and reads the instructor's files, a spy on the shared
temporary folder, a fork bomb, a shared-memory hog, a disk filler, a sleeping cell, links,
hard links and a FIFO in ``submitted/``, and a student folder that is a link to a classmate's.
The class is graded with ``TMPDIR`` outside /tmp, a secret in the environment, a canary in
the grader's home, a Unix socket outside /tmp, and another course next door. Afterwards:
the instructor's files and the other course are byte-identical, the course gradebook holds
exactly the classmates' honest scores, no canary appears in any graded notebook or feedback,
and every attacker's row says what happened.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from aml_gan.grading.sandbox import bwrap_works
from conftest import tool_env
from test_grade_class import _dask_cluster, _released, _row, _tiny_course, _variant, tiny_release  # noqa: F401
from test_grading_pipeline import ASSIGNMENT, fixture_notebook

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(not bwrap_works(), reason="bubblewrap is not available: the attacks would really run")]

SECRET = "canary-env-7f3a91"        # in the grader's environment
HOME_SECRET = "canary-home-55c2e0"  # a file in the grader's home
NOTES_SECRET = "canary-notes-0b9d44"  # an instructor's file in the course folder
HONEST = "honest-marker-31337"      # in a classmate's answer: no spy may copy it
CORRECT = "def add(a, b):\n    return a + b\n"

LINKER = '''\
import os
for i, target in enumerate({targets!r}):
    for name in ("00_fixture.ipynb", f"link{{i}}"):
        try:
            if os.path.lexists(name):
                os.remove(name)
            os.symlink(target, name + ".l"); os.replace(name + ".l", name)
            with open(name, "wb") as handle:
                handle.write(b"pwned")
            print("ATTACK wrote through", name, "to", target)
        except OSError as err:
            print("ATTACK blocked", target, type(err).__name__)
    try:
        with open(target, "wb") as handle:
            handle.write(b"pwned")
        print("ATTACK overwrote", target)
    except OSError as err:
        print("ATTACK blocked", target, type(err).__name__)
for line in open("/proc/self/mountinfo"):
    print("ATTACK mount", line.split()[4])
'''

LEAKER = '''\
import os, socket
print("ATTACK environment", dict(os.environ))
for path in {paths!r}:
    try:
        print("ATTACK read", path, open(path).read()[:200])
    except OSError as err:
        print("ATTACK blocked", path, type(err).__name__)
for folder in ("/srv", "/root", "/home", {course_parent!r}, {repo!r}):
    try:
        print("ATTACK listed", folder, os.listdir(folder))
    except OSError as err:
        print("ATTACK blocked", folder, type(err).__name__)
try:
    client = socket.socket(socket.AF_UNIX)
    client.connect({socket_path!r})
    client.sendall(b"stolen")
    print("ATTACK connected to the host socket")
except OSError as err:
    print("ATTACK blocked socket", type(err).__name__)
'''

SPY = '''\
import glob, os, time
found = set()
deadline = time.monotonic() + 8
while time.monotonic() < deadline:
    for pattern in ("*/autograded/*/*/*.ipynb", "*/submitted/*/*/*.ipynb", "*/runtime/*.json", "*/gradebook.db"):
        for path in glob.glob(os.path.join({shared_tmp!r}, pattern)):
            found.add(path)
            try:
                text = open(path, "rb").read()
                print("ATTACK read", path, text[:300])
                with open(path, "wb") as handle:
                    handle.write(b"pwned")
            except OSError as err:
                print("ATTACK blocked", path, type(err).__name__)
    time.sleep(0.2)
print("ATTACK found", sorted(found), os.listdir("/tmp"))
'''

BOMBER = '''\
import os, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
assert soft != resource.RLIM_INFINITY, "no process limit: the fork bomb stays in its box"
while True:
    os.fork()
'''

HOG = '''\
import mmap
shared = mmap.mmap(-1, 6 * 2**30, flags=mmap.MAP_SHARED)
block = b"x" * 2**26
for offset in range(0, len(shared), len(block)):  # whole blocks: fills memory in seconds, even on a busy machine
    shared[offset:offset + len(block)] = block
'''

FILLER = '''\
with open("big.bin", "wb") as handle:
    for _ in range(2048):
        handle.write(b"x" * 2**20)
'''

EVE = '''\
for name in ("notes.txt", "gb.db", "hard.txt", "pipe"):
    try:
        print("ATTACK read", name, open(name).read(200))
    except OSError as err:
        print("ATTACK blocked", name, type(err).__name__)
'''


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# On Dask the kernels are started by the workers: the class there holds the attacks whose outcome
# depends on where a kernel starts (environment, files, temporary folder, cgroups: the process and
# memory limits travel with the job). The disk, sleep and submitted/-link rows are the grader's
# own work, the same code wherever it runs, and are graded once, locally.
LOCAL_ONLY = {"filler", "sleeper", "eve", "frank"}


def _build(course, tmp: Path, shared_tmp: Path, socket_path: str, other_course: Path, home: Path,
           runner: str) -> dict:
    released = _released(course)
    root = course.root
    notes = root / "instructor_notes.txt"
    notes.write_text(NOTES_SECRET)
    honest = _variant(released, add=f"# {HONEST}\n" + CORRECT, double="def double(x):\n    return 2 * x")
    course.submit("alice", ASSIGNMENT, honest)
    course.submit("carol", ASSIGNMENT, _variant(released, add="def add(a, b):\n    return b + a  # " + HONEST,
                                                double="def double(x):\n    return x + x"))
    course.submit("bob", ASSIGNMENT, released)
    targets = [str(root / "gradebook.db"), str(root / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
               str(notes), str(home / "canary.txt"), str(other_course / "gradebook.db")]
    attacks = {
        "linker": LINKER.format(targets=targets),
        "leaker": LEAKER.format(paths=[str(home / "canary.txt"), str(notes), "/etc/shadow",
                                       str(other_course / "gradebook.db")],
                                course_parent=str(root.parent), repo=str(Path(__file__).resolve().parents[1]),
                                socket_path=socket_path),
        "spy": SPY.format(shared_tmp=str(shared_tmp)),
        "bomber": BOMBER,
        "hog": HOG,
    }
    for student, code in attacks.items():
        course.submit(student, ASSIGNMENT, _variant(released, add=code + "\n" + CORRECT,
                                                    double="def double(x):\n    return 2 * x"))
    if runner == "dask":
        return {"notes": notes}
    course.submit("filler", ASSIGNMENT, _variant(released, add=CORRECT, double=FILLER))
    course.submit("sleeper", ASSIGNMENT, _variant(released, add=CORRECT, double="import time\ntime.sleep(61)"))
    course.submit("eve", ASSIGNMENT, _variant(released, add=EVE + CORRECT, double="def double(x):\n    return 2 * x"))
    eve = root / "submitted" / "eve" / ASSIGNMENT
    os.symlink(notes, eve / "notes.txt")
    os.symlink("../../../gradebook.db", eve / "gb.db")
    os.link(notes, eve / "hard.txt")
    os.mkfifo(eve / "pipe")
    os.symlink(root / "submitted" / "alice", root / "submitted" / "frank")
    return {"notes": notes}


def _grade_class(tmp: Path, release: Path, runner: str) -> SimpleNamespace:
    course = _tiny_course(release, tmp)
    shared_tmp = tmp / "srv-tmp"          # the grader's TMPDIR, outside /tmp, as on many clusters
    home = tmp / "instructor-home"        # the grader's HOME
    other_course = tmp / "other-course"   # another course on the same machine
    for folder in (shared_tmp, home, other_course):
        folder.mkdir()
    (home / "canary.txt").write_text(HOME_SECRET)
    (other_course / "gradebook.db").write_bytes(b"another course's gradebook " + NOTES_SECRET.encode())
    socket_path = str(tmp / "host.sock")  # a Unix socket outside /tmp, /run and home
    server = socket.socket(socket.AF_UNIX)
    server.bind(socket_path)
    server.listen()
    server.settimeout(0.5)
    received, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                received.append(server.accept()[0].recv(100))
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    made = _build(course, tmp, shared_tmp, socket_path, other_course, home, runner)
    before = {"other": _tree(other_course), "home": _tree(home), "notes": _digest(made["notes"]),
              "submitted": _tree(course.root / "submitted")}
    env = tool_env(SECRET_TOKEN=SECRET, TMPDIR=str(shared_tmp), HOME=str(home))
    args = ["--jobs", "2", "--timeout", "60", "--memory", "1G", "--processes", "64"]
    try:
        if runner == "dask":
            with _dask_cluster(tmp, env=env) as address:
                proc = _run(course, env, *args, "--scheduler", address)
        else:
            proc = _run(course, env, *args)
    finally:
        stop.set()
        server.close()
    print(proc.stdout, proc.stderr, sep="\n")
    return SimpleNamespace(course=course, proc=proc, before=before, received=received, home=home,
                           other=other_course, notes=made["notes"], runner=runner)


def _run(course, env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aml_gan.grading", "grade", ASSIGNMENT, *args], cwd=course.root,
                          env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module", params=["local", "dask"])
def attacked(request, tiny_release, tmp_path_factory):  # noqa: F811 - the fixture imported above
    if request.param == "dask":
        pytest.importorskip("dask.distributed")
    return _grade_class(tmp_path_factory.mktemp(f"attacks-{request.param}"), tiny_release, request.param)


def _everything_students_see(course) -> str:
    """Every graded notebook and every feedback page, as text."""
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    texts = [p.read_text(errors="replace") for folder in ("autograded", "feedback")
             for p in (course.root / folder).rglob("*") if p.is_file() and p.suffix in (".ipynb", ".html")]
    assert len(texts) >= 10, "graded notebooks and feedback pages are missing"
    return "\n".join(texts)


def _shadow_lines() -> list:
    try:
        return [line for line in Path("/etc/shadow").read_text().splitlines() if ":" in line][:3]
    except OSError:
        return []


def test_instructor_files_other_course_and_submissions_are_byte_identical(attacked):
    assert _tree(attacked.other) == attacked.before["other"]
    assert _tree(attacked.home) == attacked.before["home"]
    assert _digest(attacked.notes) == attacked.before["notes"]
    assert _tree(attacked.course.root / "submitted") == attacked.before["submitted"]
    assert attacked.received == [], "a student reached a Unix socket of the host"


def test_course_gradebook_holds_the_honest_scores(attacked):
    course = attacked.course
    db = course.root / "gradebook.db"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert b"pwned" not in db.read_bytes()
    for student, points in {"alice": 3, "carol": 3, "bob": 0}.items():
        assert course.scores(ASSIGNMENT, student)["auto"] == points, student
    attackers = ("linker", "leaker", "spy") + (("eve",) if attacked.runner == "local" else ())
    for attacker in attackers:  # attacking cost them nothing they earned
        assert course.scores(ASSIGNMENT, attacker)["auto"] == 3, attacker
    honest = course.autograded(ASSIGNMENT, "alice")
    assert HONEST in nbformat.writes(honest)


def test_no_secret_reaches_a_graded_notebook_or_feedback(attacked):
    text = _everything_students_see(attacked.course)
    assert "ATTACK environment" in text, "the leaker's cell did not run"
    for secret in (SECRET, HOME_SECRET, NOTES_SECRET, *_shadow_lines()):
        assert secret not in text, f"{secret!r} leaked"
    spy = attacked.course.autograded(ASSIGNMENT, "spy")
    found = next(line for cell in spy.cells for o in cell.get("outputs", []) for line in o.get("text", "").splitlines()
                 if line.startswith("ATTACK found"))
    # All it can find is the connection file of its own kernel (bound at the path nbgrader uses).
    seen = eval(found[len("ATTACK found "):].rsplit("] [", 1)[0] + "]")  # noqa: S307 - our own printout
    assert all(p.endswith("/runtime/kernel.json") for p in seen) and len({Path(p).parts[-3] for p in seen}) <= 1, found
    assert HONEST not in nbformat.writes(spy), "the spy saw a classmate's work"


def test_each_attackers_row_names_what_happened(attacked):
    out = attacked.proc.stdout
    rows = {s: _row(out, s) for s in ("linker", "leaker", "spy", "bomber", "hog", "filler", "sleeper", "eve",
                                      "frank", "alice", "carol", "bob")
            if attacked.runner == "local" or s not in LOCAL_ONLY}
    assert "uses symlink" in rows["linker"] and "uses os.replace" in rows["linker"]
    assert "uses socket" in rows["leaker"] and "uses os.environ" in rows["leaker"]
    assert "uses fork" in rows["bomber"] and "hit the limit of 64 processes" in rows["bomber"]
    assert "uses mmap" in rows["hog"] and "memory limit" in rows["hog"]
    assert rows["hog"].split()[1] == "-", "nothing merged shows '-'"
    for honest in ("alice", "carol"):
        assert rows[honest].split()[1:4] == ["3", "/", "3"] and rows[honest].rstrip().endswith("-"), rows[honest]
    logs = attacked.course.root / "grading_logs" / ASSIGNMENT
    assert json.loads((logs / "hog.json").read_text())["reason"].startswith("the kernel was killed at its memory")
    assert (logs / "alice.log").read_text().strip(), "nbgrader's log is saved per submission"
    if attacked.runner == "dask":
        return
    assert "2 / 3" in rows["filler"] and "filled its 256 MiB of disk" in rows["filler"]
    assert "2 / 3" in rows["sleeper"] and "stopped at the 20 s cell limit" in rows["sleeper"]
    for name in ("notes.txt (a symbolic link", "gb.db (a symbolic link", "hard.txt (a hard link",
                 "pipe (a FIFO"):
        assert name in rows["eve"], rows["eve"]
    assert "nothing graded: submitted/frank is a symbolic link (not followed)" in rows["frank"]
    assert rows["frank"].split()[1] == "-" and "No notebooks" not in rows["frank"]
    filler = attacked.course.root / "autograded" / "filler" / ASSIGNMENT
    assert sorted(p.name for p in filler.iterdir()) == [f"{ASSIGNMENT}.ipynb"], "the kernel's files came back"

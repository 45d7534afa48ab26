"""One long-lived nbgrader per grading worker, so a submission does not pay for starting nbgrader.

``Runner.autograde(work, assignment, student, timeout)`` asks a child process (started once,
``python -m aml_gan.grading.runner``) to run nbgrader's own ``Autograde`` converter on the working
copy ``work``, exactly as ``nbgrader autograde ASSIGNMENT --student STUDENT --force`` run in that
folder would (same configuration files, same converter), and returns what nbgrader logged. A
submission that runs past ``timeout`` is stopped by killing the child and everything it started;
the next submission starts a fresh one. The child speaks one JSON line per job on a private pipe.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional, Tuple

__all__ = ["Runner", "runner_for_this_thread"]


class Runner:
    """The client side: a child nbgrader process, started on first use, restarted after a kill."""

    def __init__(self, env: Optional[dict] = None):
        self.env = env
        self.proc: Optional[subprocess.Popen] = None
        self.log_file = None

    def _start(self) -> None:
        env = dict(os.environ if self.env is None else self.env)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # alembic
        env.pop("AML_GAN_FAST", None)  # nbgrader's NBGRADER_EXECUTION turns fast mode on, as in serial grading
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aml_gan.grading.runner", str(write)], env=env, pass_fds=(write,),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: untouched by the caller's Ctrl-C
        os.close(write)
        self.answers = os.fdopen(read, "rb")

    def autograde(self, work: Path, assignment: str, student: str, timeout: float) -> Tuple[Optional[dict], bool]:
        """nbgrader's result ``{"success", "log", "error"}`` and whether the time limit stopped it."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        request = json.dumps({"work": str(work), "assignment": assignment, "student": student})
        try:
            self.proc.stdin.write(request.encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            self.kill()
            return None, False
        deadline = time.monotonic() + timeout
        line = b""
        try:
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    return None, True
                ready, _, _ = select.select([self.answers], [], [], min(left, 1.0))
                if ready:
                    chunk = os.read(self.answers.fileno(), 1 << 20)
                    if not chunk:  # the child died
                        self.kill()
                        return None, False
                    line += chunk
        except BaseException:  # Ctrl-C or a failure here: the child's next answer would be this job's
            self.kill()
            raise
        return json.loads(line), False

    def kill(self) -> None:
        """Stop the child and everything it started (nbgrader's kernels run in sessions of their own)."""
        if self.proc is None:
            return
        import psutil

        try:
            parent = psutil.Process(self.proc.pid)
            family = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for process in family:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.proc.wait()
        self.answers.close()
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # the child ends when its input does
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


_local = threading.local()


def runner_for_this_thread() -> Runner:
    """The runner of this worker thread (local worker processes and Dask worker threads alike)."""
    if getattr(_local, "runner", None) is None:
        _local.runner = Runner()
        atexit.register(_local.runner.close)
    return _local.runner


# --------------------------------------------------------------------------- the child
def _config(work: Path):
    """nbgrader's configuration as ``nbgrader autograde`` run in ``work`` would load it."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    config = Config()
    for folder in reversed([str(work), *jupyter_config_path()]):  # the first one wins
        for loader in (PyFileConfigLoader, JSONFileConfigLoader):
            name = "nbgrader_config." + ("py" if loader is PyFileConfigLoader else "json")
            if os.path.isfile(os.path.join(folder, name)):
                config.merge(loader(name, path=folder).load_config())
    return config


def _autograde(work: Path, assignment: str, student: str) -> dict:
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    os.chdir(work)
    config = _config(work)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    app = Autograde(coursedir=coursedir, config=config)
    app.force, app.create_student = True, True
    return capture_log(app, fmt="%(asctime)s [%(levelname)s] %(message)s")


def _serve(answer_fd: int) -> None:
    import warnings

    warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")  # nbgrader, harmless
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    answers = os.fdopen(answer_fd, "w")
    for line in sys.stdin:
        job = json.loads(line)
        try:
            result = _autograde(Path(job["work"]), job["assignment"], job["student"])
        except BaseException as err:  # noqa: BLE001 - report it; the parent decides
            result = {"success": False, "log": "", "error": f"{type(err).__name__}: {err}"}
        answers.write(json.dumps(result) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))

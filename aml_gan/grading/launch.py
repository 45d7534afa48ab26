"""Start one student's kernel in its sandbox: ``python -m aml_gan.grading.launch PLAN -- KERNEL ARGV``.

The kernel manager of the working copy (``kernel.py``) runs this instead of the kernel. It runs
as the grader, outside the sandbox, and then becomes the sandbox (``exec``): it joins the
kernel's cgroup, hands the connection file to the kernel's user, starts ``bwrap`` (``sandbox.py``)
with an empty environment plus the allow-list, and inside it a few lines of Python set the
resource limits, drop to the kernel's user and become the kernel.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import List

from .sandbox import Plan, bwrap_argv, clean_environment

MAX_DATA_FILES = 1000

# Runs inside the sandbox as its first process, then execs the kernel. Plain Python, no imports
# of the course: set the limits (as root they bind the new user), drop to the kernel's user,
# forbid regaining privileges, and die with the grader when there is no bwrap to do it.
PRELUDE = """\
import ctypes, json, os, resource, sys
spec = json.loads(sys.argv[1])
for name, value in spec["rlimits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
if spec["uid"] is not None:
    os.setgroups([]); os.setgid(spec["uid"]); os.setuid(spec["uid"])
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(38, 1, 0, 0, 0)
if spec["pdeathsig"]:
    libc.prctl(1, 9, 0, 0, 0)
os.execv(sys.argv[2], sys.argv[2:])
"""


def main(argv: List[str]) -> None:
    plan_file, kernel = argv[0], argv[argv.index("--") + 1:]
    plan = Plan.load(plan_file)
    for folder in plan.cgroups:  # before anything else: every process from here on counts
        (Path(folder) / "cgroup.procs").write_text(str(os.getpid()))
    connection = kernel[kernel.index("-f") + 1] if "-f" in kernel else None
    if plan.uid is not None:
        os.chown(plan.runtime, plan.uid, plan.uid)
        if connection:
            os.chown(connection, plan.uid, plan.uid)
    rlimits = dict(plan.rlimits)
    if plan.memory:
        rlimits["RLIMIT_DATA"] = plan.memory
    env = clean_environment(plan)
    spec = json.dumps({"rlimits": rlimits, "uid": plan.uid, "pdeathsig": not plan.bwrap})
    inner = [sys.executable, "-c", PRELUDE, spec, *kernel]
    if plan.bwrap:
        plan.data_files = _data_files(plan.cwd)
        command = bwrap_argv(plan) + inner
    else:
        os.chdir(_unsandboxed_folders(plan, env))
        command = inner
    os.execve(command[0], command, env)


def _data_files(folder: str) -> List[str]:
    """The regular files nbgrader put in the notebook's folder (not notebooks, never links)."""
    out = []
    for root, dirs, files in os.walk(folder):  # os.walk does not follow links to folders
        for name in files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and not name.endswith(".ipynb"):
                out.append(os.path.relpath(path, folder))
    return sorted(out)[:MAX_DATA_FILES]


def _unsandboxed_folders(plan: Plan, env: dict) -> str:
    """Without bwrap: private home and temp folders, and a copy of the data files to work in
    (so that what the kernel writes never lands where nbgrader writes)."""
    for variable in ("HOME", "TMPDIR"):
        os.makedirs(env[variable], exist_ok=True)
    work = os.path.join(plan.runtime, "cwd")
    os.makedirs(work, exist_ok=True)
    for rel in _data_files(plan.cwd):
        os.makedirs(os.path.dirname(os.path.join(work, rel)) or work, exist_ok=True)
        shutil.copyfile(os.path.join(plan.cwd, rel), os.path.join(work, rel), follow_symlinks=False)
    return work


if __name__ == "__main__":
    main(sys.argv[1:])

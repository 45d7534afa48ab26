"""The kernel launcher on its own, without nbgrader: what a program started in the sandbox sees.

``python -m aml_gan.grading.launch PLAN -- COMMAND`` is what the kernel manager runs; here the
command is a short Python program instead of a kernel, so each property of the sandbox is
checked in about a second: the user, the environment, the files, the folders, and the
fallback limits used where no cgroup can be made.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aml_gan.grading import limits
from aml_gan.grading.sandbox import Plan, bwrap_works, clean_environment, exposed_paths

pytestmark = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap is not available")

PROBE = r'''
import json, os, resource
out = {"uid": os.getuid(), "env": sorted(os.environ), "cwd": os.getcwd(), "cwd_files": sorted(os.listdir(".")),
       "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0], "root": sorted(os.listdir("/"))}
for path in ("/etc/shadow", "data.txt"):
    try:
        out[path] = open(path).read()[:20]
    except OSError as err:
        out[path] = type(err).__name__
try:
    open("data.txt", "w").write("changed")
    out["overwrite"] = "done"
except OSError as err:
    out["overwrite"] = type(err).__name__
children = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            import time; time.sleep(5); os._exit(0)
        children += 1
except OSError:
    pass
out["children"] = children
print(json.dumps(out))
'''


def _launch(tmp_path: Path, **plan_fields) -> dict:
    cwd, runtime = tmp_path / "notebook", tmp_path / "runtime"
    cwd.mkdir()
    runtime.mkdir()
    (cwd / "data.txt").write_text("handed in")
    (cwd / "graded.ipynb").write_text("{}")
    plan = Plan(cwd=str(cwd), runtime=str(runtime), exposed=exposed_paths(), **plan_fields)
    plan.save(tmp_path / "plan.json")
    env = dict(os.environ, SECRET_TOKEN="canary-launch-secret")
    proc = subprocess.run([sys.executable, "-m", "aml_gan.grading.launch", str(tmp_path / "plan.json"), "--",
                           sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert (cwd / "data.txt").read_text() == "handed in", "the kernel changed a file nbgrader wrote"
    return seen


@pytest.mark.skipif(os.geteuid() != 0, reason="a user id of its own needs a grader running as root")
def test_rlimit_fallback_binds_an_unprivileged_user_of_its_own(tmp_path):
    uid = 1_000_000_000 + os.getpid() % 1000
    seen = _launch(tmp_path, uid=uid, processes=32, rlimits=limits.fallback_rlimits(2**30, 32, uid))
    assert seen["uid"] == uid
    assert seen["/etc/shadow"] == "PermissionError"
    assert seen["nproc"] == 32 and 0 < seen["children"] < 32, "RLIMIT_NPROC counts this user only"
    assert seen["data.txt"] == "handed in" and seen["overwrite"] in ("OSError", "PermissionError")
    assert "graded.ipynb" not in seen["cwd_files"], "the kernel must not see the notebook nbgrader writes"
    assert "SECRET_TOKEN" not in seen["env"]
    assert not {"srv", "root", "work", "mnt", "opt"} & set(seen["root"]) - {Path(p).parts[1] for p in exposed_paths()}


def test_environment_is_the_allow_list_only():
    plan = Plan(cwd="/x", runtime="/y", threads=3)
    env = clean_environment(plan, {"SECRET_TOKEN": "s", "AWS_SECRET_ACCESS_KEY": "k", "AML_GAN_DEVICE": "cpu",
                                   "LANG": "de_DE.UTF-8", "PYTHONPATH": "/p", "JPY_PARENT_PID": "1", "HOME": "/root"})
    assert env["AML_GAN_DEVICE"] == "cpu" and env["LANG"] == "de_DE.UTF-8" and env["PYTHONPATH"] == "/p"
    assert env["OMP_NUM_THREADS"] == "3" and env["HOME"] != "/root" and env["TMPDIR"] == "/tmp"
    assert not {"SECRET_TOKEN", "AWS_SECRET_ACCESS_KEY", "JPY_PARENT_PID"} & set(env)


def test_plan_round_trips_through_json(tmp_path):
    plan = Plan(cwd="/a", runtime="/b", uid=7, memory=5, cgroups=["/c"], rlimits={"RLIMIT_NPROC": 9})
    plan.save(tmp_path / "p.json")
    assert Plan.load(str(tmp_path / "p.json")) == plan
    assert json.loads((tmp_path / "p.json").read_text())["uid"] == 7

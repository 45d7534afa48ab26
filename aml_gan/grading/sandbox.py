"""The sandbox a student's kernel runs in while it is graded: bubblewrap, another user, real limits.

Only the kernel, where student code runs, is sandboxed; nbgrader (the instructor's code) runs
outside and trusts nothing the kernel wrote. A ``Plan`` (plain data, saved as JSON in the
submission's working copy) says what the kernel gets; ``python -m aml_gan.grading.launch``
(the command the kernel manager runs, ``kernel.py``) reads it and starts the kernel:

- **a root of its own** (bubblewrap, ``bwrap``): an empty root holding, read-only, only the
  system (``/usr``, ``/etc``, ``/sys``; ``/bin`` and ``/lib`` links), this Python (its venv and
  base installation) and the course package; nothing else of the machine: no course folder,
  no gradebook, no other student's working copy, no home folders, no ``/srv``, no host sockets;
- **writable only in memory, capped**: its notebook folder (the path nbgrader gives it, but a
  size-capped tmpfs holding read-only copies of the submission's data files: what nbgrader
  writes goes to the real folder, which the kernel never sees), ``/tmp``, ``/var/tmp``,
  ``/dev/shm`` and its home, each ``scratch_bytes``; and the private folder of its connection
  to nbgrader (Unix sockets, ``KernelManager.transport = "ipc"``);
- **no network, its own process, IPC and host-name namespaces**, killed with everything it
  started when nbgrader stops it (``--die-with-parent``);
- **another user**: when the grader is root, a user id of its own per submission (``uid``),
  no groups, no capabilities: root-owned files such as ``/etc/shadow`` are unreadable, and
  the process limit below counts this submission only;
- **an empty environment** plus ``ENV_ALLOWED`` (what Python, PyTorch and the course need):
  no secret of the grader's environment reaches student code;
- **limits** (``limits.py``): a cgroup per kernel (processes, memory including shared
  mappings and the tmpfs folders) where the machine allows one, else resource limits; and
  ``RLIMIT_DATA`` for the heap, so that an allocation loop fails with ``MemoryError`` in its
  own cell before the cgroup would have to kill the whole kernel.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

__all__ = ["Plan", "bwrap_works", "bwrap_argv", "clean_environment", "exposed_paths", "parse_size",
           "ENV_ALLOWED", "SCRATCH_SIZE", "PROCESS_LIMIT"]

SCRATCH_SIZE = 256 * 2**20  # bytes per writable folder (tmpfs, counted in the kernel's memory cgroup)
PROCESS_LIMIT = 512         # tasks (processes and threads) per kernel: PyTorch alone starts dozens of threads
HOME = "/home/student"      # the kernel's home inside the sandbox (an empty tmpfs)

# The kernel's environment: these names (or prefixes ending in "_"/"*") pass from the grader's
# environment, nothing else. Secrets (tokens, keys, cloud credentials) are never needed by a kernel.
ENV_ALLOWED = (
    "LANG", "LANGUAGE", "LC_*", "TZ",
    "PYTHONPATH", "PYTHONHASHSEED", "PYTHONWARNINGS", "LD_LIBRARY_PATH",
    "AML_GAN_*", "NBGRADER_EXECUTION",
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_*", "GOTO_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "CUBLAS_WORKSPACE_CONFIG", "PYTORCH_*", "TORCH_*",
)


@dataclass
class Plan:
    """What one kernel gets: written by the grader, read by the launcher (JSON on disk)."""

    cwd: str                                   # the notebook's folder as nbgrader names it
    runtime: str                               # the folder of the kernel's connection file and sockets
    bwrap: bool = True                         # False: no bubblewrap here (graded unsandboxed, said loudly)
    uid: Optional[int] = None                  # the user the kernel runs as (None: the grader's own)
    memory: Optional[int] = None               # bytes (RLIMIT_DATA, and the cgroup with headroom)
    processes: int = PROCESS_LIMIT
    scratch_bytes: int = SCRATCH_SIZE
    exposed: List[str] = field(default_factory=list)   # read-only: Python, the package, data
    data_files: List[str] = field(default_factory=list)  # names in cwd shown read-only (not notebooks)
    cgroups: List[str] = field(default_factory=list)    # cgroup folders the kernel joins (limits.py)
    rlimits: Dict[str, int] = field(default_factory=dict)  # fallback limits when no cgroup works
    threads: Optional[int] = None              # OMP_NUM_THREADS for the kernel

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str) -> "Plan":
        return cls(**json.loads(Path(path).read_text()))


@functools.lru_cache(maxsize=1)
def bwrap_works() -> bool:
    """True when ``bwrap`` is installed and can build the sandbox here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    probe = [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
             *_namespaces(), "--die-with-parent", "--cap-drop", "ALL", "--", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _namespaces() -> List[str]:
    # Root gets no user namespace: inside one, the grader's uid 0 would own every root-owned file
    # seen from the sandbox. The kernel changes to an unprivileged uid instead (``launch.py``).
    user = [] if os.geteuid() == 0 else ["--unshare-user"]
    return [*user, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]


def parse_size(text: str) -> int:
    """``"4G"``, ``"512M"``, ``"1.5g"`` or a number of bytes -> bytes."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
    text = str(text).strip().lower().removesuffix("b").removesuffix("i")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"cannot read the memory size {text!r}: write e.g. 4G, 512M or a number of bytes") from None


def exposed_paths() -> List[str]:
    """What the kernel needs to run, read-only: this Python (venv and base), the course package,
    its data folder, and the folders of ``PYTHONPATH`` and ``LD_LIBRARY_PATH``."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    import aml_gan  # the package itself is light: its __init__ imports nothing

    package = Path(aml_gan.__file__).resolve().parent
    paths.append(str(package))
    data = os.environ.get("AML_GAN_DATA", "").strip()
    if data:
        paths.append(data)
    elif (package.parent / "pyproject.toml").is_file():
        paths.append(str(package.parent / "data"))
    for variable in ("PYTHONPATH", "LD_LIBRARY_PATH"):
        paths += [p for p in os.environ.get(variable, "").split(os.pathsep) if p]
    paths += [os.path.realpath(p) for p in paths]
    return _outermost(p for p in paths if os.path.isdir(p) and os.path.abspath(p) != "/")


def clean_environment(plan: Plan, source: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The kernel's environment: ``ENV_ALLOWED`` from ``source`` (the grader's), and fixed paths."""
    source = dict(os.environ if source is None else source)
    env = {k: v for k, v in source.items() if _allowed(k)}
    home = HOME if plan.bwrap else os.path.join(plan.runtime, "home")
    env.update(PATH=os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
               HOME=home, TMPDIR="/tmp" if plan.bwrap else os.path.join(plan.runtime, "tmp"),
               XDG_RUNTIME_DIR=os.path.join(home, ".run"), MPLCONFIGDIR=os.path.join(home, ".matplotlib"),
               PYTHONDONTWRITEBYTECODE="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.setdefault("LANG", "C.UTF-8")
    if plan.threads:
        env["OMP_NUM_THREADS"] = str(plan.threads)
    return env


def _allowed(name: str) -> bool:
    return any(name == a or (a.endswith("*") and name.startswith(a[:-1])) for a in ENV_ALLOWED)


def bwrap_argv(plan: Plan) -> List[str]:
    """The ``bwrap`` command line (up to ``--``) that builds the kernel's sandbox from ``plan``."""
    args = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    args += ["--ro-bind", "/etc", "/etc", "--ro-bind-try", "/sys", "/sys", "--proc", "/proc", "--dev", "/dev"]
    args += _gpu_devices()
    size = str(plan.scratch_bytes)
    for path in ("/tmp", "/var/tmp", "/dev/shm"):
        args += ["--perms", "1777", "--size", size, "--tmpfs", path]
    made = {"/", "/usr", "/etc", "/sys", "/proc", "/dev", "/tmp", "/var", "/var/tmp", "/dev/shm"}
    for path in sorted(plan.exposed, key=_depth):
        args += _parents(path, made) + ["--ro-bind", path, path]
    args += _parents(HOME, made) + ["--perms", "0777", "--size", size, "--tmpfs", HOME]
    args += _parents(plan.runtime, made) + ["--bind", plan.runtime, plan.runtime]
    args += _parents(plan.cwd, made) + ["--perms", "0777", "--size", size, "--tmpfs", plan.cwd]
    for name in plan.data_files:
        path = os.path.join(plan.cwd, name)
        args += _parents(path, made) + ["--ro-bind", path, path]
    args += ["--chdir", plan.cwd, *_namespaces(), "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if plan.uid is not None:  # the prelude inside changes to it, and then has no capability left
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args + ["--"]


def _gpu_devices() -> List[str]:
    return [a for dev in sorted(Path("/dev").glob("nvidia*")) for a in ("--dev-bind-try", str(dev), str(dev))]


def _parents(path: str, made: set) -> List[str]:
    """``--dir`` for every parent of ``path`` not made yet (bwrap would make them 0700)."""
    args = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    made.add(path)
    return args


def _depth(path: str) -> int:
    return len(Path(path).parts)


def _outermost(paths: Iterable[str]) -> List[str]:
    """Absolute, unique, and without any path that lies inside another one of the list."""
    unique = sorted({os.path.abspath(p) for p in paths}, key=_depth)
    out: List[str] = []
    for p in unique:
        if not any(Path(p).is_relative_to(q) for q in out):
            out.append(p)
    return out

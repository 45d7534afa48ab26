"""The sandbox a student's kernel runs in while it is graded: bubblewrap (``bwrap``) plus a memory limit.

Only the kernel, where student code runs, is sandboxed; nbgrader itself (the instructor's
code) runs outside it and writes the grades after the kernel and everything it started are
gone. So student code cannot see any gradebook, not even the temporary one of its own
submission, and cannot change its own grades afterwards.

What the kernel sees under bwrap:

- the whole system read-only (``--ro-bind / /``), with some folders replaced by empty ones:
  read-only and empty: ``/run`` (no sockets of system services), the course folder and the
  submission's working copy (``blank``); writable but private, empty and capped at
  ``SCRATCH_SIZE`` each (programs expect to write there; it all vanishes with the kernel):
  ``/tmp``, ``/var/tmp``, ``/dev/shm`` and the user's home (``scratch``);
- read-only again inside those: the Python installation and the course package (``exposed``);
- writable: only its own notebook folder and the folder of its connection to nbgrader
  (``writable``);
- no network (its own empty network namespace: the kernel talks to nbgrader over Unix sockets,
  ``KernelManager.transport = "ipc"``), its own PID namespace (``--unshare-all``), no
  capabilities (``--cap-drop ALL``: without it a sandbox started by root could unmount its
  own walls), killed with everything it started when nbgrader shuts it down
  (``--die-with-parent``).

The memory limit is ``RLIMIT_DATA`` (heap and private mappings, what an allocation loop
grows), set in the kernel process just before it starts; Python then raises ``MemoryError``
in the cell that asked for too much. ``RLIMIT_AS`` would not do: a kernel that imports torch
reserves about 4.5 GB of address space while it uses about 1 GB.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

__all__ = ["bwrap_works", "kernel_spec", "write_kernel_specs", "scratch_paths", "exposed_paths", "parse_size",
           "SCRATCH_SIZE"]

SCRATCH_SIZE = 256 * 2**20  # bytes per scratch folder: tmpfs lives in memory that RLIMIT_DATA does not count

# Run by the kernel's Python before it becomes the kernel: set the limit, then exec the kernel.
_LIMIT_AND_EXEC = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit)); os.execv(sys.argv[2], sys.argv[2:])"
)


@functools.lru_cache(maxsize=1)
def bwrap_works() -> bool:
    """True when ``bwrap`` is installed and can build the sandbox here (user namespaces allowed)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    probe = [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
             "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


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


def scratch_paths() -> List[str]:
    """Folders the kernel gets as empty, private, writable scratch space."""
    return _existing_unique(["/tmp", "/var/tmp", "/dev/shm", str(Path.home())])


def exposed_paths() -> List[str]:
    """What the kernel needs to run, read-only: this Python (venv and base) and the course package.

    The course package may live in the course folder (an editable install), which is hidden;
    its folder, and its ``data/`` folder beside it, are put back read-only.
    """
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.executable)]
    paths += [os.path.realpath(p) for p in paths]
    import aml_gan  # the package itself is light: its __init__ imports nothing

    package = Path(aml_gan.__file__).resolve().parent
    paths.append(str(package))
    data = os.environ.get("AML_GAN_DATA", "").strip()
    if data:
        paths.append(data)
    elif (package.parent / "pyproject.toml").is_file():
        paths.append(str(package.parent / "data"))
    return _existing_unique(paths)


def kernel_spec(base: Dict, *, sandbox: bool, memory: Optional[int], writable: List[str],
                blank: List[str], exposed: List[str], cwd: str) -> Dict:
    """A kernelspec (the dict of a ``kernel.json``) that runs ``base``'s kernel in the sandbox.

    ``base`` is the course's own kernelspec; its command is wrapped, the rest is kept.
    """
    argv = list(base["argv"])
    if argv and argv[0] in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        argv[0] = sys.executable  # what jupyter_client does for an unwrapped python kernel
    if memory:
        argv = [sys.executable, "-c", _LIMIT_AND_EXEC, str(int(memory)), *argv]
    spec = {k: v for k, v in base.items() if k not in ("argv", "resource_dir")}
    if sandbox:
        argv = _bwrap_prefix(writable=writable, blank=blank, exposed=exposed, cwd=cwd) + argv
        # SIGINT to the kernel's process group would reach bwrap and end the sandbox; an
        # interrupt message is delivered by the kernel to itself.
        spec["interrupt_mode"] = "message"
    spec["argv"] = argv
    return spec


def _bwrap_prefix(*, writable: List[str], blank: List[str], exposed: List[str], cwd: str) -> List[str]:
    args = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    blank = _existing_unique(["/run", *blank])
    # Order matters: empty folders first (outer before inner), then what is put back inside them,
    # and only then are the blank ones made read-only (not recursively: the binds stay as they are).
    for path in sorted(set(scratch_paths()) | set(blank), key=_depth):
        args += ["--size", str(SCRATCH_SIZE), "--tmpfs", path] if path not in blank else ["--tmpfs", path]
    for path in sorted(exposed, key=_depth):
        args += ["--ro-bind", path, path]
    for path in sorted(writable, key=_depth):
        args += ["--bind", path, path]
    for path in blank:
        args += ["--remount-ro", path]
    args += ["--chdir", cwd, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
             # ipykernel stops when its parent pid changes; in its own PID namespace it always has
             "--unsetenv", "JPY_PARENT_PID", "--"]
    return args


def _depth(path: str) -> int:
    return len(Path(path).parts)


def _existing_unique(paths: Iterable[str]) -> List[str]:
    seen, out = set(), []
    for p in paths:
        p = os.path.abspath(p)
        if p not in seen and p != "/" and os.path.exists(p):
            seen.add(p)
            out.append(p)
    return out


def write_kernel_specs(folder: Path, specs: Dict[str, Dict]) -> None:
    """Write ``{name: spec}`` as ``folder/kernels/<name>/kernel.json`` (put ``folder`` on JUPYTER_PATH)."""
    for name, spec in specs.items():
        target = folder / "kernels" / name
        target.mkdir(parents=True, exist_ok=True)
        (target / "kernel.json").write_text(json.dumps(spec, indent=1))

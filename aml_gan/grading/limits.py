"""Real limits for one kernel: a cgroup of its own where the machine allows one, else rlimits.

A ``Cgroup`` is made by the grader before the kernel starts and removed after it ends; the
kernel's launcher joins it (``launch.py``), so the kernel and everything it starts count
together, and nothing else does: one student's fork bomb or memory hog never touches a
classmate graded at the same time.

- cgroup v2 (``pids.max``, ``memory.max``, ``memory.swap.max``) where this process's cgroup may
  have children with those controllers; else
- cgroup v1 (``pids``, ``memory`` hierarchies; the usual case for root in older containers); else
- resource limits only: ``RLIMIT_NPROC`` (binding because each submission has a user id of its
  own when the grader is root) and ``RLIMIT_AS`` as a loose cap on shared mappings. ``describe``
  says which one is in force, and the grader says it loudly when it is the weak one.

Memory counted by the cgroup includes shared mappings and the kernel's tmpfs folders, which the
heap limit (``RLIMIT_DATA``, set by the launcher) does not see.
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

__all__ = ["Cgroup", "make_cgroup", "describe", "describe_here", "fallback_rlimits"]

ROOT = Path("/sys/fs/cgroup")


@dataclass
class Cgroup:
    """One kernel's cgroup folders (one for v2, one per controller for v1)."""

    version: int
    folders: List[str] = field(default_factory=list)

    def _file(self, controller: str, name: str) -> Optional[Path]:
        for folder in self.folders:
            path = Path(folder) / name
            if (self.version == 2 or f"/{controller}/" in folder + "/") and path.exists():
                return path
        return None

    def _read(self, controller: str, name: str) -> str:
        path = self._file(controller, name)
        try:
            return path.read_text() if path else ""
        except OSError:
            return ""

    def events(self) -> Dict[str, bool]:
        """Which limits were hit: ``{"processes": ..., "memory": ...}``."""
        pids = _counts(self._read("pids", "pids.events"))
        memory = _counts(self._read("memory", "memory.events" if self.version == 2 else "memory.oom_control"))
        return {"processes": pids.get("max", 0) > 0, "memory": memory.get("oom_kill", 0) > 0}

    def pids(self) -> List[int]:
        out = set()
        for folder in self.folders:
            try:
                out |= {int(p) for p in (Path(folder) / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return sorted(out)

    def kill(self) -> None:
        """Kill every process in the cgroup (the whole kernel, whatever it started)."""
        if self.version == 2 and self.folders and (Path(self.folders[0]) / "cgroup.kill").exists():
            try:
                (Path(self.folders[0]) / "cgroup.kill").write_text("1")
                return
            except OSError:
                pass
        for _ in range(50):  # a fork bomb refills; pids.max bounds it, so a few rounds empty it
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill()
        for folder in self.folders:
            for _ in range(100):
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still emptying
                    time.sleep(0.05)


def _counts(text: str) -> Dict[str, int]:
    """``"key value"`` lines (cgroup event files) as a dict of the numeric ones."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def make_cgroup(memory: Optional[int], processes: int) -> Optional[Cgroup]:
    """A new cgroup with these limits (memory in bytes, None: none), or None where none can be made."""
    name = f"aml-grade-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    for make in (_make_v2, _make_v1):
        try:
            group = make(name, memory, processes)
        except OSError:
            group = None
        if group is not None:
            return group
    return None


def _own(controller: str) -> Optional[Path]:
    """This process's cgroup folder for ``controller`` ("" for the v2 hierarchy)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers.split(",") == [controller] or (controller == "" and controllers == ""):
            base = ROOT / controller if controller else (ROOT / "unified" if (ROOT / "unified").is_dir() else ROOT)
            folder = base / path.lstrip("/")
            return folder if folder.is_dir() else None
    return None


def _make_v2(name: str, memory: Optional[int], processes: int) -> Optional[Cgroup]:
    parent = _own("")
    if parent is None or not (parent / "cgroup.controllers").exists():
        return None
    wanted = {"pids", "memory"}
    if not wanted <= set((parent / "cgroup.controllers").read_text().split()):
        return None
    # A v2 cgroup that holds processes cannot hand controllers to children: make a sibling-free
    # parent of our own for the kernels only when the controllers are already delegated to it.
    if not wanted <= set((parent / "cgroup.subtree_control").read_text().split()):
        return None
    folder = parent / name
    folder.mkdir()
    group = Cgroup(2, [str(folder)])
    try:
        (folder / "pids.max").write_text(str(processes))
        if memory:
            (folder / "memory.max").write_text(str(memory))
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
    except OSError:
        group.remove()
        return None
    return group


def _make_v1(name: str, memory: Optional[int], processes: int) -> Optional[Cgroup]:
    pids_parent, memory_parent = _own("pids"), _own("memory")
    if pids_parent is None or (memory and memory_parent is None):
        return None
    group = Cgroup(1)
    try:
        folder = pids_parent / name
        folder.mkdir()
        group.folders.append(str(folder))
        (folder / "pids.max").write_text(str(processes))
        if memory:
            folder = memory_parent / name
            folder.mkdir()
            group.folders.append(str(folder))
            (folder / "memory.limit_in_bytes").write_text(str(memory))
            swap = folder / "memory.memsw.limit_in_bytes"
            if swap.exists():
                try:
                    swap.write_text(str(memory))
                except OSError:
                    pass
    except OSError:
        group.remove()
        return None
    return group


def fallback_rlimits(memory: Optional[int], processes: int, uid: Optional[int]) -> Dict[str, int]:
    """Resource limits under (or instead of) a cgroup: processes, where the kernel has a user id of
    its own (then the count is this submission's alone), and, given ``memory``, a loose
    address-space cap (PyTorch reserves ~5 GB it never uses)."""
    limits = {"RLIMIT_NPROC": processes} if uid is not None else {}
    if memory:
        limits["RLIMIT_AS"] = memory + 8 * 2**30
    return limits


def describe(group: Optional[Cgroup], uid: Optional[int]) -> str:
    """One line: which limits are in force."""
    if group is not None:
        return f"cgroup v{group.version} (processes and memory, shared mappings included)"
    if uid is not None:
        return ("resource limits only (no cgroup could be made here): processes per submission, "
                "heap, and a loose address-space cap; shared mappings are not limited exactly")
    return ("heap limit only: no cgroup could be made and the grader is not root, so processes are "
            "not limited per submission; run as root or with a delegated cgroup for real limits")


def describe_here() -> str:
    """Which limits a kernel graded here would get (a cgroup is made and removed to find out)."""
    group = make_cgroup(2**30, 64)
    if group is not None:
        group.remove()
    line = describe(group, 0 if os.geteuid() == 0 else None)
    return line if group is not None else "!!! " + line

"""Reading and writing a folder of student files without trusting it.

Everything a student handed in, and everything written where student code could have written,
is read here: regular files only, opened without following links (``O_NOFOLLOW``, checked again
on the open file), hard links refused (a hard link in ``submitted/`` could name the gradebook),
each file and the whole folder capped in size. What is refused is named, never followed.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Dict, List, Tuple

__all__ = ["read_folder", "write_folder", "safe_relative", "MAX_FILE", "MAX_TOTAL"]

MAX_FILE = 1 * 2**30     # bytes per file
MAX_TOTAL = 2 * 2**30    # bytes per folder


def read_folder(folder: Path, *, max_file: int = MAX_FILE, max_total: int = MAX_TOTAL,
                exclude=lambda rel: False) -> Tuple[Dict[str, bytes], List[str]]:
    """``({relative path: bytes}, [what was refused, in words])`` for the regular files under ``folder``."""
    files: Dict[str, bytes] = {}
    refused: List[str] = []
    try:
        top = os.lstat(folder)
    except FileNotFoundError:
        return files, refused
    if not stat.S_ISDIR(top.st_mode):
        return files, [f"{Path(folder).name} ({_kind(top.st_mode)}, not a folder)"]
    total = 0
    for root, dirs, names in os.walk(folder):  # never descends into links to folders
        for name in sorted(dirs):
            path = os.path.join(root, name)
            if os.path.islink(path):
                refused.append(f"{os.path.relpath(path, folder)} (a symbolic link, not followed)")
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            if exclude(rel):
                continue
            data, why = _read_one(path, max_file)
            if why:
                refused.append(f"{rel} ({why})")
                continue
            total += len(data)
            if total > max_total:
                refused.append(f"{rel} (skipped: the folder passed {max_total / 2**30:g} GiB)")
                continue
            files[rel] = data
    return files, refused


def _read_one(path: str, max_file: int):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return None, "a symbolic link, not followed"
        return None, f"unreadable: {err.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{_kind(info.st_mode)}, not read"
        if info.st_nlink > 1:
            return None, "a hard link to another file, not read"
        if info.st_size > max_file:
            return None, f"larger than {max_file / 2**20:g} MiB, not read"
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > max_file:
                return None, f"larger than {max_file / 2**20:g} MiB, not read"
            chunks.append(chunk)
        return b"".join(chunks), None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def safe_relative(rel: str) -> bool:
    """A relative path that stays inside its folder (no absolute path, no ``..``)."""
    path = PurePosixPath(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts and "\0" not in rel


def write_folder(folder: Path, files: Dict[str, bytes], mode: int = 0o644) -> None:
    """Write ``files`` under ``folder`` (which this process made): new files, never through a link."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        if not safe_relative(rel):
            raise ValueError(f"refusing to write {rel!r} outside {folder}")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

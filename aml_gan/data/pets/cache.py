"""The decoded-picture cache: one uint8 tensor file per (source, files, size), written atomically."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional, Sequence

import torch

CACHE_VERSION = 1


def fingerprint(source: str, files: Sequence[Path], image_size: int) -> str:
    """A key for these ``files`` (names and sizes) at this size: any change gives another key."""
    h = hashlib.sha1()
    h.update(json.dumps([CACHE_VERSION, source, int(image_size)]).encode())
    for f in files:
        h.update(f"{f.name}:{f.stat().st_size};".encode())
    return h.hexdigest()[:16]


def cache_file(cache_dir: Path, source: str, image_size: int, key: str) -> Path:
    """Where the tensor for ``key`` (a :func:`fingerprint`) lives."""
    return cache_dir / f"pets-{source}-{image_size}px-{key}.pt"


def read_cache(path: Path) -> Optional[dict]:
    """The cached blob (``images`` a uint8 (N, 3, S, S) tensor, plus notes), or None if absent or broken."""
    if not path.is_file():
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        images = blob["images"]
        if not (isinstance(images, torch.Tensor) and images.dtype == torch.uint8 and images.dim() == 4):
            return None
        return blob
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never fatal
        return None


def write_cache(path: Path, blob: dict) -> bool:
    """Save ``blob`` at ``path`` atomically (a second process never reads half a file); False if it could not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        torch.save(blob, tmp)
        os.replace(tmp, path)
        return True
    except OSError:
        return False


__all__: list = []

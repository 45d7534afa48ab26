"""Getting the Oxford-IIIT Pet pictures onto the disk: unpacking the archive, or downloading it when online."""
from __future__ import annotations

import os
import socket
import tarfile
import threading
from pathlib import Path
from typing import Optional

from .locate import PETS_FOLDER, PathLike, pets_folder, resolve_root

PETS_URL = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz"
PETS_MD5 = "5c4f3ee8e5d25df40f4fd59a7f44e54c"


def extract(archive: Path, root: Path) -> Path:
    """Unpack ``images.tar.gz`` into ``root/oxford-iiit-pet``; returns the ``images/`` folder."""
    target = root / PETS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(target, filter="data")  # refuses absolute paths and links out of target
        except TypeError:  # Python < 3.10.12 has no filter argument
            tar.extractall(target)  # noqa: S202 - the official archive, md5-checked when downloaded
    folder = pets_folder(root)
    if folder is None:
        raise FileNotFoundError(f"{archive} did not contain an images/ folder: is it the Oxford-IIIT Pet archive?")
    return folder


def online(url: str, timeout: float) -> bool:
    """True if the host of ``url`` accepts a connection within ``timeout`` seconds.

    The probe runs in a thread, so a name lookup that hangs (some offline machines
    never answer DNS) cannot hold the caller longer than ``timeout``.
    """
    from urllib.parse import urlparse

    host = urlparse(url).hostname
    answer = {"ok": False}

    def probe() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                answer["ok"] = True
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return answer["ok"]


def download_pets(root: Optional[PathLike] = None, *, timeout: float = 5.0) -> Path:
    """Download and unpack the Oxford-IIIT Pet pictures (about 800 MB) into ``<root>/oxford-iiit-pet``.

    Checks the md5. Raises ``ConnectionError`` quickly (within ``timeout`` seconds)
    when the server cannot be reached, or at once when ``$AML_GAN_OFFLINE`` is set.
    Returns the ``images/`` folder.
    """
    from torchvision.datasets.utils import download_and_extract_archive

    root = resolve_root(root)
    if os.environ.get("AML_GAN_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise ConnectionError("AML_GAN_OFFLINE is set, so nothing is downloaded")
    if not online(PETS_URL, timeout):
        raise ConnectionError(f"no answer from {PETS_URL.split('/')[2]} within {timeout:g} s (are you offline?)")
    download_and_extract_archive(PETS_URL, download_root=str(root / PETS_FOLDER), md5=PETS_MD5)
    folder = pets_folder(root)
    if folder is None:
        raise FileNotFoundError(f"The download finished but {root / PETS_FOLDER / 'images'} is missing.")
    return folder


__all__ = ["download_pets"]

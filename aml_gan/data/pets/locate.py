"""Where the pet pictures live: the data root, the Oxford-IIIT Pet layout, and which files are pictures."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

PathLike = Union[str, os.PathLike]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ppm")
PETS_FOLDER = "oxford-iiit-pet"
_SKIP_DIRS = {"annotations", "cache", "__MACOSX", "trimaps", "xmls"}


def default_data_root() -> Path:
    """The data folder: ``$AML_GAN_DATA``, else the checkout's ``data/``, else ``./data``.

    "The checkout's" means: when the package is imported from a clone of the course
    repository (an editable install), its ``data/`` folder, whatever the working
    directory; a pip-installed package (e.g. on Colab) uses ``./data``.
    """
    env = os.environ.get("AML_GAN_DATA", "").strip()
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[3]  # aml_gan/data/pets/locate.py -> the repository
    if (checkout / "pyproject.toml").is_file() and (checkout / "aml_gan").is_dir():
        return checkout / "data"
    return Path.cwd() / "data"


def resolve_root(root: Optional[PathLike]) -> Path:
    """``root`` as a Path; ``None`` means :func:`default_data_root`."""
    if root is None:
        return default_data_root()
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root should be a folder path (a string or Path), got {type(root).__name__}.")
    return Path(root).expanduser()


def pets_folder(root: Path) -> Optional[Path]:
    """The unpacked ``images/`` folder under ``root`` (torchvision's layout or directly), if it has files."""
    for folder in (root / PETS_FOLDER / "images", root / "images"):
        if folder.is_dir() and any(folder.iterdir()):
            return folder
    return None


def pets_archive(root: Path) -> Optional[Path]:
    """The official ``images.tar.gz`` in ``root`` or ``root/oxford-iiit-pet``, if there."""
    for archive in (root / "images.tar.gz", root / PETS_FOLDER / "images.tar.gz"):
        if archive.is_file():
            return archive
    return None


def list_picture_files(folder: PathLike, recursive: bool = False) -> Tuple[List[Path], List[Tuple[str, str]]]:
    """Picture candidates in ``folder`` (sorted by path) and ``(path, reason)`` for files skipped on their names.

    With ``recursive`` sub-folders are searched too, except hidden ones and those that
    hold no training pictures (``annotations``, ``cache``, ``trimaps``, ...). Whether a
    candidate really decodes is :mod:`.decode`'s business.
    """
    files: List[Path] = []
    skipped: List[Tuple[str, str]] = []
    stack = [Path(folder)]
    while stack:
        here = stack.pop()
        for entry in sorted(here.iterdir()):
            name = entry.name
            if entry.is_dir():
                if recursive and name not in _SKIP_DIRS and not name.startswith("."):
                    stack.append(entry)
                continue
            if name.startswith("._"):
                skipped.append((str(entry), "macOS metadata file (._*), not a picture"))
            elif name.startswith("."):
                continue  # hidden files (.DS_Store, .gitkeep): not worth a mention
            elif entry.suffix.lower() not in IMAGE_EXTENSIONS:
                kind = entry.suffix.lower() or "no extension"
                skipped.append((str(entry), f"not a picture file ({kind})"))
            else:
                files.append(entry)
    files.sort()
    return files, skipped


__all__ = ["default_data_root", "list_picture_files"]

"""The public loader: ``load_pet_images`` tries each source in turn and returns ``PetImages``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

import torch

from .batches import PetBatches, to_unit_range
from .cache import CACHE_VERSION, cache_file, fingerprint, read_cache, write_cache
from .decode import decode_folder
from .download import download_pets, extract
from .locate import PETS_FOLDER, PathLike, list_picture_files, pets_archive, pets_folder, resolve_root
from .stand_in import make_stand_in_pets

SOURCES = ("auto", "oxford-iiit-pet", "folder", "stand-in")


@dataclass
class PetImages:
    """Decoded pet pictures and where they came from.

    Attributes:
        images: uint8 tensor (N, 3, S, S), values 0..255, RGB.
        source: ``"oxford-iiit-pet"``, ``"folder"`` or ``"stand-in"``.
        skipped: list of ``(path, reason)`` for files that are not usable pictures.
        converted: list of ``(path, what)`` for pictures that needed a fix to become RGB.
        location: the folder read (``None`` for the stand-in).
        cache_path: the cache file used or written (``None`` if none).
        from_cache: True when the pictures were read from the cache, not decoded.
        message: one plain sentence saying what this is, for people.
    """

    images: torch.Tensor
    source: str
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    converted: List[Tuple[str, str]] = field(default_factory=list)
    location: Optional[str] = None
    cache_path: Optional[str] = None
    from_cache: bool = False
    message: str = ""

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_size(self) -> int:
        return int(self.images.shape[-1])

    def floats(self, n: Optional[int] = None) -> torch.Tensor:
        """The first ``n`` pictures (all by default) as floats in [-1, 1], shape (n, 3, S, S)."""
        return to_unit_range(self.images[:n] if n is not None else self.images)

    def batches(self, batch_size: int = 64, **kwargs) -> "PetBatches":
        """An iterable of shuffled float batches in [-1, 1]; see :class:`PetBatches`."""
        return PetBatches(self.images, batch_size, **kwargs)

    def summary(self) -> str:
        """A few lines for people: the message, the counts, what was skipped and why."""
        lines = [self.message or f"{len(self)} pictures from {self.source}."]
        lines.append(f"{len(self)} pictures of {self.image_size}x{self.image_size} pixels"
                     + (" (read from the cache)" if self.from_cache else ""))
        if self.converted:
            lines.append(f"{len(self.converted)} converted to RGB, e.g. "
                         + "; ".join(f"{Path(p).name}: {w}" for p, w in self.converted[:3]))
        if self.skipped:
            lines.append(f"{len(self.skipped)} files skipped:")
            lines += [f"  {Path(p).name}: {why}" for p, why in self.skipped[:10]]
            if len(self.skipped) > 10:
                lines.append(f"  ... and {len(self.skipped) - 10} more (see .skipped)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"PetImages(source={self.source!r}, images={tuple(self.images.shape)} uint8, "
                f"skipped={len(self.skipped)}, from_cache={self.from_cache})")


def _load_folder(
    folder: Path, source: str, image_size: int, cache_dir: Optional[Path], recursive: bool,
    workers: Optional[int], progress: bool,
) -> PetImages:
    files, _ = list_picture_files(folder, recursive)
    key = fingerprint(source, files, image_size)
    path = cache_file(cache_dir, source, image_size, key) if cache_dir is not None else None
    blob = read_cache(path) if path is not None else None
    if blob is not None:
        return PetImages(
            images=blob["images"], source=source,
            skipped=[tuple(s) for s in blob.get("skipped", [])],
            converted=[tuple(c) for c in blob.get("converted", [])],
            location=str(folder), cache_path=str(path), from_cache=True,
        )
    images, skipped, converted = decode_folder(folder, image_size, recursive=recursive, workers=workers,
                                               progress=progress)
    if len(images) == 0:
        raise FileNotFoundError(
            f"No picture in {folder} could be decoded ({len(skipped)} files skipped). "
            "Put .jpg or .png pictures there, or use source='stand-in'."
        )
    written = False
    if path is not None:
        written = write_cache(path, {
            "version": CACHE_VERSION, "images": images, "source": source, "location": str(folder),
            "image_size": int(image_size), "fingerprint": key,
            "skipped": [list(s) for s in skipped], "converted": [list(c) for c in converted],
        })
    return PetImages(images=images, source=source, skipped=skipped, converted=converted,
                     location=str(folder), cache_path=str(path) if written else None, from_cache=False)


def load_pet_images(
    root: Optional[PathLike] = None,
    image_size: int = 64,
    source: str = "auto",
    *,
    download: bool = False,
    cache: bool = True,
    cache_dir: Optional[PathLike] = None,
    limit: Optional[int] = None,
    stand_in_count: int = 2048,
    seed: int = 0,
    timeout: float = 5.0,
    workers: Optional[int] = None,
    progress: bool = True,
) -> PetImages:
    """Load pet pictures as a uint8 tensor (N, 3, S, S); :mod:`aml_gan.data.pets` gives the order of sources.

    Args:
        root: the data folder (``None``: :func:`default_data_root`). For
            ``source="folder"`` it may be any folder of pictures.
        image_size: side ``S`` of the square pictures (8 to 512).
        source: ``"auto"``, ``"oxford-iiit-pet"``, ``"folder"`` or ``"stand-in"``.
        download: allow downloading the real dataset (about 800 MB) when it is not
            on disk. Off by default; offline the attempt gives up after ``timeout`` s.
        cache: read and write the decoded tensor (in ``cache_dir``).
        cache_dir: where caches live (default ``<root>/cache``).
        limit: keep a seeded random subset of at most ``limit`` pictures.
        stand_in_count: how many stand-in pictures to draw.
        seed: seeds the stand-in and the subset.
        workers: decoding threads.

    Returns:
        :class:`PetImages` with ``.images``, ``.source``, ``.skipped`` and ``.message``.
    """
    _check_options(source, image_size, limit)
    root = resolve_root(root)
    cache_dir = (Path(cache_dir).expanduser() if cache_dir is not None else root / "cache") if cache else None
    notes: List[str] = []  # why the real photos were not used, for the stand-in's message

    pets = None
    if source in ("auto", "oxford-iiit-pet"):
        pets = _load_real_pets(root, source, image_size, cache_dir, download=download, timeout=timeout,
                               workers=workers, progress=progress, notes=notes)
    if pets is None and source in ("auto", "folder"):
        pets = _load_own_folder(root, source, image_size, cache_dir, workers=workers, progress=progress)
    if pets is None:
        pets = _stand_in(root, source, image_size, stand_in_count, seed, notes)
    if limit is not None and len(pets) > limit:
        keep = torch.randperm(len(pets), generator=torch.Generator().manual_seed(seed))[:limit].sort().values
        pets.images = pets.images[keep]
    return pets


def _check_options(source: str, image_size: int, limit: Optional[int]) -> None:
    """Refuse, with the fix, an unknown source, a picture size outside 8..512 or a bad limit."""
    if source not in SOURCES:
        raise ValueError(f"source={source!r} is not one of {SOURCES}: use 'auto' to take whatever is there.")
    if not isinstance(image_size, int) or isinstance(image_size, bool) or not 8 <= image_size <= 512:
        raise ValueError(f"image_size must be a whole number of pixels from 8 to 512, got {image_size!r}.")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive whole number or None, got {limit!r}.")


def _load_real_pets(
    root: Path, source: str, image_size: int, cache_dir: Optional[Path], *, download: bool, timeout: float,
    workers: Optional[int], progress: bool, notes: List[str],
) -> Optional[PetImages]:
    """The Oxford-IIIT Pet photos under ``root`` (its folder, else its archive extracted, else,
    with ``download``, fetched), or ``None`` when there are none and ``source`` is ``"auto"``.
    A failed download is told in ``notes``; ``source="oxford-iiit-pet"`` without photos is refused."""
    folder = pets_folder(root) if root.is_dir() else None
    if folder is None and root.is_dir():
        archive = pets_archive(root)
        if archive is not None:
            folder = extract(archive, root)
    if folder is None and download:
        try:
            folder = download_pets(root, timeout=timeout)
        except Exception as err:  # noqa: BLE001 - offline is normal; we fall back
            notes.append(f"The download did not work: {str(err).rstrip('.')}.")
    if folder is not None:
        pets = _load_folder(folder, "oxford-iiit-pet", image_size, cache_dir, False, workers, progress)
        pets.message = (f"Training on the real Oxford-IIIT Pet photos: {len(pets)} pictures from "
                        f"{folder}" + (f" ({len(pets.skipped)} unusable files skipped)." if pets.skipped else "."))
        return pets
    if source == "oxford-iiit-pet":
        raise FileNotFoundError(
            f"The Oxford-IIIT Pet pictures are not under {root}. Put images.tar.gz there, or its images/ "
            f"folder at {root / PETS_FOLDER / 'images'}, or pass download=True when online. " + " ".join(notes)
        )
    return None


def _load_own_folder(
    root: Path, source: str, image_size: int, cache_dir: Optional[Path], *, workers: Optional[int], progress: bool,
) -> Optional[PetImages]:
    """Every picture under ``root`` and its sub-folders, or ``None`` when there is none and
    ``source`` is ``"auto"``; ``source="folder"`` without pictures is refused."""
    if not root.is_dir():
        if source == "folder":
            raise FileNotFoundError(f"{root} is not a folder. Pass root= the folder that holds your pictures.")
        return None
    files, _ = list_picture_files(root, recursive=True)
    if files:
        pets = _load_folder(root, "folder", image_size, cache_dir, True, workers, progress)
        pets.message = f"Training on your own folder of pictures: {len(pets)} pictures from {root}."
        return pets
    if source == "folder":
        raise FileNotFoundError(f"No pictures (.jpg, .png, ...) found in {root} or its sub-folders.")
    return None


def _stand_in(root: Path, source: str, image_size: int, count: int, seed: int, notes: List[str]) -> PetImages:
    """``count`` drawn cartoon pets (uint8, (count, 3, S, S)), with a message saying why."""
    images = make_stand_in_pets(count, image_size=image_size, seed=seed)
    why = " ".join(notes) or f"No pet photos were found under {root}."
    message = ("Training on the STAND-IN: drawn cartoon cat and dog faces, not real photos. "
               + (why + " " if source == "auto" else "")
               + "Everything works the same; the real photos give nicer results.")
    return PetImages(images=images, source="stand-in", message=message)


__all__ = ["PetImages", "load_pet_images"]

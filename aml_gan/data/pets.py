"""Pet images for notebook 05: the Oxford-IIIT Pet loader, its image cache, and an offline stand-in.

Where the pictures come from (``load_pet_images(source="auto")``), in this order:

1. an existing folder in torchvision's layout, ``<root>/oxford-iiit-pet/images/*.jpg``
   (or ``<root>/images/*.jpg``): source ``"oxford-iiit-pet"``;
2. the archive ``images.tar.gz`` in ``<root>`` or ``<root>/oxford-iiit-pet``: it is
   unpacked into the layout above;
3. any other folder of pictures directly under ``<root>`` (sub-folders included,
   ``annotations/`` and the cache excluded): source ``"folder"``;
4. when ``download=True`` and the internet answers within a few seconds, the
   official ``images.tar.gz`` (about 800 MB, md5-checked), into the layout above;
5. otherwise a drawn stand-in: cartoon cat and dog faces, seeded, same shapes and
   API: source ``"stand-in"``.

``root=None`` means ``$AML_GAN_DATA`` if set, else the ``data/`` folder of the
repository checkout that holds this package, else ``./data``, so the answer does not
depend on the folder a notebook runs in.

The real dataset has faulty files: GIFs and PNGs named ``.jpg``, RGBA and CMYK
images, ``.mat`` files in ``images/``, and (after a copy from a Mac) ``._*`` files.
Every picture that decodes is loaded as RGB (transparency on white), the rest are
skipped and listed in ``.skipped`` with the reason. Pictures are decoded once into a
center-cropped, resized uint8 tensor ``(N, 3, S, S)`` saved under ``<root>/cache/``
and keyed by the source, the files (names and sizes) and the size ``S``, so later runs
and every epoch read tensors, never JPEGs.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import tarfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

PathLike = Union[str, os.PathLike]

SOURCES = ("auto", "oxford-iiit-pet", "folder", "stand-in")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ppm")
PETS_URL = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz"
PETS_MD5 = "5c4f3ee8e5d25df40f4fd59a7f44e54c"
PETS_FOLDER = "oxford-iiit-pet"
CACHE_VERSION = 1
_SKIP_DIRS = {"annotations", "cache", "__MACOSX", "trimaps", "xmls"}
_EXPECTED_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP",
                    ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF", ".ppm": "PPM"}
_DECODE_LOCK = threading.Lock()


# --------------------------------------------------------------------------- where data lives
def default_data_root() -> Path:
    """The data folder: ``$AML_GAN_DATA``, else the checkout's ``data/``, else ``./data``.

    "The checkout's" means: when the package is imported from a clone of the course
    repository (an editable install), its ``data/`` folder, whatever the working
    directory; a pip-installed package (e.g. on Colab) uses ``./data``.
    """
    env = os.environ.get("AML_GAN_DATA", "").strip()
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]  # the repository, when the package runs from a checkout
    if (checkout / "pyproject.toml").is_file() and (checkout / "aml_gan").is_dir():
        return checkout / "data"
    return Path.cwd() / "data"


def _resolve_root(root: Optional[PathLike]) -> Path:
    if root is None:
        return default_data_root()
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root should be a folder path (a string or Path), got {type(root).__name__}.")
    return Path(root).expanduser()


# --------------------------------------------------------------------------- the result
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


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 pictures 0..255 -> floats in [-1, 1] (the range of a tanh output). Shape kept."""
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8:
        raise TypeError("to_unit_range expects a uint8 tensor of pictures (values 0..255), "
                        f"got {getattr(images, 'dtype', type(images).__name__)}.")
    return images.float().mul_(2.0 / 255.0).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] (a generator's tanh output) -> uint8 0..255, on the CPU. Shape kept."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


# --------------------------------------------------------------------------- decoding
def _decode(path: Path, size: int) -> Tuple[Optional[np.ndarray], Optional[str], Optional[str]]:
    """Decode one file into an (S, S, 3) uint8 array. Returns (array, converted-note, skip-reason)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    suffix = path.suffix.lower()
    try:
        with Image.open(path) as im:
            fmt = im.format or "?"
            notes = []
            if _EXPECTED_FORMAT.get(suffix) not in (None, fmt):
                notes.append(f"a {fmt} file named {suffix}")
            if fmt == "JPEG":
                im.draft("RGB", (size, size))  # decode at 1/2, 1/4, 1/8 scale when that is still >= size
            im.load()  # raises on truncated or corrupt data
            if getattr(im, "n_frames", 1) > 1:
                notes.append("first frame of an animation")
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                rgba = im.convert("RGBA")
                rgb = Image.new("RGB", rgba.size, (255, 255, 255))
                rgb.paste(rgba, mask=rgba.getchannel("A"))
                notes.append(f"{im.mode} with transparency, put on white")
            elif im.mode != "RGB":
                rgb = im.convert("RGB")
                notes.append(f"{im.mode} converted to RGB")
            else:
                rgb = im
            if min(rgb.size) < 2:
                return None, None, f"too small to use ({rgb.size[0]}x{rgb.size[1]} pixels)"
            out = ImageOps.fit(rgb, (size, size), method=Image.BICUBIC, centering=(0.5, 0.5))
            return np.asarray(out, dtype=np.uint8).copy(), ("; ".join(notes) or None), None
    except UnidentifiedImageError:
        return None, None, "not a picture (no image format recognised)"
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        text = str(err)
        if "truncated" in text.lower():
            return None, None, "truncated: the file ends before the picture does"
        return None, None, f"cannot be decoded ({type(err).__name__}: {text[:80]})"


def _list_files(folder: Path, recursive: bool) -> Tuple[List[Path], List[Tuple[str, str]]]:
    """Picture candidates in ``folder`` (sorted) and the files skipped on their names alone."""
    files: List[Path] = []
    skipped: List[Tuple[str, str]] = []
    stack = [folder]
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


def _fingerprint(source: str, files: Sequence[Path], image_size: int) -> str:
    h = hashlib.sha1()
    h.update(json.dumps([CACHE_VERSION, source, int(image_size)]).encode())
    for f in files:
        h.update(f"{f.name}:{f.stat().st_size};".encode())
    return h.hexdigest()[:16]


def decode_folder(
    folder: PathLike, image_size: int = 64, *, recursive: bool = False, workers: Optional[int] = None,
    progress: bool = True,
) -> Tuple[torch.Tensor, List[Tuple[str, str]], List[Tuple[str, str]]]:
    """Decode every picture in ``folder`` to uint8 (N, 3, S, S), center-cropped and resized.

    Returns ``(images, skipped, converted)``. Uses ``workers`` threads (PIL decodes
    outside the GIL); truncated files are skipped even if someone set PIL's
    ``LOAD_TRUNCATED_IMAGES`` elsewhere.
    """
    from PIL import ImageFile

    folder = Path(folder)
    files, skipped = _list_files(folder, recursive)
    workers = workers or min(8, os.cpu_count() or 1)
    images: List[np.ndarray] = []
    converted: List[Tuple[str, str]] = []
    bar = None
    if progress and len(files) > 200:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(files), desc="decoding pictures (once)", unit="img")
    with _DECODE_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for path, (arr, note, reason) in zip(files, pool.map(lambda p: _decode(p, image_size), files)):
                    if arr is None:
                        skipped.append((str(path), reason or "unusable"))
                    else:
                        images.append(arr)
                        if note:
                            converted.append((str(path), note))
                    if bar is not None:
                        bar.update(1)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
            if bar is not None:
                bar.close()
    if images:
        tensor = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    else:
        tensor = torch.empty((0, 3, image_size, image_size), dtype=torch.uint8)
    skipped.sort()
    return tensor, skipped, converted


# --------------------------------------------------------------------------- the cache
def _cache_file(cache_dir: Path, source: str, image_size: int, fingerprint: str) -> Path:
    return cache_dir / f"pets-{source}-{image_size}px-{fingerprint}.pt"


def _read_cache(path: Path) -> Optional[dict]:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        images = blob["images"]
        if not (isinstance(images, torch.Tensor) and images.dtype == torch.uint8 and images.dim() == 4):
            return None
        return blob
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never fatal
        return None


def _write_cache(path: Path, blob: dict) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        torch.save(blob, tmp)
        os.replace(tmp, path)  # atomic: a second process never reads half a file
        return True
    except OSError:
        return False


def _load_folder(
    folder: Path, source: str, image_size: int, cache_dir: Optional[Path], recursive: bool,
    workers: Optional[int], progress: bool,
) -> PetImages:
    files, _ = _list_files(folder, recursive)
    fingerprint = _fingerprint(source, files, image_size)
    path = _cache_file(cache_dir, source, image_size, fingerprint) if cache_dir is not None else None
    if path is not None and path.is_file():
        blob = _read_cache(path)
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
        written = _write_cache(path, {
            "version": CACHE_VERSION, "images": images, "source": source, "location": str(folder),
            "image_size": int(image_size), "fingerprint": fingerprint,
            "skipped": [list(s) for s in skipped], "converted": [list(c) for c in converted],
        })
    return PetImages(images=images, source=source, skipped=skipped, converted=converted,
                     location=str(folder), cache_path=str(path) if written else None, from_cache=False)


def clear_pet_cache(root: Optional[PathLike] = None) -> int:
    """Delete the cached tensors under ``<root>/cache`` (the pictures stay). Returns how many."""
    cache = _resolve_root(root) / "cache"
    n = 0
    for f in cache.glob("pets-*.pt"):
        f.unlink()
        n += 1
    return n


# --------------------------------------------------------------------------- finding the real data
def _pets_folder(root: Path) -> Optional[Path]:
    for folder in (root / PETS_FOLDER / "images", root / "images"):
        if folder.is_dir() and any(folder.iterdir()):
            return folder
    return None


def _pets_archive(root: Path) -> Optional[Path]:
    for archive in (root / "images.tar.gz", root / PETS_FOLDER / "images.tar.gz"):
        if archive.is_file():
            return archive
    return None


def _extract(archive: Path, root: Path) -> Path:
    target = root / PETS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(target, filter="data")  # refuses absolute paths and links out of target
        except TypeError:  # Python < 3.10.12 has no filter argument
            tar.extractall(target)  # noqa: S202 - the official archive, md5-checked when downloaded
    folder = _pets_folder(root)
    if folder is None:
        raise FileNotFoundError(f"{archive} did not contain an images/ folder: is it the Oxford-IIIT Pet archive?")
    return folder


def _online(url: str, timeout: float) -> bool:
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
    when the server cannot be reached. Returns the ``images/`` folder.
    """
    from torchvision.datasets.utils import download_and_extract_archive

    root = _resolve_root(root)
    if os.environ.get("AML_GAN_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise ConnectionError("AML_GAN_OFFLINE is set, so nothing is downloaded")
    if not _online(PETS_URL, timeout):
        raise ConnectionError(f"no answer from {PETS_URL.split('/')[2]} within {timeout:g} s (are you offline?)")
    download_and_extract_archive(PETS_URL, download_root=str(root / PETS_FOLDER), md5=PETS_MD5)
    folder = _pets_folder(root)
    if folder is None:
        raise FileNotFoundError(f"The download finished but {root / PETS_FOLDER / 'images'} is missing.")
    return folder


# --------------------------------------------------------------------------- the public loader
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
    """Load pet pictures as a uint8 tensor (N, 3, S, S); see the module docstring for the order.

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
    if source not in SOURCES:
        raise ValueError(f"source={source!r} is not one of {SOURCES}: use 'auto' to take whatever is there.")
    if not isinstance(image_size, int) or isinstance(image_size, bool) or not 8 <= image_size <= 512:
        raise ValueError(f"image_size must be a whole number of pixels from 8 to 512, got {image_size!r}.")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive whole number or None, got {limit!r}.")
    root = _resolve_root(root)
    cache_dir = (Path(cache_dir).expanduser() if cache_dir is not None else root / "cache") if cache else None
    notes: List[str] = []

    pets = None
    if source in ("auto", "oxford-iiit-pet"):
        folder = _pets_folder(root) if root.is_dir() else None
        if folder is None and root.is_dir():
            archive = _pets_archive(root)
            if archive is not None:
                folder = _extract(archive, root)
        if folder is None and download:
            try:
                folder = download_pets(root, timeout=timeout)
            except Exception as err:  # noqa: BLE001 - offline is normal; we fall back
                notes.append(f"The download did not work: {str(err).rstrip('.')}.")
        if folder is not None:
            pets = _load_folder(folder, "oxford-iiit-pet", image_size, cache_dir, False, workers, progress)
            pets.message = (f"Training on the real Oxford-IIIT Pet photos: {len(pets)} pictures from "
                            f"{folder}" + (f" ({len(pets.skipped)} unusable files skipped)." if pets.skipped else "."))
        elif source == "oxford-iiit-pet":
            raise FileNotFoundError(
                f"The Oxford-IIIT Pet pictures are not under {root}. Put images.tar.gz there, or its images/ "
                f"folder at {root / PETS_FOLDER / 'images'}, or pass download=True when online. " + " ".join(notes)
            )
    if pets is None and source in ("auto", "folder") and root.is_dir():
        files, _ = _list_files(root, recursive=True)
        if files:
            pets = _load_folder(root, "folder", image_size, cache_dir, True, workers, progress)
            pets.message = f"Training on your own folder of pictures: {len(pets)} pictures from {root}."
        elif source == "folder":
            raise FileNotFoundError(f"No pictures (.jpg, .png, ...) found in {root} or its sub-folders.")
    elif pets is None and source == "folder":
        raise FileNotFoundError(f"{root} is not a folder. Pass root= the folder that holds your pictures.")
    if pets is None:
        images = make_stand_in_pets(stand_in_count, image_size=image_size, seed=seed)
        why = " ".join(notes) or f"No pet photos were found under {root}."
        message = ("Training on the STAND-IN: drawn cartoon cat and dog faces, not real photos. "
                   + (why + " " if source == "auto" else "")
                   + "Everything works the same; the real photos give nicer results.")
        pets = PetImages(images=images, source="stand-in", message=message)
    if limit is not None and len(pets) > limit:
        keep = torch.randperm(len(pets), generator=torch.Generator().manual_seed(seed))[:limit].sort().values
        pets.images = pets.images[keep]
    return pets


# --------------------------------------------------------------------------- batches in [-1, 1]
class PetBatches:
    """Shuffled float batches in [-1, 1] from uint8 pictures, for ``fit``; one pass = one epoch.

    Much faster than a ``DataLoader`` over single pictures: each batch is one
    indexing of the uint8 tensor and one conversion. With ``device`` the uint8
    pictures move there once (on a GPU the whole cache fits easily). The order
    comes from the global torch RNG, drawn once per pass (as ``DataLoader`` does),
    so seeding and checkpoint/resume reproduce it.

    Args:
        images: uint8 tensor (N, 3, S, S).
        batch_size: pictures per batch.
        shuffle: new random order each pass.
        drop_last: skip the last, smaller batch (BatchNorm prefers equal batches).
        flip: mirror a random half of each batch left-right (pets look fine mirrored).
        device: where batches are made.
        channels_last: return batches in channels-last memory format.

    Yields float32 tensors (batch_size, 3, S, S) in [-1, 1].
    """

    def __init__(self, images: torch.Tensor, batch_size: int = 64, *, shuffle: bool = True,
                 drop_last: bool = True, flip: bool = True, device: Optional[Union[str, torch.device]] = None,
                 channels_last: bool = False):
        if isinstance(images, PetImages):
            images = images.images
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.dim() != 4:
            raise TypeError("PetBatches needs a uint8 tensor (N, 3, S, S), like load_pet_images(...).images.")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}.")
        if drop_last and images.shape[0] < batch_size:
            raise ValueError(f"Only {images.shape[0]} pictures for batches of {batch_size}: "
                             "use a smaller batch_size or drop_last=False.")
        self.images = images.to(device) if device is not None else images
        self.batch_size = batch_size
        self.shuffle, self.drop_last, self.flip, self.channels_last = shuffle, drop_last, flip, channels_last

    def __len__(self) -> int:
        n = self.images.shape[0]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        n, device = self.images.shape[0], self.images.device
        gen = torch.Generator().manual_seed(int(torch.empty((), dtype=torch.int64).random_().item()))
        order = torch.randperm(n, generator=gen) if self.shuffle else torch.arange(n)
        flips = torch.rand(n, generator=gen) < 0.5 if self.flip else None
        order = order.to(device)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            x = self.images[idx].float().mul_(2.0 / 255.0).sub_(1.0)
            if flips is not None:
                mask = flips[i * self.batch_size:(i + 1) * self.batch_size].to(device).view(-1, 1, 1, 1)
                x = torch.where(mask, x.flip(-1), x)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x


class PetDataset(Dataset):
    """A map-style Dataset over uint8 pictures: item ``i`` is a float (3, S, S) in [-1, 1].

    For ``torch.utils.data.DataLoader`` users; :class:`PetBatches` is faster.
    """

    def __init__(self, images: torch.Tensor, flip: bool = False):
        if isinstance(images, PetImages):
            images = images.images
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.dim() != 4:
            raise TypeError("PetDataset needs a uint8 tensor (N, 3, S, S), like load_pet_images(...).images.")
        self.images, self.flip = images, flip

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, i: int) -> torch.Tensor:
        x = self.images[i].float().mul_(2.0 / 255.0).sub_(1.0)
        if self.flip and torch.rand(()) < 0.5:
            x = x.flip(-1)
        return x


def pet_dataloader(images, batch_size: int = 64, *, shuffle: bool = True, drop_last: bool = True,
                   flip: bool = False, num_workers: int = 0, **kwargs) -> torch.utils.data.DataLoader:
    """A plain ``DataLoader`` over :class:`PetDataset`: yields float batches (B, 3, S, S) in [-1, 1]."""
    return torch.utils.data.DataLoader(PetDataset(images, flip=flip), batch_size=batch_size, shuffle=shuffle,
                                       drop_last=drop_last, num_workers=num_workers, **kwargs)


# --------------------------------------------------------------------------- the stand-in
_FURS = [  # (fur, darker shade for ears/patches)
    ((222, 140, 60), (170, 92, 35)),    # ginger
    ((60, 56, 54), (25, 24, 24)),       # black
    ((236, 232, 222), (200, 190, 178)),  # white
    ((150, 150, 156), (100, 100, 108)),  # grey
    ((132, 88, 52), (86, 54, 30)),      # brown
    ((232, 204, 160), (196, 160, 112)),  # cream
    ((196, 150, 98), (140, 100, 60)),   # tan
    ((96, 72, 60), (200, 180, 160)),    # dark with light patches
]
_SUPERSAMPLE = 3
_EYES = [(98, 170, 70), (220, 180, 40), (90, 150, 210), (160, 110, 50)]


def _gradient(rng: np.random.Generator, size: int) -> "np.ndarray":
    """A vertical two-colour gradient, colours pulled toward a muted grey-brown like indoor photos."""
    muted = np.array([128, 118, 104])
    top = 0.55 * rng.integers(0, 256, 3) + 0.45 * muted
    bottom = np.clip(top + rng.integers(-80, 80, 3), 0, 255)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    column = ((1 - t) * top + t * bottom).astype(np.uint8)
    return np.ascontiguousarray(np.broadcast_to(column, (size, size, 3)))


def _draw_pet(rng: np.random.Generator, size: int) -> np.ndarray:
    """One cartoon cat or dog face, drawn at 3x and shrunk (smooth edges). Returns (S, S, 3) uint8."""
    from PIL import Image, ImageDraw

    big = size * _SUPERSAMPLE
    canvas = Image.fromarray(_gradient(rng, big))
    back = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(0, 4))):  # cushions, toys, floor
        c = tuple(int(0.6 * v + 0.4 * m) for v, m in zip(rng.integers(0, 256, 3), (128, 118, 104)))
        x0, y0 = rng.integers(-big // 4, big, 2)
        w, h = rng.integers(big // 8, big // 2, 2)
        (back.ellipse if rng.random() < 0.5 else back.rectangle)([x0, y0, x0 + w, y0 + h], fill=c)

    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    fur, shade = _FURS[int(rng.integers(len(_FURS)))]
    jitter = rng.integers(-18, 18, 3)
    fur = tuple(int(np.clip(v + j, 0, 255)) for v, j in zip(fur, jitter))
    shade = tuple(int(np.clip(v + j, 0, 255)) for v, j in zip(shade, jitter))
    cat = rng.random() < 0.5
    cx, cy = big / 2, big * 0.54
    r = big * 0.3
    rx, ry = r * rng.uniform(1.0, 1.15), r * rng.uniform(0.88, 1.0) if cat else r * rng.uniform(0.95, 1.12)

    if cat:  # pointy ears with pink insides
        for side in (-1, 1):
            base = cx + side * rx * 0.55
            tip = (cx + side * rx * rng.uniform(0.75, 1.0), cy - ry * rng.uniform(1.35, 1.6))
            d.polygon([(base - rx * 0.4, cy - ry * 0.5), (base + rx * 0.4, cy - ry * 0.5), tip], fill=shade)
            d.polygon([(base - rx * 0.22, cy - ry * 0.6), (base + rx * 0.22, cy - ry * 0.6),
                       (tip[0] * 0.9 + base * 0.1, tip[1] + ry * 0.2)], fill=(236, 160, 170))
    elif rng.random() < 0.7:  # floppy ears hanging at the sides
        for side in (-1, 1):
            ex = cx + side * rx * 0.95
            d.ellipse([ex - rx * 0.3, cy - ry * 0.8, ex + rx * 0.3, cy + ry * 0.5], fill=shade)
    else:  # upright rounded ears
        for side in (-1, 1):
            ex = cx + side * rx * 0.6
            d.ellipse([ex - rx * 0.28, cy - ry * 1.45, ex + rx * 0.28, cy - ry * 0.45], fill=shade)
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fur)
    if rng.random() < 0.4:  # a lighter blaze down the face
        light = tuple(int(min(255, v + 70)) for v in fur)
        d.ellipse([cx - rx * 0.25, cy - ry * 0.9, cx + rx * 0.25, cy + ry * 0.6], fill=light)
    if rng.random() < 0.3:  # a patch around one eye
        side = rng.choice([-1, 1])
        d.ellipse([cx + side * rx * 0.38 - rx * 0.3, cy - ry * 0.45, cx + side * rx * 0.38 + rx * 0.3,
                   cy + ry * 0.1], fill=shade)

    eye_y = cy - ry * rng.uniform(0.1, 0.28)
    gaze = rng.uniform(-0.06, 0.06) * rx
    for side in (-1, 1):
        ex = cx + side * rx * 0.38
        er = rx * (0.17 if cat else 0.13)
        if cat:
            iris = _EYES[int(rng.integers(len(_EYES)))]
            d.ellipse([ex - er, eye_y - er * 0.8, ex + er, eye_y + er * 0.8], fill=iris)
            d.ellipse([ex + gaze - er * 0.22, eye_y - er * 0.75, ex + gaze + er * 0.22, eye_y + er * 0.75],
                      fill=(10, 10, 10))
        else:
            d.ellipse([ex - er, eye_y - er, ex + er, eye_y + er], fill=(30, 20, 15))
            d.ellipse([ex + gaze - er * 0.35, eye_y - er * 0.6, ex + gaze + er * 0.05, eye_y - er * 0.2],
                      fill=(250, 250, 250))

    if cat:
        ny = cy + ry * 0.2
        d.polygon([(cx - rx * 0.1, ny), (cx + rx * 0.1, ny), (cx, ny + ry * 0.12)], fill=(230, 120, 140))
        w = max(1, big // 80)
        for side in (-1, 1):
            d.arc([cx - rx * 0.2 + side * rx * 0.1, ny + ry * 0.05, cx + rx * 0.2 + side * rx * 0.1,
                   ny + ry * 0.3], 20, 160, fill=(40, 30, 30), width=w)
            for k in (-1, 0, 1):
                d.line([cx + side * rx * 0.2, ny + ry * 0.12, cx + side * rx * 1.1, ny + ry * (0.05 + 0.12 * k)],
                       fill=(245, 245, 245) if sum(fur) < 300 else (40, 40, 40), width=w)
    else:
        muzzle = tuple(int(min(255, v + 45)) for v in fur)
        my = cy + ry * 0.35
        d.ellipse([cx - rx * 0.42, my - ry * 0.3, cx + rx * 0.42, my + ry * 0.42], fill=muzzle)
        d.ellipse([cx - rx * 0.16, my - ry * 0.22, cx + rx * 0.16, my - ry * 0.02], fill=(20, 15, 15))
        if rng.random() < 0.5:  # tongue out
            d.ellipse([cx - rx * 0.13, my + ry * 0.1, cx + rx * 0.13, my + ry * 0.48], fill=(226, 90, 110))
        d.line([cx, my - ry * 0.02, cx, my + ry * 0.15], fill=(30, 20, 20), width=max(1, big // 80))

    # pose: tilt, size and position in one affine map (PIL wants output -> input coordinates)
    angle = math.radians(float(rng.uniform(-25, 25)))
    scale = float(rng.uniform(0.75, 1.15))
    shift_x = float(rng.integers(-big // 8, big // 8 + 1))
    shift_y = float(rng.integers(-big // 10, big // 10 + 1))
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    ox, oy = cx + shift_x, cy + shift_y  # where the face centre lands
    affine = (cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy)
    layer = layer.transform((big, big), Image.AFFINE, affine, resample=Image.BILINEAR)
    canvas.paste(layer, (0, 0), layer)
    small = np.asarray(canvas.reduce(_SUPERSAMPLE), dtype=np.int16)
    small = small + rng.integers(-6, 7, small.shape, dtype=np.int16)  # a little sensor-like noise
    return np.clip(small, 0, 255).astype(np.uint8)


def make_stand_in_pets(n: int = 2048, image_size: int = 64, seed: int = 0) -> torch.Tensor:
    """Draw ``n`` cartoon cat and dog faces: uint8 tensor (n, 3, S, S), the same for the same seed.

    Colours, fur patterns, ears, eyes, pose (tilt, size, position) and backgrounds
    vary. Picture ``i`` depends only on ``(seed, i)``, so a smaller ``n`` gives a prefix.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive whole number of pictures, got {n!r}.")
    if not isinstance(image_size, int) or not 8 <= image_size <= 512:
        raise ValueError(f"image_size must be a whole number from 8 to 512, got {image_size!r}.")
    arrays = [_draw_pet(np.random.default_rng([int(seed), i]), image_size) for i in range(n)]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


__all__ = [
    "PetImages",
    "PetBatches",
    "PetDataset",
    "load_pet_images",
    "make_stand_in_pets",
    "pet_dataloader",
    "decode_folder",
    "download_pets",
    "default_data_root",
    "clear_pet_cache",
    "to_unit_range",
    "to_uint8",
]

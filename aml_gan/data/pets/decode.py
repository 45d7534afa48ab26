"""Decoding picture files, faulty ones included, into center-cropped uint8 RGB arrays."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
import torch

from .locate import PathLike, list_picture_files

_EXPECTED_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP",
                    ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF", ".ppm": "PPM"}
_DECODE_LOCK = threading.Lock()


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

    files, skipped = list_picture_files(folder, recursive)
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


__all__ = ["decode_folder"]

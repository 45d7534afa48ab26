"""The offline stand-in: seeded cartoon cat and dog faces with the shape and range of the real pictures.

Each face is drawn at 3x on a transparent layer (ears, head, eyes, nose or muzzle),
posed (tilt, size, position), laid on a background and shrunk, which smooths its edges.
Every random choice comes from one ``numpy`` generator per picture, in a fixed order,
so picture ``i`` of seed ``s`` never changes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np
import torch

Colour = Tuple[int, int, int]

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
_MUTED = (128, 118, 104)  # the grey-brown of indoor photos that backgrounds lean toward


@dataclass
class _Face:
    """One face on the big canvas: a cat or a dog, its colours, its centre and radii."""

    cat: bool
    fur: Colour
    shade: Colour
    cx: float
    cy: float
    rx: float
    ry: float

    @classmethod
    def draw_lots(cls, rng: np.random.Generator, big: int) -> "_Face":
        fur, shade = _FURS[int(rng.integers(len(_FURS)))]
        jitter = rng.integers(-18, 18, 3)
        fur = tuple(int(np.clip(v + j, 0, 255)) for v, j in zip(fur, jitter))
        shade = tuple(int(np.clip(v + j, 0, 255)) for v, j in zip(shade, jitter))
        cat = rng.random() < 0.5
        r = big * 0.3
        rx = r * rng.uniform(1.0, 1.15)
        ry = r * rng.uniform(0.88, 1.0) if cat else r * rng.uniform(0.95, 1.12)
        return cls(cat, fur, shade, big / 2, big * 0.54, rx, ry)


def _gradient(rng: np.random.Generator, size: int) -> np.ndarray:
    """A vertical two-colour gradient, colours pulled toward a muted grey-brown like indoor photos."""
    top = 0.55 * rng.integers(0, 256, 3) + 0.45 * np.array(_MUTED)
    bottom = np.clip(top + rng.integers(-80, 80, 3), 0, 255)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    column = ((1 - t) * top + t * bottom).astype(np.uint8)
    return np.ascontiguousarray(np.broadcast_to(column, (size, size, 3)))


def _background(rng: np.random.Generator, big: int):
    """The gradient with up to three muted shapes on it (cushions, toys, floor). Returns a PIL RGB image."""
    from PIL import Image, ImageDraw

    canvas = Image.fromarray(_gradient(rng, big))
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(0, 4))):
        c = tuple(int(0.6 * v + 0.4 * m) for v, m in zip(rng.integers(0, 256, 3), _MUTED))
        x0, y0 = rng.integers(-big // 4, big, 2)
        w, h = rng.integers(big // 8, big // 2, 2)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=c)
    return canvas


def _ears(d, rng: np.random.Generator, f: _Face) -> None:
    """Cats: pointy ears with pink insides. Dogs: floppy ears at the sides, or upright rounded ones."""
    cx, cy, rx, ry = f.cx, f.cy, f.rx, f.ry
    if f.cat:
        for side in (-1, 1):
            base = cx + side * rx * 0.55
            tip = (cx + side * rx * rng.uniform(0.75, 1.0), cy - ry * rng.uniform(1.35, 1.6))
            d.polygon([(base - rx * 0.4, cy - ry * 0.5), (base + rx * 0.4, cy - ry * 0.5), tip], fill=f.shade)
            d.polygon([(base - rx * 0.22, cy - ry * 0.6), (base + rx * 0.22, cy - ry * 0.6),
                       (tip[0] * 0.9 + base * 0.1, tip[1] + ry * 0.2)], fill=(236, 160, 170))
    elif rng.random() < 0.7:
        for side in (-1, 1):
            ex = cx + side * rx * 0.95
            d.ellipse([ex - rx * 0.3, cy - ry * 0.8, ex + rx * 0.3, cy + ry * 0.5], fill=f.shade)
    else:
        for side in (-1, 1):
            ex = cx + side * rx * 0.6
            d.ellipse([ex - rx * 0.28, cy - ry * 1.45, ex + rx * 0.28, cy - ry * 0.45], fill=f.shade)


def _head(d, rng: np.random.Generator, f: _Face) -> None:
    """The head, sometimes with a lighter blaze down the middle and a patch around one eye."""
    cx, cy, rx, ry = f.cx, f.cy, f.rx, f.ry
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=f.fur)
    if rng.random() < 0.4:
        light = tuple(int(min(255, v + 70)) for v in f.fur)
        d.ellipse([cx - rx * 0.25, cy - ry * 0.9, cx + rx * 0.25, cy + ry * 0.6], fill=light)
    if rng.random() < 0.3:
        side = rng.choice([-1, 1])
        d.ellipse([cx + side * rx * 0.38 - rx * 0.3, cy - ry * 0.45, cx + side * rx * 0.38 + rx * 0.3,
                   cy + ry * 0.1], fill=f.shade)


def _eyes(d, rng: np.random.Generator, f: _Face) -> None:
    """Cats: coloured irises with slit pupils. Dogs: dark eyes with a highlight. Both look the same way."""
    cx, cy, rx, ry = f.cx, f.cy, f.rx, f.ry
    eye_y = cy - ry * rng.uniform(0.1, 0.28)
    gaze = rng.uniform(-0.06, 0.06) * rx
    for side in (-1, 1):
        ex = cx + side * rx * 0.38
        er = rx * (0.17 if f.cat else 0.13)
        if f.cat:
            iris = _EYES[int(rng.integers(len(_EYES)))]
            d.ellipse([ex - er, eye_y - er * 0.8, ex + er, eye_y + er * 0.8], fill=iris)
            d.ellipse([ex + gaze - er * 0.22, eye_y - er * 0.75, ex + gaze + er * 0.22, eye_y + er * 0.75],
                      fill=(10, 10, 10))
        else:
            d.ellipse([ex - er, eye_y - er, ex + er, eye_y + er], fill=(30, 20, 15))
            d.ellipse([ex + gaze - er * 0.35, eye_y - er * 0.6, ex + gaze + er * 0.05, eye_y - er * 0.2],
                      fill=(250, 250, 250))


def _cat_nose(d, big: int, f: _Face) -> None:
    """A pink nose, a mouth and whiskers (light on dark fur, dark on light fur)."""
    cx, cy, rx, ry = f.cx, f.cy, f.rx, f.ry
    ny = cy + ry * 0.2
    d.polygon([(cx - rx * 0.1, ny), (cx + rx * 0.1, ny), (cx, ny + ry * 0.12)], fill=(230, 120, 140))
    w = max(1, big // 80)
    for side in (-1, 1):
        d.arc([cx - rx * 0.2 + side * rx * 0.1, ny + ry * 0.05, cx + rx * 0.2 + side * rx * 0.1,
               ny + ry * 0.3], 20, 160, fill=(40, 30, 30), width=w)
        for k in (-1, 0, 1):
            d.line([cx + side * rx * 0.2, ny + ry * 0.12, cx + side * rx * 1.1, ny + ry * (0.05 + 0.12 * k)],
                   fill=(245, 245, 245) if sum(f.fur) < 300 else (40, 40, 40), width=w)


def _dog_muzzle(d, rng: np.random.Generator, big: int, f: _Face) -> None:
    """A lighter muzzle with a dark nose, and half the time a tongue out."""
    cx, cy, rx, ry = f.cx, f.cy, f.rx, f.ry
    muzzle = tuple(int(min(255, v + 45)) for v in f.fur)
    my = cy + ry * 0.35
    d.ellipse([cx - rx * 0.42, my - ry * 0.3, cx + rx * 0.42, my + ry * 0.42], fill=muzzle)
    d.ellipse([cx - rx * 0.16, my - ry * 0.22, cx + rx * 0.16, my - ry * 0.02], fill=(20, 15, 15))
    if rng.random() < 0.5:
        d.ellipse([cx - rx * 0.13, my + ry * 0.1, cx + rx * 0.13, my + ry * 0.48], fill=(226, 90, 110))
    d.line([cx, my - ry * 0.02, cx, my + ry * 0.15], fill=(30, 20, 20), width=max(1, big // 80))


def _pose(layer, rng: np.random.Generator, big: int, f: _Face):
    """Tilt, size and position in one affine map (PIL wants output -> input coordinates)."""
    from PIL import Image

    angle = math.radians(float(rng.uniform(-25, 25)))
    scale = float(rng.uniform(0.75, 1.15))
    shift_x = float(rng.integers(-big // 8, big // 8 + 1))
    shift_y = float(rng.integers(-big // 10, big // 10 + 1))
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    ox, oy = f.cx + shift_x, f.cy + shift_y  # where the face centre lands
    affine = (cos, sin, f.cx - cos * ox - sin * oy, -sin, cos, f.cy + sin * ox - cos * oy)
    return layer.transform((big, big), Image.AFFINE, affine, resample=Image.BILINEAR)


def _draw_pet(rng: np.random.Generator, size: int) -> np.ndarray:
    """One cartoon cat or dog face, drawn at 3x and shrunk (smooth edges). Returns (S, S, 3) uint8."""
    from PIL import Image, ImageDraw

    big = size * _SUPERSAMPLE
    canvas = _background(rng, big)
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    face = _Face.draw_lots(rng, big)
    _ears(d, rng, face)  # first, so that the head covers their bases
    _head(d, rng, face)
    _eyes(d, rng, face)
    if face.cat:
        _cat_nose(d, big, face)
    else:
        _dog_muzzle(d, rng, big, face)
    layer = _pose(layer, rng, big, face)
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


__all__ = ["make_stand_in_pets"]

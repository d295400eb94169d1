"""Natural backgrounds for the third input kind: crops of the sample photos scikit-image ships
(no download), and a striped flag drawn here.

Each background is picked and cropped by the case's seed, so a case always gets the same one.
Some hold other things than the object (the cup on the wooden table, the launch tower and its
lights, the flag's canton), as user photos do.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from skimage import data

MIN_CROP = 0.55
"""The crop's side is at least this fraction of the photo's shorter side."""


def _tinted(grey: np.ndarray, dark: tuple[int, int, int], light: tuple[int, int, int]):
    """A greyscale texture photo coloured between two colours."""
    t = grey.astype(np.float32)[..., None] / 255.0
    return (np.asarray(dark) * (1 - t) + np.asarray(light) * t).astype(np.uint8)


def _flag() -> np.ndarray:
    """A waving striped flag (13 red and white stripes, a blue canton), shaded by its folds."""
    height, width = 600, 900
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    wave = 18.0 * np.sin(xs / 95.0 + ys / 400.0)
    stripe = np.floor((ys + wave) / (height / 13.0)).astype(int) % 2
    rgb = np.where(stripe[..., None] == 0, [178, 34, 52], [240, 240, 240]).astype(np.float32)
    canton = (xs < 0.4 * width) & (ys + wave < 7 * height / 13.0)
    rgb[canton] = [60, 59, 110]
    fold = 0.8 + 0.2 * np.cos(xs / 95.0 + ys / 400.0)
    return np.clip(rgb * fold[..., None], 0, 255).astype(np.uint8)


BACKGROUNDS: dict[str, Callable[[], np.ndarray]] = {
    "wooden table": data.coffee,
    "night launch": data.rocket,
    "blurred room": lambda: cv2.GaussianBlur(data.astronaut(), (0, 0), 5.0),
    "striped flag": _flag,
    "brick wall": lambda: _tinted(data.brick(), (70, 25, 15), (215, 120, 90)),
    "grass": lambda: _tinted(data.grass(), (20, 45, 10), (150, 200, 70)),
    "gravel": lambda: _tinted(data.gravel(), (40, 38, 35), (200, 195, 185)),
}


def background_name(seed: int) -> str:
    """Which background a case's seed picks."""
    return list(BACKGROUNDS)[seed % len(BACKGROUNDS)]


def natural_background(seed: int, size: int) -> np.ndarray:
    """A ``size``² RGB crop of the background ``seed`` picks, at a seeded place and scale."""
    photo = BACKGROUNDS[background_name(seed)]()
    if photo.ndim == 2:
        photo = np.repeat(photo[..., None], 3, axis=2)
    photo = photo[..., :3]
    rng = np.random.default_rng(seed)
    short = min(photo.shape[:2])
    side = int(short * rng.uniform(MIN_CROP, 1.0))
    top = int(rng.integers(0, photo.shape[0] - side + 1))
    left = int(rng.integers(0, photo.shape[1] - side + 1))
    crop = photo[top : top + side, left : left + side]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=interp)

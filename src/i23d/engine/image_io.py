"""Decoding input images (path, bytes, PIL or array) into RGBA arrays, with byte and pixel caps.

Decodes what phones and editors write: 16-bit greyscale (scaled to 8 bits, not clipped),
EXIF orientation (applied, so a phone photo stored sideways is upright), MPO (the multi-picture
JPEG of many phones: its first frame), CMYK JPEGs. Refuses what cannot be used: other formats,
truncated files, a side under ``MIN_SIDE`` pixels, an aspect ratio over ``MAX_ASPECT``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from i23d.engine.errors import ImageTooLarge, InvalidImage

ImageInput = bytes | bytearray | str | Path | Image.Image | np.ndarray

DEFAULT_MAX_PIXELS = 40_000_000
"""The default pixel cap of an input image (the service's ``max_image_pixels`` defaults to it)."""
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""The default byte cap of an input image, 20 MiB = 20,971,520 bytes (the service's
``max_image_bytes`` defaults to it)."""
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "MPO")
MIN_SIDE = 32
"""The shortest side an input image may have, in pixels."""
MAX_ASPECT = 8.0
"""The most the longer side may exceed the shorter one (8:1)."""
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`inspect_image` learnt: the container format and the upright size."""

    format: str
    width: int
    height: int


def inspect_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int = DEFAULT_MAX_BYTES
) -> ImageInfo:
    """Check that ``data`` is an image the engine can use, decoding every pixel once (at
    reduced scale for JPEG) so a truncated file is caught; pixel and side limits are read from
    the header first. Raises ``InvalidImage`` or ``ImageTooLarge``."""
    data = _read_bytes(data, max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as pil:
            image_format = _accepted_format(pil)
            _check_pixels(pil.width, pil.height, max_pixels)
            width, height = pil.size
            if _orientation(pil) in (5, 6, 7, 8):  # stored rotated by 90°
                width, height = height, width
            if image_format in ("JPEG", "MPO"):
                pil.draft(pil.mode, (max(1, pil.width // 8), max(1, pil.height // 8)))
            pil.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"image is not a decodable PNG, JPEG or WebP file ({exc})") from exc
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"image has too many pixels (cap {max_pixels:,})") from exc
    return ImageInfo(image_format, width, height)


def decode_rgba(
    image: ImageInput,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[np.ndarray, bool]:
    """Decode ``image`` to an (H, W, 4) uint8 array; also say whether it carried real alpha.

    The pixel cap is checked from the header, before any pixel is decoded, so a
    decompression bomb is refused cheaply.
    """
    if isinstance(image, np.ndarray):
        return _array_to_rgba(image, max_pixels)
    if isinstance(image, Image.Image):
        _check_pixels(image.width, image.height, max_pixels)
        return _pil_to_rgba(image)
    data = _read_bytes(image, max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as pil:
            _accepted_format(pil)
            _check_pixels(pil.width, pil.height, max_pixels)
            pil.load()
            return _pil_to_rgba(pil)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("image is not a decodable PNG, JPEG or WebP file") from exc
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"image has too many pixels (cap {max_pixels:,})") from exc


def _read_bytes(image: bytes | bytearray | str | Path, max_bytes: int) -> bytes:
    if isinstance(image, bytes | bytearray):
        data = bytes(image)
    else:
        path = Path(image)
        if not path.is_file():
            raise InvalidImage(f"image file not found: {path}")
        if path.stat().st_size > max_bytes:
            raise ImageTooLarge(f"image file is larger than {max_bytes:,} bytes")
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise ImageTooLarge(f"image is larger than {max_bytes:,} bytes")
    if not data:
        raise InvalidImage("image is empty")
    return data


def _accepted_format(pil: Image.Image) -> str:
    if pil.format not in ACCEPTED_FORMATS:
        raise InvalidImage(
            f"image must be PNG, JPEG or WebP, got {pil.format or 'an unknown format'}"
        )
    return "JPEG" if pil.format == "MPO" else pil.format


def _orientation(pil: Image.Image) -> int:
    try:
        return int(pil.getexif().get(0x0112, 1))  # EXIF Orientation
    except (ValueError, TypeError, OSError, SyntaxError):
        return 1


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"image is {width}x{height} = {width * height:,} pixels; the cap is {max_pixels:,}"
        )
    if min(width, height) < MIN_SIDE:
        raise InvalidImage(
            f"image is {width}x{height}; each side must be at least {MIN_SIDE} pixels"
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise InvalidImage(
            f"image is {width}x{height}; the longer side may be at most "
            f"{MAX_ASPECT:g} times the shorter"
        )


def _pil_to_rgba(pil: Image.Image) -> tuple[np.ndarray, bool]:
    pil = ImageOps.exif_transpose(pil)  # upright, as the camera meant it
    if pil.mode in _SIXTEEN_BIT_MODES:  # 16-bit greyscale: scale to 8 bits (convert clips)
        grey = np.asarray(pil, dtype=np.uint32) >> 8
        pil = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    has_alpha = pil.mode in ("RGBA", "LA", "PA") or (pil.mode == "P" and "transparency" in pil.info)
    rgba = np.asarray(pil.convert("RGBA"), dtype=np.uint8).copy()
    return rgba, has_alpha and _alpha_is_informative(rgba[..., 3])


def _array_to_rgba(array: np.ndarray, max_pixels: int) -> tuple[np.ndarray, bool]:
    if array.ndim not in (2, 3) or array.dtype != np.uint8:
        raise InvalidImage("image array must be uint8 with shape (H, W), (H, W, 3) or (H, W, 4)")
    _check_pixels(array.shape[1], array.shape[0], max_pixels)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.shape[2] == 3:
        alpha = np.full(array.shape[:2] + (1,), 255, np.uint8)
        return np.concatenate([array, alpha], axis=2), False
    if array.shape[2] != 4:
        raise InvalidImage("image array must have 1, 3 or 4 channels")
    return array.copy(), _alpha_is_informative(array[..., 3])


def _alpha_is_informative(alpha: np.ndarray) -> bool:
    """Alpha counts as a mask only if it marks some pixels transparent and some opaque."""
    transparent = np.count_nonzero(alpha < 128)
    return bool(0 < transparent < alpha.size)

"""Decoding input images (path, bytes, PIL or array) into RGBA arrays, with byte and pixel caps."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from i23d.engine.errors import ImageTooLarge, InvalidImage

ImageInput = bytes | bytearray | str | Path | Image.Image | np.ndarray

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 50_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")


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
            if pil.format not in ACCEPTED_FORMATS:
                raise InvalidImage(
                    f"image must be PNG, JPEG or WebP, got {pil.format or 'an unknown format'}"
                )
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


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"image is {width}x{height} = {width * height:,} pixels; the cap is {max_pixels:,}"
        )
    if width < 8 or height < 8:
        raise InvalidImage(f"image is {width}x{height}; it must be at least 8x8 pixels")


def _pil_to_rgba(pil: Image.Image) -> tuple[np.ndarray, bool]:
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
    return 0 < transparent < alpha.size

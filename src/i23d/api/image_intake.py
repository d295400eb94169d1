"""Taking in a create request's image: fetch it (SSRF-safe), then check its header.

The format and the pixel count are read from the header alone, before any pixel is decoded,
so a decompression bomb is refused without being expanded.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from i23d.config import Settings
from i23d.image_fetch import FetchError, fetch_image
from i23d.sessions.service import ServiceError

SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


def take_image(image_url: str, settings: Settings) -> tuple[bytes, str]:
    """The image's bytes and file suffix; raises ``ServiceError`` (4xx) naming ``image_url``."""
    try:
        data = fetch_image(image_url, allow_private=settings.allow_private_urls,
                           max_bytes=settings.max_image_bytes, timeout=settings.fetch_timeout_s)
    except FetchError as exc:
        raise ServiceError(exc.status, exc.message, field="image_url") from exc
    return data, check_image_header(data, settings.max_image_pixels)


def check_image_header(data: bytes, max_pixels: int) -> str:
    """The suffix for a PNG, JPEG or WebP image within ``max_pixels``; 400/413 otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ServiceError(400, "image_url does not point at a PNG, JPEG or WebP image",
                           field="image_url") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ServiceError(413, f"image_url: the image has too many pixels (limit "
                           f"{max_pixels:,})", field="image_url") from exc
    if image_format not in SUFFIXES:
        raise ServiceError(400, f"image_url: {image_format} images are not supported; "
                           "send PNG, JPEG or WebP", field="image_url")
    if width * height > max_pixels:
        raise ServiceError(413, f"image_url: the image is {width}x{height} = "
                           f"{width * height:,} pixels; the limit is {max_pixels:,}",
                           field="image_url")
    return SUFFIXES[image_format]

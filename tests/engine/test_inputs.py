"""Bad input gives typed engine errors that name the field at fault."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from i23d.engine import (
    Engine,
    EngineOptions,
    ImageTooLarge,
    InvalidImage,
    InvalidOption,
    NoObjectFound,
)


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_not_an_image_is_refused():
    with pytest.raises(InvalidImage) as error:
        Engine().load(b"this is not a picture")
    assert error.value.field == "image"


def test_unsupported_format_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="BMP")
    with pytest.raises(InvalidImage, match="PNG, JPEG or WebP"):
        Engine().load(buffer.getvalue())


def test_pixel_cap_is_checked_before_decoding():
    data = png_bytes(np.zeros((300, 300, 3), np.uint8))
    with pytest.raises(ImageTooLarge, match="90,000 pixels"):
        Engine(max_pixels=50_000).load(data)


def test_byte_cap():
    data = png_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(ImageTooLarge):
        Engine(max_bytes=1000).load(data)


def test_fully_transparent_image_has_no_object():
    with pytest.raises(NoObjectFound, match="no object"):
        Engine().load(png_bytes(np.zeros((64, 64, 4), np.uint8)))


def test_plain_background_photo_has_no_object():
    with pytest.raises(NoObjectFound):
        Engine().load(png_bytes(np.full((64, 64, 3), 200, np.uint8)))


def test_jpeg_and_webp_decode():
    image = np.full((96, 96, 3), 230, np.uint8)
    image[24:72, 32:64] = (180, 40, 40)
    for fmt in ("JPEG", "WEBP"):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format=fmt, quality=95)
        cutout = Engine().load(buffer.getvalue())
        assert 0.2 < cutout.mask.mean() < 0.7


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("preview_mesh", "fast"),
        ("model_resolution", "medium"),
        ("pixel_alignment", "best"),
        ("diffusion_time_steps", 15),
        ("diffusion_time_steps", 201),
        ("diffusion_time_steps", 20.5),
        ("diffusion_time_steps", True),
    ],
)
def test_options_are_validated_with_the_field_named(field, value):
    with pytest.raises(InvalidOption) as error:
        EngineOptions(**{field: value})
    assert error.value.field == field
    assert field in error.value.message

"""Photos as phones and editors write them decode right (16-bit greyscale, EXIF-rotated, MPO,
CMYK); what cannot be used (truncated, tiny, extremely elongated) is refused up front."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from i23d.engine.errors import InvalidImage
from i23d.engine.image_io import MAX_ASPECT, MIN_SIDE, decode_rgba, inspect_image


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def test_sixteen_bit_greyscale_png_keeps_its_tones() -> None:
    ramp = np.tile(np.linspace(0, 65535, 128).astype(np.uint16), (64, 1))
    data = _encode(Image.fromarray(ramp), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")  # really 16-bit on disk
    rgba, _ = decode_rgba(data)
    grey = rgba[0, :, 0].astype(int)
    assert grey[0] < 5 and grey[-1] > 250  # not all white
    assert np.all(np.diff(grey) >= 0) and len(np.unique(grey)) > 100
    assert inspect_image(data).format == "PNG"


def test_exif_orientation_is_applied() -> None:
    stored = np.zeros((40, 80, 3), np.uint8)
    stored[:, :40] = (255, 0, 0)  # red on the left of the stored (sideways) frame
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90° clockwise
    data = _encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    rgba, _ = decode_rgba(data)
    assert rgba.shape[:2] == (80, 40)  # upright: taller than wide
    assert rgba[5, 20, 0] > 200 and rgba[5, 20, 1] < 60  # red now on top
    info = inspect_image(data)
    assert (info.width, info.height) == (40, 80)


def test_mpo_decodes_its_first_frame() -> None:
    first = Image.new("RGB", (64, 64), (0, 0, 255))
    second = Image.new("RGB", (64, 64), (255, 255, 0))
    data = _encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    rgba, _ = decode_rgba(data)
    assert rgba[32, 32, 2] > 200 and rgba[32, 32, 0] < 60
    assert inspect_image(data).format == "JPEG"


def test_cmyk_jpeg_decodes_to_its_colours() -> None:
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # red in CMYK
    data = _encode(cmyk, "JPEG", quality=95)
    rgba, _ = decode_rgba(data)
    r, g, b = rgba[32, 32, :3].astype(int)
    assert r > 200 and g < 60 and b < 60


@pytest.mark.parametrize(
    ("size", "reason"),
    [
        ((1, 1), "at least"),
        ((MIN_SIDE - 1, 100), "at least"),
        ((40000, 1), "at least"),
        ((int(MIN_SIDE * MAX_ASPECT) + 8, MIN_SIDE), "times the shorter"),
    ],
)
def test_unusable_sizes_are_refused(size: tuple[int, int], reason: str) -> None:
    data = _encode(Image.new("RGB", size, (200, 100, 50)), "PNG")
    with pytest.raises(InvalidImage, match=reason):
        inspect_image(data)


def test_truncated_files_are_refused() -> None:
    noise = np.random.default_rng(0).integers(0, 255, (128, 128, 3), np.uint8)
    for fmt in ("PNG", "JPEG"):
        data = _encode(Image.fromarray(noise), fmt)
        with pytest.raises(InvalidImage):
            inspect_image(data[: len(data) // 2])

"""Turntable MP4 and GIF and the thumbnail PNG, read back by ffmpeg (imageio) and Pillow."""

from __future__ import annotations

import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from i23d.engine.asset import Asset
from i23d.engine.export import media


@pytest.mark.slow
def test_mp4_turntable_decodes_to_its_frames(tris_asset: Asset) -> None:
    frames = iio.imread(media.export_turntable_mp4(tris_asset), extension=".mp4")
    assert frames.shape == (media.MP4_FRAMES, media.MP4_SIZE, media.MP4_SIZE, 3)
    assert not np.array_equal(frames[0], frames[media.MP4_FRAMES // 4])  # it turns


def test_gif_loops_through_its_frames(tris_asset: Asset) -> None:
    gif = Image.open(io.BytesIO(media.export_turntable_gif(tris_asset)))
    assert gif.format == "GIF" and gif.n_frames == media.GIF_FRAMES
    assert gif.size == (media.GIF_SIZE, media.GIF_SIZE)
    assert gif.info.get("loop") == 0


def test_thumbnail_shows_the_textured_model_on_transparency(tris_asset: Asset) -> None:
    image = Image.open(io.BytesIO(media.export_thumbnail_png(tris_asset)))
    assert image.mode == "RGBA" and image.size == (media.THUMBNAIL_SIZE,) * 2
    pixels = np.asarray(image)
    assert pixels[0, 0, 3] == 0  # corner: background
    centre = pixels[media.THUMBNAIL_SIZE // 2, media.THUMBNAIL_SIZE // 2]
    assert centre[3] == 255
    covered = pixels[..., 3] == 255
    assert 0.05 < covered.mean() < 0.9
    assert pixels[covered][:, :3].std() > 10  # textured, not one flat colour

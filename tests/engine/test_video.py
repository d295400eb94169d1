"""Video and image encoding, checked by decoding the bytes with independent readers."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import imageio.v2 as imageio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from i23d.engine.video import encode_gif, encode_mp4, encode_png


def moving_frames(count: int, height: int = 128, width: int = 160) -> list[np.ndarray]:
    """Smooth gradient frames with a bright square that moves right, one step a frame."""
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for index in range(count):
        frame = np.stack(
            [40 + 150 * x / width, 60 + 120 * y / height, np.full(x.shape, 140.0)], axis=2
        )
        left = 8 + index * 4
        frame[40:80, left : left + 40] = (250, 240, 30)
        frames.append(frame.astype(np.uint8))
    return frames


def top_level_boxes(mp4: bytes) -> list[str]:
    """The ISO-BMFF top-level box types, in file order."""
    boxes, offset = [], 0
    while offset + 8 <= len(mp4):
        size, kind = struct.unpack(">I4s", mp4[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", mp4[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("ascii"))
        if size == 0:
            break
        offset += size
    return boxes


def test_mp4_is_h264_yuv420p_faststart_and_decodes_to_the_frames(tmp_path: Path) -> None:
    frames = moving_frames(30)
    mp4 = encode_mp4(frames, fps=24)
    path = tmp_path / "turntable.mp4"
    path.write_bytes(mp4)

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["size"] == (160, 128)
    assert meta["fps"] == 24
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 30

    boxes = top_level_boxes(mp4)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart: index before the data

    decoded = imageio.mimread(str(path), format="FFMPEG", memtest=False)
    assert len(decoded) == 30
    for original, frame in zip(frames, decoded, strict=True):
        assert frame.shape == (128, 160, 3)
        assert np.abs(frame.astype(int) - original.astype(int)).mean() < 4
    # The square really moves: each decoded frame is nearest to its own original.
    errors = [np.abs(decoded[10].astype(int) - f.astype(int)).mean() for f in frames]
    assert int(np.argmin(errors)) == 10


def test_mp4_rejects_odd_sizes_mixed_sizes_and_no_frames() -> None:
    with pytest.raises(ValueError, match="even"):
        encode_mp4([np.zeros((31, 32, 3), np.uint8)])
    with pytest.raises(ValueError, match="differ"):
        encode_mp4([np.zeros((32, 32, 3), np.uint8), np.zeros((64, 64, 3), np.uint8)])
    with pytest.raises(ValueError, match="no frames"):
        encode_mp4([])
    with pytest.raises(ValueError, match="uint8"):
        encode_mp4([np.zeros((32, 32, 3), np.float32)])


def test_gif_loops_forever_with_every_frame_close_to_its_original() -> None:
    frames = moving_frames(12)
    gif = encode_gif(frames, fps=10)
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF"
    assert image.n_frames == 12
    assert image.info["loop"] == 0
    for index, original in enumerate(frames):
        image.seek(index)
        assert image.info["duration"] == 100
        frame = np.asarray(image.convert("RGB"))
        assert frame.shape == (128, 160, 3)
        # Dithered to one shared 256-colour palette: close on average, exact nowhere required.
        assert np.abs(frame.astype(int) - original.astype(int)).mean() < 6
        # The moving square is where it should be in this frame.
        left = 8 + index * 4
        assert np.abs(frame[60, left + 20].astype(int) - (250, 240, 30)).max() < 20


@pytest.mark.parametrize("shape", [(40, 60), (40, 60, 3), (40, 60, 4)])
def test_png_round_trips_exactly(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(image))))
    assert decoded.shape == shape
    assert np.array_equal(decoded, image)


def test_png_rejects_non_images() -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), np.float64))
    with pytest.raises(ValueError, match="H, W"):
        encode_png(np.zeros((4, 4, 2), np.uint8))

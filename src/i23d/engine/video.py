"""Encoding rendered frames: H.264 MP4 (ffmpeg via imageio-ffmpeg), looping GIF and PNG (Pillow)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence

import imageio_ffmpeg
import numpy as np
from PIL import Image

MP4_CRF = 20
"""x264 constant rate factor: visually clean turntables at a few hundred kB a video."""

MP4_PRESET = "veryfast"
"""x264 speed preset; turntables are short, so encoding speed matters more than size."""


def encode_mp4(frames: Sequence[np.ndarray], fps: int = 24) -> bytes:
    """H.264 (yuv420p) MP4 with its index at the front (``+faststart``), playable in browsers.

    ``frames`` are RGB uint8 images (H, W, 3) of one size; H and W must be even (yuv420p).
    """
    size = _frame_size(frames, channels=3)
    if size[0] % 2 or size[1] % 2:
        raise ValueError(f"H.264 yuv420p needs even frame sides, got {size[0]}x{size[1]}")
    if fps < 1:
        raise ValueError(f"fps must be positive, got {fps}")
    # +faststart rewrites the file after encoding, so ffmpeg needs a seekable file, not a pipe.
    handle, path = tempfile.mkstemp(suffix=".mp4", prefix="i23d-")
    os.close(handle)
    try:
        writer = imageio_ffmpeg.write_frames(
            path,
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            quality=None,
            macro_block_size=1,
            output_params=[
                "-preset", MP4_PRESET,
                "-crf", str(MP4_CRF),
                "-movflags", "+faststart",
            ],
        )  # fmt: skip
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
        writer.close()
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


def encode_gif(frames: Sequence[np.ndarray], fps: int = 12) -> bytes:
    """An endlessly looping animated GIF of RGB uint8 frames.

    All frames share one 256-colour palette chosen from all of them (no colour flicker between
    frames) and are Floyd–Steinberg dithered against it (no banding in gradients).
    """
    _frame_size(frames, channels=3)
    if fps < 1:
        raise ValueError(f"fps must be positive, got {fps}")
    palette = _shared_palette(frames)
    images = [
        Image.fromarray(np.ascontiguousarray(frame)).quantize(
            palette=palette, dither=Image.Dither.FLOYDSTEINBERG
        )
        for frame in frames
    ]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
        disposal=1,
        optimize=False,
    )
    return buffer.getvalue()


def _shared_palette(frames: Sequence[np.ndarray], sample_pixels: int = 256 * 256) -> Image.Image:
    """A 256-colour palette image fitted to an even subsample of all frames' pixels."""
    pixels = np.concatenate([np.asarray(frame).reshape(-1, 3) for frame in frames])
    step = max(1, len(pixels) // sample_pixels)
    sample = pixels[::step][:sample_pixels]
    side = int(np.ceil(np.sqrt(len(sample))))
    mosaic = np.zeros((side * side, 3), dtype=np.uint8)
    mosaic[: len(sample)] = sample
    mosaic[len(sample) :] = sample[-1]
    return Image.fromarray(mosaic.reshape(side, side, 3)).quantize(
        colors=256, method=Image.Quantize.MEDIANCUT
    )


def encode_png(image: np.ndarray) -> bytes:
    """A PNG of a uint8 image: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {array.dtype}")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"expected (H, W), (H, W, 3) or (H, W, 4), got {array.shape}")
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def _frame_size(frames: Sequence[np.ndarray], channels: int) -> tuple[int, int]:
    """(width, height) shared by all frames, after checking their shape and type."""
    if len(frames) == 0:
        raise ValueError("no frames to encode")
    first = np.asarray(frames[0])
    for frame in frames:
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != channels:
            raise ValueError(
                f"frames must be uint8 (H, W, {channels}), got {frame.dtype} {frame.shape}"
            )
        if frame.shape != first.shape:
            raise ValueError(f"frames differ in size: {first.shape} and {frame.shape}")
    return int(first.shape[1]), int(first.shape[0])

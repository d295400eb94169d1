"""Pictures of the model: a turntable MP4, a looping GIF and a thumbnail PNG.

Rendered offscreen by :mod:`i23d.engine.render` and encoded by :mod:`i23d.engine.video`.
"""

from __future__ import annotations

import numpy as np

from i23d.engine.asset import Asset
from i23d.engine.camera import Camera, distance_to_fit
from i23d.engine.export.registry import ExportFormat, register
from i23d.engine.render import render, turntable
from i23d.engine.video import encode_gif, encode_mp4, encode_png

MP4_SIZE, MP4_FRAMES, MP4_FPS = 512, 48, 16
"""A three-second 512² turn."""

GIF_SIZE, GIF_FRAMES, GIF_FPS = 256, 24, 8
"""A three-second 256² turn, small enough to embed in a page or a chat."""

THUMBNAIL_SIZE = 512
THUMBNAIL_VIEW = (30.0, 15.0)
"""Azimuth and elevation (degrees) of the thumbnail: a little round the front, from above."""

FIELD_OF_VIEW_DEG = 40.0
FILL = 0.8


def export_turntable_mp4(asset: Asset) -> bytes:
    """An H.264 MP4 of one full turn of the textured model about +Y."""
    frames = turntable(asset.mesh, frames=MP4_FRAMES, size=MP4_SIZE)
    return encode_mp4(frames, fps=MP4_FPS)


def export_turntable_gif(asset: Asset) -> bytes:
    """An endlessly looping GIF of one full turn of the textured model about +Y."""
    frames = turntable(asset.mesh, frames=GIF_FRAMES, size=GIF_SIZE)
    return encode_gif(frames, fps=GIF_FPS)


def export_thumbnail_png(asset: Asset) -> bytes:
    """A lit RGBA PNG of the model on a transparent background, framed to fit."""
    mesh = asset.mesh.copy()
    mesh.apply_translation(-mesh.bounds.mean(axis=0))
    radius = float(max(np.linalg.norm(mesh.vertices, axis=1).max(), 1e-9))
    azimuth, elevation = THUMBNAIL_VIEW
    camera = Camera(
        FIELD_OF_VIEW_DEG,
        distance_to_fit(radius, FIELD_OF_VIEW_DEG, FILL),
        THUMBNAIL_SIZE,
        azimuth,
        elevation,
    )
    return encode_png(render(mesh, camera))


register(ExportFormat("mp4", "turntable.mp4", "video/mp4", export_turntable_mp4, kind="media"))
register(
    ExportFormat(
        "gif",
        "turntable.gif",
        "image/gif",
        export_turntable_gif,
        kind="media",
        model_fields=("session_gif",),
    )
)
register(ExportFormat("png", "thumbnail.png", "image/png", export_thumbnail_png, kind="media"))

"""The engine a process runs, built from its settings: the one place that maps settings to an
:class:`~i23d.engine.Engine` (``i23d generate`` and every job runner use it)."""

from __future__ import annotations

from i23d.config import Settings
from i23d.engine import Engine


def build_engine(settings: Settings) -> Engine:
    """The engine these settings describe (limits, cut-out, model folder)."""
    return Engine(
        max_pixels=settings.max_image_pixels,
        max_bytes=settings.max_image_bytes,
        cutout=settings.cutout,
        model_dir=settings.model_dir,
    )

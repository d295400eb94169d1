"""The engine a process runs, built from its settings: the one place that maps settings to an
:class:`~i23d.engine.Engine` (``i23d generate`` and every job runner use it)."""

from __future__ import annotations

from i23d.config import Settings
from i23d.engine import Engine
from i23d.engine.reconstructors.registry import create


def build_engine(settings: Settings) -> Engine:
    """The engine these settings describe (limits, cut-out, model folder, reconstructor), its
    reconstructor's weights loaded once (they stay until ``Engine.close()``);
    :class:`~i23d.engine.reconstructors.ReconstructorError` when the reconstructor is not
    registered or cannot run here."""
    return Engine(
        max_pixels=settings.max_image_pixels,
        max_bytes=settings.max_image_bytes,
        cutout=settings.cutout,
        model_dir=settings.model_dir,
        reconstructor=create(settings.reconstructor),
    ).start()

"""The pure image-to-3D engine: arrays, meshes and bytes in and out; no HTTP, no database.

Typical use::

    from i23d.engine import Engine, EngineOptions
    engine = Engine()
    spin_set = engine.spins(image_bytes, EngineOptions())
    model = engine.build(image_bytes, spin_set.spins[spin_set.chosen], EngineOptions())
"""

from i23d.engine.cutout import CutOut
from i23d.engine.errors import (
    EngineError,
    ImageTooLarge,
    InvalidImage,
    InvalidOption,
    NoObjectFound,
)
from i23d.engine.options import EngineOptions
from i23d.engine.pipeline import Engine, Spin, SpinSet
from i23d.engine.reconstructors.base import Progress
from i23d.engine.shapes import PRIORS

__all__ = [
    "PRIORS",
    "CutOut",
    "Engine",
    "EngineError",
    "EngineOptions",
    "ImageTooLarge",
    "InvalidImage",
    "InvalidOption",
    "NoObjectFound",
    "Progress",
    "Spin",
    "SpinSet",
]

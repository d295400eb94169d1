"""Throwaway example: a flat slab a fifth of the object's size thick."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues


def slab(silhouette: Silhouette, steps: int) -> DepthInterval:
    """A flat slab 0.2 units thick."""
    return DepthInterval.symmetric(np.full(silhouette.sdf.shape, 0.1))


def plausibility(cues: Cues) -> tuple[float, str]:
    """Never preferred over the others."""
    return 0.1, f"slab reading: {cues.edges}"

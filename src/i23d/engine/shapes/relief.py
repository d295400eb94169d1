"""Thin relief for signs, cards and badges: a slab a few percent thick, gently domed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from i23d.engine.diffusion import diffuse_towards_zero
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

THICKNESS = 0.06
DOME = 0.4


def relief(silhouette: Silhouette, steps: int) -> DepthInterval:
    """A slab THICKNESS of the object's size thick, domed by DOME of that towards the middle."""
    mask = silhouette.mask
    ys, xs = np.nonzero(mask)
    extent_px = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    half = 0.5 * THICKNESS * extent_px * silhouette.pixel
    dome = np.sqrt(diffuse_towards_zero(mask, steps))
    return DepthInterval.symmetric(half * (1.0 - DOME + DOME * dome))


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the thin reading."""
    return 0.2 + 0.1 * cues.polygonal, "thin reading: a photo alone cannot tell a card from a box"

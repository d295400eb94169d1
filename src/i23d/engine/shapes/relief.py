"""Thin relief for signs, cards and badges: a slab a few percent thick, gently domed."""

from __future__ import annotations

import numpy as np

from i23d.engine.diffusion import diffuse_towards_zero
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

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

"""Extrusion for boxy and flat-sided things: the silhouette swept straight back.

Depth: half the silhouette's smaller side (the one quantity a single frontal view cannot
show; a documented prior). Diffusion bevels the front and back faces towards the outline.
"""

from __future__ import annotations

import numpy as np

from i23d.engine.diffusion import diffuse_towards_zero
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

DEPTH_RATIO = 0.5
BEVEL = 0.1


def extrude(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Extrude the silhouette to DEPTH_RATIO of its smaller side."""
    mask = silhouette.mask
    ys, xs = np.nonzero(mask)
    side_px = min(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    half = 0.5 * DEPTH_RATIO * side_px * silhouette.pixel
    bevel = diffuse_towards_zero(mask, steps)
    return DepthInterval.symmetric(half * (1.0 - BEVEL + BEVEL * bevel))

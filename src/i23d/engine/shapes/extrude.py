"""Extrusion for boxy and flat-sided things: the silhouette swept straight back.

The front face is the silhouette, unprojected at the front depth; every cross-section behind it
is the same world shape, so in perspective the back face looks smaller and each pixel's ray
leaves through the back face or a side wall. Depth: the front face's smaller side, as deep as
it is wide or tall (the one quantity a single frontal view cannot show; a documented
prior). Diffusion bevels the front and back faces towards the outline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from i23d.engine.diffusion import diffuse_towards_zero
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

DEPTH_RATIO = 1.0
BEVEL = 0.1
WALL_SAMPLES = 32


def extrude(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Extrude the silhouette to DEPTH_RATIO of its smaller side."""
    return swept_solid(silhouette, DEPTH_RATIO * _smaller_side(silhouette), steps, BEVEL)


def swept_solid(silhouette: Silhouette, depth: float, steps: int, bevel: float) -> DepthInterval:
    """The silhouette's front face swept back by ``depth`` (world units), faces bevelled by
    ``bevel`` of the half-depth."""
    mask = silhouette.mask
    distance, n = silhouette.distance, silhouette.n
    half = depth / 2.0
    shape = 1.0 - bevel + bevel * diffuse_towards_zero(mask, steps)
    front = half * shape
    # A ray at depth z meets the cross-section where the front face's pixel
    # centre + (p - centre) (D - z) / (D - half) lies inside the silhouette.
    rows, cols = np.indices(mask.shape) + 0.5
    centre = n / 2.0
    back = -half * shape
    alive = mask.copy()
    for z in np.linspace(half, -half, WALL_SAMPLES)[1:]:
        grow = (distance - z) / (distance - half)
        sample = np.stack(
            [centre + (rows - centre) * grow - 0.5, centre + (cols - centre) * grow - 0.5]
        )
        inside = (
            ndimage.map_coordinates(silhouette.sdf, sample, order=1, mode="constant", cval=-1.0) > 0
        )
        leaving = alive & ~inside
        back[leaving] = np.maximum(back[leaving], z)
        alive &= inside
    return DepthInterval(front=front, back=back)


def _smaller_side(silhouette: Silhouette) -> float:
    """World length of the front face's smaller bounding-box side.

    The front face lies nearer than depth 0, so it looks larger than it is: a face of side L at
    depth d spans L f / (D - d) pixels. With d = DEPTH_RATIO L / 2 that gives
    L = s D / (f + DEPTH_RATIO s / 2) for a side of s pixels.
    """
    ys, xs = np.nonzero(silhouette.mask)
    side_px = min(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    return side_px * silhouette.distance / (silhouette.focal + DEPTH_RATIO * side_px / 2.0)


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the flat-faced reading."""
    return 0.3 + 0.55 * cues.polygonal + 0.1 * cues.straight, f"flat-faced reading: {cues.edges}"

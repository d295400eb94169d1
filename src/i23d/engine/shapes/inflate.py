"""Rounded inflation for organic things: circular cross-sections across the silhouette.

Each pixel at distance t from the outline gets the half-thickness of a circle of radius R,
R being the local thickness (the medial-axis radius nearest to it): h = sqrt(t (2R - t)).
A disc becomes a sphere, a band a tube. Diffusion smooths R where medial branches meet.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.morphology import medial_axis

from i23d.engine.diffusion import diffuse
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette


def inflate(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Inflate the silhouette into a rounded solid."""
    mask = silhouette.mask
    t = silhouette.inside_distance()
    skeleton, radius_on_skeleton = medial_axis(mask, return_distance=True)
    if not skeleton.any():
        return DepthInterval.symmetric(t * silhouette.pixel)
    _, (rows, cols) = ndimage.distance_transform_edt(~skeleton, return_indices=True)
    radius = np.maximum(radius_on_skeleton[rows, cols], t)
    radius = diffuse(radius, mask, steps)
    t = np.minimum(t, radius)
    half = np.sqrt(np.maximum(t * (2.0 * radius - t), 0.0))
    return DepthInterval.symmetric(half * silhouette.pixel)

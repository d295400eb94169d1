"""Rounded inflation for organic things: circular cross-sections across the silhouette.

The solid is the union of the silhouette's medial spheres: each pixel's camera ray is met
with the sphere of its nearest medial-axis point, whose radius makes it touch the silhouette's
outline as seen in perspective. A disc becomes a sphere, a band a tube. Diffusion smooths the
medial radius where branches meet.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.morphology import medial_axis

from i23d.engine.diffusion import diffuse
from i23d.engine.shapes.base import DepthInterval, ray_sphere
from i23d.engine.silhouette import Silhouette


def inflate(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Inflate the silhouette into a rounded solid: each pixel's ray meets the medial sphere
    of its nearest medial-axis point, in perspective."""
    mask = silhouette.mask
    skeleton, radius_on_skeleton = medial_axis(mask, return_distance=True)
    if not skeleton.any():
        return DepthInterval.symmetric(silhouette.inside_distance() * silhouette.pixel)
    _, (rows, cols) = ndimage.distance_transform_edt(~skeleton, return_indices=True)
    radius = diffuse(radius_on_skeleton[rows, cols].astype(np.float64), mask, steps)
    grid_rows, grid_cols = np.indices(mask.shape)
    radius = np.maximum(radius, np.hypot(grid_rows - rows, grid_cols - cols) + 0.5)
    kx, ky = silhouette.ray_slopes()
    distance, focal = silhouette.distance, silhouette.focal
    centre_kx, centre_ky = kx[cols], ky[rows]
    centre = np.stack([centre_kx * distance, centre_ky * distance, np.zeros_like(radius)], -1)
    # A sphere seen under half-angle atan(R / f) from the camera has radius L sin(angle).
    reach = distance * np.sqrt(1.0 + centre_kx**2 + centre_ky**2)
    sphere_radius = reach * np.sin(np.arctan(radius / focal))
    return ray_sphere(kx[None, :], ky[:, None], centre, sphere_radius, distance)

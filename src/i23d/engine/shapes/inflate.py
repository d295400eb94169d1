"""Rounded inflation for organic things: circular cross-sections across the silhouette.

The solid is the union of the silhouette's medial spheres, each sized to touch the outline as
seen in perspective: every pixel's camera ray enters at the nearest of the spheres it meets
and leaves at the farthest, so a limb is about as deep as it is wide and a body as deep as
its own width even near its outline. A disc becomes a sphere, a band a tube. Diffusion smooths
the medial radius where branches meet (it only ever shrinks a sphere, never past the outline).
Legs under a body seen side-on are built as near and far pairs (:mod:`.legs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage
from skimage.morphology import medial_axis, skeletonize

from i23d.engine.diffusion import diffuse
from i23d.engine.shapes.base import DepthInterval, ray_sphere
from i23d.engine.shapes.legs import find_legs, split_legs
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

UNION_CHUNK = 2048  # pixels per batch when intersecting rays with all medial spheres
COLLAPSED = 0.3
"""``medial_axis`` thins some outlines to a few pixels (a hexagon on a 96² grid, a vase on
128²: 2 to 4 pixels, and the model lost its top and bottom): when its skeleton has under this
fraction of ``skeletonize``'s pixels, ``skeletonize``'s is used."""


def inflate(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Inflate the silhouette into the union of its medial spheres, in perspective (with each
    pixel's own nearest-axis sphere, diffused, as a floor that keeps the outline covered)."""
    mask = silhouette.mask
    # medial_axis thins in a random order unless seeded: unseeded, one photo gave models that
    # differed run to run (a car's F@0.02 on the quality bench moved between 0.13 and 0.16).
    skeleton, radius_on_skeleton = medial_axis(mask, return_distance=True, rng=0)
    thinned = skeletonize(mask)
    if np.count_nonzero(skeleton) < COLLAPSED * np.count_nonzero(thinned):
        skeleton = thinned
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
    nearest = ray_sphere(kx[None, :], ky[:, None], centre, sphere_radius, distance)
    # The union's spheres: smoothed along with the field, never wider than the outline allows.
    union = _union_of_spheres(silhouette, skeleton, np.minimum(radius, radius_on_skeleton))
    rounded = DepthInterval(
        front=np.maximum(nearest.front, union.front), back=np.minimum(nearest.back, union.back)
    )
    legs = find_legs(mask)
    return split_legs(silhouette, rounded, legs) if legs else rounded


def _union_of_spheres(
    silhouette: Silhouette, skeleton: np.ndarray, radius_on_skeleton: np.ndarray
) -> DepthInterval:
    """Where each pixel's ray enters and leaves the union of all medial spheres (each touching
    the outline as seen in perspective): a pixel near the outline of a wide body lies under
    the body's big sphere too, not only under the small one of its nearest outline bump.
    Rays that miss every sphere get an empty interval (front -inf, back +inf)."""
    mask = silhouette.mask
    kx, ky = silhouette.ray_slopes()
    distance, focal = silhouette.distance, silhouette.focal
    rows, cols = np.nonzero(skeleton)
    centre_kx, centre_ky = kx[cols], ky[rows]
    centres = np.stack([centre_kx * distance, centre_ky * distance, np.zeros(len(rows))], -1)
    reach = distance * np.sqrt(1.0 + centre_kx**2 + centre_ky**2)
    radii = reach * np.sin(np.arctan(radius_on_skeleton[rows, cols] / focal))
    pixel_rows, pixel_cols = np.nonzero(mask)
    front = np.full(mask.shape, -np.inf)
    back = np.full(mask.shape, np.inf)
    for start in range(0, len(pixel_rows), UNION_CHUNK):
        chunk = slice(start, start + UNION_CHUNK)
        hits = ray_sphere(
            kx[pixel_cols[chunk], None],
            ky[pixel_rows[chunk], None],
            centres[None],
            radii[None],
            distance,
        )
        missed = hits.front <= hits.back
        front[pixel_rows[chunk], pixel_cols[chunk]] = np.where(missed, -np.inf, hits.front).max(1)
        back[pixel_rows[chunk], pixel_cols[chunk]] = np.where(missed, np.inf, hits.back).min(1)
    return DepthInterval(front=front, back=back)


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the rounded reading."""
    reason = f"rounded reading, the default for outlines with no stronger cue ({cues.edges})"
    if cues.stance:
        reason += f"; {cues.stance}"
    return 0.6 - 0.3 * cues.polygonal - 0.15 * cues.revolvable, reason

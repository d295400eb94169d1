"""The silhouette on the reconstruction grid, and the perspective frame that maps it to 3D.

Reconstruction happens in *frustum coordinates*: a pixel (u, v) of an N×N grid over the
cut-out and a world depth z. A point (u, v, z) is the world point on the camera ray through
that pixel at world z, so any solid whose rays cover exactly the mask's pixels is seen through
the camera with exactly the photo's silhouette.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from i23d.engine.boxview import BoxReading
from i23d.engine.cutout import CutOut

# Gaussian smoothing of the mask (as a fraction of the grid side) per pixel_alignment.
ALIGNMENT_SMOOTHING = {"highest": 0.0, "moderate": 0.015, "lowest": 0.04}


@dataclass(frozen=True)
class Silhouette:
    """The object's outline on an N×N grid, with the camera frame.

    ``sdf`` is the signed distance to the outline in grid pixels (positive inside);
    ``pixel`` the world size of one grid pixel at depth z = 0; ``distance`` the camera's
    distance from the origin; ``focal`` the focal length in grid pixels; ``fov_deg`` the
    camera's field of view across the grid; ``elevation_deg`` how far the camera looks down
    on the object (the frame stays the camera's: priors that know "up" lean it back by this);
    ``box`` the turned box the elevation was read from, in this frame (None: none was).
    """

    sdf: np.ndarray
    focal: float
    distance: float
    pixel: float
    fov_deg: float
    elevation_deg: float = 0.0
    box: BoxReading | None = None

    @property
    def n(self) -> int:
        """Grid side."""
        return int(self.sdf.shape[0])

    @property
    def mask(self) -> np.ndarray:
        """Pixels inside the outline."""
        return self.sdf > 0

    def inside_distance(self) -> np.ndarray:
        """Distance to the outline inside the mask (grid pixels), zero outside."""
        return np.maximum(self.sdf, 0.0)

    def ray_slopes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per grid column and per grid row, the slope of the camera ray through the pixel
        centre: a point at world depth z on the ray of (row, col) is
        (kx[col] (D - z), ky[row] (D - z), z)."""
        centres = np.arange(self.n) + 0.5 - self.n / 2.0
        return centres / self.focal, -centres / self.focal

    def world_x(self, u: np.ndarray, z: np.ndarray | float) -> np.ndarray:
        """World x of grid column(s) u (pixel-centre coordinates) at world depth z."""
        return (u - self.n / 2.0) / self.focal * (self.distance - z)

    def world_y(self, v: np.ndarray, z: np.ndarray | float) -> np.ndarray:
        """World y of grid row(s) v at world depth z (image rows grow downwards)."""
        return -(v - self.n / 2.0) / self.focal * (self.distance - z)


def make_silhouette(
    cutout: CutOut,
    n: int,
    pixel_alignment: str,
    elevation_deg: float = 0.0,
    box: BoxReading | None = None,
) -> Silhouette:
    """Resample the cut-out's mask to an N×N grid, smoothed as ``pixel_alignment`` asks,
    and place it in a camera frame where the object is about one unit across, the camera
    ``elevation_deg`` above it (and ``box``, a turned box read from the outline, in it)."""
    alpha = cv2.resize(cutout.alpha, (n, n), interpolation=cv2.INTER_AREA)
    sigma = ALIGNMENT_SMOOTHING[pixel_alignment] * n
    if sigma > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)
    sdf = _signed_distance(alpha)
    focal = (n / 2.0) / math.tan(math.radians(cutout.fov_deg) / 2.0)
    mask = sdf > 0
    ys, xs = np.nonzero(mask)
    extent_px = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) if len(xs) else n
    distance = focal / extent_px  # one unit across at z = 0
    return Silhouette(
        sdf=sdf,
        focal=focal,
        distance=distance,
        pixel=distance / focal,
        fov_deg=cutout.fov_deg,
        elevation_deg=elevation_deg,
        box=None if box is None else box.at_distance(distance),
    )


def _signed_distance(alpha: np.ndarray) -> np.ndarray:
    """Sub-pixel signed distance (pixels, positive inside) to the alpha = 0.5 contour."""
    inside = alpha > 0.5
    dist_in = ndimage.distance_transform_edt(inside)
    dist_out = ndimage.distance_transform_edt(~inside)
    sdf = np.where(inside, dist_in - 0.5, -(dist_out - 0.5))
    # Near the outline, the soft alpha says where between pixel centres the edge lies.
    near = np.abs(sdf) <= 1.0
    sdf[near] = np.clip(alpha[near] - 0.5, -0.5, 0.5)
    return sdf.astype(np.float32)


def extend_outside(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Copy each outside pixel's nearest inside value, so the field is defined everywhere."""
    if mask.all():
        return values
    _, (rows, cols) = ndimage.distance_transform_edt(~mask, return_indices=True)
    return values[rows, cols]


def without_thin_parts(mask: np.ndarray, fraction: float) -> np.ndarray:
    """``mask`` less its parts thinner than ``fraction`` of its largest half-width (opened by a
    disc of that radius): a body without its legs, spout or handle."""
    inside = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    radius = fraction * float(inside.max())
    core = inside >= radius
    return mask & (ndimage.distance_transform_edt(~core) <= radius)


def largest_part(mask: np.ndarray) -> np.ndarray:
    """The largest connected piece of ``mask`` (``mask`` itself when it has at most one)."""
    labels, count = ndimage.label(mask)
    if count <= 1:
        return mask
    sizes = ndimage.sum(mask, labels, range(1, count + 1))
    return labels == 1 + int(np.argmax(sizes))

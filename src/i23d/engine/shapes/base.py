"""What a shape prior returns: for every pixel's camera ray, where it enters and leaves."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEPTH_MARGIN = 2  # grid pixels of empty space in front of and behind a sampled solid
REFERENCE_GRID = 96
"""The grid side on which the priors' tolerances in grid pixels were chosen (turbo's until
the thirteenth session): on a finer or coarser grid they keep the same share of the grid
(:func:`reference_pixels`)."""


def reference_pixels(count: float, grid: int) -> float:
    """``count`` pixels of the :data:`REFERENCE_GRID` in pixels of a ``grid``-sided grid."""
    return count * grid / REFERENCE_GRID


@dataclass(frozen=True)
class SampledSolid:
    """A solid's signed field (world units, positive inside) sampled on the reconstruction
    grid: (rows, cols, depths), at the world depths ``depths`` (ascending, one grid pixel
    apart). ``outlined``: the field holds the solid's outline too, and the mesher does not
    carve it with the photo's (a box fitted to the photo: its edges are truer than a cut-out's
    at grid resolution)."""

    field: np.ndarray
    depths: np.ndarray
    outlined: bool = False


@dataclass(frozen=True)
class DepthInterval:
    """World depths (z, towards the camera) of each grid pixel's ray entering (``front``)
    and leaving (``back``) the solid; meaningful inside the silhouette, ``front >= back``.

    A prior that can evaluate its solid everywhere also gives it as ``sampled``; the mesher
    then uses it instead of the per-pixel intervals, which are too coarse where a surface
    turns edge-on to the camera.
    """

    front: np.ndarray
    back: np.ndarray
    sampled: SampledSolid | None = None

    @classmethod
    def symmetric(cls, half_depth: np.ndarray) -> DepthInterval:
        """A solid mirror-symmetric about z = 0."""
        return cls(front=half_depth, back=-half_depth)


def depth_samples(back: float, front: float, pixel: float) -> np.ndarray:
    """Ascending world depths one grid ``pixel`` apart, from :data:`DEPTH_MARGIN` pixels behind
    ``back`` (the solid's farthest depth) to as many in front of ``front`` (its nearest)."""
    z0 = back - DEPTH_MARGIN * pixel
    z1 = front + DEPTH_MARGIN * pixel
    return z0 + pixel * np.arange(math.ceil((z1 - z0) / pixel) + 1)


def ray_sphere(
    kx: np.ndarray, ky: np.ndarray, centre: np.ndarray, radius: np.ndarray, distance: float
) -> DepthInterval:
    """Where camera rays of slopes (kx, ky) enter and leave spheres (one per ray).

    The camera sits at (0, 0, distance) looking down -Z; ``centre`` is (..., 3). A ray that
    misses its sphere gets an empty interval at its closest approach.
    """
    norm = np.sqrt(1.0 + kx * kx + ky * ky)
    to_centre = centre - np.array([0.0, 0.0, distance])
    along = (kx * to_centre[..., 0] + ky * to_centre[..., 1] - to_centre[..., 2]) / norm
    disc = along**2 - (np.sum(to_centre**2, axis=-1) - radius**2)
    root = np.sqrt(np.maximum(disc, 0.0))
    near, far = along - root, along + root
    return DepthInterval(front=distance - near / norm, back=distance - far / norm)

"""Where the exported model sits: its box size (``scaled_bbox``) and origin (``pivot_point``)."""

from __future__ import annotations

import numpy as np


def placement_matrix(
    bounds: np.ndarray,
    scaled_bbox: tuple[float, float, float] | None,
    pivot_point: tuple[float, float, float],
) -> np.ndarray:
    """The 4x4 transform that scales the box ``bounds`` (2, 3) and moves its pivot to the origin.

    ``scaled_bbox`` sets the box's extent along x, y and z exactly, each axis on its own (the
    aspect ratio follows the request, not the model). ``pivot_point`` picks a point of the
    *scaled* box in box-relative coordinates, (-0.5, -0.5, -0.5) its minimum corner and
    (0.5, 0.5, 0.5) its maximum, that becomes the origin.
    """
    low, high = np.asarray(bounds, dtype=np.float64)
    extent = high - low
    if scaled_bbox is None:
        scale = np.ones(3)
    else:
        if np.any(extent <= 0):
            raise ValueError(f"cannot scale a model that is flat along an axis: extent {extent}")
        scale = np.asarray(scaled_bbox, dtype=np.float64) / extent
    centre = (low + high) / 2.0
    pivot = np.asarray(pivot_point, dtype=np.float64) * extent * scale
    matrix = np.eye(4)
    matrix[:3, :3] = np.diag(scale)
    matrix[:3, 3] = -centre * scale - pivot
    return matrix

"""Surface of revolution for bottles, vases, cups: a vertical axis, one radius per row.

The axis is the silhouette's best mirror line; each row's radius is the half-width of the
run of the silhouette that crosses the axis, smoothed along the height by diffusion. Each
pixel's ray is intersected with the circle of its row in perspective, so the solid covers the
silhouette; parts off the axis (handles) become thin fins so that nothing pictured is lost.
"""

from __future__ import annotations

import numpy as np

from i23d.engine.diffusion import diffuse
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

FIN_THICKNESS = 0.03  # of the object's size


def revolve(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Revolve the silhouette's profile about its vertical symmetry axis."""
    mask = silhouette.mask
    n = silhouette.n
    axis = mirror_axis(mask)
    radius_px = _row_radii(silhouette, axis)
    rows_with_body = radius_px > 0
    # Smooth the profile without ever widening a row past its silhouette.
    radius_px = np.minimum(diffuse(radius_px, rows_with_body, steps), radius_px)
    pixel, focal, distance = silhouette.pixel, silhouette.focal, silhouette.distance
    radius = radius_px * pixel
    axis_x = (axis - n / 2.0) * pixel
    # Ray of column u: x = k (D - z). Circle: (x - axis_x)^2 + z^2 = r^2.
    k = ((np.arange(n) + 0.5) - n / 2.0) / focal
    a = k * distance - axis_x
    quad_a = k * k + 1.0
    quad_b = -2.0 * k * a
    disc = quad_b[None, :] ** 2 - 4.0 * quad_a[None, :] * (a[None, :] ** 2 - radius[:, None] ** 2)
    root = np.sqrt(np.maximum(disc, 0.0))
    front = (-quad_b[None, :] + root) / (2.0 * quad_a[None, :])
    back = (-quad_b[None, :] - root) / (2.0 * quad_a[None, :])
    fin = 0.5 * FIN_THICKNESS  # the object is about one unit across
    off_body = disc <= 0
    front[off_body], back[off_body] = fin, -fin
    return DepthInterval(front=front, back=back)


def mirror_axis(mask: np.ndarray) -> float:
    """The vertical line (grid column coordinate) about which the mask is most symmetric."""
    ys, xs = np.nonzero(mask)
    centre = 0.5 * (xs.min() + xs.max() + 1)
    best, best_score = centre, -1.0
    width = xs.max() - xs.min() + 1
    for offset in np.linspace(-0.1 * width, 0.1 * width, 21):
        axis = centre + offset
        score = mirror_iou(mask, axis)
        if score > best_score:
            best, best_score = axis, score
    return float(best)


def mirror_iou(mask: np.ndarray, axis: float) -> float:
    """IoU of the mask with its mirror image about the column coordinate ``axis``."""
    n = mask.shape[1]
    cols = np.arange(n) + 0.5
    mirrored_cols = np.round(2.0 * axis - cols - 0.5).astype(int)
    valid = (mirrored_cols >= 0) & (mirrored_cols < n)
    mirrored = np.zeros_like(mask)
    mirrored[:, valid] = mask[:, mirrored_cols[valid]]
    union = np.count_nonzero(mask | mirrored)
    return np.count_nonzero(mask & mirrored) / union if union else 0.0


def _row_radii(silhouette: Silhouette, axis: float) -> np.ndarray:
    """Per row, the half-width of the silhouette run that contains the axis (0 if none),
    to a fraction of a pixel: edge pixels count by their coverage."""
    mask = silhouette.mask
    coverage = np.clip(silhouette.sdf + 0.5, 0.0, 1.0)
    n = mask.shape[1]
    col = min(max(int(axis), 0), n - 1)
    radii = np.zeros(mask.shape[0])
    for row in np.flatnonzero(mask[:, col]):
        leftwards, rightwards = mask[row, col::-1], mask[row, col:]
        left = col + 1 - (np.argmin(leftwards) if not leftwards.all() else len(leftwards))
        right = col + (np.argmin(rightwards) if not rightwards.all() else len(rightwards))
        lo, hi = max(left - 1, 0), min(right + 1, n)
        radii[row] = 0.5 * float(coverage[row, lo:hi].sum())
    return radii

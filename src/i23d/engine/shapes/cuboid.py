"""A box turned and seen from above: its yaw and three side lengths read from the hexagon of
its outline (:mod:`i23d.engine.boxview`), built as that cuboid in the camera's frame.

The box's elevation is the silhouette's (the camera's, read from the same hexagon); its
yaw, sides and centre are fitted to the outline's six corners. Each pixel's ray is clipped
by the box's three slabs; the solid is also sampled as the box's signed distance, so its
edges stay sharp where a face turns edge-on. Pixels of the silhouette that the fitted box
misses take their nearest covered pixel's depths, so the outline stays the photo's. An
outline that is no box's hexagon (a frontal box shows a rectangle) is extruded instead
(:mod:`i23d.engine.shapes.extrude`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import cv2
import numpy as np
from scipy import ndimage

from i23d.engine.boxview import BoxReading, read_box
from i23d.engine.shapes import extrude
from i23d.engine.shapes.base import DepthInterval, SampledSolid
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

READ_GRID = 256  # the outline is read on this grid
DEPTH_MARGIN = 2  # grid pixels of empty space before and after the box
FULL_OUTLINE_FIT = 0.97  # a box's outline filling its silhouette this well is surely a box
NO_OUTLINE_FIT = 0.85  # below this the hexagon is something else's hull (a table's)


def cuboid(silhouette: Silhouette, steps: int) -> DepthInterval:
    """The box fitted to the outline at the silhouette's elevation, else the extrusion."""
    sdf = cv2.resize(silhouette.sdf, (READ_GRID, READ_GRID), interpolation=cv2.INTER_LINEAR)
    box = read_box(sdf > 0, silhouette.fov_deg, silhouette.distance, silhouette.elevation_deg)
    if box is None:
        return extrude.extrude(silhouette, steps)
    return box_solid(silhouette, box)


def box_solid(silhouette: Silhouette, box: BoxReading) -> DepthInterval:
    """Each grid ray's entry and exit through ``box`` (camera frame), and its sampled field."""
    n, distance = silhouette.n, silhouette.distance
    kx, ky = silhouette.ray_slopes()
    # A ray's point at depth z is origin + z * direction, in the box's own axes.
    rotation = box.rotation()
    origin = np.stack(np.broadcast_arrays(kx[None, :] * distance, ky[:, None] * distance), -1)
    origin = np.concatenate([origin, np.zeros((n, n, 1))], axis=-1) - box.centre
    direction = np.stack(np.broadcast_arrays(-kx[None, :], -ky[:, None]), -1)
    direction = np.concatenate([direction, np.ones((n, n, 1))], axis=-1)
    local_origin, local_direction = origin @ rotation, direction @ rotation
    with np.errstate(divide="ignore", invalid="ignore"):
        one = (-box.half - local_origin) / local_direction
        two = (box.half - local_origin) / local_direction
    back = np.nanmax(np.minimum(one, two), axis=-1)
    front = np.nanmin(np.maximum(one, two), axis=-1)
    mask = silhouette.mask
    hit = front > back
    if hit.any() and not (hit | ~mask).all():
        _, (rows, cols) = ndimage.distance_transform_edt(~hit, return_indices=True)
        missed = mask & ~hit
        front[missed], back[missed] = front[rows, cols][missed], back[rows, cols][missed]
    elif not hit.any():
        return extrude.extrude(silhouette, 0)
    pixel = silhouette.pixel
    z0 = float(back[mask | hit].min()) - DEPTH_MARGIN * pixel
    z1 = float(front[mask | hit].max()) + DEPTH_MARGIN * pixel
    depths = z0 + pixel * np.arange(math.ceil((z1 - z0) / pixel) + 1)
    field = np.empty((n, n, len(depths)), np.float32)
    missed = mask & ~hit
    for index, z in enumerate(depths):
        outside = np.abs(local_origin + z * local_direction) - box.half
        signed = np.linalg.norm(np.maximum(outside, 0.0), axis=-1) + np.minimum(
            outside.max(axis=-1), 0.0
        )
        layer = -signed
        layer[missed] = np.minimum(front[missed] - z, z - back[missed])
        field[:, :, index] = layer
    return DepthInterval(front=front, back=back, sampled=SampledSolid(field, depths))


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the turned-box reading."""
    box = cues.box
    if box is None:
        return 0.1, "box reading: the outline is not the hexagon of a turned box seen from above"
    fit = (box.iou - NO_OUTLINE_FIT) / (FULL_OUTLINE_FIT - NO_OUTLINE_FIT)
    return 0.2 + 0.8 * float(np.clip(fit, 0.0, 1.0)), f"box reading: {box.describe()}"

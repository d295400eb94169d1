"""A box turned or seen from above: its yaw, the camera's elevation and the box's three
sides read from its outline (:mod:`i23d.engine.boxview`: its hexagon, its front face alone or
its top face level with the camera; on the cut-out at 256², carried by the silhouette), built
as that cuboid in the camera's frame.

Each pixel's ray is clipped
by the box's three slabs; the solid is also sampled as the box's signed distance, so its
edges stay sharp where a face turns edge-on. Pixels of the silhouette that the fitted box
misses take their nearest covered pixel's depths, so the outline stays the photo's, and the
outline carves the box: a table's hull is a box's hexagon, its legs and the gaps between
them come from the photo. An outline that reads no box (a box facing a level camera shows a
rectangle) is extruded instead (:mod:`i23d.engine.shapes.extrude`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from i23d.engine.boxview import CLOSED_OUTLINE_FIT, OPEN_OUTLINE_FIT, BoxReading
from i23d.engine.shapes import extrude
from i23d.engine.shapes.base import DepthInterval, SampledSolid, depth_samples
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

OPEN_SCORE = 0.62  # an open box's score: above the rounded reading's default (0.6)


def cuboid(silhouette: Silhouette, steps: int) -> DepthInterval:
    """The box read from the outline, else the extrusion."""
    if silhouette.box is None:
        return extrude.extrude(silhouette, steps)
    return box_solid(silhouette, silhouette.box)


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
    depths = depth_samples(float(back[mask | hit].min()), float(front[mask | hit].max()), pixel)
    field = np.empty((n, n, len(depths)), np.float32)
    missed = mask & ~hit
    # An open box (a table) is a shell: each part as deep inside the box as the outline is
    # thick there (a leg at the box's edge, the top under the top face), not a wall.
    shell = local_thickness(silhouette.sdf) * pixel if box.iou < OPEN_OUTLINE_FIT else None
    for index, z in enumerate(depths):
        outside = np.abs(local_origin + z * local_direction) - box.half
        signed = np.linalg.norm(np.maximum(outside, 0.0), axis=-1) + np.minimum(
            outside.max(axis=-1), 0.0
        )
        layer = -signed if shell is None else np.minimum(-signed, shell + signed)
        layer[missed] = np.minimum(front[missed] - z, z - back[missed])
        field[:, :, index] = layer
    return DepthInterval(front=front, back=back, sampled=SampledSolid(field, depths))


def local_thickness(sdf: np.ndarray) -> np.ndarray:
    """Per pixel, the radius (pixels) of the largest disc inside the outline that covers it."""
    thickness = np.zeros(sdf.shape)
    for radius in range(1, int(sdf.max()) + 1):
        core = sdf >= radius
        covered = ndimage.distance_transform_edt(~core) <= radius
        thickness[covered & (sdf > 0)] = radius
    return thickness


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the turned-box reading."""
    box = cues.box
    if box is None:
        return 0.1, "box reading: the outline shows no box (no hexagon, no front face from above)"
    fit = (box.iou - OPEN_OUTLINE_FIT) / (CLOSED_OUTLINE_FIT - OPEN_OUTLINE_FIT)
    fit = float(np.clip(fit, 0.0, 1.0))
    kind = "box" if box.iou >= OPEN_OUTLINE_FIT else "open box (its outline has gaps)"
    return OPEN_SCORE + (1.0 - OPEN_SCORE) * fit, f"{kind} reading: {box.describe()}"

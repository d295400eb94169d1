"""A box turned or seen from above: its yaw, the camera's elevation and the box's three
sides read from its outline (:mod:`i23d.engine.boxview`: its hexagon, its front face alone or
its top face level with the camera; on the cut-out at 256², carried by the silhouette), built
as that cuboid in the camera's frame.

Each pixel's ray is clipped by the box's three slabs; the solid is also sampled as the box's
signed distance, so its edges stay sharp where a face turns edge-on. A box whose outline fills
the silhouette (``CLOSED_OUTLINE_FIT``) is built as that box, its own outline too: a cut-out's
ragged edge does not notch it. Otherwise pixels of the silhouette that the fitted box misses
take their nearest covered pixel's depths, so the outline stays the photo's, and the outline
carves the box. An outline that reads no box (a box facing a level camera shows a rectangle)
is extruded instead (:mod:`i23d.engine.shapes.extrude`).

An open box (its outline has gaps: a table, a stool) is built as a top and legs
(:class:`OpenBox`): a slab under the top face and a column at each vertical edge of the
box, as far in as the rays through the box's lower half come to those edges. Seen from the
side, a table stands on four legs, not on two walls.

A chair's box (read with a backrest rising along its back edge) is built with that backrest,
a slab inside its back face (:func:`i23d.engine.boxview.backrest`): the rays through it enter
and leave the union, and seen from the side the chair's back is a plate, not a copied column
of the seat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from i23d.engine.boxview import CLOSED_OUTLINE_FIT, OPEN_OUTLINE_FIT, BoxReading, backrest
from i23d.engine.shapes import extrude
from i23d.engine.shapes.base import DepthInterval, SampledSolid, depth_samples
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

OPEN_SCORE = 0.62  # an open box's score: above the rounded reading's default (0.6)
LEG_PERCENTILE = 95.0
"""Of the leg rays' nearest approach to a vertical edge: how far in the legs reach (a few
rays along the outline miss the fitted box's columns)."""
TOP_PERCENTILE = 99.0
"""Of the top rays' nearest approach to the top face: how deep the top is (its lowest row is
about one ray in a hundred)."""
CLEAR_OF_LEGS = 1.5
"""Rays that come no nearer a vertical edge than this many legs' reaches go through the top."""
STRAY_LEG = 2.0
"""Grid pixels: how far a ray of the outline that meets neither the legs nor the top reaches
in from where it comes nearest a vertical edge."""


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
    front, back = _through(local_origin, local_direction, np.zeros(3), box.half)
    on_box = front > back
    hit = on_box.copy()
    rest = backrest(box)
    if rest is not None:  # a chair's rays enter and leave the union of box and backrest
        enters, leaves = _through(local_origin, local_direction, *rest)
        meets = enters > leaves
        front = np.where(meets & (~hit | (enters > front)), enters, front)
        back = np.where(meets & (~hit | (leaves < back)), leaves, back)
        hit |= meets
    mask = silhouette.mask
    rows = cols = None
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
    parts = None
    closed = box.iou >= CLOSED_OUTLINE_FIT  # built as the read solid alone, outline and all
    if box.iou < OPEN_OUTLINE_FIT:
        points = (local_origin + z * local_direction for z in depths)
        parts = OpenBox.read(points, box.half, mask & on_box, pixel)
    for index, z in enumerate(depths):
        local = local_origin + z * local_direction
        layer = _inside(local, np.zeros(3), box.half)
        if parts is not None:
            layer = np.minimum(layer, parts.inside(local, box.half))
        if rest is not None:
            layer = np.maximum(layer, _inside(local, *rest))
        if parts is None:
            if not closed:
                layer[missed] = np.minimum(front[missed] - z, z - back[missed])
        elif rows is not None:  # a missed pixel is built as its nearest covered one
            layer[missed] = layer[rows, cols][missed]
        field[:, :, index] = layer
    sampled = SampledSolid(field, depths, outlined=closed)
    return DepthInterval(front=front, back=back, sampled=sampled)


def _through(
    origin: np.ndarray, direction: np.ndarray, centre: np.ndarray, half: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each ray's (``origin`` + z ``direction``, box axes) entry and exit depths through the
    box of ``centre`` and ``half`` sides: (front, back), front not above back where it misses."""
    with np.errstate(divide="ignore", invalid="ignore"):
        one = (centre - half - origin) / direction
        two = (centre + half - origin) / direction
    return np.nanmin(np.maximum(one, two), axis=-1), np.nanmax(np.minimum(one, two), axis=-1)


def _inside(local: np.ndarray, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
    """How far inside the box of ``centre`` and ``half`` sides each point is (its signed
    distance, positive inside)."""
    outside = np.abs(local - centre) - half
    signed = np.linalg.norm(np.maximum(outside, 0.0), axis=-1) + np.minimum(
        outside.max(axis=-1), 0.0
    )
    return -signed


@dataclass(frozen=True)
class OpenBox:
    """An open box as a top and legs, in the box's own axes: a slab ``top`` deep under the
    top face, and a column at each vertical edge reaching ``reach`` in from both side faces
    it joins (per grid ray: a ray of the outline that meets neither keeps a leg where it
    comes nearest an edge, so the outline stays the photo's)."""

    reach: np.ndarray
    top: float

    @classmethod
    def read(
        cls, points: Iterable[np.ndarray], half: np.ndarray, rays: np.ndarray, pixel: float
    ) -> OpenBox:
        """Read from the outline's ``rays`` (their ``points`` in the box's axes, one array
        per depth sample): the rays through the box's lower half go through legs, which stand
        at its vertical edges; the rays clear of the legs go through the top."""
        edge = np.full(rays.shape, np.inf)  # each ray's nearest approach to a vertical edge
        below = np.full(rays.shape, np.inf)  # ... and to the top face
        for local in points:
            outside = np.abs(local) - half
            inside = outside.max(axis=-1) < 0
            from_edge = np.maximum(-outside[..., 0], -outside[..., 2])
            edge = np.where(inside, np.minimum(edge, from_edge), edge)
            below = np.where(inside, np.minimum(below, half[1] - local[..., 1]), below)
        rays = rays & np.isfinite(edge)
        legs = rays & (below >= half[1])
        if not legs.any():
            return cls(np.full(rays.shape, float(max(half[0], half[2]))), float(2 * half[1]))
        reach = float(np.percentile(edge[legs], LEG_PERCENTILE)) + pixel
        tops = rays & (edge > CLEAR_OF_LEGS * reach)
        top = float(np.percentile(below[tops], TOP_PERCENTILE)) + pixel if tops.any() else 0.0
        alone = rays & (edge > reach) & (below > top)
        return cls(np.where(alone, edge + STRAY_LEG * pixel, reach), top)

    def inside(self, local: np.ndarray, half: np.ndarray) -> np.ndarray:
        """How far inside the top or a leg each point (box axes) is, within the box."""
        under_top = self.top - (half[1] - local[..., 1])
        from_edge = np.maximum(half[0] - np.abs(local[..., 0]), half[2] - np.abs(local[..., 2]))
        return np.maximum(under_top, self.reach - from_edge)


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the turned-box reading."""
    box = cues.box
    if box is None:
        return 0.1, "box reading: the outline shows no box (no hexagon, no front face from above)"
    fit = (box.iou - OPEN_OUTLINE_FIT) / (CLOSED_OUTLINE_FIT - OPEN_OUTLINE_FIT)
    fit = float(np.clip(fit, 0.0, 1.0))
    kind = "box" if box.iou >= OPEN_OUTLINE_FIT else "open box (its outline has gaps)"
    return OPEN_SCORE + (1.0 - OPEN_SCORE) * fit, f"{kind} reading: {box.describe()}"

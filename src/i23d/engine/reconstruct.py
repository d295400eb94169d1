"""From a prior's depth intervals to a watertight mesh, through a field in frustum coordinates.

The solid is the set of points (u, v, z) inside the silhouette with back(u, v) <= z <=
front(u, v). Its signed field min(outline distance, front - z, z - back) (or a prior's own
sampled field, carved by the outline unless it holds its own) is sampled on a grid
of pixels × depths with equal world spacing, meshed with marching cubes (closed because the
field is negative on the padding), and each vertex is moved onto its camera ray. Parts much
smaller than the object (a sliver the field closes off, a disc over a vase's mouth) are
dropped: see :func:`i23d.engine.post.repair.drop_small_parts`.
"""

from __future__ import annotations

import numpy as np
import trimesh
from skimage.measure import marching_cubes

from i23d.engine.post.repair import drop_small_parts, signed_volume
from i23d.engine.shapes.base import DepthInterval, depth_samples
from i23d.engine.silhouette import Silhouette, extend_outside


def solid_field(silhouette: Silhouette, interval: DepthInterval) -> tuple[np.ndarray, float]:
    """The signed field (positive inside) on a (rows, cols, depths) grid and the grid's z0."""
    mask, pixel = silhouette.mask, silhouette.pixel
    outline = (silhouette.sdf * pixel)[:, :, None]
    if interval.sampled is not None:
        solid, z0 = interval.sampled.field, float(interval.sampled.depths[0])
    else:
        front, back = extend_outside(interval.front, mask), extend_outside(interval.back, mask)
        depths = depth_samples(float(back[mask].min()), float(front[mask].max()), pixel)
        z0 = float(depths[0])
        solid = np.minimum(front[:, :, None] - depths, depths - back[:, :, None])
    outlined = interval.sampled is not None and interval.sampled.outlined
    field = solid if outlined else np.minimum(outline, solid)
    return np.pad(field.astype(np.float32), 1, constant_values=-pixel), z0


def mesh_solid(silhouette: Silhouette, interval: DepthInterval) -> trimesh.Trimesh:
    """A watertight, outward-wound mesh of the solid (debris dropped), in the world frame."""
    field, z0 = solid_field(silhouette, interval)
    grid, faces, _, _ = marching_cubes(field, level=0.0, allow_degenerate=False)
    rows, cols, depth_index = grid[:, 0] - 0.5, grid[:, 1] - 0.5, grid[:, 2] - 1.0
    z = z0 + depth_index * silhouette.pixel
    vertices = np.stack([silhouette.world_x(cols, z), silhouette.world_y(rows, z), z], axis=1)
    vertices, faces = drop_small_parts(vertices, faces[:, ::-1])
    mesh = trimesh.Trimesh(vertices, faces, process=True)
    if signed_volume(mesh.vertices, mesh.faces) < 0:  # not trimesh's volume: all its integrals
        mesh.invert()
    return mesh


def grid_coordinates(silhouette: Silhouette, vertices: np.ndarray) -> np.ndarray:
    """World points in the camera frame → (column, row, z) grid coordinates."""
    z = vertices[:, 2]
    scale = silhouette.focal / (silhouette.distance - z)
    cols = vertices[:, 0] * scale + silhouette.n / 2.0
    rows = -vertices[:, 1] * scale + silhouette.n / 2.0
    return np.stack([cols, rows, z], axis=1)

"""For backends whose model returns a bare mesh: put it in the photo's camera frame and texture
it by projecting the photo from the input camera, as the classical engine does.

The camera frame is the one :mod:`i23d.engine.silhouette` defines: the camera at
``(0, 0, distance)`` looking down -Z, the object about one unit across at z = 0, the grid's
pixels the cut-out's. Typical use in a backend's ``build``::

    frame = camera_frame(cutout, 192)
    placed = fit_to_silhouette(raw_mesh, frame)      # raw: +Y up, front +Z, any scale
    return photo_textured(placed, cutout, frame, TEXTURE_SIZE[options.preview_mesh])
"""

from __future__ import annotations

import numpy as np
import trimesh
from scipy import ndimage

from i23d.engine.camera import Camera
from i23d.engine.cutout import CutOut
from i23d.engine.elevation import estimate_elevation
from i23d.engine.reconstruct import grid_coordinates
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette, make_silhouette
from i23d.engine.texture import finish_model, projection_uvs, texture_image

FIT_ROUNDS = 4  # perspective makes the fit slightly non-linear; a few rounds settle it


def camera_frame(cutout: CutOut, grid: int, pixel_alignment: str = "highest") -> Silhouette:
    """The photo's camera frame on a ``grid``² grid, the camera at the elevation the engine
    reads from the outline (as the classical engine uses)."""
    return make_silhouette(cutout, grid, pixel_alignment, estimate_elevation(cutout))


def fit_to_silhouette(mesh: trimesh.Trimesh, frame: Silhouette) -> trimesh.Trimesh:
    """A copy of ``mesh`` (+Y up, its front facing +Z, any size and position) in the camera
    frame: seen from the camera ``frame.elevation_deg`` above, scaled and moved so that its
    outline's bounding box has the silhouette's centre and longer side."""
    placed = mesh.copy()
    rotation = np.eye(4)
    rotation[:3, :3] = Camera(elevation_deg=frame.elevation_deg).world_to_camera()[:3, :3]
    placed.apply_transform(rotation)
    bounds = placed.bounds
    placed.apply_translation(-(bounds[0] + bounds[1]) / 2.0)
    placed.apply_scale(1.0 / float(np.max(bounds[1] - bounds[0])))
    ys, xs = np.nonzero(frame.mask)
    if len(xs) == 0:
        return placed
    target_centre = np.array([xs.min() + xs.max() + 1, ys.min() + ys.max() + 1]) / 2.0
    target_side = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    for _ in range(FIT_ROUNDS):
        cols, rows, _ = grid_coordinates(frame, placed.vertices).T
        side = max(cols.max() - cols.min(), rows.max() - rows.min())
        centre = np.array([cols.max() + cols.min(), rows.max() + rows.min()]) / 2.0
        middle = placed.bounds.mean(axis=0)
        placed.apply_translation(-middle)
        placed.apply_scale(target_side / max(side, 1e-9))
        du, dv = target_centre - centre
        depth = frame.distance - middle[2]
        shift = np.array([du / frame.focal * depth, -dv / frame.focal * depth, 0.0])
        placed.apply_translation(middle + shift)
    return placed


def mesh_interval(frame: Silhouette, mesh: trimesh.Trimesh) -> DepthInterval:
    """Where each grid pixel's camera ray enters (``front``) and leaves (``back``) a
    camera-frame mesh, from its vertices and face centres; pixels no sample reaches take their
    nearest sampled pixel's values."""
    points = np.concatenate([mesh.vertices, mesh.triangles_center])
    cols, rows, z = grid_coordinates(frame, points).T
    n = frame.n
    col = np.clip(np.floor(cols).astype(np.int64), 0, n - 1)
    row = np.clip(np.floor(rows).astype(np.int64), 0, n - 1)
    front = np.full((n, n), -np.inf)
    back = np.full((n, n), np.inf)
    np.maximum.at(front, (row, col), z)
    np.minimum.at(back, (row, col), z)
    sampled = np.isfinite(front)
    if not sampled.all():
        _, (near_rows, near_cols) = ndimage.distance_transform_edt(~sampled, return_indices=True)
        front, back = front[near_rows, near_cols], back[near_rows, near_cols]
    return DepthInterval(front=front, back=back)


def photo_textured(
    mesh: trimesh.Trimesh, cutout: CutOut, frame: Silhouette, texture_size: int
) -> trimesh.Trimesh:
    """A camera-frame mesh textured with the photo projected from the input camera (walls
    wrapped inwards, the back the front's colours mirrored, as
    :func:`i23d.engine.texture.projection_uvs`), then upright, normalised and carrying
    ``metadata["input_camera"]`` (:func:`i23d.engine.texture.finish_model`)."""
    uv = projection_uvs(frame, mesh_interval(frame, mesh), mesh.vertices)
    return finish_model(mesh, uv, frame, texture_image(cutout, texture_size))

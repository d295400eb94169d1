"""Texturing by projection: the photo itself is the texture, pixel-aligned from the front.

Each vertex takes the colour of the photo pixel it projects to, so the model seen from the
input camera reproduces the photo. Surfaces running back from the outline (the walls of an
extrusion) would smear the outline's pixels into streaks; there the lookup moves inwards
from the outline by the depth travelled, wrapping the photo round the side. The back shows
the front's colours mirrored. Pixels outside the mask are filled with their nearest object
colour, so no background bleeds in at the edges. The photo's shading is then divided out of the
image (:mod:`i23d.engine.delight`): the texture holds albedo.
"""

from __future__ import annotations

import cv2
import numpy as np
import trimesh
from PIL import Image
from scipy import ndimage
from trimesh.visual.material import PBRMaterial

from i23d.engine.camera import Camera
from i23d.engine.cutout import CutOut
from i23d.engine.reconstruct import grid_coordinates
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette, extend_outside

EDGE_FRACTION = 0.02  # of the crop's side: the band of edge pixels replaced


def texture_image(cutout: CutOut, size: int) -> Image.Image:
    """The cut-out's colours at ``size``², with the background replaced by the nearest
    object colour."""
    rgb = cutout.rgba[..., :3]
    # Edge pixels mix object and background (and the photo's grazing-angle shading): take
    # colours from a little inside instead.
    edge = max(1, round(EDGE_FRACTION * cutout.size))
    inside = ndimage.binary_erosion(cutout.alpha > 0.5, iterations=edge)
    if not inside.any():
        inside = cutout.alpha > 0.5
    if not inside.all():
        _, (rows, cols) = ndimage.distance_transform_edt(~inside, return_indices=True)
        rgb = rgb[rows, cols]
    interp = cv2.INTER_AREA if size < cutout.size else cv2.INTER_CUBIC
    return Image.fromarray(cv2.resize(rgb, (size, size), interpolation=interp))


def projection_uvs(
    silhouette: Silhouette, interval: DepthInterval, vertices: np.ndarray
) -> np.ndarray:
    """UVs (trimesh convention, v up) of camera-frame vertices: their projection into the
    photo, moved inwards on walls by the depth they lie behind the surface."""
    cols, rows, z = grid_coordinates(silhouette, vertices).T
    mask = silhouette.mask
    half = extend_outside((interval.front - interval.back) / 2.0, mask)
    middle = extend_outside((interval.front + interval.back) / 2.0, mask)
    sample = np.stack([rows - 0.5, cols - 0.5])
    wall_depth = np.maximum(
        ndimage.map_coordinates(half, sample, order=1, mode="nearest")
        - np.abs(z - ndimage.map_coordinates(middle, sample, order=1, mode="nearest")),
        0.0,
    )
    gy, gx = np.gradient(silhouette.sdf)
    norm = np.maximum(np.hypot(gx, gy), 1e-6)
    inward_x = ndimage.map_coordinates(gx / norm, sample, order=1, mode="nearest")
    inward_y = ndimage.map_coordinates(gy / norm, sample, order=1, mode="nearest")
    shift = wall_depth / silhouette.pixel
    cols = cols + inward_x * shift
    rows = rows + inward_y * shift
    n = silhouette.n
    return np.stack([np.clip(cols / n, 0.0, 1.0), np.clip(1.0 - rows / n, 0.0, 1.0)], axis=1)


def finish_model(
    mesh: trimesh.Trimesh, uv: np.ndarray, silhouette: Silhouette, texture: Image.Image
) -> trimesh.Trimesh:
    """A camera-frame mesh with its UVs turned upright (undoing the camera's elevation),
    normalised (centred on its bounding box, longest side 1) and given the texture as a PBR
    material; ``metadata["input_camera"]`` keeps the photo's camera and the matrix from the
    model back to the camera frame (the camera at ``(0, 0, distance)`` looking down -Z)."""
    upright = np.eye(4)
    upright[:3, :3] = Camera(elevation_deg=silhouette.elevation_deg).world_to_camera()[:3, :3].T
    mesh.apply_transform(upright)
    bounds = mesh.bounds
    scale = 1.0 / float(np.max(bounds[1] - bounds[0]))
    centre = (bounds[0] + bounds[1]) / 2.0
    normalise = np.diag([scale, scale, scale, 1.0]) @ trimesh.transformations.translation_matrix(
        -centre
    )
    mesh.apply_transform(normalise)
    mesh.metadata["input_camera"] = {
        "fov_deg": silhouette.fov_deg,
        "distance": silhouette.distance,
        "elevation_deg": silhouette.elevation_deg,
        "model_to_camera_frame": np.linalg.inv(normalise @ upright).tolist(),
    }
    material = PBRMaterial(
        baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.9, doubleSided=False
    )
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return mesh

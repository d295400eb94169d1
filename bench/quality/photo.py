"""Photographing a ground truth as ``../shared/bench-conventions.md`` prescribes.

- Camera: 40° field of view, 512² pixels, looking at the bounding-box centre (the origin of a
  normalised case) from the case's azimuth and elevation, at the distance where the object
  spans :data:`PHOTO_FILL` of the frame along its larger image axis.
- Lighting: Lambert plus ambient, no shadows or highlights:
  ``albedo × (0.4 + 0.6·max(0, n·l))`` with ``l`` = :data:`HEAD_LIGHT` in camera space.
- Inputs: RGBA (straight alpha = coverage), RGB over plain white, RGB over a natural photo.
"""

from __future__ import annotations

import numpy as np
import trimesh

from bench.quality.backgrounds import natural_background
from i23d.engine.camera import Camera
from i23d.engine.render import corner_normals, thread_renderer

PHOTO_SIZE = 512
PHOTO_FOV = 40.0
PHOTO_FILL = 0.85
"""The object's larger image-axis extent, as a fraction of the frame."""
FRAMING_ITERATIONS = 8
HEAD_LIGHT = np.array([-0.35, 0.5, 1.0]) / np.linalg.norm([-0.35, 0.5, 1.0])
AMBIENT, DIFFUSE = 0.4, 0.6
WHITE = (255, 255, 255)
MODES = ("rgba", "rgb", "natural")
"""Input kinds: alpha = coverage; plain white background; a natural photo behind."""


def framed_camera(
    vertices: np.ndarray,
    azimuth_deg: float = 0.0,
    elevation_deg: float = 0.0,
    size: int = PHOTO_SIZE,
    fov_deg: float = PHOTO_FOV,
) -> Camera:
    """The camera at that azimuth and elevation whose distance makes ``vertices`` (centred
    on their bounding box at the origin) span :data:`PHOTO_FILL` of the frame along the larger
    image axis."""
    radius = float(np.linalg.norm(vertices, axis=1).max())
    camera = Camera(fov_deg, 3.0 * radius, size, azimuth_deg, elevation_deg)
    for _ in range(FRAMING_ITERATIONS):
        pixels, _ = camera.project(vertices)
        span = float(np.max(np.ptp(pixels, axis=0)))
        # The image extent of a far object scales as 1/distance; iterate for perspective.
        distance = camera.distance * span / (PHOTO_FILL * size)
        camera = Camera(fov_deg, distance, size, azimuth_deg, elevation_deg)
    return camera


def lit_render(textured: trimesh.Trimesh, camera: Camera) -> np.ndarray:
    """``textured`` seen from ``camera`` under the conventions' head-light, as straight-alpha
    RGBA: the unlit albedo render times a render of the per-corner Lambert factor."""
    renderer = thread_renderer(camera.size)
    albedo = renderer.render(textured, camera, lit=False)
    shading = renderer.render(_shading_mesh(textured, camera), camera, lit=False)
    factor = shading[..., :1].astype(np.float32) / 255.0
    rgb = albedo[..., :3].astype(np.float32) * factor
    return np.concatenate([(rgb + 0.5).astype(np.uint8), albedo[..., 3:]], axis=2)


def _shading_mesh(textured: trimesh.Trimesh, camera: Camera) -> trimesh.Trimesh:
    """A triangle soup of ``textured`` whose vertex colours are the Lambert factor of each
    corner's shading normal (the renderer's, creases kept), turned towards the camera."""
    faces = np.asarray(textured.faces)
    normals, _ = corner_normals(textured)
    corners = np.asarray(textured.vertices)[faces].reshape(-1, 3)
    normals = normals.reshape(-1, 3).astype(np.float64)
    view = camera.world_to_camera()
    normals_cam = normals @ view[:3, :3].T
    to_camera = -(corners @ view[:3, :3].T + view[:3, 3])
    facing = np.sign(np.einsum("ij,ij->i", normals_cam, to_camera))
    normals_cam *= np.where(facing == 0, 1.0, facing)[:, None]
    factor = AMBIENT + DIFFUSE * np.maximum(normals_cam @ HEAD_LIGHT, 0.0)
    grey = np.clip(factor * 255.0 + 0.5, 0, 255).astype(np.uint8)
    colours = np.column_stack([grey, grey, grey, np.full_like(grey, 255)])
    soup_faces = np.arange(len(corners)).reshape(-1, 3)
    return trimesh.Trimesh(corners, soup_faces, vertex_colors=colours, process=False)


def over_colour(rgba: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """A straight-alpha RGBA image composited over a flat colour: (H, W, 3) uint8."""
    return over_image(rgba, np.broadcast_to(np.asarray(colour, np.uint8), rgba.shape[:2] + (3,)))


def over_image(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """A straight-alpha RGBA image composited over an RGB image of the same size."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * alpha + background.astype(np.float32) * (1 - alpha)
    return (rgb + 0.5).astype(np.uint8)


def photographs(rgba: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """The three input kinds of one render: RGBA, RGB over white, RGB over a natural photo
    chosen and cropped by ``seed``."""
    return {
        "rgba": rgba,
        "rgb": over_colour(rgba, WHITE),
        "natural": over_image(rgba, natural_background(seed, rgba.shape[0])),
    }

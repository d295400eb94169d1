"""The pinhole camera shared by reconstruction, rendering and the benchmark.

World convention (glTF): metres, +Y up, the pictured front facing +Z. A camera at azimuth 0
and elevation 0 sits on the +Z axis looking at the origin, so it sees the object's front.
Image convention: pixel (0, 0) is the top-left corner, x to the right, y down; a pixel's
centre is at (i + 0.5, j + 0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """A square-image perspective camera orbiting the origin.

    ``fov_deg`` is the full field of view across the image's side; ``distance`` the distance
    from the camera centre to the origin; azimuth turns the camera about +Y (positive moves it
    towards +X), elevation lifts it towards +Y.
    """

    fov_deg: float = 40.0
    distance: float = 2.0
    size: int = 512
    azimuth_deg: float = 0.0
    elevation_deg: float = 0.0

    @property
    def focal_px(self) -> float:
        """Focal length in pixels."""
        return (self.size / 2.0) / math.tan(math.radians(self.fov_deg) / 2.0)

    @property
    def position(self) -> np.ndarray:
        """Camera centre in world coordinates."""
        az, el = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        return self.distance * np.array(
            [math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)]
        )

    def world_to_camera(self) -> np.ndarray:
        """4×4 view matrix (OpenGL convention: the camera looks along its own -Z)."""
        eye = self.position
        forward = -eye / np.linalg.norm(eye)
        up = np.array([0.0, 1.0, 0.0])
        right = np.cross(forward, up)
        right /= np.linalg.norm(right)
        true_up = np.cross(right, forward)
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = right, true_up, -forward
        view[:3, 3] = -view[:3, :3] @ eye
        return view

    def projection(self, near: float = 0.05, far: float = 100.0) -> np.ndarray:
        """4×4 OpenGL projection matrix for this camera's field of view."""
        t = 1.0 / math.tan(math.radians(self.fov_deg) / 2.0)
        proj = np.zeros((4, 4))
        proj[0, 0] = proj[1, 1] = t
        proj[2, 2] = (far + near) / (near - far)
        proj[2, 3] = 2.0 * far * near / (near - far)
        proj[3, 2] = -1.0
        return proj

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (N, 3) → pixel coordinates (N, 2) and depth along the view (N,)."""
        view = self.world_to_camera()
        cam = points @ view[:3, :3].T + view[:3, 3]
        depth = -cam[:, 2]
        f, c = self.focal_px, self.size / 2.0
        safe = np.where(np.abs(depth) < 1e-9, 1e-9, depth)
        px = np.stack([c + f * cam[:, 0] / safe, c - f * cam[:, 1] / safe], axis=1)
        return px, depth

    def unproject(self, px: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N, 2) at view depths (N,) → world points (N, 3)."""
        f, c = self.focal_px, self.size / 2.0
        cam = np.stack([(px[:, 0] - c) / f * depth, -(px[:, 1] - c) / f * depth, -depth], axis=1)
        view = self.world_to_camera()
        rot, trans = view[:3, :3], view[:3, 3]
        return (cam - trans) @ rot

    def with_view(self, azimuth_deg: float, elevation_deg: float | None = None) -> Camera:
        """The same camera moved to another azimuth (and optionally elevation)."""
        elevation = self.elevation_deg if elevation_deg is None else elevation_deg
        return Camera(self.fov_deg, self.distance, self.size, azimuth_deg, elevation)


def distance_to_fit(radius: float, fov_deg: float, fill: float = 0.8) -> float:
    """Camera distance at which a sphere of ``radius`` spans ``fill`` of the image side."""
    half = math.radians(fov_deg) / 2.0
    return radius / (fill * math.sin(half)) if fill < 1 else radius / math.sin(half)

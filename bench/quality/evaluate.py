"""Scoring one predicted model against one ground truth, in the view frame and aligned.

Geometry is compared in the input camera's frame (the camera on +Z looking along -Z, +Y up).
Images: the ground truth and the prediction both rendered *lit* as the photo was (the
conventions re-light the output, so shading baked into its texture counts twice), over the plain
:data:`BACKGROUND`, from the input view and three novel views (azimuth +90, +180, +270 about
the world's +Y, at the photo's elevation); PSNR is taken over the ground truth's silhouette,
so missing coverage counts as error.
"""

from __future__ import annotations

from dataclasses import dataclass

import manifold3d
import numpy as np
import trimesh

from bench.quality.metrics import (
    as_manifold,
    closed_solid,
    icp_matrix,
    masked_psnr,
    silhouette_iou,
    surface_points,
    surface_scores,
    view_frame,
    volume_iou,
)
from bench.quality.photo import lit_render, over_colour
from i23d.engine.camera import Camera

BACKGROUND = (236, 236, 236)
"""The plain light background of the compared renders."""

NOVEL_AZIMUTHS = (90.0, 180.0, 270.0)
"""Azimuths of the novel views, relative to the input camera's, at its elevation."""

RENDER_SIZE = 256
"""Side of the compared renders (the photo itself is larger)."""

FRAMES = ("view", "aligned")
METRIC_NAMES = (
    "chamfer_l1",
    "f_0.02",
    "f_0.05",
    "volume_iou",
    "silhouette_iou_input",
    "silhouette_iou_novel",
    "psnr_input",
    "psnr_novel",
)
WORST = {"chamfer_l1": 1.0, "psnr_input": 0.0, "psnr_novel": 0.0}
"""A failed run's value of each metric where it is not 0 (a unit box's worst Chamfer)."""


@dataclass(frozen=True)
class Reference:
    """The ground truth as the metrics see it: its surface, closed solid and surface samples in
    the camera frame, ``to_world`` (camera frame → world), the world cameras (input view
    first) and its lit renders from them."""

    solid: trimesh.Trimesh
    manifold: manifold3d.Manifold
    points: np.ndarray
    to_world: np.ndarray
    cameras: tuple[Camera, ...]
    alphas: tuple[np.ndarray, ...]
    images: tuple[np.ndarray, ...]


def over_background(rgba: np.ndarray) -> np.ndarray:
    """A straight-alpha RGBA image over the compared renders' :data:`BACKGROUND`."""
    return over_colour(rgba, BACKGROUND)


def make_reference(
    solid: trimesh.Trimesh, textured_world: trimesh.Trimesh, photo_camera: Camera, seed: int
) -> Reference:
    """Render and sample the ground truth once for all predictions. ``solid`` is in the camera
    frame, ``textured_world`` in the world frame, where ``photo_camera`` took the photo."""
    front = Camera(
        photo_camera.fov_deg,
        photo_camera.distance,
        RENDER_SIZE,
        photo_camera.azimuth_deg,
        photo_camera.elevation_deg,
    )
    cameras = (front, *(front.with_view(front.azimuth_deg + az) for az in NOVEL_AZIMUTHS))
    renders = [lit_render(textured_world, camera) for camera in cameras]
    to_world = np.eye(4)
    to_world[:3, :3] = photo_camera.world_to_camera()[:3, :3].T
    return Reference(
        solid=solid,
        manifold=closed_solid(solid),
        points=surface_points(solid, seed=seed),
        to_world=to_world,
        cameras=cameras,
        alphas=tuple(image[..., 3] for image in renders),
        images=tuple(over_background(image) for image in renders),
    )


def score_frames(prediction: trimesh.Trimesh, reference: Reference, seed: int) -> dict:
    """The metrics of ``prediction`` (any placement) in the view frame and aligned."""
    in_view = view_frame(prediction, reference.solid, reference.cameras[0].with_view(0.0, 0.0))
    view_points = surface_points(in_view, seed=seed + 1)
    solid = as_manifold(in_view)
    placements = {"view": np.eye(4), "aligned": icp_matrix(view_points, reference.points)}
    scores = {}
    for frame, matrix in placements.items():
        frame_scores = surface_scores(
            trimesh.transform_points(view_points, matrix), reference.points
        )
        frame_scores["volume_iou"] = volume_iou(solid.transform(matrix[:3]), reference.manifold)
        placed = in_view.copy().apply_transform(matrix)
        scores[frame] = frame_scores | image_scores(placed, reference)
    return scores


def failed_scores() -> dict:
    """The scores of a failed run: the worst value of every metric in every frame."""
    return {frame: {name: WORST.get(name, 0.0) for name in METRIC_NAMES} for frame in FRAMES}


def image_scores(mesh: trimesh.Trimesh, reference: Reference) -> dict[str, float]:
    """Silhouette IoU and masked PSNR of a prediction placed in the camera frame, from the
    input view and (averaged) from the novel views."""
    world = mesh.copy().apply_transform(reference.to_world)
    renders = [lit_render(world, camera) for camera in reference.cameras]
    ious, psnrs = [], []
    for render, alpha, image in zip(renders, reference.alphas, reference.images, strict=True):
        ious.append(silhouette_iou(render[..., 3], alpha))
        psnrs.append(masked_psnr(over_background(render), image, alpha > 127))
    return {
        "silhouette_iou_input": ious[0],
        "silhouette_iou_novel": float(np.mean(ious[1:])),
        "psnr_input": psnrs[0],
        "psnr_novel": float(np.mean(psnrs[1:])),
    }

"""Scoring one predicted model against one ground truth, in the view frame and aligned.

Everything is compared in the input camera's frame (the camera on +Z looking along -Z, +Y up).
Images: the ground truth rendered *lit* (like the photo) and the prediction rendered *unlit*
(its texture is the photo, which already carries the lighting), both over the plain
:data:`BACKGROUND`, from the input view and three novel views; PSNR is taken over the ground
truth's silhouette, so missing coverage counts as error.
"""

from __future__ import annotations

from dataclasses import dataclass

import manifold3d
import numpy as np
import trimesh

from bench.quality.metrics import (
    as_manifold,
    icp_matrix,
    masked_psnr,
    silhouette_iou,
    surface_points,
    surface_scores,
    view_frame,
    volume_iou,
)
from i23d.engine.camera import Camera
from i23d.engine.render import thread_renderer

BACKGROUND = (236, 236, 236)
"""The plain light background of RGB inputs and of the compared renders."""

NOVEL_VIEWS = ((90.0, 15.0), (180.0, 15.0), (270.0, 15.0))
"""(azimuth, elevation) of the novel views, relative to the input camera."""

RENDER_SIZE = 256
"""Side of the compared renders (the photo itself is larger)."""

FRAMES = ("view", "aligned")


@dataclass(frozen=True)
class Reference:
    """The ground truth as the metrics see it: its solid and surface samples in the camera
    frame, the cameras (input view first) and its lit renders from them."""

    solid: trimesh.Trimesh
    manifold: manifold3d.Manifold
    points: np.ndarray
    cameras: tuple[Camera, ...]
    alphas: tuple[np.ndarray, ...]
    images: tuple[np.ndarray, ...]


def over_background(rgba: np.ndarray, background: tuple[int, int, int] = BACKGROUND):
    """A straight-alpha RGBA image composited over a flat colour: (H, W, 3) uint8."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * alpha + np.asarray(background, np.float32) * (
        1.0 - alpha
    )
    return (rgb + 0.5).astype(np.uint8)


def make_reference(
    solid: trimesh.Trimesh, textured: trimesh.Trimesh, distance: float, fov_deg: float, seed: int
) -> Reference:
    """Render and sample the camera-frame ground truth once for all predictions."""
    size = RENDER_SIZE
    front = Camera(fov_deg=fov_deg, distance=distance, size=size)
    cameras = (front, *(front.with_view(az, el) for az, el in NOVEL_VIEWS))
    renders = thread_renderer(size).render_many(textured, cameras, lit=True)
    return Reference(
        solid=solid,
        manifold=as_manifold(solid),
        points=surface_points(solid, seed=seed),
        cameras=cameras,
        alphas=tuple(image[..., 3] for image in renders),
        images=tuple(over_background(image) for image in renders),
    )


def score_frames(prediction: trimesh.Trimesh, reference: Reference, seed: int) -> dict:
    """The metrics of ``prediction`` (any placement) in the view frame and aligned."""
    in_view = view_frame(prediction, reference.solid, reference.cameras[0])
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


def image_scores(mesh: trimesh.Trimesh, reference: Reference) -> dict[str, float]:
    """Silhouette IoU and masked PSNR of a prediction placed in the camera frame, from the
    input view and (averaged) from the novel views."""
    renders = thread_renderer(RENDER_SIZE).render_many(mesh, reference.cameras, lit=False)
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

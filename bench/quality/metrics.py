"""Metrics between a predicted mesh and the ground truth, and the frames they are taken in.

Geometry: Chamfer-L1 and F-score on surface samples (distances in units of the ground truth's
size, which is 1), exact volume IoU from mesh booleans; a ground truth that is not closed (a real
scan) is first made solid from its generalised winding number (inside where it is at least
one half), sampled on a fine grid. Images: silhouette IoU and masked PSNR.
Frames: the *view frame* matches the prediction's extents and bounding-box centre in the input
view's image to the ground truth's, keeping its own depth proportions; the *aligned* frame
adds a rigid + uniform-scale symmetric ICP from there.
"""

from __future__ import annotations

import igl
import manifold3d
import numpy as np
import trimesh
from scipy.spatial import cKDTree
from skimage.measure import marching_cubes

from i23d.engine.camera import Camera

SURFACE_SAMPLES = 12_000
ICP_SAMPLES = 3_000
ICP_ITERATIONS = 40
F_THRESHOLDS = (0.02, 0.05)
VIEW_FIT_ITERATIONS = 6
WINDING_GRID = 112
"""Samples along the largest extent when an open surface is made solid."""


def camera_frame(mesh: trimesh.Trimesh, camera: Camera) -> trimesh.Trimesh:
    """``mesh`` expressed in the frame where ``camera`` sits on +Z looking along -Z, +Y up
    (the camera's own rotation applied; the camera orbits the origin, so no translation)."""
    rotation = np.eye(4)
    rotation[:3, :3] = camera.world_to_camera()[:3, :3]
    return mesh.copy().apply_transform(rotation)


def view_frame(
    prediction: trimesh.Trimesh, truth: trimesh.Trimesh, camera: Camera
) -> trimesh.Trimesh:
    """The prediction placed as the photo shows the truth: scaled along x and y and moved
    across the view until its image extents and image bounding-box centre, seen through
    ``camera`` (on +Z looking along -Z), match the truth's; its bounding-box centre's depth is
    the truth's and its depth is scaled by the mean of the x and y factors (depth left as
    predicted, so errors in depth show)."""
    target_low, target_high = _image_box(truth.vertices, camera)
    truth_centre = truth.bounds.mean(axis=0)
    pred_centre = prediction.bounds.mean(axis=0)
    factors = np.ptp(truth.vertices, axis=0)[:2] / np.maximum(
        np.ptp(prediction.vertices, axis=0)[:2], 1e-9
    )
    shift = truth_centre[:2].copy()
    for _ in range(VIEW_FIT_ITERATIONS):
        matrix = _view_matrix(factors, pred_centre, np.array([*shift, truth_centre[2]]))
        low, high = _image_box(trimesh.transform_points(prediction.vertices, matrix), camera)
        factors = factors * (target_high - target_low) / np.maximum(high - low, 1e-9)
        pixels_to_world = (camera.distance - truth_centre[2]) / camera.focal_px
        offset = ((target_low + target_high) - (low + high)) / 2.0 * pixels_to_world
        shift = shift + np.array([offset[0], -offset[1]])
    matrix = _view_matrix(factors, pred_centre, np.array([*shift, truth_centre[2]]))
    return prediction.copy().apply_transform(matrix)


def _view_matrix(factors: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale by (fx, fy, mean) about ``source`` and move ``source`` to ``target``."""
    scale = np.array([factors[0], factors[1], factors.mean()])
    matrix = np.diag([*scale, 1.0])
    matrix[:3, 3] = target - scale * source
    return matrix


def _image_box(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Pixel bounding box (low, high corners) of points seen through the camera."""
    pixels, _ = camera.project(np.asarray(points))
    return pixels.min(axis=0), pixels.max(axis=0)


def icp_matrix(points: np.ndarray, truth_points: np.ndarray) -> np.ndarray:
    """The rigid + uniform-scale transform (4×4) from ``points`` (the prediction's surface
    samples, where it is now) onto the truth's, by symmetric ICP: each iteration pairs every
    prediction sample with its nearest truth sample *and* every truth sample with its nearest
    prediction sample, then solves Procrustes on all pairs. (One-way pairing lets the scale
    collapse onto part of the truth; pairing both ways matches the two-sided Chamfer.)"""
    source = points[:ICP_SAMPLES]
    target = truth_points[:: max(1, len(truth_points) // ICP_SAMPLES)]
    target_tree = cKDTree(target)
    total = np.eye(4)
    for _ in range(ICP_ITERATIONS):
        moved = trimesh.transform_points(source, total)
        _, to_target = target_tree.query(moved)
        _, to_source = cKDTree(moved).query(target)
        step, _, _ = trimesh.registration.procrustes(
            np.concatenate([moved, moved[to_source]]),
            np.concatenate([target[to_target], target]),
            reflection=False,
            translation=True,
            scale=True,
        )
        total = step @ total
        if np.allclose(step, np.eye(4), atol=1e-6):
            break
    return total


def surface_points(mesh: trimesh.Trimesh, count: int = SURFACE_SAMPLES, seed: int = 0):
    """``count`` points uniformly distributed over the surface (area-weighted), seeded."""
    points, _ = trimesh.sample.sample_surface(mesh, count, seed=seed)
    return np.asarray(points)


def surface_scores(prediction_points: np.ndarray, truth_points: np.ndarray) -> dict[str, float]:
    """Chamfer-L1 (mean of the two directions' mean nearest distances) and F-score at each of
    :data:`F_THRESHOLDS` (harmonic mean of precision and recall within the threshold)."""
    to_truth, _ = cKDTree(truth_points).query(prediction_points)
    to_prediction, _ = cKDTree(prediction_points).query(truth_points)
    scores = {"chamfer_l1": float(0.5 * (to_truth.mean() + to_prediction.mean()))}
    for tau in F_THRESHOLDS:
        precision = float(np.mean(to_truth < tau))
        recall = float(np.mean(to_prediction < tau))
        total = precision + recall
        scores[f"f_{tau:.2f}"] = 2.0 * precision * recall / total if total > 0 else 0.0
    return scores


def as_manifold(mesh: trimesh.Trimesh) -> manifold3d.Manifold:
    """The mesh as a manifold3d solid; raises if it is not a closed 2-manifold."""
    solid = manifold3d.Manifold(
        manifold3d.Mesh(
            vert_properties=np.asarray(mesh.vertices, dtype=np.float32),
            tri_verts=np.asarray(mesh.faces, dtype=np.uint32),
        )
    )
    if solid.status() != manifold3d.Error.NoError:
        raise ValueError(f"mesh is not a closed manifold: {solid.status()}")
    return solid


def closed_solid(mesh: trimesh.Trimesh) -> manifold3d.Manifold:
    """``mesh`` as a closed solid: itself when it is a closed manifold, else the region where
    its generalised winding number is at least one half (copes with holes, open shells and
    flipped patches), meshed on a grid of :data:`WINDING_GRID` samples across."""
    if mesh.is_watertight and mesh.is_winding_consistent:
        return as_manifold(mesh)
    low, high = mesh.bounds
    pitch = float(np.max(high - low)) / WINDING_GRID
    axes = [
        np.arange(lo - 2 * pitch, hi + 2 * pitch, pitch) for lo, hi in zip(low, high, strict=True)
    ]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    winding = igl.fast_winding_number(
        np.asarray(mesh.vertices, dtype=np.float64),
        np.asarray(mesh.faces, dtype=np.int64),
        grid.reshape(-1, 3),
    ).reshape(grid.shape[:3])
    vertices, faces, _, _ = marching_cubes(winding, level=0.5, spacing=(pitch,) * 3)
    solid = trimesh.Trimesh(vertices + grid[0, 0, 0], faces[:, ::-1], process=True)
    if solid.volume < 0:
        solid.invert()
    return as_manifold(solid)


def volume_iou(
    a: trimesh.Trimesh | manifold3d.Manifold, b: trimesh.Trimesh | manifold3d.Manifold
) -> float:
    """Exact volume IoU of two closed meshes (or manifolds), from their boolean intersection."""
    solid_a, solid_b = (
        mesh if isinstance(mesh, manifold3d.Manifold) else as_manifold(mesh) for mesh in (a, b)
    )
    both = (solid_a ^ solid_b).volume()
    union = solid_a.volume() + solid_b.volume() - both
    return float(both / union) if union > 0 else 0.0


def silhouette_iou(alpha_a: np.ndarray, alpha_b: np.ndarray) -> float:
    """IoU of two coverage masks (alpha above one half)."""
    mask_a, mask_b = alpha_a > 127, alpha_b > 127
    union = np.count_nonzero(mask_a | mask_b)
    return float(np.count_nonzero(mask_a & mask_b) / union) if union else 1.0


def masked_psnr(prediction_rgb: np.ndarray, truth_rgb: np.ndarray, mask: np.ndarray) -> float:
    """PSNR (dB, peak 255) over the pixels of ``mask``; capped at 99 dB for identical images."""
    difference = prediction_rgb[mask].astype(np.float64) - truth_rgb[mask].astype(np.float64)
    mse = float(np.mean(difference**2)) if difference.size else 0.0
    return 99.0 if mse <= 255.0**2 * 10 ** (-9.9) else float(10.0 * np.log10(255.0**2 / mse))

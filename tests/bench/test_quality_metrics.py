"""The quality benchmark's metrics and frames, checked on shapes with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from bench.quality.metrics import (
    camera_frame,
    icp_matrix,
    masked_psnr,
    silhouette_iou,
    surface_points,
    surface_scores,
    view_frame,
    volume_iou,
)
from i23d.engine.camera import Camera


def test_identical_surfaces_score_perfectly():
    points = surface_points(trimesh.creation.icosphere(4, 0.5), seed=1)
    scores = surface_scores(points, points)
    assert scores["chamfer_l1"] == 0.0
    assert scores["f_0.02"] == scores["f_0.05"] == 1.0


def test_concentric_spheres_three_hundredths_apart():
    inner = surface_points(trimesh.creation.icosphere(5, 0.50), seed=1)
    outer = surface_points(trimesh.creation.icosphere(5, 0.53), seed=2)
    scores = surface_scores(outer, inner)
    # Every nearest distance is at least the 0.03 gap and at most the gap plus sample spacing.
    assert scores["f_0.02"] == 0.0
    assert scores["f_0.05"] == 1.0
    assert 0.03 <= scores["chamfer_l1"] < 0.04


def test_volume_iou_of_overlapping_cubes_is_exact():
    cube = trimesh.creation.box((1.0, 1.0, 1.0))
    shifted = cube.copy().apply_translation([0.5, 0.0, 0.0])
    assert volume_iou(cube, shifted) == pytest.approx(1.0 / 3.0, abs=1e-6)
    assert volume_iou(cube, cube) == pytest.approx(1.0, abs=1e-6)


def test_volume_iou_refuses_an_open_mesh():
    open_box = trimesh.creation.box((1.0, 1.0, 1.0))
    open_box.update_faces(np.arange(len(open_box.faces)) > 0)
    with pytest.raises(ValueError, match="not a closed manifold"):
        volume_iou(open_box, trimesh.creation.box((1.0, 1.0, 1.0)))


def test_silhouette_iou_counts_covered_pixels():
    a = np.zeros((10, 10), np.uint8)
    b = np.zeros((10, 10), np.uint8)
    a[:, :6] = 255
    b[:, 3:] = 200
    assert silhouette_iou(a, b) == pytest.approx(30 / 100)


def test_masked_psnr_of_a_constant_error_inside_the_mask_only():
    truth = np.full((8, 8, 3), 100, np.uint8)
    prediction = truth.copy()
    prediction[:4] += 10
    prediction[4:] = 0  # outside the mask: ignored
    mask = np.zeros((8, 8), bool)
    mask[:4] = True
    assert masked_psnr(prediction, truth, mask) == pytest.approx(20 * math.log10(255 / 10))
    assert masked_psnr(truth, truth, mask) == 99.0


def test_camera_frame_puts_the_camera_on_plus_z():
    camera = Camera(fov_deg=40, distance=3.0, azimuth_deg=30, elevation_deg=15)
    marker = trimesh.Trimesh(vertices=[camera.position, [0, 0, 0], [0, 1, 0]], faces=[[0, 1, 2]])
    moved = camera_frame(marker, camera)
    assert moved.vertices[0] == pytest.approx([0.0, 0.0, 3.0], abs=1e-9)


def test_view_frame_undoes_an_image_plane_stretch_and_scales_depth_by_the_mean():
    camera = Camera(fov_deg=40, distance=2.5, size=256)
    truth = trimesh.creation.box((1.0, 0.8, 0.6))
    # Stretched by 2 and 3 across the view: the view frame scales z by the mean of 1/2 and 1/3,
    # 5/12, so a depth stretched by 12/5 comes back as the truth's and the whole box matches.
    prediction = truth.copy().apply_scale([2.0, 3.0, 12 / 5]).apply_translation([1.0, -2.0, 0.5])
    placed = view_frame(prediction, truth, camera)
    assert placed.bounds == pytest.approx(truth.bounds, abs=1e-6)


def test_view_frame_keeps_a_wrong_depth():
    camera = Camera(fov_deg=40, distance=2.5, size=256)
    truth = trimesh.creation.box((1.0, 0.8, 0.6))
    placed = view_frame(truth.copy().apply_scale([1.0, 1.0, 2.0]), truth, camera)
    assert np.ptp(placed.vertices[:, 2]) / np.ptp(placed.vertices[:, 0]) == pytest.approx(1.2)
    assert placed.bounds[:, 2].mean() == pytest.approx(0.0, abs=1e-9)


def test_view_frame_matches_the_silhouette_not_the_bounding_box():
    # A frustum (back face larger, as a perspective extrusion makes) seen head-on: its image
    # extent is set by its front face, so the view frame must not shrink it to the bbox.
    camera = Camera(fov_deg=40, distance=2.5, size=256)
    truth = trimesh.creation.box((1.0, 1.0, 0.5))
    prediction = truth.copy()
    back = prediction.vertices[:, 2] < 0
    prediction.vertices[back, :2] *= 1.2
    placed = view_frame(prediction, truth, camera)
    front = placed.vertices[:, 2] > placed.bounds[:, 2].mean()
    pixels, _ = camera.project(placed.vertices[front])
    truth_pixels, _ = camera.project(truth.vertices[truth.vertices[:, 2] > 0])
    assert pixels.min(axis=0) == pytest.approx(truth_pixels.min(axis=0), abs=0.01)
    assert pixels.max(axis=0) == pytest.approx(truth_pixels.max(axis=0), abs=0.01)


def test_icp_recovers_a_rigid_motion_with_scale():
    truth = trimesh.creation.box((1.0, 0.6, 0.3))
    truth_points = surface_points(truth, seed=3)
    motion = trimesh.transformations.compose_matrix(
        scale=[1.1] * 3, angles=[0.0, math.radians(6), math.radians(4)], translate=[0.04, -0.03, 0]
    )
    moved_points = trimesh.transform_points(surface_points(truth, seed=4), motion)
    matrix = icp_matrix(moved_points, truth_points)
    scores = surface_scores(trimesh.transform_points(moved_points, matrix), truth_points)
    assert scores["chamfer_l1"] < 0.01
    assert scores["f_0.02"] > 0.99

"""The headroom bench: the truth cast along the engine's rays, and the moved solids."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from bench.headroom import TruthDepths, moved_intervals, truth_along_rays
from i23d.engine.shapes import DepthInterval
from i23d.engine.shapes.base import ray_sphere
from i23d.engine.silhouette import Silhouette

SIDE = 48
RADIUS = 0.4


def _sphere_view(engine_distance: float) -> tuple[Silhouette, DepthInterval]:
    """A grid seeing a sphere of radius RADIUS·scale at the origin (the truth's sphere scaled
    about the camera), and that sphere's exact depths along its rays."""
    focal = (SIDE / 2.0) / math.tan(math.radians(20.0))
    probe = Silhouette(
        sdf=np.ones((SIDE, SIDE)),
        focal=focal,
        distance=engine_distance,
        pixel=engine_distance / focal,
        fov_deg=40.0,
    )
    kx, ky = probe.ray_slopes()
    radius = RADIUS * engine_distance / 3.0
    exact = ray_sphere(kx[None, :], ky[:, None], np.zeros(3), np.array(radius), engine_distance)
    inside = exact.front > exact.back + 1e-9
    silhouette = Silhouette(
        sdf=np.where(inside, 1.0, -1.0),
        focal=focal,
        distance=engine_distance,
        pixel=engine_distance / focal,
        fov_deg=40.0,
    )
    return silhouette, exact


def test_the_truth_is_cast_along_the_engines_rays_after_scaling_about_the_camera() -> None:
    truth = trimesh.creation.icosphere(subdivisions=5, radius=RADIUS)
    silhouette, exact = _sphere_view(engine_distance=2.0)
    depths = truth_along_rays(truth, truth_distance=3.0, silhouette=silhouette)
    mask = silhouette.mask
    rows, cols = np.indices(mask.shape) + 0.5 - SIDE / 2.0
    core = np.hypot(rows, cols) < 0.8 * math.sqrt(mask.sum() / math.pi)  # off the grazing rim
    assert np.isfinite(depths.front[core]).all()
    pixel = silhouette.pixel
    assert np.abs(depths.front[core] - exact.front[core]).max() < 0.2 * pixel
    assert np.abs(depths.back[core] - exact.back[core]).max() < 0.2 * pixel
    assert np.isnan(depths.front[~mask]).all()


def test_moved_solids_meet_the_truths_front_keep_their_thickness_and_split_placement() -> None:
    mask = np.zeros((32, 32), bool)
    mask[8:24, 8:24] = True
    chosen = DepthInterval(front=np.full(mask.shape, 0.1), back=np.full(mask.shape, -0.1))
    rows, cols = np.indices(mask.shape)
    truth_front = 0.01 * cols + 0.02 * ((rows + cols) % 2)  # a slope and a fine ripple
    truth = np.where(mask, truth_front, np.nan)
    moved = moved_intervals(chosen, TruthDepths(front=truth, back=truth - 0.3), mask)
    front = moved["front"]
    offset = (front.front - truth_front)[mask]
    assert np.ptp(offset) == pytest.approx(0.0, abs=1e-12)  # the truth's front, up to a shift
    assert np.allclose((front.front - front.back)[mask], 0.2)  # the chosen thickness kept
    placement, relief = moved["placement"], moved["relief"]
    moved_sum = (placement.front - chosen.front) + (relief.front - chosen.front)
    assert np.allclose(moved_sum[mask], (front.front - chosen.front)[mask])
    # the placement keeps the slope and loses the ripple
    inner = mask & (rows >= 12) & (rows < 20) & (cols >= 12) & (cols < 20)
    ripple = np.abs(np.diff(placement.front, axis=0))[inner[1:] & inner[:-1]]
    assert ripple.max() < 0.005
    assert np.allclose((moved["hull"].front - moved["hull"].back)[mask], 0.3)
    assert np.array_equal(front.front[~mask], chosen.front[~mask])

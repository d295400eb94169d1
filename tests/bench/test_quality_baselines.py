"""The naive baselines, built through the engine's code path from a photographed disc."""

from __future__ import annotations

import numpy as np
import pytest

from bench.quality.baselines import SLAB_THICKNESS, baseline_model
from i23d.engine import Engine


@pytest.fixture(scope="module")
def disc_cutout():
    side = 256
    y, x = np.mgrid[:side, :side] + 0.5
    inside = (x - side / 2) ** 2 + (y - side / 2) ** 2 < (0.4 * side) ** 2
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = np.where(inside, 255, 0)
    return Engine().load(rgba)


def _depth_over_width(mesh) -> float:
    """Depth over the width of the cross-section half-way through (the models widen towards
    the back, as the camera's rays do)."""
    middle = mesh.bounds[:, 2].mean()
    section = mesh.section(plane_origin=[0.0, 0.0, middle], plane_normal=[0.0, 0.0, 1.0])
    return float(np.ptp(mesh.vertices[:, 2]) / np.ptp(section.vertices[:, 0]))


def test_slab_is_thin(disc_cutout):
    model = baseline_model(disc_cutout, "slab")
    assert model.is_watertight
    assert _depth_over_width(model) == pytest.approx(SLAB_THICKNESS, abs=0.01)


def test_half_width_extrusion_is_half_as_deep_as_wide(disc_cutout):
    model = baseline_model(disc_cutout, "half_width")
    assert model.is_watertight
    assert _depth_over_width(model) == pytest.approx(0.5, abs=0.03)


def test_sqrt_inflation_of_a_disc_is_about_as_deep_as_wide(disc_cutout):
    model = baseline_model(disc_cutout, "sqrt_inflation")
    assert model.is_watertight
    assert _depth_over_width(model) == pytest.approx(1.0, abs=0.06)
    # Textured like the engine's models: the photo's red is on it.
    texture = np.asarray(model.visual.material.baseColorTexture)
    assert texture[..., 0].max() == 200

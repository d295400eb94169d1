"""Photographs under the benchmark conventions: framing, head-light, input kinds."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from PIL import Image

from bench.quality.backgrounds import BACKGROUNDS, natural_background
from bench.quality.metrics import closed_solid
from bench.quality.photo import (
    AMBIENT,
    PHOTO_FILL,
    framed_camera,
    lit_render,
    photographs,
)


def _white_sphere() -> trimesh.Trimesh:
    sphere = trimesh.creation.icosphere(4, 0.5)
    image = Image.new("RGB", (4, 4), (200, 200, 200))
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    uv = np.full((len(sphere.vertices), 2), 0.5)
    sphere.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return sphere


def test_framing_spans_the_larger_image_axis():
    box = trimesh.creation.box((1.0, 0.5, 0.3))
    camera = framed_camera(np.asarray(box.vertices), azimuth_deg=30.0, elevation_deg=15.0)
    pixels, _ = camera.project(np.asarray(box.vertices))
    assert np.max(np.ptp(pixels, axis=0)) == pytest.approx(PHOTO_FILL * camera.size, rel=1e-3)


def test_head_light_is_lambert_plus_ambient():
    sphere = _white_sphere()
    photo = lit_render(sphere, framed_camera(np.asarray(sphere.vertices)))
    inside = photo[..., 3] == 255
    grey = photo[..., 0][inside].astype(float)
    # Albedo 200: the lit pole reaches 200 × (0.4 + 0.6), the unlit rim 200 × 0.4.
    assert grey.max() == pytest.approx(200, abs=3)
    assert grey.min() == pytest.approx(200 * AMBIENT, abs=6)
    ys, xs = np.nonzero(photo[..., 0] >= grey.max() - 1)
    assert xs.mean() < 256 and ys.mean() < 256  # lit from the upper left


def test_input_kinds_share_the_render():
    sphere = _white_sphere()
    rgba = lit_render(sphere, framed_camera(np.asarray(sphere.vertices)))
    photos = photographs(rgba, seed=3)
    opaque = rgba[..., 3] == 255
    for kind in ("rgb", "natural"):
        assert photos[kind].shape == (512, 512, 3)
        assert np.array_equal(photos[kind][opaque], rgba[..., :3][opaque])
    assert np.all(photos["rgb"][rgba[..., 3] == 0] == 255)


def test_natural_backgrounds_are_seeded_and_textured():
    for seed in range(len(BACKGROUNDS)):
        first, second = natural_background(seed, 128), natural_background(seed, 128)
        assert first.shape == (128, 128, 3) and np.array_equal(first, second)
        assert first.std() > 5


def test_an_open_surface_is_made_solid_by_its_winding_number():
    box = trimesh.creation.box((1.0, 1.0, 1.0))
    box.update_faces(np.arange(len(box.faces)) > 1)  # one side open
    assert not box.is_watertight
    # Near the hole the winding number falls below one half, so a little is lost there.
    assert closed_solid(box).volume() == pytest.approx(1.0, rel=0.1)

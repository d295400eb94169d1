"""De-lighting: the model's texture is the albedo, not the photo's shading."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from scipy import ndimage

from bench.quality.photo import PHOTO_FOV, lit_render
from i23d.engine import Engine, EngineOptions
from i23d.engine.cutout import make_cutout
from i23d.engine.delight import Light, delit_texture, fit_light, front_normals, shading
from i23d.engine.render import render
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.shapes.inflate import inflate
from i23d.engine.silhouette import make_silhouette
from tests.engine import photos

LIGHT = Light(tuple(np.array([-0.35, 0.5, 1.0]) / np.linalg.norm([-0.35, 0.5, 1.0])), 0.4)


def _disc_silhouette():
    size = 256
    rows, cols = np.indices((size, size))
    alpha = (np.hypot(rows - size / 2, cols - size / 2) < 0.4 * size).astype(np.float32)
    rgba = np.dstack([np.full((size, size, 3), 128, np.uint8), (alpha * 255).astype(np.uint8)])
    silhouette = make_silhouette(make_cutout(rgba, alpha, PHOTO_FOV), 128, "highest")
    return silhouette, inflate(silhouette, 0)


def test_the_light_is_read_from_a_banded_sphere():
    silhouette, interval = _disc_silhouette()
    normals = front_normals(silhouette, interval)
    bands = np.where((np.arange(128) // 16) % 2 == 0, 0.8, 0.3)[:, None]  # albedo steps
    log_grey = np.log(bands * shading(normals, LIGHT))
    light, explained = fit_light(log_grey, normals, silhouette.mask)
    assert explained > 0.9
    angle = np.degrees(np.arccos(np.clip(np.dot(light.direction, LIGHT.direction), -1, 1)))
    assert angle < 10.0
    assert abs(light.ambient - LIGHT.ambient) <= 0.1


def test_without_shading_to_read_the_texture_is_left_as_it_is():
    silhouette, dome = _disc_silhouette()
    flat = DepthInterval.symmetric(np.full(silhouette.mask.shape, 0.1))
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), np.uint8)
    # A flat face says nothing of the light; a drawing's flat colour on a dome has no shading.
    for texture, interval in ((noise, flat), (np.full((256, 256, 3), 200, np.uint8), dome)):
        image = Image.fromarray(texture)
        assert np.array_equal(np.asarray(delit_texture(image, silhouette, interval)), texture)


def _texture_and_photo_errors(mesh: trimesh.Trimesh, elevation: float, prior: str):
    """Mean colour error against the albedo of the built model's texture and of the photo
    (both pixel-aligned with the cut-out), the photo lit by the bench conventions' head-light."""
    camera = photos.photo_camera(mesh, elevation)
    photo = lit_render(mesh, camera)
    alpha = photo[..., 3].astype(np.float32) / 255.0
    albedo = make_cutout(render(mesh, camera, lit=False), alpha, PHOTO_FOV).rgba[..., :3]
    engine = Engine()
    cutout = engine.load(photo, PHOTO_FOV)
    model = engine.build(cutout, prior, EngineOptions())
    texture = model.visual.material.baseColorTexture.resize((cutout.size, cutout.size))
    inside = ndimage.binary_erosion(cutout.mask, iterations=cutout.size // 40)

    def error(image: np.ndarray) -> float:
        return float(np.abs(image[inside].astype(float) - albedo[inside]).mean())

    return error(np.asarray(texture)), error(cutout.rgba[..., :3])


def test_a_photographed_sphere_comes_back_with_its_albedo():
    # The photo's rim is dark; the texture should hold the bands' own colours.
    sphere = photos.striped(trimesh.creation.icosphere(subdivisions=4))
    texture_error, photo_error = _texture_and_photo_errors(sphere, 0.0, "inflate")
    assert texture_error < 0.5 * photo_error


def test_a_photographed_box_comes_back_with_its_albedo():
    # Each face is lit evenly, so the light shows only across the box's edges (creases).
    box = trimesh.creation.box((0.6, 0.6, 0.6))
    box.apply_transform(trimesh.transformations.rotation_matrix(np.radians(45), [0, 1, 0]))
    texture_error, photo_error = _texture_and_photo_errors(photos.striped(box), 25.0, "cuboid")
    assert texture_error < 0.5 * photo_error

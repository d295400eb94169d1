"""Synthetic photos for engine tests: procedural textured meshes rendered with a known camera."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from i23d.engine.camera import Camera, distance_to_fit
from i23d.engine.render import render

FOV = 40.0
SIZE = 256


def striped(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Give ``mesh`` cylindrical-projection UVs and a texture of coloured horizontal bands."""
    mesh = mesh.copy()
    mesh.apply_translation(-mesh.bounds.mean(axis=0))
    mesh.apply_scale(1.0 / mesh.extents.max())
    angle = np.arctan2(mesh.vertices[:, 0], mesh.vertices[:, 2])
    uv = np.stack([(angle / (2 * np.pi)) + 0.5, mesh.vertices[:, 1] + 0.5], axis=1)
    rows = np.linspace(0, 1, 64)[:, None]
    colours = np.where((rows * 6).astype(int) % 2 == 0, [[200, 60, 40]], [[60, 120, 210]])
    image = Image.fromarray(np.repeat(colours[:, None, :], 64, axis=1).astype(np.uint8))
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=PBRMaterial(baseColorTexture=image))
    return mesh


def photo_camera(mesh: trimesh.Trimesh, elevation_deg: float = 0.0) -> Camera:
    """The camera that photographs ``mesh`` filling about 80% of the frame."""
    radius = float(np.linalg.norm(mesh.vertices - mesh.bounds.mean(axis=0), axis=1).max())
    return Camera(FOV, distance_to_fit(radius, FOV, 0.8), SIZE, 0.0, elevation_deg)


def photograph(
    mesh: trimesh.Trimesh,
    background: tuple[int, int, int] | None = None,
    elevation_deg: float = 0.0,
) -> np.ndarray:
    """A lit RGBA render of ``mesh`` from the front (``elevation_deg`` above); RGB over
    ``background`` if given."""
    rgba = render(mesh, photo_camera(mesh, elevation_deg), lit=True)
    if background is None:
        return rgba
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3] * alpha + np.array(background, np.float32) * (1.0 - alpha)
    return rgb.round().astype(np.uint8)


def vase() -> trimesh.Trimesh:
    """A lathe-turned vase."""
    heights = np.linspace(0.0, 1.0, 24)
    radii = 0.22 + 0.12 * np.sin(heights * np.pi * 1.3) + 0.04 * heights
    profile = np.concatenate([[[0.0, 0.0]], np.stack([radii, heights], 1), [[0.0, 1.0]]])
    solid = trimesh.creation.revolve(profile, sections=64)
    solid.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return striped(solid)


def star_prism() -> trimesh.Trimesh:
    """A five-pointed star extruded towards the camera."""
    angles = np.pi / 2 + np.arange(10) * np.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
    outline = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    points = np.concatenate([[[0.0, 0.0]], outline])
    fan = np.array([[0, 1 + i, 1 + (i + 1) % 10] for i in range(10)])
    prism = trimesh.creation.extrude_triangulation(points, fan, height=0.6)
    return striped(prism)


def _y_up(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    return mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))


def cylinder() -> trimesh.Trimesh:
    """An upright cylinder, 0.6 wide and 1 tall."""
    return striped(_y_up(trimesh.creation.cylinder(radius=0.3, height=1.0, sections=96)))


def cone() -> trimesh.Trimesh:
    """An upright cone on a flat base, 0.8 wide and 0.9 tall."""
    return striped(_y_up(trimesh.creation.cone(radius=0.4, height=0.9, sections=96)))


def cup() -> trimesh.Trimesh:
    """An upright cup: a lathe profile flaring a little towards its open top."""
    profile = [(0, 0), (0.3, 0), (0.34, 0.8), (0.31, 0.8), (0.27, 0.08), (0, 0.08)]
    return striped(_y_up(trimesh.creation.revolve(np.array(profile, float), sections=96)))


def mug() -> trimesh.Trimesh:
    """The cup with a round handle on its right side (turned a little towards the camera)."""
    body = trimesh.creation.revolve(
        np.array([(0, 0), (0.3, 0), (0.32, 0.8), (0.29, 0.8), (0.26, 0.08), (0, 0.08)], float),
        sections=96,
    )
    handle = trimesh.creation.torus(major_radius=0.2, minor_radius=0.045)
    handle.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    handle.apply_translation((0.36, 0.0, 0.42))
    mug = _y_up(trimesh.boolean.union([body, handle], engine="manifold"))
    return striped(mug.apply_transform(trimesh.transformations.rotation_matrix(0.4, [0, 1, 0])))


def teapot() -> trimesh.Trimesh:
    """A squat round pot with a lid, a spout rising to its left from low on its body (joined
    over a third of the body's rows) and a loop handle on its right."""
    body = trimesh.creation.revolve(
        np.array([(0, 0), (0.3, 0), (0.42, 0.12), (0.42, 0.3), (0.3, 0.45), (0, 0.45)], float),
        sections=96,
    )
    lid = trimesh.creation.icosphere(3, radius=0.12).apply_translation((0, 0, 0.47))
    spout = trimesh.creation.cylinder(
        radius=0.06, segment=((-0.25, 0, 0.08), (-0.7, 0, 0.5)), sections=32
    )
    handle = trimesh.creation.torus(major_radius=0.15, minor_radius=0.04)
    handle.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    handle.apply_translation((0.42, 0.0, 0.24))
    pot = trimesh.boolean.union([body, lid, spout, handle], engine="manifold")
    return striped(_y_up(pot))


def duck() -> trimesh.Trimesh:
    """A bath duck seen from its side: a long round body, a head over its front, a tail."""
    body = trimesh.creation.icosphere(4).apply_scale((0.45, 0.22, 0.25))
    head = trimesh.creation.icosphere(4, radius=0.17).apply_translation((0.28, 0.3, 0))
    tail = trimesh.creation.icosphere(3).apply_scale((0.12, 0.05, 0.08))
    tail.apply_translation((-0.45, 0.12, 0))
    return striped(trimesh.boolean.union([body, head, tail], engine="manifold"))


def wine_glass() -> trimesh.Trimesh:
    """A bowl on a thin stem standing on a flat round foot."""
    profile = [
        (0, 0), (0.22, 0), (0.22, 0.02), (0.03, 0.04), (0.03, 0.45), (0.18, 0.55),
        (0.22, 0.75), (0.2, 0.95), (0, 0.95),
    ]  # fmt: skip
    return striped(_y_up(trimesh.creation.revolve(np.array(profile, float), sections=96)))


def four_legged_animal() -> trimesh.Trimesh:
    """An animal-like composite seen from its side (its length along x): an ellipsoid body,
    four round legs, a neck and a head."""
    parts = [
        trimesh.creation.icosphere(4).apply_scale((0.4, 0.16, 0.15)).apply_translation((0, 0.55, 0))
    ]
    for x in (-0.27, 0.27):
        for z in (-0.09, 0.09):
            leg = _y_up(trimesh.creation.cylinder(radius=0.055, height=0.55, sections=32))
            parts.append(leg.apply_translation((x, 0.275, z)))
    neck = _y_up(trimesh.creation.cylinder(radius=0.07, height=0.3, sections=32))
    parts.append(neck.apply_translation((0.42, 0.7, 0)))
    parts.append(
        trimesh.creation.icosphere(4).apply_scale((0.15, 0.1, 0.1)).apply_translation((0.5, 0.9, 0))
    )
    return striped(trimesh.boolean.union(parts, engine="manifold"))


def head_with_ears() -> trimesh.Trimesh:
    """A round head, a muzzle below it and two flat round ears at its sides, seen from the
    front (a cartoon monkey's outline: mirror-symmetric, widest across the ears)."""
    head = trimesh.creation.icosphere(4, radius=0.3)
    muzzle = trimesh.creation.icosphere(4).apply_scale((0.2, 0.15, 0.18))
    ear = trimesh.creation.icosphere(4).apply_scale((0.14, 0.13, 0.04))
    ears = [ear.copy().apply_translation((x, 0.05, 0)) for x in (-0.36, 0.36)]
    parts = [head, muzzle.apply_translation((0, -0.3, 0.08)), *ears]
    return striped(trimesh.boolean.union(parts, engine="manifold"))


def pawn() -> trimesh.Trimesh:
    """A turned chess pawn: a wide base, a collar under the head (narrower than the base)."""
    profile = [
        (0, 0), (0.3, 0), (0.3, 0.08), (0.22, 0.14), (0.14, 0.35), (0.2, 0.42),
        (0.2, 0.46), (0.1, 0.5), (0.16, 0.62), (0.15, 0.72), (0.08, 0.78), (0, 0.8),
    ]  # fmt: skip
    return striped(_y_up(trimesh.creation.revolve(np.array(profile, float), sections=96)))


def toadstool() -> trimesh.Trimesh:
    """A thin stem under a wide cap that ends the object at the top."""
    cap = trimesh.creation.revolve(
        np.array([(0, 0.5), (0.45, 0.5), (0.42, 0.6), (0.3, 0.7), (0, 0.75)], float), sections=96
    )
    stem = trimesh.creation.revolve(
        np.array([(0, 0), (0.12, 0), (0.1, 0.3), (0.11, 0.55), (0, 0.55)], float), sections=96
    )
    return striped(_y_up(trimesh.boolean.union([cap, stem], engine="manifold")))


def mushroom() -> trimesh.Trimesh:
    """A stem under a wide cap that, seen from above, hides all but the stem's foot."""
    cap = trimesh.creation.revolve(
        np.array([(0, 0.33), (0.45, 0.33), (0.43, 0.45), (0.3, 0.58), (0, 0.63)], float),
        sections=96,
    )
    stem = trimesh.creation.revolve(
        np.array([(0, 0), (0.13, 0), (0.12, 0.35), (0, 0.35)], float), sections=96
    )
    return striped(_y_up(trimesh.boolean.union([cap, stem], engine="manifold")))


def flat_pebble() -> trimesh.Trimesh:
    """A flattened ellipsoid: its lower flanks run nearly straight and slant inwards."""
    pebble = trimesh.creation.icosphere(subdivisions=4)
    pebble.apply_scale((1.2, 0.6, 0.8))
    return striped(pebble)


def snowman_with_arms() -> trimesh.Trimesh:
    """Three stacked balls with two thin stick arms held out from the middle one."""
    parts = [
        trimesh.creation.icosphere(4, radius=r).apply_translation((0, y, 0))
        for r, y in ((0.28, 0.28), (0.2, 0.7), (0.14, 1.0))
    ]
    for side in (-1, 1):
        arm = trimesh.creation.capsule(height=0.36, radius=0.02, count=[24, 24])
        arm.apply_transform(trimesh.geometry.align_vectors([0, 0, 1], [side * 0.33, 0.13, 0]))
        parts.append(arm.apply_translation((side * 0.34, 0.79, 0)))
    return striped(trimesh.boolean.union(parts, engine="manifold"))

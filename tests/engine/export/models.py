"""Stand-in engine models for the post-processing and export tests, and colour probes."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial


def pattern_texture(size: int = 512) -> Image.Image:
    """A smooth, everywhere-different texture: red follows u, green follows v, blue a wave."""
    v, u = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    red = 40 + 200 * u
    green = 240 - 200 * v
    blue = 128 + 100 * np.sin(2 * np.pi * u) * np.cos(2 * np.pi * v)
    return Image.fromarray(np.stack([red, green, blue], axis=2).astype(np.uint8))


def textured_blob(subdivisions: int = 5) -> trimesh.Trimesh:
    """A watertight, bumpy, textured ellipsoid shaped like an engine model.

    Unit size (largest extent 1), centred, +Y up, with front-projection UVs (u from x, v from
    y) and a :func:`pattern_texture` as PBR base colour, like the engine's output.
    """
    mesh = trimesh.creation.icosphere(subdivisions=subdivisions)
    points = mesh.vertices
    bumps = 1.0 + 0.08 * np.sin(5 * points[:, 0]) * np.cos(4 * points[:, 1])
    mesh.vertices = points * bumps[:, None] * np.array([0.8, 1.0, 0.6])
    bounds = mesh.bounds
    mesh.apply_translation(-(bounds[0] + bounds[1]) / 2)
    mesh.apply_scale(1.0 / float(np.max(mesh.extents)))
    uv = np.clip(mesh.vertices[:, :2] / mesh.extents[:2] + 0.5, 0.0, 1.0)
    material = PBRMaterial(
        baseColorTexture=pattern_texture(), metallicFactor=0.0, roughnessFactor=0.9
    )
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return mesh


def texture_colours(mesh: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """RGB colours (N, 3) the mesh's texture shows at surface points (nearest texel)."""
    closest, _, triangle = trimesh.proximity.closest_point(mesh, points)
    corners = mesh.vertices[mesh.faces[triangle]]
    barycentric = trimesh.triangles.points_to_barycentric(corners, closest)
    uv = np.einsum("nk,nkd->nd", barycentric, mesh.visual.uv[mesh.faces[triangle]])
    image = np.asarray(mesh.visual.material.baseColorTexture.convert("RGB"))
    height, width = image.shape[:2]
    x = np.clip((uv[:, 0] * width).astype(int), 0, width - 1)
    y = np.clip(((1.0 - uv[:, 1]) * height).astype(int), 0, height - 1)
    return image[y, x].astype(np.float64)


def edge_use_counts(faces: np.ndarray) -> np.ndarray:
    """How many faces use each undirected edge of a polygon list (2 everywhere = closed)."""
    faces = np.asarray(faces)
    edges = np.stack([faces, np.roll(faces, -1, axis=1)], axis=2).reshape(-1, 2)
    edges.sort(axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return counts

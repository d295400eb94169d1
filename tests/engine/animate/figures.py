"""Closed test figures built from capsules: a biped, a four-legged animal and a vase, and a
helper that textures them like the engine's output."""

from __future__ import annotations

import manifold3d
import numpy as np
import trimesh
from trimesh.visual.material import PBRMaterial

from i23d.engine.asset import Asset
from tests.engine.export.models import pattern_texture


def capsule(a: list[float], b: list[float], radius: float, count: int = 24) -> trimesh.Trimesh:
    """A capsule from ``a`` to ``b``."""
    start, end = np.array(a, float), np.array(b, float)
    shape = trimesh.creation.capsule(
        height=float(np.linalg.norm(end - start)), radius=radius, count=[count, count]
    )
    shape.apply_transform(trimesh.geometry.align_vectors([0, 0, 1], end - start))
    shape.apply_translation((start + end) / 2)
    return shape


def union(parts: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """The solid union of closed meshes (manifold3d)."""
    solids = [
        manifold3d.Manifold(
            manifold3d.Mesh(np.asarray(p.vertices, np.float32), np.asarray(p.faces, np.uint32))
        )
        for p in parts
    ]
    total = solids[0]
    for solid in solids[1:]:
        total = total + solid
    out = total.to_mesh()
    return trimesh.Trimesh(out.vert_properties[:, :3], out.tri_verts)


def biped(count: int = 16) -> trimesh.Trimesh:
    """A standing figure facing +Z: torso, head, two legs apart, arms out and down."""
    return union(
        [
            capsule([0, 1.0, 0], [0, 1.5, 0], 0.2, count),
            trimesh.creation.icosphere(3, radius=0.15).apply_translation([0, 1.8, 0]),
            capsule([-0.12, 0.95, 0], [-0.18, 0.08, 0], 0.08, count),
            capsule([0.12, 0.95, 0], [0.18, 0.08, 0], 0.08, count),
            capsule([-0.25, 1.5, 0], [-0.45, 0.9, 0], 0.06, count),
            capsule([0.25, 1.5, 0], [0.45, 0.9, 0], 0.06, count),
        ]
    )


def animal(count: int = 24) -> trimesh.Trimesh:
    """A four-legged animal seen from the side (+Z): body along x, head at +x, a tail."""
    parts = [
        capsule([-0.6, 0.8, 0], [0.55, 0.82, 0], 0.24, count),
        capsule([0.5, 0.9, 0], [0.8, 1.25, 0], 0.11, count),
        capsule([0.8, 1.3, 0], [1.05, 1.22, 0], 0.12, count),
        capsule([-0.65, 0.9, 0], [-1.05, 1.1, 0], 0.045, count),
    ]
    for x in (-0.45, 0.42):
        for z in (-0.13, 0.13):
            parts.append(capsule([x + 0.12 * z, 0.75, z], [x + 0.12 * z, 0.06, z], 0.075, count))
    return union(parts)


def vase() -> trimesh.Trimesh:
    """A lathed vase (no legs)."""
    profile = np.array(
        [(0, 0), (0.25, 0), (0.36, 0.3), (0.3, 0.7), (0.14, 0.9), (0.18, 1.0), (0, 1.0)]
    )
    solid = trimesh.creation.revolve(profile, sections=64)
    return solid.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))


def as_asset(mesh: trimesh.Trimesh) -> Asset:
    """The mesh as the engine would hand it over: unit size, centred, front-projected UVs."""
    mesh = mesh.copy()
    low, high = mesh.bounds
    mesh.apply_translation(-(low + high) / 2)
    mesh.apply_scale(1.0 / float(np.max(high - low)))
    uv = np.clip(mesh.vertices[:, :2] / mesh.extents[:2] + 0.5, 0, 1)
    material = PBRMaterial(
        baseColorTexture=pattern_texture(), metallicFactor=0.0, roughnessFactor=0.9
    )
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return Asset(mesh)

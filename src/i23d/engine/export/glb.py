"""GLB (binary glTF 2.0): triangles, normals, UVs and a PBR base-colour texture (trimesh)."""

from __future__ import annotations

import io
from typing import cast

import trimesh

from i23d.engine.asset import Asset
from i23d.engine.export.registry import ExportFormat, register


def export_glb(asset: Asset) -> bytes:
    """The asset as one self-contained ``.glb``; metres, +Y up, front +Z (glTF's own axes)."""
    mesh = trimesh.Trimesh(
        asset.vertices,
        asset.triangles,
        vertex_normals=asset.normals,
        visual=asset.mesh.visual,
        process=False,
    )
    scene = trimesh.Scene()
    scene.add_geometry(mesh, node_name="model", geom_name="model")
    return trimesh.exchange.gltf.export_glb(scene, include_normals=True)


def load_glb(data: bytes) -> Asset:
    """An :func:`export_glb` file read back as an :class:`Asset` (triangles, as stored)."""
    mesh = trimesh.load(io.BytesIO(data), file_type="glb", force="mesh", process=False)
    return Asset(cast(trimesh.Trimesh, mesh))  # force="mesh" concatenates into one Trimesh


register(
    ExportFormat(
        "glb",
        "mesh.glb",
        "model/gltf-binary",
        export_glb,
        preview_field="preview_mesh_url_glb",
        model_fields=("mesh_url_glb", "polished_mesh_url_glb"),
    )
)

"""GLB (binary glTF 2.0): triangles, normals, UVs and a PBR base-colour texture (trimesh)."""

from __future__ import annotations

import io
from typing import cast

import trimesh
from PIL import Image

from i23d.engine.asset import PNG_COMPRESS_LEVEL, Asset
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
    _encode_texture_as_the_others(asset)
    scene = trimesh.Scene()
    scene.add_geometry(mesh, node_name="model", geom_name="model")
    return trimesh.exchange.gltf.export_glb(scene, include_normals=True)


def _encode_texture_as_the_others(asset: Asset) -> None:
    """Have trimesh's PNG encoding of the texture use the asset's compression level (Pillow
    reads an image's ``encoderinfo`` as default save parameters), not Pillow's slower default."""
    material = asset.visual.material
    for image in (getattr(material, "baseColorTexture", None), getattr(material, "image", None)):
        if isinstance(image, Image.Image):
            image.encoderinfo = {"compress_level": PNG_COMPRESS_LEVEL}


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

"""The post-processed model every exporter writes: a textured triangle mesh, plus its quads.

An :class:`Asset` is what :func:`i23d.engine.postprocess.postprocess` returns and what each
function in :data:`i23d.engine.export.EXPORTERS` takes. Its ``mesh`` is always a triangle mesh
(formats that cannot hold quads write it as is); when the topology is quads, ``quads`` holds
the pure-quad faces over the *same* vertices (so the same positions and UVs), and triangle
``2 * i`` and ``2 * i + 1`` of ``mesh`` are quad ``i`` split along its 0-2 diagonal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np
import trimesh
from PIL import Image

PNG_COMPRESS_LEVEL = 3
"""zlib level of the texture PNG: near level 6's size at a fraction of its encoding time."""


def triangulate_quads(quads: np.ndarray) -> np.ndarray:
    """Triangles (2Q, 3): quad ``i`` becomes ``2i`` = (0, 1, 2) and ``2i+1`` = (0, 2, 3)."""
    quads = np.asarray(quads)
    return np.stack([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]], axis=1).reshape(-1, 3)


def welded_vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit per-vertex normals, smoothed across vertices that share a position.

    Textured meshes split vertices along UV seams; averaging over the welded position keeps
    shading continuous across those seams. Face normals are weighted by face area.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces)
    _, welded = trimesh.grouping.unique_rows(vertices)
    corners = vertices[faces]
    area_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    count = int(welded.max()) + 1 if len(welded) else 0
    summed = np.zeros((count, 3))
    for corner in range(3):
        np.add.at(summed, welded[faces[:, corner]], area_normals)
    normals = summed[welded]
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, length, out=np.zeros_like(normals), where=length > 1e-20)


@dataclass(frozen=True, eq=False)
class Asset:
    """A textured, post-processed model ready to export.

    - ``mesh``: triangles in metres, +Y up, front +Z, with ``TextureVisuals`` (per-vertex UVs,
      v up) and a ``PBRMaterial`` whose ``baseColorTexture`` is the texture.
    - ``quads``: (Q, 4) vertex indices of the pure-quad faces, or ``None`` for ``tris``.
    """

    mesh: trimesh.Trimesh
    quads: np.ndarray | None = None

    def __post_init__(self) -> None:
        visual = self.mesh.visual
        if not isinstance(visual, trimesh.visual.TextureVisuals) or visual.uv is None:
            raise ValueError("an Asset's mesh needs TextureVisuals with UVs")
        if len(visual.uv) != len(self.mesh.vertices):
            raise ValueError("an Asset's mesh needs one UV per vertex")
        if _base_color(visual.material) is None:
            raise ValueError("an Asset's mesh needs a base-colour texture")
        if self.quads is not None:
            quads = np.asarray(self.quads)
            if quads.ndim != 2 or quads.shape[1] != 4:
                raise ValueError(f"quads must be (Q, 4), got {quads.shape}")
            if not np.array_equal(triangulate_quads(quads), np.asarray(self.mesh.faces)):
                raise ValueError("the mesh's triangles must be the quads split along 0-2")

    @property
    def vertices(self) -> np.ndarray:
        """(V, 3) float positions in metres."""
        return np.asarray(self.mesh.vertices)

    @property
    def triangles(self) -> np.ndarray:
        """(F, 3) vertex indices of the triangulated mesh."""
        return np.asarray(self.mesh.faces)

    @property
    def polygons(self) -> np.ndarray:
        """The faces as the topology asks: (Q, 4) quads, or (F, 3) triangles."""
        return np.asarray(self.quads) if self.quads is not None else self.triangles

    @property
    def visual(self) -> trimesh.visual.TextureVisuals:
        """The mesh's texture visuals (checked in ``__post_init__``)."""
        return cast(trimesh.visual.TextureVisuals, self.mesh.visual)

    @property
    def uv(self) -> np.ndarray:
        """(V, 2) texture coordinates in [0, 1], v up (OpenGL/glTF-after-flip convention)."""
        return np.asarray(self.visual.uv, dtype=np.float64)

    @property
    def texture(self) -> Image.Image:
        """The base-colour texture as an RGB image."""
        image = _base_color(self.visual.material)
        assert image is not None  # checked in __post_init__
        return image if image.mode == "RGB" else image.convert("RGB")

    @cached_property
    def texture_png(self) -> bytes:
        """The texture encoded once as PNG, shared by every format that embeds it."""
        buffer = io.BytesIO()
        self.texture.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()

    @cached_property
    def normals(self) -> np.ndarray:
        """(V, 3) unit vertex normals, continuous across UV seams."""
        return welded_vertex_normals(self.vertices, self.triangles)

    @cached_property
    def solid(self) -> trimesh.Trimesh:
        """The geometry alone, vertices welded across UV seams (for 3MF and STL)."""
        solid = trimesh.Trimesh(self.vertices, self.triangles, process=False)
        solid.merge_vertices(merge_tex=True, merge_norm=True)
        return solid


def _base_color(material: trimesh.visual.material.Material | None) -> Image.Image | None:
    """The material's base-colour image, if it has one."""
    if isinstance(material, trimesh.visual.material.PBRMaterial):
        return material.baseColorTexture
    if isinstance(material, trimesh.visual.material.SimpleMaterial):
        return material.image
    return None

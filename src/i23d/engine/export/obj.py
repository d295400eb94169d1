"""Wavefront OBJ, bare (``mesh.obj``) or zipped with its MTL and PNG texture (``mesh.zip``).

Written here rather than by trimesh because trimesh only writes triangles and OBJ is where
quads must survive. The writer is a few lines of formatting; tests read its files back with
ufbx (which keeps polygons) and trimesh.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from i23d.engine.asset import Asset
from i23d.engine.export.registry import ExportFormat, register

OBJ_NAME = "mesh.obj"
MTL_NAME = "mesh.mtl"
TEXTURE_NAME = "mesh.png"
MATERIAL_NAME = "i23d"


def export_obj(asset: Asset) -> bytes:
    """A bare ``.obj`` (positions, UVs, normals; quads kept), naming no material file."""
    return _obj_text(asset, with_material=False).encode("ascii")


def export_obj_zip(asset: Asset) -> bytes:
    """A ``.zip`` holding ``mesh.obj``, ``mesh.mtl`` and the texture ``mesh.png``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(OBJ_NAME, _obj_text(asset, with_material=True))
        archive.writestr(MTL_NAME, _mtl_text())
        archive.writestr(TEXTURE_NAME, asset.texture_png, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def _obj_text(asset: Asset, with_material: bool) -> str:
    """The OBJ file: one vertex, UV and normal per mesh vertex, so each corner is ``i/i/i``."""
    header = ["# i23d: metres, +Y up, front +Z"]
    if with_material:
        header.append(f"mtllib {MTL_NAME}")
    header.append("o model")
    sections = [
        "\n".join(header),
        _rows("v", asset.vertices, "%.6f"),
        _rows("vt", asset.uv, "%.6f"),
        _rows("vn", asset.normals, "%.5f"),
    ]
    if with_material:
        sections.append(f"usemtl {MATERIAL_NAME}")
    corners = (asset.polygons + 1).astype(np.int64)
    faces = np.repeat(corners, 3, axis=1)  # i/i/i per corner
    pattern = " ".join(["%d/%d/%d"] * corners.shape[1])
    sections.append(_rows("f", faces, pattern, join=False))
    return "\n".join(sections) + "\n"


def _rows(tag: str, values: np.ndarray, fmt: str, join: bool = True) -> str:
    """``tag`` lines of ``values``, formatted with numpy (``fmt`` per value, or per row)."""
    buffer = io.StringIO()
    row_format = f"{tag} " + (" ".join([fmt] * values.shape[1]) if join else fmt)
    np.savetxt(buffer, values, fmt=row_format)
    return buffer.getvalue().rstrip("\n")


def _mtl_text() -> str:
    """The material: the texture as diffuse colour, no specular highlight."""
    return (
        f"newmtl {MATERIAL_NAME}\n"
        "Ka 1.000 1.000 1.000\n"
        "Kd 1.000 1.000 1.000\n"
        "Ks 0.000 0.000 0.000\n"
        "d 1.0\n"
        "illum 1\n"
        f"map_Kd {TEXTURE_NAME}\n"
    )


register(
    ExportFormat(
        "obj",
        OBJ_NAME,
        "model/obj",
        export_obj,
        preview_field="preview_mesh_url",
        model_fields=("mesh_url_obj", "mesh_url", "polished_mesh_url"),
    )
)
register(
    ExportFormat(
        "zip",
        "mesh.zip",
        "application/zip",
        export_obj_zip,
        preview_field="preview_mesh_url_zip",
        model_fields=("mesh_url_zip",),
    )
)

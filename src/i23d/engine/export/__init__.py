"""Every download format, one module and one function each, behind one registry.

The service and the CLI call ``EXPORTERS[fmt](asset)`` for an
:class:`~i23d.engine.asset.Asset` from :func:`~i23d.engine.postprocess.postprocess`; each
returns the file's bytes, to be stored under ``FILE_NAMES[fmt]``.

=======  ==============  ================================================================
format   file            contents
=======  ==============  ================================================================
glb      mesh.glb        glTF 2.0 binary: triangles, normals, UVs, PBR base-colour texture
obj      mesh.obj        bare Wavefront OBJ: positions, UVs, normals; quads kept
zip      mesh.zip        mesh.obj + mesh.mtl + mesh.png
fbx      mesh.fbx        binary FBX, texture embedded, quads kept (Blender worker process)
usdz     mesh.usdz       USDZ (upAxis Y, metersPerUnit 1), UsdPreviewSurface + texture
3mf      mesh.3mf        3MF, welded manifold solid, millimetres (declared in the file)
stl      mesh.stl        binary STL, welded solid, millimetres (the slicers' convention)
mp4      turntable.mp4   512² H.264 turntable
gif      turntable.gif   256² looping GIF turntable
png      thumbnail.png   512² RGBA thumbnail
=======  ==============  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable

from i23d.engine.asset import Asset
from i23d.engine.export.fbx import export_fbx
from i23d.engine.export.glb import export_glb
from i23d.engine.export.media import (
    export_thumbnail_png,
    export_turntable_gif,
    export_turntable_mp4,
)
from i23d.engine.export.obj import export_obj, export_obj_zip
from i23d.engine.export.printing import export_3mf, export_stl
from i23d.engine.export.usdz import export_usdz

Exporter = Callable[[Asset], bytes]

EXPORTERS: dict[str, Exporter] = {
    "glb": export_glb,
    "obj": export_obj,
    "zip": export_obj_zip,
    "fbx": export_fbx,
    "usdz": export_usdz,
    "3mf": export_3mf,
    "stl": export_stl,
    "mp4": export_turntable_mp4,
    "gif": export_turntable_gif,
    "png": export_thumbnail_png,
}
"""Format name to exporter: ``EXPORTERS[fmt](asset) -> bytes``."""

MESH_FORMATS: tuple[str, ...] = ("glb", "obj", "zip", "fbx", "usdz", "3mf", "stl")
MEDIA_FORMATS: tuple[str, ...] = ("mp4", "gif", "png")

FILE_NAMES: dict[str, str] = {
    "glb": "mesh.glb",
    "obj": "mesh.obj",
    "zip": "mesh.zip",
    "fbx": "mesh.fbx",
    "usdz": "mesh.usdz",
    "3mf": "mesh.3mf",
    "stl": "mesh.stl",
    "mp4": "turntable.mp4",
    "gif": "turntable.gif",
    "png": "thumbnail.png",
}
"""The file name each format is stored and downloaded under."""

MEDIA_TYPES: dict[str, str] = {
    "glb": "model/gltf-binary",
    "obj": "model/obj",
    "zip": "application/zip",
    "fbx": "application/octet-stream",
    "usdz": "model/vnd.usdz+zip",
    "3mf": "model/3mf",
    "stl": "model/stl",
    "mp4": "video/mp4",
    "gif": "image/gif",
    "png": "image/png",
}
"""The HTTP ``Content-Type`` of each format."""

__all__ = ["EXPORTERS", "FILE_NAMES", "MEDIA_FORMATS", "MEDIA_TYPES", "MESH_FORMATS", "Exporter"]

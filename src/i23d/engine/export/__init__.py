"""Every download format, one record each in one table (:mod:`i23d.engine.export.registry`).

The service and the CLI call ``available_formats()[fmt].write(asset)`` for an
:class:`~i23d.engine.asset.Asset` from :func:`~i23d.engine.postprocess.postprocess`; each
returns the file's bytes, stored under the record's ``file_name``.

=======  ==============  ================================================================
format   file            contents
=======  ==============  ================================================================
glb      mesh.glb        glTF 2.0 binary: triangles, normals, UVs, PBR base-colour texture
obj      mesh.obj        bare Wavefront OBJ: positions, UVs, normals; quads kept
zip      mesh.zip        mesh.obj + mesh.mtl + mesh.png
fbx      mesh.fbx        binary FBX, texture embedded, quads kept (Blender worker process;
                         offered only where Blender's Python is installed)
usdz     mesh.usdz       USDZ (upAxis Y, metersPerUnit 1), UsdPreviewSurface + texture
3mf      mesh.3mf        3MF, welded manifold solid, millimetres (declared in the file)
stl      mesh.stl        binary STL, welded solid, millimetres (the slicers' convention)
mp4      turntable.mp4   512² H.264 turntable
gif      turntable.gif   256² looping GIF turntable
png      thumbnail.png   512² RGBA thumbnail
=======  ==============  ================================================================

Importing this package imports every module in it, and each format module registers its own
records; so a new format is one new module. The ``*_blender`` modules are not imported: they
are scripts run inside Blender's Python.
"""

from __future__ import annotations

import importlib
import pkgutil

from i23d.engine.export.registry import (
    FORMATS,
    Exporter,
    ExportFormat,
    available_formats,
    format_of_suffix,
    missing_formats,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry" and not _module.name.endswith("_blender"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "FORMATS",
    "ExportFormat",
    "Exporter",
    "available_formats",
    "format_of_suffix",
    "missing_formats",
]

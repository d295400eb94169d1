"""Formats for 3-D printing: 3MF and binary STL, in millimetres, geometry only (trimesh).

Slicers read STL numbers as millimetres, and trimesh's 3MF writer declares
``unit="millimeter"``, so both files carry the model scaled from metres to millimetres: a
0.2 m model reads as 200 mm. Vertices are welded across UV seams so the solid is manifold.
"""

from __future__ import annotations

import trimesh

from i23d.engine.asset import Asset
from i23d.engine.export.registry import ExportFormat, register

MILLIMETRES_PER_METRE = 1000.0


def export_3mf(asset: Asset) -> bytes:
    """A 3MF package with the welded solid; its model declares ``unit="millimeter"``."""
    return trimesh.exchange.threemf.export_3MF(_solid_in_millimetres(asset))


def export_stl(asset: Asset) -> bytes:
    """A binary STL of the welded solid, in millimetres."""
    return trimesh.exchange.stl.export_stl(_solid_in_millimetres(asset))


def _solid_in_millimetres(asset: Asset) -> trimesh.Trimesh:
    solid = asset.solid
    return trimesh.Trimesh(solid.vertices * MILLIMETRES_PER_METRE, solid.faces, process=False)


register(
    ExportFormat(
        "3mf",
        "mesh.3mf",
        "model/3mf",
        export_3mf,
        preview_field="preview_mesh_url_3mf",
        model_fields=("mesh_url_3mf",),
    )
)
register(ExportFormat("stl", "mesh.stl", "model/stl", export_stl))

"""3MF (read by lib3mf) and STL (read by numpy-stl): closed solids, in millimetres, to size."""

from __future__ import annotations

from pathlib import Path

import lib3mf
import numpy as np
from stl import mesh as stl_mesh

from i23d.engine.asset import Asset
from i23d.engine.export.printing import export_3mf, export_stl
from tests.engine.export.conftest import TRIS_OPTIONS
from tests.engine.export.models import edge_use_counts

EXPECTED_MM = np.asarray(TRIS_OPTIONS.scaled_bbox) * 1000.0


def test_3mf_declares_millimetres_and_holds_a_closed_solid_to_size(
    tris_asset: Asset, tmp_path: Path
) -> None:
    path = tmp_path / "mesh.3mf"
    path.write_bytes(export_3mf(tris_asset))
    wrapper = lib3mf.get_wrapper()
    model = wrapper.CreateModel()
    model.QueryReader("3mf").ReadFromFile(str(path))
    assert model.GetUnit() == lib3mf.ModelUnit.MilliMeter
    objects = model.GetMeshObjects()
    assert objects.MoveNext()
    mesh = objects.GetCurrentMeshObject()
    vertices = np.array([vertex.Coordinates[0:3] for vertex in mesh.GetVertices()])
    triangles = np.array([triangle.Indices[0:3] for triangle in mesh.GetTriangleIndices()])
    assert mesh.IsManifoldAndOriented()
    assert set(edge_use_counts(triangles).tolist()) == {2}
    np.testing.assert_allclose(np.ptp(vertices, axis=0), EXPECTED_MM, rtol=0.005)


def test_stl_is_a_closed_outward_solid_in_millimetres(tris_asset: Asset, tmp_path: Path) -> None:
    path = tmp_path / "mesh.stl"
    path.write_bytes(export_stl(tris_asset))
    solid = stl_mesh.Mesh.from_file(str(path))
    corners = solid.vectors.reshape(-1, 3)
    np.testing.assert_allclose(np.ptp(corners, axis=0), EXPECTED_MM, rtol=0.005)
    volume, _, _ = solid.get_mass_properties()
    assert volume > 0  # outward-facing triangles
    _, welded = np.unique(corners, axis=0, return_inverse=True)
    assert set(edge_use_counts(welded.reshape(-1, 3)).tolist()) == {2}

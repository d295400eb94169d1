"""OBJ, bare and zipped with MTL and texture: read back by ufbx (keeps polygons) and trimesh."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from i23d.engine.asset import Asset
from i23d.engine.export.obj import export_obj, export_obj_zip
from tests.engine.export.conftest import QUADS_OPTIONS, TRIS_OPTIONS
from tests.engine.export.ufbx_read import read_with_ufbx


def test_bare_obj_keeps_quads_uvs_and_size(quads_asset: Asset, tmp_path: Path) -> None:
    path = tmp_path / "mesh.obj"
    path.write_bytes(export_obj(quads_asset))
    assert b"mtllib" not in path.read_bytes()
    obj = read_with_ufbx(path, tmp_path / "unused.png")
    assert obj["face_count"] == len(quads_asset.quads)
    assert obj["face_sizes"] == [4]
    assert obj["uv"] is not None and obj["has_normal"]
    extent = np.ptp(np.asarray(obj["world_metres"]), axis=0)
    np.testing.assert_allclose(extent, QUADS_OPTIONS.scaled_bbox, rtol=0.005)


def test_triangle_obj_reads_back_in_trimesh(tris_asset: Asset) -> None:
    mesh = trimesh.load(io.BytesIO(export_obj(tris_asset)), file_type="obj", process=False)
    assert len(mesh.faces) == len(tris_asset.triangles)
    np.testing.assert_allclose(mesh.extents, TRIS_OPTIONS.scaled_bbox, rtol=0.005)


def test_zip_holds_obj_mtl_and_the_texture(quads_asset: Asset, tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(export_obj_zip(quads_asset))) as archive:
        assert sorted(archive.namelist()) == ["mesh.mtl", "mesh.obj", "mesh.png"]
        archive.extractall(tmp_path)
    texture = Image.open(tmp_path / "mesh.png")
    assert texture.size == (QUADS_OPTIONS.texture_resolution,) * 2
    obj = read_with_ufbx(tmp_path / "mesh.obj", tmp_path / "unused.png")
    assert obj["face_sizes"] == [4]
    assert obj["texture_file"] == "mesh.png"
    # trimesh, reading the extracted folder, finds the texture through the MTL
    loaded = trimesh.load(tmp_path / "mesh.obj", process=False, force="mesh")
    image = loaded.visual.material.image
    assert image is not None and image.size == texture.size
    assert np.asarray(image.convert("RGB")).std() > 10
